/*
 * jit_chain: code stores that the translated code must see although other stores came first.
 * Unicorn 2.1.1 checks a store into a page that holds translated code only until the first such
 * store, then lets every later store to that page through unchecked until it translates code from
 * the page again (mmu/mmu.c, "W^X in the TLB"). So each case stores something harmless into the
 * code's page first and then rewrites code that was already run:
 *   rwx    a writable and executable page: run f, store next to it, rewrite f, run f;
 *   chain  a lazy JIT in valgrind's style: blocks emitted one at a time into one RWX page, each
 *          ending in an exit ("movabs $stub,%r11; call *%r11") that C patches into a jmp once the
 *          target block exists; a stale exit comes back to C as a second visit of a patched exit;
 *   cycle  two functions in one page, mprotect RW, both rewritten, mprotect RX, both run;
 *   alias  a memfd mapped twice, RW and RX: run through one, rewrite through the other;
 *   inblock code that rewrites an instruction further on in its own block, which must run the
 *          new instruction (x86 checks stores against instructions already fetched).
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "guest.h"

typedef int (*fn_t)(void);

/* mov eax, imm32 ; ret */
static void emit_ret(unsigned char *at, int value)
{
    at[0] = 0xb8;
    memcpy(at + 1, &value, 4);
    at[5] = 0xc3;
}

/* Not inlined and through a volatile pointer: each store is one guest store, in this order. */
static void __attribute__((noinline)) store(volatile unsigned char *at, unsigned char v)
{
    *at = v;
}

static void __attribute__((noinline)) rewrite(unsigned char *at, int value)
{
    volatile unsigned char *p = at;
    unsigned char bytes[6];
    emit_ret(bytes, value);
    for (int i = 0; i < 6; i++)
        p[i] = bytes[i];
}

static int case_rwx(unsigned char *page)
{
    int bad = 0;
    for (int round = 0; round < 16; round++) {
        unsigned char *f = page + round * 64;
        emit_ret(f, 1);
        int first = ((fn_t)f)();
        store(page + 2048 + round, 0x90); /* harmless, in the same page */
        rewrite(f, 2);
        int second = ((fn_t)f)();
        if (first != 1 || second != 2)
            bad++;
    }
    return bad;
}

/* --- the lazy JIT --- */

extern uint64_t jit_enter(void *code, uint64_t count, uint64_t *rbx_out);
extern char jit_stub[];
/* jit_enter(code, count, &rbx): run translated code with %rbx = count. An exit calls jit_stub,
 * which returns to jit_enter's caller the address of the exit that called it. */
__asm__(".text\n"
        ".globl jit_enter\n"
        "jit_enter:\n"
        " push %rbx\n push %rbp\n push %rdx\n mov %rsp,%rbp\n mov %rsi,%rbx\n jmp *%rdi\n"
        ".globl jit_stub\n"
        "jit_stub:\n"
        " pop %rax\n sub $13,%rax\n mov %rbp,%rsp\n pop %rdx\n mov %rbx,(%rdx)\n"
        " pop %rbp\n pop %rbx\n ret\n");

#define BLOCKS 5
static unsigned char *tc_end, *blk[BLOCKS], *site_next[BLOCKS], *site_done[BLOCKS];

static unsigned char *emit_exit(unsigned char *p)
{
    void *to = jit_stub;
    p[0] = 0x49; /* movabs $jit_stub, %r11 */
    p[1] = 0xbb;
    memcpy(p + 2, &to, 8);
    p[10] = 0x41; /* call *%r11 */
    p[11] = 0xff;
    p[12] = 0xd3;
    return p + 13;
}

/* A block: "dec %rbx; jnz next; exit to done; next: exit to the next block". */
static void emit_block(int k)
{
    unsigned char *p = tc_end;
    blk[k] = p;
    p[0] = 0x48; /* dec %rbx */
    p[1] = 0xff;
    p[2] = 0xcb;
    p[3] = 0x75; /* jnz +13 */
    p[4] = 13;
    p += 5;
    site_done[k] = p;
    p = emit_exit(p);
    site_next[k] = p;
    p = emit_exit(p);
    tc_end = p;
}

static void __attribute__((noinline)) patch_jmp(unsigned char *site, unsigned char *to)
{
    int32_t rel = (int32_t)(to - (site + 5));
    uint64_t ud2s = 0x0b0f0b0f0b0f0b0fULL;
    site[0] = 0xe9;
    memcpy(site + 1, &rel, 4);
    memcpy(site + 5, &ud2s, 8);
}

static int case_chain(unsigned char *tc, size_t len, int *chains)
{
    int bad = 0;
    for (int start = 0; start < 256; start++) {
        unsigned char *base = tc + (start % 8) * 2 * GUEST_PAGE;
        memset(base, 0, 2 * GUEST_PAGE);
        tc_end = base + start * 7 % GUEST_PAGE; /* many alignments */
        for (int k = 0; k < BLOCKS; k++)
            blk[k] = NULL;
        emit_block(0);
        uint64_t left = 3 * BLOCKS + 2, rbx;
        unsigned char *pc = blk[0];
        for (;;) {
            unsigned char *s = (unsigned char *)(uintptr_t)jit_enter(pc, left, &rbx);
            left = rbx;
            int k = -1, next = 0;
            for (int j = 0; j < BLOCKS; j++) {
                if (blk[j] && s == site_done[j])
                    k = j;
                if (blk[j] && s == site_next[j])
                    k = j, next = 1;
            }
            if (k < 0) {
                printf("chain: exit from an unknown address\n");
                exit(1);
            }
            if (s[0] != 0x49) { /* an exit already patched into a jmp ran as the old call */
                bad++;
                break;
            }
            if (!next)
                break; /* %rbx reached 0 */
            int n = (k + 1) % BLOCKS;
            if (!blk[n])
                emit_block(n);
            patch_jmp(s, blk[n]);
            ++*chains;
            pc = blk[n];
        }
    }
    (void)len;
    return bad;
}

static int case_cycle(unsigned char *page)
{
    int bad = 0;
    for (int round = 0; round < 8; round++) {
        if (mprotect(page, GUEST_PAGE, PROT_READ | PROT_WRITE) != 0)
            guest_die("mprotect rw");
        emit_ret(page, 10 * round + 1);
        emit_ret(page + 1024, 10 * round + 2);
        if (mprotect(page, GUEST_PAGE, PROT_READ | PROT_EXEC) != 0)
            guest_die("mprotect rx");
        if (((fn_t)page)() != 10 * round + 1 || ((fn_t)(page + 1024))() != 10 * round + 2)
            bad++;
    }
    return bad;
}

static int case_alias(void)
{
    int fd = memfd_create("jit_chain", 0);
    if (fd < 0 || ftruncate(fd, GUEST_PAGE) != 0)
        guest_die("memfd");
    unsigned char *rw = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *rx = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (rw == MAP_FAILED || rx == MAP_FAILED)
        guest_die("mmap memfd");
    int bad = 0;
    for (int round = 0; round < 16; round++) {
        int off = round * 64;
        emit_ret(rw + off, 1);
        int first = ((fn_t)(rx + off))();
        store(rw + 2048 + round, 0x90);
        rewrite(rw + off, 2);
        int second = ((fn_t)(rx + off))();
        if (first != 1 || second != 2)
            bad++;
    }
    close(fd);
    return bad;
}

/* lea rdx,[rip+4]; mov byte [rdx],2; mov eax,1; ret: the store rewrites the 1. */
static int case_inblock(unsigned char *page)
{
    static const unsigned char code[] = {0x48, 0x8d, 0x15, 4, 0, 0, 0, 0xc6,
                                         0x02, 2,    0xb8, 1, 0, 0, 0, 0xc3};
    int bad = 0;
    for (int round = 0; round < 8; round++) {
        memcpy(page + round * 64, code, sizeof(code));
        if (((fn_t)(page + round * 64))() != 2)
            bad++;
    }
    return bad;
}

int main(void)
{
    int rwxp = PROT_READ | PROT_WRITE | PROT_EXEC;
    unsigned char *page = guest_map(0x260000000UL, GUEST_PAGE, rwxp);
    printf("rwx: bad=%d\n", case_rwx(page));

    size_t len = 16 * GUEST_PAGE;
    unsigned char *tc = guest_map(0x261000000UL, len, rwxp);
    int chains = 0, bad = case_chain(tc, len, &chains);
    printf("chain: bad=%d chains=%d\n", bad, chains);

    unsigned char *cyc = guest_map(0x262000000UL, GUEST_PAGE, PROT_READ | PROT_WRITE);
    printf("cycle: bad=%d\n", case_cycle(cyc));

    printf("alias: bad=%d\n", case_alias());

    unsigned char *own = guest_map(0x263000000UL, GUEST_PAGE, rwxp);
    printf("inblock: bad=%d\n", case_inblock(own));
    return 0;
}
