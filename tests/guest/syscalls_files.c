/*
 * syscalls_files DIR: the file, time and info system calls end to end, in a scratch directory
 * DIR that the program fills and empties itself (emu/sys_file.c, sys_fd.c, sys_fs.c,
 * sys_ioctl.c, sys_time.c, sys_info.c).
 *
 * Every line on stdout is "call: result" with results that do not depend on the run: sizes,
 * names, flags and errno names, never inode numbers, pids, times or addresses. stdin is
 * /dev/null under the harness. Exit status 0 (100 if a setup step fails).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>

#include "guest.h"

static const char *ename(int e)
{
    switch (e) {
    case 0:
        return "OK";
    case EBADF:
        return "EBADF";
    case EINVAL:
        return "EINVAL";
    case ENOENT:
        return "ENOENT";
    case EFAULT:
        return "EFAULT";
    case EEXIST:
        return "EEXIST";
    case ENOTTY:
        return "ENOTTY";
    case ESPIPE:
        return "ESPIPE";
    case EAGAIN:
        return "EAGAIN";
    case ERANGE:
        return "ERANGE";
    case ENOTDIR:
        return "ENOTDIR";
    case ENOTEMPTY:
        return "ENOTEMPTY";
    case EISDIR:
        return "EISDIR";
    case EOPNOTSUPP:
        return "EOPNOTSUPP";
    default:
        return "E?";
    }
}

/* "what: ret" for a call that returns a count or fd, "what: -1 ENAME" for a failure. */
static void show(const char *what, long ret)
{
    if (ret < 0)
        printf("%s: -1 %s\n", what, ename(errno));
    else
        printf("%s: %ld\n", what, ret);
}

static void show_str(const char *what, const char *s, long n)
{
    if (n < 0)
        printf("%s: -1 %s\n", what, ename(errno));
    else
        printf("%s: %ld \"%.*s\"\n", what, n, (int)n, s);
}

static off_t fsize(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_size : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* read, write, lseek, pread, pwrite, readv, writev, fstat, ftruncate, O_APPEND. */
static void test_rw(void)
{
    char buf[64] = {0}, b1[4], b2[100];
    int fd = open("a.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);

    if (fd < 0)
        guest_die("open a.txt");
    show("write", write(fd, "hello world\n", 12));
    show("lseek cur", lseek(fd, 0, SEEK_CUR));
    show("lseek set", lseek(fd, 0, SEEK_SET));
    show_str("read 5", buf, read(fd, buf, 5));
    show_str("pread 5@6", buf, pread(fd, buf, 5, 6));
    show("lseek after pread", lseek(fd, 0, SEEK_CUR));
    show("pwrite 5@0", pwrite(fd, "HELLO", 5, 0));
    lseek(fd, 0, SEEK_END);
    struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    show("writev", writev(fd, wv, 3));
    show("fstat size", fsize(fd));
    lseek(fd, 0, SEEK_SET);
    struct iovec rv[2] = {{b1, sizeof(b1)}, {b2, sizeof(b2)}};
    long n = readv(fd, rv, 2);
    show("readv", n);
    for (char *c = b2; c < b2 + sizeof(b2); c++)
        *c = *c == '\n' ? '|' : *c;
    printf("readv parts: \"%.4s\" \"%.*s\"\n", b1, (int)(n > 4 ? n - 4 : 0), b2);
    show_str("read at eof", buf, read(fd, buf, sizeof(buf)));
    show("lseek end", lseek(fd, 0, SEEK_END));
    show("pread neg", pread(fd, buf, 1, -1));
    show("readv bad count", syscall(SYS_readv, fd, rv, -1));
    show("fallocate 8192", fallocate(fd, 0, 0, 8192));
    show("size after fallocate", fsize(fd));
    show("ftruncate 4", ftruncate(fd, 4));
    show("size after ftruncate", fsize(fd));
    show("fsync", fsync(fd));
    show("fdatasync", fdatasync(fd));

    int ap = open("a.txt", O_WRONLY | O_APPEND);
    show("append write", write(ap, "X", 1));
    show("size after append", fsize(fd));
    int fl = fcntl(ap, F_GETFL);
    printf("F_GETFL append: acc=%d append=%d nonblock=%d\n", fl & O_ACCMODE, !!(fl & O_APPEND),
           !!(fl & O_NONBLOCK));
    show("read wronly", read(ap, buf, 1));
    show("F_SETFL nonblock", fcntl(ap, F_SETFL, fl | O_NONBLOCK));
    fl = fcntl(ap, F_GETFL);
    printf("F_GETFL after: append=%d nonblock=%d\n", !!(fl & O_APPEND), !!(fl & O_NONBLOCK));
    close(ap);
    close(fd);
}

/* dup, dup2, dup3, fcntl F_DUPFD*, F_GETFD/F_SETFD, FIOCLEX, shared offsets, close. */
static void test_dup(void)
{
    int fd = open("a.txt", O_RDONLY | O_CLOEXEC);

    show("F_GETFD O_CLOEXEC", fcntl(fd, F_GETFD));
    show("dup2 to 10", dup2(fd, 10));
    show("F_GETFD 10", fcntl(10, F_GETFD));
    show("dup2 same", dup2(10, 10));
    show("F_DUPFD_CLOEXEC >=20", fcntl(fd, F_DUPFD_CLOEXEC, 20));
    show("F_GETFD 20", fcntl(20, F_GETFD));
    show("F_DUPFD >=20", fcntl(fd, F_DUPFD, 20));
    show("dup3 cloexec to 11", dup3(fd, 11, O_CLOEXEC));
    show("F_GETFD 11", fcntl(11, F_GETFD));
    show("dup3 same", dup3(11, 11, 0));
    show("dup3 bad flags", dup3(fd, 12, O_APPEND));
    show("F_SETFD 0", fcntl(11, F_SETFD, 0));
    show("F_GETFD 11 after", fcntl(11, F_GETFD));
    show("FIOCLEX", ioctl(10, FIOCLEX));
    show("F_GETFD 10 after FIOCLEX", fcntl(10, F_GETFD));
    lseek(10, 2, SEEK_SET);
    show("shared offset", lseek(fd, 0, SEEK_CUR));
    int d = dup(fd);
    show("dup lowest free", d == 3 || d > 2);
    show("close 10", close(10));
    show("close 10 again", close(10));
    show("close -1", close(-1));
    show("fcntl bad fd", fcntl(999, F_GETFD));
    show("fcntl bad cmd", fcntl(fd, 12345));
    /* close_range (436; musl has no wrapper): CLOEXEC marks, then a range closes, holes and
     * all; bad flags and an inverted range are EINVAL */
    show("close_range cloexec 20-21", syscall(436, 20, 21, 4 /* CLOSE_RANGE_CLOEXEC */));
    show("F_GETFD 21 after", fcntl(21, F_GETFD));
    show("close_range 11-30", syscall(436, 11, 30, 0));
    show("F_GETFD 20 closed", fcntl(20, F_GETFD));
    show("close_range bad flags", syscall(436, 40, 50, 1));
    show("close_range inverted", syscall(436, 50, 40, 0));
    close(d);
    close(fd);
}

/* getdents64 of a directory the program fills: names sorted, with their d_type. */
static void test_getdents(void)
{
    char buf[1024];
    char *names[16];
    int count = 0;

    if (mkdir("dir", 0755) != 0)
        guest_die("mkdir dir");
    show("mkdir exists", mkdir("dir", 0755));
    const char *files[] = {"dir/charlie", "dir/alpha", "dir/bravo"};
    for (int i = 0; i < 3; i++)
        close(open(files[i], O_CREAT | O_WRONLY, 0644));
    mkdir("dir/sub", 0755);
    int dfd = open("dir", O_RDONLY | O_DIRECTORY);
    for (;;) {
        long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));
        if (n < 0)
            guest_die("getdents64");
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            struct dirent64 *de = (struct dirent64 *)(buf + off);
            char *s = malloc(strlen(de->d_name) + 3);
            sprintf(s, "%s/%c", de->d_name, de->d_type == DT_DIR ? 'd' : 'f');
            if (count < 16)
                names[count++] = s;
            off += de->d_reclen;
        }
    }
    qsort(names, count, sizeof(names[0]), cmp_str);
    printf("getdents64:");
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
    show("getdents64 at end", syscall(SYS_getdents64, dfd, buf, sizeof(buf)));
    show("getdents64 tiny buf", (lseek(dfd, 0, SEEK_SET), syscall(SYS_getdents64, dfd, buf, 8)));
    int f = open("dir/alpha", O_RDONLY);
    show("getdents64 on file", syscall(SYS_getdents64, f, buf, sizeof(buf)));
    close(f);

    /* *at calls relative to the directory fd */
    int fa = openat(dfd, "alpha", O_RDWR);
    show("openat rel", fa >= 0);
    show("write via openat", write(fa, "12345", 5));
    struct stat st;
    show("fstatat rel", fstatat(dfd, "alpha", &st, 0));
    printf("fstatat size: %ld\n", (long)st.st_size);
    show("fstatat empty path", fstatat(fa, "", &st, AT_EMPTY_PATH));
    printf("fstatat empty size: %ld\n", (long)st.st_size);
    show("openat bad dirfd rel", openat(999, "alpha", O_RDONLY));
    show("faccessat", faccessat(dfd, "alpha", R_OK | W_OK, 0));
    show("faccessat missing", faccessat(dfd, "nothing", F_OK, 0));
    show("mkdirat", mkdirat(dfd, "sub2", 0700));
    show("unlinkat dir no flag", unlinkat(dfd, "sub2", 0));
    show("unlinkat AT_REMOVEDIR", unlinkat(dfd, "sub2", AT_REMOVEDIR));
    show("renameat", renameat(dfd, "bravo", dfd, "delta"));
    show("renameat2 noreplace", syscall(SYS_renameat2, dfd, "delta", dfd, "alpha", 1));
    show("rmdir not empty", rmdir("dir"));
    close(fa);
    close(dfd);
}

/* symlinks, readlink, stat/lstat/statx, access, chmod, utimes, rename, unlink. */
static void test_names(const char *exe)
{
    char buf[PATH_MAX];
    struct stat st;

    show("symlink", symlink("a.txt", "link"));
    show_str("readlink", buf, readlink("link", buf, sizeof(buf)));
    show_str("readlink short", buf, readlink("link", buf, 3));
    show("readlink bufsiz 0", readlink("link", buf, 0));
    show("readlink regular", readlink("a.txt", buf, sizeof(buf)));
    show_str("readlinkat", buf, readlinkat(AT_FDCWD, "link", buf, sizeof(buf)));
    show("lstat", lstat("link", &st));
    printf("lstat is link: %d size %ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
    show("stat", stat("link", &st));
    printf("stat is reg: %d size %ld\n", S_ISREG(st.st_mode), (long)st.st_size);
    show("stat missing", stat("missing", &st));
    show("stat through file", stat("a.txt/x", &st));
    struct statx sx;
    show("statx", statx(AT_FDCWD, "a.txt", 0, STATX_SIZE | STATX_MODE, &sx));
    printf("statx size %llu mask-has-size %d\n", (unsigned long long)sx.stx_size,
           !!(sx.stx_mask & STATX_SIZE));
    show("access F_OK", access("a.txt", F_OK));
    show("access missing", access("missing", F_OK));
    show("chmod 600", chmod("a.txt", 0600));
    stat("a.txt", &st);
    printf("mode after chmod: %o\n", st.st_mode & 0777);
    int fd = open("a.txt", O_RDONLY);
    show("fchmod 640", fchmod(fd, 0640));
    fstat(fd, &st);
    printf("mode after fchmod: %o\n", st.st_mode & 0777);
    show("fchmodat 644", fchmodat(AT_FDCWD, "a.txt", 0644, 0));
    show("fchownat same ids", fchownat(AT_FDCWD, "a.txt", getuid(), getgid(), 0));
    struct timespec ts[2] = {{1000000000, 0}, {1200000000, 500}};
    show("utimensat", utimensat(AT_FDCWD, "a.txt", ts, 0));
    stat("a.txt", &st);
    printf("mtime after utimensat: %ld\n", (long)st.st_mtime);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    show("utimensat omit", utimensat(AT_FDCWD, "missing", omit, 0));
    ts[1].tv_sec = 1300000000;
    show("futimens", futimens(fd, ts));
    fstat(fd, &st);
    printf("mtime after futimens: %ld\n", (long)st.st_mtime);
    struct timeval tv[2] = {{1400000000, 0}, {1500000000, 0}};
    show("utimes", utimes("a.txt", tv));
    stat("a.txt", &st);
    printf("mtime after utimes: %ld\n", (long)st.st_mtime);
    close(fd);
    show("umask 027", umask(027) >= 0);
    show("umask back", umask(022));
    show("rename", rename("link", "link2"));
    show("unlink", unlink("link2"));
    show("unlink again", unlink("link2"));

    struct statfs sf1, sf2;
    fd = open(".", O_RDONLY | O_DIRECTORY);
    show("statfs", statfs(".", &sf1));
    show("fstatfs", fstatfs(fd, &sf2));
    printf("statfs same type: %d\n", sf1.f_type == sf2.f_type);
    close(fd);

    /* /proc/self/exe and /proc/self/fd/N are the guest's, not faultline's */
    char want[PATH_MAX];
    long n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("readlink /proc/self/exe is argv[0]: %d\n",
           realpath(exe, want) && strcmp(buf, want) == 0);
    fd = open("a.txt", O_RDONLY);
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("readlink /proc/self/fd/N ends in /a.txt: %d\n",
           n > 6 && strcmp(buf + n - 6, "/a.txt") == 0);
    close(fd);
}

/* getcwd, chdir, fchdir. */
static void test_cwd(const char *dir)
{
    char cwd[PATH_MAX], want[PATH_MAX];

    if (!realpath(dir, want))
        guest_die("realpath");
    printf("getcwd is DIR: %d\n", getcwd(cwd, sizeof(cwd)) && strcmp(cwd, want) == 0);
    show("getcwd raw len is strlen+1",
         syscall(SYS_getcwd, cwd, sizeof(cwd)) == (long)strlen(want) + 1);
    show("getcwd tiny", syscall(SYS_getcwd, cwd, 1));
    int here = open(".", O_RDONLY | O_DIRECTORY);
    show("chdir dir", chdir("dir"));
    getcwd(cwd, sizeof(cwd));
    printf("cwd ends in /dir: %d\n", strlen(cwd) > 4 && strcmp(cwd + strlen(cwd) - 4, "/dir") == 0);
    show("chdir missing", chdir("missing"));
    show("chdir file", chdir("alpha"));
    show("fchdir back", fchdir(here));
    printf("back in DIR: %d\n", getcwd(cwd, sizeof(cwd)) && strcmp(cwd, want) == 0);
    close(here);
}

/* pipe2, poll, ioctl FIONREAD/TCGETS, /dev/fd/N, nonblocking reads. */
static void test_pipe(void)
{
    int p[2];
    char buf[16];

    show("pipe2 cloexec|nonblock", pipe2(p, O_CLOEXEC | O_NONBLOCK));
    show("F_GETFD pipe", fcntl(p[0], F_GETFD));
    show("read empty nonblock", read(p[0], buf, sizeof(buf)));
    show("lseek pipe", lseek(p[0], 0, SEEK_SET));
    show("pipe2 bad flags", pipe2(p, O_APPEND));
    struct pollfd pf[3] = {{p[0], POLLIN, 0}, {-1, POLLIN, 0}, {999, POLLIN, 0}};
    show("poll before write", poll(pf, 1, 0));
    show("write pipe", write(p[1], "ping", 4));
    int avail = -1;
    show("FIONREAD", ioctl(p[0], FIONREAD, &avail));
    printf("FIONREAD bytes: %d\n", avail);
    show("poll after write", poll(pf, 3, 0));
    printf("revents: %#x %#x %#x\n", pf[0].revents, pf[1].revents, pf[2].revents);
    show_str("read pipe", buf, read(p[0], buf, sizeof(buf)));

    char path[64];
    snprintf(path, sizeof(path), "/dev/fd/%d", p[1]);
    int w = open(path, O_WRONLY);
    show("open /dev/fd/N", w >= 0);
    show("write via /dev/fd/N", write(w, "pong", 4));
    show_str("read pipe again", buf, read(p[0], buf, sizeof(buf)));
    close(w);

    struct termios t;
    show("TCGETS pipe", ioctl(p[0], TCGETS, &t));
    show("TCGETS stdin", ioctl(0, TCGETS, &t));
    struct winsize ws;
    show("TIOCGWINSZ pipe", ioctl(p[0], TIOCGWINSZ, &ws));
    show("ioctl unknown", ioctl(p[0], 0x12345678, 0));
    show("ioctl bad fd", ioctl(999, FIONREAD, &avail));
    show("read stdin eof", read(0, buf, sizeof(buf)));
    close(p[0]);
    close(p[1]);
}

/*
 * Bad guest buffers. A read into memory that is not mapped or not writable fails with EFAULT and
 * leaves the offset alone; a read that faults after the first page returns the bytes before the
 * fault and moves the offset by exactly that.
 */
static void test_efault(void)
{
    int fd = open("big", O_CREAT | O_RDWR | O_TRUNC, 0644);
    static char page[8192];

    memset(page, 'z', sizeof(page));
    if (write(fd, page, sizeof(page)) != sizeof(page))
        guest_die("write big");
    unsigned char *m =
        mmap(NULL, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        guest_die("mmap");
    munmap(m + GUEST_PAGE, GUEST_PAGE); /* m: one page, then a hole */
    lseek(fd, 0, SEEK_SET);
    show("read into hole", read(fd, m + GUEST_PAGE, 16));
    show("offset after", lseek(fd, 0, SEEK_CUR));
    show("read across into hole", read(fd, m, 2 * GUEST_PAGE));
    show("offset after partial", lseek(fd, 0, SEEK_CUR));
    show("write from NULL", syscall(SYS_write, fd, NULL, 5));
    show("write from hole", write(fd, m + GUEST_PAGE, 5));
    show("size unchanged", fsize(fd));
    mprotect(m, GUEST_PAGE, PROT_READ);
    show("read into read-only", read(fd, m, 16));
    show("pread into NULL", syscall(SYS_pread64, fd, NULL, 16, 0));
    struct iovec v[2] = {{page, 10}, {m + GUEST_PAGE, 10}};
    show("writev second bad", (lseek(fd, 0, SEEK_END), writev(fd, v, 2)));
    show("size after writev", fsize(fd));
    struct stat *bad = (struct stat *)(m + GUEST_PAGE);
    show("fstat bad buf", fstat(fd, bad));
    show("stat bad path", stat((const char *)(m + GUEST_PAGE), bad));
    show("open bad path", syscall(SYS_open, NULL, O_RDONLY));
    show("getrandom bad buf", getrandom(m + GUEST_PAGE, 8, 0));
    show("clock_gettime bad", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, m + GUEST_PAGE));
    show("uname bad", syscall(SYS_uname, m + GUEST_PAGE));
    int p[2];
    show("pipe2 bad", syscall(SYS_pipe2, m + GUEST_PAGE, 0));
    show("pipe2 after bad: lowest fd free", (pipe(p), p[0] == fd + 1));
    close(p[0]);
    close(p[1]);
    munmap(m, GUEST_PAGE);
    close(fd);
    unlink("big");
}

/* time, ids, limits, usage, uname, sysinfo, affinity, random. */
static void test_info(void)
{
    struct timespec t1, t2, res;
    struct timeval tv;

    show("clock_gettime mono", clock_gettime(CLOCK_MONOTONIC, &t1));
    show("nanosleep 1ms", nanosleep(&(struct timespec){0, 1000000}, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t2);
    printf("monotonic increased: %d\n",
           t2.tv_sec > t1.tv_sec || (t2.tv_sec == t1.tv_sec && t2.tv_nsec > t1.tv_nsec));
    show("clock_gettime bad clock", clock_gettime((clockid_t)12345, &t1));
    show("clock_getres mono", clock_getres(CLOCK_MONOTONIC, &res));
    show("clock_getres NULL", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
    show("clock_nanosleep 1ms",
         -clock_nanosleep(CLOCK_MONOTONIC, 0, &(struct timespec){0, 1000000}, NULL));
    show("nanosleep bad nsec", syscall(SYS_nanosleep, &(struct timespec){0, 1000000000}, NULL));
    show("gettimeofday", gettimeofday(&tv, NULL));
    printf("time after 2020: %d\n", syscall(SYS_time, NULL) > 1577836800L);
    show("sched_yield", sched_yield());

    struct utsname u;
    show("uname", uname(&u));
    printf("uname: %s %s\n", u.sysname, u.machine);
    printf("getpid==gettid: %d\n", getpid() == (pid_t)syscall(SYS_gettid));
    printf("getuid==geteuid: %d getgid==getegid: %d\n", getuid() == geteuid(),
           getgid() == getegid());
    int ng = getgroups(0, NULL);
    printf("getgroups count ok: %d\n", ng >= 0);
    if (ng > 0) {
        gid_t g[1];
        show("getgroups too small", ng > 1 ? getgroups(1, g) : (errno = EINVAL, -1));
    }
    show("getpgrp", getpgrp() > 0);

    struct rlimit rl, rl2;
    show("getrlimit stack", getrlimit(RLIMIT_STACK, &rl));
    rlim_t want = 4 << 20;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
        want = rl.rlim_cur / 2;
    rl2 = rl;
    rl2.rlim_cur = want;
    show("setrlimit stack lower", setrlimit(RLIMIT_STACK, &rl2));
    getrlimit(RLIMIT_STACK, &rl2);
    printf("stack soft is new value: %d\n", rl2.rlim_cur == want);
    rl2.rlim_cur = rl2.rlim_max == RLIM_INFINITY ? RLIM_INFINITY : rl2.rlim_max + 1;
    rl2.rlim_max = rl2.rlim_cur == RLIM_INFINITY ? 1 : rl2.rlim_max;
    show("setrlimit cur>max", setrlimit(RLIMIT_STACK, &rl2));
    setrlimit(RLIMIT_STACK, &rl);
    show("getrlimit bad resource", syscall(SYS_getrlimit, 99, &rl));

    struct rusage ru;
    show("getrusage self", getrusage(RUSAGE_SELF, &ru));
    printf("minflt > 0: %d\n", ru.ru_minflt > 0);
    show("getrusage bad who", getrusage(7, &ru));

    struct sysinfo si;
    show("sysinfo", sysinfo(&si));
    printf("totalram > 0: %d freeram <= totalram: %d\n", si.totalram > 0,
           si.freeram <= si.totalram);

    unsigned long mask[16];
    long n = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
    printf("sched_getaffinity > 0: %d cpu0 set: %d\n", n > 0, n > 0 && (mask[0] & 1));
    show("sched_getaffinity len 3", syscall(SYS_sched_getaffinity, 0, 3, mask));

    unsigned char rnd[300];
    show("getrandom 32", getrandom(rnd, 32, 0));
    show("getrandom 300", getrandom(rnd, sizeof(rnd), 0));
    show("getrandom bad flags", getrandom(rnd, 8, 0x100));
}

int main(int argc, char **argv)
{
    if (argc < 2)
        guest_die("usage: syscalls_files DIR");
    if (chdir(argv[1]) != 0)
        guest_die("chdir DIR");
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_rw();
    test_dup();
    test_getdents();
    test_names(argv[0]);
    test_cwd(argv[1]);
    test_pipe();
    test_efault();
    test_info();

    /* leave DIR as it was found */
    const char *leftovers[] = {"dir/alpha", "dir/charlie", "dir/delta", "a.txt"};
    for (int i = 0; i < 4; i++)
        unlink(leftovers[i]);
    rmdir("dir/sub");
    show("rmdir dir", rmdir("dir"));
    return 0;
}
