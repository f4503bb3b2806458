/*
 * umask_fork DIR: the file-creation mask is per process, as Linux keeps it in the task's
 * fs_struct; a forked child that changes it leaves its parent's alone, and a thread (CLONE_FS)
 * shares its process's. One line per step, modes of files created in DIR:
 *   start    umask 022 set by the parent, a file created 0666 -> 0644
 *   child    a forked child sets 077 and creates a file -> 0600; umask() in the child says 077
 *   parent   after reaping it the parent still has 022: its next file is 0644, mkdir 0755
 *   exec     a child sets 027 and execs itself ("show"): the mask survives execve
 *   thread   a thread sets 007: the main thread sees 007 (shared fs_struct)
 *   status   /proc/self/status's Umask line is the process's mask
 */
#include <pthread.h>
#include <sys/stat.h>

#include "guest.h"

static void create(const char *name)
{
    int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0666);
    if (fd < 0)
        guest_die(name);
    close(fd);
    struct stat st;
    if (stat(name, &st))
        guest_die("stat");
    printf("%s mode %04o\n", name, (unsigned)(st.st_mode & 07777));
}

static unsigned get_mask(void)
{
    unsigned m = umask(0);
    umask(m);
    return m;
}

static void *thread_main(void *arg)
{
    (void)arg;
    umask(007);
    return NULL;
}

static void status_line(void)
{
    char buf[8192];
    size_t n = guest_read_file("/proc/self/status", buf, sizeof(buf) - 1);
    buf[n] = 0;
    char *l = strstr(buf, "Umask:");
    if (!l)
        guest_die("no Umask line");
    *strchr(l, '\n') = 0;
    printf("status %s\n", l);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "show") == 0) {
        printf("exec umask %03o\n", get_mask());
        return 0;
    }
    if (argc < 2 || chdir(argv[1]))
        guest_die("usage: umask_fork DIR");
    setvbuf(stdout, NULL, _IONBF, 0);
    umask(022);
    create("start");
    pid_t pid = fork();
    if (pid == 0) {
        umask(077);
        create("child");
        printf("child umask %03o\n", get_mask());
        _exit(0);
    }
    guest_reap(pid);
    printf("parent umask %03o\n", get_mask());
    create("parent");
    if (mkdir("dir", 0777))
        guest_die("mkdir");
    struct stat st;
    stat("dir", &st);
    printf("dir mode %04o\n", (unsigned)(st.st_mode & 07777));
    pid = fork();
    if (pid == 0) {
        umask(027);
        execl("/proc/self/exe", argv[0], "show", (char *)NULL);
        _exit(127);
    }
    guest_reap(pid);
    printf("parent umask %03o\n", get_mask());
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, NULL))
        guest_die("pthread_create");
    pthread_join(t, NULL);
    printf("after thread umask %03o\n", get_mask());
    create("thread");
    status_line();
    return 0;
}
