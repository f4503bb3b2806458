/*
 * proc_timerslack - /proc/PID/timerslack_ns against the kernel's (fs/proc/base.c's
 * timerslack_ns_show and _write): the slack of PID's thread group leader, 0666, so anyone opens
 * it; reading or writing it as a task other than that leader needs CAP_SYS_NICE, and the EPERM
 * comes at the read or the write, not the open; a write is a decimal number (an optional '+',
 * a trailing newline; nothing else) and 0 restores the task's default; there is none under
 * /proc/PID/task/TID. systemd writes it for TimerSlackNSec= of services it starts.
 *
 * Under faultline the file used to be the host's own: every guest read faultline's slack, and
 * a write changed faultline's.
 *
 * Run twice over: with CAP_SYS_NICE (as root) and without it (dropped from the effective set
 * with capset, when the test runs as root; a non-root run has neither).
 */
#define _GNU_SOURCE
#include "guest.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAP_SYS_NICE 23

static char path_of[64];

static const char *slack_path(pid_t pid)
{
    snprintf(path_of, sizeof(path_of), "/proc/%d/timerslack_ns", (int)pid);
    return path_of;
}

/* Open (as `how`), then read: what each step gave. */
static void show_read(const char *what, const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open %s\n", what, guest_errno_name(errno));
        return;
    }
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n < 0)
        printf("%s: open ok, read %s\n", what, guest_errno_name(errno));
    else
        printf("%s: %s", what, n ? buf : "(empty)\n");
    /* a second read goes on from the end: nothing more */
    if (n > 0)
        printf("%s: then %zd\n", what, read(fd, buf, sizeof(buf)));
    close(fd);
}

static void show_write(const char *what, const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        printf("%s: open %s\n", what, guest_errno_name(errno));
        return;
    }
    ssize_t n = write(fd, text, strlen(text));
    if (n < 0)
        printf("%s: write %s\n", what, guest_errno_name(errno));
    else
        printf("%s: wrote %zd, slack now %ld\n", what, n, (long)prctl(PR_GET_TIMERSLACK));
    close(fd);
}

static void *other_thread(void *arg)
{
    (void)arg;
    /* not the leader: the file of its own process is another task's */
    show_read("thread reads its process's", "/proc/self/timerslack_ns");
    show_write("thread writes its process's", "/proc/self/timerslack_ns", "4242");
    prctl(PR_SET_TIMERSLACK, 99000);
    return NULL;
}

static void round_of_checks(void)
{
    show_read("own", "/proc/self/timerslack_ns");
    prctl(PR_SET_TIMERSLACK, 123456);
    show_read("after PR_SET_TIMERSLACK", slack_path(getpid()));
    show_write("decimal with newline", "/proc/self/timerslack_ns", "777\n");
    show_write("plus sign", "/proc/self/timerslack_ns", "+5");
    show_write("hex", "/proc/self/timerslack_ns", "0x10");
    show_write("negative", "/proc/self/timerslack_ns", "-1");
    show_write("word", "/proc/self/timerslack_ns", "abc");
    show_write("empty", "/proc/self/timerslack_ns", "");
    show_write("too big", "/proc/self/timerslack_ns", "18446744073709551616");
    show_write("zero: the default", "/proc/self/timerslack_ns", "0");

    pthread_t t;
    if (pthread_create(&t, NULL, other_thread, NULL))
        guest_die("pthread_create");
    pthread_join(t, NULL);
    /* the thread's prctl set its own slack, not the leader's that the file shows */
    show_read("after the thread's PR_SET_TIMERSLACK", "/proc/self/timerslack_ns");

    int ready[2], go[2];
    if (pipe(ready) || pipe(go))
        guest_die("pipe");
    pid_t child = fork();
    if (child == 0) {
        char c;
        close(ready[0]);
        close(go[1]);
        if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
            _exit(100);
        show_read("child reads its own", "/proc/self/timerslack_ns");
        show_read("child reads its parent's", slack_path(getppid()));
        show_write("child writes its parent's", slack_path(getppid()), "31337");
        _exit(0);
    }
    char c;
    close(ready[1]);
    close(go[0]);
    if (read(ready[0], &c, 1) != 1)
        guest_die("child start");
    show_read("parent reads the child's", slack_path(child));
    show_write("parent writes the child's", slack_path(child), "2000");
    fflush(stdout);
    if (write(go[1], "g", 1) != 1)
        guest_die("child go");
    int st;
    waitpid(child, &st, 0);
    printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    show_read("parent's after the child", "/proc/self/timerslack_ns");
    /* its pid is gone now */
    show_read("the reaped child's", slack_path(child));
    char task_path[96];
    snprintf(task_path, sizeof(task_path), "/proc/self/task/%d/timerslack_ns", (int)getpid());
    show_read("under task/", task_path);
    fflush(stdout);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("== with CAP_SYS_NICE: %s\n", geteuid() == 0 ? "yes" : "no (not root)");
    round_of_checks();
    prctl(PR_SET_TIMERSLACK, 0); /* back to the default */
    if (geteuid() == 0) {
        uint32_t d[6];
        if (guest_capget(d))
            guest_die("capget");
        d[0] &= ~(1u << CAP_SYS_NICE); /* effective */
        if (guest_capset(d))
            guest_die("capset");
        printf("== without CAP_SYS_NICE\n");
        round_of_checks();
    }
    return 0;
}
