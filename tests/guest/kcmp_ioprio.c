/*
 * kcmp_ioprio: kcmp (kernel/kcmp.c) on objects tasks share or not, and ioprio_get/ioprio_set
 * (block/ioprio.c). kcmp's order between different objects is arbitrary, so only "same" or
 * "differ" is printed, and whether the order is consistent (kcmp(a, b) is 1 exactly when
 * kcmp(b, a) is 2, and three objects sort without a cycle). I/O priorities are printed only
 * where kernels agree: a task that never set one reads class NONE (4.20 says 4, later kernels 0).
 *   self       a task against itself: every type the same
 *   fork       a child: its own mm, fd table, fs, but the inherited fds are the same files
 *   dup/open   a dup of an fd is the same file, another open of the same path is not
 *   order      antisymmetric, and three files sort without a cycle
 *   thread     a thread shares mm, files, fs, signal handlers
 *   vfork      a vfork child shares the mm only
 *   zombie     two exited children both have no mm (same), but their own signal handlers
 *   errors     a bad fd: EBADF; a bad type: EINVAL; a pid that is gone: ESRCH
^ *   ioprio     the checks of the value (EINVAL), set and read back, inherited by fork only with a
 *              class, per task, set on a child, the best of a process group; after ioprio_set
 *              each task has an I/O context of its own (KCMP_IO differs)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/sem.h>
#include <sys/syscall.h>

#include "guest.h"

#define KCMP_FILE    0
#define KCMP_VM      1
#define KCMP_FILES   2
#define KCMP_FS      3
#define KCMP_SIGHAND 4
#define KCMP_IO      5
#define KCMP_SYSVSEM 6

#define IOPRIO_WHO_PROCESS  1
#define IOPRIO_WHO_PGRP     2
#define IOPRIO_WHO_USER     3
#define IOPRIO(class, data) (((class) << 13) | (data))

static long kcmp(pid_t a, pid_t b, int type, long i1, long i2)
{
    long r = syscall(SYS_kcmp, a, b, type, i1, i2);
    return r < 0 ? -errno : r;
}

/* "same", "differ" (with a consistent order both ways), or the error. */
static const char *cmp(pid_t a, pid_t b, int type, long i1, long i2)
{
    long r = kcmp(a, b, type, i1, i2), back = kcmp(b, a, type, i2, i1);
    if (r < 0)
        return guest_errno_name((int)-r);
    if (r == 0)
        return back == 0 ? "same" : "same-but-not-back";
    if ((r == 1 && back == 2) || (r == 2 && back == 1))
        return "differ";
    return "inconsistent";
}

static void all_types(const char *what, pid_t a, pid_t b)
{
    printf("%s: vm %s files %s fs %s sighand %s sysvsem %s\n", what, cmp(a, b, KCMP_VM, 0, 0),
           cmp(a, b, KCMP_FILES, 0, 0), cmp(a, b, KCMP_FS, 0, 0), cmp(a, b, KCMP_SIGHAND, 0, 0),
           cmp(a, b, KCMP_SYSVSEM, 0, 0));
}

static long ioprio_get(int which, int who)
{
    long r = syscall(SYS_ioprio_get, which, who);
    return r < 0 ? -errno : r;
}

static long ioprio_set(int which, int who, int prio)
{
    long r = syscall(SYS_ioprio_set, which, who, prio);
    return r < 0 ? -errno : r;
}

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s %s\n", what, guest_errno_name((int)-r));
    else
        printf("%s %#lx\n", what, r);
}

static pid_t thread_tid;
static int thread_ioprio_class;
static void *thread_main(void *arg)
{
    thread_tid = (pid_t)syscall(SYS_gettid);
    thread_ioprio_class = (int)(ioprio_get(IOPRIO_WHO_PROCESS, 0) >> 13);
    int *go = arg;
    while (!__atomic_load_n(go, __ATOMIC_ACQUIRE))
        sched_yield();
    return NULL;
}

static pid_t child_waiting(int fds[2])
{
    if (pipe(fds))
        guest_die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        char c;
        close(fds[1]);
        ssize_t n = read(fds[0], &c, 1);
        _exit(n == 1 ? c - '0' : 0);
    }
    close(fds[0]);
    return pid;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t me = getpid();
    all_types("self", me, me);
    printf("self io %s\n", cmp(me, me, KCMP_IO, 0, 0));

    int cfd[2];
    pid_t child = child_waiting(cfd);
    all_types("fork", me, child);
    printf("fork stdout %s\n", cmp(me, child, KCMP_FILE, 1, 1));

    int f1 = open("/proc/self/exe", O_RDONLY), f2 = open("/proc/self/exe", O_RDONLY);
    int f3 = open("/dev/null", O_RDONLY), d1 = dup(f1);
    if (f1 < 0 || f2 < 0 || f3 < 0 || d1 < 0)
        guest_die("open");
    printf("dup %s\n", cmp(me, me, KCMP_FILE, f1, d1));
    printf("reopen %s\n", cmp(me, me, KCMP_FILE, f1, f2));
    /* three different files: the order has no cycle */
    int fd[3] = {f1, f2, f3}, before[3] = {0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (i != j && kcmp(me, me, KCMP_FILE, fd[i], fd[j]) == 1)
                before[i]++;
    int seen = 0;
    for (int i = 0; i < 3; i++)
        seen |= 1 << before[i];
    printf("order of three files %s\n", seen == 7 ? "total" : "broken");

    int go = 0;
    pthread_t th;
    if (pthread_create(&th, NULL, thread_main, &go))
        guest_die("pthread_create");
    while (!__atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE))
        sched_yield();
    all_types("thread", me, thread_tid);
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);

    /* a semop with SEM_UNDO gives the process an undo list, shared by its threads, not by the
     * child forked before */
    int semid = semget(IPC_PRIVATE, 1, 0600);
    struct sembuf up = {0, 1, SEM_UNDO};
    if (semid < 0 || semop(semid, &up, 1))
        guest_die("semop");
    printf("after SEM_UNDO: sysvsem with the fork child %s, with itself %s\n",
           cmp(me, child, KCMP_SYSVSEM, 0, 0), cmp(me, me, KCMP_SYSVSEM, 0, 0));
    thread_tid = 0;
    go = 0;
    if (pthread_create(&th, NULL, thread_main, &go))
        guest_die("pthread_create");
    while (!__atomic_load_n(&thread_tid, __ATOMIC_ACQUIRE))
        sched_yield();
    printf("after SEM_UNDO: sysvsem with a thread %s\n", cmp(me, thread_tid, KCMP_SYSVSEM, 0, 0));
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    semctl(semid, 0, IPC_RMID);

    static volatile long vf[4];
    pid_t v = vfork();
    if (v == 0) {
        pid_t self = (pid_t)syscall(SYS_getpid);
        vf[0] = kcmp(me, self, KCMP_VM, 0, 0);
        vf[1] = kcmp(me, self, KCMP_FILES, 0, 0);
        vf[2] = kcmp(me, self, KCMP_FS, 0, 0);
        vf[3] = kcmp(me, self, KCMP_SIGHAND, 0, 0);
        _exit(0);
    }
    guest_reap(v);
    printf("vfork: vm %s files %s fs %s sighand %s\n", vf[0] ? "differ" : "same",
           vf[1] ? "differ" : "same", vf[2] ? "differ" : "same", vf[3] ? "differ" : "same");

    pid_t z1 = fork();
    if (z1 == 0)
        _exit(0);
    pid_t z2 = fork();
    if (z2 == 0)
        _exit(0);
    siginfo_t si;
    if (waitid(P_PID, z1, &si, WEXITED | WNOWAIT) || waitid(P_PID, z2, &si, WEXITED | WNOWAIT))
        guest_die("waitid");
    printf("zombies: vm %s files %s fs %s sighand %s\n", cmp(z1, z2, KCMP_VM, 0, 0),
           cmp(z1, z2, KCMP_FILES, 0, 0), cmp(z1, z2, KCMP_FS, 0, 0),
           cmp(z1, z2, KCMP_SIGHAND, 0, 0));
    printf("zombie file %s\n", cmp(z1, me, KCMP_FILE, 0, 0));
    guest_reap(z1);
    guest_reap(z2);

    printf("bad fd %s\n", cmp(me, child, KCMP_FILE, 1, 999));
    printf("bad type %s\n", cmp(me, child, 8, 0, 0));
    printf("gone pid %s\n", cmp(me, z1, KCMP_VM, 0, 0));

    /* ioprio */
    printf("default class %ld\n", ioprio_get(IOPRIO_WHO_PROCESS, 0) >> 13);
    printf("child default class %ld\n", ioprio_get(IOPRIO_WHO_PROCESS, child) >> 13);
    show("set bad class", ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO(5, 0)));
    show("set NONE 1", ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO(0, 1)));
    show("set negative", ioprio_set(IOPRIO_WHO_PROCESS, 0, -1));
    show("set bad which", ioprio_set(7, 0, IOPRIO(2, 1)));
    show("get bad which", ioprio_get(7, 0));
    show("set gone pid", ioprio_set(IOPRIO_WHO_PROCESS, z1, IOPRIO(2, 1)));
    show("get gone pid", ioprio_get(IOPRIO_WHO_PROCESS, z1));
    show("set user -1", ioprio_set(IOPRIO_WHO_USER, -1, IOPRIO(2, 1)));
    show("set BE 3", ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO(2, 3)));
    show("get", ioprio_get(IOPRIO_WHO_PROCESS, 0));
    show("get by pid", ioprio_get(IOPRIO_WHO_PROCESS, me));
    printf("child still class %ld\n", ioprio_get(IOPRIO_WHO_PROCESS, child) >> 13);

    int kfd[2];
    pid_t kid = fork();
    if (kid == 0) {
        show("forked child inherits", ioprio_get(IOPRIO_WHO_PROCESS, 0));
        show("forked child sets IDLE", ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO(3, 0)));
        show("forked child reads", ioprio_get(IOPRIO_WHO_PROCESS, 0));
        _exit(0);
    }
    guest_reap(kid);
    show("parent after child's set", ioprio_get(IOPRIO_WHO_PROCESS, 0));

    if (pthread_create(&th, NULL, thread_main, &go))
        guest_die("pthread_create");
    pthread_join(th, NULL);
    printf("thread inherits class %d\n", thread_ioprio_class);

    show("set on child BE 5", ioprio_set(IOPRIO_WHO_PROCESS, child, IOPRIO(2, 5)));
    show("child reads", ioprio_get(IOPRIO_WHO_PROCESS, child));
    show("group best", ioprio_get(IOPRIO_WHO_PGRP, 0));
    printf("io contexts %s\n", cmp(me, child, KCMP_IO, 0, 0));

    /* a class-less priority is not inherited: the child of a NONE parent has no context */
    show("set NONE 0", ioprio_set(IOPRIO_WHO_PROCESS, 0, IOPRIO(0, 0)));
    show("get", ioprio_get(IOPRIO_WHO_PROCESS, 0));
    kid = child_waiting(kfd);
    printf("child of NONE class %ld\n", ioprio_get(IOPRIO_WHO_PROCESS, kid) >> 13);
    if (write(kfd[1], "0", 1) != 1)
        guest_die("write");
    guest_reap(kid);

    if (write(cfd[1], "0", 1) != 1)
        guest_die("write");
    printf("child status %d\n", guest_reap(child));
    return 0;
}
