/*
 * oom_adj - /proc/PID/oom_score_adj, oom_adj and oom_score: the values read at the start, writes
 * read back through both files (oom_adj's scaling both ways), the parsing (kstrtoint after
 * strstrip, base 0, at most 12 bytes taken), the ranges (EINVAL), /proc/self/task/TID and a
 * thread's write for the whole process, a parent's write to a child's file, inheritance by fork
 * and across execve, a CLONE_VM sharer taking the value written and a vfork child keeping its
 * own; as root, oom_score_adj_min: a child that drops to uid 65534 may raise its value but not
 * lower it below what root last wrote (EACCES), and oom_adj's writes may not lower it at all.
 * (4.20's oom_adj reads 16 for 942..999, later kernels 15: not written here.)
 * oom_score's value depends on the machine's memory, so only its relations are printed: 0 at
 * -1000, more at 1000 than at 0. Every line comes from one process at a time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char path_buf[64];

static const char *proc_file(pid_t pid, const char *name)
{
    if (pid)
        snprintf(path_buf, sizeof(path_buf), "/proc/%d/%s", (int)pid, name);
    else
        snprintf(path_buf, sizeof(path_buf), "/proc/self/%s", name);
    return path_buf;
}

/* The file's text without its newline, or the error. */
static const char *get(const char *path)
{
    static char buf[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(buf, sizeof(buf), "open: %s", strerror(errno));
        return buf;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        snprintf(buf, sizeof(buf), "read: %s", strerror(errno));
        return buf;
    }
    buf[n] = 0;
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = 0;
    else
        strcat(buf, " (no newline)");
    return buf;
}

static long num(const char *path)
{
    return strtol(get(path), NULL, 10);
}

/* write(2) of text (len bytes) to path: "ok N" or the error. */
static const char *put_len(const char *path, const char *text, size_t len)
{
    static char buf[64];
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        snprintf(buf, sizeof(buf), "open: %s", strerror(errno));
        return buf;
    }
    ssize_t n = write(fd, text, len);
    if (n < 0)
        snprintf(buf, sizeof(buf), "%s", strerror(errno));
    else
        snprintf(buf, sizeof(buf), "ok %zd", n);
    close(fd);
    return buf;
}

static const char *put(const char *path, const char *text)
{
    return put_len(path, text, strlen(text));
}

static void show(const char *who, pid_t pid)
{
    char adj[64];
    snprintf(adj, sizeof(adj), "%s", get(proc_file(pid, "oom_score_adj")));
    printf("%s: oom_score_adj %s, oom_adj %s\n", who, adj, get(proc_file(pid, "oom_adj")));
}

static void set_adj(const char *text)
{
    printf("  oom_score_adj <- %-8s %s", text, put(proc_file(0, "oom_score_adj"), text));
    printf(" -> %s", get(proc_file(0, "oom_score_adj")));
    printf(", oom_adj %s\n", get(proc_file(0, "oom_adj")));
}

static void set_legacy(const char *text)
{
    printf("  oom_adj <- %-8s %s", text, put(proc_file(0, "oom_adj"), text));
    printf(" -> oom_score_adj %s", get(proc_file(0, "oom_score_adj")));
    printf(", oom_adj %s\n", get(proc_file(0, "oom_adj")));
}

static void *thread_main(void *arg)
{
    (void)arg;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%ld/oom_score_adj", (long)syscall(SYS_gettid));
    printf("thread: its task file reads %s;", get(path));
    printf(" writes 123: %s\n", put(path, "123"));
    return NULL;
}

static int sharer_main(void *arg)
{
    int *fds = arg;
    char c;
    if (read(fds[0], &c, 1) != 1) /* the parent has written its value */
        return 1;
    printf("CLONE_VM sharer: %s\n", get(proc_file(0, "oom_score_adj")));
    return 0;
}

static void wait_child(const char *who, pid_t pid)
{
    int st;
    if (waitpid(pid, &st, __WALL) != pid)
        printf("%s: waitpid: %s\n", who, strerror(errno));
    else if (!WIFEXITED(st) || WEXITSTATUS(st))
        printf("%s: status %#x\n", who, st);
}

/* Root's part: a child that drops to uid and gid 65534 (and stays dumpable, so it owns its
 * /proc files) after root set 500 (so oom_score_adj_min is 500). */
static void as_root(void)
{
    if (geteuid() != 0) {
        printf("not root: the oom_score_adj_min part is skipped\n");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        set_adj("500");
        if (setgid(65534) || setuid(65534)) {
            printf("setuid: %s\n", strerror(errno));
            _exit(1);
        }
        printf("uid 65534, not dumpable: write open of its oom_score_adj: %s\n",
               put(proc_file(0, "oom_score_adj"), "600"));
        prctl(PR_SET_DUMPABLE, 1);
        printf("uid 65534, dumpable again:\n");
        set_adj("400"); /* below the 500 root wrote: EACCES */
        set_adj("600"); /* up: anyone may */
        set_adj("500"); /* back down to the floor: allowed */
        set_adj("499");
        set_adj("700");
        set_legacy("5");  /* 294, below 700: oom_adj compares with the value itself */
        set_legacy("12"); /* 705 */
        set_legacy("15"); /* 1000 */
        set_adj("600");   /* still above the floor of 500 */
        _exit(0);
    }
    wait_child("root child", pid);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        show("after execve", 0);
        return 0;
    }
    show("start", 0);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/oom_score_adj", (int)getpid());
    printf("/proc/self/task/PID/oom_score_adj: %s\n", get(path));

    printf("writes:\n");
    static const char *const adj_values[] = {
        "500", "1000", "-1000", "0",   "-1",   "941",          "1001",          "-1001",
        "abc", "  42", "42\n",  "+17", "0x10", "010",          "12 34",         "7\n\n",
        "-0",  "",     "\n",    "3x",  "08",   "000000000042", "0000000000042", "2147483648",
    };
    for (size_t i = 0; i < sizeof(adj_values) / sizeof(adj_values[0]); i++)
        set_adj(adj_values[i]);
    static const char *const legacy_values[] = {"15", "-17", "5", "-16", "1",  "-1", "8",
                                                "16", "-18", "0", "14",  "-8", "3"};
    for (size_t i = 0; i < sizeof(legacy_values) / sizeof(legacy_values[0]); i++)
        set_legacy(legacy_values[i]);
    printf("a write of 2 bytes of \"1000\": %s", put_len(proc_file(0, "oom_score_adj"), "1000", 2));
    printf(" -> %s\n", get(proc_file(0, "oom_score_adj")));
    printf("pread at offset 0 and 3: ");
    int fd = open(proc_file(0, "oom_score_adj"), O_RDWR);
    char b[16] = {0};
    printf("%zd", pread(fd, b, sizeof(b) - 1, 0));
    printf(" %zd (%s", pread(fd, b, sizeof(b) - 1, 1), b);
    printf("); pwrite at 5: %s\n", pwrite(fd, "7", 1, 5) < 0 ? strerror(errno) : "ok");
    close(fd);
    printf("oom_score: write open %s\n", put(proc_file(0, "oom_score"), "1"));

    /* oom_score's relations */
    set_adj("-1000"); /* needs CAP_SYS_RESOURCE */
    if (num(proc_file(0, "oom_score_adj")) == -1000)
        printf("oom_score at -1000: %s\n", get(proc_file(0, "oom_score")));
    set_adj("0");
    long at0 = num(proc_file(0, "oom_score"));
    set_adj("1000");
    long at1000 = num(proc_file(0, "oom_score"));
    printf("oom_score at 1000 > at 0: %s\n", at1000 > at0 ? "yes" : "no");

    /* a thread's files and write */
    set_adj("-5");
    pthread_t th;
    if (pthread_create(&th, NULL, thread_main, NULL) == 0)
        pthread_join(th, NULL);
    show("after the thread's write", 0);

    /* fork: inherited; the parent sets the child's; execve keeps it */
    set_adj("321");
    int fds[2], back[2];
    if (pipe(fds) || pipe(back))
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        show("fork child", 0);
        if (write(back[1], "x", 1) != 1 || read(fds[0], &c, 1) != 1)
            _exit(1);
        show("fork child, after its parent's write", 0);
        set_adj("66");
        execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
        printf("execl: %s\n", strerror(errno));
        _exit(1);
    }
    char c;
    if (read(back[0], &c, 1) != 1)
        return 1;
    printf("parent writes 44 to the child's oom_score_adj: %s\n",
           put(proc_file(pid, "oom_score_adj"), "44"));
    if (write(fds[1], "x", 1) != 1)
        return 1;
    wait_child("fork child", pid);
    show("parent, after its child's writes", 0);

    /* CLONE_VM without CLONE_THREAD: a write is every sharer's */
    static char stack[64 * 1024] __attribute__((aligned(16)));
    int sfds[2];
    if (pipe(sfds))
        return 1;
    pid = clone(sharer_main, stack + sizeof(stack), CLONE_VM | SIGCHLD, sfds);
    if (pid < 0)
        return 1;
    set_adj("250");
    if (write(sfds[1], "x", 1) != 1)
        return 1;
    wait_child("sharer", pid);

    /* vfork: the child's write is its own */
    pid = vfork();
    if (pid == 0) {
        int fd2 = open("/proc/self/oom_score_adj", O_WRONLY);
        ssize_t n = fd2 >= 0 ? write(fd2, "260", 3) : -1;
        if (fd2 >= 0)
            close(fd2);
        _exit(n == 3 ? 0 : 1);
    }
    wait_child("vfork child", pid);
    show("parent, after a vfork child wrote 260", 0);

    set_adj("0");
    as_root();
    show("end", 0);
    return 0;
}
