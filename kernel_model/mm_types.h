/*
 * mm_types.h - the model's core structures: struct page, vm_area_struct, mm_struct,
 * address_space, file, task_struct, vm_fault.
 *
 * Models include/linux/mm_types.h (and the parts of fs.h / sched.h the fault path reads) of
 * Linux 4.20. Fields keep Linux's names; fields Linux has but the model does not need are left
 * out rather than faked.
 */
#ifndef FL_MM_TYPES_H
#define FL_MM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_model/pgtable.h"
#include "kernel_model/rbtree.h"

typedef unsigned int vm_fault_t;

/* Page flags (include/linux/page-flags.h), as bit numbers in page->flags. */
enum pageflags {
    PG_locked,
    PG_referenced,
    PG_uptodate,
    PG_dirty,
    PG_lru,
    PG_reserved, /* the zero page: never freed, never counted as a normal page */
    PG_anon,     /* Linux encodes this in page->mapping; the model keeps a flag */
    PG_swapcache,
    PG_pgtable,   /* a page-table page */
    PG_buddy,     /* free, on the allocator's free list */
    PG_arch_1,    /* the architecture's own: the CPU may hold code translated from this frame */
    PG_set_aside, /* the model's own: on the reclaim list's set-aside part, a page that cannot
                     go while there is no swap space (vmscan.c) */
    PG_lazyfree,  /* an anonymous page MADV_FREE gave up (Linux clears PG_swapbacked, which the
                     model does not keep): reclaim drops it while it stays clean */
    PG_head,      /* the first frame of a transparent huge page (a compound page of 512 frames) */
    PG_tail,      /* one of its other 511 frames: lru_next holds the head's frame number */
    PG_active,    /* on an active list (--reclaim linux only: vmscan.c) */
    PG_readahead, /* read ahead and not yet found by a fault: in the swap cache (swap_state.c), or
                     a page cache's readahead marker (filemap.c) */
    NR_PAGEFLAGS
};

struct address_space;

/*
 * Linux's struct page is 64 bytes; this one is 24, so that faultline's own memory stays small
 * next to the guest's (1 GiB of guest RAM: 6 MiB of mem_map instead of 16). The flags share a
 * word with the index and the LRU links are 32-bit frame numbers. What only a cached page needs
 * (a page-cache page's mapping, a swap-cache page's swap entry, the hash chain of either cache)
 * lives beside mem_map and is touched only for frames that are in a cache, as Linux keeps its
 * page cache in the mapping's xarray: page_mapping_file(), page_private(), page_cache_next().
 */
#define PAGE_FLAGS_BITS 17
#define PAGE_INDEX_BITS 47
#define PAGE_INDEX_MAX  ((1UL << PAGE_INDEX_BITS) - 1)

struct page {
    unsigned long flags : PAGE_FLAGS_BITS; /* 1 << PG_* */
    unsigned long index : PAGE_INDEX_BITS; /* page offset in the file, or an anonymous page's
                                              linear index (see rmap.c); pgoff_t in Linux */
    int _refcount; /* references: each mapping, the page cache, transient gets */
    int _mapcount; /* PTEs mapping the page, minus one (-1: not mapped), as in Linux */
    uint32_t lru_next, lru_prev; /* frame numbers: the reclaim list (PG_lru) or, for a free
                                    frame, the free list (lru_next); see vmscan.c, page_alloc.c */
};
_Static_assert(NR_PAGEFLAGS <= PAGE_FLAGS_BITS, "page flags do not fit struct page");
_Static_assert(sizeof(struct page) == 24, "struct page is meant to be 24 bytes");

struct vm_fault;
struct vm_area_struct;

struct vm_operations_struct {
    const char *name;
    vm_fault_t (*fault)(struct vm_fault *vmf);
    void (*map_pages)(struct vm_fault *vmf, pgoff_t start_pgoff, pgoff_t end_pgoff);
    vm_fault_t (*page_mkwrite)(struct vm_fault *vmf);
};

/* The host side of a file: how the page cache reads and writes its pages. emu/ provides it. */
struct address_space_operations {
    /* Fill PAGE_SIZE bytes at buf from page `index`; bytes past EOF are zero. 0 or -errno. */
    int (*readpage)(struct address_space *mapping, pgoff_t index, void *buf);
    /* Write `len` bytes of page `index` back to the file. 0 or -errno. */
    int (*writepage)(struct address_space *mapping, pgoff_t index, const void *buf, size_t len);
    /* The host file is no longer referenced by the model. */
    void (*release)(struct address_space *mapping);
    /* Which of pages [index, index + nr) the host kernel's own page cache holds now (mincore):
     * vec[i] = 1 when page index + i is there, else 0. For the --major-faults=host rule. NULL:
     * the host cannot tell, and the model's rule applies. */
    void (*host_cached)(struct address_space *mapping, pgoff_t index, unsigned long nr,
                        unsigned char *vec);
    /* Punch a hole of pages [index, index + nr) in the file, keeping its size (fallocate's
     * FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE). 0 or -errno. NULL: it cannot. */
    int (*punch_hole)(struct address_space *mapping, pgoff_t index, unsigned long nr);
};

/* One per file identity (host device + inode): the page cache of that file. */
struct address_space {
    uint64_t dev, ino;
    uint64_t i_size;
    unsigned long nrpages;
    int refcount;        /* files and VMAs referring to it; 0: unused, kept with its cache */
    uint64_t host_stamp; /* the host file's change stamp when last opened (filemap.c) */
    uint64_t last_put;   /* when the last reference went: the oldest unused one goes first */
    bool shmem; /* anonymous shared memory: pages are zero-filled, never read or written back */
    /* The file lives in memory on the host (tmpfs: a memfd, /dev/shm), Linux's shmem: a miss
     * fills the one page from memory or a hole, never a major fault and never read around
     * (shmem_fault); fault-around still maps only pages already there. */
    bool in_memory;
    /* shmem: the pages it is charged as committed memory (shmem_acct_size), 0 if NORESERVE */
    unsigned long acct_pages;
    /* shmem: its pages on swap, by index (shmem.c; NULL while none is) */
    struct shmem_swapped *swapped;
    const struct address_space_operations *a_ops;
    void *host;         /* emu/'s private data (the host fd) */
    char *path;         /* for /proc/PID/maps and the log */
    struct page **hash; /* page cache: buckets by index */
    unsigned hash_size;
    /* The VMAs that map the file, in any mm (Linux's i_mmap): linked through their
     * i_mmap_next/i_mmap_prev by vma_link_after and taken out by vma_unlink (mmap.c), which
     * every VMA of every mm goes through, so it holds exactly the live VMAs whose vm_file is of
     * this mapping. Linux keeps an interval tree by vm_pgoff; a list, newest first, is enough
     * here (a file is mapped by a handful of VMAs: see docs/kernel-model.md) and needs no
     * re-insertion when a VMA's range or vm_pgoff changes. The reverse map of a page-cache page
     * and the page cache's walks over a file's PTEs follow it. */
    struct vm_area_struct *i_mmap;
    bool check_seen;            /* check_mm_invariants' scratch */
    struct address_space *next; /* all mappings, for lookup by identity */
};

/* file_ra_state: where the last readahead of this open file went, and the part of it past its
 * marker (the page with PG_readahead), whose fault reads the next window; and mmap_miss, the
 * faults that had to read less those that found their page cached, which turns read-around off
 * past MMAP_LOTSAMISS (filemap.c). */
struct file_ra_state {
    pgoff_t start;
    unsigned int size, async_size;
    unsigned int mmap_miss;
};

/* The model's view of an open file that can be mapped. */
struct file {
    struct address_space *f_mapping;
    struct file_ra_state f_ra;
    int f_count;
    bool f_readable, f_writable;
    /* The path the file was opened by, as d_path(&file->f_path) gives it when it was mapped;
     * /proc/PID/maps names the VMA by it. NULL: the mapping's own name (shmem). A file's cache
     * outlives its opens, so another open of the same inode (renamed since, or a hard link)
     * has a name of its own. */
    char *f_path;
    /* The vm_ops its f_op->mmap installs; NULL: by its mapping, shmem_vm_ops for shared
     * anonymous memory and generic_file_vm_ops otherwise (mmap_region). */
    const struct vm_operations_struct *f_vm_ops;
};

/* vm_flags (include/linux/mm.h). */
#define VM_NONE        0x00000000UL
#define VM_READ        0x00000001UL
#define VM_WRITE       0x00000002UL
#define VM_EXEC        0x00000004UL
#define VM_SHARED      0x00000008UL
#define VM_MAYREAD     0x00000010UL
#define VM_MAYWRITE    0x00000020UL
#define VM_MAYEXEC     0x00000040UL
#define VM_MAYSHARE    0x00000080UL
#define VM_GROWSDOWN   0x00000100UL
#define VM_DENYWRITE   0x00000800UL
#define VM_LOCKED      0x00002000UL
#define VM_SEQ_READ    0x00008000UL /* madvise(MADV_SEQUENTIAL) */
#define VM_RAND_READ   0x00010000UL /* madvise(MADV_RANDOM) */
#define VM_DONTCOPY    0x00020000UL /* madvise(MADV_DONTFORK): fork leaves it out */
#define VM_DONTEXPAND  0x00040000UL
#define VM_PFNMAP      0x00000400UL /* pages without struct page semantics ([vvar]) */
#define VM_IO          0x00004000UL /* memory-mapped I/O or the like ([vvar]) */
#define VM_DONTDUMP    0x04000000UL /* left out of core dumps ([vvar]) */
#define VM_LOCKONFAULT 0x00080000UL
#define VM_ACCOUNT     0x00100000UL
#define VM_NORESERVE   0x00200000UL
#define VM_HUGETLB     0x00400000UL /* an anonymous MAP_HUGETLB mapping (kernel_model/hugetlb.c) */
#define VM_WIPEONFORK  0x02000000UL /* madvise(MADV_WIPEONFORK): the child gets fresh zeroes */
#define VM_MIXEDMAP    0x10000000UL /* never set */
#define VM_HUGEPAGE    0x20000000UL /* madvise(MADV_HUGEPAGE) */
#define VM_NOHUGEPAGE  0x40000000UL /* madvise(MADV_NOHUGEPAGE) */
#define VM_MERGEABLE   0x80000000UL /* madvise(MADV_MERGEABLE): KSM may merge its pages */
#define VM_SPECIAL     (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
#define VM_STACK       VM_GROWSDOWN
/* userfaultfd (kernel_model/userfaultfd.c) */
#define VM_UFFD_MISSING 0x00000200UL /* missing pages go to user space */
#define VM_UFFD_WP      0x00001000UL /* never set: 4.20 refuses the write-protect mode */
/* x86-64 without READ_IMPLIES_EXEC: data and stack are not executable. */
#define VM_DATA_DEFAULT_FLAGS  (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define VM_STACK_DEFAULT_FLAGS (VM_DATA_DEFAULT_FLAGS | VM_GROWSDOWN | VM_ACCOUNT)
#define VM_ACCESS_FLAGS        (VM_READ | VM_WRITE | VM_EXEC)

struct mm_struct;

/*
 * The anonymous pages of a VMA and of the VMAs split, copied or forked from it (mm/rmap.c's
 * struct anon_vma). Two VMAs may merge only if their anon_vmas are the same one, or one has none
 * (is_mergeable_anon_vma), so a VMA's anon_vma is what /proc/PID/maps shows of where its pages
 * came from. Linux links each VMA to every anon_vma of its fork lineage (anon_vma_chain) so that
 * rmap can find an inherited page's PTEs; the model's rmap asks one index of every VMA with an
 * anon_vma by vm_pgoff instead (interval_tree.c), so it keeps only the lineage: a VMA's chain is
 * its anon_vma and that one's parents up to the root, and is singular exactly when its anon_vma is
 * a root (see rmap.c).
 */
struct anon_vma {
    struct anon_vma *root;   /* the first anon_vma of the fork tree; itself for a root */
    struct anon_vma *parent; /* the parent VMA's anon_vma at fork (anon_vma_fork); itself for a
                                root */
    /* VMAs whose anon_vma this is, plus child anon_vmas whose parent this is: Linux's degree,
     * which also says how long the object lives (Linux counts that apart, in refcount, because
     * its rmap walks and pages hold references too). Freed at 0 (put_anon_vma). */
    int refcount;
    int check_refs; /* check_mm_invariants' scratch: the references it found */
    bool check_seen;
};

struct vm_area_struct {
    unsigned long vm_start, vm_end; /* [vm_start, vm_end), page aligned */
    struct vm_area_struct *vm_next,
        *vm_prev;         /* sorted list, as Linux 4.20 keeps beside its rbtree */
    struct rb_node vm_rb; /* in mm->mm_rb, by address */
    /* The largest free gap below a VMA of this one's subtree of mm_rb: vm_start_gap(vma) minus
     * the vm_end of the VMA before it (0 before the first). get_unmapped_area skips subtrees
     * whose largest gap is too small. */
    unsigned long rb_subtree_gap;
    struct mm_struct *vm_mm;
    pgprot_t vm_page_prot;
    unsigned long vm_flags;
    struct anon_vma *anon_vma; /* set by the first anonymous fault (anon_vma_prepare), shared
                                  by split pieces, copied by mremap; NULL: no anonymous pages */
    unsigned long vm_pgoff;    /* offset in PAGE_SIZE units into vm_file */
    struct file *vm_file;
    /* vm_file's mapping's i_mmap list, while this VMA is in an mm (Linux's shared.rb) */
    struct vm_area_struct *i_mmap_next, *i_mmap_prev;
    /* The anonymous reverse map's index (interval_tree.c): while the VMA is in an mm and has an
     * anon_vma it is in anon_vma_tree, keyed by vm_pgoff, with the largest last page index of
     * its subtree (Linux's anon_vma_chain rb and rb_subtree_last, one tree for every anon_vma).
     * vm_area_dup clears the two flags of a copy. */
    struct rb_node anon_rb;
    unsigned long anon_subtree_last;
    bool anon_indexed; /* in anon_vma_tree */
    bool vm_linked;    /* in vm_mm's list: from vma_link_after to vma_unlink */
    const struct vm_operations_struct *vm_ops;
    const char *special_name; /* "[heap]"-style names are derived; this is for "[vsyscall]" etc. */
    const void *vm_private_data; /* a special mapping's struct vm_special_mapping */
    /* the userfaultfd context it is registered with: set exactly when VM_UFFD_MISSING is */
    struct userfaultfd_ctx *vm_userfaultfd_ctx;
    /* VM_HUGETLB: its huge page size (the hstate of its hugetlbfs file in Linux) */
    unsigned long vm_hpage_size;
    /* swap readahead's state (swap_state.c): the last swap fault's page address, the window it
     * read (bits 6-11) and the readahead hits since (bits 0-5), as Linux packs it */
    unsigned long swap_readahead_info;
};

/* Pages the kernel owns, mapped into a process as they are ([vdso], [vvar]): mm/mmap.c's
 * _install_special_mapping. The pages are PG_reserved (never freed, never on the LRU). */
struct vm_special_mapping {
    const char *name;
    struct page **pages; /* nr_pages entries */
    unsigned long nr_pages;
};

enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

/* Words of the auxiliary vector an mm keeps for /proc/PID/auxv, AT_NULL's pair included
 * (Linux: 2 * (AT_VECTOR_SIZE_ARCH + AT_VECTOR_SIZE_BASE + 1), rounded up). */
#define AT_VECTOR_SIZE 48

struct mm_struct {
    struct vm_area_struct *mmap;     /* VMA list, sorted by address */
    struct rb_root mm_rb;            /* the same VMAs in a tree, for find_vma */
    struct vm_area_struct *vmacache; /* last find_vma result (Linux keeps 4 per task) */
    int map_count;
    uint64_t *pgd; /* top-level table (host pointer into RAM) */
    unsigned long mmap_base, task_size;
    unsigned long total_vm, data_vm, exec_vm, stack_vm;
    unsigned long hiwater_rss, hiwater_vm; /* high-water marks, updated before they go down */
    unsigned long start_code, end_code, start_data, end_data;
    unsigned long start_brk, brk, start_stack;
    unsigned long arg_start, arg_end, env_start, env_end;
    unsigned long saved_auxv[AT_VECTOR_SIZE]; /* what exec put on the stack, for /proc/PID/auxv */
    long rss_stat[NR_MM_COUNTERS];
    unsigned long nr_ptes;   /* page-table pages, every level below the pgd */
    unsigned long def_flags; /* VM_* every new mmap/brk VMA gets: VM_LOCKED after MCL_FUTURE */
    int mm_users;
    int mmlist_index;          /* its place in mmap.c's list of live mms (for_each_mm's order) */
    struct task_struct *owner; /* the task whose limits apply (Linux's mm->owner) */
    void *arch;                /* the engine that runs this address space (mmu/) */
    bool oom_reaped;           /* MMF_UNSTABLE: the OOM reaper unmapped its private memory */
    bool oom_victim;           /* MMF_OOM_VICTIM: a task using it was chosen by the OOM killer */
    bool huge_zero_page;       /* MMF_HUGE_ZERO_PAGE: holds a reference on the huge zero page */
    bool khugepaged;           /* MMF_VM_HUGEPAGE: on khugepaged's list (khugepaged.c) */
    bool young_flush_pending;  /* a reclaim pass cleared accessed bits here (vmscan.c) */
    /* MMF_DUMPABLE's value (get_dumpable): SUID_DUMP_DISABLE, SUID_DUMP_USER (a new mm's) or
     * SUID_DUMP_ROOT; kept by fork, set by the emulator's credential changes */
    unsigned char dumpable;
    /* MMF_DISABLE_THP: prctl(PR_SET_THP_DISABLE) - no huge page in any VMA, checked at each
     * fault and by khugepaged; kept by fork and execve (MMF_INIT_MASK) */
    bool thp_disabled;
};
enum { SUID_DUMP_DISABLE, SUID_DUMP_USER, SUID_DUMP_ROOT };

/* One resource limit, soft and hard (struct rlimit64; RLIM_INFINITY is ULONG_MAX). */
struct task_rlimit {
    unsigned long cur, max;
};

struct task_struct {
    int pid, tgid;
    char comm[16];
    struct mm_struct *mm;
    unsigned long min_flt, maj_flt;
    unsigned long rlimit_stack; /* RLIMIT_STACK soft limit, bytes */
    /* the thread group's limits (Linux's task->signal->rlim), indexed by RLIMIT_*, read by
     * may_expand_vm and brk; NULL: none (a task the unit tests make) */
    const struct task_rlimit *rlim;
    /* the fault this task sleeps in handle_userfault for, or NULL (kernel_model/userfaultfd.c) */
    struct userfaultfd_wait *uffd_wait;
    /* in a system call that can be run again from the start: a kernel-mode fault on a missing
     * page of a registered range may then sleep as a user-mode one does (emu/syscall.c) */
    bool uffd_kernel_wait;
    /* /proc/PID/oom_score_adj (-1000..1000) and the floor a task without CAP_SYS_RESOURCE may
     * not go below (Linux's signal->oom_score_adj and oom_score_adj_min: one value per thread
     * group, which every thread's copy holds); inherited by fork and clone, kept by execve */
    short oom_score_adj, oom_score_adj_min;
    /* fault.c's guard against an instruction that can never complete under reclaim: the
     * instruction, the pages it faulted in since reclaim last ran without it, and how many of
     * its faults in a row took back a page that reclaim had taken (no Linux counterpart) */
    struct task_thrash {
        unsigned long ip, pages[4];
        unsigned nr_pages, refaults;
    } thrash;
};

/* FAULT_FLAG_* (include/linux/mm.h). */
#define FAULT_FLAG_WRITE        0x01
#define FAULT_FLAG_MKWRITE      0x02
#define FAULT_FLAG_ALLOW_RETRY  0x04
#define FAULT_FLAG_RETRY_NOWAIT 0x08
#define FAULT_FLAG_KILLABLE     0x10
#define FAULT_FLAG_TRIED        0x20
#define FAULT_FLAG_USER         0x40
#define FAULT_FLAG_REMOTE       0x80
#define FAULT_FLAG_INSTRUCTION  0x100

struct vm_fault {
    struct vm_area_struct *vma;
    unsigned int flags;
    unsigned long address; /* faulting address, page aligned */
    pgoff_t pgoff;         /* logical page offset based on vma */
    uint64_t *pmd;         /* the PMD entry covering address */
    pte_t *pte;            /* the PTE, once the table exists; NULL while pte_none */
    pte_t orig_pte;
    struct page *cow_page;
    struct page *page; /* the page ->fault returned */
};

#endif
