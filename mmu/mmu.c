/*
 * mmu.c - the engine and its TLB-fill hook: the x86-64 hardware page walk over the model's tables.
 *
 * Substrate facts this relies on (the design's substrate notes; Unicorn 2.1.1's source): with
 * UC_TLB_VIRTUAL every softmmu TLB miss calls the hook; returning false ends uc_emu_start with
 * precise registers; the TLB keeps what the hook returned until uc_ctl_flush_tlb, which also
 * empties the engine's virtual-address lookup of translated blocks; translated blocks are
 * otherwise found by guest-physical frame, survive TLB flushes and are dropped with
 * uc_ctl_remove_cache. A guest store to a frame with translated code is not reliably seen by the
 * engine (QEMU's self-modifying-code check, as Unicorn 2.1.1 has it, checks only the first store
 * after a translation), so the walker keeps writable and executable entries of one frame apart
 * (tlb_fill, "W^X in the TLB"). uc_ctl_remove_cache looks its address up with an instruction-fetch
 * fill; a TLB is resized only when it is flushed, by how full it was (tlb_grow).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "kernel_model/mm_types.h"
#include "mmu/code_buffer.h"
#include "mmu/cpuid.h"
#include "mmu/exception_state.h"
#include "mmu/exit_checks.h"
#include "mmu/mmu.h"

_Atomic int cpu_cpl;
uint64_t mmu_code_epoch;

/* Read the entry chain for vaddr: the host address of the entry that maps it (a PTE, or a PMD
 * with PS set: a 2 MiB page), or NULL if a level is not present. */
static uint64_t *walk(uint64_t *pgd, uint64_t vaddr)
{
    uint64_t e = pgd[pgd_index(vaddr)];
    if (!(e & _PAGE_PRESENT))
        return NULL;
    uint64_t *t = pfn_address((e & PTE_PFN_MASK) >> PAGE_SHIFT);
    e = t[pud_index(vaddr)];
    if (!(e & _PAGE_PRESENT))
        return NULL;
    t = pfn_address((e & PTE_PFN_MASK) >> PAGE_SHIFT);
    e = t[pmd_index(vaddr)];
    if (!(e & _PAGE_PRESENT))
        return NULL;
    if (e & _PAGE_PSE)
        return &t[pmd_index(vaddr)];
    t = pfn_address((e & PTE_PFN_MASK) >> PAGE_SHIFT);
    return &t[pte_index(vaddr)];
}

/* The guest-physical address of vaddr's 4 KiB page under the entry walk() found. */
static uint64_t leaf_paddr(uint64_t entry, uint64_t vaddr)
{
    uint64_t pa = entry & PTE_PFN_MASK;
    if (entry & _PAGE_PSE) /* the frame of vaddr inside the 2 MiB page */
        pa += vaddr & (PMD_SIZE - 1) & PAGE_MASK;
    return pa;
}

/*
 * The hardware's decision for one access: allowed (A/D set, *pte returned) or the error code.
 * user: CPL 3 (needs _PAGE_USER); the model always sets USER on user mappings, so the bit
 * matters only for what the error code says.
 */
static uint64_t *hw_walk(struct mm_struct *mm, uint64_t vaddr, bool write, bool fetch, bool user,
                         unsigned *error)
{
    unsigned err =
        (write ? X86_PF_WRITE : 0) | (fetch ? X86_PF_INSTR : 0) | (user ? X86_PF_USER : 0);
    uint64_t *ptep = (mm && vaddr < TASK_SIZE_MAX) ? walk(mm->pgd, vaddr) : NULL;
    uint64_t pte = ptep ? *ptep : 0;
    if (!(pte & _PAGE_PRESENT)) {
        *error = err;
        return NULL;
    }
    if ((write && !(pte & _PAGE_RW)) || (fetch && (pte & _PAGE_NX)) ||
        (user && !(pte & _PAGE_USER))) {
        *error = err | X86_PF_PROT;
        return NULL;
    }
    uint64_t set = _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
    if ((pte & set) != set)
        *ptep = pte | set;
    return ptep;
}

/*
 * Where frame_drop_code names a frame: Linux's direct map (page_offset_base without KASLR). The
 * walker translates it only in `invalidating` mode, so the guest never reaches it.
 */
#define DIRECT_MAP_BASE 0xffff888000000000ULL

/* The machine's engines, for the arch hooks, which are called with a frame or an mm. */
#define MAX_CPUS 2
static struct cpu *cpus[MAX_CPUS];

/* Every TLB flush of faultline's own: counted, for tlb_grow. */
static void cpu_flush_tlb(struct cpu *c)
{
    c->tlb_flushes++;
    c->fills_since_flush = 0;
    uc_ctl_flush_tlb(c->uc);
}

/*
 * A TLB too small for the working set. QEMU sizes each TLB only when it is flushed, by how full it
 * was (cputlb.c, tlb_mmu_resize_locked): over 70% doubles it, under 30% through a 100 ms window
 * shrinks it, down to 64 entries; it starts at 256. A program that sets up and then computes
 * without a flush keeps the size it had: 256 entries for a loop over 512 pages (2 MiB) made every
 * access a miss, 14x slower than with 4096; busybox gzip -c of 64 MiB took 9.2 s instead of 7.5; a
 * Python loop beside a sleeping thread, on the engine that had waited and shrunk to 64 entries
 * meanwhile, 8.5 s instead of 6.8 (58 victim-TLB lookups per iteration). So when TLB_GROW_FILLS
 * misses on mapped pages (not a page fault's retry: fresh pages, as in a touch loop, are no sign
 * of a small TLB) reach the hook with no flush between them, and the TLB may have changed size
 * since it was last grown (a flush came since), it is grown here; the hot pages of that Python
 * loop evicted each other into the victim TLB, where the hook never hears of them, so the engine
 * with the block hook also asks now and then (cpu_tlb_check). Growing means: filled with
 * TLB_GROW_PAGES distinct pages and flushed, until a fill no longer wraps around: a smaller TLB is
 * full at each flush and doubles; one of 4096 entries or more is 60% full or less and keeps its
 * size. The fills come from the engine's own instruction-fetch lookup in uc_ctl_remove_cache, on
 * direct-map addresses the walker maps to the zero page (it has no code to drop) in `invalidating`
 * mode; the last flush leaves none of them. Growing from 256 entries takes 5 rounds, about 0.65
 * ms; QEMU allows a resize inside tlb_fill (cputlb.c: "TLB resize via tlb_fill may have moved the
 * entry"). A program that never misses that often (a fork loop's short children) keeps QEMU's
 * small TLBs and their cheap flushes. The fault log does not change: an entry the flushes take was
 * filled after its PTE's accessed (and, if writable, dirty) bit was set, so refilling it sets
 * nothing new.
 */
#define TLB_GROW_FILLS  8192
#define TLB_GROW_PAGES  2458 /* 60% of 4096 */
#define TLB_GROW_ROUNDS 8    /* from QEMU's smallest TLB (64 entries) and one more */

/* Fill TLB_GROW_PAGES entries; then is the first still there (no wrap: 4096 entries or more)? */
static bool tlb_grow_fill(struct cpu *c)
{
    for (uint64_t i = 0; i < TLB_GROW_PAGES; i++) {
        uint64_t va = DIRECT_MAP_BASE + (i << PAGE_SHIFT);
        uc_ctl_remove_cache(c->uc, va, va + PAGE_SIZE);
    }
    unsigned misses = c->grow_misses;
    uc_ctl_remove_cache(c->uc, DIRECT_MAP_BASE, DIRECT_MAP_BASE + PAGE_SIZE);
    return c->grow_misses == misses;
}

static void tlb_grow(struct cpu *c)
{
    c->invalidating = c->growing = true;
    for (int round = 0; round < TLB_GROW_ROUNDS; round++) {
        bool big = tlb_grow_fill(c);
        cpu_flush_tlb(c);
        if (big)
            break;
    }
    c->invalidating = c->growing = false;
    c->tlb_flushes_grown = c->tlb_flushes;
}

/* QEMU's resize window: a TLB does not shrink again sooner after a growth */
#define TLB_WINDOW_NS 100000000ULL

void cpu_tlb_check(struct cpu *c)
{
    if (c->tlb_flushes == c->tlb_flushes_grown)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    if (now - c->tlb_checked_ns < TLB_WINDOW_NS)
        return;
    c->tlb_checked_ns = now;
    tlb_grow(c);
}

static void frame_changed(struct page *page);
static void frame_drop_code(struct cpu *c, struct page *page);

/*
 * A store is about to be allowed into a frame that may hold code. Its code goes, in every
 * engine, unless the store comes from code running in the same page (RIP, which the engine
 * keeps at the start of the running block): dropping that block would let it run on with
 * instructions the store may be rewriting. The engine's own check sees to the first store
 * through the new entry instead, precisely (it ends the block after a store into it), as QEMU
 * does. But the entry stays writable, unchecked after that first store, and the frame keeps
 * its code: a later store from anywhere (the JIT's compiler rewriting the page after its code
 * ran, or trapped, insnfuzz with SAMEPAGE=1) went through it unseen, and the old code ran
 * again. So the engine is stopped at its next block start (a stop from its own thread, exact
 * where the checks are at block starts only) and the run loop drops the frame's code then
 * (cpu_after_run), which also flushes the writable entry. Where the engine checks for stops
 * after every access (a hook holds them), such a stop would land right after this store and
 * resume the block from its start with the state of its middle (docs/substrate.md): there the
 * hook that holds them is asked to stop it (a kick), before its next block or instruction. But
 * not when the store comes from the block the run resumed at after the last such drop: when
 * the engine's own check ends a block that rewrites itself it restarts at the store, in a
 * block of its own, which the kick would stop before every time (jit_chain's inblock case
 * never ended under --icount); there, as where no hook can take a kick, the frame's code goes
 * when the run next stops for anything (a system call, a fault, a trap, a kick).
 */
static void frame_write_allowed(struct cpu *writer, struct page *page, uint64_t vaddr)
{
    uint64_t rip = 0;
    uc_reg_read(writer->uc, UC_X86_REG_RIP, &rip);
    if ((rip & PAGE_MASK) != (vaddr & PAGE_MASK)) {
        frame_changed(page);
        return;
    }
    mmu_code_epoch++; /* the writer's own code may change with no flush of its TLB */
    for (int i = 0; i < MAX_CPUS; i++)
        if (cpus[i] && cpus[i] != writer)
            frame_drop_code(cpus[i], page);
    for (int i = 0; i < writer->n_self_written; i++)
        if (writer->self_written[i] == page)
            return;
    if (writer->n_self_written == CPU_SELF_WRITTEN_MAX) {
        frame_changed(page);
        return;
    }
    writer->self_written[writer->n_self_written++] = page;
    if (cpu_stops_precisely(writer))
        uc_emu_stop(writer->uc);
    else if (writer->exit_check_holds > 0 && writer->kick && rip != writer->self_resume_rip)
        writer->kick(writer->kick_arg);
}

void cpu_drop_self_written(struct cpu *c)
{
    uc_reg_read(c->uc, UC_X86_REG_RIP, &c->self_resume_rip);
    while (c->n_self_written > 0)
        frame_changed(c->self_written[--c->n_self_written]);
}

/*
 * W^X in the TLB. Unicorn 2.1.1's self-modifying-code check does not hold: a TLB entry that
 * allows stores to a frame with translated code starts out checked (TLB_NOTDIRTY), but the first
 * store through it, wherever in the page it lands, drops only the code that store overlaps and
 * then unchecks the entry for good (notdirty_write's tlb_set_dirty), until code is next
 * translated from that virtual page. Every later store into the page goes unchecked, and code it
 * rewrites runs stale: a JIT that writes a new block and then patches an exit of an old one, two
 * functions rewritten between mprotect(RW) and mprotect(RX), a store through a second mapping
 * (Unicorn 2.1.2 leaves entries of executable pages checked). So the walker never lets a frame be
 * written and hold code at once; PG_arch_1 says which of the two it is in:
 *  - set: executable entries may exist and code may have been translated; no entry allows
 *    stores. Granting a store drops the frame's code in every engine and flushes their TLBs
 *    (frame_changed), which clears the bit; but not when code in that page stores into it
 *    (frame_write_allowed);
 *  - clear: no code; entries may allow stores. Granting execution sets the bit; a writable entry
 *    of this frame at another address (the frame mapped twice) is flushed with the whole TLB.
 * A page both writable and executable gets one or the other per entry: executable for a fetch (or
 * a read, if it holds code), writable for a store, so a JIT's page goes back and forth, dropping
 * its code at each store after a run. Every switch of engine flushes the TLB, so the other
 * engine's entries are never stale.
 */
static bool tlb_fill(uc_engine *uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry *e, void *ud)
{
    struct cpu *c = ud;
    bool write = type == UC_MEM_WRITE, fetch = type == UC_MEM_FETCH;
    unsigned error;
    (void)uc;

    if (c->booting) { /* enter_user_mode's sysret page, at the same virtual and physical address */
        e->paddr = vaddr;
        e->perms = UC_PROT_READ | UC_PROT_EXEC;
        return true;
    }
    if (c->invalidating && vaddr >= DIRECT_MAP_BASE) {
        /* tlb_grow's fills all name the zero page, whose bytes never change */
        c->grow_misses += c->growing;
        e->paddr =
            c->growing ? (uint64_t)page_to_pfn(zero_page()) << PAGE_SHIFT : vaddr - DIRECT_MAP_BASE;
        e->perms = UC_PROT_READ | UC_PROT_EXEC;
        return true;
    }
    struct mmu *m = c->loaded;
    struct mm_struct *mm = m && m->tsk ? m->tsk->mm : NULL;
    uint64_t *ptep = hw_walk(mm, vaddr, write, fetch, true, &error);
    if (!ptep) {
        c->fault_page = vaddr;
        if (m) {
            m->fault_pending = true;
            cpu_set_cpl(0); /* the #PF entry: the unwinding out of the engine is the kernel's */
            m->fault_addr = vaddr;
            m->fault_error = error;
        }
        return false;
    }
    /* a miss on a page that was mapped already, not the retry after its fault: the TLB was
     * flushed, or is too small (tlb_grow) */
    if (vaddr == c->fault_page)
        c->fault_page = UINT64_MAX;
    else if (++c->fills_since_flush >= TLB_GROW_FILLS && c->tlb_flushes != c->tlb_flushes_grown)
        tlb_grow(c);
    uint64_t pte = *ptep;
    e->paddr = leaf_paddr(pte, vaddr);
    /* Write permission only once dirty: the first store to a clean page misses again, and
     * that miss is where D gets set (QEMU's own x86 walker does the same). */
    bool exec = !(pte & _PAGE_NX), writable = (pte & _PAGE_RW) && (pte & _PAGE_DIRTY);
    if (exec || writable) {
        /* W^X in the TLB (above). An executable entry is the only way code gets translated
         * from a frame, so PG_arch_1 also tells freeing the frame to drop it (arch_free_page). */
        struct page *page = pfn_to_page(e->paddr >> PAGE_SHIFT);
        if (exec && (pte & _PAGE_RW)) {
            if (write || (!fetch && !PageArch1(page)))
                exec = false;
            else
                writable = false;
        }
        if (writable && PageArch1(page))
            frame_write_allowed(c, page, vaddr);
        if (exec && !PageArch1(page)) {
            SetPageArch1(page);
            if (page_mapcount(page) > 1)
                cpu_flush_tlb(c);
        }
    }
    e->perms = UC_PROT_READ | (exec ? UC_PROT_EXEC : 0) | (writable ? UC_PROT_WRITE : 0);
    /* A guest access goes on: after a fault, this is its instruction retried (the engine
     * re-entered for it was still the fault's work) */
    cpu_set_cpl(3);
    return true;
}

void *mmu_kernel_translate(struct task_struct *tsk, uint64_t vaddr, bool write, unsigned *error)
{
    uint64_t *ptep = hw_walk(tsk->mm, vaddr, write, false, false, error);
    if (!ptep)
        return NULL;
    return (char *)pfn_address(leaf_paddr(*ptep, vaddr) >> PAGE_SHIFT) + (vaddr & ~PAGE_MASK);
}

bool mmu_user_paddr(struct mm_struct *mm, uint64_t vaddr, uint64_t *paddr)
{
    uint64_t *ptep = (mm && vaddr < TASK_SIZE_MAX) ? walk(mm->pgd, vaddr) : NULL;
    if (!ptep || !(*ptep & _PAGE_PRESENT))
        return false;
    *paddr = leaf_paddr(*ptep, vaddr) | (vaddr & ~PAGE_MASK);
    return true;
}

/*
 * The CPU as Linux hands it to a new program. RFLAGS has IF set (0x202: user space always runs
 * with interrupts on; the engine's power-on value is 0x2). CR4 gets what fpu__init_cpu leaves for
 * user space, OSFXSR and OSXMMEXCPT: without OSFXSR the engine's fxsave and fxrstor skip MXCSR and
 * the XMM registers, as the SDM says a CPU does, and ld.so's lazy-binding trampoline saves the
 * caller's XMM arguments with fxsave, so every floating-point argument of a lazily bound call
 * arrived as garbage (log(10) in libm returned 0). The x87 control word and MXCSR get
 * fpstate_init's defaults (all exceptions masked, 64-bit precision, round to nearest): the engine's
 * power-on values are 0, which unmasks every exception and leaves the x87 at 24-bit precision.
 * qemu-user sets the same.
 */
#define X86_CR4_OSFXSR     (1ULL << 9)
#define X86_CR4_OSXMMEXCPT (1ULL << 10)

#define X86_EFLAGS_USER_START 0x202

static uc_err set_user_start_state(uc_engine *uc)
{
    uint64_t cr4 = 0, fcw = FPU_CW_DEFAULT, mxcsr = MXCSR_DEFAULT, rflags = X86_EFLAGS_USER_START;
    uc_err e = uc_reg_read(uc, UC_X86_REG_CR4, &cr4);
    cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    if (e == UC_ERR_OK)
        e = uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
    if (e == UC_ERR_OK)
        e = uc_reg_write(uc, UC_X86_REG_FPCW, &fcw);
    if (e == UC_ERR_OK)
        e = uc_reg_write(uc, UC_X86_REG_MXCSR, &mxcsr);
    if (e == UC_ERR_OK)
        e = uc_reg_write(uc, UC_X86_REG_RFLAGS, &rflags);
    return e;
}

/*
 * User mode. Unicorn runs guest code at the privilege level in QEMU's hidden flags (HF_CPL),
 * which only a segment load with a descriptor sets (cpu_x86_load_seg_cache of SS: its DPL); in
 * 64-bit mode uc_reg_write of CS or SS stores the selector and nothing else, so an engine runs at
 * the CPL 0 it starts with. There every privileged instruction just runs (rdmsr, in/out, hlt,
 * cli, a mov to CR3, swapgs, ...), where Linux's user space gets #GP (or #UD) and a signal. So
 * each engine enters CPL 3 once, as Linux returns to user space: a sysretq, with STAR and
 * EFER.SCE as Linux sets them (CS 0x33 and SS 0x2b, RPL and DPL 3), from a page holding that
 * one instruction, mapped past guest RAM for that moment (the walker never maps it; the TLB-fill
 * hook maps it 1:1 while `booting`). The registers saved after it (reset_ctx, which every process's
 * are copied from) are at CPL 3 for good: Unicorn hands every exception to the UC_HOOK_INTR hook
 * instead of delivering it through the IDT, and its syscall helper only calls the hooks, so nothing
 * takes the CPU back to CPL 0. QEMU's own checks then raise #GP (#UD where the CPU model's vendor
 * has the instruction undefined: sysenter and sysexit on AMD), which the run loop's interrupt hook
 * turns into the signal Linux sends, at the instruction. EFER.SCE stays set, as on Linux: a
 * sysretq in user mode is #GP, not #UD.
 */
#define MSR_EFER          0xc0000080u
#define MSR_STAR          0xc0000081u
#define EFER_SCE          1ULL
#define STAR_SYSRET_BASE  0x23ULL /* __USER32_CS: sysretq loads CS from it + 16, SS + 8 */
#define STAR_SYSCALL_BASE 0x10ULL /* __KERNEL_CS */
#define USER_CS_SELECTOR  0x33
#define X86_CR4_PCE       (1ULL << 8)

static _Alignas(4096) uint8_t sysret_page[PAGE_SIZE] = {0x48, 0x0f, 0x07}; /* sysretq */

static uc_err enter_user_mode(struct cpu *c, uint64_t ram_bytes)
{
    uint64_t at = (ram_bytes + PAGE_SIZE - 1) & PAGE_MASK, end = at + 3, zero = 0;
    uint64_t rflags = X86_EFLAGS_USER_START;
    uc_x86_msr efer = {.rid = MSR_EFER};
    uc_x86_msr star = {.rid = MSR_STAR, .value = STAR_SYSRET_BASE << 48 | STAR_SYSCALL_BASE << 32};
    uint64_t cr4 = 0;
    uint16_t cs = 0;
    /* rdpmc: QEMU 5.0's helper (Unicorn 2.1.1's) has the CR4.PCE test the wrong way round: #GP
     * in user mode only with PCE set, and without it #UD ("unimplemented"). Linux keeps PCE
     * clear for a task that has not mapped a perf counter, and rdpmc is #GP there. Setting it
     * gives the guest that #GP; nothing else reads the bit (CR4 is not readable at CPL 3). */
    uc_err e = uc_reg_read(c->uc, UC_X86_REG_CR4, &cr4);
    cr4 |= X86_CR4_PCE;
    if (e == UC_ERR_OK)
        e = uc_reg_write(c->uc, UC_X86_REG_CR4, &cr4);
    if (e == UC_ERR_OK)
        e = uc_mem_map_ptr(c->uc, at, PAGE_SIZE, UC_PROT_READ | UC_PROT_EXEC, sysret_page);
    if (e != UC_ERR_OK)
        return e;
    e = uc_reg_read(c->uc, UC_X86_REG_MSR, &efer);
    efer.value |= EFER_SCE;
    if (e == UC_ERR_OK)
        e = uc_reg_write(c->uc, UC_X86_REG_MSR, &efer);
    if (e == UC_ERR_OK)
        e = uc_reg_write(c->uc, UC_X86_REG_MSR, &star);
    /* sysretq: RIP from RCX, RFLAGS from R11 */
    if (e == UC_ERR_OK)
        e = uc_reg_write(c->uc, UC_X86_REG_RCX, &end);
    if (e == UC_ERR_OK)
        e = uc_reg_write(c->uc, UC_X86_REG_R11, &rflags);
    c->booting = true;
    /* `until` is where the sysretq returns to: the engine stops there before running anything */
    if (e == UC_ERR_OK)
        e = uc_emu_start(c->uc, at, end, 0, 0);
    /* drops the sysret page's translated code too (looked up through the hook, still 1:1) */
    uc_err unmapped = uc_mem_unmap(c->uc, at, PAGE_SIZE);
    c->booting = false;
    cpu_flush_tlb(c);
    if (e == UC_ERR_OK)
        e = unmapped;
    /* the CPL cannot be read; the selector comes with it (sysretq loads both, and nothing
     * else could have set CS to 0x33) */
    if (e == UC_ERR_OK)
        e = uc_reg_read(c->uc, UC_X86_REG_CS, &cs);
    if (e == UC_ERR_OK && cs != USER_CS_SELECTOR)
        e = UC_ERR_EXCEPTION;
    /* a new program's registers start at 0, as before */
    if (e == UC_ERR_OK)
        e = uc_reg_write(c->uc, UC_X86_REG_RCX, &zero);
    if (e == UC_ERR_OK)
        e = uc_reg_write(c->uc, UC_X86_REG_R11, &zero);
    if (e == UC_ERR_OK)
        e = uc_reg_write(c->uc, UC_X86_REG_RIP, &zero);
    return e;
}

/* The code buffer's guard was hit (from the SIGSEGV handler, inside the engine): end the run
 * at the start of the block being translated, so that cpu_before_run drops all code. */
static void stop_engine(void *arg)
{
    uc_emu_stop(((struct cpu *)arg)->uc);
}

struct cpu *cpu_create(void *ram, uint64_t ram_bytes, uint64_t code_cache, int cpu_model,
                       uc_cb_insn_syscall_t on_syscall, void *syscall_arg, char *err, size_t errlen)
{
    struct cpu *c = calloc(1, sizeof(*c));
    struct code_buffer_snapshot buffers_before;
    uc_err e;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* AT_HWCAP and /proc/cpuinfo say what this model's CPUID says */
    if (!cpuid_load(cpu_model, err, errlen)) {
        free(c);
        return NULL;
    }
    code_buffer_snapshot(&buffers_before);
    e = uc_open(UC_ARCH_X86, UC_MODE_64, &c->uc);
    /* The model decides CPUID; it must be set before the engine creates its CPU. */
    if (e == UC_ERR_OK)
        e = uc_ctl_set_cpu_model(c->uc, cpu_model);
    /* Before anything initialises the engine. Unicorn zeroes the whole buffer whenever it drops
     * all translated code (a full cache, a hook that needs new code): its size is what that
     * costs in time and resident memory. */
    if (e == UC_ERR_OK && code_cache)
        e = uc_ctl_set_tcg_buffer_size(c->uc, (uint32_t)code_cache);
    if (e == UC_ERR_OK)
        e = uc_ctl_tlb_mode(c->uc, UC_TLB_VIRTUAL);
    if (e == UC_ERR_OK)
        e = uc_mem_map_ptr(c->uc, 0, ram_bytes, UC_PROT_ALL, ram);
    if (e == UC_ERR_OK)
        e = uc_hook_add(c->uc, &c->tlb_hook, UC_HOOK_TLB_FILL, (void *)tlb_fill, c, 1, 0);
    /* before any code is translated: stop checks at block starts only, where the engine allows */
    if (e == UC_ERR_OK && (c->exit_checks_adjustable = engine_exit_checks_adjustable(c->uc)))
        engine_set_exit_checks(c->uc, false);
    /* A guard near the end of the code buffer has the run loop drop all code before Unicorn
     * finds the buffer full (cpu_before_run, mmu/code_buffer.c): Unicorn 2.1.1 reuses its
     * buffer under live code the first time it fills (fixed in 2.1.2), and a drop of
     * faultline's gives the memory back. Where there can be no guard on 2.1.1, the (still
     * empty) code is dropped now, at the price of a memset that makes the buffer resident for a
     * moment. Either way nothing but the prologue is written yet: the huge page its first write
     * brought in goes. */
    if (e == UC_ERR_OK) {
        bool guarded = code_buffer_find(&c->code, &buffers_before) &&
                       code_buffer_guard(&c->code, stop_engine, c);
        if (!guarded && uc_version(NULL, NULL) < UC_MAKE_VERSION(2, 1) + (2 << 8))
            e = uc_ctl_flush_tb(c->uc);
        code_buffer_release(&c->code);
    }
    /* The `syscall` hook is the first UC_HOOK_INSN hook, ahead of every other. Unicorn 2.1.1's
     * helper_syscall walks all the instruction hooks, calling those for `syscall`, and leaves
     * the walk after any hook (one for `in`, say, which it does not call) once a stop has been
     * requested; a stop requested in the block before the `syscall` (another thread's kick, a
     * store into the block's own page: frame_write_allowed) then skipped the system call with
     * RIP moved past it and RAX still its number. The I/O helpers' walks have no such exit. */
    if (e == UC_ERR_OK)
        e = uc_hook_add(c->uc, &c->syscall_hook, UC_HOOK_INSN, (void *)on_syscall, syscall_arg, 1,
                        0, UC_X86_INS_SYSCALL);
    /* after the buffer is known, and after the syscall hook: in, out, ins and outs raise #GP at
     * the instruction */
    if (e == UC_ERR_OK)
        e = port_io_init(&c->port_io, c->uc, &c->code);
    if (e == UC_ERR_OK)
        e = set_user_start_state(c->uc);
    if (e == UC_ERR_OK)
        e = enter_user_mode(c, ram_bytes);
    if (e == UC_ERR_OK)
        e = uc_context_alloc(c->uc, &c->reset_ctx);
    if (e == UC_ERR_OK)
        e = uc_context_save(c->uc, c->reset_ctx);
    if (e == UC_ERR_OK)
        c->exception_off = engine_exception_offset(c->uc, c->reset_ctx);
    if (e != UC_ERR_OK) {
        snprintf(err, errlen, "cannot set up the CPU engine: %s", uc_strerror(e));
        code_buffer_unguard(&c->code);
        if (c->reset_ctx)
            uc_context_free(c->reset_ctx);
        if (c->uc)
            uc_close(c->uc);
        free(c);
        return NULL;
    }
    for (int i = 0; i < MAX_CPUS; i++) {
        if (!cpus[i]) {
            cpus[i] = c;
            return c;
        }
    }
    snprintf(err, errlen, "cannot set up the CPU engine: more than %d engines", MAX_CPUS);
    cpu_destroy(c);
    return NULL;
}

void cpu_destroy(struct cpu *c)
{
    if (!c)
        return;
    for (int i = 0; i < MAX_CPUS; i++)
        if (cpus[i] == c)
            cpus[i] = NULL;
    code_buffer_unguard(&c->code);
    mmu_block_cache_free(c);
    uc_context_free(c->reset_ctx);
    uc_close(c->uc);
    free(c);
}

void cpu_hold_exit_checks(struct cpu *c, bool hold)
{
    c->exit_check_holds += hold ? 1 : -1;
    if (c->exit_checks_adjustable)
        engine_set_exit_checks(c->uc, c->exit_check_holds > 0);
}

void cpu_drop_all_code(struct cpu *c)
{
    code_buffer_unguard(&c->code); /* 2.1.1 zeroes the whole buffer: the guard page too */
    uc_ctl_flush_tb(c->uc);
    code_buffer_release(&c->code);
    code_buffer_guard(&c->code, stop_engine, c);
}

struct mmu *mmu_create(struct cpu *c)
{
    struct mmu *m = calloc(1, sizeof(*m));
    if (!m || uc_context_alloc(c->uc, &m->ctx) != UC_ERR_OK) {
        free(m);
        return NULL;
    }
    m->cpu = c;
    m->uc = c->uc;
    memcpy(m->ctx, c->reset_ctx, uc_context_size(c->uc));
    return m;
}

void mmu_destroy(struct mmu *m)
{
    if (!m)
        return;
    if (m->tsk && m->tsk->mm && m->tsk->mm->arch == m)
        m->tsk->mm->arch = NULL;
    if (m->cpu->loaded == m)
        m->cpu->loaded = NULL;
    uc_context_free(m->ctx);
    free(m);
}

void mmu_attach(struct mmu *m, struct task_struct *tsk)
{
    m->tsk = tsk;
    if (tsk->mm)
        tsk->mm->arch = m;
    if (m->cpu->loaded == m)
        cpu_flush_tlb(m->cpu);
}

void mmu_load(struct mmu *m, struct cpu *c)
{
    if (m->cpu != c) {
        /* moving to another engine: its registers leave the one it was on */
        if (m->cpu->loaded == m) {
            uc_context_save(m->uc, m->ctx);
            m->cpu->loaded = NULL;
        }
        m->cpu = c;
        m->uc = c->uc;
    }
    struct mmu *prev = c->loaded;
    if (prev == m)
        return;
    if (prev)
        uc_context_save(c->uc, prev->ctx);
    uc_context_restore(c->uc, m->ctx);
    c->loaded = m;
    if (m->tsk && m->tsk->mm)
        m->tsk->mm->arch = m; /* a vfork parent takes its mm back from the child */
    /* As switch_mm: the TLB holds translations of prev's mm (a loaded task that changes mm goes
     * through mmu_attach, which flushes), so another thread of the same mm, or a vfork parent
     * and child, keep it; any other switch is a CR3 load. */
    if (!prev || !prev->tsk || !m->tsk || !m->tsk->mm || prev->tsk->mm != m->tsk->mm)
        cpu_flush_tlb(c);
}

void mmu_reset_regs(struct mmu *m)
{
    bool notsc = mmu_tsc_disabled(m);
    memcpy(m->ctx, m->cpu->reset_ctx, uc_context_size(m->uc));
    if (m->cpu->loaded == m)
        uc_context_restore(m->uc, m->ctx);
    if (notsc)
        mmu_set_tsc_disabled(m, true);
}

#define X86_CR4_TSD (1ULL << 2)

void mmu_set_tsc_disabled(struct mmu *m, bool disabled)
{
    uint64_t cr4 = mmu_reg_read(m, UC_X86_REG_CR4);
    mmu_reg_write(m, UC_X86_REG_CR4, disabled ? cr4 | X86_CR4_TSD : cr4 & ~X86_CR4_TSD);
}

bool mmu_tsc_disabled(struct mmu *m)
{
    return mmu_reg_read(m, UC_X86_REG_CR4) & X86_CR4_TSD;
}

void mmu_exception_taken(struct mmu *m)
{
    long off = m->cpu->exception_off;
    if (off < 0)
        return;
    if (m->cpu->loaded == m) {
        engine_exception_done(m->uc, m->ctx, off); /* m->ctx is stale while loaded */
    } else {
        int32_t none = -1;
        memcpy((char *)m->ctx + off, &none, sizeof(none));
    }
}

bool mmu_exception_info(struct mmu *m, struct engine_exception *out)
{
    /* only the engine holds it: m->ctx is stale while loaded */
    return m->cpu->loaded == m && engine_exception_info(m->uc, m->ctx, m->cpu->exception_off, out);
}

void mmu_copy_regs(struct mmu *dst, struct mmu *src)
{
    if (src->cpu->loaded == src)
        uc_context_save(src->uc, src->ctx);
    memcpy(dst->ctx, src->ctx, uc_context_size(src->uc));
    if (dst->cpu->loaded == dst)
        uc_context_restore(dst->uc, dst->ctx);
}

uint64_t mmu_reg_read(struct mmu *m, int regid)
{
    uint64_t v = 0;
    if (m->cpu->loaded == m)
        uc_reg_read(m->uc, regid, &v);
    else
        uc_context_reg_read(m->ctx, regid, &v);
    return v;
}

void mmu_reg_read_raw(struct mmu *m, int regid, void *value)
{
    if (m->cpu->loaded == m)
        uc_reg_read(m->uc, regid, value);
    else
        uc_context_reg_read(m->ctx, regid, value);
}

void mmu_reg_write_raw(struct mmu *m, int regid, const void *value)
{
    if (m->cpu->loaded == m)
        uc_reg_write(m->uc, regid, value);
    else
        uc_context_reg_write(m->ctx, regid, value);
}

void mmu_reg_write(struct mmu *m, int regid, uint64_t value)
{
    if (m->cpu->loaded == m)
        uc_reg_write(m->uc, regid, &value);
    else
        uc_context_reg_write(m->ctx, regid, &value);
}

/* --- the arch interface of kernel_model/arch.h, TLB and translated-code side --- */

void arch_flush_tlb_mm(struct mm_struct *mm)
{
    for (int i = 0; i < MAX_CPUS; i++) {
        struct cpu *c = cpus[i];
        if (c && c->loaded && c->loaded->tsk && c->loaded->tsk->mm == mm)
            cpu_flush_tlb(c);
    }
}

/*
 * Drop the code translated from one frame. Unicorn drops translated code by guest-physical
 * range but takes a virtual address, which it translates with an instruction-fetch TLB fill; the
 * frame's direct-map address is used, which the walker maps in `invalidating` mode only. The TLB
 * entry that fill leaves is flushed at once, so the guest never sees the direct map.
 */
static void frame_drop_code(struct cpu *c, struct page *page)
{
    uint64_t va = DIRECT_MAP_BASE + ((uint64_t)page_to_pfn(page) << PAGE_SHIFT);
    c->invalidating = true;
    uc_ctl_remove_cache(c->uc, va, va + PAGE_SIZE);
    c->invalidating = false;
    cpu_flush_tlb(c);
}

/* The frame's bytes are about to change (freed for reuse) or have changed (written by the
 * kernel): code translated from it is stale. Only frames the walker mapped executable can have
 * any. */
static void frame_changed(struct page *page)
{
    if (!PageArch1(page))
        return;
    for (int i = 0; i < MAX_CPUS; i++)
        if (cpus[i])
            frame_drop_code(cpus[i], page);
    ClearPageArch1(page);
}

void arch_free_page(struct page *page)
{
    frame_changed(page);
}

void flush_dcache_page(struct page *page)
{
    frame_changed(page);
}

void mmu_kernel_wrote(void *host_addr)
{
    frame_changed(virt_to_page(host_addr));
}
