/*
 * fd_dir_paths - names under a directory that a guest fd is: "/dev/fd/N/NAME",
 * "/proc/self/fd/N/NAME" and "/proc/PID/fd/N/NAME" follow the fd's link, then look NAME up in
 * that directory (an interpreter running a script by execveat(dirfd, "NAME") gets such a name,
 * and some programs open files relative to an fd so). Until 2026-12-06 faultline gave the host
 * the name as it was, where fd N is one of faultline's own: ENOTDIR, or another file. Takes a
 * scratch directory as argv[1].
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try(const char *fmt, int fd)
{
    char path[128], buf[32] = "";
    struct stat st;

    snprintf(path, sizeof(path), fmt, fd, getpid());
    int f = open(path, O_RDONLY);
    ssize_t n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);
    printf("%-28s open %s, read %zd %s", fmt, f < 0 ? strerrorname_np(errno) : "ok", n,
           n > 0 ? buf : "\n");
    printf("%-28s stat %s\n", "", stat(path, &st) < 0 ? strerrorname_np(errno) : "ok");
    if (f >= 0)
        close(f);
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]) < 0 || mkdir("d", 0755) < 0)
        return 2;
    FILE *f = fopen("d/file", "w");
    fputs("inside\n", f);
    fclose(f);
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    int ffd = open("d/file", O_RDONLY);
    for (int i = 0; i < 100; i++) /* fd numbers faultline's own host fds are unlikely to match */
        dup(ffd);
    int hi = dup(dfd);

    try("/dev/fd/%d/file", dfd);
    try("/proc/self/fd/%d/file", hi);
    try("/proc/self/fd/%d/../d/file", hi);
    try("/proc/%2$d/fd/%1$d/file", dfd);
    try("/dev/fd/%d/missing", dfd);
    try("/dev/fd/%d/file", ffd);  /* not a directory */
    try("/dev/fd/%d/file", 1000); /* not open */

    char path[64];
    snprintf(path, sizeof(path), "/dev/fd/%d/", dfd);
    DIR *d = opendir(path);
    struct dirent *e;
    int files = 0;
    while (d && (e = readdir(d)))
        files += strcmp(e->d_name, "file") == 0;
    printf("opendir %s: file listed %d\n", d ? "ok" : strerrorname_np(errno), files);
    snprintf(path, sizeof(path), "/dev/fd/%d/new", dfd);
    int c = open(path, O_CREAT | O_WRONLY, 0644);
    printf("create through it: %s, in d: %d\n", c < 0 ? strerrorname_np(errno) : "ok",
           access("d/new", F_OK) == 0);
    return 0;
}
