/*
 * control.c - the stepping controller (see control.h for the contract).
 *
 * Everything that touches the engine or the model happens in ctl_round(), the run loop's round
 * hook, on the emulator thread. Other threads post one command at a time under c->lock and rely
 * on the ticker to end the current round (emu_kick: at the next block start) within one tick.
 *
 * Instruction accounting with UC_HOOK_CODE: the hook runs before each instruction, and a
 * uc_emu_stop() from it stops before that instruction executes. A step of n therefore lets n
 * hook calls pass and stops at the (n+1)th. When a round ends for another reason (a page fault,
 * a tick) at the instruction whose hook already ran, that instruction did not retire: the count
 * is given back, and a breakpoint there is not reported twice.
 */
#include "emu/control.h"

#include <capstone/capstone.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/proc.h"
#include "kernel_model/trace.h"
#include "mmu/mmu.h"

#define CTL_MAX_BP 32
#define CTL_QUEUE  16

enum ctl_cmd { CMD_NONE, CMD_STEP, CMD_OVER, CMD_CONTINUE, CMD_TO_FAULT };
enum ctl_mode { MODE_PAUSED, MODE_STEP, MODE_OVER, MODE_RUN, MODE_TO_FAULT };

struct ctl {
    struct emu *e;
    struct ctl_client cl;
    unsigned tick_ms;
    struct fault_observer fobs;

    /* posted by other threads, under lock */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct {
        enum ctl_cmd cmd;
        unsigned n;
        struct ctl_filter filter;
    } queue[CTL_QUEUE]; /* commands posted while the guest is paused or stepping, in order */
    int queued;
    bool refresh;
    uint64_t bps[CTL_MAX_BP];
    int nbp;
    atomic_bool bp_dirty; /* also read without the lock, to skip it on the fast path */
    bool running;         /* running freely: continue, run to fault, step over a call */
    bool ticker_exit;
    atomic_int pause_req, quit_req; /* lock-free: set from signal handlers too */

    /* emulator thread only */
    enum ctl_mode mode;
    struct ctl_filter filter;
    uint64_t remaining;         /* MODE_STEP: hook calls still allowed to pass */
    uint64_t over_ret, over_sp; /* MODE_OVER: the return address and the stack at the call */
    bool started, stopped_by_hook, bp_hit, over_done, fault_hit;
    uint64_t bp_copy[CTL_MAX_BP];
    int nbp_copy;
    uint64_t last_pc; /* the address the code hook last ran for */
    bool skip_armed;  /* the next hook call at skip_addr ignores its breakpoint */
    uint64_t skip_addr;
    struct cpu *hooked; /* the engine the code hook is on, NULL: none */
    uc_hook code_hook;
    /* set by the ticker every tick_ms while the guest runs: a round reads a flag, not the
     * clock, to know when the client's snapshot is due */
    atomic_bool tick_due;

    pthread_t ticker;
    bool ticker_started;
};

bool ctl_filter_match(const struct ctl_filter *f, const struct fault_event *ev)
{
    if (!f)
        return true;
    if (f->pid && f->pid != ev->pid)
        return false;
    if (f->hi && (ev->address < f->lo || ev->address >= f->hi))
        return false;
    if (f->handler[0]) {
        char path[512];
        fault_path_format(ev, path, sizeof(path));
        if (!strstr(path, f->handler))
            return false;
    }
    return true;
}

static void on_fault(void *ctx, const struct fault_event *ev)
{
    struct ctl *c = ctx;
    if (c->mode == MODE_TO_FAULT && ctl_filter_match(&c->filter, ev)) {
        c->fault_hit = true;
        emu_kick(c->e); /* a kernel-mode fault inside a syscall: stop after it */
    }
    if (c->cl.on_fault)
        c->cl.on_fault(c->cl.ctx, ev);
}

static bool is_breakpoint(struct ctl *c, uint64_t addr)
{
    for (int i = 0; i < c->nbp_copy; i++)
        if (c->bp_copy[i] == addr)
            return true;
    return false;
}

static void code_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    struct ctl *c = ud;
    (void)size;
    if (emu_kick_take(c->e)) { /* a tick or a pause: stop before this one, as if not hooked */
        c->last_pc = ~0ULL;
        uc_emu_stop(uc);
        return;
    }
    bool skip = c->skip_armed && addr == c->skip_addr;
    c->skip_armed = false;
    c->last_pc = addr;
    if (!skip && c->nbp_copy && is_breakpoint(c, addr)) {
        c->bp_hit = c->stopped_by_hook = true;
        uc_emu_stop(uc);
        return;
    }
    if (c->mode == MODE_STEP) {
        if (c->remaining == 0) {
            c->stopped_by_hook = true;
            uc_emu_stop(uc);
            return;
        }
        c->remaining--;
    } else if (c->mode == MODE_OVER && addr == c->over_ret) {
        uint64_t sp;
        uc_reg_read(uc, UC_X86_REG_RSP, &sp);
        if (sp >= c->over_sp) {
            c->over_done = c->stopped_by_hook = true;
            uc_emu_stop(uc);
        }
    }
}

static void drop_code_hook(struct ctl *c)
{
    uc_hook_del(c->hooked->uc, c->code_hook);
    cpu_hold_exit_checks(c->hooked, false);
    cpu_drop_all_code(c->hooked);
    c->hooked = NULL;
}

/* Install the code hook on p's engine while stepping or breakpoints need it; remove it
 * otherwise. Translated code carries the hook calls in it, so toggling drops it. */
static void set_code_hook(struct ctl *c, struct proc *p)
{
    bool need = c->mode == MODE_STEP || c->mode == MODE_OVER || c->nbp_copy > 0;
    struct cpu *engine = p->mmu->cpu;
    if (c->hooked && !need)
        drop_code_hook(c);
    if (need && !c->hooked) {
        /* the hook stops before an instruction: the engine must check after the hook */
        cpu_hold_exit_checks(engine, true);
        if (uc_hook_add(engine->uc, &c->code_hook, UC_HOOK_CODE, (void *)code_hook, c, 1, 0) ==
            UC_ERR_OK) {
            cpu_drop_all_code(engine);
            c->hooked = engine;
            c->last_pc = ~0ULL;
        } else {
            cpu_hold_exit_checks(engine, false);
        }
    }
}

/* Read up to len bytes of guest code at addr without faulting; returns how many were readable. */
static size_t peek_code(struct proc *p, uint64_t addr, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        unsigned error;
        uint8_t *src = mmu_kernel_translate(&p->task, addr + got, false, &error);
        if (!src)
            break;
        size_t in_page = 4096 - ((addr + got) & 4095);
        size_t n = len - got < in_page ? len - got : in_page;
        memcpy(buf + got, src, n);
        got += n;
    }
    return got;
}

/* The return address if the instruction at rip is a call, else 0. */
static uint64_t call_return_address(struct proc *p, uint64_t rip)
{
    uint8_t code[16];
    size_t n = peek_code(p, rip, code, sizeof(code));
    csh cs;
    uint64_t ret = 0;
    if (!n || cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
        return 0;
    cs_insn *insn;
    if (cs_disasm(cs, code, n, rip, 1, &insn) == 1) {
        if (insn->id == X86_INS_CALL)
            ret = rip + insn->size;
        cs_free(insn, 1);
    }
    cs_close(&cs);
    return ret;
}

static void sync_breakpoints(struct ctl *c)
{
    if (!c->bp_dirty)
        return;
    memcpy(c->bp_copy, c->bps, sizeof(c->bps));
    c->nbp_copy = c->nbp;
    c->bp_dirty = false;
}

/* Turn a posted command into the mode the guest runs in next (called with c->lock held). */
static void start_command(struct ctl *c, struct proc *p)
{
    uint64_t rip = mmu_reg_read(p->mmu, UC_X86_REG_RIP);
    enum ctl_cmd cmd = c->queue[0].cmd;
    unsigned n = c->queue[0].n;
    struct ctl_filter filter = c->queue[0].filter;
    memmove(c->queue, c->queue + 1, sizeof(c->queue[0]) * (CTL_QUEUE - 1));
    c->queued--;
    switch (cmd) {
    case CMD_STEP:
        c->mode = MODE_STEP;
        c->remaining = n ? n : 1;
        break;
    case CMD_OVER:
        c->over_ret = call_return_address(p, rip);
        c->over_sp = mmu_reg_read(p->mmu, UC_X86_REG_RSP);
        c->mode = c->over_ret ? MODE_OVER : MODE_STEP;
        c->remaining = 1;
        break;
    case CMD_CONTINUE:
        c->mode = MODE_RUN;
        break;
    case CMD_TO_FAULT:
        c->mode = MODE_TO_FAULT;
        c->filter = filter;
        break;
    case CMD_NONE:
        break;
    }
}

/* Paused: show p, then wait for a command (or quit). Returns false when the run should stop. */
static bool paused(struct ctl *c, struct proc *p, enum ctl_reason why)
{
    c->mode = MODE_PAUSED;
    pthread_mutex_lock(&c->lock);
    c->running = false;
    c->pause_req = 0;
    sync_breakpoints(c);
    pthread_mutex_unlock(&c->lock);
    if (c->cl.on_pause)
        c->cl.on_pause(c->cl.ctx, p, why);
    pthread_mutex_lock(&c->lock);
    for (;;) {
        if (c->quit_req || c->e->stop_requested) {
            pthread_mutex_unlock(&c->lock);
            return false;
        }
        if (c->refresh) {
            c->refresh = false;
            sync_breakpoints(c);
            pthread_mutex_unlock(&c->lock);
            if (c->cl.on_pause)
                c->cl.on_pause(c->cl.ctx, p, CTL_PAUSED);
            pthread_mutex_lock(&c->lock);
            continue;
        }
        if (c->queued)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000000L; /* quit_req may come from a signal handler */
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->cond, &c->lock, &until);
    }
    start_command(c, p);
    sync_breakpoints(c);
    c->pause_req = 0;
    c->running = c->mode != MODE_STEP;
    pthread_mutex_unlock(&c->lock);
    atomic_store(&c->tick_due, false); /* a whole tick of running before the next snapshot */
    return true;
}

static void ctl_round(void *ctx, struct proc *p, bool leaving)
{
    struct ctl *c = ctx;
    /* Per fault this is the fast path: the lock only when the breakpoints changed. */
    if (c->bp_dirty) {
        pthread_mutex_lock(&c->lock);
        sync_breakpoints(c);
        pthread_mutex_unlock(&c->lock);
    }

    /* The hook goes with p: off the engine p left (p runs on the one without the time slice
     * while alone, mmu/mmu.h) and off when p leaves the CPU (the next process gets it when it
     * runs). */
    if (c->hooked && (leaving || !p->mmu || c->hooked != p->mmu->cpu))
        drop_code_hook(c);
    if (leaving) {
        if (p->exited && c->cl.on_pause)
            c->cl.on_pause(c->cl.ctx, p, CTL_PROC_EXITED);
        return;
    }
    if (c->quit_req) {
        emu_request_stop(c->e);
        return;
    }

    /* Only the code hook needs the RIP: running freely without one (no breakpoint, not
     * stepping), a round - one per fault - does not read it. */
    bool have_rip = c->hooked != NULL;
    uint64_t rip = have_rip ? mmu_reg_read(p->mmu, UC_X86_REG_RIP) : 0;
    bool hook_ran_here = have_rip && c->last_pc == rip;
    if (hook_ran_here && !c->stopped_by_hook && c->mode == MODE_STEP)
        c->remaining++; /* the instruction at rip faulted or was interrupted: it did not retire */

    bool stop = true;
    enum ctl_reason why = CTL_PAUSED;
    if (!c->started) {
        c->started = true;
        why = CTL_AT_START;
    } else if (c->bp_hit) {
        why = CTL_BREAKPOINT;
    } else if (c->mode == MODE_STEP && c->stopped_by_hook && c->remaining == 0) {
        why = CTL_STEPPED;
    } else if (c->mode == MODE_OVER && c->over_done) {
        why = CTL_STEPPED;
    } else if (c->fault_hit) {
        why = CTL_FAULT;
    } else if (!c->pause_req) {
        stop = false;
    }
    c->bp_hit = c->stopped_by_hook = c->over_done = c->fault_hit = false;

    if (stop) {
        if (!paused(c, p, why)) {
            emu_request_stop(c->e);
            return;
        }
        hook_ran_here = true; /* resuming at rip: a breakpoint there was just reported */
    } else if (c->cl.on_tick && atomic_exchange(&c->tick_due, false)) {
        c->cl.on_tick(c->cl.ctx, p);
    }
    set_code_hook(c, p);
    if (!c->hooked) {
        c->skip_armed = false; /* no hook to skip a breakpoint in */
        return;
    }
    if (!have_rip)
        rip = mmu_reg_read(p->mmu, UC_X86_REG_RIP);
    /* still armed if the hook has not run since (the instruction's fetch faulted first) */
    c->skip_armed = hook_ran_here || (c->skip_armed && c->skip_addr == rip);
    c->skip_addr = rip;
}

static void *ticker_main(void *arg)
{
    struct ctl *c = arg;
    pthread_setname_np(pthread_self(), "fl-step-tick");
    struct timespec ts = {.tv_sec = c->tick_ms / 1000, .tv_nsec = (c->tick_ms % 1000) * 1000000L};
    for (;;) {
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&c->lock);
        if (c->ticker_exit) {
            pthread_mutex_unlock(&c->lock);
            return NULL;
        }
        if (c->running || c->pause_req || c->quit_req) {
            atomic_store(&c->tick_due, true);
            emu_kick(c->e); /* a no-op between rounds */
        }
        pthread_mutex_unlock(&c->lock);
    }
}

struct ctl *ctl_create(struct emu *e, const struct ctl_client *client, unsigned tick_ms)
{
    struct ctl *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->e = e;
    c->cl = *client;
    c->tick_ms = tick_ms ? tick_ms : 50;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->fobs.on_fault = on_fault;
    c->fobs.ctx = c;
    fault_observer_register(&c->fobs);
    emu_set_round_hook(e, ctl_round, c);
    c->ticker_started = pthread_create(&c->ticker, NULL, ticker_main, c) == 0;
    return c;
}

void ctl_destroy(struct ctl *c)
{
    if (!c)
        return;
    if (c->ticker_started) {
        pthread_mutex_lock(&c->lock);
        c->ticker_exit = true;
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->ticker, NULL);
    }
    emu_set_round_hook(c->e, NULL, NULL);
    fault_observer_unregister(&c->fobs);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
}

/* Queue a command; while the guest runs freely it is dropped (pause first). */
static void post(struct ctl *c, enum ctl_cmd cmd, unsigned n, const struct ctl_filter *f)
{
    pthread_mutex_lock(&c->lock);
    if (!c->running && c->queued < CTL_QUEUE) {
        c->queue[c->queued].cmd = cmd;
        c->queue[c->queued].n = n;
        if (f)
            c->queue[c->queued].filter = *f;
        else
            memset(&c->queue[c->queued].filter, 0, sizeof(*f));
        c->queued++;
        pthread_cond_signal(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
}

void ctl_step(struct ctl *c, unsigned n)
{
    post(c, CMD_STEP, n, NULL);
}

void ctl_step_over(struct ctl *c)
{
    post(c, CMD_OVER, 1, NULL);
}

void ctl_continue(struct ctl *c)
{
    post(c, CMD_CONTINUE, 0, NULL);
}

void ctl_run_to_fault(struct ctl *c, const struct ctl_filter *f)
{
    post(c, CMD_TO_FAULT, 0, f);
}

void ctl_refresh(struct ctl *c)
{
    pthread_mutex_lock(&c->lock);
    c->refresh = true;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

void ctl_pause(struct ctl *c)
{
    c->pause_req = 1;
}

void ctl_quit(struct ctl *c)
{
    c->quit_req = 1;
}

int ctl_toggle_breakpoint(struct ctl *c, uint64_t addr)
{
    int ret = -1;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < c->nbp; i++) {
        if (c->bps[i] == addr) {
            c->bps[i] = c->bps[--c->nbp];
            ret = 0;
            break;
        }
    }
    if (ret < 0 && c->nbp < CTL_MAX_BP) {
        c->bps[c->nbp++] = addr;
        ret = 1;
    }
    c->bp_dirty = true;
    pthread_mutex_unlock(&c->lock);
    return ret;
}

int ctl_breakpoints(struct ctl *c, uint64_t *out, int max)
{
    pthread_mutex_lock(&c->lock);
    int n = c->nbp;
    for (int i = 0; i < n && i < max; i++)
        out[i] = c->bps[i];
    pthread_mutex_unlock(&c->lock);
    return n;
}

bool ctl_running(struct ctl *c)
{
    pthread_mutex_lock(&c->lock);
    bool r = c->running;
    pthread_mutex_unlock(&c->lock);
    return r;
}
