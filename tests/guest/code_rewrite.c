/*
 * code_rewrite: generate a function in an anonymous page, run it, rewrite it in place (through a
 * RW -> RX mprotect cycle), and run it again. The second call must run the new bytes: the
 * emulator has to drop translated code when the bytes behind an executable page change.
 * Also runs code from the second page, and rewrites code in an RWX page with a plain store.
 */
#define _GNU_SOURCE
#include "guest.h"

typedef int (*fn_t)(void);

/* mov eax, imm32 ; ret */
static void emit(unsigned char *at, int value)
{
    at[0] = 0xb8;
    memcpy(at + 1, &value, 4);
    at[5] = 0xc3;
}

int main(void)
{
    unsigned char *code = guest_map(0x250000000UL, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    guest_note("code_rewrite", "base", code);
    int results[4];

    emit(code, 11);
    if (mprotect(code, 2 * GUEST_PAGE, PROT_READ | PROT_EXEC) != 0)
        guest_die("mprotect rx");
    results[0] = ((fn_t)code)();

    if (mprotect(code, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE) != 0)
        guest_die("mprotect rw");
    emit(code, 22);
    emit(code + GUEST_PAGE + 64, 33);
    if (mprotect(code, 2 * GUEST_PAGE, PROT_READ | PROT_EXEC) != 0)
        guest_die("mprotect rx 2");
    results[1] = ((fn_t)code)();
    results[2] = ((fn_t)(code + GUEST_PAGE + 64))();

    /* A writable and executable page rewritten with a plain store, no mprotect in between
       (what a JIT does): the store alone must invalidate the translated code. */
    if (mprotect(code, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) != 0)
        guest_die("mprotect rwx");
    emit(code, 44);
    results[3] = ((fn_t)code)();

    printf("results %d %d %d %d\n", results[0], results[1], results[2], results[3]);
    return results[1] == 22 && results[3] == 44 ? 0 : 1;
}
