/*
 * fuzz_found.c - syscalls with the arguments tests/fuzz/sysfuzz found faultline mishandling,
 * each printed with its result (natively and under faultline the same).
 *
 *   fuzz_found CASE
 *
 * select:   timeouts kern_select normalises (whole seconds of tv_usec carry into tv_sec) or
 *           refuses, one with a tv_usec whose product by 1000 overflows (UBSan in faultline).
 * mprotect: PROT_GROWSDOWN (the range taken down to the start of a MAP_GROWSDOWN mapping,
 *           refused on any other), PROT_GROWSUP (always refused on x86), PROT_SEM (ignored).
 * scripts:  execve of #! scripts naming each other, 1 to 7 deep, ending in this program: five
 *           run, six are ELOOP; a sixth naming a missing interpreter is ENOENT (in the
 *           current directory, which the test makes a scratch one).
 * sigreturn: rt_sigreturn of frames whose uc_stack do_sigaltstack would refuse (an unknown
 *           mode, SS_DISABLE with junk bits, a small stack): the altstack stays, and a signal
 *           is still taken on it; then frames whose uc_stack it accepts (sysfuzz's probe).
 * punch:    fallocate(PUNCH_HOLE) of a huge range past the end of a mapped memfd (faultline
 *           visited every page index of the range, 2^49 of them, under sysfuzz's FUZZ_FORK=1).
 * badcs:    rt_sigreturn of frames with a null or data code segment, and with a null stack
 *           segment with and without UC_STRICT_RESTORE_SS: Linux's return to user mode faults
 *           (SIGSEGV, SI_KERNEL) on all but the last, where it puts in a valid ss.
 * mincore: a vector outside the user half is EFAULT before the range is looked at; an
 *           unmapped range is ENOMEM before an unmapped vector is written (faultline said ENOMEM
 *           for both).
 * memfd:    fallocate of 1 GiB on a memfd, past what --ram 64M holds: ENOSPC under faultline,
 *           where the host's memory was filled (a length of 17 TiB under sysfuzz OOM-killed host
 *           processes); 16 MiB is allocated. Not a compare test (natively 1 GiB is allocated).
 * populate: one mmap(MAP_POPULATE) of a sparse 64 GiB file (16 Mi page-cache reads): a call
 *           that keeps faultline's model busy for many minutes, which --timeout must still
 *           end (tests/e2e/bad_input: bad-input-longcall). Not a compare test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "guest_trap.h"

static void show(const char *what, long r)
{
    printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void select_case(void)
{
    static const struct {
        const char *what;
        long sec, usec;
    } t[] = {
        {"usec 1000000 from sec -1: 0 s", -1, 1000000},
        {"usec -1000000 from sec 1: 0 s", 1, -1000000},
        {"usec 3000000 from sec -3: 0 s", -3, 3000000},
        {"usec -1", 0, -1},
        {"sec -1", -1, 0},
        {"usec -257081099048116905", 0, -257081099048116905L},
        {"usec LONG_MAX from sec LONG_MAX", LONG_MAX, LONG_MAX},
        {"usec LONG_MIN", 0, LONG_MIN},
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct timeval tv = {t[i].sec, t[i].usec};
        errno = 0;
        show(t[i].what, syscall(SYS_select, 0, NULL, NULL, NULL, &tv));
    }
}

static const char *writable(volatile char *c)
{
    if (sigsetjmp(guest_trap_env, 1))
        return "no";
    *c = 1;
    return "yes";
}

static void mprotect_case(void)
{
    guest_trap_on(SIGSEGV);
    char *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *g = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    if (a == MAP_FAILED || g == MAP_FAILED)
        return;
    show("GROWSDOWN on a plain mapping", mprotect(a, 4096, PROT_READ | PROT_GROWSDOWN));
    show("GROWSUP", mprotect(a, 4096, PROT_READ | PROT_GROWSUP));
    show("GROWSDOWN|GROWSUP", mprotect(a, 4096, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
    show("GROWSDOWN|GROWSUP unaligned", mprotect(a + 1, 4096, PROT_GROWSDOWN | PROT_GROWSUP));
    show("PROT_SEM|PROT_READ", mprotect(a, 4096, PROT_READ | 0x8));
    printf("  page writable: %s\n", writable(a));
    show("0x10", mprotect(a, 4096, PROT_READ | 0x10));
    show("GROWSDOWN unaligned", mprotect(g + 2 * 4096 + 1, 4096, PROT_READ | PROT_GROWSDOWN));
    show("GROWSDOWN on the third page", mprotect(g + 2 * 4096, 4096, PROT_READ | PROT_GROWSDOWN));
    for (int i = 0; i < 4; i++)
        printf("  page %d writable: %s\n", i, writable(g + i * 4096));
    munmap(a, 4096);
    show("GROWSDOWN unmapped", mprotect(a, 4096, PROT_READ | PROT_GROWSDOWN));
}

static void script(const char *name, const char *interp)
{
    char line[4200];
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    int n = snprintf(line, sizeof line, "#!%s\n", interp);
    if (fd < 0 || write(fd, line, n) != n)
        perror(name);
    close(fd);
}

static void scripts_case(void)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return;
    self[n] = 0;
    char name[16], next[16];
    for (int i = 1; i <= 7; i++) { /* s1 -> s2 -> ... -> s7 -> this program */
        snprintf(name, sizeof name, "./s%d", i);
        snprintf(next, sizeof next, "./s%d", i + 1);
        script(name, i == 7 ? self : next);
    }
    for (int i = 1; i <= 6; i++) { /* t1 -> ... -> t6 -> a missing file */
        snprintf(name, sizeof name, "./t%d", i);
        snprintf(next, sizeof next, "./t%d", i + 1);
        script(name, i == 6 ? "./missing" : next);
    }
    for (int i = 0; i <= 7; i++) {
        if (i == 0)
            snprintf(name, sizeof name, "./t1");
        else
            snprintf(name, sizeof name, "./s%d", i);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            char *argv[] = {name, NULL};
            execv(name, argv);
            printf("%s (%s): %s\n", name, i ? "scripts" : "six scripts, then a missing one",
                   strerror(errno));
            fflush(stdout);
            _exit(1);
        }
        int st;
        waitpid(pid, &st, 0);
    }
}

static char altstack[65536], other[65536];
static volatile int handled;

static void on_usr1(int sig)
{
    char here;
    (void)sig;
    handled = &here >= altstack && &here < altstack + sizeof altstack ? 1 : 2;
}

static void landing(void)
{
    siglongjmp(guest_trap_env, 1);
}

/* rt_sigreturn to landing() with a frame whose uc_stack is {sp, flags, size} */
static void sigreturn_with(void *sp, int flags, size_t size)
{
    static struct {
        uint64_t pretcode;
        ucontext_t uc;
    } f;
    static char stack[16384] __attribute__((aligned(16)));
    memset(&f, 0, sizeof f);
    greg_t *g = f.uc.uc_mcontext.gregs;
    g[REG_RSP] = (greg_t)(stack + sizeof stack - 64);
    g[REG_RIP] = (greg_t)landing;
    g[REG_EFL] = 0x202;
    g[REG_CSGSFS] = 0x33 | (0x2bLL << 48);
    f.uc.uc_stack.ss_sp = sp;
    f.uc.uc_stack.ss_flags = flags;
    f.uc.uc_stack.ss_size = size;
    if (sigsetjmp(guest_trap_env, 1) == 0)
        __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" ::"r"(&f.pretcode + 1)
                         : "memory");
    stack_t now;
    sigaltstack(NULL, &now);
    handled = 0;
    raise(SIGUSR1);
    printf("uc_stack {%s, %#x, %zu}: altstack %s, flags %d, SIGUSR1 %s\n",
           sp == altstack ? "altstack"
           : sp == other  ? "other"
                          : "junk",
           (unsigned)flags, size,
           now.ss_sp == altstack ? "kept"
           : now.ss_sp == other  ? "other"
                                 : "gone",
           now.ss_flags,
           handled == 1   ? "on the altstack"
           : handled == 2 ? "elsewhere"
                          : "not handled");
    /* back to the altstack for the next case */
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
}

static void sigreturn_case(void)
{
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    sigreturn_with((void *)0x1000, 0x10, 65536);         /* unknown mode: refused */
    sigreturn_with((void *)0x1000, 0x12, 65536);         /* SS_DISABLE with junk: refused */
    sigreturn_with((void *)0x1000, 0x7fff0000, 1 << 20); /* junk mode */
    sigreturn_with((void *)0x1000, 0, 100);              /* too small: refused */
    sigreturn_with(altstack, 0, sizeof altstack);        /* accepted */
    sigreturn_with(other, 1, sizeof other);              /* SS_ONSTACK: accepted */
    sigreturn_with(NULL, 2, 0);                          /* SS_DISABLE: accepted */
}

static void punch_case(void)
{
    int fd = (int)syscall(SYS_memfd_create, "punched", 0); /* tmpfs: no EFBIG below 2^63 */
    char page[4096];
    memset(page, 'p', sizeof page);
    if (fd < 0 || write(fd, page, sizeof page) != sizeof page)
        return;
    char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return;
    printf("before: %c\n", m[100]);
    show("punch 1 GiB + 2^61",
         fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1L << 30, 2181988482497521673L));
    show("punch from 0, 2^62",
         fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1L << 62));
    printf("after: %d\n", m[100]);
}

static unsigned long badcs_set; /* the REG_CSGSFS bits the next SIGUSR1 handler writes */
static unsigned long badcs_clear_flags;

static void badcs_usr1(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    (void)sig, (void)si;
    greg_t *csgsfs = &uc->uc_mcontext.gregs[REG_CSGSFS];
    *csgsfs = (*csgsfs & ~(greg_t)0xffff00000000ffffL) | (greg_t)badcs_set;
    uc->uc_flags &= ~badcs_clear_flags;
}

/* cs in bits 0-15 of REG_CSGSFS, ss in bits 48-63 */
static void badcs_try(const char *what, unsigned cs, unsigned ss, unsigned long clear_flags)
{
    badcs_set = cs | (unsigned long)ss << 48;
    badcs_clear_flags = clear_flags;
    printf("%s\n", what);
    guest_trap_reset();
    if (!sigsetjmp(guest_trap_env, 1)) {
        raise(SIGUSR1);
        printf("  returned\n");
    } else {
        printf("  SIGSEGV, si_code %#x\n", guest_trap_code);
    }
}

static void badcs_case(void)
{
    struct sigaction usr1 = {.sa_sigaction = badcs_usr1, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &usr1, NULL);
    guest_trap_on(SIGSEGV);
    badcs_try("cs 0x33, ss 0x2b", 0x33, 0x2b, 0);
    badcs_try("cs 0 (null)", 0, 0x2b, 0);
    badcs_try("cs 0x2b (a data segment)", 0x2b, 0x2b, 0);
    badcs_try("ss 0, strict", 0x33, 0, 0);
    badcs_try("ss 0, not strict", 0x33, 0, 0x4 /* UC_STRICT_RESTORE_SS */);
}

static void mincore_case(void)
{
    unsigned char vec[4];
    void *none = (void *)0x10000000; /* nothing mapped there */
    show("kernel vector, unmapped range", mincore(none, 4096, (unsigned char *)0xffff800000000000));
    show("unmapped vector, unmapped range", mincore(none, 4096, (unsigned char *)0x20000000));
    show("vector, unmapped range", mincore(none, 4096, vec));
    unsigned char *m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("kernel vector, mapped range", mincore(m, 4096, (unsigned char *)0xffff800000000000));
    show("unmapped vector, mapped range", mincore(m, 4096, (unsigned char *)0x20000000));
}

static void populate_case(void)
{
    int fd = open("sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 64L << 30))
        return;
    void *m = mmap(NULL, 64UL << 30, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    printf("mmap: %s\n", m == MAP_FAILED ? strerror(errno) : "mapped");
}

static void memfd_case(void)
{
    int fd = (int)syscall(SYS_memfd_create, "fz", 0);
    if (fd < 0)
        return;
    printf("fallocate 16 MiB: %s\n", fallocate(fd, 0, 0, 16L << 20) ? strerror(errno) : "ok");
    printf("fallocate 1 GiB: %s\n", fallocate(fd, 0, 0, 1L << 30) ? strerror(errno) : "ok");
    printf("fallocate 1 GiB, KEEP_SIZE: %s\n",
           fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1L << 30) ? strerror(errno) : "ok");
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_found CASE\n");
        return 2;
    }
    if (!strncmp(argv[1], "./s", 3)) { /* the end of scripts_case's chain */
        printf("%s ran this program\n", argv[1]);
        return 0;
    }
    if (!strcmp(argv[1], "select"))
        select_case();
    else if (!strcmp(argv[1], "mprotect"))
        mprotect_case();
    else if (!strcmp(argv[1], "scripts"))
        scripts_case();
    else if (!strcmp(argv[1], "sigreturn"))
        sigreturn_case();
    else if (!strcmp(argv[1], "punch"))
        punch_case();
    else if (!strcmp(argv[1], "badcs"))
        badcs_case();
    else if (!strcmp(argv[1], "mincore"))
        mincore_case();
    else if (!strcmp(argv[1], "populate"))
        populate_case();
    else if (!strcmp(argv[1], "memfd"))
        memfd_case();
    else
        return 2;
    return 0;
}
