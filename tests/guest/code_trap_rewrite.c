/*
 * code_trap_rewrite: code that stores into its own page and then traps (or returns), the page
 * rewritten by its caller afterwards, as a JIT's generated code that faults and is regenerated.
 * Each round writes "mov %cl,0x800(%rax); ud2" into an RWX page, runs it (the store lands in the
 * code's own page, then SIGILL, whose handler jumps back), rewrites the page with
 * "mov $round,%eax; ret" and calls it: the call must run the new bytes. The same with "ret" in
 * place of the ud2. Found by tests/fuzz/insnfuzz.c with SAMEPAGE=1,
 * where every case after such a one ran the old bytes under faultline (mmu/mmu.c,
 * frame_write_allowed: the store from the page's own code left a writable TLB entry the caller's
 * rewrite went through unchecked).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>

#include "guest.h"

static sigjmp_buf back;
static volatile int sigills;

static void on_ill(int sig)
{
    (void)sig;
    sigills++;
    siglongjmp(back, 1);
}

/* Call code with %rax = code (the store's base), as the fuzzer's cases start. */
static int __attribute__((noinline)) call_code(unsigned char *code)
{
    int r;
    __asm__ volatile("mov %1, %%rax\n call *%%rax"
                     : "=a"(r)
                     : "r"(code)
                     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
    return r;
}

/* Each round: run "mov %cl,0x800(%rax); LAST" (ud2: SIGILL expected, or ret), then the page
 * rewritten to return the round's number. How many rounds ran old bytes? */
static int rounds(unsigned char *page, const unsigned char last[2], int traps)
{
    int bad = 0;
    for (volatile int round = 1; round <= 16; round++) {
        unsigned char store[] = {0x88, 0x88, 0x00, 0x08, 0x00, 0x00, last[0], last[1]};
        memset(page, 0xcc, GUEST_PAGE);
        memcpy(page, store, sizeof(store));
        int before = sigills;
        if (sigsetjmp(back, 1) == 0)
            call_code(page);
        if (sigills != before + traps)
            bad++;
        /* mov $round, %eax; ret */
        memset(page, 0xcc, GUEST_PAGE);
        page[0] = 0xb8;
        int v = round;
        memcpy(page + 1, &v, 4);
        page[5] = 0xc3;
        before = sigills;
        int got = -1;
        if (sigsetjmp(back, 1) == 0)
            got = call_code(page);
        if (got != round || sigills != before)
            bad++;
    }
    return bad;
}

int main(void)
{
    struct sigaction sa = {.sa_handler = on_ill};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGILL, &sa, NULL);
    unsigned char *page = guest_map(0x264000000UL, GUEST_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
    static const unsigned char ud2[2] = {0x0f, 0x0b}, ret[2] = {0xc3, 0xcc};
    int bad_trap = rounds(page, ud2, 1);
    int bad_ret = rounds(page, ret, 0);
    printf("trap: bad=%d\nret: bad=%d\nsigills=%d\n", bad_trap, bad_ret, sigills);
    return bad_trap || bad_ret;
}
