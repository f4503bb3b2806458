/*
 * robust_mutex.c - robust mutexes whose owner dies holding them (set_robust_list and the
 * kernel's walk of the list at exit and execve, kernel/futex/core.c exit_robust_list).
 *
 * a: a thread locks and returns; the next lock is EOWNERDEAD, made consistent, usable again.
 * b: the same with the main thread already waiting (FUTEX_WAITERS set: the dying owner's walk
 *    must wake it).
 * c: a process-shared mutex in MAP_SHARED memory; a forked child locks it and _exits.
 * d: the same with the parent already waiting when the child _exits.
 * e: the child holding it is killed by SIGKILL while a thread of the parent waits.
 * f: the child holding it execs (itself, with "hold"): the old image's list is processed at
 *    the exec, while the new image still runs.
 *
 * "Waiting" is made certain without timing: the owner spins (sleeping 1 ms a turn) until the
 * lock word has the waiters bit, which the locker sets just before its futex wait; whether the
 * waiter had reached the wait or not, what it prints is the same.
 */
#include <pthread.h>
#include <signal.h>

#include "guest.h"

/* The futex word inside pthread_mutex_t: glibc's __lock is the first int, musl's _m_lock the
 * second. Both set bit 31 (FUTEX_WAITERS) before they wait. */
static volatile int *lock_word(pthread_mutex_t *m)
{
#ifdef __GLIBC__
    return (volatile int *)m;
#else
    return (volatile int *)m + 1;
#endif
}

/* Until someone waits on m (or 5 s pass: then the case runs without a waiter, same output). */
static void await_waiter(pthread_mutex_t *m)
{
    struct timespec ms = {0, 1000000};
    for (int i = 0; i < 5000 && !(*lock_word(m) & (int)0x80000000); i++)
        nanosleep(&ms, NULL);
}

static void init_robust(pthread_mutex_t *m, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pshared)
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (pthread_mutex_init(m, &a))
        guest_die("pthread_mutex_init");
    pthread_mutexattr_destroy(&a);
}

static const char *name(int r)
{
    switch (r) {
    case 0:
        return "0";
    case EOWNERDEAD:
        return "EOWNERDEAD";
    case ENOTRECOVERABLE:
        return "ENOTRECOVERABLE";
    case EBUSY:
        return "EBUSY";
    default:
        return strerror(r);
    }
}

/* What the locker that got r does: make the mutex consistent if the owner died, unlock it.
 * Returns what pthread_mutex_consistent said, -1 if not called. The locker must do this itself
 * (only the thread that got EOWNERDEAD owns the mutex). */
static int resolve(pthread_mutex_t *m, int r)
{
    int c = -1;
    if (r == EOWNERDEAD)
        c = pthread_mutex_consistent(m);
    if (r == 0 || r == EOWNERDEAD)
        pthread_mutex_unlock(m);
    return c;
}

/* Print what the locker got (r, and c from resolve), then lock once more. */
static void report(const char *cs, pthread_mutex_t *m, int r, int c)
{
    printf("%s: lock -> %s\n", cs, name(r));
    if (c >= 0)
        printf("%s: consistent -> %s\n", cs, name(c));
    r = pthread_mutex_lock(m);
    printf("%s: lock again -> %s\n", cs, name(r));
    if (r == 0)
        pthread_mutex_unlock(m);
}

static pthread_mutex_t tm;

static void *hold_and_return(void *arg)
{
    printf("  owner: lock -> %s\n", name(pthread_mutex_lock(&tm)));
    fflush(stdout);
    if (arg)
        await_waiter(&tm);
    return NULL;
}

static void case_thread(const char *c, int waiter)
{
    pthread_t t;
    init_robust(&tm, 0);
    if (pthread_create(&t, NULL, hold_and_return, waiter ? &tm : NULL))
        guest_die("pthread_create");
    int r;
    if (waiter) {
        while (!(*lock_word(&tm) & 0x3fffffff)) /* the owner has it */
            sched_yield();
        r = pthread_mutex_lock(&tm);
        pthread_join(t, NULL);
    } else {
        pthread_join(t, NULL);
        r = pthread_mutex_lock(&tm);
    }
    report(c, &tm, r, resolve(&tm, r));
    pthread_mutex_destroy(&tm);
}

static pthread_mutex_t *shm;

static void *lock_shared(void *arg)
{
    int *rc = arg;
    rc[0] = pthread_mutex_lock(shm);
    rc[1] = resolve(shm, rc[0]);
    return NULL;
}

/* how: 'x' _exit, 'w' _exit once the parent waits, 'k' SIGKILL while a parent thread waits,
 * 'e' exec while holding it. */
static void case_child(const char *c, char how, const char *self)
{
    int up[2], down[2];
    if (pipe(up) || pipe(down))
        guest_die("pipe");
    init_robust(shm, 1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        int r = pthread_mutex_lock(shm);
        if (how == 'e') {
            char fd[16];
            snprintf(fd, sizeof(fd), "%d", down[0]);
            dup2(up[1], 200); /* the new image says it runs on this */
            execl(self, self, "hold", fd, (char *)NULL);
            _exit(101);
        }
        if (write(up[1], &r, sizeof(r)) != sizeof(r))
            _exit(102);
        if (how == 'w')
            await_waiter(shm);
        if (how == 'k')
            for (;;)
                pause();
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    int cr = -1;
    if (read(up[0], &cr, sizeof(cr)) != sizeof(cr))
        guest_die("read");
    printf("  child: lock -> %s\n", how == 'e' ? "(exec'd)" : name(cr));
    int r, rc[2];
    if (how == 'k') {
        pthread_t t;
        if (pthread_create(&t, NULL, lock_shared, rc))
            guest_die("pthread_create");
        await_waiter(shm);
        kill(pid, SIGKILL);
        printf("  child: status %d\n", guest_reap(pid));
        pthread_join(t, NULL);
        r = rc[0];
    } else if (how == 'e') {
        r = pthread_mutex_trylock(shm); /* the new image is still running */
        close(down[1]);
        printf("  child: status %d\n", guest_reap(pid));
    } else {
        r = pthread_mutex_lock(shm);
        printf("  child: status %d\n", guest_reap(pid));
    }
    close(up[0]);
    if (how != 'e')
        close(down[1]);
    report(c, shm, r, how == 'k' ? rc[1] : resolve(shm, r));
    pthread_mutex_destroy(shm);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "hold")) { /* case f's new image */
        int ok = 1;
        if (write(200, &ok, sizeof(ok)) != sizeof(ok))
            return 103;
        char b;
        while (read(atoi(argv[2]), &b, 1) > 0) /* until the parent closes it */
            ;
        return 7;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    shm = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED)
        guest_die("mmap");
    case_thread("a", 0);
    case_thread("b", 1);
    case_child("c", 'x', argv[0]);
    case_child("d", 'w', argv[0]);
    case_child("e", 'k', argv[0]);
    case_child("f", 'e', "/proc/self/exe");
    printf("done\n");
    return 0;
}
