/*
 * test_code_buffer.c - mmu/code_buffer.c on its own, over a mapping made the way Unicorn makes
 * its translated-code buffer (private, anonymous, read-write-execute): finding a new engine's
 * buffer, the guard 7/8 of the way through it, what happens to a fault that is not the guard's, and
 * giving the memory back.
 *
 * usage: test_code_buffer CASE   (find_new, guard_fires_once, other_fault_kills, release_zeroes)
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmu/code_buffer.h"
#include "tests/unit/unit_case.h"

#define BUF_SIZE (4UL << 20)

/* With an inaccessible page after it, as Unicorn leaves one: two buffers never merge. */
static unsigned char *map_buffer(void)
{
    unsigned char *p = mmap(NULL, BUF_SIZE + 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p + BUF_SIZE, 4096, PROT_NONE) != 0)
        FAIL("mmap: %m");
    return p;
}

/* A buffer found as a new engine's: mapped between a snapshot and code_buffer_find. */
static unsigned char *new_buffer(struct code_buffer *b)
{
    struct code_buffer_snapshot before;
    code_buffer_snapshot(&before);
    unsigned char *p = map_buffer();
    if (!code_buffer_find(b, &before))
        FAIL("the new rwx mapping was not found");
    if (b->start != (unsigned long)p || b->end != (unsigned long)p + BUF_SIZE)
        FAIL("found %lx-%lx, mapped %p+%#lx", b->start, b->end, (void *)p, BUF_SIZE);
    return p;
}

/* Only a mapping that appeared since the snapshot is an engine's, and only one at a time. */
static void find_new(void)
{
    struct code_buffer b;
    struct code_buffer_snapshot before;
    unsigned char *old = map_buffer();
    code_buffer_snapshot(&before);
    if (code_buffer_find(&b, &before) || b.start != b.end)
        FAIL("a mapping older than the snapshot was taken for a new buffer");
    unsigned char *one = map_buffer(), *two = map_buffer();
    if (code_buffer_find(&b, &before) || b.start != b.end)
        FAIL("two new mappings: which one is the engine's cannot be told");
    munmap(two, BUF_SIZE + 4096);
    if (!code_buffer_find(&b, &before) || b.start != (unsigned long)one)
        FAIL("the one new mapping was not found");
    munmap(one, BUF_SIZE + 4096);
    munmap(old, BUF_SIZE + 4096);
}

/* set from the SIGSEGV handler */
static volatile int calls;
static void *volatile called_with;
static void on_nearly_full(void *arg)
{
    calls++;
    called_with = arg;
}

/* Code written below the guard goes unnoticed; the first write to the guard page is let through
 * and noted, once. */
static void guard_fires_once(void)
{
    static struct code_buffer b;
    unsigned char *p = new_buffer(&b);
    if (!code_buffer_guard(&b, on_nearly_full, &b))
        FAIL("no guard");
    unsigned long mid = (b.start + BUF_SIZE / 8 * 7) & ~4095UL;
    if (atomic_load(&b.guard) != mid)
        FAIL("guard at %lx, expected the page 7/8 of the way, %lx", atomic_load(&b.guard), mid);
    memset(p, 0xc3, mid - b.start); /* everything below: code being written */
    if (calls || atomic_load(&b.nearly_full))
        FAIL("the guard fired below its page");
    ((volatile unsigned char *)mid)[100] = 0x90;
    if (calls != 1 || called_with != &b || !atomic_load(&b.nearly_full))
        FAIL("writing the guard page: %d calls, nearly_full %d", calls, (int)b.nearly_full);
    if (((volatile unsigned char *)mid)[100] != 0x90 || atomic_load(&b.guard) != 0)
        FAIL("the write did not land, or the guard stayed");
    memset((void *)mid, 0xc3, 4096 * 4); /* the page is an ordinary one again */
    if (calls != 1)
        FAIL("the guard fired %d times", calls);
    /* after all code is dropped the guard goes back: the next fill is noticed too */
    if (!code_buffer_guard(&b, on_nearly_full, &b) || atomic_load(&b.guard) != mid ||
        atomic_load(&b.nearly_full))
        FAIL("the guard did not go back");
    ((volatile unsigned char *)mid)[8] = 0x90;
    if (calls != 2 || !atomic_load(&b.nearly_full))
        FAIL("the guard put back did not fire: %d calls", calls);
    code_buffer_unguard(&b);
    munmap(p, BUF_SIZE + 4096);
}

/* A fault anywhere else (faultline's own bug) is not swallowed: the process dies of it as it
 * would have without the handler (or the sanitizer that had SIGSEGV before reports it). */
static void other_fault_kills(void)
{
    pid_t pid = fork();
    if (pid < 0)
        FAIL("fork: %m");
    if (pid == 0) {
        static struct code_buffer b;
        alarm(10); /* a handler that swallowed the fault would retry the store for ever */
        new_buffer(&b);
        if (!code_buffer_guard(&b, on_nearly_full, NULL))
            _exit(3);
        unsigned char *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ((volatile unsigned char *)hole)[0] = 1;
        _exit(0); /* the store returned: the fault was swallowed */
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        FAIL("waitpid: %m");
#if defined(__SANITIZE_ADDRESS__)
    if (!(WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3) &&
        !(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV))
        FAIL("status %#x: the sanitizer did not get the fault", status);
#else
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
        FAIL("status %#x: expected death by SIGSEGV", status);
#endif
}

/* After all code is dropped the buffer past the prologue goes back and reads as zeroes; the
 * prologue at its start stays. */
static void release_zeroes(void)
{
    static struct code_buffer b;
    unsigned char *p = new_buffer(&b);
    memset(p, 0xcc, BUF_SIZE);
    code_buffer_release(&b);
    unsigned char vec[BUF_SIZE / 4096];
    if (mincore(p, BUF_SIZE, vec) != 0)
        FAIL("mincore: %m");
    if (!(vec[0] & 1))
        FAIL("the prologue's page was released");
    for (unsigned long i = (1UL << 20) / 4096; i < BUF_SIZE / 4096; i++)
        if (vec[i] & 1)
            FAIL("page %#lx still resident after the release", i * 4096);
    if (p[0] != 0xcc || p[4095] != 0xcc)
        FAIL("the prologue changed");
    for (unsigned long off = 1UL << 20; off < BUF_SIZE; off += 4096)
        if (p[off] != 0)
            FAIL("byte %#lx still %#x after the release", off, p[off]);
    munmap(p, BUF_SIZE + 4096);
}

int main(int argc, char **argv)
{
    static const struct unit_case cases[] = {
        {"find_new", find_new},
        {"guard_fires_once", guard_fires_once},
        {"other_fault_kills", other_fault_kills},
        {"release_zeroes", release_zeroes},
    };
    return unit_case_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
