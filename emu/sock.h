/*
 * sock.h - what the socket calls share (emu/sys_net.c, emu/sys_msg.c): guest socket addresses
 * moved in and out as net/socket.c moves them, and the host flags of a send or receive.
 */
#ifndef FL_SOCK_H
#define FL_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct proc;
struct ofd;

/* Data goes through a host buffer of at most this much per call (a stream socket may move less
 * than asked; a datagram this large is beyond AF_UNIX's limits anyway). */
#define FL_SOCK_BOUNCE_MAX (1UL << 20)

/* The kernel's limit on a socket address (sizeof(struct sockaddr_storage)). */
#define FL_SOCKADDR_MAX 128

union fl_sockaddr {
    struct sockaddr sa;
    struct sockaddr_un un;
    char raw[FL_SOCKADDR_MAX + 1];
};

/* The socket address the guest passed (a length above 128 is EINVAL, a fault EFAULT), with an
 * AF_UNIX path name (not an abstract one, which starts with a NUL) translated from a guest path
 * to the host's. *len is updated. 0 or -errno. */
long move_addr_to_kernel(struct proc *p, uint64_t uaddr, int *len, union fl_sockaddr *addr);

/* Copy a host socket address out: *ulen says how much room there is, the address is cut to it,
 * and *ulen is set to the address's full length. 0 or -errno. */
long move_addr_to_user(struct proc *p, const union fl_sockaddr *addr, socklen_t len, uint64_t uaddr,
                       uint64_t ulen);

/* The host flags for a send or receive the guest asked with `flags`: never SIGPIPE (faultline
 * raises the guest's own from EPIPE), and MSG_DONTWAIT on a host-non-blocking socket, whose
 * EAGAIN parks a guest in blocking mode (syscall.c). */
int host_msg_flags(const struct ofd *o, int flags);

/* sock_rcvtimeo/sock_sndtimeo: a blocking call on guest fd `fd` is about to park because it
 * would block (a receive or accept: send false; a send or connect: send true). For a socket
 * whose host SO_RCVTIMEO/SO_SNDTIMEO is set, the first park starts the timeout
 * (p->sock_timeo_end) and every park waits at most until it ends (p->wait_deadline). true: park;
 * false: the timeout is over, and the call returns what it has, -EAGAIN if nothing. Any other
 * fd, or a socket without a timeout, always parks. */
bool sock_timeo_wait(struct proc *p, int fd, bool send);
/* A call that parked under a socket timeout has ended (a result, or a handler's EINTR). */
void sock_timeo_over(struct proc *p);

#endif
