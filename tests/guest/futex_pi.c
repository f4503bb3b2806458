/*
 * futex_pi.c - FUTEX_WAKE_OP and the PI futexes (kernel/futex.c): glibc's and musl's
 * PTHREAD_PRIO_INHERIT mutexes, and the raw calls.
 *
 * mutex: 4 threads count under a PI mutex (yielding inside it, so the lock is contended and
 *        handed over by FUTEX_UNLOCK_PI); trylock of a held one is EBUSY; an error-checking one
 *        relocked is EDEADLK; a timed lock of a held one times out.
 * robust: a robust PI mutex whose owner thread exits holding it: EOWNERDEAD for the next
 *        locker, and the same with that locker already waiting in the kernel.
 * signal: a handler without SA_RESTART runs while a thread waits for a PI mutex: the lock is
 *        not ended by EINTR.
 * cond:  a condition variable used with a PI mutex.
 * raw:   FUTEX_LOCK_PI/TRYLOCK_PI/UNLOCK_PI on a bare word: the tid in it, FUTEX_WAITERS,
 *        EDEADLK, EPERM for a non-owner's unlock, ESRCH for a gone owner, ETIMEDOUT; the
 *        requeue-PI pair; FUTEX_WAKE_OP with every op and comparison.
 *
 * "Waiting" is made certain without timing: the locker's kernel sets FUTEX_WAITERS in the word
 * before it sleeps, and a FUTEX_WAIT waiter is seen asleep in /proc/self/task/TID/stat.
 */
#define _GNU_SOURCE /* pthread_mutex_clocklock */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>

#include "guest.h"

/* include/uapi/linux/futex.h, which musl's headers do not bring */
#define FUTEX_WAIT             0
#define FUTEX_WAKE             1
#define FUTEX_WAKE_OP          5
#define FUTEX_LOCK_PI          6
#define FUTEX_UNLOCK_PI        7
#define FUTEX_TRYLOCK_PI       8
#define FUTEX_WAIT_REQUEUE_PI  11
#define FUTEX_CMP_REQUEUE_PI   12
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_WAITERS          0x80000000u
#define FUTEX_OWNER_DIED       0x40000000u
#define FUTEX_TID_MASK         0x3fffffffu
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

static const char *err_name(int e)
{
    return e ? guest_errno_name(e) : "0";
}

/* A raw futex call: its result, or -errno. */
static long fx(volatile uint32_t *w, int op, uint32_t val, const void *t, volatile uint32_t *w2,
               uint32_t val3)
{
    long r = syscall(SYS_futex, w, op, val, t, w2, val3);
    return r < 0 ? -errno : r;
}

static const char *res(long r)
{
    static char buf[32];
    if (r >= 0) {
        snprintf(buf, sizeof(buf), "%ld", r);
        return buf;
    }
    return err_name((int)-r);
}

static uint32_t gettid_(void)
{
    return (uint32_t)syscall(SYS_gettid);
}

/* The futex word inside pthread_mutex_t: glibc's __lock is the first int, musl's _m_lock the
 * second. */
static volatile uint32_t *lock_word(pthread_mutex_t *m)
{
#ifdef __GLIBC__
    return (volatile uint32_t *)m;
#else
    return (volatile uint32_t *)m + 1;
#endif
}

static void await_waiters_bit(volatile uint32_t *w)
{
    struct timespec ms = {0, 1000000};
    for (int i = 0; i < 5000 && !(*w & FUTEX_WAITERS); i++)
        nanosleep(&ms, NULL);
}

static void init_pi(pthread_mutex_t *m, int type, int robust)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    if (pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) ||
        pthread_mutexattr_settype(&a, type) ||
        (robust && pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST)))
        guest_die("mutexattr");
    if (pthread_mutex_init(m, &a))
        guest_die("mutex_init");
    pthread_mutexattr_destroy(&a);
}

static struct timespec abs_in(clockid_t clk, long ms)
{
    struct timespec t;
    clock_gettime(clk, &t);
    t.tv_nsec += ms * 1000000;
    t.tv_sec += t.tv_nsec / 1000000000;
    t.tv_nsec %= 1000000000;
    return t;
}

/* ---- mutex ------------------------------------------------------------------------------- */

static pthread_mutex_t m1;
static long counter;
static atomic_int release_flag;

static void *count_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200; i++) {
        if (pthread_mutex_lock(&m1))
            guest_die("lock");
        long c = counter;
        if (i % 8 == 0)
            sched_yield(); /* let the others find it held */
        counter = c + 1;
        pthread_mutex_unlock(&m1);
    }
    return NULL;
}

static void *hold_thread(void *arg)
{
    pthread_mutex_t *m = arg;
    pthread_mutex_lock(m);
    while (!atomic_load(&release_flag))
        sched_yield();
    pthread_mutex_unlock(m);
    return NULL;
}

static void case_mutex(void)
{
    init_pi(&m1, PTHREAD_MUTEX_NORMAL, 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, count_thread, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    printf("mutex: counter %ld\n", counter);

    /* held by another thread: trylock is EBUSY, a timed lock times out */
    atomic_store(&release_flag, 0);
    pthread_t h;
    pthread_create(&h, NULL, hold_thread, &m1);
    while (!(*lock_word(&m1) & FUTEX_TID_MASK))
        sched_yield();
    printf("mutex: trylock held %s\n", err_name(pthread_mutex_trylock(&m1)));
    struct timespec t50 = abs_in(CLOCK_REALTIME, 50);
    printf("mutex: timedlock held %s\n", err_name(pthread_mutex_timedlock(&m1, &t50)));
#ifdef __GLIBC__
    struct timespec m50 = abs_in(CLOCK_MONOTONIC, 50);
    int r = pthread_mutex_clocklock(&m1, CLOCK_MONOTONIC, &m50);
#else
    int r = ETIMEDOUT;
#endif
    printf("mutex: clocklock monotonic held %s\n", err_name(r));
    atomic_store(&release_flag, 1);
    pthread_join(h, NULL);
    struct timespec t1 = abs_in(CLOCK_REALTIME, 1000);
    printf("mutex: timedlock free %s\n", err_name(pthread_mutex_timedlock(&m1, &t1)));
    printf("mutex: word is my tid %d\n", (*lock_word(&m1) & FUTEX_TID_MASK) == gettid_());
    pthread_mutex_unlock(&m1);

    pthread_mutex_t e;
    init_pi(&e, PTHREAD_MUTEX_ERRORCHECK, 0);
    pthread_mutex_lock(&e);
    printf("mutex: errorcheck relock %s\n", err_name(pthread_mutex_lock(&e)));
    printf("mutex: errorcheck unlock %s\n", err_name(pthread_mutex_unlock(&e)));
    printf("mutex: errorcheck unlock again %s\n", err_name(pthread_mutex_unlock(&e)));
}

/* ---- robust ------------------------------------------------------------------------------ */

static pthread_mutex_t rm;
static atomic_int exit_now;

static void *lock_and_exit(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&rm);
    while (!atomic_load(&exit_now))
        sched_yield();
    return NULL; /* holding rm */
}

static void *locker(void *arg)
{
    (void)arg;
    int r = pthread_mutex_lock(&rm);
    printf("robust: waiting locker %s\n", err_name(r));
    if (r == EOWNERDEAD)
        pthread_mutex_consistent(&rm);
    pthread_mutex_unlock(&rm);
    return NULL;
}

static void case_robust(void)
{
    init_pi(&rm, PTHREAD_MUTEX_NORMAL, 1);
    pthread_t t;
    atomic_store(&exit_now, 1);
    pthread_create(&t, NULL, lock_and_exit, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&rm);
    printf("robust: lock after owner exit %s\n", err_name(r));
    if (r == EOWNERDEAD)
        printf("robust: consistent %s\n", err_name(pthread_mutex_consistent(&rm)));
    pthread_mutex_unlock(&rm);
    printf("robust: lock again %s\n", err_name(pthread_mutex_lock(&rm)));
    pthread_mutex_unlock(&rm);

    /* the next locker already waits in the kernel when the owner exits */
    atomic_store(&exit_now, 0);
    pthread_t l;
    pthread_create(&t, NULL, lock_and_exit, NULL);
    while (!(*lock_word(&rm) & FUTEX_TID_MASK))
        sched_yield();
    pthread_create(&l, NULL, locker, NULL);
    await_waiters_bit(lock_word(&rm));
    atomic_store(&exit_now, 1);
    pthread_join(t, NULL);
    pthread_join(l, NULL);
    printf("robust: lock at the end %s\n", err_name(pthread_mutex_lock(&rm)));
    pthread_mutex_unlock(&rm);
}

/* ---- signal ------------------------------------------------------------------------------ */

static pthread_mutex_t sm;
static atomic_int handled;

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&handled, 1);
}

static void *sig_locker(void *arg)
{
    (void)arg;
    int r = pthread_mutex_lock(&sm);
    printf("signal: lock %s handled %d\n", err_name(r), atomic_load(&handled));
    pthread_mutex_unlock(&sm);
    return NULL;
}

static void case_signal(void)
{
    struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
    sigaction(SIGUSR1, &sa, NULL);
    init_pi(&sm, PTHREAD_MUTEX_NORMAL, 0);
    pthread_mutex_lock(&sm);
    pthread_t t;
    pthread_create(&t, NULL, sig_locker, NULL);
    await_waiters_bit(lock_word(&sm));
    pthread_kill(t, SIGUSR1);
    while (!atomic_load(&handled))
        sched_yield();
    /* still waiting: the handler's return restarted the lock */
    struct timespec ms = {0, 20000000};
    nanosleep(&ms, NULL);
    pthread_mutex_unlock(&sm);
    pthread_join(t, NULL);
}

/* ---- cond -------------------------------------------------------------------------------- */

static pthread_mutex_t cm;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int queue_len, consumed;

static void *consumer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&cm);
    while (consumed < 100) {
        while (!queue_len)
            pthread_cond_wait(&cv, &cm);
        queue_len--;
        consumed++;
        pthread_cond_signal(&cv);
    }
    pthread_mutex_unlock(&cm);
    return NULL;
}

static void case_cond(void)
{
    init_pi(&cm, PTHREAD_MUTEX_NORMAL, 0);
    pthread_t t;
    pthread_create(&t, NULL, consumer, NULL);
    for (int i = 0; i < 100; i++) {
        pthread_mutex_lock(&cm);
        while (queue_len >= 3)
            pthread_cond_wait(&cv, &cm);
        queue_len++;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&cm);
    }
    pthread_join(t, NULL);
    struct timespec t20 = abs_in(CLOCK_REALTIME, 20);
    pthread_mutex_lock(&cm);
    printf("cond: consumed %d, timedwait %s\n", consumed,
           err_name(pthread_cond_timedwait(&cv, &cm, &t20)));
    pthread_mutex_unlock(&cm);
}

/* ---- raw --------------------------------------------------------------------------------- */

static volatile uint32_t word, cond_word;
static uint32_t dead_tid;

static void *note_tid(void *arg)
{
    (void)arg;
    dead_tid = gettid_();
    return NULL;
}

/* what a thread saw, printed by main after the join: the order of lines must not depend on
 * who runs first */
static char seen[256];

static void *raw_locker(void *arg)
{
    (void)arg;
    long r = fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    uint32_t w = word;
    long u = fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    snprintf(seen, sizeof(seen), "waiting LOCK_PI %s, word mine %d waiters %d; ", res(r),
             (w & FUTEX_TID_MASK) == gettid_(), !!(w & FUTEX_WAITERS));
    snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "its UNLOCK_PI %s, word %#x", res(u),
             word);
    return NULL;
}

static void *rq_waiter(void *arg)
{
    (void)arg;
    long r = fx(&cond_word, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &word, FUTEX_BITSET_MATCH_ANY);
    snprintf(seen, sizeof(seen), "WAIT_REQUEUE_PI %s, word mine %d waiters %d", res(r),
             (word & FUTEX_TID_MASK) == gettid_(), !!(word & FUTEX_WAITERS));
    fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    return NULL;
}

static void *nonowner_unlock(void *arg)
{
    (void)arg;
    printf("raw: UNLOCK_PI by another thread %s\n",
           res(fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0)));
    return NULL;
}

/* ABBA: holds word_b, then waits for word_a, which main holds (main then asks for word_b) */
static volatile uint32_t word_a, word_b;
static atomic_int b_taken;

static void *abba_thread(void *arg)
{
    (void)arg;
    long rb = fx(&word_b, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    atomic_store(&b_taken, 1);
    long ra = fx(&word_a, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    snprintf(seen, sizeof(seen), "the other thread: LOCK_PI b %s, a %s", res(rb), res(ra));
    fx(&word_a, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    fx(&word_b, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    return NULL;
}

/* CMP_REQUEUE_PI until the waiter has gone to sleep on cond_word (0 before). */
static long requeue_when_waiting(void)
{
    struct timespec ms = {0, 1000000};
    long r = 0;
    for (int i = 0;
         i < 5000 && (r = fx(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &word, 0)) == 0; i++)
        nanosleep(&ms, NULL);
    return r;
}

static void case_raw(void)
{
    uint32_t me = gettid_();
    word = 0;
    long r = fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    printf("raw: LOCK_PI free %s, word is tid %d\n", res(r), word == me);
    printf("raw: LOCK_PI mine %s\n", res(fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0)));
    printf("raw: TRYLOCK_PI mine %s\n", res(fx(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0)));
    pthread_t t;
    pthread_create(&t, NULL, nonowner_unlock, NULL);
    pthread_join(t, NULL);
    r = fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    printf("raw: UNLOCK_PI %s, word %#x\n", res(r), word);
    printf("raw: UNLOCK_PI free %s\n", res(fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0)));

    /* held by a gone thread (no robust list): ESRCH, FUTEX_WAITERS left set */
    pthread_create(&t, NULL, note_tid, NULL);
    pthread_join(t, NULL);
    word = dead_tid;
    r = fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    printf("raw: LOCK_PI dead owner %s, waiters %d\n", res(r), !!(word & FUTEX_WAITERS));
    word = dead_tid | FUTEX_OWNER_DIED;
    printf("raw: TRYLOCK_PI dead owner %s\n", res(fx(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0)));
    word = FUTEX_OWNER_DIED;
    r = fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    printf("raw: LOCK_PI owner died %s, word is died|tid %d\n", res(r),
           word == (FUTEX_OWNER_DIED | me));
    fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    printf("raw: after unlock %#x\n", word);

    /* held by me, taken by a waiter at my unlock */
    fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    pthread_create(&t, NULL, raw_locker, NULL);
    await_waiters_bit(&word);
    printf("raw: waiters %d\n", !!(word & FUTEX_WAITERS));
    printf("raw: handing UNLOCK_PI %s\n", res(fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0)));
    pthread_join(t, NULL);
    printf("raw: %s\n", seen);

    /* a timed LOCK_PI (absolute, CLOCK_REALTIME) of a word another thread holds */
    pthread_mutex_t hm;
    init_pi(&hm, PTHREAD_MUTEX_NORMAL, 0);
    atomic_store(&release_flag, 0);
    pthread_create(&t, NULL, hold_thread, &hm);
    while (!(*lock_word(&hm) & FUTEX_TID_MASK))
        sched_yield();
    word = *lock_word(&hm) & FUTEX_TID_MASK;
    struct timespec t30 = abs_in(CLOCK_REALTIME, 30);
    printf("raw: timed LOCK_PI %s\n", res(fx(&word, FUTEX_LOCK_PI, 0, &t30, NULL, 0)));
    struct timespec bad = {0, 1000000000};
    printf("raw: LOCK_PI bad timeout %s\n", res(fx(&word, FUTEX_LOCK_PI, 0, &bad, NULL, 0)));
    printf("raw: LOCK_PI|CLOCK_REALTIME %s\n",
           res(fx(&word, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, &t30, NULL, 0)));
    atomic_store(&release_flag, 1);
    pthread_join(t, NULL);

    /* the requeue-PI pair: to a word I hold (the waiter gets it at my unlock), and to a free
     * one (the requeue takes it for the waiter) */
    printf("raw: WAIT_REQUEUE_PI value moved %s\n",
           res(fx(&cond_word, FUTEX_WAIT_REQUEUE_PI, 1, NULL, &word, FUTEX_BITSET_MATCH_ANY)));
    printf("raw: WAIT_REQUEUE_PI same word %s\n",
           res(fx(&cond_word, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &cond_word, FUTEX_BITSET_MATCH_ANY)));
    printf("raw: CMP_REQUEUE_PI nr_wake 2 %s\n",
           res(fx(&cond_word, FUTEX_CMP_REQUEUE_PI, 2, (void *)1L, &word, 0)));
    printf("raw: CMP_REQUEUE_PI value moved %s\n",
           res(fx(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &word, 7)));
    word = 0;
    fx(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    pthread_create(&t, NULL, rq_waiter, NULL);
    r = requeue_when_waiting();
    printf("raw: CMP_REQUEUE_PI to held %s, waiters %d\n", res(r), !!(word & FUTEX_WAITERS));
    printf("raw: UNLOCK_PI to requeued %s\n", res(fx(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0)));
    pthread_join(t, NULL);
    printf("raw: %s; word %#x\n", seen, word);
    pthread_create(&t, NULL, rq_waiter, NULL);
    r = requeue_when_waiting();
    pthread_join(t, NULL);
    printf("raw: CMP_REQUEUE_PI to free %s; %s; word %#x\n", res(r), seen, word);

    /* a deadlock across two PI futexes: the lock that would close the circle is EDEADLK */
    word_a = word_b = 0;
    atomic_store(&b_taken, 0);
    fx(&word_a, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    pthread_create(&t, NULL, abba_thread, NULL);
    while (!atomic_load(&b_taken))
        sched_yield();
    await_waiters_bit(&word_a);
    struct timespec settle = {0, 50000000}; /* natively: until it sleeps in the kernel */
    nanosleep(&settle, NULL);
    printf("raw: ABBA LOCK_PI %s\n", res(fx(&word_b, FUTEX_LOCK_PI, 0, NULL, NULL, 0)));
    fx(&word_a, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
    pthread_join(t, NULL);
    printf("raw: %s\n", seen);
}

/* ---- FUTEX_WAKE_OP ----------------------------------------------------------------------- */

static volatile uint32_t w1, w2;
static atomic_int stop_waiter;
static volatile uint32_t waiter_tid;

static void *op_waiter(void *arg)
{
    (void)arg;
    waiter_tid = gettid_();
    for (;;) {
        uint32_t v = w2;
        if (atomic_load(&stop_waiter))
            return NULL;
        fx(&w2, FUTEX_WAIT, v, NULL, NULL, 0);
    }
}

/* Until the waiter sleeps (in its FUTEX_WAIT on w2: it sleeps nowhere else). */
static void await_asleep(void)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%u/stat", waiter_tid);
    for (int i = 0; i < 100000; i++) {
        int fd = open(path, O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        if (fd >= 0)
            close(fd);
        if (n > 0) {
            buf[n] = 0;
            char *p = strrchr(buf, ')');
            if (p && p[1] == ' ' && p[2] == 'S')
                return;
        }
        sched_yield();
    }
    guest_die("waiter never slept");
}

static uint32_t encode(unsigned op, unsigned cmp, int oparg, int cmparg)
{
    return ((op & 15) << 28) | ((cmp & 15) << 24) | (((unsigned)oparg & 0xfff) << 12) |
           ((unsigned)cmparg & 0xfff);
}

static void case_wake_op(void)
{
    static const char *ops[] = {"SET", "ADD", "OR", "ANDN", "XOR"};
    static const char *cmps[] = {"EQ", "NE", "LT", "LE", "GT", "GE"};
    pthread_t t;
    pthread_create(&t, NULL, op_waiter, NULL);
    while (!waiter_tid)
        sched_yield();
    for (unsigned op = 0; op < 5; op++)
        for (unsigned cmp = 0; cmp < 6; cmp++)
            for (int cmparg = 5; cmparg <= 6; cmparg++) {
                await_asleep();
                w2 = 6;
                long r = fx(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &w2, encode(op, cmp, 3, cmparg));
                printf("wake_op: %s 3 %s %d: old 6 new %u woke %s\n", ops[op], cmps[cmp], cmparg,
                       w2, res(r));
            }
    await_asleep();
    w2 = 0xffffffffu;
    long r = fx(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &w2, encode(8 | 1, 0, 4, -1));
    printf("wake_op: ADD 1<<4 EQ -1: new %#x woke %s\n", w2, res(r));
    await_asleep();
    w2 = 1;
    r = fx(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &w2, encode(0, 5, -2, -3));
    printf("wake_op: SET -2 GE -3: new %#x woke %s\n", w2, res(r));
    /* nr_wake2 of 0 still wakes one: the kernel counts after it marks */
    await_asleep();
    r = fx(&w1, FUTEX_WAKE_OP, 0, (void *)0L, &w2, encode(1, 1, 0, 99));
    printf("wake_op: nr_wake2 0 woke %s\n", res(r));
    await_asleep();
    w2 = 6;
    r = fx(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &w2, encode(5, 0, 1, 0));
    printf("wake_op: op 5 %s, word %u\n", res(r), w2);
    r = fx(&w1, FUTEX_WAKE_OP, 1, (void *)1L, &w2, encode(1, 6, 1, 0));
    printf("wake_op: cmp 6 %s, word %u\n", res(r), w2);
    /* a plain FUTEX_WAKE of 0 (or less) wakes one too, by the same count */
    await_asleep();
    r = fx(&w2, FUTEX_WAKE, 0, NULL, NULL, 0);
    printf("wake: nr_wake 0 woke %s\n", res(r));
    await_asleep();
    r = fx(&w2, FUTEX_WAKE, -1, NULL, NULL, 0);
    printf("wake: nr_wake -1 woke %s\n", res(r));
    /* a wake on uaddr1 too: the waiter sleeps on w2, so wake w2 through both */
    await_asleep();
    r = fx(&w2, FUTEX_WAKE_OP, 1, (void *)1L, &w1, encode(0, 1, 0, 0));
    printf("wake_op: uaddr1 woke %s\n", res(r));
    atomic_store(&stop_waiter, 1);
    w2 = w2 + 1;
    fx(&w2, FUTEX_WAKE, 1, NULL, NULL, 0);
    pthread_join(t, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    case_mutex();
    case_robust();
    case_signal();
    case_cond();
    case_raw();
    case_wake_op();
    return 0;
}
