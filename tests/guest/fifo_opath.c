/*
 * fifo_opath - O_PATH opens of a named FIFO, as GNU tar makes to set a FIFO's mode after
 * extracting it (openat(O_PATH|O_NOFOLLOW), fstatat(AT_EMPTY_PATH), chmod("/proc/self/fd/N")).
 * Linux's O_PATH open never reaches fifo_open, so it returns at once without a reader or a
 * writer; faultline waited for a writer forever until 2026-12-06 (an O_PATH open has access
 * mode 0, O_RDONLY). Takes a scratch directory as argv[1]; prints each result.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s: %s\n", what, strerrorname_np(errno));
    else
        printf("%s: ok\n", what);
}

int main(int argc, char **argv)
{
    char path[64];
    struct stat st;
    int fd;

    if (argc < 2 || chdir(argv[1]) < 0)
        return 2;
    alarm(5); /* a hang is a failure, not a stuck test */
    if (mkfifo("f", 0600) < 0 || symlink("f", "link") < 0)
        return 3;

    fd = openat(AT_FDCWD, "f", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_PATH);
    show("open O_PATH|O_NOFOLLOW", fd);
    show("fstatat AT_EMPTY_PATH", fstatat(fd, "", &st, AT_EMPTY_PATH));
    printf("fifo %d mode %o\n", S_ISFIFO(st.st_mode), st.st_mode & 07777);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    show("chmod /proc/self/fd/N", chmod(path, 0644));
    show("read on O_PATH fd", read(fd, path, 1)); /* EBADF */
    close(fd);
    stat("f", &st);
    printf("mode now %o\n", st.st_mode & 07777);

    fd = open("f", O_WRONLY | O_PATH); /* O_PATH ignores the access mode */
    show("open O_WRONLY|O_PATH", fd);
    close(fd);
    fd = open("link", O_PATH | O_NOFOLLOW); /* the symlink itself */
    show("open symlink O_PATH|O_NOFOLLOW", fd);
    show("fstat", fstat(fd, &st));
    printf("symlink %d\n", S_ISLNK(st.st_mode));
    close(fd);
    fd = open("link", O_PATH); /* followed to the FIFO */
    show("open symlink O_PATH", fd);
    show("fstat", fstat(fd, &st));
    printf("fifo %d\n", S_ISFIFO(st.st_mode));
    close(fd);
    show("open symlink O_RDONLY|O_NOFOLLOW", open("link", O_RDONLY | O_NOFOLLOW)); /* ELOOP */
    show("open O_WRONLY|O_NONBLOCK, no reader", open("f", O_WRONLY | O_NONBLOCK)); /* ENXIO */
    return 0;
}
