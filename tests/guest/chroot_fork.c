/*
 * chroot_fork: chroot(2) into a scratch directory (argv[1]), compared with a native run. The
 * lookup's errors (ENOENT, ENOTDIR) come before the privilege check; as root the process then
 * sees only the new root: absolute names resolve under it, ".." stops at it (from "/" and from a
 * subdirectory), a name outside it is not found, getcwd is ENOENT while the cwd is still outside
 * the root and names the cwd from the root once it is inside, and a forked child inherits the
 * root. A native run that is not root prints EPERM and stops there, as faultline then does.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <sys/stat.h>

static const char *err(long r)
{
    return r < 0 ? strerror(errno) : "ok";
}

static void put_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        guest_die(path);
    close(fd);
}

static void show_file(const char *who, const char *path)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open %s: %s\n", who, path, strerror(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    printf("%s: %s holds '%s'\n", who, path, buf);
}

static void show_cwd(const char *who)
{
    char buf[256];
    if (getcwd(buf, sizeof(buf)))
        printf("%s: cwd %s\n", who, buf);
    else
        printf("%s: getcwd %s\n", who, strerror(errno));
}

int main(int argc, char **argv)
{
    char jail[512], path[600];
    if (argc < 2)
        return 2;
    snprintf(jail, sizeof(jail), "%s/jail", argv[1]);
    if (mkdir(jail, 0755) != 0)
        guest_die("mkdir jail");
    snprintf(path, sizeof(path), "%s/dir", jail);
    if (mkdir(path, 0755) != 0)
        guest_die("mkdir dir");
    snprintf(path, sizeof(path), "%s/file.txt", jail);
    put_file(path, "inside");
    snprintf(path, sizeof(path), "%s/outside.txt", argv[1]);
    put_file(path, "outside");
    setvbuf(stdout, NULL, _IONBF, 0);

    snprintf(path, sizeof(path), "%s/missing", argv[1]);
    printf("chroot missing: %s\n", err(chroot(path)));
    snprintf(path, sizeof(path), "%s/outside.txt", argv[1]);
    printf("chroot a file: %s\n", err(chroot(path)));
    if (chroot(jail) != 0) {
        printf("chroot: %s\n", strerror(errno));
        return 0;
    }
    printf("chroot: ok\n");
    show_cwd("before chdir");
    printf("chdir /: %s\n", err(chdir("/")));
    show_cwd("after chdir");
    show_file("root", "/file.txt");
    show_file("root", "/../../file.txt");
    show_file("root", "../../../outside.txt");
    show_file("root", "/outside.txt");
    struct stat a, b;
    printf("/.. is /: %d\n", stat("/..", &a) == 0 && stat("/", &b) == 0 && a.st_ino == b.st_ino);
    printf("chdir dir: %s\n", err(chdir("dir")));
    show_cwd("in dir");
    show_file("dir", "../file.txt");
    show_file("dir", "../../../file.txt");
    printf("chdir ../..: %s\n", err(chdir("../..")));
    show_cwd("climbed");

    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        show_cwd("child");
        show_file("child", "/file.txt");
        show_file("child", "/../outside.txt");
        printf("child: mkdir /made: %s\n", err(mkdir("/made", 0755)));
        _exit(0);
    }
    printf("child exited %d\n", guest_reap(pid));
    printf("parent sees /made: %s\n", err(access("/made", F_OK)));
    return 0;
}
