/*
 * kmsg_log MODE: the kernel's log as a guest reads it (syslog(2), /dev/kmsg), on a machine that
 * has just booted: run under faultline only (tests/e2e/kmsg.py), as root (CAP_SYSLOG, and
 * /dev/kmsg is 0644 root). Natively the host's log has lines of its own and a write to
 * /dev/kmsg would go into it. stdout is the same from run to run: no pid, time or address.
 *
 *   segv    a child stores to address 0 and dies; the parent finds the kernel's "segfault at"
 *           record of that child with syslog(READ_ALL) ("<6>[    s.uuuuuu] ...") and with
 *           /dev/kmsg ("6,seq,usec,-;..."): the same time in both, between the fork and the wait
 *           on the guest's CLOCK_MONOTONIC.
 *   syslog  SIZE_UNREAD, READ (partial, then the rest), CLEAR, READ_CLEAR, SEEK_DATA/SET/END
 *           and writev on /dev/kmsg, a record too long for a read, poll, and a child's READ
 *           that waits until the parent writes a line.
 *   epipe   a /dev/kmsg reader at the first record while more than the 128 KiB buffer is
 *           written: EPIPE, then the oldest record kept; the buffer nearly full; an 11th write
 *           on one file ratelimited (kernel.printk_devkmsg=ratelimit) and the line its close
 *           leaves; a line longer than LOG_LINE_MAX is EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    READ = 2,
    READ_ALL = 3,
    READ_CLEAR = 4,
    CLEAR = 5,
    SIZE_UNREAD = 9,
    SIZE_BUFFER = 10,
};

static char all[1 << 18], part[1 << 18], rec[8192];

static const char *res(long r)
{
    static char s[64];
    if (r < 0)
        snprintf(s, sizeof(s), "%s", strerrorname_np(errno));
    else
        snprintf(s, sizeof(s), "%ld", r);
    return s;
}

/* one line into the log through a /dev/kmsg of its own (a fresh ratelimit) */
static long kwrite(const char *msg)
{
    int fd = open("/dev/kmsg", O_WRONLY);
    if (fd < 0)
        return -1;
    long n = write(fd, msg, strlen(msg));
    int e = errno;
    close(fd);
    errno = e;
    return n;
}

static unsigned long long now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000 + (unsigned long long)ts.tv_nsec / 1000;
}

/* "<prio>[    s.uuuuuu] text" -> prio, time, text; false if not that form */
static int parse_syslog_line(const char *l, unsigned *prio, unsigned long long *usec,
                             const char **text)
{
    unsigned long s, us;
    int n = 0;
    if (sscanf(l, "<%u>[%lu.%6lu] %n", prio, &s, &us, &n) != 3 || !n)
        return 0;
    *usec = (unsigned long long)s * 1000000 + us;
    *text = l + n;
    return 1;
}

/* a /dev/kmsg record "prio,seq,usec,flag;text\n" */
static int parse_record(const char *r, unsigned *prio, unsigned long long *seq,
                        unsigned long long *usec, char *flag, const char **text)
{
    int n = 0;
    if (sscanf(r, "%u,%llu,%llu,%c;%n", prio, seq, usec, flag, &n) != 4 || !n)
        return 0;
    *text = r + n;
    return 1;
}

/* the text of the one line in buf[0..len) (timestamp taken out): "<prio>text" */
static const char *strip_time(const char *buf, long len)
{
    static char out[1200];
    unsigned prio;
    unsigned long long usec;
    const char *text;
    char line[1200];
    snprintf(line, sizeof(line), "%.*s", (int)(len > 0 ? len : 0), buf);
    if (!parse_syslog_line(line, &prio, &usec, &text))
        return len > 0 ? "(not a syslog line)" : "(empty)";
    snprintf(out, sizeof(out), "<%u>%s", prio, text);
    size_t l = strlen(out);
    if (l && out[l - 1] == '\n')
        out[l - 1] = 0;
    return out;
}

static int segv(void)
{
    unsigned long long t0 = now_usec();
    pid_t pid = fork();
    if (pid == 0) {
        volatile int *p;
        __asm__ volatile("" : "=r"(p) : "0"(0L));
        *p = 1;
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    unsigned long long t1 = now_usec();
    printf("child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    printf("SIZE_BUFFER: %s\n", res(klogctl(SIZE_BUFFER, NULL, 0)));

    /* a call faultline does not have: its note on faultline's stderr is not the kernel's */
    printf("syscall 999: %s\n", syscall(999) < 0 && errno == ENOSYS ? "ENOSYS" : "?");

    char want[64];
    snprintf(want, sizeof(want), "kmsg_log[%d]: segfault at 0 ip ", pid);
    long n = klogctl(READ_ALL, all, sizeof(all) - 1);
    all[n > 0 ? n : 0] = 0;
    unsigned long long ts_all = 0;
    int found = 0, emulators = 0;
    for (char *l = strtok(all, "\n"); l; l = strtok(NULL, "\n")) {
        unsigned prio;
        const char *text;
        unsigned long long usec;
        if (strstr(l, "faultline") || strstr(l, "unsupported syscall"))
            emulators++;
        if (parse_syslog_line(l, &prio, &usec, &text) && strncmp(text, want, strlen(want)) == 0) {
            const char *e = strstr(text, " error ");
            printf("READ_ALL: <%u> segfault at 0 of the child, error %c, in kmsg_log: %s\n", prio,
                   e ? e[7] : '?', strstr(text, " in kmsg_log[") ? "yes" : "no");
            printf("READ_ALL: its time between the fork and the wait: %s\n",
                   usec + 1 >= t0 && usec <= t1 ? "yes" : "no");
            ts_all = usec;
            found++;
        }
    }
    printf("READ_ALL: %d such line\n", found);
    printf("READ_ALL: %d line of the emulator's own\n", emulators);

    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    if (fd < 0) {
        printf("open /dev/kmsg: %s\n", strerrorname_np(errno));
        return 1;
    }
    found = 0;
    for (;;) {
        long r = read(fd, rec, sizeof(rec) - 1);
        if (r < 0) {
            printf("devkmsg: then %s\n", strerrorname_np(errno));
            break;
        }
        rec[r] = 0;
        unsigned prio;
        unsigned long long seq, usec;
        char flag;
        const char *text;
        if (parse_record(rec, &prio, &seq, &usec, &flag, &text) &&
            strncmp(text, want, strlen(want)) == 0) {
            printf("devkmsg: %u,SEQ,USEC,%c; segfault at 0 of the child, the same time: %s\n", prio,
                   flag, usec == ts_all ? "yes" : "no");
            found++;
        }
    }
    printf("devkmsg: %d such record\n", found);
    close(fd);
    return 0;
}

static int syslog_actions(void)
{
    printf("write one: %s\n", res(kwrite("<5>kmsg_log: one\n")));
    long unread = klogctl(SIZE_UNREAD, NULL, 0);
    long n = klogctl(READ_ALL, all, sizeof(all));
    printf("SIZE_UNREAD == READ_ALL's length: %s\n", unread == n && n > 0 ? "yes" : "no");
    printf("last line: %s\n", n > 0 ? strip_time(memrchr(all, '<', (size_t)n),
                                                 all + n - (char *)memrchr(all, '<', (size_t)n))
                                    : "-");

    long r = klogctl(READ, part, 10);
    printf("READ 10: %s, the first 10 bytes: %s\n", res(r),
           memcmp(part, all, 10) == 0 ? "yes" : "no");
    printf("SIZE_UNREAD 10 less: %s\n",
           klogctl(SIZE_UNREAD, NULL, 0) == unread - 10 ? "yes" : "no");
    r = klogctl(READ, part, sizeof(part));
    printf("READ the rest: %s\n",
           r == unread - 10 && memcmp(part, all + 10, (size_t)r) == 0 ? "yes" : "no");
    printf("SIZE_UNREAD: %s\n", res(klogctl(SIZE_UNREAD, NULL, 0)));

    printf("CLEAR: %s\n", res(klogctl(CLEAR, NULL, 0)));
    printf("READ_ALL: %s\n", res(klogctl(READ_ALL, all, sizeof(all))));
    printf("write two: %s\n", res(kwrite("<3>kmsg_log: two\n")));
    n = klogctl(READ_ALL, all, sizeof(all));
    printf("READ_ALL: %s\n", strip_time(all, n));
    printf("SIZE_UNREAD == its length: %s\n", klogctl(SIZE_UNREAD, NULL, 0) == n ? "yes" : "no");
    n = klogctl(READ_CLEAR, all, sizeof(all));
    printf("READ_CLEAR: %s\n", strip_time(all, n));
    printf("READ_ALL: %s\n", res(klogctl(READ_ALL, all, sizeof(all))));
    printf("READ_ALL into 10 bytes: %s\n", res(klogctl(READ_ALL, all, 10)));

    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    printf("write three: %s\n", res(kwrite("kmsg_log: three\n")));
    printf("SEEK_DATA: %s\n", res(lseek(fd, 0, SEEK_DATA)));
    r = read(fd, rec, sizeof(rec) - 1);
    rec[r > 0 ? r : 0] = 0;
    unsigned prio;
    unsigned long long seq, usec;
    char flag;
    const char *text;
    if (r > 0 && parse_record(rec, &prio, &seq, &usec, &flag, &text))
        printf("read: %u,SEQ,USEC,%c;%s", prio, flag, text);
    else
        printf("read: %s\n", res(r));
    r = read(fd, rec, sizeof(rec));
    printf("read: %s\n", res(r));
    struct pollfd pfd = {fd, POLLIN, 0};
    printf("poll at the end: %d\n", poll(&pfd, 1, 0));
    printf("SEEK_SET: %s\n", res(lseek(fd, 0, SEEK_SET)));
    r = read(fd, rec, sizeof(rec) - 1);
    rec[r > 0 ? r : 0] = 0;
    if (r > 0 && parse_record(rec, &prio, &seq, &usec, &flag, &text))
        printf("the first record: %u,%llu,USEC,%c;%s", prio, seq, flag, text);
    else
        printf("read: %s\n", res(r));
    printf("lseek 1: %s\n", res(lseek(fd, 1, SEEK_SET)));
    printf("SEEK_CUR: %s\n", res(lseek(fd, 0, SEEK_CUR)));
    printf("SEEK_END: %s\n", res(lseek(fd, 0, SEEK_END)));
    int wfd = open("/dev/kmsg", O_WRONLY);
    struct iovec iov[2] = {{"<6>kmsg_log: ", 13}, {"four\n", 5}};
    printf("writev: %s\n", res(writev(wfd, iov, 2)));
    int ready = poll(&pfd, 1, 0);
    printf("poll: %d %s\n", ready, pfd.revents & POLLIN ? "POLLIN" : "-");
    printf("read 5 bytes: %s\n", res(read(fd, rec, 5)));
    printf("then: %s\n", res(read(fd, rec, sizeof(rec))));
    printf("write five: %s\n", res(write(wfd, "<6>kmsg_log: five\n", 18)));
    r = read(fd, rec, sizeof(rec) - 1);
    rec[r > 0 ? r : 0] = 0;
    if (r > 0 && parse_record(rec, &prio, &seq, &usec, &flag, &text))
        printf("read: %u,SEQ,USEC,%c;%s", prio, flag, text);
    else
        printf("read: %s\n", res(r));
    printf("read of a write-only fd: %s\n", res(read(wfd, rec, sizeof(rec))));
    printf("write of a read-only fd: %s\n", res(write(fd, "x\n", 2)));
    close(wfd);

    /* READ waits for a line: a child waits, the parent writes one */
    while (klogctl(SIZE_UNREAD, NULL, 0) > 0)
        klogctl(READ, part, sizeof(part));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        long k = klogctl(READ, part, sizeof(part));
        printf("child's READ: %s\n", strip_time(part, k));
        fflush(stdout);
        _exit(0);
    }
    struct timespec d = {0, 100 * 1000 * 1000};
    nanosleep(&d, NULL); /* the child waits by now, or reads the line at once: the same */
    printf("write wake: %s\n", res(kwrite("<6>kmsg_log: wake\n")));
    fflush(stdout);
    int st;
    waitpid(pid, &st, 0);
    printf("child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));

    /* /proc/kmsg: syslog's READ through a file */
    int pfd2 = open("/proc/kmsg", O_RDONLY | O_NONBLOCK);
    printf("open /proc/kmsg: %s\n", pfd2 < 0 ? strerrorname_np(errno) : "ok");
    printf("read /proc/kmsg: %s\n", res(read(pfd2, part, sizeof(part))));
    printf("write proc: %s\n", res(kwrite("<6>kmsg_log: proc\n")));
    struct pollfd pp = {pfd2, POLLIN, 0};
    ready = poll(&pp, 1, 0);
    printf("poll /proc/kmsg: %d %s\n", ready, pp.revents & POLLIN ? "POLLIN" : "-");
    r = read(pfd2, part, sizeof(part));
    printf("read /proc/kmsg: %s\n", strip_time(part, r));
    printf("then: %s\n", res(read(pfd2, part, sizeof(part))));
    printf("SIZE_UNREAD: %s\n", res(klogctl(SIZE_UNREAD, NULL, 0)));
    close(pfd2);
    return 0;
}

static int epipe(void)
{
    char msg[256], x[81];
    memset(x, 'x', 80);
    x[80] = 0;
    printf("write first: %s\n", res(kwrite("<6>kmsg_log: first\n")));
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    int total = 1500, wfd = -1;
    for (int i = 0; i < total; i++) {
        if (i % 10 == 0) { /* 10 lines per open file: the ratelimit's burst */
            if (wfd >= 0)
                close(wfd);
            wfd = open("/dev/kmsg", O_WRONLY);
        }
        snprintf(msg, sizeof(msg), "<6>kmsg_log: fill %04d %s\n", i, x);
        if (write(wfd, msg, strlen(msg)) != (long)strlen(msg)) {
            printf("write %d: %s\n", i, strerrorname_np(errno));
            return 1;
        }
    }
    close(wfd);
    printf("%d lines of 100 bytes written\n", total);
    struct pollfd pfd = {fd, POLLIN, 0};
    printf("poll: %d\n", poll(&pfd, 1, 0));
    printf("read: %s\n", res(read(fd, rec, sizeof(rec))));
    long r = read(fd, rec, sizeof(rec) - 1);
    rec[r > 0 ? r : 0] = 0;
    unsigned prio;
    unsigned long long seq, usec, first_seq = 0;
    char flag;
    const char *text;
    int kept = 0, first = -1, last = -1;
    while (r > 0 && parse_record(rec, &prio, &seq, &usec, &flag, &text)) {
        int i;
        if (sscanf(text, "kmsg_log: fill %d", &i) == 1) {
            if (first < 0) {
                first = i;
                first_seq = seq;
            }
            last = i;
            kept++;
        }
        r = read(fd, rec, sizeof(rec) - 1);
        rec[r > 0 ? r : 0] = 0;
    }
    printf("then: %s\n", res(r));
    printf("the oldest kept: a fill line, seq past the first's: %s\n",
           first > 0 && first_seq > (unsigned long long)first ? "yes" : "no");
    printf("the newest: fill %04d, all between kept: %s\n", last,
           kept == last - first + 1 ? "yes" : "no");
    /* a record is 16 + 100 bytes, padded to 120: the buffer holds what fits, less the room the
     * next one needs */
    printf("kept records fill the 128 KiB buffer: %s\n",
           kept * 120 <= (1 << 17) && (kept + 2) * 120 + 16 > (1 << 17) ? "yes" : "no");
    long all_len = klogctl(READ_ALL, all, sizeof(all));
    all[all_len > 0 ? all_len : 0] = 0;
    printf("READ_ALL ends with fill %04d: %s\n", total - 1,
           all_len > 0 && strstr(all + all_len - 120, "kmsg_log: fill 1499 ") ? "yes" : "no");
    printf("SIZE_UNREAD == READ_ALL's length: %s\n",
           klogctl(SIZE_UNREAD, NULL, 0) == all_len ? "yes" : "no");

    /* ratelimit: 11 lines on one file */
    char mode[32] = "";
    FILE *f = fopen("/proc/sys/kernel/printk_devkmsg", "r");
    if (f && fgets(mode, sizeof(mode), f))
        mode[strcspn(mode, "\n")] = 0;
    if (f)
        fclose(f);
    printf("printk_devkmsg: %s\n", mode);
    lseek(fd, 0, SEEK_END);
    wfd = open("/dev/kmsg", O_WRONLY);
    for (int i = 0; i < 11; i++) {
        snprintf(msg, sizeof(msg), "<6>kmsg_log: burst %d\n", i);
        if (write(wfd, msg, strlen(msg)) != (long)strlen(msg))
            printf("burst write %d: %s\n", i, strerrorname_np(errno));
    }
    close(wfd);
    int bursts = 0;
    while ((r = read(fd, rec, sizeof(rec) - 1)) > 0) {
        rec[r] = 0;
        if (parse_record(rec, &prio, &seq, &usec, &flag, &text)) {
            if (strncmp(text, "kmsg_log: burst", 15) == 0)
                bursts++;
            else
                printf("record: %u,SEQ,USEC,%c;%s", prio, flag, text);
        }
    }
    printf("burst records: %d\n", bursts);

    memset(msg, 'y', sizeof(msg));
    static char big[1000];
    memset(big, 'z', sizeof(big));
    wfd = open("/dev/kmsg", O_WRONLY);
    printf("write 993 bytes: %s\n", res(write(wfd, big, 993)));
    printf("write 992 bytes: %s\n", res(write(wfd, big, 992)));
    close(wfd);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "segv") == 0)
        return segv();
    if (argc == 2 && strcmp(argv[1], "syslog") == 0)
        return syslog_actions();
    if (argc == 2 && strcmp(argv[1], "epipe") == 0)
        return epipe();
    fprintf(stderr, "usage: kmsg_log segv|syslog|epipe\n");
    return 2;
}
