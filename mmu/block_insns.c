/*
 * block_insns.c - how many instructions a translated block holds: --icount by block.
 *
 * Counting with a hook before every instruction made a guest 15x slower (bench_cpu_loop 20:
 * 2.56 s against 0.17). The engine's block hook runs once per block and reports its address and
 * size in bytes; the instructions in it are decoded once with Capstone and kept here, with where
 * each starts, so that the run loop can also tell how many of them ran before the engine stopped
 * in the middle of the block (a page fault, a trap, a step).
 *
 * What is kept stays true while the bytes it was decoded from do. Every change to what the
 * guest's code addresses hold goes through a TLB flush of the engine (a new mm, an unmapped or
 * remapped page, a code frame dropped because it was written: mmu.c), except a store the engine
 * makes into the page it runs from (mmu_code_epoch). An entry from before either
 * is checked against the bytes at its address before it is used again, and decoded again only if
 * they differ: after a context switch the same shared library is recognised at no cost.
 */
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/mm.h"
#include "mmu/mmu.h"

#define SLOTS 4096 /* direct-mapped by block address: a loop's blocks stay put */

struct block {
    uint64_t addr;
    uint32_t size;
    uint32_t n;
    uint64_t checked; /* code_changes() when last checked against the guest's bytes */
    uint8_t *bytes;   /* size bytes, then n uint16_t offsets of the instructions (at
                         offsets_start(size): aligned for them) */
};

struct block_cache {
    struct block slot[SLOTS];
    csh cs;
    bool cs_ok;
};

/* Where the offsets start after size bytes of code: an odd size would leave them misaligned. */
static size_t offsets_start(uint32_t size)
{
    return ((size_t)size + 1) & ~(size_t)1;
}

static uint16_t *offsets(const struct block *b)
{
    return (uint16_t *)(b->bytes + offsets_start(b->size));
}

/* Copy the guest's bytes [addr, addr + size) through m's page tables, leaving no accessed bits
 * (the engine has just fetched them). false if a page is not mapped. */
static bool read_code(struct mmu *m, uint64_t addr, uint32_t size, uint8_t *out)
{
    struct mm_struct *mm = m->tsk ? m->tsk->mm : NULL;
    for (uint32_t done = 0; done < size;) {
        uint64_t paddr;
        if (!mmu_user_paddr(mm, addr + done, &paddr))
            return false;
        uint32_t room = PAGE_SIZE - (uint32_t)((addr + done) & ~PAGE_MASK);
        uint32_t c = room < size - done ? room : size - done;
        memcpy(out + done, (uint8_t *)pfn_address(paddr >> PAGE_SHIFT) + (paddr & ~PAGE_MASK), c);
        done += c;
    }
    return true;
}

/* Decode size bytes at addr into b (its old contents freed). false when out of memory or the
 * bytes cannot be read. An undecodable tail (an instruction Capstone does not know, which the
 * engine ends the block with) counts as one instruction. */
static bool decode(struct block_cache *bc, struct mmu *m, struct block *b, uint64_t addr,
                   uint32_t size)
{
    /* at most one instruction per byte: room for every offset */
    uint8_t *buf = malloc(offsets_start(size) + 2 * (size_t)size);
    if (!buf || !read_code(m, addr, size, buf)) {
        free(buf);
        return false;
    }
    uint16_t *off = (uint16_t *)(buf + offsets_start(size));
    uint32_t n = 0;
    if (bc->cs_ok) {
        cs_insn *insn = cs_malloc(bc->cs);
        const uint8_t *code = buf;
        size_t left = size;
        uint64_t pc = addr;
        while (left && insn) {
            off[n++] = (uint16_t)(pc - addr);
            if (!cs_disasm_iter(bc->cs, &code, &left, &pc, insn))
                break; /* the rest is the one instruction the engine stops at */
        }
        cs_free(insn, 1);
    }
    if (!n)
        off[n++] = 0;
    free(b->bytes);
    b->addr = addr;
    b->size = size;
    b->n = n;
    b->bytes = buf;
    return true;
}

/* A count that grows whenever what c's guest code addresses hold may have changed: the engine's
 * TLB flushes plus the stores into a running page (both only grow, so their sum moves if
 * either does). */
static uint64_t code_changes(const struct cpu *c)
{
    return c->tlb_flushes + mmu_code_epoch;
}

static size_t slot_of(uint64_t addr)
{
    return (addr ^ addr >> 12) % SLOTS;
}

/* The slot's entry if it is the block (addr, size) and nothing has changed code since it was
 * last checked (the common case, at every block the guest runs: kept small); else NULL. */
static struct block *lookup_fast(const struct cpu *c, uint64_t addr, uint32_t size)
{
    struct block *b = c->blocks ? &c->blocks->slot[slot_of(addr)] : NULL;
    if (b && b->addr == addr && b->size == size && b->bytes && b->checked == code_changes(c))
        return b;
    return NULL;
}

/* The entry for the block (addr, size) when lookup_fast has none: the slot checked against the
 * bytes at addr now, or decoded afresh. Valid for m's address space now; NULL if it cannot be
 * decoded. */
static struct block *lookup_slow(struct mmu *m, uint64_t addr, uint32_t size)
{
    struct cpu *c = m->cpu;
    if (!c->blocks) {
        if (!(c->blocks = calloc(1, sizeof(*c->blocks))))
            return NULL;
        c->blocks->cs_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &c->blocks->cs) == CS_ERR_OK;
    }
    struct block_cache *bc = c->blocks;
    struct block *b = &bc->slot[slot_of(addr)];
    if (b->bytes && b->addr == addr && b->size == size) {
        uint8_t now[64];
        uint8_t *cur = size <= sizeof(now) ? now : malloc(size);
        bool same = cur && read_code(m, addr, size, cur) && !memcmp(cur, b->bytes, size);
        if (cur != now)
            free(cur);
        if (!same && !decode(bc, m, b, addr, size))
            return NULL;
    } else if (!decode(bc, m, b, addr, size)) {
        return NULL;
    }
    b->checked = code_changes(c);
    return b;
}

static struct block *lookup(struct mmu *m, uint64_t addr, uint32_t size)
{
    struct block *b = lookup_fast(m->cpu, addr, size);
    return b ? b : lookup_slow(m, addr, size);
}

unsigned mmu_block_insns(struct mmu *m, uint64_t addr, uint32_t size)
{
    struct block *b = lookup(m, addr, size);
    return b ? b->n : 1;
}

unsigned mmu_block_insns_before(struct mmu *m, uint64_t addr, uint32_t size, uint64_t rip)
{
    struct block *b = lookup(m, addr, size);
    if (!b)
        return 1;
    if (rip < addr || rip >= addr + size)
        return b->n;
    const uint16_t *off = offsets(b);
    unsigned lo = 0, hi = b->n; /* the first instruction at or after rip */
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (addr + off[mid] < rip)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void mmu_block_cache_free(struct cpu *c)
{
    if (!c->blocks)
        return;
    for (int i = 0; i < SLOTS; i++)
        free(c->blocks->slot[i].bytes);
    if (c->blocks->cs_ok)
        cs_close(&c->blocks->cs);
    free(c->blocks);
    c->blocks = NULL;
}
