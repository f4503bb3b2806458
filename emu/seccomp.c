/*
 * seccomp.c - secure computing as Linux 4.20's kernel/seccomp.c: strict mode (read, write,
 * exit and rt_sigreturn only, anything else kills the thread) and filter mode, where classic BPF
 * programs the task installed (seccomp(2) or prctl(PR_SET_SECCOMP)) look at every system call
 * (its number, the architecture, the instruction pointer, the six arguments: struct
 * seccomp_data) and say what happens to it: run it (ALLOW, LOG), fail it with an errno (ERRNO),
 * skip it with a SIGSYS (TRAP), or kill the thread or the process (KILL_THREAD, KILL_PROCESS).
 * Of several filters the most restrictive answer wins. Filters are inherited by fork and clone,
 * kept by execve, and TSYNC gives a thread group one chain.
 *
 * man-db runs its groff pipeline under such a filter (libseccomp), and stopped asking for one
 * when prctl(PR_GET_SECCOMP) said EINVAL (a kernel without CONFIG_SECCOMP), so `man`'s
 * children ran another path than natively (1,198 page faults against 2,081).
 *
 * SECCOMP_RET_TRACE stops a tracee whose tracer set PTRACE_O_TRACESECCOMP in
 * PTRACE_EVENT_SECCOMP (after its syscall-entry stop, emu/sys_ptrace.c), and the call, whose
 * number the tracer may have changed, runs once it is resumed (strace --seccomp-bpf); without
 * such a tracer it fails with ENOSYS. Not done: the audit log of LOG and the kill actions;
 * PTRACE_O_SUSPEND_SECCOMP; SECCOMP_FILTER_FLAG_SPEC_ALLOW is accepted and means nothing (no
 * speculation to control); a call the tracer skips returns ENOSYS, not the rax it set.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu.h"
#include "emu/sched.h"
#include "emu/seccomp.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/uio.h"
#include "emu/syscall.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

/* include/uapi/linux/seccomp.h */
#define SECCOMP_MODE_DISABLED          0
#define SECCOMP_MODE_STRICT            1
#define SECCOMP_MODE_FILTER            2
#define SECCOMP_SET_MODE_STRICT        0
#define SECCOMP_SET_MODE_FILTER        1
#define SECCOMP_GET_ACTION_AVAIL       2
#define SECCOMP_FILTER_FLAG_TSYNC      1u
#define SECCOMP_FILTER_FLAG_LOG        2u
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW 4u
#define SECCOMP_FILTER_FLAG_MASK                                                                   \
    (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW)
#define SECCOMP_RET_KILL_PROCESS 0x80000000u
#define SECCOMP_RET_KILL_THREAD  0x00000000u
#define SECCOMP_RET_TRAP         0x00030000u
#define SECCOMP_RET_ERRNO        0x00050000u
#define SECCOMP_RET_TRACE        0x7ff00000u
#define SECCOMP_RET_LOG          0x7ffc0000u
#define SECCOMP_RET_ALLOW        0x7fff0000u
#define SECCOMP_RET_ACTION_FULL  0xffff0000u
#define SECCOMP_RET_DATA         0x0000ffffu
#define MAX_ERRNO                4095

/* include/uapi/linux/filter.h, bpf_common.h: classic BPF */
struct sock_filter {
    uint16_t code;
    uint8_t jt, jf;
    uint32_t k;
};
#define BPF_CLASS(c) ((c)&0x07)
#define BPF_LD       0x00
#define BPF_LDX      0x01
#define BPF_ST       0x02
#define BPF_STX      0x03
#define BPF_ALU      0x04
#define BPF_JMP      0x05
#define BPF_RET      0x06
#define BPF_MISC     0x07
#define BPF_W        0x00
#define BPF_IMM      0x00
#define BPF_ABS      0x20
#define BPF_MEM      0x60
#define BPF_LEN      0x80
#define BPF_ADD      0x00
#define BPF_SUB      0x10
#define BPF_MUL      0x20
#define BPF_DIV      0x30
#define BPF_OR       0x40
#define BPF_AND      0x50
#define BPF_LSH      0x60
#define BPF_RSH      0x70
#define BPF_NEG      0x80
#define BPF_XOR      0xa0
#define BPF_JA       0x00
#define BPF_JEQ      0x10
#define BPF_JGT      0x20
#define BPF_JGE      0x30
#define BPF_JSET     0x40
#define BPF_K        0x00
#define BPF_X        0x08
#define BPF_A        0x10
#define BPF_TAX      0x00
#define BPF_TXA      0x80
#define BPF_MAXINSNS 4096
#define BPF_MEMWORDS 16
/* the longest chain of filters a call may run, each charged 4 instructions more */
#define MAX_INSNS_PER_PATH ((1 << 18) / sizeof(struct sock_filter))

/* struct seccomp_data: what a filter loads from */
struct seccomp_data {
    int32_t nr;
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t args[6];
};
#define AUDIT_ARCH_X86_64 0xc000003eu

struct seccomp_filter {
    unsigned refs;
    bool log;
    struct seccomp_filter *prev;
    unsigned len;
    struct sock_filter insns[];
};

static void filter_put(struct seccomp_filter *f)
{
    while (f && --f->refs == 0) {
        struct seccomp_filter *prev = f->prev;
        free(f);
        f = prev;
    }
}

void seccomp_fork(struct proc *c, const struct proc *p)
{
    c->seccomp_mode = p->seccomp_mode;
    c->seccomp = p->seccomp;
    if (c->seccomp)
        c->seccomp->refs++;
}

void seccomp_release(struct proc *p)
{
    filter_put(p->seccomp);
    p->seccomp = NULL;
}

static bool is_cond_jump(uint16_t code)
{
    switch (code) {
    case BPF_JMP | BPF_JEQ | BPF_K:
    case BPF_JMP | BPF_JEQ | BPF_X:
    case BPF_JMP | BPF_JGE | BPF_K:
    case BPF_JMP | BPF_JGE | BPF_X:
    case BPF_JMP | BPF_JGT | BPF_K:
    case BPF_JMP | BPF_JGT | BPF_X:
    case BPF_JMP | BPF_JSET | BPF_K:
    case BPF_JMP | BPF_JSET | BPF_X:
        return true;
    default:
        return false;
    }
}

/*
 * bpf_check_classic and seccomp_check_filter in one: only the instructions seccomp allows
 * (loads from seccomp_data as aligned 32-bit words, no packet access, no MOD), jumps that stay
 * inside the program, no division by a constant 0, no shift by 32 or more, scratch cells that
 * exist and are stored before they are loaded on every path (check_load_and_stores), a RET at
 * the end. Every refusal is EINVAL, as Linux's.
 */
static int check_filter(const struct sock_filter *f, unsigned len)
{
    for (unsigned pc = 0; pc < len; pc++) {
        uint16_t code = f[pc].code;
        uint32_t k = f[pc].k;
        switch (code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (k >= sizeof(struct seccomp_data) || (k & 3))
                return -EINVAL;
            break;
        case BPF_ALU | BPF_DIV | BPF_K:
            if (k == 0)
                return -EINVAL;
            break;
        case BPF_ALU | BPF_LSH | BPF_K:
        case BPF_ALU | BPF_RSH | BPF_K:
            if (k >= 32)
                return -EINVAL;
            break;
        case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_MEM:
        case BPF_ST:
        case BPF_STX:
            if (k >= BPF_MEMWORDS)
                return -EINVAL;
            break;
        case BPF_JMP | BPF_JA:
            if (k >= len - pc - 1)
                return -EINVAL;
            break;
        case BPF_LD | BPF_W | BPF_LEN:
        case BPF_LDX | BPF_W | BPF_LEN:
        case BPF_RET | BPF_K:
        case BPF_RET | BPF_A:
        case BPF_ALU | BPF_ADD | BPF_K:
        case BPF_ALU | BPF_ADD | BPF_X:
        case BPF_ALU | BPF_SUB | BPF_K:
        case BPF_ALU | BPF_SUB | BPF_X:
        case BPF_ALU | BPF_MUL | BPF_K:
        case BPF_ALU | BPF_MUL | BPF_X:
        case BPF_ALU | BPF_DIV | BPF_X:
        case BPF_ALU | BPF_AND | BPF_K:
        case BPF_ALU | BPF_AND | BPF_X:
        case BPF_ALU | BPF_OR | BPF_K:
        case BPF_ALU | BPF_OR | BPF_X:
        case BPF_ALU | BPF_XOR | BPF_K:
        case BPF_ALU | BPF_XOR | BPF_X:
        case BPF_ALU | BPF_LSH | BPF_X:
        case BPF_ALU | BPF_RSH | BPF_X:
        case BPF_ALU | BPF_NEG:
        case BPF_LD | BPF_IMM:
        case BPF_LDX | BPF_IMM:
        case BPF_MISC | BPF_TAX:
        case BPF_MISC | BPF_TXA:
            break;
        default:
            if (!is_cond_jump(code))
                return -EINVAL;
            if (pc + f[pc].jt + 1 >= len || pc + f[pc].jf + 1 >= len)
                return -EINVAL;
        }
    }
    if (f[len - 1].code != (BPF_RET | BPF_K) && f[len - 1].code != (BPF_RET | BPF_A))
        return -EINVAL;
    /* check_load_and_stores: one bit per cell, valid on every path into pc */
    uint16_t *masks = malloc(len * sizeof(*masks)), valid = 0;
    if (!masks)
        return -ENOMEM;
    memset(masks, 0xff, len * sizeof(*masks));
    int r = 0;
    for (unsigned pc = 0; pc < len && !r; pc++) {
        const struct sock_filter *i = &f[pc];
        valid &= masks[pc];
        switch (i->code) {
        case BPF_ST:
        case BPF_STX:
            valid |= (uint16_t)(1u << i->k);
            break;
        case BPF_LD | BPF_MEM:
        case BPF_LDX | BPF_MEM:
            if (!(valid & (1u << i->k)))
                r = -EINVAL;
            break;
        case BPF_JMP | BPF_JA:
            masks[pc + 1 + i->k] &= valid;
            valid = 0xffff;
            break;
        default:
            if (is_cond_jump(i->code)) {
                masks[pc + 1 + i->jt] &= valid;
                masks[pc + 1 + i->jf] &= valid;
                valid = 0xffff;
            }
        }
    }
    free(masks);
    return r;
}

/* Run one checked filter on d. A division by an X of 0 ends it with 0 (KILL_THREAD), as
 * Linux's conversion to eBPF makes it. */
static uint32_t run_filter(const struct seccomp_filter *f, const struct seccomp_data *d)
{
    uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
    const unsigned char *data = (const unsigned char *)d;
    for (unsigned pc = 0; pc < f->len; pc++) {
        const struct sock_filter *i = &f->insns[pc];
        uint32_t k = i->k, src = (i->code & BPF_X) ? x : k;
        switch (BPF_CLASS(i->code)) {
        case BPF_LD:
            if (i->code == (BPF_LD | BPF_W | BPF_ABS))
                memcpy(&a, data + k, sizeof(a));
            else if (i->code == (BPF_LD | BPF_W | BPF_LEN))
                a = sizeof(*d);
            else if (i->code == (BPF_LD | BPF_MEM))
                a = mem[k];
            else
                a = k;
            break;
        case BPF_LDX:
            x = i->code == (BPF_LDX | BPF_MEM)           ? mem[k]
                : i->code == (BPF_LDX | BPF_W | BPF_LEN) ? (uint32_t)sizeof(*d)
                                                         : k;
            break;
        case BPF_ST:
            mem[k] = a;
            break;
        case BPF_STX:
            mem[k] = x;
            break;
        case BPF_ALU:
            switch (i->code & 0xf0) {
            case BPF_ADD:
                a += src;
                break;
            case BPF_SUB:
                a -= src;
                break;
            case BPF_MUL:
                a *= src;
                break;
            case BPF_DIV:
                if (!src)
                    return 0;
                a /= src;
                break;
            case BPF_OR:
                a |= src;
                break;
            case BPF_AND:
                a &= src;
                break;
            case BPF_XOR:
                a ^= src;
                break;
            case BPF_LSH:
                a <<= src & 31;
                break;
            case BPF_RSH:
                a >>= src & 31;
                break;
            case BPF_NEG:
                a = -a;
                break;
            }
            break;
        case BPF_JMP: {
            bool t;
            switch (i->code & 0xf0) {
            case BPF_JA:
                pc += k;
                continue;
            case BPF_JEQ:
                t = a == src;
                break;
            case BPF_JGT:
                t = a > src;
                break;
            case BPF_JGE:
                t = a >= src;
                break;
            default: /* BPF_JSET */
                t = (a & src) != 0;
                break;
            }
            pc += t ? i->jt : i->jf;
            break;
        }
        case BPF_RET:
            return (i->code & BPF_A) ? a : k;
        case BPF_MISC:
            if (i->code == (BPF_MISC | BPF_TAX))
                x = a;
            else
                a = x;
            break;
        }
    }
    return 0; /* not reached: the check ends every program with a RET */
}

/* The action alone, signed: KILL_PROCESS is the lowest, ALLOW the highest. */
static int32_t action_only(uint32_t ret)
{
    return (int32_t)(ret & SECCOMP_RET_ACTION_FULL);
}

/* seccomp_run_filters: every filter runs on the call; the lowest action wins, the newest
 * filter's if several give it. */
static uint32_t run_filters(const struct proc *p, uint64_t nr, const uint64_t a[6],
                            uint64_t call_addr)
{
    struct seccomp_data d = {(int32_t)nr, AUDIT_ARCH_X86_64, call_addr, {0}};
    memcpy(d.args, a, sizeof(d.args));
    uint32_t r = SECCOMP_RET_ALLOW;
    for (const struct seccomp_filter *f = p->seccomp; f; f = f->prev) {
        uint32_t cur = run_filter(f, &d);
        if (action_only(cur) < action_only(r))
            r = cur;
    }
    return r;
}

bool seccomp_trace_wanted(struct proc *p, uint64_t nr, uint32_t *data)
{
    if (p->seccomp_mode != SECCOMP_MODE_FILTER)
        return false;
    static const int ids[6] = {UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
                               UC_X86_REG_R10, UC_X86_REG_R8,  UC_X86_REG_R9};
    uint64_t a[6];
    for (int i = 0; i < 6; i++)
        a[i] = mmu_reg_read(p->mmu, ids[i]);
    uint32_t r = run_filters(p, nr, a, mmu_reg_read(p->mmu, UC_X86_REG_RIP) + 2);
    *data = r & SECCOMP_RET_DATA;
    return (r & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_TRACE;
}

bool seccomp_syscall(struct proc *p, uint64_t nr, const uint64_t a[6], long *ret)
{
    bool recheck = p->seccomp_recheck;
    p->seccomp_recheck = false;
    if (p->seccomp_mode == SECCOMP_MODE_DISABLED)
        return false;
    if (p->seccomp_mode == SECCOMP_MODE_STRICT) {
        /* mode1_syscalls: read, write, exit, rt_sigreturn */
        if (nr == 0 || nr == 1 || nr == 60 || nr == 15)
            return false;
        proc_exit(p, 0, 9 /* SIGKILL */);
        *ret = 0;
        return true;
    }
    if (recheck && (int64_t)nr < 0) {
        /* the tracer skipped the call at PTRACE_EVENT_SECCOMP (orig_rax -1): nothing runs */
        *ret = -ENOSYS;
        return true;
    }
    uint64_t call_addr = mmu_reg_read(p->mmu, UC_X86_REG_RIP) + 2; /* KSTK_EIP */
    uint32_t r = run_filters(p, nr, a, call_addr);
    uint32_t data = r & SECCOMP_RET_DATA;
    switch (r & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_ALLOW:
    case SECCOMP_RET_LOG:
        return false;
    case SECCOMP_RET_ERRNO:
        *ret = -(long)(data > MAX_ERRNO ? MAX_ERRNO : data);
        return true;
    case SECCOMP_RET_TRAP:
        /* syscall_rollback: rax is the call's number again in the handler's frame */
        force_sig_seccomp(p, (int)nr, (int)data, call_addr);
        *ret = (long)nr;
        return true;
    case SECCOMP_RET_TRACE:
        /* resumed from its PTRACE_EVENT_SECCOMP (ptrace_syscall_enter): the call runs; with no
         * tracer that asked for the event, it fails */
        if (recheck)
            return false;
        *ret = -ENOSYS;
        return true;
    case SECCOMP_RET_KILL_PROCESS:
        group_exit(p, 0, 31 /* SIGSYS */);
        *ret = 0;
        return true;
    default: /* KILL_THREAD, and an action 4.20 does not know */
        proc_exit(p, 0, 31 /* SIGSYS */);
        *ret = 0;
        return true;
    }
}

/* seccomp_may_assign_mode: a task may go into a mode, or stay in the one it has. */
static bool may_assign_mode(const struct proc *p, int mode)
{
    return p->seccomp_mode == SECCOMP_MODE_DISABLED || p->seccomp_mode == mode;
}

/* is_ancestor: is chain `parent` the start of chain `child` (or empty)? */
static bool is_ancestor(const struct seccomp_filter *parent, const struct seccomp_filter *child)
{
    if (!parent)
        return true;
    for (; child; child = child->prev)
        if (child == parent)
            return true;
    return false;
}

/* seccomp_set_mode_filter: read the sock_fprog {len, filter} at uargs, check the program, put
 * it in front of the task's chain, and with TSYNC give the chain to every thread of the group
 * (each must have no filter or one this chain starts with; else the first that has not is the
 * result, its tid). */
static long set_mode_filter(struct proc *p, unsigned flags, uint64_t uargs)
{
    if (flags & ~SECCOMP_FILTER_FLAG_MASK)
        return -EINVAL;
    struct {
        uint16_t len;
        uint16_t pad[3];
        uint64_t filter;
    } prog;
    if (get_user_struct(p, &prog, uargs, sizeof(prog)))
        return -EFAULT;
    if (prog.len == 0 || prog.len > BPF_MAXINSNS)
        return -EINVAL;
    if (!p->no_new_privs && !guest_capable(p, 21 /* CAP_SYS_ADMIN */))
        return -EACCES;
    if (!prog.filter) /* bpf_check_basics_ok */
        return -EINVAL;
    struct seccomp_filter *f = malloc(sizeof(*f) + prog.len * sizeof(struct sock_filter));
    if (!f)
        return -ENOMEM;
    f->refs = 1;
    f->log = (flags & SECCOMP_FILTER_FLAG_LOG) != 0;
    f->prev = NULL;
    f->len = prog.len;
    long r = get_user_struct(p, f->insns, prog.filter, prog.len * sizeof(struct sock_filter))
                 ? -EFAULT
                 : check_filter(f->insns, f->len);
    if (!r && !may_assign_mode(p, SECCOMP_MODE_FILTER))
        r = -EINVAL;
    if (!r) { /* seccomp_attach_filter */
        unsigned long total = f->len;
        for (const struct seccomp_filter *w = p->seccomp; w; w = w->prev)
            total += w->len + 4;
        if (total > MAX_INSNS_PER_PATH)
            r = -ENOMEM;
    }
    if (!r && (flags & SECCOMP_FILTER_FLAG_TSYNC)) /* seccomp_can_sync_threads */
        for (const struct proc *q = p->emu->procs; q; q = q->next)
            if (q != p && q->task.tgid == p->task.tgid && !q->exited &&
                !(q->seccomp_mode == SECCOMP_MODE_DISABLED ||
                  (q->seccomp_mode == SECCOMP_MODE_FILTER &&
                   is_ancestor(q->seccomp, p->seccomp)))) {
                r = q->task.pid;
                break;
            }
    if (r) {
        free(f);
        return r;
    }
    f->prev = p->seccomp;
    p->seccomp = f;
    p->seccomp_mode = SECCOMP_MODE_FILTER;
    if (flags & SECCOMP_FILTER_FLAG_TSYNC) /* seccomp_sync_threads */
        for (struct proc *q = p->emu->procs; q; q = q->next)
            if (q != p && q->task.tgid == p->task.tgid && !q->exited) {
                filter_put(q->seccomp);
                q->seccomp = p->seccomp;
                q->seccomp->refs++;
                if (p->no_new_privs)
                    q->no_new_privs = true;
                q->seccomp_mode = SECCOMP_MODE_FILTER;
            }
    return 0;
}

static long do_seccomp(struct proc *p, uint64_t op, unsigned flags, uint64_t uargs)
{
    switch (op) {
    case SECCOMP_SET_MODE_STRICT:
        if (flags || uargs || !may_assign_mode(p, SECCOMP_MODE_STRICT))
            return -EINVAL;
        p->seccomp_mode = SECCOMP_MODE_STRICT;
        return 0;
    case SECCOMP_SET_MODE_FILTER:
        return set_mode_filter(p, flags, uargs);
    case SECCOMP_GET_ACTION_AVAIL: {
        uint32_t action;
        if (flags)
            return -EINVAL;
        if (get_user_struct(p, &action, uargs, sizeof(action)))
            return -EFAULT;
        switch (action) {
        case SECCOMP_RET_KILL_PROCESS:
        case SECCOMP_RET_KILL_THREAD:
        case SECCOMP_RET_TRAP:
        case SECCOMP_RET_ERRNO:
        case SECCOMP_RET_TRACE:
        case SECCOMP_RET_LOG:
        case SECCOMP_RET_ALLOW:
            return 0;
        default:
            return -EOPNOTSUPP;
        }
    }
    default:
        return -EINVAL;
    }
}

/* seccomp(op, flags, args) */
long sys_seccomp(struct proc *p, const uint64_t a[6])
{
    return do_seccomp(p, (unsigned)a[0], (unsigned)a[1], a[2]);
}

int seccomp_filter_count(const struct proc *p)
{
    int n = 0;
    for (const struct seccomp_filter *f = p->seccomp; f; f = f->prev)
        n++;
    return n;
}

long seccomp_prctl_get(const struct proc *p)
{
    return p->seccomp_mode;
}

/* prctl_set_seccomp: no flags; strict mode takes no filter */
long seccomp_prctl_set(struct proc *p, uint64_t mode, uint64_t filter)
{
    switch (mode) {
    case SECCOMP_MODE_STRICT:
        return do_seccomp(p, SECCOMP_SET_MODE_STRICT, 0, 0);
    case SECCOMP_MODE_FILTER:
        return do_seccomp(p, SECCOMP_SET_MODE_FILTER, 0, filter);
    default:
        return -EINVAL;
    }
}
