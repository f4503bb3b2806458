/*
 * native_faults.c - the page faults the host kernel takes in a native run, address by address,
 * for `faultline compare --pages`.
 *
 * The child runs without address-space randomization (personality ADDR_NO_RANDOMIZE, as under
 * setarch -R), which is the layout the model uses, so a page means the same thing in both runs,
 * and on one CPU, as the guest (native_pin_one_cpu).
 * Its faults are sampled with perf_event_open: the software event PERF_COUNT_SW_PAGE_FAULTS with
 * a period of 1, so every fault is one sample carrying the faulting address (PERF_SAMPLE_ADDR)
 * and whether it came from user or kernel mode. The event is armed on the child before its exec
 * (enable_on_exec) and inherited by every task the child creates; samples of other processes
 * (children, by their pid) are dropped, so the result is the process with all its threads.
 * Linux does not let one ring buffer take an inherited event's samples from several tasks
 * (perf_mmap refuses cpu -1 with inherit), so there is one event and ring per CPU, as
 * `perf record` has, and the samples are merged by their time stamps.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/native_faults.h"

#define RING_PAGES_ALL 1024 /* 4 MiB of samples (40 bytes each) over all CPUs' rings, ... */
#define RING_PAGES_MIN 16   /* ... but at least this many per CPU: drained every 20 ms */
#define MAX_CPUS       1024

static int add_sample(struct fault_samples *s, uint64_t addr, uint64_t time, bool user)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        struct fault_sample *v = realloc(s->v, cap * sizeof(*v));
        if (!v)
            return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = (struct fault_sample){.addr = addr, .time = time, .user = user};
    return 0;
}

/* A sample's fields, in the order PERF_SAMPLE_* bits put them (sample_type below). */
struct sample_body {
    uint64_t ip;
    uint32_t pid, tid;
    uint64_t time;
    uint64_t addr;
};

/* Copy len bytes at ring offset off (the ring wraps) into dst. */
static void ring_copy(const unsigned char *data, size_t size, uint64_t off, void *dst, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ((unsigned char *)dst)[i] = data[(off + i) % size];
}

/* Take every complete record of process pid off the ring. */
static int drain(struct perf_event_mmap_page *meta, pid_t pid, struct fault_samples *s)
{
    const unsigned char *data = (const unsigned char *)meta + meta->data_offset;
    size_t size = meta->data_size;
    uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE), tail = meta->data_tail;
    int rc = 0;
    while (tail < head) {
        struct perf_event_header h;
        ring_copy(data, size, tail, &h, sizeof(h));
        if (h.size < sizeof(h))
            break;
        if (h.type == PERF_RECORD_SAMPLE && h.size >= sizeof(h) + sizeof(struct sample_body)) {
            struct sample_body b;
            ring_copy(data, size, tail + sizeof(h), &b, sizeof(b));
            bool user = (h.misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_USER;
            if (b.pid == (uint32_t)pid && add_sample(s, b.addr, b.time, user))
                rc = -1;
        } else if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + 16) {
            uint64_t id_lost[2];
            ring_copy(data, size, tail + sizeof(h), id_lost, sizeof(id_lost));
            s->lost += id_lost[1];
        }
        tail += h.size;
    }
    __atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
    return rc;
}

static int by_time(const void *a, const void *b)
{
    const struct fault_sample *x = a, *y = b;
    return x->time < y->time ? -1 : x->time > y->time;
}

static int open_event(pid_t pid, int cpu, bool exclude_kernel)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_PAGE_FAULTS;
    attr.sample_period = 1;
    attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR;
    attr.disabled = 1;
    attr.enable_on_exec = 1;
    attr.inherit = 1;
    attr.exclude_hv = 1;
    attr.exclude_kernel = exclude_kernel;
    attr.wakeup_events = 256;
    return (int)syscall(SYS_perf_event_open, &attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int native_fault_run(char **argv, char **envp, int out_fd, struct fault_samples *s, int *status,
                     char *err, size_t errlen)
{
    int sync[2];
    if (pipe2(sync, O_CLOEXEC)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(sync[0]);
        close(sync[1]);
        return -1;
    }
    if (pid == 0) {
        char go;
        int null = open("/dev/null", O_RDONLY);
        close(sync[1]);
        personality((unsigned long)personality(0xffffffff) | ADDR_NO_RANDOMIZE);
        native_pin_one_cpu(NULL);
        signal(SIGPIPE, SIG_DFL); /* the model's run ignored it in this process */
        if (null >= 0)
            dup2(null, 0);
        dup2(out_fd, 1);
        if (read(sync[0], &go, 1) != 1)
            _exit(126); /* the parent could not arm the event */
        execvpe(argv[0], argv, envp);
        _exit(127);
    }
    close(sync[0]);
    long ncpu = sysconf(_SC_NPROCESSORS_CONF);
    ncpu = ncpu < 1 ? 1 : ncpu > MAX_CPUS ? MAX_CPUS : ncpu;
    size_t pages = RING_PAGES_ALL / (size_t)ncpu;
    while (pages & (pages - 1)) /* a power of two */
        pages &= pages - 1;
    if (pages < RING_PAGES_MIN)
        pages = RING_PAGES_MIN;
    size_t ring_len = (pages + 1) * (size_t)sysconf(_SC_PAGESIZE);
    int fds[MAX_CPUS];
    void *rings[MAX_CPUS];
    long n = 0;
    s->user_only = false;
    for (; n < ncpu; n++) {
        fds[n] = open_event(pid, (int)n, s->user_only);
        if (fds[n] < 0 && n == 0 && (errno == EACCES || errno == EPERM)) {
            s->user_only = true; /* perf_event_paranoid >= 2 */
            fds[n] = open_event(pid, (int)n, true);
        }
        if (fds[n] < 0 && errno == ENODEV && n > 0) /* an offline CPU: nothing runs there */
            rings[n] = NULL;
        else if (fds[n] < 0 || (rings[n] = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED,
                                                fds[n], 0)) == MAP_FAILED)
            break;
    }
    if (n < ncpu) {
        snprintf(err, errlen, "cannot sample the native run's page faults (perf_event_open: %s)",
                 strerror(errno));
        if (fds[n] >= 0)
            close(fds[n]);
        for (long i = 0; i < n; i++)
            if (fds[i] >= 0) {
                munmap(rings[i], ring_len);
                close(fds[i]);
            }
        close(sync[1]); /* the child reads EOF and exits */
        waitpid(pid, NULL, 0);
        return -1;
    }
    int rc = write(sync[1], "g", 1) == 1 ? 0 : -1;
    close(sync[1]);
    int st = 0;
    for (bool done = false; !done;) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        poll(&p, 1, 20);
        pid_t w = waitpid(pid, &st, WNOHANG);
        done = w == pid || (w < 0 && errno != EINTR);
        for (long i = 0; i < ncpu; i++)
            if (fds[i] >= 0 && drain(rings[i], pid, s))
                rc = -1;
    }
    for (long i = 0; i < ncpu; i++)
        if (fds[i] >= 0) {
            munmap(rings[i], ring_len);
            close(fds[i]);
        }
    if (s->n > 1)
        qsort(s->v, s->n, sizeof(s->v[0]), by_time);
    if (rc)
        snprintf(err, errlen, "out of memory for the fault samples");
    *status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    return rc;
}

bool native_pin_one_cpu(cpu_set_t *old)
{
    cpu_set_t now, one;
    if (sched_getaffinity(0, sizeof(now), &now))
        return false;
    if (old)
        *old = now;
    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &now)) {
            CPU_SET(cpu, &one);
            return sched_setaffinity(0, sizeof(one), &one) == 0;
        }
    return false;
}

void native_unpin(const cpu_set_t *old)
{
    sched_setaffinity(0, sizeof(*old), old);
}
