/*
 * trace.h - the fault event: what one do_page_fault call did, and the one observer interface
 * through which db/ and ui/ receive it.
 *
 * Linux's equivalent is the exceptions:page_fault_user/kernel tracepoints plus the mm tracepoints;
 * the model records the path it took through the fault handlers as it goes (trace_fn), so the log
 * says "do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_wp_page>wp_page_copy".
 */
#ifndef FL_TRACE_H
#define FL_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#define FAULT_PATH_MAX 12

enum fault_kind_outcome {
    OUTCOME_MINOR,   /* resolved, no I/O */
    OUTCOME_MAJOR,   /* resolved with I/O (page cache read, swap-in) */
    OUTCOME_SIGSEGV, /* signal to a user-mode access */
    OUTCOME_SIGBUS,
    OUTCOME_EFAULT,    /* kernel-mode access fixed up: the syscall returns -EFAULT */
    OUTCOME_OOM,       /* the OOM path killed a task */
    OUTCOME_KILL,      /* the task was killed (corrupt page tables) */
    OUTCOME_SPURIOUS,  /* the PTE already allowed the access: only A/D updated */
    OUTCOME_USERFAULT, /* handed to a userfaultfd: the task sleeps, then makes the access again */
};

struct fault_event {
    uint64_t seq;    /* 1, 2, 3 ... per run */
    int pid;         /* the faulting task (a thread's own id) */
    int tgid;        /* its thread group: the process */
    uint64_t icount; /* guest instructions retired before the fault (0 when not counted) */
    uint64_t ip, sp, address;
    unsigned error_code; /* X86_PF_* as the CPU pushed it */
    bool user;           /* X86_PF_USER */
    /* the VMA that covered the address (vma_start == vma_end == 0: none) */
    uint64_t vma_start, vma_end;
    unsigned long vma_flags;
    uint64_t vma_pgoff;
    const char *vma_file;             /* path or bracketed name, NULL for plain anonymous memory */
    const char *path[FAULT_PATH_MAX]; /* handlers entered, outermost first (static strings) */
    int path_len;
    unsigned vm_fault; /* VM_FAULT_* */
    enum fault_kind_outcome outcome;
    int signo, si_code;
    uint64_t pte_before, pte_after; /* raw x86 PTEs (0: none or no table) */
};

/* One page reclaim took away (vmscan.c's shrink_page): where it went. Also one page swapoff
 * brought back (swapfile.c's try_to_unuse), which is no fault: RECLAIM_SWAPOFF_IN. */
enum reclaim_kind {
    RECLAIM_SWAP_OUT,       /* anonymous, written to its swap slot */
    RECLAIM_SWAP_CLEAN,     /* anonymous, already on swap and unchanged: just dropped */
    RECLAIM_FILE_DROP,      /* clean file page dropped from the page cache */
    RECLAIM_FILE_WRITEBACK, /* dirty file page written back, then dropped */
    RECLAIM_LAZYFREE,       /* anonymous, MADV_FREE'd and not written since: dropped, no swap */
    RECLAIM_SWAPOFF_IN,     /* swapoff gave a PTE (mappings 1) or a shmem file (mappings 0, file
                               and index set) its page back from the slot */
};

struct reclaim_event {
    uint64_t fault_seq; /* the fault whose allocation ran reclaim, or the last fault before it */
    int pid;            /* a process that mapped the page (0: it was mapped nowhere) */
    uint64_t address;   /* where that process mapped it */
    unsigned mappings;  /* PTEs taken away */
    uint64_t pfn;
    enum reclaim_kind kind;
    uint64_t swap_slot;  /* RECLAIM_SWAP_*: the slot (offset) in the swap file */
    const char *file;    /* RECLAIM_FILE_*: the file, valid during the callback */
    uint64_t file_index; /* and the page's index in it */
};

/* Why khugepaged did or did not collapse a range: Linux 4.20's enum scan_result (mm/khugepaged.c),
 * named as its tracepoints print it (scan_result_name). The model reaches only some of them. */
enum scan_result {
    SCAN_FAIL,
    SCAN_SUCCEED,
    SCAN_PMD_NULL,
    SCAN_EXCEED_NONE_PTE,
    SCAN_PTE_NON_PRESENT,
    SCAN_PAGE_RO,
    SCAN_LACK_REFERENCED_PAGE,
    SCAN_PAGE_NULL,
    SCAN_SCAN_ABORT,
    SCAN_PAGE_COUNT,
    SCAN_PAGE_LRU,
    SCAN_PAGE_LOCK,
    SCAN_PAGE_ANON,
    SCAN_PAGE_COMPOUND,
    SCAN_ANY_PROCESS,
    SCAN_VMA_NULL,
    SCAN_VMA_CHECK,
    SCAN_ADDRESS_RANGE,
    SCAN_SWAP_CACHE_PAGE,
    SCAN_DEL_PAGE_LRU,
    SCAN_ALLOC_HUGE_PAGE_FAIL,
    SCAN_CGROUP_CHARGE_FAIL,
    SCAN_EXCEED_SWAP_PTE,
    SCAN_TRUNCATED,
    SCAN_PAGE_HAS_PRIVATE,
};

/* The swap-in step of a collapse (__collapse_huge_page_swapin), when one was tried. */
enum khugepaged_swapin {
    SWAPIN_NOT_REACHED,
    SWAPIN_DONE,    /* every swapped-out page of the range read back (or there were none) */
    SWAPIN_REFUSED, /* fewer than 256 young PTEs: 4.20 gives up on the range */
    SWAPIN_FAILED,  /* a read failed, or the range changed meanwhile */
};

/* One 2 MiB range khugepaged looked at: Linux 4.20's mm_khugepaged_scan_pmd tracepoint, with
 * mm_collapse_huge_page_swapin's and mm_collapse_huge_page's when it tried a collapse. The
 * counts are of the PTEs looked at before the scan stopped, as the tracepoint's are. */
struct khugepaged_event {
    uint64_t fault_seq;        /* the last fault before the pass */
    int pid;                   /* the process whose memory it is (0: none left) */
    uint64_t address;          /* the range's start (2 MiB aligned) */
    bool writable;             /* a writable PTE was seen */
    int referenced;            /* young PTEs (or referenced pages) */
    int none_or_zero;          /* holes: none PTEs and zero-page PTEs */
    int unmapped;              /* swap PTEs */
    enum scan_result scan;     /* khugepaged_scan_pmd's: SCAN_SUCCEED means a collapse was tried */
    enum scan_result collapse; /* collapse_huge_page's, when scan is SCAN_SUCCEED */
    enum khugepaged_swapin swapin;
    int swapped_in; /* pages read back from swap for it */
    uint64_t pfn;   /* the new huge page's first frame (collapse SCAN_SUCCEED) */
};

/* One record of the machine's kernel log (emu/printk.c's log_store): a line the kernel printed
 * (arch_printk) or a guest wrote to /dev/kmsg, as the guest's dmesg reads it. */
struct printk_event {
    uint64_t fault_seq; /* the fault in progress, or the last one before */
    uint64_t seq;       /* the record's sequence number in the log (/dev/kmsg's) */
    uint64_t ts_nsec;   /* its time stamp: the machine's CLOCK_MONOTONIC */
    int facility;       /* 0 the kernel, 1 LOG_USER (/dev/kmsg), ... */
    int level;          /* 0 KERN_EMERG .. 7 KERN_DEBUG */
    const char *text;   /* the text, NUL-terminated, valid during the callback */
};

struct fault_observer {
    void (*on_fault)(void *ctx, const struct fault_event *ev);
    void (*on_reclaim)(void *ctx, const struct reclaim_event *ev);       /* may be NULL */
    void (*on_khugepaged)(void *ctx, const struct khugepaged_event *ev); /* may be NULL */
    void (*on_printk)(void *ctx, const struct printk_event *ev);         /* may be NULL */
    void *ctx;
    struct fault_observer *next;
};

void fault_observer_register(struct fault_observer *obs);
void fault_observer_unregister(struct fault_observer *obs);

/* The kernel log stored a record (emu/printk.c, the one caller outside the model, as Linux's
 * console tracepoint is printk's): stamp the fault in progress or the last one before, and
 * tell the observers. */
void trace_printk_record(struct printk_event *ev);

/* Used by the fault path: record that handler `fn` (a string literal) was entered. */
void trace_fn(const char *fn);
/* The emulator tells the model how many instructions ran, for the log (see emu/icount). */
extern uint64_t (*trace_icount_source)(void *ctx);
extern void *trace_icount_ctx;

/* Join a path with '>' into buf. */
void fault_path_format(const struct fault_event *ev, char *buf, unsigned len);
const char *fault_outcome_name(enum fault_kind_outcome o);
const char *reclaim_kind_name(enum reclaim_kind k);
const char *scan_result_name(enum scan_result r);
const char *khugepaged_swapin_name(enum khugepaged_swapin s); /* NULL: not reached */

#endif
