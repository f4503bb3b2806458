/*
 * run.c - the emulated machine: RAM, the first process, and the run loop that plays the CPU's
 * exception entry (#PF into do_page_fault, traps into signals, syscall into the table).
 *
 * The fast path stays inside Unicorn: no code or memory hooks run unless the user asked for
 * instruction counting (--icount, --max-insns). The engine leaves uc_emu_start only for a page
 * fault the TLB-fill hook could not resolve, a trap, or a stop request; `until` is 0 so no hot
 * block is ever dropped at exit (docs/substrate.md).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/exec.h"
#include "emu/fdtable.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "kernel_model/trace.h"
#include "mmu/mmu.h"

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
    uc_hook code_hook;
};

static struct emu_private *priv(struct emu *e)
{
    return (struct emu_private *)e;
}

void arch_printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
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
    /* The whole guest-physical RAM, reserved but not committed: frames cost host memory only
     * once the guest uses them. */
    e->ram = mmap(NULL, e->ram_bytes, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (e->ram == MAP_FAILED || mem_init(e->ram, e->ram_bytes)) {
        snprintf(err, errlen, "cannot reserve %llu MiB of guest RAM: %s",
                 (unsigned long long)(e->ram_bytes >> 20), strerror(errno));
        free(ep);
        return NULL;
    }
    fault_around_bytes = opt->fault_around_bytes;
    e->next_pid = FIRST_PID;
    pthread_mutex_init(&ep->lock, NULL);
    pthread_cond_init(&ep->cond, NULL);
    if (opt->strace_path) {
        e->strace = strcmp(opt->strace_path, "-") ? fopen(opt->strace_path, "w") : stderr;
        if (!e->strace) {
            snprintf(err, errlen, "cannot open the syscall trace %s: %s", opt->strace_path,
                     strerror(errno));
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

static char **dup_strv(char *const v[])
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **out = calloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = strdup(v[i]);
    return out;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static void count_insn(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    struct emu *e = ud;
    (void)addr;
    (void)size;
    (void)uc;
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

static void hook_syscall(uc_engine *uc, void *ud)
{
    struct proc *p = ud;
    static const int ids[7] = {UC_X86_REG_RAX, UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
                               UC_X86_REG_R10, UC_X86_REG_R8,  UC_X86_REG_R9};
    uint64_t v[7];
    void *ptrs[7];
    for (int i = 0; i < 7; i++)
        ptrs[i] = &v[i];
    uc_reg_read_batch(uc, (int *)ids, ptrs, 7);
    long ret = do_syscall(p, v[0], &v[1]);
    if (p->exited || p->emu->stop_requested) {
        uc_emu_stop(uc);
        if (p->exited)
            return;
    }
    uint64_t r = (uint64_t)ret;
    uc_reg_write(uc, UC_X86_REG_RAX, &r);
}

/* CPU exceptions other than #PF reach us as interrupts: turn them into the signal Linux sends. */
static void hook_intr(uc_engine *uc, uint32_t intno, void *ud)
{
    struct proc *p = ud;
    p->pending_trap = (int)intno;
    uc_emu_stop(uc);
}

struct proc *emu_spawn(struct emu *e, const char *path, char *const argv[], char *const envp[],
                       char *err, size_t errlen)
{
    struct exec_image img;
    if (elf_check_file(path, err, errlen))
        return NULL;
    struct proc *p = calloc(1, sizeof(*p));
    p->emu = e;
    p->task.pid = p->task.tgid = e->next_pid++;
    p->ppid = getpid();
    const char *base = strrchr(path, '/');
    snprintf(p->task.comm, sizeof(p->task.comm), "%s", base ? base + 1 : path);
    p->task.rlimit_stack = 8UL << 20;
    p->task.mm = mm_alloc();
    p->mmu = p->task.mm ? mmu_create(e->ram, e->ram_bytes, err, errlen) : NULL;
    if (!p->mmu) {
        if (!p->task.mm)
            snprintf(err, errlen, "guest RAM too small for an address space");
        mmput(p->task.mm);
        free(p);
        return NULL;
    }
    p->task.mm->owner = &p->task;
    mmu_attach(p->mmu, &p->task);
    p->files = fdtable_new_stdio();
    char real[PATH_MAX];
    p->exe = strdup(realpath(path, real) ? real : path);
    p->argv = dup_strv(argv);
    if (exec_load(p, path, argv, envp, &img, err, errlen)) {
        mmu_destroy(p->mmu);
        mmput(p->task.mm);
        fdtable_free(p->files);
        free_strv(p->argv);
        free(p->exe);
        free(p);
        return NULL;
    }
    uc_engine *uc = p->mmu->uc;
    mmu_reg_write(p->mmu, UC_X86_REG_RIP, img.entry);
    mmu_reg_write(p->mmu, UC_X86_REG_RSP, img.stack_ptr);
    uc_hook h;
    uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)hook_syscall, p, 1, 0, UC_X86_INS_SYSCALL);
    uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)hook_intr, p, 1, 0);
    if (e->opt->max_insns || e->opt->icount) {
        uc_hook_add(uc, &priv(e)->code_hook, UC_HOOK_CODE, (void *)count_insn, e, 1, 0);
        trace_icount_source = icount_source;
        trace_icount_ctx = e;
    }
    p->next = e->procs;
    e->procs = p;
    if (priv(e)->obs.on_start)
        priv(e)->obs.on_start(priv(e)->obs.ctx, p);
    return p;
}

void proc_exit(struct proc *p, int exit_code, int term_sig)
{
    if (p->exited)
        return;
    p->exited = true;
    p->exit_code = exit_code & 0xff;
    p->term_sig = term_sig;
    /* The engine may be inside a hook: stop it; the run loop releases the process after. */
    if (p->mmu)
        uc_emu_stop(p->mmu->uc);
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
    mmu_destroy(p->mmu);
    p->mmu = NULL;
    mmput(p->task.mm);
    p->task.mm = NULL;
    fdtable_free(p->files);
    p->files = NULL;
    if (priv(e)->obs.on_exit)
        priv(e)->obs.on_exit(priv(e)->obs.ctx, p);
}

/* The #PF entry: the TLB-fill hook stopped the engine on an access it could not allow. */
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
    uint64_t addr =
        mmu_exact_fault_addr(m, regs.ip, m->fault_addr & PAGE_MASK, m->fault_error & X86_PF_INSTR);
    do_page_fault(&p->task, &regs, m->fault_error, addr, &res);
    switch (res.outcome) {
    case FAULT_OK:
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

static void handle_trap(struct proc *p)
{
    int intno = p->pending_trap;
    p->pending_trap = -1;
    struct pt_regs regs = {
        .ip = mmu_reg_read(p->mmu, UC_X86_REG_RIP),
        .sp = mmu_reg_read(p->mmu, UC_X86_REG_RSP),
        .user_mode = true,
    };
    force_sig_trap(p, intno, &regs);
}

static void *watchdog_main(void *arg)
{
    struct emu_private *ep = arg;
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

void emu_request_stop(struct emu *e)
{
    struct emu_private *ep = priv(e);
    e->stop_requested = 1;
    struct proc *cur = ep->current;
    if (cur && cur->mmu)
        uc_emu_stop(cur->mmu->uc);
}

/* Run p until it exits or the machine is asked to stop. */
static void run_proc(struct emu *e, struct proc *p, struct emu_result *res)
{
    struct emu_private *ep = priv(e);
    p->pending_trap = -1;
    ep->current = p;
    while (!p->exited && !e->stop_requested) {
        uint64_t rip = mmu_reg_read(p->mmu, UC_X86_REG_RIP);
        p->mmu->fault_pending = false;
        uc_err err = uc_emu_start(p->mmu->uc, rip, 0, 0, 0);
        if (p->exited)
            break;
        if (p->mmu->fault_pending) {
            handle_page_fault(p);
            continue;
        }
        if (p->pending_trap >= 0) {
            handle_trap(p);
            continue;
        }
        if (err == UC_ERR_INSN_INVALID) {
            p->pending_trap = 6; /* #UD */
            handle_trap(p);
            continue;
        }
        if (err != UC_ERR_OK && !e->stop_requested) {
            snprintf(res->message, sizeof(res->message), "CPU engine error at ip %#llx: %s",
                     (unsigned long long)rip, uc_strerror(err));
            res->stop = EMU_ERROR;
            proc_exit(p, 0, FL_SIGKILL);
            break;
        }
    }
    ep->current = NULL;
    if (p->exited)
        proc_release(p);
}

void emu_run(struct emu *e, struct emu_result *res)
{
    struct emu_private *ep = priv(e);
    memset(res, 0, sizeof(*res));
    res->stop = EMU_EXITED;
    if (e->opt->time_limit > 0)
        ep->watchdog_running = pthread_create(&ep->watchdog, NULL, watchdog_main, ep) == 0;

    struct proc *first = NULL;
    for (struct proc *p = e->procs; p; p = p->next)
        first = p; /* the list is newest first: the first spawned is last */
    for (struct proc *p = e->procs; p; p = p->next) {
        if (!p->exited)
            run_proc(e, p, res);
    }
    if (res->stop == EMU_EXITED && e->stop_requested) {
        res->stop = ep->time_up == 1   ? EMU_TIME_LIMIT
                    : ep->time_up == 2 ? EMU_INSN_LIMIT
                                       : EMU_INTERRUPTED;
        for (struct proc *p = e->procs; p; p = p->next) {
            proc_exit(p, 0, FL_SIGKILL);
            proc_release(p);
        }
    }
    if (first) {
        res->exit_code = first->exit_code;
        res->term_sig = first->term_sig;
    }
    if (ep->watchdog_running) {
        pthread_mutex_lock(&ep->lock);
        ep->finished = true;
        pthread_cond_signal(&ep->cond);
        pthread_mutex_unlock(&ep->lock);
        pthread_join(ep->watchdog, NULL);
        ep->watchdog_running = false;
    }
}

void emu_destroy(struct emu *e)
{
    if (!e)
        return;
    while (e->procs) {
        struct proc *p = e->procs;
        e->procs = p->next;
        proc_exit(p, 0, FL_SIGKILL);
        proc_release(p);
        free_strv(p->argv);
        free(p->exe);
        free(p);
    }
    if (e->strace && e->strace != stderr)
        fclose(e->strace);
    mem_exit();
    munmap(e->ram, e->ram_bytes);
    free(priv(e));
}
