/*
 * parent_queries: the calls that name a process by pid, asked about the program's own parent
 * (under faultline: faultline itself, which getppid reports). Natively they all succeed; the
 * values printed are those that do not depend on the host: whether the parent is in the
 * caller's process group and session (a test harness does not give its children groups of their
 * own), its scheduling policy and priority, whether the affinity and round-robin queries work,
 * whether its nice value is the caller's (a child inherits it), its I/O priority class.
 * A pid that names no process is ESRCH for each of them.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "guest.h"

static const char *res(long r)
{
    return r < 0 ? (errno == ESRCH ? "ESRCH" : "error") : "ok";
}

static void queries(const char *who, pid_t pid)
{
    struct sched_param sp = {.sched_priority = -1};
    cpu_set_t set;
    struct timespec ts;
    struct {
        uint32_t version;
        int pid;
    } hdr = {0x20080522, pid};
    uint32_t caps[6];

    pid_t pg = getpgid(pid);
    printf("%s getpgid %s%s\n", who, res(pg), pg >= 0 && pg == getpgrp() ? " same group" : "");
    pid_t sid = getsid(pid);
    printf("%s getsid %s%s\n", who, res(sid), sid >= 0 && sid == getsid(0) ? " same session" : "");
    int pol = sched_getscheduler(pid);
    printf("%s sched_getscheduler %s %d\n", who, res(pol), pol);
    long r = sched_getparam(pid, &sp);
    printf("%s sched_getparam %s %d\n", who, res(r), sp.sched_priority);
    r = sched_getaffinity(pid, sizeof(set), &set);
    printf("%s sched_getaffinity %s\n", who, res(r));
    r = sched_rr_get_interval(pid, &ts);
    printf("%s sched_rr_get_interval %s\n", who, res(r));
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, pid);
    int err = errno;
    errno = 0;
    int mine = getpriority(PRIO_PROCESS, 0);
    errno = err;
    printf("%s getpriority %s%s\n", who, res(err ? -1 : 0),
           !err && prio == mine ? " same nice" : "");
    r = syscall(SYS_capget, &hdr, caps);
    printf("%s capget %s\n", who, res(r));
    r = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, pid);
    printf("%s ioprio_get %s class %ld\n", who, res(r), r < 0 ? -1 : r >> 13);
    printf("%s kill 0 %s\n", who, res(kill(pid, 0)));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    queries("parent", getppid());

    pid_t gone = fork();
    if (gone < 0)
        guest_die("fork");
    if (gone == 0)
        _exit(0);
    guest_reap(gone);
    queries("gone", gone);

    /* a child asks about its parent, a guest process */
    pid_t pid = fork();
    if (pid == 0) {
        queries("child's parent", getppid());
        _exit(0);
    }
    printf("child status %d\n", guest_reap(pid));
    return 0;
}
