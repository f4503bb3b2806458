/*
 * exe_rename - /proc/self/exe names the file the process runs as it is named now (Linux's
 * d_path of mm->exe_file): renamed while running, the new name; unlinked, the name with
 * " (deleted)" (a program replaced by a package upgrade, a build's temporary binary). The
 * guest copies itself into DIR, runs the copy, which renames and unlinks itself and prints
 * what the link says each time, relative to DIR.
 * usage: exe_rename DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, const char *dir)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n < 0) {
        perror("readlink");
        return;
    }
    buf[n] = 0;
    size_t dl = strlen(dir);
    printf("%s: %s\n", what, strncmp(buf, dir, dl) == 0 && buf[dl] == '/' ? buf + dl + 1 : buf);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: exe_rename DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char a[4096], b[4096];
    snprintf(a, sizeof(a), "%s/exe_copy", dir);
    snprintf(b, sizeof(b), "%s/exe_renamed", dir);
    if (argc == 3) { /* the copy */
        show("started", dir);
        if (rename(a, b))
            perror("rename");
        show("renamed", dir);
        if (unlink(b))
            perror("unlink");
        show("unlinked", dir);
        return 0;
    }
    int in = open("/proc/self/exe", O_RDONLY);
    unlink(a);
    unlink(b);
    int out = open(a, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    char buf[65536];
    ssize_t n;
    if (in < 0 || out < 0) {
        perror("copy");
        return 1;
    }
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, n) != n) {
            perror("write");
            return 1;
        }
    close(in);
    close(out);
    pid_t pid = fork();
    if (pid == 0) {
        execl(a, a, dir, "child", (char *)NULL);
        perror("execl");
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child: %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
