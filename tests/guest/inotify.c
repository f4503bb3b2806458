/*
 * inotify DIR: inotify on a scratch directory, compared with a native run. Watches DIR, makes
 * changes there (create, write, rename, delete, mkdir), and prints the events read back; then a
 * child makes a directory while the parent is blocked reading the instance (under faultline the
 * reader parks and the child runs); then removes the watch (IN_IGNORED) and tries bad calls.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
    unsigned mask;
    const char *name;
} names[] = {
    {IN_CREATE, "CREATE"},         {IN_MODIFY, "MODIFY"},     {IN_CLOSE_WRITE, "CLOSE_WRITE"},
    {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"}, {IN_DELETE, "DELETE"},
    {IN_ISDIR, "ISDIR"},           {IN_IGNORED, "IGNORED"},
};

/* Read one batch of events and print them; the cookies of a rename must match. */
static void drain(int fd, const char *when)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    unsigned cookie = 0;
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0)
        guest_die("read");
    for (char *p = buf; p < buf + n;) {
        struct inotify_event *ev = (struct inotify_event *)p;
        printf("%s: wd %d", when, ev->wd);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (ev->mask & names[i].mask)
                printf(" %s", names[i].name);
        printf(" '%s'", ev->len ? ev->name : "");
        if (ev->mask & IN_MOVED_FROM)
            cookie = ev->cookie;
        if (ev->mask & IN_MOVED_TO)
            printf(" cookie %s", ev->cookie == cookie && cookie ? "matches" : "differs");
        printf("\n");
        p += sizeof(*ev) + ev->len;
    }
}

static void path_in(char *out, size_t len, const char *dir, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    char a[4096], b[4096], d[4096], late[4096];
    int fd = inotify_init1(IN_CLOEXEC);
    int wd, f;

    if (fd < 0)
        guest_die("inotify_init1");
    wd = inotify_add_watch(
        fd, dir, IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE);
    printf("watch: %s\n", wd > 0 ? "ok" : strerror(errno));

    path_in(a, sizeof(a), dir, "a");
    path_in(b, sizeof(b), dir, "b");
    path_in(d, sizeof(d), dir, "sub");
    path_in(late, sizeof(late), dir, "late");
    f = open(a, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (f < 0 || write(f, "hello\n", 6) != 6)
        guest_die("write");
    close(f);
    rename(a, b);
    unlink(b);
    mkdir(d, 0755);
    rmdir(d);
    drain(fd, "changes");

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(20000);
        mkdir(late, 0755); /* one event: the parent may wake up at the first */
        _exit(0);
    }
    drain(fd, "blocked read");
    printf("child exit %d\n", guest_reap(pid));
    rmdir(late);

    printf("rm_watch: %d\n", inotify_rm_watch(fd, wd));
    /* the rmdir's DELETE, then IGNORED */
    drain(fd, "after rm_watch");

    printf("add_watch missing: %s\n",
           inotify_add_watch(fd, "/nonexistent/x", IN_CREATE) < 0 ? strerror(errno) : "ok");
    printf("add_watch on stdout: %s\n",
           inotify_add_watch(1, dir, IN_CREATE) < 0 ? strerror(errno) : "ok");
    printf("inotify_init1 bad flags: %s\n", inotify_init1(0x10) < 0 ? strerror(errno) : "ok");
    return 0;
}
