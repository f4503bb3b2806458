/*
 * execveat - execveat(2) and fexecve(3): a program run from an open fd (AT_EMPTY_PATH) or by a
 * name relative to a directory fd, with Linux's refusals: an empty name without AT_EMPTY_PATH
 * (ENOENT), unknown flags (EINVAL), a final symlink with AT_SYMLINK_NOFOLLOW (ELOOP), a bad
 * dirfd (EBADF), a script through a close-on-exec fd (ENOENT: its interpreter could not open
 * "/dev/fd/N"). faultline had no execveat until 2026-12-06 (ENOSYS; glibc's fexecve fell back to
 * /proc/self/fd/N, a direct call failed). Takes a scratch directory as argv[1]; prints each
 * result and what the program run says about itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char *const env[] = {"PATH=/usr/bin:/bin", NULL};

static int do_execveat(int dirfd, const char *path, char *const argv[], int flags)
{
    return (int)syscall(SYS_execveat, dirfd, path, argv, env, flags);
}

/* Run execveat in a child: its error, or what the program printed and its status. */
static void run(const char *what, int dirfd, const char *path, char *const argv[], int flags)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        do_execveat(dirfd, path, argv, flags);
        printf("%s: %s\n", what, strerrorname_np(errno));
        fflush(stdout);
        _exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WEXITSTATUS(st) != 99)
        printf("%s: ran, status %d\n", what, WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
    char self[PATH_MAX], comm[32] = "";

    if (argc > 1 && strcmp(argv[1], "child") == 0) { /* the program run */
        int f = open("/proc/self/comm", O_RDONLY);
        ssize_t n = read(f, comm, sizeof(comm) - 1);
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        self[n > 0 ? n : 0] = 0;
        printf("  child: argv[0] %s, comm %s, exe %s\n", argv[0], comm[0] ? strtok(comm, "\n") : "",
               strrchr(self, '/') + 1);
        return 7;
    }
    if (argc < 2 || chdir(argv[1]) < 0)
        return 2;
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return 3;
    self[n] = 0;
    char *dir = strdup(self), *base = strrchr(dir, '/');
    *base++ = 0;
    char *const cargv[] = {"zero", "child", NULL};

    int fd = open(self, O_RDONLY);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    int pfd = open(self, O_PATH | O_CLOEXEC);
    run("AT_EMPTY_PATH", fd, "", cargv, AT_EMPTY_PATH);
    run("AT_EMPTY_PATH of an O_PATH fd", pfd, "", cargv, AT_EMPTY_PATH);
    run("relative to a dirfd", dfd, base, cargv, 0);
    run("absolute, dirfd ignored", -1, self, cargv, 0);
    run("empty, no AT_EMPTY_PATH", fd, "", cargv, 0);
    run("unknown flag", fd, "", cargv, AT_EMPTY_PATH | 0x4000);
    run("bad dirfd", 999, "x", cargv, 0);
    run("dirfd not a directory", fd, "x", cargv, 0);
    symlink(self, "link");
    run("symlink, AT_SYMLINK_NOFOLLOW", AT_FDCWD, "link", cargv, AT_SYMLINK_NOFOLLOW);
    run("symlink, followed", AT_FDCWD, "link", cargv, 0);

    /* a script: through an fd its interpreter can open again, then a close-on-exec one */
    FILE *s = fopen("script", "w");
    fprintf(s,
            "#!/bin/sh\necho \"  script: \\$0 is $(echo $0 | sed 's/[0-9][0-9]*/N/')\"\nexit 5\n");
    fclose(s);
    chmod("script", 0755);
    char *const sargv[] = {"script", NULL};
    int sfd = open("script", O_RDONLY);
    run("script by fd", sfd, "", sargv, AT_EMPTY_PATH);
    int cfd = open("script", O_RDONLY | O_CLOEXEC);
    run("script by a close-on-exec fd", cfd, "", sargv, AT_EMPTY_PATH);
    int here = open(".", O_RDONLY | O_DIRECTORY); /* its interpreter gets /dev/fd/N/script */
    run("script relative to a dirfd", here, "script", sargv, 0);
    return 0;
}
