/*
 * mmu.h - the emulated CPU with its MMU: a Unicorn engine whose TLB is filled by walking the
 * model's x86-64 page tables (the hardware page walker of the design), shared by every process
 * the way one core is shared by a real kernel's tasks. A machine has at most two engines, the
 * same CPU in two builds: one without and one with the time slice's block hook (emu/run.c), so
 * that a process running alone never pays for the hook and neither ever has to drop its code
 * for it. The one without checks for stops only at block starts where Unicorn allows it
 * (cpu_hold_exit_checks below), so that other threads can stop it exactly.
 *
 * A guest access that the walk allows is a TLB refill: the A (and on a write D) bits are set as
 * the hardware sets them and the engine goes on. One it does not allow is recorded as a pending
 * #PF and the engine stops with precise registers; the run loop then calls do_page_fault().
 *
 * A process has a struct mmu: its saved registers and the task whose mm it runs in. Switching
 * processes (mmu_load) saves one register file, restores the other and flushes the TLB, as a
 * context switch with a CR3 load does (not between threads of one mm, as switch_mm does not);
 * a process may switch engines the same way. Translated code
 * is found by guest-physical frame, like a physically tagged instruction cache, so ld.so, libc and
 * a shell's own code translated in one process run untranslated again in the next; it goes only
 * when its frame's bytes change (arch_free_page, flush_dcache_page, or a guest store: the storing
 * engine catches its own copy, the walker drops the other engine's when it allows the store).
 */
#ifndef FL_MMU_H
#define FL_MMU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#include "mmu/code_buffer.h"
#include "mmu/port_io.h"

struct task_struct;
struct mm_struct;
struct mmu;
struct block_cache;
struct page;

/* frames a run's own code stored into, whose code goes when the run stops (cpu_after_run) */
#define CPU_SELF_WRITTEN_MAX 4

/* The FPU control words Linux gives a new program and a signal handler (fpstate_init):
 * every exception masked, 64-bit x87 precision, round to nearest. */
#define FPU_CW_DEFAULT 0x037f
#define MXCSR_DEFAULT  0x1f80

struct cpu {
    uc_engine *uc;
    struct mmu *loaded;    /* whose registers the engine holds and whose mm the walker reads */
    uc_context *reset_ctx; /* the registers at power-on: what execve starts from */
    bool invalidating;     /* inside frame_drop_code: fills name frames, never fault */
    bool growing;          /* inside tlb_grow: fills name the zero page */
    bool booting;          /* inside enter_user_mode: fills map virtual to physical 1:1 */
    /* tlb_grow's bookkeeping: TLB misses since the last flush, misses during a growth (its
     * probe), faultline's flushes so far and as of the last growth */
    unsigned fills_since_flush, grow_misses;
    uint64_t fault_page; /* the page of the last miss that faulted: its retry is no sign */
    uint64_t tlb_flushes, tlb_flushes_grown;
    uint64_t tlb_checked_ns; /* CLOCK_MONOTONIC of cpu_tlb_check's last growth */
    uc_hook tlb_hook;
    uc_hook syscall_hook;       /* the first instruction hook (cpu_create) */
    struct code_buffer code;    /* its translated-code buffer (mmu/code_buffer.c) */
    struct port_io port_io;     /* its I/O instructions' #GP (mmu/port_io.c) */
    struct block_cache *blocks; /* instructions per translated block (mmu/block_insns.c) */
    /* Stop checks (mmu/exit_checks.c): can this engine have them at block starts only, and how
     * many of its hooks need them after every access as well (cpu_hold_exit_checks)? */
    bool exit_checks_adjustable;
    int exit_check_holds;
    /* where a saved context holds the engine's exception in flight (mmu/exception_state.c),
     * or -1 */
    long exception_off;
    /* Frames that code running from them stored into during this run (mmu.c,
     * frame_write_allowed): their code is dropped when the run stops. */
    struct page *self_written[CPU_SELF_WRITTEN_MAX];
    int n_self_written;
    uint64_t self_resume_rip; /* where the run resumed after the last such drop */
    /* Asks the hook that holds the stop checks to stop the engine (emu/run.c, emu_kick) */
    void (*kick)(void *arg);
    void *kick_arg;
};

struct mmu {
    struct cpu *cpu;         /* the engine it runs on, or last ran on */
    uc_engine *uc;           /* cpu->uc, for callers that talk to the engine directly */
    struct task_struct *tsk; /* whose mm the walker reads while this mmu is loaded */
    uc_context *ctx;         /* the registers while not loaded */
    /* the #PF the TLB-fill hook recorded while this mmu was loaded (valid when fault_pending) */
    bool fault_pending;
    uint64_t fault_addr;
    unsigned fault_error; /* X86_PF_* */
};

/* An engine in 64-bit mode with the RAM buffer as guest-physical memory, code_cache bytes for
 * translated code (0: Unicorn's default of 1 GiB), the CPU model cpu_model (UC_CPU_X86_*:
 * mmu/cpu_model.h) and the TLB-fill hook installed. NULL and a
 * message in err on failure. At most two per machine. */
/*
 * The privilege level the CPU runs at, for an observer on another thread that samples it (the
 * CPU-time ticks, emu/cputime.c): 3 while guest code runs, 0 from the entry of a page fault
 * (the TLB-fill hook's miss) or of a syscall until the run loop starts guest code again, or,
 * after a fault, until the retried access is let through (the TLB-fill hook's hit).
 * Relaxed stores: a sample may see the level of a moment before.
 */
extern _Atomic int cpu_cpl;
static inline void cpu_set_cpl(int cpl)
{
    atomic_store_explicit(&cpu_cpl, cpl, memory_order_relaxed);
}

/* A CPU engine for guest code. on_syscall (with syscall_arg) is its `syscall` instruction's
 * hook: added here, before any other instruction hook, so that a stop requested while a block
 * runs never skips it (mmu.c). */
struct cpu *cpu_create(void *ram, uint64_t ram_bytes, uint64_t code_cache, int cpu_model,
                       uc_cb_insn_syscall_t on_syscall, void *syscall_arg, char *err,
                       size_t errlen);
/* After every mmu is destroyed. Frames with translated code may be freed after it: their code
 * went with the engine, and nothing is dropped for it any more. */
void cpu_destroy(struct cpu *c);

/* Drop every block engine c has translated (uc_ctl_flush_tb), between runs, give the buffer's
 * memory back to the host and put its guard back. */
void cpu_drop_all_code(struct cpu *c);

/*
 * Stops. A new engine checks for a stop request only at the start of each block where it can
 * (mmu/exit_checks.c): then a uc_emu_stop from another thread, or from a signal handler, stops it
 * precisely. A hook that stops the engine in the middle of a block (before an instruction, after
 * an access, or at a block start before any of the block runs) needs the checks after every
 * access and hook as well: hold them while it is installed. Hold before adding the hook and
 * release after removing it, then drop all code (the checks are part of translated code).
 * Such a hook must take kicks itself (emu/run.c, emu_kick_take: stop the engine when one came),
 * since a stop from another thread no longer lands precisely while it is installed.
 */
void cpu_hold_exit_checks(struct cpu *c, bool hold);

/* Does a uc_emu_stop from another thread stop c at a block start, with nothing of the block run? */
static inline bool cpu_stops_precisely(const struct cpu *c)
{
    return c->exit_checks_adjustable && c->exit_check_holds == 0;
}

/* Does a kick reach c without the time slice's block hook: it stops precisely, or it has a hook
 * that takes kicks (every hook that holds the checks does)? */
static inline bool cpu_takes_kicks(const struct cpu *c)
{
    return c->exit_checks_adjustable || c->exit_check_holds > 0;
}

/* Before each run of engine c: once its code buffer is nearly full, all code is dropped here
 * rather than by Unicorn when the buffer is full (mmu/code_buffer.c says why). */
static inline void cpu_before_run(struct cpu *c)
{
    if (atomic_load_explicit(&c->code.nearly_full, memory_order_relaxed))
        cpu_drop_all_code(c);
}

/* After each run of engine c: drop the code of the frames its own code stored into (mmu.c,
 * frame_write_allowed says why). */
void cpu_drop_self_written(struct cpu *c);
static inline void cpu_after_run(struct cpu *c)
{
    if (c->n_self_written)
        cpu_drop_self_written(c);
}

/* A register file for a new process on engine c, at power-on values, not loaded. NULL if out
 * of memory. */
struct mmu *mmu_create(struct cpu *c);
void mmu_destroy(struct mmu *m);
/* Make m run through tsk->mm (a new process, after execve, or after a vfork child let go). */
void mmu_attach(struct mmu *m, struct task_struct *tsk);
/* The context switch: m's registers into engine c (taken from the engine it was on), the TLB
 * flushed unless c's last process was m or ran in the same mm. */
void mmu_load(struct mmu *m, struct cpu *c);
/* For an engine that runs a hook on every block, from that hook now and then: grow c's TLB
 * (mmu.c, tlb_grow) if a flush since its last growth may have shrunk it, at most every 100 ms.
 * Leaves the TLB empty when it acts. */
void cpu_tlb_check(struct cpu *c);
/* execve's start_thread: every register back to its power-on value (rip and rsp set after),
 * but for the TSC mode, which execve keeps (TIF_NOTSC). */
void mmu_reset_regs(struct mmu *m);
/* PR_SET_TSC: with disabled, rdtsc and rdtscp in user mode raise #GP (CR4.TSD, which Linux
 * loads for the task at each switch: it is in the task's saved registers here). */
void mmu_set_tsc_disabled(struct mmu *m, bool disabled);
bool mmu_tsc_disabled(struct mmu *m);
/* A CPU exception the UC_HOOK_INTR hook stopped the engine for has been taken (made a signal):
 * none is in flight any more, so the next one is not a double fault (mmu/exception_state.c). */
void mmu_exception_taken(struct mmu *m);
/* Before that: the engine's record of the exception (its error code, whether `int N` raised
 * it); false when it cannot be read. */
struct engine_exception;
bool mmu_exception_info(struct mmu *m, struct engine_exception *out);
/* Copy all of src's registers into dst (fork: the child starts as the parent is). */
void mmu_copy_regs(struct mmu *dst, struct mmu *src);

/* Walk tsk's tables for a supervisor access (copy_*_user): the host pointer to the byte at vaddr
 * if the access is allowed (setting A/D), else NULL with *error the X86_PF_* code to fault with. */
void *mmu_kernel_translate(struct task_struct *tsk, uint64_t vaddr, bool write, unsigned *error);

/* The kernel wrote to the frame behind a user mapping (copy_to_user): translated code made from
 * it goes, as the CPU's coherent instruction cache would see the new bytes. */
void mmu_kernel_wrote(void *host_addr);

/* The byte address of a user-mode fault whose page the TLB-fill hook reported (mmu/fault_addr.c):
 * decoded from the instruction at rip, as the CPU's CR2 would hold it. *rmw: the instruction
 * reads and writes that operand, so the CPU reports the fault as a write even on the read. */
uint64_t mmu_exact_fault_addr(struct mmu *m, uint64_t rip, uint64_t page, bool fetch, bool *rmw);
/* Was the instruction at rip's access to `page` through the stack segment (an implicit stack
 * access, or a memory operand based on RSP or RBP without an FS or GS override)? A non-canonical
 * address there is #SS, not #GP. */
bool mmu_access_is_stack(struct mmu *m, uint64_t rip, uint64_t page);
/* Whether the instruction at rip, with m's registers as they are now (inside a memory hook: as
 * the access sees them), has a memory operand overlapping [start, start + len): 1 or 0, -1 when
 * it cannot be decoded. Tells which of two virtual addresses of one frame an access went
 * through (the memory hooks see only the frame). */
int mmu_insn_touches(struct mmu *m, uint64_t rip, uint64_t start, uint64_t len);
/* The guest-physical address behind user address vaddr in mm, without touching the accessed
 * and dirty bits (the walk a debugger's look leaves no trace of); false if not present. */
bool mmu_user_paddr(struct mm_struct *mm, uint64_t vaddr, uint64_t *paddr);

/* Counts the stores the walker lets into a frame that may hold translated code from the page the
 * storing engine runs in: the one change to code that comes with no TLB flush of that engine
 * (every other one flushes every engine: mmu.c, frame_write_allowed, frame_changed). */
extern uint64_t mmu_code_epoch;

/* --icount by block (mmu/block_insns.c): the number of instructions in the translated block of
 * `size` bytes at guest address addr, as the engine's block hook reports it, read from m's
 * address space; and how many of them come before rip (all of them when rip is outside the
 * block). Decoded once and kept while the bytes stay the same. */
unsigned mmu_block_insns(struct mmu *m, uint64_t addr, uint32_t size);
unsigned mmu_block_insns_before(struct mmu *m, uint64_t addr, uint32_t size, uint64_t rip);
void mmu_block_cache_free(struct cpu *c);

/* Registers of m, in the engine when m is loaded, in its saved context otherwise. */
uint64_t mmu_reg_read(struct mmu *m, int regid);
void mmu_reg_write(struct mmu *m, int regid, uint64_t value);
/* The same for a register wider than 64 bits (x87, XMM): value points at its image. */
void mmu_reg_read_raw(struct mmu *m, int regid, void *value);
void mmu_reg_write_raw(struct mmu *m, int regid, const void *value);

#endif
