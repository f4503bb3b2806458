/*
 * fault.c - the x86 page-fault entry (models arch/x86/mm/fault.c of Linux 4.20).
 *
 * do_page_fault() is what the CPU's #PF vector reaches: emu/ calls it when the MMU walk failed
 * for a guest access (X86_PF_USER set), and mmu/uaccess.c calls it when copy_to_user or
 * copy_from_user missed (X86_PF_USER clear). It finds the VMA, checks the access against it,
 * lets handle_mm_fault() fix the page tables, and turns the VM_FAULT_* result into an outcome:
 * retry, a signal for the task, or an exception-table fix-up for the kernel access.
 * Every call is one fault event for the observers (the log and the TUI).
 */
#include <stdio.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace_internal.h"

/* The kernel's stack rule (4.20): an access this far below sp cannot be a stack access. */
#define STACK_SP_SLACK (65536 + 32 * sizeof(unsigned long))

struct fault_ctx {
    struct task_struct *tsk;
    struct pt_regs *regs;
    unsigned long error_code, address;
    struct fault_result *res;
    struct fault_event *ev;
};

static void record_vma(struct fault_ctx *c, struct vm_area_struct *vma)
{
    c->ev->vma_start = vma->vm_start;
    c->ev->vma_end = vma->vm_end;
    c->ev->vma_flags = vma->vm_flags;
    c->ev->vma_pgoff = vma->vm_pgoff;
    c->ev->vma_file = vma_name(vma); /* observers copy what they keep */
}

/*
 * show_signal_msg - the kernel's "segfault at" line for a SIGSEGV the task does not handle.
 * Called by the signal code (which knows whether a handler exists), with the fault's address and
 * its final error code (fault_result.error_code).
 */
void show_signal_msg(struct task_struct *tsk, const struct pt_regs *regs, unsigned long error_code,
                     unsigned long address)
{
    char where[300] = "";
    struct vm_area_struct *vma = tsk->mm ? find_vma(tsk->mm, regs->ip) : NULL;
    if (vma && vma->vm_start <= regs->ip) {
        const char *n = vma_name(vma);
        const char *base = n ? strrchr(n, '/') : NULL;
        snprintf(where, sizeof(where), " in %s[%lx+%lx]", base ? base + 1 : (n ? n : ""),
                 vma->vm_start, vma->vm_end - vma->vm_start);
    }
    /* KERN_EMERG for init (pid 1), KERN_INFO for the rest */
    arch_printk("%s%s[%d]: segfault at %lx ip %016lx sp %016lx error %lx%s",
                tsk->pid > 1 ? KERN_INFO : KERN_EMERG, tsk->comm, tsk->pid, address,
                (unsigned long)regs->ip, (unsigned long)regs->sp, error_code, where);
}

/*
 * no_context - a kernel-mode access that the mm could not satisfy. The uaccess that made it has an
 * exception-table entry (every copy_*_user does), so fixup_exception() applies: the access stops
 * and the system call returns -EFAULT. No signal is sent.
 */
static void no_context(struct fault_ctx *c, int signo, int si_code)
{
    trace_fn("no_context");
    c->res->outcome = FAULT_FIXUP;
    c->res->signo = signo;
    c->res->si_code = si_code;
    c->res->fault_addr = c->address;
    c->ev->outcome = OUTCOME_EFAULT;
    c->ev->signo = signo;
    c->ev->si_code = si_code;
}

/* __bad_area_nosemaphore - SIGSEGV for a user access; no_context for a kernel one. */
static void __bad_area_nosemaphore(struct fault_ctx *c, int si_code)
{
    if (c->error_code & X86_PF_USER) {
        /* The kernel hides its own layout: a user access to a kernel address reads as a
         * protection violation whatever the tables say. */
        if (c->address >= TASK_SIZE_MAX)
            c->error_code |= X86_PF_PROT;
        c->res->outcome = FAULT_SIGNAL;
        c->res->signo = FL_SIGSEGV;
        c->res->si_code = si_code;
        c->res->fault_addr = c->address;
        c->ev->outcome = OUTCOME_SIGSEGV;
        c->ev->signo = FL_SIGSEGV;
        c->ev->si_code = si_code;
        c->ev->error_code = c->error_code;
        return;
    }
    no_context(c, FL_SIGSEGV, si_code);
}

static void bad_area_nosemaphore(struct fault_ctx *c)
{
    trace_fn("bad_area_nosemaphore");
    __bad_area_nosemaphore(c, SEGV_MAPERR);
}

static void bad_area(struct fault_ctx *c)
{
    trace_fn("bad_area");
    __bad_area_nosemaphore(c, SEGV_MAPERR);
}

static void bad_area_access_error(struct fault_ctx *c)
{
    trace_fn("bad_area_access_error");
    __bad_area_nosemaphore(c, SEGV_ACCERR);
}

/*
 * access_error - may this access touch this VMA at all? (The seeds quote this function.)
 * Returns 1 for: a write to a VMA without VM_WRITE; a read of a present page (a protection fault
 * on read means the rights say no); a read or fetch of a VMA with none of read/write/exec rights.
 */
static int access_error(unsigned long error_code, struct vm_area_struct *vma)
{
    if (error_code & X86_PF_PK)
        return 1;
    if (error_code & X86_PF_WRITE) {
        if (!(vma->vm_flags & VM_WRITE))
            return 1;
        return 0;
    }
    if (error_code & X86_PF_PROT)
        return 1;
    if (!(vma->vm_flags & (VM_READ | VM_EXEC | VM_WRITE)))
        return 1;
    return 0;
}

/* do_sigbus - VM_FAULT_SIGBUS: an access past the end of a file mapping, or to a hugetlb
 * mapping with no huge page to give it (BUS_ADRERR). */
static void do_sigbus(struct fault_ctx *c)
{
    trace_fn("do_sigbus");
    if (!(c->error_code & X86_PF_USER)) {
        no_context(c, FL_SIGBUS, BUS_ADRERR);
        return;
    }
    c->res->outcome = FAULT_SIGNAL;
    c->res->signo = FL_SIGBUS;
    c->res->si_code = BUS_ADRERR;
    c->res->fault_addr = c->address;
    c->ev->outcome = OUTCOME_SIGBUS;
    c->ev->signo = FL_SIGBUS;
    c->ev->si_code = BUS_ADRERR;
}

/* mm_fault_error - handle_mm_fault failed: OOM, SIGBUS or SIGSEGV. */
static void mm_fault_error(struct fault_ctx *c, vm_fault_t fault)
{
    trace_fn("mm_fault_error");
    if (fault & VM_FAULT_OOM) {
        if (!(c->error_code & X86_PF_USER)) {
            no_context(c, FL_SIGKILL, 0);
            return;
        }
        /* pagefault_out_of_memory() -> out_of_memory(): reclaim already ran in the allocator
         * and could free nothing, so the OOM killer picks a task (oom_kill.c) and kills it.
         * When that is another task, this one retries the fault afterwards. */
        trace_fn("pagefault_out_of_memory");
        struct task_struct *victim = out_of_memory(c->tsk);
        c->ev->outcome = OUTCOME_OOM;
        if (victim == OOM_NO_KILL) { /* a victim's memory is on its way back: try again */
            c->res->outcome = FAULT_OK;
            return;
        }
        if (!victim) /* 4.20 panics: nothing runs on, nobody was killed */
            arch_panic(c->tsk, "System is deadlocked on memory");
        else
            vm_events.oom_kills++;
        if (victim)
            arch_oom_kill_task(victim, c->tsk);
        if (victim && victim != c->tsk) {
            oom_reap_task_mm(victim, victim->mm);
            c->res->outcome = FAULT_OK;
            return;
        }
        c->res->outcome = FAULT_KILL;
        c->res->signo = FL_SIGKILL;
        c->ev->signo = FL_SIGKILL;
        return;
    }
    if (fault & (VM_FAULT_SIGBUS | VM_FAULT_HWPOISON))
        do_sigbus(c);
    else if (fault & VM_FAULT_SIGSEGV)
        bad_area_nosemaphore(c);
}

/*
 * An instruction that needs more pages at once than reclaim lets it keep can never complete: an
 * instruction straddling two pages of a program's text, in a RAM full of anonymous memory with
 * no swap, faulted in one page by evicting the other, then the other by evicting the first,
 * forever (python3 filling RAM under --ram 64M: 36 million faults in 10 minutes at one
 * instruction). Linux does not get there: page_check_references keeps a referenced page (an
 * executable file page even on the active list), reclaim then frees nothing, and the
 * allocation ends in the OOM killer (should_reclaim_retry). The policies other than `linux`
 * (clock's second pass, fifo, lru) take a page in use. So when one instruction's faults take
 * back, THRASH_REFAULTS_MAX times in a row, pages reclaim has just taken from it (every one of
 * those faults reclaimed memory, and each is on a page the instruction faulted in before), the
 * fault is VM_FAULT_OOM, as Linux's allocation would have been: out_of_memory chooses a victim,
 * and if that is another task this one runs on.
 */
#define THRASH_REFAULTS_MAX 64

static unsigned long pages_reclaimed(void)
{
    return vm_events.pgsteal_anon + vm_events.pgsteal_file + vm_events.pglazyfreed;
}

/* After a successful fault of tsk at ip on address; reclaimed: reclaim freed pages during it.
 * True when the instruction has been taking back its own pages for too long (above). */
static bool thrash_guard(struct task_struct *tsk, unsigned long ip, unsigned long address,
                         bool reclaimed)
{
    unsigned long page = address & PAGE_MASK;
    struct task_thrash *t = &tsk->thrash;

    if (reclaimed && ip == t->ip) {
        for (unsigned i = 0; i < t->nr_pages; i++) {
            if (t->pages[i] != page)
                continue;
            if (++t->refaults < THRASH_REFAULTS_MAX)
                return false;
            t->ip = 0;
            t->nr_pages = t->refaults = 0;
            return true;
        }
        if (t->nr_pages < sizeof(t->pages) / sizeof(t->pages[0])) {
            t->pages[t->nr_pages++] = page;
            return false;
        }
    }
    /* another instruction, a fault that found memory without reclaim, or more pages than one
     * instruction touches: a new streak */
    t->ip = ip;
    t->pages[0] = page;
    t->nr_pages = 1;
    t->refaults = 0;
    return false;
}

/*
 * do_user_addr_fault - a fault on a user address (from user or kernel mode): find the VMA, grow
 * the stack if this is a stack access below it, check rights, then handle_mm_fault().
 */
static void do_user_addr_fault(struct fault_ctx *c)
{
    struct task_struct *tsk = c->tsk;
    struct mm_struct *mm = tsk->mm;
    unsigned long address = c->address, error_code = c->error_code;
    unsigned int flags = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
    struct vm_area_struct *vma;

    trace_fn("do_user_addr_fault");
    if (error_code & X86_PF_USER)
        flags |= FAULT_FLAG_USER;
    if (error_code & X86_PF_WRITE)
        flags |= FAULT_FLAG_WRITE;
    if (error_code & X86_PF_INSTR)
        flags |= FAULT_FLAG_INSTRUCTION;

    if (!mm) {
        bad_area_nosemaphore(c);
        return;
    }
    vma = find_vma(mm, address);
    if (!vma) {
        bad_area(c);
        return;
    }
    record_vma(c, vma);
    if (vma->vm_start > address) {
        if (!(vma->vm_flags & VM_GROWSDOWN)) {
            c->ev->vma_start = c->ev->vma_end = 0; /* the address lies in no VMA */
            c->ev->vma_file = NULL;
            c->ev->vma_flags = 0;
            bad_area(c);
            return;
        }
        if ((error_code & X86_PF_USER) && address + STACK_SP_SLACK < c->regs->sp) {
            bad_area(c);
            return;
        }
        trace_fn("expand_stack");
        if (expand_stack(vma, address)) {
            bad_area(c);
            return;
        }
        record_vma(c, vma);
    }

    if (access_error(error_code, vma)) {
        bad_area_access_error(c);
        return;
    }

    unsigned long reclaimed = pages_reclaimed();
    vm_fault_t fault = handle_mm_fault(vma, address, flags);
    if (!(fault & VM_FAULT_ERROR) &&
        thrash_guard(tsk, c->regs->ip, address, pages_reclaimed() != reclaimed)) {
        trace_fn("thrash_guard");
        fault |= VM_FAULT_OOM;
    }
    c->res->vm_fault = fault;
    c->ev->vm_fault = fault;
    if (fault & VM_FAULT_ERROR) {
        mm_fault_error(c, fault);
        return;
    }
    if ((fault & VM_FAULT_RETRY) && tsk->uffd_wait) {
        /* handle_userfault: the task sleeps until user space has dealt with the page; 4.20
         * then retries handle_mm_fault, here the access is made again (the fault counts as
         * major then, userfaultfd_wait_done) */
        c->res->outcome = FAULT_WAIT;
        c->ev->outcome = OUTCOME_USERFAULT;
        return;
    }
    c->res->outcome = FAULT_OK;
    if (fault & VM_FAULT_MAJOR) {
        tsk->maj_flt++;
        c->res->major = true;
        c->ev->outcome = OUTCOME_MAJOR;
    } else {
        tsk->min_flt++;
        c->ev->outcome = OUTCOME_MINOR;
    }
}

/*
 * do_kern_addr_fault - a fault at or above TASK_SIZE_MAX. The only kernel address user code may
 * legitimately reach is the legacy vsyscall page, which is emulated; anything else is a SIGSEGV
 * (user) or an oops-turned-fix-up (kernel).
 */
static void do_kern_addr_fault(struct fault_ctx *c)
{
    trace_fn("do_kern_addr_fault");
    if ((c->error_code & (X86_PF_USER | X86_PF_INSTR)) == (X86_PF_USER | X86_PF_INSTR) &&
        (c->address & PAGE_MASK) == VSYSCALL_ADDR) {
        trace_fn("emulate_vsyscall");
        if (arch_emulate_vsyscall(c->tsk, c->regs, c->address)) {
            c->res->outcome = FAULT_OK;
            c->ev->outcome = OUTCOME_MINOR;
            return;
        }
    }
    bad_area_nosemaphore(c);
}

/* The task whose fault is being handled (Linux's current, for handle_userfault), or NULL. */
static struct task_struct *fault_current;

struct task_struct *fault_task(void)
{
    return fault_current;
}

/* The entry that maps address for the log's pte_before/pte_after: the PTE, or the PMD when a
 * huge page maps it (its _PAGE_PSE bit tells the two apart); 0 if none. */
static uint64_t fault_entry(struct mm_struct *mm, unsigned long address)
{
    bool huge;
    return mm && address < TASK_SIZE_MAX ? pte_val(lookup_leaf(mm, address, &huge)) : 0;
}

/*
 * do_page_fault - the #PF entry.
 * Expects: tsk->mm is the address space the access was made in; regs->ip/sp are precise;
 * error_code as the CPU builds it (X86_PF_USER set for guest accesses).
 * Leaves: res->outcome says whether to retry (FAULT_OK), signal, fix up or kill, or sleep until
 * a userfaultfd's wake (FAULT_WAIT, tsk->uffd_wait set); the page tables allow the access when
 * FAULT_OK. Exactly one event reaches the observers.
 */
void do_page_fault(struct task_struct *tsk, struct pt_regs *regs, unsigned long error_code,
                   unsigned long address, struct fault_result *res)
{
    struct fault_event ev;
    struct fault_ctx c = {tsk, regs, error_code, address, res, &ev};

    memset(res, 0, sizeof(*res));
    trace_fault_begin(&ev);
    ev.pid = tsk->pid;
    ev.tgid = tsk->tgid;
    ev.ip = regs->ip;
    ev.sp = regs->sp;
    ev.address = address;
    ev.error_code = error_code;
    ev.user = error_code & X86_PF_USER;
    ev.pte_before = fault_entry(tsk->mm, address);

    trace_fn("__do_page_fault");
    fault_current = tsk;
    if (error_code & X86_PF_RSVD) {
        /* pgtable_bad(): a reserved bit in an entry means the tables are corrupt. */
        trace_fn("pgtable_bad");
        res->outcome = FAULT_KILL;
        res->signo = FL_SIGKILL;
        ev.outcome = OUTCOME_KILL;
        ev.signo = FL_SIGKILL;
    } else if (address >= TASK_SIZE_MAX) {
        do_kern_addr_fault(&c);
    } else {
        do_user_addr_fault(&c);
    }

    fault_current = NULL;
    res->error_code = c.error_code;
    ev.pte_after = fault_entry(tsk->mm, address);
    if (ev.outcome == OUTCOME_MINOR && ev.path_len &&
        (strcmp(ev.path[ev.path_len - 1], "pte_mkyoung") == 0 ||
         strcmp(ev.path[ev.path_len - 1], "huge_pmd_set_accessed") == 0))
        ev.outcome = OUTCOME_SPURIOUS;
    trace_fault_end(&ev);
    CHECK_MM_FAULT(tsk->mm, address);
}
