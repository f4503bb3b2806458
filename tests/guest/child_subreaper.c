/*
 * child_subreaper - prctl(PR_SET_CHILD_SUBREAPER) and PR_GET_CHILD_SUBREAPER, against the
 * kernel's: a grandchild orphaned by its parent's exit becomes the subreaper's child (getppid,
 * and waitpid(-1) in the subreaper reaps it); a grandchild that died before its parent, a
 * zombie when reparented, is reaped by the subreaper too; a fork child does not inherit the
 * flag; with the flag cleared an orphan goes elsewhere (init natively, or whatever subreaper
 * is above the test; never the caller). Both prctls were EINVAL under faultline, and orphans
 * always went to init.
 *
 * Each orphaned grandchild prints its line and then writes a byte to a pipe the caller reads,
 * so the lines come in one order.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void show_get(const char *who)
{
    int v = -1;
    long r = prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0);
    if (r < 0)
        printf("%s: PR_GET_CHILD_SUBREAPER: %s\n", who, errno == EINVAL ? "EINVAL" : "error");
    else
        printf("%s: PR_GET_CHILD_SUBREAPER: %d\n", who, v);
}

/* Wait (in a grandchild) until the parent that forked it has gone: getppid changes. */
static pid_t wait_orphaned(pid_t parent)
{
    pid_t pp;
    while ((pp = getppid()) == parent)
        usleep(1000);
    return pp;
}

/* A child that forks a grandchild and exits 7; the grandchild, once orphaned, says whether
 * its new parent is `me` and exits 9. With `zombie`, the grandchild exits 11 at once and the
 * child exits only after it is a zombie (waitid WNOWAIT), so it is reparented dead. Returns
 * the grandchild's pid, read from a pipe. */
static pid_t orphan(pid_t me, int zombie)
{
    int fds[2];
    if (pipe(fds))
        guest_die("pipe");
    fflush(stdout);
    pid_t c = fork();
    if (c < 0)
        guest_die("fork");
    if (c == 0) {
        pid_t self = getpid();
        pid_t g = fork();
        if (g < 0)
            _exit(100);
        if (g == 0) {
            if (zombie)
                _exit(11);
            pid_t pp = wait_orphaned(self);
            printf("grandchild: new parent is %s\n", pp == me ? "the caller" : "not the caller");
            fflush(stdout);
            char done = 1; /* the caller goes on once this is printed */
            _exit(write(fds[1], &done, 1) == 1 ? 9 : 103);
        }
        if (write(fds[1], &g, sizeof(g)) != sizeof(g))
            _exit(101);
        if (zombie) {
            siginfo_t si;
            if (waitid(P_PID, (id_t)g, &si, WEXITED | WNOWAIT))
                _exit(102);
        }
        _exit(7);
    }
    pid_t g;
    close(fds[1]);
    if (read(fds[0], &g, sizeof(g)) != sizeof(g))
        guest_die("read");
    printf("child exit %d\n", guest_reap(c));
    char done;
    if (!zombie && read(fds[0], &done, 1) != 1)
        guest_die("read");
    close(fds[0]);
    return g;
}

/* waitpid(-1) for the orphan g: is it ours, and how did it end? */
static void reap_orphan(pid_t g)
{
    int st;
    pid_t r = waitpid(-1, &st, 0);
    if (r < 0)
        printf("waitpid(-1): %s\n", errno == ECHILD ? "ECHILD" : strerror(errno));
    else
        printf("waitpid(-1): %s, exit %d\n", r == g ? "the grandchild" : "another",
               WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
    pid_t me = getpid();
    show_get("at start");
    printf("PR_SET_CHILD_SUBREAPER 1: %d\n", prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    show_get("after set");

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        show_get("fork child");
        fflush(stdout);
        _exit(0);
    }
    printf("child exit %d\n", guest_reap(c));

    pid_t g = orphan(me, 0);
    reap_orphan(g);
    g = orphan(me, 1);
    reap_orphan(g);

    printf("PR_SET_CHILD_SUBREAPER 0: %d\n", prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0));
    show_get("after clear");
    orphan(me, 0);
    /* the orphan is someone else's now: nothing left to wait for */
    reap_orphan(0);
    return 0;
}
