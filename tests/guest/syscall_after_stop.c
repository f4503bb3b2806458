/*
 * syscall_after_stop: a system call made in the same block as a store that stops the engine.
 *
 * Code in a writable and executable page stores into its own page and then, a few instructions
 * on in the same block, makes a system call (getpid). The store is one that has faultline stop
 * the engine at its next block start (mmu/mmu.c, frame_write_allowed), so the stop request is
 * already set when the `syscall` runs. Unicorn 2.1.1's syscall helper walks every UC_HOOK_INSN
 * hook and leaves the walk at the first one after which a stop is requested, whether or not that
 * hook was for `syscall`: with the I/O instructions' hooks (mmu/port_io.c) ahead of the syscall
 * hook, the call never reached faultline and returned its own number (rax unchanged). The same
 * happened when another thread's kick (a timer, another process's timed wait) landed in the
 * block before the call: compare-job_control's waitpid after SIGCONT, under load.
 */
#define _GNU_SOURCE
#include "guest.h"

/* mov byte [rip + (0x800 - 7)], 1 ; mov eax, SYS_getpid ; syscall ; ret */
static const unsigned char code[] = {0xc6, 0x05, 0xf9, 0x07, 0x00, 0x00, 0x01, 0xb8,
                                     39,   0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};

typedef long (*fn_t)(void);

int main(void)
{
    unsigned char *page = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        guest_die("mmap");
    memcpy(page, code, sizeof(code));
    long pid = getpid(), same = 0;
    const int rounds = 16;
    for (int i = 0; i < rounds; i++) {
        long r = ((fn_t)page)();
        if (r == pid)
            same++;
        else if (r == SYS_getpid)
            printf("round %d: the call did not run (rax is its number)\n", i);
        else
            printf("round %d: returned something else\n", i);
    }
    printf("getpid from the page: %ld of %d rounds as getpid()\n", same, rounds);
    printf("stores seen: %d\n", page[0x800]);
    return same == rounds ? 0 : 1;
}
