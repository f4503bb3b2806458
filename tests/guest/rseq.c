/*
 * rseq - restartable sequences as Linux (4.18 and later) runs them, seen from a program.
 *
 * - glibc registered the thread's area at startup; the kernel keeps its cpu_id equal to the
 *   CPU the thread runs on (getcpu);
 * - the registration rules: the same area again is EBUSY, another EINVAL, a bad flag EINVAL;
 *   unregistering with another signature is EPERM; unregistering resets cpu_id to -1
 *   (RSEQ_CPU_ID_UNINITIALIZED), registering again sets it;
 * - a critical section (rseq_cs) that a signal interrupts is aborted: the handler returns to the
 *   abort label, and the kernel clears rseq_cs;
 * - one that a context switch interrupts is aborted too: the process spins in it, pinned to one
 *   CPU with a child that can only set the flag it waits for while the parent is off the CPU;
 * - a forked child keeps the registration (registering again is EBUSY), a vfork child
 *   (CLONE_VM) starts without one.
 * Prints one line per property; the same natively and under faultline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define RSEQ_SIG 0x53053053

struct rseq_area {
    uint32_t cpu_id_start, cpu_id;
    uint64_t rseq_cs;
    uint32_t flags;
} __attribute__((aligned(32)));

extern const ptrdiff_t __rseq_offset;
extern const unsigned int __rseq_size;

static volatile int flag; /* set by the SIGALRM handler */
static volatile int done, aborted;

static long rseq(void *area, uint32_t len, int flags, uint32_t sig)
{
    return syscall(SYS_rseq, area, len, flags, sig);
}

static unsigned getcpu_now(void)
{
    unsigned cpu = 0;
    syscall(SYS_getcpu, &cpu, NULL, NULL);
    return cpu;
}

/* Inside a critical section: set *ready, then spin until *word is nonzero. `aborted` or `done`
 * says how it ended: the abort handler, or past the end of the section. */
__attribute__((noinline)) static void critical_section(struct rseq_area *rs, volatile int *ready,
                                                       volatile int *word)
{
    done = aborted = 0;
    __asm__ __volatile__(".pushsection .data.rseq_test, \"aw\"\n\t"
                         ".balign 32\n"
                         "rseq_test_cs:\n\t"
                         ".long 0, 0\n\t"
                         ".quad 2f, 3f - 2f, 4f\n\t"
                         ".popsection\n\t"
                         "leaq rseq_test_cs(%%rip), %%rax\n\t"
                         "movq %%rax, %[cs]\n"
                         "2:\n\t"
                         "movl $1, (%[ready])\n"
                         "1:\n\t"
                         "cmpl $0, (%[word])\n\t"
                         "je 1b\n"
                         "3:\n\t"
                         "movl $1, %[done]\n\t"
                         "jmp 5f\n\t"
                         ".long 0x53053053\n"
                         "4:\n\t"
                         "movl $1, %[aborted]\n"
                         "5:\n"
                         : [cs] "=m"(rs->rseq_cs), [done] "=m"(done), [aborted] "=m"(aborted)
                         : [ready] "r"(ready), [word] "r"(word)
                         : "rax", "memory", "cc");
}

static void on_alarm(int sig)
{
    (void)sig;
    flag = 1;
}

static const char *outcome(void)
{
    return aborted && !done ? "aborted" : done && !aborted ? "completed" : "neither";
}

int main(void)
{
    struct rseq_area *rs = (struct rseq_area *)((char *)__builtin_thread_pointer() + __rseq_offset);
    static struct rseq_area own;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (__rseq_size == 0) { /* 20 or 32 (the feature size) when registered */
        printf("glibc did not register rseq\n");
        return 1;
    }
    int same = 0;
    for (int i = 0; i < 5 && !same; i++)
        same = rs->cpu_id == getcpu_now();
    printf("glibc's area: cpu_id is the CPU: %s\n", same ? "yes" : "no");

    long r = rseq(rs, 32, 0, RSEQ_SIG);
    printf("the same area again: %s\n", r == -1 && errno == EBUSY ? "EBUSY" : strerror(errno));
    r = rseq(&own, 32, 0, RSEQ_SIG);
    printf("another area: %s\n", r == -1 && errno == EINVAL ? "EINVAL" : strerror(errno));
    r = rseq(rs, 32, 4, RSEQ_SIG);
    printf("an unknown flag: %s\n", r == -1 && errno == EINVAL ? "EINVAL" : strerror(errno));
    r = rseq(rs, 32, 1, RSEQ_SIG + 1);
    printf("unregister, another signature: %s\n",
           r == -1 && errno == EPERM ? "EPERM" : strerror(errno));
    r = rseq(rs, 32, 1, RSEQ_SIG);
    printf("unregister: %s, cpu_id %d\n", r == 0 ? "0" : strerror(errno), (int)rs->cpu_id);
    own.cpu_id = 1234;
    r = rseq((char *)&own + 8, 32, 0, RSEQ_SIG);
    printf("a misaligned area: %s\n", r == -1 && errno == EINVAL ? "EINVAL" : strerror(errno));
    r = rseq(&own, 32, 0, RSEQ_SIG);
    printf("register our own: %s, cpu_id is the CPU: %s\n", r == 0 ? "0" : strerror(errno),
           own.cpu_id == getcpu_now() ? "yes" : "no");

    /* a signal inside the critical section: its handler sets the word the section waits on */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 20000}};
    int ready = 0;
    flag = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    critical_section(&own, &ready, &flag);
    printf("a signal in the critical section: %s, rseq_cs cleared: %s\n", outcome(),
           own.rseq_cs == 0 ? "yes" : "no");

    /* A context switch inside it. Parent and child share one CPU; the child waits until the
     * parent is inside the section (ready), which it can only see while the parent is switched
     * out, then sets the word: the parent cannot complete the section without having been
     * switched out in it, so it is aborted. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(getcpu_now(), &one);
    sched_setaffinity(0, sizeof(one), &one);
    volatile int *shared =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t pid = fork();
    if (pid == 0) {
        long again = rseq(&own, 32, 0, RSEQ_SIG);
        shared[2] = again == -1 && errno == EBUSY ? 2 : 3;
        while (!shared[0])
            sched_yield();
        shared[1] = 1;
        _exit(0);
    }
    critical_section(&own, &shared[0], &shared[1]);
    printf("a context switch in the critical section: %s\n", outcome());
    int status;
    waitpid(pid, &status, 0);
    printf("the child kept the registration: %s\n", shared[2] == 2 ? "yes" : "no");

    /* a vfork child shares the memory (CLONE_VM): it starts unregistered */
    static struct rseq_area vforked;
    static volatile long vfork_result = -1;
    pid_t v = vfork();
    if (v == 0) {
        vfork_result = rseq(&vforked, 32, 0, RSEQ_SIG);
        if (vfork_result == 0)
            rseq(&vforked, 32, 1, RSEQ_SIG);
        _exit(0);
    }
    waitpid(v, &status, 0);
    printf("a vfork child starts unregistered: %s\n", vfork_result == 0 ? "yes" : "no");
    return 0;
}
