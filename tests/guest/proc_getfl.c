/*
 * proc_getfl - F_GETFL of /proc files as the opener opened them: the access mode is the open's
 * (O_RDONLY for /proc/self/statm, status, maps, stat, meminfo, cpuinfo; O_RDWR for comm), and a
 * dup shares it, as does an O_NONBLOCK set by F_SETFL.
 *
 * faultline serves these files from a memfd it made, which the host has open read-write: until
 * 2026-12-07 F_GETFL answered the memfd's O_RDWR for a file the guest had opened read-only.
 * Chromium checks that the /proc/PID/status and statm descriptors it hands to its memory
 * instrumentation are read-only, and died of that CHECK (SIGTRAP) under faultline.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static void show(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd < 0) {
        printf("%-22s open failed\n", path);
        return;
    }
    int d = dup(fd);
    int fl = fcntl(fd, F_GETFL), dfl = fcntl(d, F_GETFL);
    fcntl(d, F_SETFL, dfl | O_NONBLOCK);
    int nb = fcntl(fd, F_GETFL);
    printf("%-22s %#x dup %#x after O_NONBLOCK %#x\n", path, fl, dfl, nb);
    close(d);
    close(fd);
}

int main(void)
{
    const char *ro[] = {"/proc/self/statm",  "/proc/self/status", "/proc/self/maps",
                        "/proc/self/stat",   "/proc/meminfo",     "/proc/cpuinfo",
                        "/proc/self/cmdline"};
    for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
        show(ro[i], O_RDONLY);
    show("/proc/self/comm", O_RDWR);
    show("/proc/self/comm", O_WRONLY);
    return 0;
}
