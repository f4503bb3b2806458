/*
 * proc_environ: /proc/PID/environ is the environment area of that process as it is now: after
 * an execve with an environment of its own (not the one its parent, or the program that started
 * the run, had), in a forked child reading its parent's, and after the program wrote into the
 * area itself (setenv does not: it builds a new environ array elsewhere).
 *
 * usage: proc_environ (it runs itself again with a made-up environment)
 */
#define _GNU_SOURCE
#include "guest.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static char buf[65536];

/* The file's bytes, NULs shown as '|'. */
static void show(const char *who, const char *path)
{
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

    if (n < 0) {
        printf("%s: %s\n", who, guest_errno_name(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    close(fd);
    for (ssize_t i = 0; i < n; i++)
        if (!buf[i])
            buf[i] = '|';
    printf("%s: %zd bytes: %.*s\n", who, n, (int)n, buf);
}

int main(int argc, char **argv, char **envp)
{
    if (argc < 2) {
        char *args[] = {argv[0], "again", NULL};
        char *env[] = {"ALPHA=1", "BETA=two words", "EMPTY=", NULL};
        execve("/proc/self/exe", args, env);
        guest_die("execve");
    }
    show("after execve", "/proc/self/environ");
    setenv("GAMMA", "3", 1);
    show("after setenv", "/proc/self/environ");
    envp[0][0] = 'a'; /* the area itself, as a program that rewrites its title does */
    show("after a write into the area", "/proc/self/environ");

    fflush(stdout);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/environ", (int)parent);
        show("child, the parent's", path);
        fflush(stdout);
        _exit(0);
    }
    printf("child status %d\n", guest_reap(pid));
    return 0;
}
