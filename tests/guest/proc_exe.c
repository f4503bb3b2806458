/*
 * proc_exe - /proc/PID/exe is a link to the process's executable: open, stat and access follow
 * it to that file (ltrace reads a traced child's ELF through it), lstat and O_NOFOLLOW see the
 * link, and a process that has exited (a zombie, without an mm) has none (ENOENT). Until
 * 2026-12-06 faultline passed the name to the host, where it is faultline's own executable:
 * open("/proc/self/exe") read faultline, and ltrace failed to set every breakpoint.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void same_file(const char *what, const char *path, const struct stat *exe)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    char magic[4] = {0};

    if (fd < 0) {
        printf("%s: open %s\n", what, strerrorname_np(errno));
        return;
    }
    if (read(fd, magic, 4) != 4 || fstat(fd, &st) < 0)
        printf("%s: read %s\n", what, strerrorname_np(errno));
    else
        printf("%s: ELF %d, same file %d\n", what, memcmp(magic, "\177ELF", 4) == 0,
               st.st_dev == exe->st_dev && st.st_ino == exe->st_ino);
    close(fd);
}

int main(void)
{
    char self[PATH_MAX], path[64], buf[PATH_MAX];
    struct stat exe, st;
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    int fds[2], fd;

    if (n < 0 || stat((self[n] = 0, self), &exe) < 0)
        return 2;
    printf("readlink: %s\n", strrchr(self, '/') + 1);
    same_file("open /proc/self/exe", "/proc/self/exe", &exe);
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)getpid());
    same_file("open /proc/PID/exe", path, &exe);
    same_file("open /proc/thread-self/exe", "/proc/thread-self/exe", &exe);
    printf("stat: same file %d\n", stat("/proc/self/exe", &st) == 0 && st.st_ino == exe.st_ino &&
                                       st.st_size == exe.st_size);
    printf("lstat: link %d\n", lstat("/proc/self/exe", &st) == 0 && S_ISLNK(st.st_mode));
    printf("access X_OK: %d\n", access("/proc/self/exe", X_OK));
    fd = open("/proc/self/exe", O_RDONLY | O_NOFOLLOW);
    printf("O_NOFOLLOW: %s\n", fd < 0 ? strerrorname_np(errno) : "opened");
    fd = open("/proc/self/exe", O_PATH | O_NOFOLLOW);
    printf("O_PATH|O_NOFOLLOW: link %d\n", fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode));

    /* a child's: while it runs, then as a zombie */
    if (pipe(fds) < 0)
        return 3;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        close(fds[1]);
        read(fds[0], &c, 1);
        _exit(0);
    }
    close(fds[0]);
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    same_file("child's exe", path, &exe);
    n = readlink(path, buf, sizeof(buf) - 1);
    printf("child's readlink: %s\n", n < 0 ? "failed" : (buf[n] = 0, strrchr(buf, '/') + 1));
    close(fds[1]);
    siginfo_t si;
    waitid(P_PID, pid, &si, WEXITED | WNOWAIT); /* a zombie, not reaped */
    same_file("zombie's exe", path, &exe);
    n = readlink(path, buf, sizeof(buf) - 1);
    printf("zombie's readlink: %s\n", n < 0 ? strerrorname_np(errno) : "a path");
    waitpid(pid, NULL, 0);
    return 0;
}
