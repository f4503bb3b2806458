/*
 * guest_ram.c - the host memory behind guest-physical RAM, and faulting it in ahead of use.
 *
 * All of guest RAM is one private anonymous mapping, reserved but not committed: a frame costs
 * the host memory only once the guest uses it. The frame allocator hands never-used frames out
 * in address order (kernel_model/page_alloc.c), so the mapping asks for huge pages: one host
 * fault per 2 MiB of fresh frames instead of one per 4 KiB.
 *
 * What is left of the host's work is zeroing the memory it hands over: on a guest that
 * allocates in bulk that is half of each anonymous fault (perf of touching 1 GiB:
 * clear_page_erms 46% of the time). Once a guest has taken more fresh frames than a small
 * program does, a helper thread faults in the next 2 MiB block ahead of the allocator, on the
 * other core, while the emulator thread runs the guest; it keeps one block ahead, so at most
 * 2 MiB sits resident before the guest uses it. It uses MADV_POPULATE_WRITE, which fills the
 * host's page tables as a write would without writing: racing with the guest's own first store
 * to the same block changes no byte.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "emu/guest_ram.h"
#include "kernel_model/arch.h"
#include "kernel_model/mm.h"

#define BLOCK_FRAMES       512UL  /* one host huge page (2 MiB) of 4 KiB frames */
#define START_AFTER_FRAMES 1024UL /* 4 MiB of fresh frames: more than a small program takes */
#define BLOCKS_AHEAD       1UL    /* blocks faulted in past the one the allocator is in */
#define SMALL_BYTES        ((uint64_t)START_AFTER_FRAMES << PAGE_SHIFT) /* no huge pages here */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    unsigned char *base;
    uint64_t bytes;
    uint64_t want; /* fault in up to this byte offset */
    uint64_t done; /* faulted in (or found faulted in) up to here */
    bool started, stop, off;
} ram = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *prefault_thread(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "fl-prefault");
    /* Only on an otherwise idle core: the fault log's writer comes first (it keeps the queue,
     * and so faultline's memory, short), and whatever this thread has not faulted in yet the
     * guest's stores fault in as they would without it. */
    struct sched_param none = {0};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
    pthread_mutex_lock(&ram.lock);
    for (;;) {
        while (!ram.stop && ram.done >= ram.want)
            pthread_cond_wait(&ram.cond, &ram.lock);
        if (ram.stop)
            break;
        uint64_t start = ram.done, end = ram.want;
        pthread_mutex_unlock(&ram.lock);
        /* A host without MADV_POPULATE_WRITE (before Linux 5.14) or out of memory: the guest's
         * own stores fault the memory in, as they would without this thread. */
        int r = madvise(ram.base + start, end - start, MADV_POPULATE_WRITE);
        pthread_mutex_lock(&ram.lock);
        ram.done = end;
        if (r) {
            ram.off = true;
            break;
        }
    }
    pthread_mutex_unlock(&ram.lock);
    return NULL;
}

/* The emulator thread, once per 2 MiB of fresh frames: move the target and wake the helper. */
void arch_fresh_frame_taken(unsigned long next_fresh)
{
    if (next_fresh % BLOCK_FRAMES || next_fresh < START_AFTER_FRAMES)
        return;
    uint64_t want = (uint64_t)(next_fresh + (1 + BLOCKS_AHEAD) * BLOCK_FRAMES) << PAGE_SHIFT;
    pthread_mutex_lock(&ram.lock);
    if (want > ram.bytes)
        want = ram.bytes;
    if (ram.base && !ram.off && want > ram.want) {
        /* Never behind the allocator: frames it already handed out are the guest's to fault. */
        uint64_t taken = (uint64_t)next_fresh << PAGE_SHIFT;
        if (ram.done < taken)
            ram.done = taken;
        ram.want = want;
        if (!ram.started) {
            ram.started = true;
            if (pthread_create(&ram.thread, NULL, prefault_thread, NULL)) {
                ram.started = false;
                ram.off = true;
            }
        }
        pthread_cond_signal(&ram.cond);
    }
    pthread_mutex_unlock(&ram.lock);
}

void *guest_ram_create(uint64_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    madvise(p, bytes, MADV_HUGEPAGE);
    /* The first frames are a small program's whole memory: 4 KiB host pages there, so that a
     * program using a few hundred KiB does not make the host zero and keep 2 MiB. */
    madvise(p, bytes < SMALL_BYTES ? bytes : SMALL_BYTES, MADV_NOHUGEPAGE);
    pthread_mutex_lock(&ram.lock);
    ram.base = p;
    ram.bytes = bytes;
    ram.want = ram.done = 0;
    ram.stop = ram.off = false;
    pthread_mutex_unlock(&ram.lock);
    return p;
}

void guest_ram_destroy(void *p, uint64_t bytes)
{
    pthread_mutex_lock(&ram.lock);
    bool joined = ram.started;
    ram.stop = true;
    pthread_cond_signal(&ram.cond);
    pthread_mutex_unlock(&ram.lock);
    if (joined)
        pthread_join(ram.thread, NULL);
    pthread_mutex_lock(&ram.lock);
    ram.base = NULL;
    ram.started = false;
    pthread_mutex_unlock(&ram.lock);
    munmap(p, bytes);
}
