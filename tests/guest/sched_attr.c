/*
 * sched_attr - sched_getattr and sched_setattr (chrt calls them), and the fair policies kept:
 * SCHED_BATCH or SCHED_IDLE set by sched_setscheduler or sched_setattr reads back from
 * sched_getscheduler and sched_getattr, in the caller and in a child it forks; sched_setattr's
 * sched_nice is the task's nice (clamped to -20..19) for SCHED_OTHER and SCHED_BATCH, not
 * SCHED_IDLE; SCHED_FLAG_KEEP_PARAMS keeps policy and nice. The size checks (EINVAL below 48 bytes
 * for sched_getattr; E2BIG for sched_setattr, which writes the size it knows back; E2BIG for
 * non-zero bytes past it) and the argument checks. faultline had neither call until
 * 2026-12-06 (ENOSYS, with a line on stderr) and read every policy back as SCHED_OTHER.
 * /proc/PID/stat says the same: priority 20 + nice, nice, policy (fields 18, 19, 41: what ps
 * shows as PRI, NI and CLS), and exit_signal (field 38: SIGCHLD for a process, -1 for a
 * thread); until 2026-12-07 it said 20, 0, 0 and 17 whatever the task had set. (Not after
 * SCHED_IDLE with a nice: Linux 5.x and later take that nice into the priority, 4.20 did not.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
    uint32_t sched_util_min, sched_util_max;
    uint8_t more[72]; /* room for a 128-byte sched_getattr */
};

static const char *err(long r)
{
    return r < 0 ? strerrorname_np(errno) : "ok";
}

/* Fields 18, 19, 38 and 41 of a /proc stat file, or -99 each if unreadable. */
static void stat_fields(const char *path, long out[4])
{
    static const int want[4] = {18, 19, 38, 41};
    char buf[1024];
    out[0] = out[1] = out[2] = out[3] = -99;
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    char *s = strrchr(buf, ')');
    if (!s)
        return;
    int field = 2, k = 0;
    for (char *tok = strtok(s + 1, " "); tok && k < 4; tok = strtok(NULL, " "))
        if (++field == want[k])
            out[k++] = strtol(tok, NULL, 10);
}

static void show_stat(const char *what)
{
    long v[4];
    stat_fields("/proc/self/stat", v);
    printf("%s: stat priority %ld nice %ld exit_signal %ld policy %ld\n", what, v[0], v[1], v[2],
           v[3]);
}

static void *thread_stat(void *arg)
{
    char path[64];
    long v[4];
    (void)arg;
    snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", (long)syscall(SYS_gettid));
    stat_fields(path, v);
    printf("thread: stat priority %ld nice %ld exit_signal %ld policy %ld\n", v[0], v[1], v[2],
           v[3]);
    return NULL;
}

static void show(const char *what)
{
    struct attr a;
    memset(&a, 0xff, sizeof(a));
    long r = syscall(SYS_sched_getattr, 0, &a, 56, 0);
    printf("%s: getattr %s size %u policy %u flags %llu nice %d prio %u runtime>0 %d; "
           "getscheduler %d getpriority %d\n",
           what, err(r), a.size, a.sched_policy, (unsigned long long)a.sched_flags, a.sched_nice,
           a.sched_priority, a.sched_runtime > 0, sched_getscheduler(0),
           getpriority(PRIO_PROCESS, 0));
}

static long setattr(uint32_t size, uint32_t policy, int nice, uint32_t prio, uint64_t flags)
{
    struct attr a;
    memset(&a, 0, sizeof(a));
    a.size = size;
    a.sched_policy = policy;
    a.sched_nice = nice;
    a.sched_priority = prio;
    a.sched_flags = flags;
    return syscall(SYS_sched_setattr, 0, &a, 0);
}

int main(void)
{
    struct attr a;
    struct sched_param sp = {0};

    show("start");
    memset(&a, 0xff, sizeof(a));
    long r = syscall(SYS_sched_getattr, 0, &a, 128, 0);
    printf("getattr size 128: %s size %u, zeroed past 56 %d\n", err(r), a.size,
           a.more[0] == 0 && a.more[71] == 0);
    r = syscall(SYS_sched_getattr, 0, &a, 48, 0);
    printf("getattr size 48: %s size %u\n", err(r), a.size);
    printf("getattr size 40: %s\n", err(syscall(SYS_sched_getattr, 0, &a, 40, 0)));
    printf("getattr flags 1: %s\n", err(syscall(SYS_sched_getattr, 0, &a, 56, 1)));
    printf("getattr pid -1: %s\n", err(syscall(SYS_sched_getattr, -1, &a, 56, 0)));
    printf("getattr pid 99999: %s\n", err(syscall(SYS_sched_getattr, 99999, &a, 56, 0)));

    show_stat("start");
    printf("setscheduler BATCH: %s\n", err(sched_setscheduler(0, SCHED_BATCH, &sp)));
    show("batch");
    show_stat("batch");
    printf("setparam 0: %s\n", err(sched_setparam(0, &sp)));
    show("after setparam");
    printf("setattr IDLE nice 4: %s\n", err(setattr(56, SCHED_IDLE, 4, 0, 0)));
    show("idle");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show("child");
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("setattr size 0 (VER0) OTHER nice -25: %s\n", err(setattr(0, SCHED_OTHER, -25, 0, 0)));
    show("other");
    printf("setattr KEEP_PARAMS BATCH nice 7: %s\n", err(setattr(56, SCHED_BATCH, 7, 0, 0x10)));
    show("keep params"); /* neither changes */
    printf("setattr BATCH nice 1: %s\n", err(setattr(56, SCHED_BATCH, 1, 0, 0)));
    printf("setattr KEEP_POLICY IDLE nice 2: %s\n", err(setattr(56, SCHED_IDLE, 2, 0, 0x08)));
    show("keep policy"); /* still BATCH, nice 2 */
    show_stat("keep policy");
    pthread_t t;
    if (pthread_create(&t, NULL, thread_stat, NULL) == 0)
        pthread_join(t, NULL);
    printf("setpriority -3: %s\n", err(setpriority(PRIO_PROCESS, 0, -3)));
    show_stat("nice -3");

    memset(&a, 0, sizeof(a));
    a.size = 40;
    r = syscall(SYS_sched_setattr, 0, &a, 0);
    printf("setattr size 40: %s, size now %u\n", err(r), a.size);
    memset(&a, 0, sizeof(a));
    a.size = 72;
    r = syscall(SYS_sched_setattr, 0, &a, 0);
    printf("setattr size 72, zeros past: %s\n", err(r));
    a.size = 72;
    a.more[3] = 1;
    r = syscall(SYS_sched_setattr, 0, &a, 0);
    printf("setattr size 72, non-zero past: %s, size now %u\n", err(r), a.size);
    printf("setattr flags arg 1: %s\n", err(syscall(SYS_sched_setattr, 0, &a, 1)));
    printf("setattr OTHER prio 1: %s\n", err(setattr(56, SCHED_OTHER, 0, 1, 0)));
    printf("setattr policy 9: %s\n", err(setattr(56, 9, 0, 0, 0)));
    printf("setattr unknown flag: %s\n", err(setattr(56, SCHED_OTHER, 0, 0, 0x1000)));
    printf("setattr util clamp at VER0: %s\n", err(setattr(48, SCHED_OTHER, 0, 0, 0x20)));
    show("end");
    return 0;
}
