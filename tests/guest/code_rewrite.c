/*
 * code_rewrite: generate a function in an anonymous page, run it, rewrite it in place (through a
 * RW -> RX mprotect cycle), and run it again. The second call must run the new bytes: the
 * emulator has to drop translated code when the bytes behind an executable page change.
 * Also runs code from the second page, and rewrites code in an RWX page with a plain store, with
 * read(2) (the kernel's copy, which no guest store announces), and in a shared page from a
 * process that runs on the time-sliced engine while the stale code sits in the other
 * (mmu/mmu.h): faultline's translated code is found by frame and shared by every process.
 */
#define _GNU_SOURCE
#include <sys/wait.h>

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
    int results[6];

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

    /* The same page rewritten by read(2) from a pipe. */
    unsigned char bytes[6];
    int fds[2];
    emit(bytes, 55);
    if (pipe(fds) != 0 || write(fds[1], bytes, sizeof(bytes)) != (ssize_t)sizeof(bytes))
        guest_die("pipe");
    if (read(fds[0], code, sizeof(bytes)) != (ssize_t)sizeof(bytes))
        guest_die("read");
    results[4] = ((fn_t)code)();

    /* A shared page: run while alone, rewritten while a child is runnable too (so on the
     * engine with the time slice), run again once alone. */
    unsigned char *shared = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        guest_die("mmap shared");
    emit(shared, 66);
    if (((fn_t)shared)() != 66)
        return 2;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        volatile unsigned long spin = 0;
        for (unsigned long i = 0; i < 1000000UL; i++)
            spin += i;
        _exit(0);
    }
    guest_map(0x251000000UL, GUEST_PAGE, PROT_READ | PROT_WRITE)[0] = 1; /* a fault: a new turn */
    emit(shared, 77);
    if (waitpid(pid, NULL, 0) != pid)
        guest_die("waitpid");
    results[5] = ((fn_t)shared)();

    printf("results %d %d %d %d %d %d\n", results[0], results[1], results[2], results[3],
           results[4], results[5]);
    return results[1] == 22 && results[3] == 44 && results[4] == 55 && results[5] == 77 ? 0 : 1;
}
