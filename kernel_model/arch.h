/*
 * arch.h - what the modeled kernel needs from the machine under it.
 *
 * The model declares these; mmu/ (the TLB, translated code) and emu/ (the kernel log, vsyscall
 * emulation) implement them. The unit tests in tests/unit implement them with plain counters, so
 * the model runs and is tested without Unicorn.
 */
#ifndef FL_ARCH_H
#define FL_ARCH_H

#include <stdbool.h>

struct mm_struct;
struct task_struct;
struct pt_regs;
struct page;

/*
 * A PTE of mm lost rights or changed frame (present -> none, RW -> RO, another frame, A bit
 * cleared for reclaim): cached translations of mm must go. Installing a translation where
 * there was none needs no flush: the TLB never caches a miss.
 */
void arch_flush_tlb_mm(struct mm_struct *mm);

/*
 * The frame is being freed (free_pages_prepare's arch_free_page): its bytes will change when it
 * is reused, so anything the CPU cached from them must go. Called before the page's flags are
 * reset, so PG_arch_1 still says whether there is anything.
 */
void arch_free_page(struct page *page);

/*
 * The allocator handed out a never-used frame; never-used frames now start at next_fresh and
 * are handed out in address order. The host may fault in the memory past next_fresh ahead of
 * use (emu/guest_ram.c), but must not change it: a never-used frame is known to be zero.
 */
void arch_fresh_frame_taken(unsigned long next_fresh);

/* The kernel wrote into a page that user space may map (a page-cache page read again after a
 * write from outside, or zeroed by truncate): what the CPU cached from its old bytes must go.
 * x86's caches are coherent, so this models only what an emulated CPU keeps: translated code. */
void flush_dcache_page(struct page *page);

/* fatal_signal_pending (include/linux/sched/signal.h): tsk has a SIGKILL coming, or the whole
 * machine is being stopped (--timeout, SIGTERM to faultline). Loops that can run long for one
 * call, populating a mapping page by page, give up then, as __get_user_pages does. */
bool fatal_signal_pending(struct task_struct *tsk);

/* security_mmap_addr (cap_mmap_addr): may the task owning mm map at addr, below mmap_min_addr?
 * 0 if addr is at or above the machine's vm.mmap_min_addr sysctl or the task has
 * CAP_SYS_RAWIO (root), else -EPERM. */
int security_mmap_addr(struct mm_struct *mm, unsigned long addr);
/* security_vm_enough_memory_mm (cap_vm_enough_memory): charge `pages` of committed memory to
 * mm for the task making the call, __vm_enough_memory with whether that task has CAP_SYS_ADMIN
 * (OVERCOMMIT_NEVER keeps a reserve for it). 0, or -ENOMEM. */
int security_vm_enough_memory_mm(struct mm_struct *mm, unsigned long pages);
/* The machine's vm.mmap_min_addr sysctl (userfaultfd's validate_range compares with it). */
unsigned long arch_mmap_min_addr(void);

/* A kernel log line (printk), e.g. show_signal_msg's "segfault at" line, without the trailing
 * newline. As for Linux's printk, fmt may start with a level (KERN_INFO "..."; none: the
 * default, KERN_WARNING's 4): the line goes into the machine's kernel log with it, where the
 * guest's dmesg reads it, and to faultline's stderr without it. */
void arch_printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* include/linux/kern_levels.h */
#define KERN_SOH     "\001"
#define KERN_EMERG   KERN_SOH "0"
#define KERN_ALERT   KERN_SOH "1"
#define KERN_CRIT    KERN_SOH "2"
#define KERN_ERR     KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE  KERN_SOH "5"
#define KERN_INFO    KERN_SOH "6"
#define KERN_DEBUG   KERN_SOH "7"
#define KERN_DEFAULT KERN_SOH "d"
#define KERN_CONT    KERN_SOH "c"

/* The OOM killer chose victim: deliver SIGKILL now to victim's thread group (every thread, the
 * faulting one too when victim is it: its fault then ends it) and to every other process using
 * victim's mm (__oom_kill_process: the OOM reaper takes that mm's memory from all of them).
 * Then the address space is torn down and its frames come back before the faulting task
 * retries. */
void arch_oom_kill_task(struct task_struct *victim, struct task_struct *faulting);

/* The children of p's thread group (each process forked by one of its threads), one after
 * another: the first for prev NULL, NULL after the last (oom_kill_process's walk of
 * t->children). An exited child may be named; its mm is NULL. */
struct task_struct *arch_oom_next_child(struct task_struct *p, struct task_struct *prev);

/* for_each_process on tsk's machine, oldest first: the next thread group after the one prev
 * belongs to (the first for prev NULL), NULL after the last. Each is named by a task of it with an
 * mm, as find_lock_task_mm finds one (the leader, or a thread when the leader has exited); a group
 * none of whose tasks has an mm any longer is passed over. dump_tasks' and task_will_free_mem's
 * walk. */
struct task_struct *arch_next_process(struct task_struct *tsk, struct task_struct *prev);
/* from_kuid(&init_user_ns, task_uid(t)): t's real uid as the machine numbers it. */
unsigned int arch_task_uid(struct task_struct *t);

/* dump_stack for tsk, as far as the machine can tell it truthfully: dump_stack_print_info's
 * "CPU: N PID: P Comm: C Not tainted RELEASE #V" line (the release and version uname gives the
 * guest) and no call trace (the model runs on no kernel stack of its own). */
void arch_dump_stack(struct task_struct *tsk);

/* panic() in a call of tsk's: the machine stops. Every task is killed and the run ends with
 * msg as its error (a non-zero status); out_of_memory with no killable task. */
void arch_panic(struct task_struct *tsk, const char *msg);

/* __mmput's exit_aio (fs/aio.c, which the emulator has: emu/sys_aio.c): the last user of mm
 * is gone; its AIO contexts go with it, before exit_mmap tears the address space down. */
void exit_aio(struct mm_struct *mm);

/* emulate_vsyscall (arch/x86/entry/vsyscall/vsyscall_64.c): an instruction fetch at one of the
 * three legacy vsyscall entry points. Returns true if the call was emulated and regs updated. */
bool arch_emulate_vsyscall(struct task_struct *tsk, struct pt_regs *regs, unsigned long address);

#endif
