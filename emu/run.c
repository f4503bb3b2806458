/*
 * run.c - the emulated machine: RAM, the first process, the run loop that plays the CPU's
 * exception entry (#PF into do_page_fault, traps into signals, syscall into the table) and the
 * return to user mode (signal delivery), and the scheduler that takes the processes in turn
 * (emu/sched.h).
 *
 * The fast path stays inside Unicorn: no code or memory hooks run unless the user asked for
 * an instruction limit (--max-insns; --icount alone counts by block: count_block). The engine
 * leaves uc_emu_start only for a page fault the TLB-fill hook could not resolve, a trap, a syscall
 * that left work for the way back (a signal, rt_sigreturn, parking, execve), or a stop request;
 * `until` is 0 so no hot block is ever dropped at exit (docs/substrate.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu/cred.h"
#include "emu/emu.h"
#include "emu/exec.h"
#include "emu/path.h"
#include "emu/traps.h"
#include "mmu/exception_state.h"
#include "emu/fdtable.h"
#include "emu/guest_ram.h"
#include "emu/posix_locks.h"
#include "emu/printk.h"
#include "emu/ptrace.h"
#include "emu/rseq.h"
#include "emu/sched.h"
#include "emu/seccomp.h"
#include "emu/sysv_ipc.h"
#include "emu/vdso.h"
#include "emu/fasync.h"
#include "emu/signal.h"
#include "emu/host_signals.h"
#include "emu/kthreads.h"
#include "emu/sys_info.h"
#include "emu/task_io.h"
#include "emu/syscall.h"
#include "emu/userfaultfd.h"
#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace.h"
#include "kernel_model/userfaultfd_k.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define FIRST_PID 1000

struct emu_private {
    struct emu pub;
    struct proc_observer obs;
    struct proc *current;
    pthread_t watchdog;
    bool watchdog_running;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool finished;
    volatile int time_up;
    /* The CPU, built twice (mmu/mmu.h): a process runs on `solo` while it is the only runnable
     * one, and on `sliced`, which counts its time slice, while others wait for their turn. */
    struct cpu *solo, *sliced;
    bool sliced_failed;       /* building `sliced` failed once: no time slices this run */
    struct proc *cwd_owner;   /* whose cwd the host's cwd is now (emu/sched.h) */
    struct proc *first;       /* the process faultline started: its status is the run's */
    bool others_ready;        /* at the start of this turn a parked process could go on */
    uint64_t host_recheck_at; /* host_wait_recheck's next poll of parked host files; 0: none */
    bool wake_hint;           /* the syscall being handled made a task runnable (sched_wake_hint) */
    bool wake_pending; /* this turn may have woken a task not yet weighed, or not preempting yet */
    emu_round_hook round_hook; /* the stepping controller (emu/control.c), or NULL */
    void *round_ctx;
    /* Kicks (emu_kick): kick_request is set, and the engine running guest code is stopped at
     * once if it stops precisely (`stoppable`, set by the run loop around each run), else by
     * the block hook of `sliced`, on which processes run while somebody may kick (the round
     * hook, armed timers) when `solo` cannot be stopped that way. */
    bool timer_kicks; /* a timer is armed (emu_set_timer_kicks) */
    atomic_bool kick_request;
    _Atomic(struct cpu *) stoppable;
    unsigned tlb_check_countdown; /* blocks on `sliced` until quantum_tick's next TLB check */
    unsigned tick_left, tick_set; /* quantum_tick's countdown, and where tick_arm set it */
    /* --icount without --max-insns counts by block (count_block): the block running now and
     * its instructions, all already in insns; blk_n 0 once nothing of it can be taken back */
    uint64_t blk_addr;
    uint32_t blk_size;
    unsigned blk_n;
    /* Guest timers (emu/sys_timer.c): the ticker thread stops the engine when the earliest is
     * due; the run loop then fires them. timer_next is guarded by lock. */
    pthread_t ticker;
    bool ticker_running;
    pthread_cond_t tick_cond;
    uint64_t timer_next; /* monotonic ns of the earliest armed timer, 0: none */
    /* the end of the earliest timed wait of a process other than the one running, while that
     * one runs without a time slice (quantum_update); 0: none. Under lock: the ticker clears it
     * when it sets wait_due. wait_next_set: the emulator thread's last setting. */
    uint64_t wait_next, wait_next_set;
    atomic_int wait_due;
    atomic_int timers_due;
    /* an eventfd that emu_request_stop and emu_kick write, from any thread or a signal
     * handler, so that an idle_wait ends at once; -1 if there is none (then it polls) */
    int wake_fd;
};

static struct emu_private *priv(struct emu *e)
{
    return (struct emu_private *)e;
}

static struct cpu *emu_cpu_create(struct emu *e, bool sliced, char *err, size_t errlen);
static void tick_sync(struct emu_private *ep, struct proc *p);
static void wait_next_changed(struct emu_private *ep, uint64_t wake);

bool fatal_signal_pending(struct task_struct *tsk)
{
    if (!tsk)
        return false;
    struct proc *p = task_proc(tsk);
    /* the first process's signal state comes after its exec, whose get_arg_page asks too */
    return p->emu->stop_requested || p->exited ||
           (p->shared && (sigpending_all(p) & sigmask_of(9 /* KILL */)));
}

int security_mmap_addr(struct mm_struct *mm, unsigned long addr)
{
    /* cap_mmap_addr compares with the sysctl itself: vm.mmap_min_addr, the host's at the start
     * of the run, the guest's /proc/sys/vm/mmap_min_addr (mm_tunables.c) */
    if (addr >= dac_mmap_min_addr)
        return 0;
    /* the other LSMs: none in the model, but a host's that refuses faultline what the
     * capability would allow has the guest refused too, as a native run of it would be */
    if (host_refuses_low_maps())
        return -EPERM;
    struct proc *p = mm && mm->owner ? task_proc(mm->owner) : NULL;
    return guest_capable(p, 17 /* CAP_SYS_RAWIO */) ? 0 : -EPERM;
}

int security_vm_enough_memory_mm(struct mm_struct *mm, unsigned long pages)
{
    /* the task charging mm is its owner: the caller of mmap, brk, mprotect, mremap, fork's
     * parent (dup_mmap charges the parent's mm) or shmget's; mm is NULL for none */
    struct proc *p = mm && mm->owner ? task_proc(mm->owner) : NULL;
    return __vm_enough_memory(mm, pages, guest_capable(p, 21 /* CAP_SYS_ADMIN */));
}

unsigned long arch_mmap_min_addr(void)
{
    return dac_mmap_min_addr;
}

/* printk: the console (faultline's stderr) gets the line in full, without its level; the log
 * buffer (emu/printk.c) the record, its text cut at LOG_LINE_MAX as vprintk_store's buffer
 * cuts it. faultline's own notes through this door ("faultline: ... unsupported syscall")
 * are the emulator's, not the emulated kernel's: the console only, so that the guest's dmesg
 * and the log's kernel_log hold what a 4.20 kernel would have printed. */
void arch_printk(const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    const char *line = printk_skip_levels(text);
    fprintf(stderr, "%s\n", line);
    if (strncmp(line, "faultline: ", 11) != 0)
        vprintk_store(0, -1 /* LOGLEVEL_DEFAULT */, text,
                      n < LOG_LINE_MAX ? (size_t)n : LOG_LINE_MAX - 1);
    free(text);
}

struct emu *emu_create(const struct fl_options *opt, char *err, size_t errlen)
{
    struct emu_private *ep = calloc(1, sizeof(*ep));
    if (!ep) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    struct emu *e = &ep->pub;
    e->opt = opt;
    e->ram_bytes = opt->ram_bytes & PAGE_MASK;
    e->ram = guest_ram_create(e->ram_bytes);
    if (!e->ram || mem_init(e->ram, e->ram_bytes)) {
        snprintf(err, errlen, "cannot reserve %llu MiB of guest RAM: %s",
                 (unsigned long long)(e->ram_bytes >> 20), strerror(errno));
        if (e->ram)
            guest_ram_destroy(e->ram, e->ram_bytes);
        free(ep);
        return NULL;
    }
    if (vdso_init()) {
        snprintf(err, errlen, "guest RAM of %llu MiB has no room for the vDSO",
                 (unsigned long long)(e->ram_bytes >> 20));
        mem_exit();
        guest_ram_destroy(e->ram, e->ram_bytes);
        free(ep);
        return NULL;
    }
    fault_around_bytes = opt->fault_around_bytes;
    page_cluster = opt->page_cluster;
    vm_swappiness = opt->swappiness;
    dac_mmap_min_addr = host_mmap_min_addr();
    update_mmap_min_addr();
    sysctl_overcommit_memory = opt->overcommit;
    sysctl_overcommit_ratio = opt->overcommit_ratio;
    sysctl_overcommit_kbytes = 0;
    transparent_hugepage_mode = opt->thp >= 0
                                    ? (enum transparent_hugepage_mode)opt->thp
                                    : hugepage_init_mode(host_transparent_hugepage_mode());
    transparent_hugepage_use_zero_page =
        host_sysctl("/sys/kernel/mm/transparent_hugepage/use_zero_page", 1) != 0;
    major_fault_rule = (enum major_fault_rule)opt->major_faults;
    if (emu_swapon(opt, err, errlen)) {
        mem_exit();
        guest_ram_destroy(e->ram, e->ram_bytes);
        free(ep);
        return NULL;
    }
    if (!(ep->solo = emu_cpu_create(e, false, err, errlen))) {
        swapoff();
        mem_exit();
        guest_ram_destroy(e->ram, e->ram_bytes);
        free(ep);
        return NULL;
    }
    e->next_pid = FIRST_PID;
    pthread_mutex_init(&ep->lock, NULL);
    pthread_cond_init(&ep->cond, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* timer expiries are monotonic times */
    pthread_cond_init(&ep->tick_cond, &ca);
    pthread_condattr_destroy(&ca);
    ep->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (opt->strace_path) {
        e->strace = strcmp(opt->strace_path, "-") ? fopen(opt->strace_path, "w") : stderr;
        if (!e->strace) {
            snprintf(err, errlen, "cannot open the syscall trace %s: %s", opt->strace_path,
                     strerror(errno));
            cpu_destroy(ep->solo);
            swapoff();
            mem_exit();
            guest_ram_destroy(e->ram, e->ram_bytes);
            free(ep);
            return NULL;
        }
    }
    return e;
}

void emu_set_proc_observer(struct emu *e, const struct proc_observer *obs)
{
    priv(e)->obs = *obs;
}

void emu_set_round_hook(struct emu *e, emu_round_hook fn, void *ctx)
{
    priv(e)->round_hook = fn;
    priv(e)->round_ctx = ctx;
}

/* May somebody kick the engine: the round hook's ticker (the TUI), or a timer's? */
static bool kickable(const struct emu_private *ep)
{
    return ep->round_hook || ep->timer_kicks;
}

/* Must kicks go through the block hook of `sliced`: may somebody kick, and would a kick not
 * reach `solo` (mmu/mmu.h, cpu_takes_kicks)? */
static bool kicks_need_hook(const struct emu_private *ep)
{
    return kickable(ep) && !cpu_takes_kicks(ep->solo);
}

/* Kicks starting or ending: the engine stops after the current syscall (from within it, on the
 * emulator thread: a safe stop), and quantum_update moves the process to the engine with the
 * block hook, or back to the one without its cost. */
void emu_set_timer_kicks(struct emu *e, bool armed)
{
    struct emu_private *ep = priv(e);
    bool was = kicks_need_hook(ep);
    ep->timer_kicks = armed;
    if (was != kicks_need_hook(ep) && ep->current && ep->current->mmu)
        uc_emu_stop(ep->current->mmu->uc);
}

/* End an idle_wait now (async-signal-safe). */
static void wake_idle(struct emu_private *ep)
{
    uint64_t one = 1;
    if (ep->wake_fd >= 0 && write(ep->wake_fd, &one, sizeof(one)) < 0) {
        /* only a counter about to overflow refuses: non-zero, it ends the wait all the same */
    }
}

/*
 * Kicks: another thread (a timer's ticker, the TUI's, the CPU-time ticker) or a signal handler
 * (the terminal's Ctrl-C) needs the engine to stop so that the run loop does something now.
 * Unicorn (2.1.1 to 2.1.3) emits an exit check at every block start and, by default, after every
 * guest load and store (check_exit_request in qemu/tcg/tcg-op.c); cpu_tb_exec resumes a block
 * left at one of the latter from its first instruction (synchronize_from_tb) with the registers,
 * memory and lazy flags of its middle: the instructions before the check run twice. So a
 * uc_emu_stop from another thread that lands inside a block with memory accesses corrupts the
 * guest (seen as a SIGTRAP in glibc's memcpy and Python crashing under a 5 ms ITIMER_REAL;
 * tests/engine, async_stop_reexecutes, shows it on a bare engine).
 *
 * Where Unicorn lets the checks be at block starts only (mmu/exit_checks.c), `solo` has them
 * there, and a kick stops it directly: at the next block start, with nothing of that block run
 * (tests/engine, block_start_checks_make_async_stop_exact). That is `stoppable`, which the run
 * loop sets around each run on such an engine. A stop that lands while uc_emu_start begins is
 * lost in it (uc_emu_start clears the request): the kick stays in kick_request, and the CPU-time
 * ticker stops the engine again at its next tick (emu_kick_again).
 *
 * An engine with a hook that stops it in the middle of a block or before a block runs
 * (--icount's, --max-insns', the stepping controller's, hardware breakpoints') keeps the checks
 * after every access (mmu.h, cpu_hold_exit_checks), and a kick only sets kick_request: that hook
 * finds it (emu_kick_take) and stops the engine there, on the emulator thread, as the time
 * slice's block hook (quantum_tick) does. The time slice's own stop needs no such check: it lands
 * at the next block start, a fixed one block later. Where the engine cannot have its checks at
 * block starts only and no such hook is installed, processes run on `sliced` while kicks can come
 * (kicks_need_hook), paying its block hook on every block.
 * Not a way out: a host signal that flushes the TLB on the emulator thread, so that the guest's
 * next load or store misses and the TLB-fill hook stops it precisely, as a page fault does. A
 * flush may resize the TLB (tlb_mmu_resize_locked frees the table) under the interrupted block,
 * which holds the table's address in a register, and a loop without loads or stores never
 * misses.
 * Unicorn 2.1.4 stops precisely after a load or store (the check became a helper that restores
 * the state: tests/engine's async_stop_reexecutes fails there, as it is meant to), but that
 * helper call after every load and store makes the engine 2x slower on CPU-bound code (measured
 * 2026-12-06 with Debian sid's 2.1.4-4: bench_cpu_loop 200 1.96-2.87 s against 0.90-1.54,
 * busybox sha256sum of 64 MiB 2.24 against 1.06); the same switch leaves it out there too.
 */
void emu_kick(struct emu *e)
{
    struct emu_private *ep = priv(e);
    atomic_store(&ep->kick_request, true);
    struct cpu *c = atomic_load(&ep->stoppable);
    if (c)
        uc_emu_stop(c->uc);
    wake_idle(ep);
}

bool emu_kick_take(struct emu *e)
{
    struct emu_private *ep = priv(e);
    return atomic_load_explicit(&ep->kick_request, memory_order_relaxed) &&
           atomic_exchange(&ep->kick_request, false);
}

void emu_kick_again(struct emu *e)
{
    struct emu_private *ep = priv(e);
    struct cpu *c = atomic_load(&ep->stoppable);
    if (c && atomic_load(&ep->kick_request))
        uc_emu_stop(c->uc);
}

static void count_insn(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    struct emu *e = ud;
    (void)addr;
    (void)size;
    if (emu_kick_take(e)) { /* stop before this one, uncounted: it is counted when it runs */
        uc_emu_stop(uc);
        return;
    }
    /* The hook runs before each instruction: the one that reaches the limit still executes,
     * and the engine stops after it. */
    if (++e->insns >= e->opt->max_insns && e->opt->max_insns) {
        priv(e)->time_up = 2;
        emu_request_stop(e);
    }
}

static uint64_t icount_source(void *ctx)
{
    return ((struct emu *)ctx)->insns;
}

/*
 * --icount alone counts by block, not with a hook before every instruction (15x slower): at the
 * start of each block its instructions go into insns at once (mmu_block_insns), and when the
 * engine stops inside it (a page fault, a trap, a step, a stop at its start) icount_settle takes
 * back those that did not run, from where RIP stopped. So insns is exact whenever the engine is
 * stopped, which is when a fault is logged; inside a syscall (kernel-mode faults) it counts the
 * syscall instruction too, as the hook before every instruction did. A syscall ends its block:
 * nothing of it can be taken back after (blk_n 0), whatever RIP the engine stops at (execve's
 * new entry point, a signal handler). A stop the time slice makes at a block start
 * (quantum_tick, after this in count_block_and_tick) or for a kick takes the block back whole:
 * RIP is at its first instruction.
 */
static inline void count_block_insns(struct emu_private *ep, uint64_t addr, uint32_t size)
{
    /* stored before the call, so that only ep lives across it: this runs at every block */
    ep->blk_addr = addr;
    ep->blk_size = size;
    ep->blk_n = mmu_block_insns(ep->current->mmu, addr, size);
    ep->pub.insns += ep->blk_n;
}

static void count_block(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    count_block_insns(priv(ud), addr, size);
    if (emu_kick_take(ud))
        uc_emu_stop(uc);
}

/* After uc_emu_start returned: take back the instructions of the block count_block counted that
 * did not run, those from RIP on. Leaves nothing to take back (blk_n 0). */
static void icount_settle(struct emu_private *ep, struct proc *p)
{
    if (!ep->blk_n)
        return;
    uint64_t rip = mmu_reg_read(p->mmu, UC_X86_REG_RIP);
    unsigned ran = mmu_block_insns_before(p->mmu, ep->blk_addr, ep->blk_size, rip);
    /* a block that rewrote its own bytes may decode to more instructions now */
    ep->pub.insns -= ep->blk_n - (ran < ep->blk_n ? ran : ep->blk_n);
    ep->blk_n = 0;
}

/* The time slice, in translated blocks executed (a few milliseconds of guest code). Counting
 * blocks rather than time keeps the interleaving, and so the fault log, deterministic. */
#define QUANTUM_BLOCKS 1000000

/*
 * Wake-up preemption (emu/sched.h), CFS's check_preempt_wakeup with place_entity's sleeper
 * credit, in units that do not depend on the host: a task's vruntime counts the translated
 * blocks it runs while its slice is armed (quantum_tick) and SYSCALL_VRUNTIME a syscall (a lone
 * task runs without the block hook, so its syscalls are what can be counted). A woken task
 * keeps at most WAKEUP_CREDIT of lag behind the task that wakes it, so a long sleep earns no
 * more than that (Linux: half of sched_latency), and it takes the CPU when the waker is more
 * than WAKEUP_GRAN ahead (sysctl_sched_wakeup_granularity, a third of that). A task that runs
 * more than those it wakes (a loop of kills) so hands them the CPU; two that use about as much
 * keep the turns they have. Unlike Linux, the waker is not preempted before it has run
 * WAKEUP_MIN_RUN of its turn (about 32 syscalls): a switch of tasks costs the emulator some
 * 20 us (the engine stops, the TLB refills), and a pipe writer preempted at every write of 512
 * bytes (as on a one-CPU Linux) ran at a third of its throughput.
 */
#define SYSCALL_VRUNTIME 64
#define WAKEUP_CREDIT    (QUANTUM_BLOCKS / 2)
#define WAKEUP_GRAN      (QUANTUM_BLOCKS / 6)
#define WAKEUP_MIN_RUN   (32 * SYSCALL_VRUNTIME)

/* After running p's syscall: weigh each task it has made runnable against p, once a wake. The
 * woken task's readiness is its wait's condition without the clock (proc_cond_ready), so the
 * decision depends on what the guests did only. */
static void wakeup_preempt(struct emu_private *ep, struct proc *p)
{
    bool deferred = false;
    for (struct proc *q = ep->pub.procs; q; q = q->next) {
        if (q == p || q->exited || q->stopped || q->traced || q->wake_state == WAKE_DECIDED)
            continue;
        if (q->wake_state == WAKE_NONE) {
            bool woken = q->wait == WAIT_NONE    ? q->continued
                         : q->wait == WAIT_VFORK ? false
                                                 : q->interrupted || proc_cond_ready(q);
            if (!woken)
                continue;
            uint64_t floor = p->vruntime > WAKEUP_CREDIT ? p->vruntime - WAKEUP_CREDIT : 0;
            if (q->vruntime < floor)
                q->vruntime = floor;
        }
        if (p->vruntime > q->vruntime + WAKEUP_GRAN) {
            q->wake_state = WAKE_DECIDED;
            p->preempted = true;
        } else {
            /* Asked again at p's next syscalls, as its vruntime grows (Linux's tick would
             * preempt p once it is ahead by more than a slice), without stopping the engine now
             * to arm p's slice: p would move to the engine with the slice's hook, where its
             * code is translated anew (a pipe writer lost 30% of its throughput, a dash
             * pipeline 15% of its time). A p that computes on without a syscall keeps the CPU
             * until its engine stops for something else, as it did before wake-ups were
             * weighed. */
            q->wake_state = WAKE_DEFERRED;
            deferred = true;
        }
    }
    ep->wake_pending = deferred && !p->preempted;
}

void sched_wake_hint(struct proc *q)
{
    priv(q->emu)->wake_hint = true;
}

static void hook_syscall(uc_engine *uc, void *ud)
{
    struct proc *p = priv(ud)->current;
    priv(ud)->blk_n = 0; /* its block has run to this, its last instruction (count_block) */
    static const int ids[7] = {UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
                               UC_X86_REG_R10, UC_X86_REG_R8,  UC_X86_REG_R9};
    uint64_t v[7];
    void *ptrs[7];
    for (int i = 0; i < 7; i++)
        ptrs[i] = &v[i];
    uc_reg_read_batch(uc, (int *)ids, ptrs, 7);
    /* a tracee's syscall-entry stop (or PTRACE_EVENT_EXIT) comes before the call, which runs
     * once the tracer resumes it (emu/ptrace.h): the tracer sees rax = -ENOSYS meanwhile */
    if (ptrace_syscall_enter(p, v[0], v[1])) {
        uint64_t enosys = (uint64_t)-ENOSYS;
        uc_reg_write(uc, UC_X86_REG_RAX, &enosys);
        uc_emu_stop(uc);
        return;
    }
    cpu_set_cpl(0);
    tick_sync(priv(ud), p); /* p's vruntime, for the wake-ups below and a fork's child */
    priv(ud)->wake_hint = false;
    long ret = do_syscall(p, v[0], &v[1]);
    cpu_set_cpl(3);
    p->vruntime += SYSCALL_VRUNTIME;
    const struct syscall_desc *sd = syscall_lookup(v[0]);
    if (priv(ud)->wake_hint || (sd && sd->may_wake)) /* then every parked task is looked at */
        priv(ud)->wake_pending = true;
    /* before its minimum run p cannot be preempted: the woken are looked at once it is done
     * (a ping-pong over a pipe parks before that, and pays for no look at all) */
    if (priv(ud)->wake_pending && !p->exited && p->wait == WAIT_NONE && !p->preempted &&
        p->vruntime - p->turn_vruntime >= WAKEUP_MIN_RUN)
        wakeup_preempt(priv(ud), p);
    /* A host call (a read of the terminal) cut short by faultline's handler for a host signal
     * on its way to the guest: Linux's tty read would return -ERESTARTSYS, so the call is
     * rewound like a parked one and the signal's action decides between a restart and EINTR. */
    if (ret == -EINTR && p->wait == WAIT_NONE && host_signals_pending(p->emu)) {
        p->tty_restart = true;
        ret = (long)v[0];
    }
    if (sd && sd->ioac && !p->tty_restart && !(p->wait != WAIT_NONE && p->park_restart))
        task_io_account_syscall(p, sd, ret); /* completed: not parked to run again */
    ptrace_syscall_exit(p, p->tty_restart || (p->wait != WAIT_NONE && p->park_restart));
    kthreads_run_due(); /* khugepaged, when due: at once after a call that woke it */
    /* Signal work (a deliverable signal, rt_sigreturn, a group stop that another thread's
     * kill started), parking (emu/sched.h) and a finished execve (the registers start
     * afresh) need the engine stopped after the syscall instruction: the run loop does them
     * on the way back. */
    if (p->exited || p->stopped || p->pt_pending || p->emu->stop_requested ||
        p->sigreturn_pending || fl_signal_pending(p) || p->wait != WAIT_NONE || p->exec_pending ||
        p->preempted || p->need_resched || p->tty_restart || host_signals_pending(p->emu) ||
        rseq_notify_pending(p)) {
        uc_emu_stop(uc);
        if (p->exited)
            return;
        if (p->wait != WAIT_NONE && p->park_restart)
            ret = (long)v[0]; /* rax = the syscall number again: the run loop rewinds rip */
    }
    uint64_t r = (uint64_t)ret;
    uc_reg_write(uc, UC_X86_REG_RAX, &r);
}

/* How often the sliced engine's block hook has its TLB checked (cpu_tlb_check): tens of
 * milliseconds of guest code. */
#define TLB_CHECK_BLOCKS (1u << 20)

/*
 * The sliced engine's block hook runs at every block, which is a few nanoseconds of guest code
 * (busybox sha256sum runs 2.4 blocks a byte), so it does one thing: count down tick_left, the
 * blocks until it has something to do, the slice's end or the TLB check, whichever is first.
 * The blocks it counted go into the slice, the TLB check's countdown and p's vruntime at
 * tick_sync: before a syscall reads vruntime, after the engine stops, and when tick_left
 * reaches 0. Two busybox sha256sum of 64 MiB side by side took 2.4 s with a hook that kept all
 * three per block, 1.7 s one after the other.
 */
static void tick_arm(struct emu_private *ep, struct proc *p)
{
    unsigned n = ep->tlb_check_countdown;
    if (p->slice_armed && p->quantum_left && p->quantum_left < n)
        n = (unsigned)p->quantum_left;
    ep->tick_left = ep->tick_set = n;
}

/* Charge the blocks counted since tick_arm or the last tick_sync. Only tick_expired finds the
 * countdowns at 0: the block hook calls it as soon as tick_left is. */
static void tick_sync(struct emu_private *ep, struct proc *p)
{
    unsigned ran = ep->tick_set - ep->tick_left;
    ep->tick_set = ep->tick_left;
    ep->tlb_check_countdown -= ran;
    if (p->slice_armed) {
        p->vruntime += ran;
        p->quantum_left -= ran;
    }
}

/* tick_left has reached 0: the TLB check, the slice's end, or both. */
static void tick_expired(uc_engine *uc, struct emu_private *ep)
{
    struct proc *p = ep->current;
    tick_sync(ep, p);
    if (ep->tlb_check_countdown == 0) {
        ep->tlb_check_countdown = TLB_CHECK_BLOCKS;
        cpu_tlb_check(ep->sliced);
    }
    if (p->slice_armed && p->quantum_left == 0) {
        p->preempted = true;
        uc_emu_stop(uc);
    }
    tick_arm(ep, p);
}

/* The sliced engine's block hook where a kick stops the engine without it (cpu_takes_kicks). */
static void quantum_tick(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    struct emu_private *ep = ud;
    (void)addr;
    (void)size;
    if (--ep->tick_left == 0)
        tick_expired(uc, ep);
}

/* ... and where only this hook can take a kick (kicks_need_hook: `solo` has no block-start stop
 * checks, so neither has `sliced`). */
static void quantum_tick_kicks(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    if (emu_kick_take(ud)) {
        uc_emu_stop(uc);
        return;
    }
    quantum_tick(uc, addr, size, ud);
}

/* The sliced engine's block hook under --icount: both in one. Unicorn 2.1 calls a block hook
 * that is alone of its kind straight from translated code, but two through a loop over its hook
 * list (helper_uc_tracecode): busybox sha256sum of 64 MiB under coreutils timeout took 3.7 s
 * with the two hooks and 1.6 s without --icount. */
static void count_block_and_tick(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    count_block_insns(priv(ud), addr, size);
    quantum_tick_kicks(uc, addr, size, ud);
}

/* Is a process other than p ready to run now (not parked), or about to be: woken from a futex
 * wait or by a signal (a kill from p during its turn: proc_signal_wake), a vfork parent whose
 * child has exec'd or exited during p's turn? The earliest end of the others' timed waits goes
 * to *wake (0: none). */
static bool another_ready(struct emu *e, struct proc *p, uint64_t *wake)
{
    *wake = 0;
    for (struct proc *q = e->procs; q; q = q->next) {
        if (q == p || q->exited || q->stopped || q->traced)
            continue;
        if (q->wait == WAIT_NONE || q->interrupted || q->futex_woken ||
            (q->wait == WAIT_VFORK && !q->vfork_child))
            return true;
        if (q->wait_deadline && (!*wake || q->wait_deadline < *wake))
            *wake = q->wait_deadline;
    }
    return false;
}

/* another_ready, or in a timed wait that the clock will end? Then p's turn must have an end. */
static bool another_runnable(struct emu *e, struct proc *p)
{
    uint64_t wake;
    return another_ready(e, p, &wake) || wake;
}

static bool parked_ready(struct emu *e, struct proc *p);

/* How often a process parked on a host file is asked about while another computes: Linux's
 * wake-up is the file's own (a timerfd expiring, a terminal's input, an outside peer); here
 * the file is polled, every tick of a HZ=100 kernel. */
#define HOST_WAIT_RECHECK_NS 10000000ull

/* Does parked q wait on a host file that may become ready by itself, without any guest's doing
 * (a timerfd, a terminal, a host pipe or socket: read, write, poll, epoll)? Not a guest pipe:
 * only a guest ends that wait, and asking about it by the clock would make the schedule, and so
 * the fault log, depend on time (processes-determinism). */
static bool waits_on_host(struct proc *q)
{
    if (q->wait == WAIT_POLL)
        return q->wait_external;
    if (q->wait != WAIT_FD_READ && q->wait != WAIT_FD_WRITE)
        return false;
    struct ofd *o = q->files ? fd_get(q->files, q->wait_arg) : NULL;
    return o && o->external;
}

/* While another process waits on a host file (waits_on_host), when should p's turn be
 * interrupted to ask? 0: nobody waits so. Kept while still ahead, so that the ticker is not
 * re-armed at every engine entry. */
static uint64_t host_wait_recheck(struct emu_private *ep, struct proc *p)
{
    bool waiting = false;
    for (struct proc *q = ep->pub.procs; q && !waiting; q = q->next)
        waiting = q != p && !q->exited && !q->stopped && !q->traced && waits_on_host(q);
    if (!waiting)
        return ep->host_recheck_at = 0;
    uint64_t now = monotonic_ns();
    if (ep->host_recheck_at <= now)
        ep->host_recheck_at = now + HOST_WAIT_RECHECK_NS;
    return ep->host_recheck_at;
}

bool sched_others_runnable(struct proc *p)
{
    /* also a parked process whose condition now holds (a child of its stopped, continued or
     * exited during p's turn): Linux's wake-up made it runnable, and a yield lets it run */
    return another_runnable(p->emu, p) || parked_ready(p->emu, p);
}

/*
 * Could a parked process other than p go on now (its pipe has data, its child has exited)? Asked
 * once as p's turn starts (it polls host fds): during the turn only p runs, so a process that
 * cannot go on now cannot be helped by anyone else before p's turn ends, but by the host: a
 * file that becomes ready by itself is asked about again every HOST_WAIT_RECHECK_NS
 * (host_wait_recheck). If one can, p's turn must have an end, or a p that never parks (a busy
 * poll loop) would keep it waiting forever.
 */
static bool parked_ready(struct emu *e, struct proc *p)
{
    for (struct proc *q = e->procs; q; q = q->next)
        if (q != p && !q->exited && !q->stopped && !q->traced && q->wait != WAIT_NONE &&
            (q->interrupted || proc_ready(q)))
            return true;
    return false;
}

bool emu_build_sliced(struct emu *e, struct proc *p)
{
    struct emu_private *ep = priv(e);
    if (ep->sliced || ep->sliced_failed)
        return ep->sliced != NULL;
    char err[256];
    /* building an engine (Unicorn's own set-up, milliseconds) is faultline's work, not p's: it
     * stays out of p's CPU time and its CPU timers */
    account_switch_out(p);
    ep->sliced = emu_cpu_create(e, true, err, sizeof(err));
    ep->tlb_check_countdown = TLB_CHECK_BLOCKS;
    account_switch_in(p);
    cpu_timers_publish(p);
    if (!ep->sliced) {
        ep->sliced_failed = true;
        arch_printk("faultline: no time slices, and timers stop a computing process only at "
                    "its next syscall or fault: %s",
                    err);
    }
    return ep->sliced != NULL;
}

/*
 * Arm the time slice while another process could run, disarm it when p is alone. The block hook
 * costs on every block, so a lone process (and the fast path) never carries it unless kicks can
 * come (see emu_kick). Translated code carries the hook call in it, so adding or removing the
 * hook would mean dropping code that every process shares; instead p moves to the engine built
 * with the hook (created the first time it is needed), and back.
 */
static void quantum_update(struct emu *e, struct proc *p)
{
    struct emu_private *ep = priv(e);
    uint64_t wake;
    bool want = ep->others_ready || another_ready(e, p, &wake);
    uint64_t recheck = host_wait_recheck(ep, p); /* a time to poll their files, as a wait's end */
    if (recheck && (!wake || recheck < wake))
        wake = recheck;
    /* Others only in timed waits: where a kick reaches `solo`, the ticker kicks it when the
     * first wait ends (wait_next_changed) and the run loop makes way then; no slice till then. */
    if (!want && wake && !cpu_takes_kicks(ep->solo))
        want = true;
    wait_next_changed(ep, want ? 0 : wake);
    bool hooked = want || kicks_need_hook(ep);
    if (hooked && !emu_build_sliced(e, p))
        want = hooked = false;
    if (want && !p->slice_armed)
        p->quantum_left = QUANTUM_BLOCKS;
    p->slice_armed = want;
    mmu_load(p->mmu, hooked ? ep->sliced : ep->solo);
}

/* CPU exceptions other than #PF reach us as interrupts: turn them into the signal Linux sends. */
static void hook_intr(uc_engine *uc, uint32_t intno, void *ud)
{
    struct proc *p = priv(ud)->current;
    p->pending_trap = (int)intno;
    uc_emu_stop(uc);
}

/*
 * The program a run starts with, as execve finds it: a #! script's interpreter (nested at most
 * BINPRM_MAX_RECURSION + 1 deep), with the script's path among its arguments. 0 with the ELF file
 * to load in prog and its argv in *argv_out (strv_free it); -1 with a one-line reason in err
 * otherwise, and errno ENOENT when an interpreter does not exist (what a shell exits 127 for).
 */
static int resolve_first_program(const char *path, char *const argv[], char *prog, size_t proglen,
                                 char ***argv_out, char *err, size_t errlen)
{
    char **args = strv_dup(argv);
    int why = ENOEXEC;
    snprintf(prog, proglen, "%s", path);
    for (int depth = 0;; depth++) {
        char interp[PATH_MAX], **nargv = NULL;
        int s = load_script(prog, prog, args, &nargv, interp, sizeof(interp));
        if (s == 0)
            break;
        strv_free(args);
        args = nargv;
        if (s < 0) {
            snprintf(err, errlen, "%s",
                     s == -ENOEXEC ? "its #! line names no interpreter" : strerror(-s));
        } else if (access(interp, F_OK)) { /* load_script opens it before the depth check */
            why = errno;
            snprintf(err, errlen, "bad interpreter %s: %s", interp, strerror(why));
        } else if (depth == BINPRM_MAX_RECURSION + 1) { /* as in emu/sys_process.c's execve */
            snprintf(err, errlen, "more than %d levels of #! interpreters",
                     BINPRM_MAX_RECURSION + 1);
        } else {
            snprintf(prog, proglen, "%s", interp);
            continue;
        }
        strv_free(args);
        errno = why;
        return -1;
    }
    char reason[400];
    if (elf_check_file(prog, reason, sizeof(reason))) {
        if (strcmp(prog, path))
            snprintf(err, errlen, "interpreter %s: %s", prog, reason);
        else
            snprintf(err, errlen, "%s", reason);
        strv_free(args);
        errno = ENOEXEC;
        return -1;
    }
    *argv_out = args;
    return 0;
}

struct proc *emu_spawn(struct emu *e, const char *path, char *const argv[], char *const envp[],
                       char *err, size_t errlen)
{
    struct exec_image img;
    char prog[PATH_MAX], **args;
    if (resolve_first_program(path, argv, prog, sizeof(prog), &args, err, errlen))
        return NULL;
    struct proc *p = calloc(1, sizeof(*p));
    p->emu = e;
    p->start_boottime = boottime_ns();
    p->task.pid = p->task.tgid = e->next_pid++;
    p->fs_id = p->sighand_id = p->task.pid;
    p->ppid = getpid();
    const char *base = strrchr(path, '/'); /* begin_new_exec: the script's name, if a script */
    snprintf(p->task.comm, sizeof(p->task.comm), "%s", base ? base + 1 : path);
    p->task.rlimit_stack = 8UL << 20;
    errno = 0;
    int host_nice = getpriority(PRIO_PROCESS, 0); /* the guest starts at faultline's own */
    p->nice = errno ? 0 : host_nice;
    /* oom_score_adj: faultline's own, as a child inherits it; the host shows no
     * oom_score_adj_min, taken as 0 (init's) or the value when that is below 0 */
    FILE *adj = fopen("/proc/self/oom_score_adj", "re");
    int host_adj = 0;
    if (!adj || fscanf(adj, "%d", &host_adj) != 1 || host_adj < -1000 || host_adj > 1000)
        host_adj = 0;
    if (adj)
        fclose(adj);
    p->task.oom_score_adj = (short)host_adj;
    p->task.oom_score_adj_min = (short)(host_adj < 0 ? host_adj : 0);
    p->cwd_fd = -1;
    p->umask = umask(022); /* the guest starts with faultline's own */
    umask(p->umask);
    p->exit_signal = 17; /* SIGCHLD: faultline is its parent, which ignores it */
    /* faultline's own timer slack and machine-check policy, as execve keeps them */
    int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), mce = prctl(PR_MCE_KILL_GET, 0, 0, 0, 0);
    p->timer_slack_ns = p->default_timer_slack_ns = slack > 0 ? (uint64_t)slack : 50000;
    p->mce_process = mce == PR_MCE_KILL_EARLY || mce == PR_MCE_KILL_LATE;
    p->mce_early = mce == PR_MCE_KILL_EARLY;
    /* faultline's own ignored signals and signal mask, as execve keeps them */
    uint64_t ignored;
    host_signals_inherited(&ignored, &p->blocked);
    for (int sig = 1; sig <= FL_NSIG; sig++)
        if (ignored & sigmask_of(sig))
            p->sighand[sig].handler = FL_SIG_IGN;
    p->task.mm = mm_alloc();
    if (p->task.mm)
        p->task.mm->owner = &p->task;
    p->mmu = p->task.mm ? proc_new_mmu(p) : NULL;
    int tsc = PR_TSC_ENABLE;
    if (p->mmu && prctl(PR_GET_TSC, &tsc, 0, 0, 0) == 0 && tsc == PR_TSC_SIGSEGV)
        mmu_set_tsc_disabled(p->mmu, true); /* faultline's own TSC mode, as execve keeps it */
    if (!p->mmu) {
        snprintf(err, errlen,
                 p->task.mm ? "out of memory" : "guest RAM too small for an address space");
        mmput(p->task.mm);
        free(p);
        strv_free(args);
        errno = ENOEXEC;
        return NULL;
    }
    p->files = fdtable_new_stdio();
    proc_set_exe(p, prog);
    p->argv = args;
    /* faultline's execve of it: a set-id program starts with its owner's or group's ids (as
     * when faultline's user runs it natively) */
    struct exec_cred bcred;
    long cr = cred_prepare_exec(p, prog, &bcred);
    if (cr)
        snprintf(err, errlen, "%s", strerror((int)-cr));
    if (cr || exec_load(p, prog, args, envp, &bcred, &img, err, errlen)) {
        mmu_destroy(p->mmu);
        mmput(p->task.mm);
        fdtable_free(p->files);
        strv_free(p->argv);
        proc_exe_put(p);
        free(p->exe);
        free(p);
        errno = cr ? (int)-cr : ENOEXEC;
        return NULL;
    }
    cred_exec(p, &bcred, false);
    p->shared = shared_pending_new();
    guest_rlimits_init(p);
    p->task.rlim = p->shared->rlim; /* none for its first exec, before there was a group */
    p->acct = group_acct_new();
    mmu_reg_write(p->mmu, UC_X86_REG_RIP, img.entry);
    mmu_reg_write(p->mmu, UC_X86_REG_RSP, img.stack_ptr);
    p->next = e->procs;
    e->procs = p;
    p->pgid = guest_pgrp(p); /* fixed now: it must not follow whichever pid is lowest later */
    if (!priv(e)->first)
        priv(e)->first = p;
    proc_notify_start(p);
    return p;
}

/* An engine with the run loop's hooks, which find the process they act for in ep->current;
 * `sliced` adds the time slice's block hook. */
/* the engine's own request to be stopped (mmu/mmu.c, frame_write_allowed) */
static void cpu_kick(void *e)
{
    emu_kick(e);
}

static struct cpu *emu_cpu_create(struct emu *e, bool sliced, char *err, size_t errlen)
{
    /* the syscall hook goes in first, ahead of the I/O instructions' (cpu_create) */
    struct cpu *c = cpu_create(e->ram, e->ram_bytes, e->opt->code_cache_bytes, e->opt->cpu_model,
                               hook_syscall, e, err, errlen);
    if (!c)
        return NULL;
    c->kick = cpu_kick;
    c->kick_arg = e;
    uc_hook h;
    uc_err r = uc_hook_add(c->uc, &h, UC_HOOK_INTR, (void *)hook_intr, e, 1, 0);
    /* --max-insns stops after exactly that many instructions: a hook before each */
    bool by_block = e->opt->icount && !e->opt->max_insns;
    /* --max-insns' hook stops the engine before an instruction, --icount's at a block start
     * before the block runs (its count relies on that: icount_settle); both need the checks
     * after every hook, and both take kicks. The time slice's stop may come one block later (at
     * the next block start: still exact, still after a fixed number of blocks). */
    if (by_block || e->opt->max_insns)
        cpu_hold_exit_checks(c, true);
    if (r == UC_ERR_OK && (by_block || sliced))
        r = uc_hook_add(c->uc, &h, UC_HOOK_BLOCK,
                        by_block && sliced   ? (void *)count_block_and_tick
                        : by_block           ? (void *)count_block
                        : cpu_takes_kicks(c) ? (void *)quantum_tick
                                             : (void *)quantum_tick_kicks,
                        e, 1, 0);
    if (r == UC_ERR_OK && e->opt->max_insns)
        r = uc_hook_add(c->uc, &h, UC_HOOK_CODE, (void *)count_insn, e, 1, 0);
    if (e->opt->max_insns || e->opt->icount) {
        trace_icount_source = icount_source;
        trace_icount_ctx = e;
    }
    if (r != UC_ERR_OK) {
        snprintf(err, errlen, "cannot set up the CPU engine: %s", uc_strerror(r));
        cpu_destroy(c);
        return NULL;
    }
    return c;
}

struct mmu *proc_new_mmu(struct proc *p)
{
    struct mmu *m = mmu_create(priv(p->emu)->solo);
    if (m)
        mmu_attach(m, &p->task);
    return m;
}

void proc_notify_start(struct proc *p)
{
    struct emu_private *ep = priv(p->emu);
    if (ep->obs.on_start)
        ep->obs.on_start(ep->obs.ctx, p);
}

void proc_exit(struct proc *p, int exit_code, int term_sig)
{
    if (p->exited)
        return;
    p->exited = true;
    p->exit_code = exit_code & 0xff;
    p->term_sig = term_sig;
    /* The engine may be running p, inside a hook: stop it; the run loop releases p after. */
    if (p->mmu && priv(p->emu)->current == p)
        uc_emu_stop(p->mmu->uc);
}

/* p's park ends (it is picked, a signal comes first, it dies). A fault that waited for a
 * userfaultfd leaves the context's lists (and counts as major). */
static void wait_over(struct proc *p)
{
    if (p->wait == WAIT_UFFD)
        userfaultfd_sync(userfaultfd_wait_done(&p->task));
    p->wait = WAIT_NONE;
}

/*
 * exit_mm and the rest of do_exit, once the engine is no longer running: tear the address space
 * down now (writing back dirty shared file pages, so host files are complete before faultline
 * exits), close the files, and tell the observers.
 */
static void proc_release(struct proc *p)
{
    struct emu *e = p->emu;
    if (!p->mmu)
        return;
    /* exit_mm_release: the robust futexes it holds go to their waiters first, then the
     * CLONE_CHILD_CLEARTID word (pthread_join), as Linux orders them */
    futex_exit_release(p);
    thread_mm_release(p);
    flush_ptrace_hw_breakpoint(p); /* exit_thread */
    mmu_destroy(p->mmu);
    p->mmu = NULL;
    account_mm_hiwater(p, p->task.mm); /* the peak outlives the mm: getrusage, the parent's wait */
    mm_update_next_owner(p, p->task.mm);
    mmput(p->task.mm);
    p->task.mm = NULL;
    proc_exe_put(p); /* /proc/PID/exe goes with the mm (get_task_exe_file) */
    /* the last task of its thread group: the process's record locks go */
    bool group_left = false;
    for (struct proc *q = e->procs; q && !group_left; q = q->next)
        group_left = q != p && q->mmu && q->task.tgid == p->task.tgid;
    sysv_wait_cancel(p);      /* killed while parked in a semop or msgrcv */
    if (p->wait == WAIT_UFFD) /* killed while its fault waited for a userfaultfd */
        wait_over(p);
    if (!group_left) {
        posix_locks_exit(p);
        sem_exit(p);
    }
    fdtable_free(p->files);
    p->files = NULL;
    if (p->fifo_fd) /* parked in a FIFO open when it died */
        close(p->fifo_fd - 1);
    p->fifo_fd = 0;
    account_thread_exit(p);
    timers_exit(p);
    if (priv(e)->obs.on_exit)
        priv(e)->obs.on_exit(priv(e)->obs.ctx, p);
    if (e->strace)
        strace_exit(p);
    exit_notify(p);
}

/* The #PF entry: the TLB-fill hook stopped the engine on an access it could not allow. */
static void handle_trap(struct proc *p, bool from_engine);

static void handle_page_fault(struct proc *p)
{
    struct mmu *m = p->mmu;
    struct pt_regs regs = {
        .ip = mmu_reg_read(m, UC_X86_REG_RIP),
        .sp = mmu_reg_read(m, UC_X86_REG_RSP),
        .user_mode = true,
    };
    struct fault_result res;
    m->fault_pending = false;
    /* A non-canonical address (bits 63-47 not all equal) is no page fault: the CPU raises #GP
     * for it, which do_general_protection makes a SIGSEGV with SI_KERNEL and no address; or,
     * for an access through the stack segment (push, pop, call, ret, an operand based on RSP
     * or RBP), #SS, which do_stack_segment makes a SIGBUS with SI_KERNEL. */
    if ((uint64_t)((int64_t)(m->fault_addr << 16) >> 16) != m->fault_addr) {
        bool ss = !(m->fault_error & X86_PF_INSTR) &&
                  mmu_access_is_stack(m, regs.ip, m->fault_addr & PAGE_MASK);
        p->pending_trap = ss ? 12 : 13;
        handle_trap(p, false);
        return;
    }
    bool rmw;
    uint64_t addr = mmu_exact_fault_addr(m, regs.ip, m->fault_addr & PAGE_MASK,
                                         m->fault_error & X86_PF_INSTR, &rmw);
    /* a read-modify-write instruction faults as a write on the CPU (fault_addr.c) */
    unsigned error = rmw ? m->fault_error | X86_PF_WRITE : m->fault_error;
    do_page_fault(&p->task, &regs, error, addr, &res);
    switch (res.outcome) {
    case FAULT_OK:
        return;
    case FAULT_WAIT: /* handle_userfault: sleep; rip stays at the access, made again after */
        proc_park(p, WAIT_UFFD, 0, false);
        userfaultfd_sync(p->task.uffd_wait->ctx);
        return;
    case FAULT_SIGNAL:
        force_sig_fault(p, res.signo, res.si_code, res.fault_addr, &regs, res.error_code);
        return;
    case FAULT_FIXUP: /* cannot happen for a user access; treat like a kill */
    case FAULT_KILL:
        proc_exit(p, 0, res.signo ? res.signo : FL_SIGKILL);
        return;
    }
}

/* from_engine: the engine raised it (not faultline's own #GP or debug trap), so it may be an
 * `int N` to turn into what the CPU does (emu/traps.c) */
static void handle_trap(struct proc *p, bool from_engine)
{
    int intno = p->pending_trap;
    p->orig_rax = (uint64_t)-1; /* an exception, not a syscall (what a tracer reads) */
    p->pending_trap = -1;
    mmu_exception_taken(p->mmu); /* delivered: the next one is not a double fault */
    uint64_t rip = mmu_reg_read(p->mmu, UC_X86_REG_RIP);
    struct trap t = {.intno = intno, .ip = rip};
    struct engine_exception x;
    if (from_engine)
        trap_fixup(p, &t, mmu_exception_info(p->mmu, &x) ? &x : NULL);
    if (t.ip != rip)
        mmu_reg_write(p->mmu, UC_X86_REG_RIP, t.ip);
    struct pt_regs regs = {
        .ip = t.ip,
        .sp = mmu_reg_read(p->mmu, UC_X86_REG_RSP),
        .user_mode = true,
    };
    force_sig_trap(p, t.intno, &regs, t.error_code, t.si_code);
}

static void *watchdog_main(void *arg)
{
    struct emu_private *ep = arg;
    pthread_setname_np(pthread_self(), "fl-timeout");
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    double t = ep->pub.opt->time_limit;
    deadline.tv_sec += (time_t)t;
    deadline.tv_nsec += (long)((t - (time_t)t) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&ep->lock);
    while (!ep->finished) {
        if (pthread_cond_timedwait(&ep->cond, &ep->lock, &deadline) == ETIMEDOUT) {
            ep->time_up = 1;
            emu_request_stop(&ep->pub);
            break;
        }
    }
    pthread_mutex_unlock(&ep->lock);
    return NULL;
}

/* The guest timers' clock: sleeps until the earliest armed timer is due, then has the run loop
 * fire it (timers_due) and stops the engine so that happens now, not at the next syscall. The
 * same for the end of another process's timed wait (wait_next, wait_due). */
static void *ticker_main(void *arg)
{
    struct emu_private *ep = arg;
    pthread_setname_np(pthread_self(), "fl-timers");
    pthread_mutex_lock(&ep->lock);
    while (!ep->finished) {
        uint64_t timer = atomic_load(&ep->timers_due) ? 0 : ep->timer_next, wait = ep->wait_next;
        uint64_t next = !timer ? wait : !wait || timer < wait ? timer : wait;
        if (!next) {
            pthread_cond_wait(&ep->tick_cond, &ep->lock); /* until timers_changed */
            continue;
        }
        uint64_t now = monotonic_ns();
        if (now >= next) {
            if (timer && now >= timer)
                atomic_store(&ep->timers_due, 1);
            if (wait && now >= wait) { /* once: the run loop makes way (run_proc) */
                ep->wait_next = 0;
                atomic_store(&ep->wait_due, 1);
            }
            pthread_mutex_unlock(&ep->lock);
            emu_kick(&ep->pub);
            pthread_mutex_lock(&ep->lock);
            continue;
        }
        struct timespec ts = ns_timespec(next);
        pthread_cond_timedwait(&ep->tick_cond, &ep->lock, &ts);
    }
    pthread_mutex_unlock(&ep->lock);
    return NULL;
}

/* The ticker also kicks the engine when the earliest timed wait of another process ends
 * (wake, 0 for none), so that the running one, which has no time slice, makes way for it. */
static void wait_next_changed(struct emu_private *ep, uint64_t wake)
{
    if (wake == ep->wait_next_set)
        return;
    ep->wait_next_set = wake;
    pthread_mutex_lock(&ep->lock);
    ep->wait_next = wake;
    if (wake && !ep->ticker_running)
        ep->ticker_running = pthread_create(&ep->ticker, NULL, ticker_main, ep) == 0;
    pthread_cond_signal(&ep->tick_cond);
    pthread_mutex_unlock(&ep->lock);
}

void timers_changed(struct emu *e)
{
    struct emu_private *ep = priv(e);
    uint64_t next = timers_earliest(e);
    pthread_mutex_lock(&ep->lock);
    ep->timer_next = next;
    atomic_store(&ep->timers_due, 0);
    if (next && !ep->ticker_running)
        ep->ticker_running = pthread_create(&ep->ticker, NULL, ticker_main, ep) == 0;
    pthread_cond_signal(&ep->tick_cond);
    pthread_mutex_unlock(&ep->lock);
}

/* Fire the timers that are due: from the run loop when the ticker said so, and from the
 * scheduler, which also sleeps towards them (idle_wait). */
static void fire_due_timers(struct emu *e)
{
    struct emu_private *ep = priv(e);
    uint64_t next;
    pthread_mutex_lock(&ep->lock);
    next = ep->timer_next;
    pthread_mutex_unlock(&ep->lock);
    if (next && monotonic_ns() >= next)
        timers_fire(e, monotonic_ns());
}

void emu_request_stop(struct emu *e)
{
    struct emu_private *ep = priv(e);
    e->stop_requested = 1;
    struct proc *cur = ep->current;
    if (cur && cur->mmu)
        uc_emu_stop(cur->mmu->uc);
    wake_idle(ep);
}

/*
 * A stop from a signal handler may land in the middle of a translated block, which the engine
 * would resume wrongly (see "Kicks"). Here it never resumes: the run loop delivers the
 * terminal's signal before it runs the process again, and the process dies of it. Only while
 * guest code runs (cpu_cpl 3: the model and the process's signal state are not changing under
 * the handler), and only for a process that the signal ends (its whole thread group goes: a
 * signal's default action kills every thread).
 */
void emu_stop_for_fatal_signal(struct emu *e, int signo, bool to_first)
{
    struct proc *p = priv(e)->current, *first = priv(e)->first;
    if (atomic_load(&cpu_cpl) != 3 || !p || !p->mmu)
        return;
    bool target = to_first ? first && p->task.tgid == first->task.tgid
                           : guest_pgrp(p) == tty_foreground_group(e);
    if (target && signal_kills(p, signo))
        uc_emu_stop(p->mmu->uc);
}

/*
 * A process stopped in a syscall that parked it (emu/sched.h). A restartable syscall is rewound
 * (rip back over the 2-byte `syscall`, rax already holds its number again) so that it runs
 * again when the process is picked. A signal that is already deliverable interrupts the park
 * at once, as Linux's signal_pending() check before sleeping does. Returns true if parked.
 */
static bool finish_park(struct proc *p)
{
    if (p->park_restart) {
        uint64_t rip = mmu_reg_read(p->mmu, UC_X86_REG_RIP);
        mmu_reg_write(p->mmu, UC_X86_REG_RIP, rip - 2);
        p->restart_pending = true;
    }
    if (p->wait != WAIT_VFORK && fl_signal_pending(p)) {
        wait_over(p);
        return false;
    }
    return true;
}

/* Run p until it exits, parks in a blocking syscall, or the machine is asked to stop. */
static void run_proc(struct emu *e, struct proc *p, struct emu_result *res)
{
    struct emu_private *ep = priv(e);
    p->pending_trap = -1;
    ep->current = p;
    p->turn_vruntime = p->vruntime;
    ep->wake_pending = false;
    cputime_idle(false);
    account_switch_in(p);
    cpu_timers_publish(p);
    mmu_load(p->mmu, p->mmu->cpu);
    ep->others_ready = parked_ready(e, p);
    /* schedule_tail: CLONE_CHILD_SETTID is written by the child, in its own mm */
    if (p->set_child_tid) {
        uint32_t tid = (uint32_t)p->task.pid;
        copy_to_user(&p->task, p->set_child_tid, &tid, sizeof(tid));
        p->set_child_tid = 0;
    }
    while (!p->exited && !e->stop_requested) {
        if (p->exec_pending) { /* start_thread, now that the engine has stopped */
            p->exec_pending = false;
            mmu_reset_regs(p->mmu);
            mmu_reg_write(p->mmu, UC_X86_REG_RIP, p->exec_entry);
            mmu_reg_write(p->mmu, UC_X86_REG_RSP, p->exec_sp);
        }
        /* an event stop (a vfork's) comes before the parent sleeps until the child execs */
        if (p->ptracer && ptrace_work(p, true))
            break;
        if (p->wait != WAIT_NONE && finish_park(p))
            break;
        if (p->tty_restart) { /* as finish_park rewinds a parked call */
            mmu_reg_write(p->mmu, UC_X86_REG_RIP, mmu_reg_read(p->mmu, UC_X86_REG_RIP) - 2);
            p->restart_pending = true;
            p->tty_restart = false;
        }
        /* A signal (the terminal's, a timer's) or the clock (another process's timed wait
         * ended: quantum_update) may have made a parked process ready: its turn comes now (p
         * may be a busy loop that would never park). */
        bool woke = false;
        if (host_signals_pending(e)) {
            if (!host_signals_deliver(e))
                emu_request_stop(e);
            woke = true;
        }
        if (cputime_timers_due()) {
            cpu_timers_fire(p);
            woke = true;
        }
        if (atomic_load_explicit(&ep->wait_due, memory_order_relaxed) &&
            atomic_exchange(&ep->wait_due, 0))
            woke = true;
        if (atomic_load_explicit(&ep->timers_due, memory_order_relaxed)) {
            fire_due_timers(e);
            woke = true;
        }
        kthreads_run_due(); /* khugepaged, when its pass is due */
        uint64_t wake;
        if (woke && (another_ready(e, p, &wake) || parked_ready(e, p)))
            break;
        /* the return to user mode: finish rt_sigreturn, then deliver what is pending */
        if (p->sigreturn_pending) {
            p->sigreturn_pending = false;
            restore_rt_sigframe(p);
        }
        /* ptrace stops due (syscall entry or exit, events), and what follows one that ended */
        if ((p->ptracer || p->pt_resumed) && ptrace_work(p, false))
            break;
        while (!p->exited && !p->stopped && !p->traced && fl_signal_pending(p) && !p->retry_first)
            do_signal(p);
        /* a group stop: off the CPU until SIGCONT; a ptrace stop: until the tracer resumes it */
        if (p->exited || p->stopped || p->traced)
            break;
        bool retry = p->retry_first;
        p->retry_first = false;
        if (p->sigsuspend_mask) { /* no handler ran: restore_saved_sigmask */
            p->blocked = p->saved_blocked;
            p->sigsuspend_mask = false;
        }
        p->restart_pending = false;
        p->need_resched = false;
        if (rseq_notify_pending(p)) {
            rseq_handle_notify_resume(p);
            /* a bad rseq area: its SIGSEGV goes first; but a parked call that can complete
             * still does before a pending signal (retry_first: the rseq_preempt of a task
             * switch always leaves rseq work, so this must not undo it) */
            if (p->exited || (fl_signal_pending(p) && !retry))
                continue;
        }
        quantum_update(e, p); /* picks the engine: before the stepping controller hooks it */
        if (ep->round_hook) {
            ep->round_hook(ep->round_ctx, p, false);
            if (p->exited || e->stop_requested)
                break;
        }
        /* before fault_pending is cleared: dropping the hooks makes Unicorn look up the code it
         * had translated with them, and the TLB-fill hook takes what is not mapped in p for a
         * fault */
        hw_breakpoint_before_run(p);
        cpu_before_run(p->mmu->cpu);
        /* A kick from now on stops the engine directly if it stops precisely. One that came
         * before is taken here (the loop's top does what it asked for); seq_cst on both sides:
         * either the kicker sees `stoppable` or this sees its kick_request. */
        bool stoppable = cpu_stops_precisely(p->mmu->cpu);
        if (stoppable) { /* one locked store per run: this is every fault's round trip too */
            atomic_store(&ep->stoppable, p->mmu->cpu);
            if (atomic_load(&ep->kick_request)) {
                atomic_store_explicit(&ep->stoppable, NULL, memory_order_relaxed);
                atomic_store_explicit(&ep->kick_request, false, memory_order_relaxed);
                continue;
            }
        }
        uint64_t rip = mmu_reg_read(p->mmu, UC_X86_REG_RIP);
        p->mmu->fault_pending = false;
        cpu_set_cpl(3);
        tick_arm(ep, p);
        uc_err err = uc_emu_start(p->mmu->uc, rip, 0, 0, 0);
        cpu_set_cpl(0);
        tick_sync(ep, p);
        cpu_after_run(p->mmu->cpu); /* code that stored into its own page: that page's code goes */
        /* a late kicker that still finds the engine stops it idle: the next start clears that.
         * What a kick asked for is done below and at the loop's top. */
        if (stoppable) {
            atomic_store_explicit(&ep->stoppable, NULL, memory_order_relaxed);
            atomic_store_explicit(&ep->kick_request, false, memory_order_relaxed);
        }
        icount_settle(ep, p);
        if (p->exited)
            break;
        if (p->mmu->fault_pending) {
            /* count_insn ran for the instruction that faulted on data, which runs (and is
             * counted) again once the fault is handled; one that faulted on its fetch had no
             * hook yet */
            if (e->opt->max_insns && !(p->mmu->fault_error & X86_PF_INSTR))
                e->insns--;
            handle_page_fault(p);
            continue;
        }
        /* a debug trap (a breakpoint, a single step) goes before the end of a time slice */
        bool engine_db = p->pending_trap == X86_TRAP_DB;
        if (hw_breakpoint_trapped(p, engine_db)) {
            p->pending_trap = X86_TRAP_DB;
            handle_trap(p, engine_db); /* the engine's may be an `int $1` */
            continue;
        }
        if (p->preempted) {
            /* the slice is used up: stay runnable, let the next process run */
            p->preempted = false;
            p->quantum_left = QUANTUM_BLOCKS;
            break;
        }
        if (p->pending_trap >= 0) {
            handle_trap(p, true);
            continue;
        }
        if (err == UC_ERR_INSN_INVALID) {
            p->pending_trap = 6; /* #UD */
            handle_trap(p, true);
            continue;
        }
        if (err != UC_ERR_OK && !e->stop_requested && !p->exec_pending) {
            snprintf(res->message, sizeof(res->message), "CPU engine error at ip %#llx: %s",
                     (unsigned long long)rip, uc_strerror(err));
            res->stop = EMU_ERROR;
            proc_exit(p, 0, FL_SIGKILL);
            break;
        }
    }
    if (ep->round_hook)
        ep->round_hook(ep->round_ctx, p, true);
    ep->current = NULL;
    if (p->exited)
        proc_release(p); /* do_exit runs on the dying task's time: account_thread_exit ends it */
    else
        account_switch_out(p);
}

struct proc *emu_first(struct emu *e)
{
    return priv(e)->first;
}

void proc_took_over(struct proc *old, struct proc *new)
{
    struct emu_private *ep = priv(old->emu);
    if (ep->first == old)
        ep->first = new;
}

static void proc_free(struct proc *p)
{
    timers_put(p);
    signal_queue_release(p);
    shared_pending_put(p->shared);
    group_acct_put(p->acct);
    free(p->wait_poll);
    seccomp_release(p);
    strv_free(p->argv);
    proc_exe_put(p);
    free(p->exe);
    if (p->cwd_fd >= 0)
        close(p->cwd_fd);
    free(p);
}

/* Release processes that died while not running (killed by another), and free the ones nobody
 * can wait for any more. The first process stays: its status is the run's. */
static void reap_dead(struct emu *e, struct proc *first)
{
    for (struct proc *p = e->procs; p; p = p->next)
        if (p->exited && p->mmu)
            proc_release(p);
    for (struct proc **pp = &e->procs; *pp;) {
        struct proc *p = *pp;
        if (p->reaped && p != first && p != priv(e)->cwd_owner) {
            *pp = p->next;
            proc_free(p);
        } else {
            pp = &p->next;
        }
    }
}

/* The next process to run: the first, in pid order cyclically after last_pid, that is runnable
 * or parked on a condition that now holds. NULL if none; *live counts those not yet dead. */
static struct proc *pick_next(struct emu *e, int last_pid, int *live)
{
    struct proc *after = NULL, *wrap = NULL;
    *live = 0;
    for (struct proc *p = e->procs; p; p = p->next) {
        if (p->exited)
            continue;
        ++*live;
        if (p->stopped) /* TASK_STOPPED: like a parked task, but only SIGCONT or SIGKILL */
            continue;
        if (p->traced) /* TASK_TRACED: until its tracer resumes it (or SIGKILL) */
            continue;
        if (p->wait != WAIT_NONE && !p->interrupted && !proc_ready(p))
            continue;
        if (p->task.pid > last_pid) {
            if (!after || p->task.pid < after->task.pid)
                after = p;
        } else if (!wrap || p->task.pid < wrap->task.pid) {
            wrap = p;
        }
    }
    return after ? after : wrap;
}

/* The host fds a parked process waits on that something outside the guest may make ready (a
 * socket to a host process), appended to *fds. */
static void add_external_waits(struct proc *q, struct pollfd **fds, size_t *n, size_t *cap)
{
    if (!waits_on_host(q))
        return;
    struct pollfd one[1], *src = one;
    size_t k = 1;
    if (q->wait == WAIT_POLL) {
        src = q->wait_poll;
        k = q->wait_npoll;
    } else { /* a read or write of one fd */
        int hostfd = fd_get(q->files, q->wait_arg)->hostfd;
        one[0] = (struct pollfd){hostfd, q->wait == WAIT_FD_READ ? POLLIN : POLLOUT, 0};
    }
    if (!k)
        return;
    if (*n + k > *cap) {
        size_t ncap = (*n + k) * 2;
        struct pollfd *grown = realloc(*fds, ncap * sizeof(**fds));
        if (!grown)
            return; /* then this wait is only looked at again after the next step */
        *fds = grown;
        *cap = ncap;
    }
    memcpy(*fds + *n, src, k * sizeof(*src));
    *n += k;
}

/* Nothing can run now. If a timed wait or a timer ends later, or a process waits on a socket
 * whose peer may be outside the guest, wait on the host for whichever comes first, and say so;
 * false if nothing can ever end the wait (a guest deadlock). A stop request or a kick from
 * another thread (--timeout, the TUI, SIGTERM) or a signal handler ends the wait through
 * wake_fd; the wait is still cut into steps of a second (10 ms without wake_fd), for a wait
 * that something on the host ends without its fd being polled here. */
static bool idle_wait(struct emu *e)
{
    struct emu_private *ep = priv(e);
    uint64_t first = timers_earliest(e); /* an alarm ends a pause() */
    struct pollfd *fds = NULL;
    size_t n = 0, cap = 0;
    /* O_ASYNC files outside the guest: an event since the last look signals at once */
    if (fasync_nr && fasync_poll_external())
        return true;
    bool for_signal = false; /* a process waits only for a signal */
    for (struct proc *p = e->procs; p; p = p->next) {
        /* a stopped task's sleep may end meanwhile: it stays stopped all the same */
        if (p->exited || p->wait == WAIT_NONE || p->stopped || p->traced)
            continue;
        if (p->wait_deadline && (!first || p->wait_deadline < first))
            first = p->wait_deadline;
        if (p->wait == WAIT_SIGNAL || p->wait == WAIT_SIGWAIT)
            for_signal = true;
        add_external_waits(p, &fds, &n, &cap);
    }
    if (fasync_nr)
        fasync_external_fds(&fds, &n, &cap);
    /* With host signals passed on, a guest waiting for a signal (pause, sigsuspend, sigwait)
     * waits for one sent to faultline (kill -TERM, a daemon's SIGHUP), which goes to the first
     * process while it lives; on a terminal any wait may end with a Ctrl-C, as natively: no
     * deadlock. */
    bool sendable = for_signal && host_signals_enabled(e) && ep->first && !ep->first->exited;
    if (!first && !n && !host_signals_tty(e) && !sendable) {
        free(fds);
        return false;
    }
    struct pollfd *all = ep->wake_fd >= 0 ? realloc(fds, (n + 1) * sizeof(*fds)) : NULL;
    if (all) {
        fds = all;
        fds[n] = (struct pollfd){ep->wake_fd, POLLIN, 0};
    }
    uint64_t now = monotonic_ns(), step = all ? 1000000000 : 10000000; /* 1 s, 10 ms */
    if (first)
        step = first <= now ? 0 : first - now < step ? first - now : step;
    cputime_idle(true); /* until a process runs again (run_proc) */
    poll(fds, n + (all ? 1 : 0), (int)((step + 999999) / 1000000));
    if (fasync_nr) /* SIGIO for what the wait saw arrive (edge-triggered: emu/fasync.h) */
        fasync_poll_external();
    uint64_t woken;
    if (all && read(ep->wake_fd, &woken, sizeof(woken)) < 0) {
        /* EAGAIN: nobody wrote */
    }
    free(fds);
    return true;
}

static const char *wait_name(const struct proc *q)
{
    const struct ofd *o;
    switch (q->wait) {
    case WAIT_FD_READ: /* a guest pipe, or /dev/kmsg or /proc/kmsg with nothing new */
        o = q->files ? fd_get(q->files, q->wait_arg) : NULL;
        return o && o->kmsg ? "read of the kernel log" : "read of an empty pipe";
    case WAIT_FD_WRITE:
        return "write to a full pipe";
    case WAIT_CHILD:
        return "wait for a child";
    case WAIT_VFORK:
        return "vfork";
    case WAIT_SIGNAL:
        return "pause/sigsuspend";
    case WAIT_FUTEX:
        return "futex wait";
    case WAIT_SLEEP:
        return "sleep";
    case WAIT_SIGWAIT:
        return "sigwait";
    case WAIT_SYSV:
        return "System V IPC wait";
    case WAIT_AIO:
        return "io_getevents";
    case WAIT_UFFD:
        return "page fault handed to a userfaultfd";
    default:
        return "a syscall";
    }
}

/* The host's cwd and umask are the running process's: save the cwd of the one leaving, enter
 * the one arriving. */
static void switch_cwd(struct emu_private *ep, struct proc *next)
{
    struct proc *prev = ep->cwd_owner;
    if (prev == next)
        return;
    umask(next->umask);
    if (prev && !prev->exited) {
        if (prev->cwd_fd >= 0)
            close(prev->cwd_fd);
        prev->cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    if (next->cwd_fd >= 0 && fchdir(next->cwd_fd) != 0)
        arch_printk("faultline: cannot enter the cwd of pid %d: %s", next->task.pid,
                    strerror(errno));
    ep->cwd_owner = next;
}

void emu_run(struct emu *e, struct emu_result *res)
{
    struct emu_private *ep = priv(e);
    memset(res, 0, sizeof(*res));
    res->stop = EMU_EXITED;
    if (e->opt->time_limit > 0)
        ep->watchdog_running = pthread_create(&ep->watchdog, NULL, watchdog_main, ep) == 0;
    cputime_start(e);

    struct proc *first = NULL;
    for (struct proc *p = e->procs; p; p = p->next)
        if (!first || p->task.pid < first->task.pid)
            first = p;
    ep->first = first;
    ep->cwd_owner = first;
    int last_pid = 0, live;
    /* The scheduler (emu/sched.h): run one process until it exits or parks, then the next. */
    while (!e->stop_requested && res->stop == EMU_EXITED) {
        first = ep->first; /* an exec in a thread may have put another proc in its place */
        reap_dead(e, first);
        fire_due_timers(e);
        if (host_signals_pending(e) && !host_signals_deliver(e))
            emu_request_stop(e);
        struct proc *p = pick_next(e, last_pid, &live);
        if (!live)
            break;
        /* every guest stopped by the terminal: faultline stops too, for the user's shell */
        if (!p && tty_stop_all_stopped(e))
            continue;
        if (!p && idle_wait(e))
            continue;
        if (!p) {
            /* Nothing can ever run again. Orphans left behind by a first process that has
             * exited are killed, as a session's end would; otherwise it is a guest deadlock. */
            if (first && !first->exited) {
                int n =
                    snprintf(res->message, sizeof(res->message), "every guest process is blocked:");
                for (struct proc *q = e->procs; q; q = q->next)
                    if (!q->exited && n < (int)sizeof(res->message))
                        n += snprintf(res->message + n, sizeof(res->message) - n, " %d (%s) in %s;",
                                      q->task.pid, q->task.comm,
                                      q->traced    ? "a ptrace stop"
                                      : q->stopped ? "stopped"
                                                   : wait_name(q));
                if (n > 0 && n < (int)sizeof(res->message))
                    res->message[n - 1] = 0; /* the last ';' */
                res->stop = EMU_ERROR;
            }
            for (struct proc *q = e->procs; q; q = q->next)
                proc_exit(q, 0, FL_SIGKILL);
            reap_dead(e, first);
            break;
        }
        switch_cwd(ep, p);
        /* A parked syscall whose condition now holds completes before any signal that also
         * woke it is delivered (wait4 reports the child whose SIGCHLD arrived, a read returns
         * the data that came with a signal), as Linux's wait loops check in that order. */
        p->retry_first = p->wait != WAIT_NONE && p->restart_pending && proc_ready(p);
        wait_over(p);
        p->interrupted = false;
        p->wake_state = WAKE_NONE;
        p->continued = false;
        run_proc(e, p, res);
        if (!p->exited)
            rseq_preempt(p); /* prepare_task_switch: it leaves the CPU */
        last_pid = p->task.pid;
    }
    if (e->panic) { /* arch_panic: the machine stopped */
        res->stop = EMU_ERROR;
        snprintf(res->message, sizeof(res->message), "kernel panic: %s", e->panic);
    } else if (res->stop == EMU_EXITED && e->stop_requested) {
        res->stop = ep->time_up == 1   ? EMU_TIME_LIMIT
                    : ep->time_up == 2 ? EMU_INSN_LIMIT
                                       : EMU_INTERRUPTED;
    }
    if (res->stop != EMU_EXITED) {
        for (struct proc *p = e->procs; p; p = p->next)
            proc_exit(p, 0, FL_SIGKILL);
        for (struct proc *p = e->procs; p; p = p->next)
            proc_release(p);
    }
    first = ep->first;
    if (first) {
        res->exit_code = first->exit_code;
        res->term_sig = first->term_sig;
    }
    pthread_mutex_lock(&ep->lock);
    ep->finished = true;
    pthread_cond_signal(&ep->cond);
    pthread_cond_signal(&ep->tick_cond);
    pthread_mutex_unlock(&ep->lock);
    if (ep->watchdog_running) {
        pthread_join(ep->watchdog, NULL);
        ep->watchdog_running = false;
    }
    if (ep->ticker_running) {
        pthread_join(ep->ticker, NULL);
        ep->ticker_running = false;
    }
    cputime_stop();
}

void emu_destroy(struct emu *e)
{
    if (!e)
        return;
    for (struct proc *p = e->procs; p; p = p->next)
        proc_exit(p, 0, FL_SIGKILL);
    for (struct proc *p = e->procs; p; p = p->next)
        proc_release(p);
    while (e->procs) {
        struct proc *p = e->procs;
        e->procs = p->next;
        proc_free(p);
    }

    if (e->strace && e->strace != stderr)
        fclose(e->strace);
    /* the engines first: the page cache's frames then go without dropping, one frame and one
     * TLB flush at a time, the code translated from them into engines about to close */
    cpu_destroy(priv(e)->sliced);
    cpu_destroy(priv(e)->solo);
    evict_unused_mappings();
    mem_exit();
    swapoff();
    guest_ram_destroy(e->ram, e->ram_bytes);
    if (priv(e)->wake_fd >= 0)
        close(priv(e)->wake_fd);
    free(priv(e));
    host_nofile_restore();
}
