/*
 * dumpable - a process's dumpability and who may read its memory: PR_GET/SET_DUMPABLE, kept by
 * fork and reset by exec, lost with a change of ids (as fs.suid_dumpable says); then, as root,
 * two children that drop to uid and gid 65534: one reads the other's memory with
 * process_vm_readv and compares them with kcmp, refused while the other is not dumpable and
 * allowed once it says PR_SET_DUMPABLE 1; root may read it either way (CAP_SYS_PTRACE). Its
 * /proc/self entries are root's while it is not dumpable, but for its directory. Last, uid
 * 65534 runs a copy of this program it may execute but not read: it runs, not dumpable.
 * Every line comes from one process at a time, in an order the pipes fix.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define KCMP_VM 1 /* include/uapi/linux/kcmp.h */

static char secret[16] = "the secret";

static const char *result(long r)
{
    static char buf[64];
    if (r < 0)
        snprintf(buf, sizeof(buf), "%s", strerror(errno));
    else
        snprintf(buf, sizeof(buf), "ok");
    return buf;
}

/* Who owns /proc/self's entries as stat and statx see them: the task's ids, or root's. */
static void proc_owners(const char *when)
{
    static const char *const names[] = {"/proc/self", "/proc/self/status", "/proc/self/fd"};
    struct stat st;
    for (int i = 0; i < 3; i++) {
        const char *who = stat(names[i], &st)                                ? strerror(errno)
                          : st.st_uid == 0                                   ? "root"
                          : st.st_uid == geteuid() && st.st_gid == getegid() ? "the task"
                                                                             : "someone else";
        printf("%s: %s is owned by %s", when, names[i], who);
#ifdef STATX_UID /* glibc's; musl 1.2.3 has no statx */
        struct statx stx;
        printf(" (statx: %s)", statx(AT_FDCWD, names[i], 0, STATX_UID | STATX_GID, &stx) ? "error"
                               : stx.stx_uid == st.st_uid && stx.stx_gid == st.st_gid ? "the same"
                                                                                      : "another");
#endif
        printf("\n");
    }
    if (lstat("/proc/self", &st) == 0)
        printf("%s: the link /proc/self is owned by %s\n", when, st.st_uid ? "not root" : "root");
}

static void drop_ids(void);

static int suid_dumpable(void)
{
    int fd = open("/proc/sys/fs/suid_dumpable", O_RDONLY);
    char c = '?';
    if (fd >= 0 && read(fd, &c, 1) == 1)
        close(fd);
    return c - '0';
}

/* A copy of this program at path with mode `mode`. */
static int copy_self(const char *path, mode_t mode)
{
    char buf[65536];
    ssize_t n;
    int in = open("/proc/self/exe", O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            break;
    if (in >= 0)
        close(in);
    if (out < 0)
        return -1;
    close(out);
    return chmod(path, mode);
}

/* As uid 65534: a file it may not execute (0600), then one it may execute but not read (0711),
 * which runs (the kernel reads it) and is not dumpable. */
static void exec_only(void)
{
    char dir[] = "/tmp/dumpable.XXXXXX", noexec[64], xonly[64];
    if (!mkdtemp(dir) || chmod(dir, 0711))
        return;
    snprintf(noexec, sizeof(noexec), "%s/noexec", dir);
    snprintf(xonly, sizeof(xonly), "%s/xonly", dir);
    if (copy_self(noexec, 0600) || copy_self(xonly, 0711)) {
        printf("copy: %s\n", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        drop_ids();
        execl(noexec, "dumpable", "exec", (char *)NULL);
        printf("exec of a 0600 file by uid 65534: %s\n", strerror(errno));
        execl(xonly, "dumpable", "exec-only", (char *)NULL);
        printf("exec of a 0711 file by uid 65534: %s\n", strerror(errno));
        exit(1);
    }
    waitpid(pid, NULL, 0);
    unlink(noexec);
    unlink(xonly);
    rmdir(dir);
}

static void drop_ids(void)
{
    if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
        printf("drop ids: %s\n", strerror(errno));
}

/* Read the secret of process `pid` (the same address here: a static binary). */
static long read_secret(pid_t pid)
{
    char got[16] = "";
    struct iovec l = {got, sizeof(got)}, r = {secret, sizeof(secret)};
    long n = process_vm_readv(pid, &l, 1, &r, 1, 0);
    if (n >= 0 && strcmp(got, secret)) {
        errno = EIO;
        return -1;
    }
    return n;
}

static void wait_byte(int fd)
{
    char c;
    if (read(fd, &c, 1) != 1)
        exit(3);
}

static void reader(const char *when, pid_t target)
{
    pid_t pid = fork();
    if (pid == 0) {
        drop_ids();
        printf("uid 65534 reads it %s: %s\n", when, result(read_secret(target)));
        printf("uid 65534 kcmp's it %s: %s\n", when,
               result(syscall(SYS_kcmp, getpid(), target, KCMP_VM, 0, 0)));
        exit(0);
    }
    waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "exec-only")) { /* would_dump: not readable, not dumpable */
        printf("an execute-only image run by uid 65534: %s\n",
               prctl(PR_GET_DUMPABLE) == suid_dumpable() ? "as fs.suid_dumpable says"
                                                         : "otherwise");
        return 0;
    }
    if (argc > 1) { /* the exec'd image: dumpable again */
        printf("after exec: %d\n", prctl(PR_GET_DUMPABLE));
        return 0;
    }
    printf("at start: %d\n", prctl(PR_GET_DUMPABLE));
    proc_owners("at start");
    printf("set 2: %s\n", result(prctl(PR_SET_DUMPABLE, 2)));
    printf("set 0: %s", result(prctl(PR_SET_DUMPABLE, 0)));
    printf(", now %d\n", prctl(PR_GET_DUMPABLE));
    pid_t pid = fork();
    if (pid == 0) {
        printf("forked child: %d\n", prctl(PR_GET_DUMPABLE));
        execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
        printf("exec: %s\n", strerror(errno));
        exit(1);
    }
    waitpid(pid, NULL, 0);
    printf("set 1: %s", result(prctl(PR_SET_DUMPABLE, 1)));
    printf(", now %d\n", prctl(PR_GET_DUMPABLE));

    char sd = '0' + (char)suid_dumpable();
    if (geteuid() != 0) {
        printf("not root: the rest needs two other users\n");
        return 0;
    }
    int go[2], done[2];
    if (pipe(go) || pipe(done))
        return 1;
    pid_t target = fork();
    if (target == 0) {
        drop_ids();
        /* commit_creds: fs.suid_dumpable (0 by default) once the ids changed */
        printf("target after dropping its ids: %s\n",
               prctl(PR_GET_DUMPABLE) == sd - '0' ? "as fs.suid_dumpable says" : "otherwise");
        proc_owners("target, not dumpable");
        write(done[1], "d", 1);
        wait_byte(go[0]);
        prctl(PR_SET_DUMPABLE, 1);
        printf("target set dumpable: %d\n", prctl(PR_GET_DUMPABLE));
        proc_owners("target, dumpable");
        write(done[1], "d", 1);
        wait_byte(go[0]);
        exit(0);
    }
    wait_byte(done[0]);
    printf("root reads it while not dumpable: %s\n", result(read_secret(target)));
    reader("while not dumpable", target);
    write(go[1], "g", 1);
    wait_byte(done[0]);
    reader("once dumpable", target);
    write(go[1], "g", 1);
    waitpid(target, NULL, 0);
    exec_only();
    return 0;
}
