/*
 * proc_task_nlink - /proc/PID/task as stat sees it: its link count is 2 + the group's threads
 * (proc_task_getattr), by stat, fstatat from a /proc dirfd ("self/task/", as Chromium's
 * sandbox asks), statx and fstat of an open descriptor, one thread and three; and
 * /proc/self/task/TID names each thread's directory.
 *
 * Until 2026-12-07 faultline passed these to the host, where they named faultline's own task
 * directory: the count was 2 + faultline's host threads whatever the guest had, so Chromium's
 * zygote found itself "multi-threaded" at its first fork and died of a CHECK (SIGTRAP), and
 * stat("/proc/self/task/TID") was ENOENT (the host's faultline has no such tid).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_barrier_t start, stop;

static void *worker(void *arg)
{
    pid_t *tid = arg;
    *tid = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&start);
    pthread_barrier_wait(&stop);
    return NULL;
}

static long nlink_stat(const char *path)
{
    struct stat st;
    return stat(path, &st) ? -1 : (long)st.st_nlink;
}

static void show(const char *when)
{
    struct stat st;
    uint32_t stx[64]; /* struct statx, by raw syscall (musl 1.2.3 has no statx) */
    long at = -1, fd_count = -1, x = -1;
    int proc = open("/proc/", O_RDONLY | O_DIRECTORY);
    if (proc >= 0 && fstatat(proc, "self/task/", &st, 0) == 0)
        at = (long)st.st_nlink;
    if (proc >= 0)
        close(proc);
    int task = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
    if (task >= 0 && fstat(task, &st) == 0)
        fd_count = (long)st.st_nlink;
    if (task >= 0)
        close(task);
    if (syscall(SYS_statx, AT_FDCWD, "/proc/self/task", 0, 0x4 /* STATX_NLINK */, stx) == 0)
        x = (long)stx[4]; /* stx_nlink, after stx_mask, stx_blksize and stx_attributes */
    printf("%s: stat %ld fstatat %ld fstat %ld statx %ld\n", when, nlink_stat("/proc/self/task"),
           at, fd_count, x);
}

/* Is /proc/self/task/TID a directory? */
static int tid_dir(pid_t tid)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    show("one thread");
    printf("own task dir: %d\n", tid_dir((pid_t)syscall(SYS_gettid)));
    printf("task dir of no thread: %d\n", tid_dir(999999));

    pthread_t th[2];
    pid_t tids[2];
    pthread_barrier_init(&start, NULL, 3);
    pthread_barrier_init(&stop, NULL, 3);
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, worker, &tids[i]);
    pthread_barrier_wait(&start);
    show("three threads");
    printf("threads' task dirs: %d %d\n", tid_dir(tids[0]), tid_dir(tids[1]));
    pthread_barrier_wait(&stop);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    /* a joined thread may still be counted for a moment (its exit wakes the joiner before the
     * group forgets it): wait for the count to settle */
    for (int i = 0; i < 2000 && nlink_stat("/proc/self/task") != 3; i++)
        usleep(1000);
    show("joined");

    pid_t c = fork();
    if (c == 0) {
        show("child");
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
