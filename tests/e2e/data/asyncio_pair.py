"""asyncio under faultline: the event loop's self-pipe (a socket pair it sets non-blocking with
ioctl FIONBIO), a subprocess whose output comes through a pipe, and streams over a socket pair."""
import asyncio
import socket


async def main():
    proc = await asyncio.create_subprocess_exec("/bin/echo", "from a child",
                                                stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    print(out.decode().strip(), proc.returncode)

    a, b = socket.socketpair()
    srv_r, srv_w = await asyncio.open_connection(sock=a)
    cli_r, cli_w = await asyncio.open_connection(sock=b)
    for word in ("ping", "pong", "done"):
        cli_w.write(word.encode() + b"\n")
        await cli_w.drain()
        line = await srv_r.readline()
        srv_w.write(line.upper())
        await srv_w.drain()
        print((await cli_r.readline()).decode().strip())
    results = await asyncio.gather(*(asyncio.sleep(0.01 * i, result=i) for i in range(5)))
    print(results)


asyncio.run(main())
