/*
 * sys_signal.c - signal state and the signals the emulated kernel raises (kernel/signal.c,
 * arch/x86/kernel/traps.c, the default actions of include/linux/signal.h).
 */
#include <errno.h>
#include <string.h>

#include "emu/emu.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "mmu/uaccess.h"

#define SIGHUP     1
#define SIGINT     2
#define SIGQUIT    3
#define SIGILL     4
#define SIGTRAP    5
#define SIGABRT    6
#define SIGBUS     7
#define SIGFPE     8
#define SIGKILL    9
#define SIGSEGV    11
#define SIGCHLD    17
#define SIGCONT    18
#define SIGSTOP    19
#define SIGURG     23
#define SIGWINCH   28
#define SI_KERNEL  0x80
#define FPE_INTDIV 1
#define ILL_ILLOPN 2
#define TRAP_BRKPT 1

const char *signal_name(int signo)
{
    static const char *const names[] = {
        "0",         "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
    };
    if (signo >= 0 && signo < (int)(sizeof(names) / sizeof(names[0])))
        return names[signo];
    return "SIGRT";
}

static bool sig_default_ignored(int signo)
{
    return signo == SIGCHLD || signo == SIGURG || signo == SIGWINCH || signo == SIGCONT;
}

/* The process dies of signo (the default action), unless a guest handler would run, which
 * this build cannot do yet: say so, and die of it all the same. */
static void die_of(struct proc *p, int signo)
{
    struct k_sigaction *ka = &p->sighand[signo];
    if (ka->handler != FL_SIG_DFL && ka->handler != FL_SIG_IGN)
        arch_printk("faultline: %s[%d]: %s handler at %#llx not run: delivery to guest signal "
                    "handlers is not implemented yet; the process dies of the signal",
                    p->task.comm, p->task.pid, signal_name(signo), (unsigned long long)ka->handler);
    proc_exit(p, 0, signo);
}

static bool handler_installed(struct proc *p, int signo)
{
    uint64_t h = p->sighand[signo].handler;
    return h != FL_SIG_DFL && h != FL_SIG_IGN && !(p->blocked & (1ULL << (signo - 1)));
}

void force_sig_fault(struct proc *p, int signo, int si_code, uint64_t addr,
                     const struct pt_regs *regs, unsigned long error_code)
{
    (void)si_code;
    /* show_unhandled_signals: only a signal nobody handles is logged by the kernel */
    if (signo == SIGSEGV && !handler_installed(p, signo))
        show_signal_msg(&p->task, regs, error_code, addr);
    die_of(p, signo);
}

void force_sig_trap(struct proc *p, int intno, const struct pt_regs *regs)
{
    int signo;
    const char *what;
    switch (intno) {
    case 0:
        signo = SIGFPE, what = "divide error";
        break;
    case 1:
    case 3:
        signo = SIGTRAP, what = "int3";
        break;
    case 6:
        signo = SIGILL, what = "invalid opcode";
        break;
    case 13:
        signo = SIGSEGV, what = "general protection fault";
        break;
    default:
        signo = SIGSEGV, what = "trap";
        break;
    }
    if (!handler_installed(p, signo) && signo != SIGTRAP)
        arch_printk("traps: %s[%d] %s ip:%llx sp:%llx error:0", p->task.comm, p->task.pid, what,
                    (unsigned long long)regs->ip, (unsigned long long)regs->sp);
    die_of(p, signo);
}

long send_sig_self(struct proc *p, int signo)
{
    if (signo < 0 || signo > FL_NSIG)
        return -EINVAL;
    if (signo == 0)
        return 0;
    struct k_sigaction *ka = &p->sighand[signo];
    if (signo != SIGKILL && signo != SIGSTOP) {
        if (ka->handler == FL_SIG_IGN || (ka->handler == FL_SIG_DFL && sig_default_ignored(signo)))
            return 0;
        if (p->blocked & (1ULL << (signo - 1)))
            return 0; /* stays pending; pending signals arrive with signal delivery */
    }
    if (signo == SIGSTOP)
        return 0;
    die_of(p, signo);
    return 0;
}

long sys_rt_sigaction(struct proc *p, const uint64_t a[6])
{
    int signo = (int)a[0];
    if (a[3] != 8)
        return -EINVAL;
    if (signo < 1 || signo > FL_NSIG)
        return -EINVAL;
    if (a[2] && put_user_bytes(&p->task, a[2], &p->sighand[signo], sizeof(struct k_sigaction)))
        return -EFAULT;
    if (a[1]) {
        struct k_sigaction ka;
        if (get_user_bytes(&p->task, &ka, a[1], sizeof(ka)))
            return -EFAULT;
        if (signo == SIGKILL || signo == SIGSTOP)
            return -EINVAL;
        p->sighand[signo] = ka;
    }
    return 0;
}

long sys_rt_sigprocmask(struct proc *p, const uint64_t a[6])
{
    if (a[3] != 8)
        return -EINVAL;
    uint64_t old = p->blocked, set;
    if (a[1]) {
        if (get_user_bytes(&p->task, &set, a[1], 8))
            return -EFAULT;
        switch (a[0]) {
        case 0: /* SIG_BLOCK */
            p->blocked |= set;
            break;
        case 1: /* SIG_UNBLOCK */
            p->blocked &= ~set;
            break;
        case 2: /* SIG_SETMASK */
            p->blocked = set;
            break;
        default:
            return -EINVAL;
        }
        p->blocked &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
    }
    if (a[2] && put_user_bytes(&p->task, a[2], &old, 8))
        return -EFAULT;
    return 0;
}

long sys_sigaltstack(struct proc *p, const uint64_t a[6])
{
    struct {
        uint64_t ss_sp;
        int32_t ss_flags, pad;
        uint64_t ss_size;
    } ss;
    if (a[1]) {
        memset(&ss, 0, sizeof(ss));
        ss.ss_sp = p->altstack_sp;
        ss.ss_size = p->altstack_size;
        ss.ss_flags = p->altstack_size ? 0 : 2 /* SS_DISABLE */;
        if (put_user_bytes(&p->task, a[1], &ss, sizeof(ss)))
            return -EFAULT;
    }
    if (a[0]) {
        if (get_user_bytes(&p->task, &ss, a[0], sizeof(ss)))
            return -EFAULT;
        if (ss.ss_flags & 2) {
            p->altstack_sp = 0;
            p->altstack_size = 0;
        } else {
            if (ss.ss_size < 2048)
                return -ENOMEM;
            p->altstack_sp = ss.ss_sp;
            p->altstack_size = ss.ss_size;
        }
    }
    return 0;
}

static long kill_target(struct proc *p, long pid, int signo)
{
    if (pid != p->task.pid && pid != 0 && pid != -1)
        return -ESRCH;
    return send_sig_self(p, signo);
}

long sys_kill(struct proc *p, const uint64_t a[6])
{
    return kill_target(p, (long)(int)a[0], (int)a[1]);
}

long sys_tkill(struct proc *p, const uint64_t a[6])
{
    return kill_target(p, (long)(int)a[0], (int)a[1]);
}

long sys_tgkill(struct proc *p, const uint64_t a[6])
{
    if ((int)a[0] != p->task.tgid)
        return -ESRCH;
    return kill_target(p, (long)(int)a[1], (int)a[2]);
}
