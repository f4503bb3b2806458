/*
 * unshare_syslog: unshare(2) with the flags that need no namespace, and syslog(2)'s checks.
 * unshare:
 *   single     0, CLONE_SYSVSEM, CLONE_FS, CLONE_FILES and even CLONE_VM/SIGHAND/THREAD succeed
 *              in a single-threaded process (nothing is shared); a flag unshare does not know is
 *              EINVAL
 *   threads    with a second thread, CLONE_THREAD, CLONE_VM and CLONE_NEWUSER are EINVAL
 *   files      a thread that unshares its fd table: an fd it makes is not the main thread's, one
 *              it closes stays open in the main thread
 *   fs         a thread that unshares its fs: its chdir and umask leave the main thread's alone
 * syslog (only what every kernel and host answer alike; no action that changes the host's log):
 *   the buffer size is positive; reading all of it with length 0 gives 0, without a buffer or
 *   with a negative length EINVAL, into a kernel address EFAULT; a console level out of 1..8 and
 *   an unknown action are EINVAL (EPERM for a user without CAP_SYSLOG, natively too)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "guest.h"

static const char *res(long r)
{
    if (r >= 0)
        return "ok";
    switch (errno) {
    case EINVAL:
        return "EINVAL";
    case EPERM:
        return "EPERM";
    case EFAULT:
        return "EFAULT";
    case EBADF:
        return "EBADF";
    default:
        return "other";
    }
}

static long unshare_(unsigned long flags)
{
    return syscall(SYS_unshare, flags);
}

static int go, ready;
static long thread_result;

static void *waiter(void *arg)
{
    (void)arg;
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        sched_yield();
    return NULL;
}

static void *files_thread(void *arg)
{
    int keep = *(int *)arg;
    thread_result = unshare_(CLONE_FILES);
    close(keep);
    if (dup2(1, 100) != 100)
        thread_result = -1;
    return NULL;
}

static void *fs_thread(void *arg)
{
    (void)arg;
    thread_result = unshare_(CLONE_FS);
    if (chdir("/") || umask(077) != 022)
        thread_result = -1;
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    umask(022);
    printf("unshare 0 %s\n", res(unshare_(0)));
    printf("unshare unknown flag %s\n", res(unshare_(0x1)));
    printf("unshare SYSVSEM %s\n", res(unshare_(CLONE_SYSVSEM)));
    printf("unshare FS|FILES %s\n", res(unshare_(CLONE_FS | CLONE_FILES)));
    printf("unshare VM single %s\n", res(unshare_(CLONE_VM)));
    printf("unshare THREAD|SIGHAND single %s\n", res(unshare_(CLONE_THREAD | CLONE_SIGHAND)));

    pthread_t th;
    if (pthread_create(&th, NULL, waiter, NULL))
        guest_die("pthread_create");
    while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
        sched_yield();
    printf("threads: THREAD %s\n", res(unshare_(CLONE_THREAD)));
    printf("threads: VM %s\n", res(unshare_(CLONE_VM)));
    printf("threads: SIGHAND %s\n", res(unshare_(CLONE_SIGHAND)));
    printf("threads: NEWUSER %s\n", res(unshare_(CLONE_NEWUSER)));
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);

    int keep = open("/dev/null", O_RDONLY);
    if (keep < 0)
        guest_die("open");
    if (pthread_create(&th, NULL, files_thread, &keep) || pthread_join(th, NULL))
        guest_die("pthread");
    printf("files: unshare %s\n", res(thread_result));
    printf("files: the thread's close left ours %s\n", res(fcntl(keep, F_GETFD)));
    printf("files: the thread's new fd in ours %s\n", res(fcntl(100, F_GETFD)));

    char before[4096], after[4096];
    if (!getcwd(before, sizeof(before)))
        guest_die("getcwd");
    if (pthread_create(&th, NULL, fs_thread, NULL) || pthread_join(th, NULL))
        guest_die("pthread");
    printf("fs: unshare %s\n", res(thread_result));
    if (!getcwd(after, sizeof(after)))
        guest_die("getcwd");
    printf("fs: cwd %s\n", strcmp(before, after) ? "moved" : "unchanged");
    printf("fs: umask %03o\n", (unsigned)umask(022));

    printf("syslog size %s\n", syscall(SYS_syslog, 10, NULL, 0) > 0 ? "positive" : "not positive");
    char buf[16];
    printf("syslog read all len 0 %s\n", res(syscall(SYS_syslog, 3, buf, 0)));
    printf("syslog read all no buffer %s\n", res(syscall(SYS_syslog, 3, NULL, 16)));
    printf("syslog read all negative %s\n", res(syscall(SYS_syslog, 3, buf, -1)));
    printf("syslog read all kernel address %s\n",
           res(syscall(SYS_syslog, 3, (void *)0xffff880000000000UL, 16)));
    printf("syslog console level 0 %s\n", res(syscall(SYS_syslog, 8, NULL, 0)));
    printf("syslog console level 9 %s\n", res(syscall(SYS_syslog, 8, NULL, 9)));
    printf("syslog unknown action %s\n", res(syscall(SYS_syslog, 99, NULL, 0)));
    return 0;
}
