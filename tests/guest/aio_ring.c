/*
 * aio_ring.c - Linux native AIO by its system calls, as libaio and InnoDB use it: io_setup's
 * ring (its header, read the way libaio reaps events without a call), io_submit of pwrite,
 * pread, preadv, fsync and fdatasync requests, io_getevents with and without a timeout, an
 * eventfd told of each completion (IOCB_FLAG_RESFD), a thread waiting for another's request,
 * a handler ending a wait (EINTR even under SA_RESTART), io_destroy waking a waiter, and the
 * errors. All of it was ENOSYS until 2026-12-07 (MariaDB: "native AIO failed").
 *
 *     aio_ring DIR      DIR: a scratch directory
 */
#define _GNU_SOURCE
#include <linux/aio_abi.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "guest.h"

struct ring { /* fs/aio.c's struct aio_ring */
    unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
    struct io_event events[];
};

static long io_setup(unsigned nr, aio_context_t *ctx)
{
    return syscall(SYS_io_setup, nr, ctx);
}
static long io_destroy(aio_context_t ctx)
{
    return syscall(SYS_io_destroy, ctx);
}
static long io_submit(aio_context_t ctx, long n, struct iocb **cbs)
{
    return syscall(SYS_io_submit, ctx, n, cbs);
}
static long io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev,
                         struct timespec *ts)
{
    return syscall(SYS_io_getevents, ctx, min, max, ev, ts);
}

static void say(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, guest_errno_name(errno));
    else
        printf("%s: %ld\n", what, r);
}

static struct iocb prep(int op, int fd, void *buf, size_t n, long long off, unsigned long data)
{
    struct iocb cb;
    memset(&cb, 0, sizeof(cb));
    cb.aio_lio_opcode = op;
    cb.aio_fildes = fd;
    cb.aio_buf = (unsigned long)buf;
    cb.aio_nbytes = n;
    cb.aio_offset = off;
    cb.aio_data = data;
    return cb;
}

static void show_events(const char *what, long n, struct io_event *ev)
{
    printf("%s: %ld events:", what, n);
    for (long i = 0; i < n; i++)
        printf(" [data %llu res %lld]", (unsigned long long)ev[i].data, (long long)ev[i].res);
    printf("\n");
}

static aio_context_t shared_ctx;
static long thread_got, thread_res;

static void *waiter(void *arg)
{
    struct io_event ev[4];
    thread_got = io_getevents(shared_ctx, 1, 4, ev, NULL);
    thread_res = thread_got > 0 ? (long)ev[0].data : -errno;
    return arg;
}

static void on_alarm(int sig)
{
    (void)sig;
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]) < 0)
        guest_die("chdir to the scratch directory");
    int fd = open("data", O_CREAT | O_RDWR | O_TRUNC, 0644);
    int wo = open("data", O_WRONLY);
    if (fd < 0 || wo < 0)
        guest_die("open");

    aio_context_t ctx = 0;
    say("io_setup(0)", io_setup(0, &ctx));
    say("io_setup(8)", io_setup(8, &ctx));
    aio_context_t again = ctx;
    say("io_setup with *ctxp set", io_setup(8, &again));
    struct ring *ring = (struct ring *)ctx;
    printf("ring: nr %u head %u tail %u magic %#x compat %u incompat %u header %u\n", ring->nr,
           ring->head, ring->tail, ring->magic, ring->compat_features, ring->incompat_features,
           ring->header_length);

    /* three writes at once, then their events */
    char a[4096], b[4096], c[100];
    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    memset(c, 'c', sizeof(c));
    struct iocb w[3] = {prep(IOCB_CMD_PWRITE, fd, a, sizeof(a), 0, 1),
                        prep(IOCB_CMD_PWRITE, fd, b, sizeof(b), 4096, 2),
                        prep(IOCB_CMD_PWRITE, fd, c, sizeof(c), 8192, 3)};
    struct iocb *wp[3] = {&w[0], &w[1], &w[2]};
    say("io_submit 3 writes", io_submit(ctx, 3, wp));
    printf("ring after submit: head %u tail %u\n", ring->head, ring->tail);
    struct io_event ev[8];
    long n = io_getevents(ctx, 3, 8, ev, NULL);
    show_events("writes", n, ev);
    for (long i = 0; i < n; i++)
        if (ev[i].obj != (unsigned long)wp[ev[i].data - 1])
            printf("event %ld names another iocb\n", i);
    printf("ring after getevents: head %u tail %u\n", ring->head, ring->tail);

    /* reads, a vector read, the syncs, with an eventfd told of each */
    int efd = eventfd(0, 0);
    char r1[4096], r2[50], v1[10], v2[20];
    struct iovec iov[2] = {{v1, sizeof(v1)}, {v2, sizeof(v2)}};
    struct iocb r[5] = {prep(IOCB_CMD_PREAD, fd, r1, sizeof(r1), 4096, 10),
                        prep(IOCB_CMD_PREAD, fd, r2, sizeof(r2), 8170, 11),
                        prep(IOCB_CMD_PREADV, fd, iov, 2, 4090, 12),
                        prep(IOCB_CMD_FSYNC, fd, NULL, 0, 0, 13),
                        prep(IOCB_CMD_FDSYNC, fd, NULL, 0, 0, 14)};
    struct iocb *rp[5];
    for (int i = 0; i < 5; i++) {
        r[i].aio_flags = IOCB_FLAG_RESFD;
        r[i].aio_resfd = efd;
        rp[i] = &r[i];
    }
    say("io_submit reads and syncs", io_submit(ctx, 5, rp));
    /* the syncs may complete after io_submit returns (a workqueue): the eventfd counts all 5 */
    uint64_t total = 0, count;
    while (total < 5) {
        if (read(efd, &count, sizeof(count)) != sizeof(count))
            guest_die("read eventfd");
        total += count;
    }
    printf("eventfd: %llu\n", (unsigned long long)total);
    /* libaio's way: the events straight from the ring (in the order they completed: shown by
     * their data) */
    unsigned head = ring->head, tail = ring->tail, got = 0;
    long long res_of[5] = {0};
    while (head != tail) {
        struct io_event *e = &ring->events[head];
        if (e->data >= 10 && e->data < 15)
            res_of[e->data - 10] = e->res;
        head = (head + 1) % ring->nr;
        got++;
    }
    ring->head = head;
    for (int i = 0; i < 5; i++)
        printf(" ring event data %d res %lld\n", 10 + i, res_of[i]);
    printf("reaped %u from the ring; r1 %s, r2 %.30s..., v1 %.10s v2 %.20s\n", got,
           r1[0] == 'b' && r1[4095] == 'b' ? "all b" : "wrong", r2, v1, v2);

    /* nothing there: a zero timeout and a short one return 0 */
    struct timespec zero = {0, 0}, short_ts = {0, 30000000};
    say("io_getevents, nothing, zero timeout", io_getevents(ctx, 1, 8, ev, &zero));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    say("io_getevents, nothing, 30 ms", io_getevents(ctx, 1, 8, ev, &short_ts));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("  waited %s\n", ms >= 29 && ms < 2000 ? "about 30 ms" : "wrong");

    /* errors */
    struct iocb bad = prep(IOCB_CMD_PREAD, 999, r1, 10, 0, 20);
    struct iocb *bp = &bad;
    say("io_submit, bad fd", io_submit(ctx, 1, &bp));
    bad = prep(99, fd, r1, 10, 0, 21);
    say("io_submit, bad opcode", io_submit(ctx, 1, &bp));
    bad = prep(IOCB_CMD_PREAD, fd, r1, 10, 0, 22);
    bad.aio_reserved2 = 1;
    say("io_submit, reserved2", io_submit(ctx, 1, &bp));
    bad = prep(IOCB_CMD_PREAD, wo, r1, 10, 0, 23);
    say("io_submit, read of a write-only fd", io_submit(ctx, 1, &bp));
    bad = prep(IOCB_CMD_PREAD, fd, r1, 10, 0, 24);
    bad.aio_flags = IOCB_FLAG_RESFD;
    bad.aio_resfd = fd;
    say("io_submit, resfd not an eventfd", io_submit(ctx, 1, &bp));
    struct iocb good = prep(IOCB_CMD_PREAD, fd, r1, 10, 0, 25);
    struct iocb *two[2] = {&good, &bad};
    say("io_submit, good then bad", io_submit(ctx, 2, two));
    say("io_submit, nr -1", io_submit(ctx, -1, two));
    say("io_submit, bad ctx", io_submit(12345, 1, two));
    n = io_getevents(ctx, 1, 8, ev, NULL);
    show_events("after the errors", n, ev);
    say("io_getevents, min > nr", io_getevents(ctx, 3, 2, ev, NULL));
    struct io_event cres;
    say("io_cancel, completed", syscall(SYS_io_cancel, ctx, &good, &cres));

    /* a thread waits without a timeout; the main thread's request ends the wait */
    shared_ctx = ctx;
    pthread_t th;
    pthread_create(&th, NULL, waiter, NULL);
    usleep(20000);
    struct iocb late = prep(IOCB_CMD_PREAD, fd, r1, 100, 0, 30);
    struct iocb *lp = &late;
    say("io_submit from main", io_submit(ctx, 1, &lp));
    pthread_join(th, NULL);
    printf("thread: got %ld, data %ld\n", thread_got, thread_res);

    /* a handler ends a wait with EINTR, SA_RESTART or not */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    say("io_getevents interrupted", io_getevents(ctx, 1, 8, ev, NULL));

    /* io_destroy wakes a waiter with EINVAL */
    thread_got = 0;
    pthread_create(&th, NULL, waiter, NULL);
    usleep(20000);
    say("io_destroy", io_destroy(ctx));
    pthread_join(th, NULL);
    printf("thread after io_destroy: got %ld (%s)\n", thread_got,
           thread_got < 0 ? guest_errno_name((int)-thread_res) : "events");
    say("io_destroy again", io_destroy(ctx));
    say("io_getevents after io_destroy", io_getevents(ctx, 0, 8, ev, &zero));
    return 0;
}
