/*
 * mm.h - what the modeled kernel exports: fault entry, address-space operations, the page
 * allocator, the page cache, and the snapshots observers may ask for.
 *
 * Models include/linux/mm.h and arch/x86/include/asm/traps.h of Linux 4.20. Every call here
 * leaves the mm consistent (check_mm_invariants() holds afterwards in CONFIG_DEBUG_VM builds).
 */
#ifndef FL_MM_H
#define FL_MM_H

#include "kernel_model/gfp.h"
#include "kernel_model/mm_types.h"

/* VM_FAULT_* results: a bitmask that callers turn into an action (include/linux/mm_types.h). */
#define VM_FAULT_OOM       0x000001
#define VM_FAULT_SIGBUS    0x000002
#define VM_FAULT_MAJOR     0x000004
#define VM_FAULT_WRITE     0x000008
#define VM_FAULT_HWPOISON  0x000010
#define VM_FAULT_SIGSEGV   0x000040
#define VM_FAULT_NOPAGE    0x000100
#define VM_FAULT_LOCKED    0x000200
#define VM_FAULT_RETRY     0x000400
#define VM_FAULT_FALLBACK  0x000800
#define VM_FAULT_DONE_COW  0x001000
#define VM_FAULT_NEEDDSYNC 0x002000
#define VM_FAULT_ERROR     (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON)

/* The page-fault error code the x86 CPU pushes (arch/x86/include/asm/traps.h). */
#define X86_PF_PROT  (1u << 0) /* 0: no page found, 1: protection fault */
#define X86_PF_WRITE (1u << 1) /* 0: read, 1: write */
#define X86_PF_USER  (1u << 2) /* 0: kernel-mode access, 1: user-mode access */
#define X86_PF_RSVD  (1u << 3) /* a reserved bit was set in a table entry */
#define X86_PF_INSTR (1u << 4) /* an instruction fetch */
#define X86_PF_PK    (1u << 5) /* protection keys */

/* Signal numbers and si_codes the fault path produces (the Linux/x86-64 values). */
#define FL_SIGBUS  7
#define FL_SIGKILL 9
#define FL_SIGSEGV 11
#ifndef SEGV_MAPERR /* the host's <signal.h> has the same values */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define SEGV_PKUERR 4
#define BUS_ADRERR  2
#endif

/* What the CPU state looked like at the fault: what do_page_fault reads from pt_regs. */
struct pt_regs {
    uint64_t ip, sp;
    bool user_mode; /* the faulting access was made by guest code, not by copy_*_user */
};

/*
 * How one do_page_fault call ended, for the caller (emu/) and the log.
 *  FAULT_OK      the translation now exists; resume (or retry the uaccess).
 *  FAULT_SIGNAL  deliver signo/si_code/si_addr to the task (user mode).
 *  FAULT_FIXUP   a kernel-mode access could not be resolved: the uaccess returns -EFAULT.
 *  FAULT_KILL    the task must die at once (corrupt tables, OOM kill): signo says with what.
 *  FAULT_WAIT    handle_userfault queued the fault (tsk->uffd_wait): the task sleeps until
 *                userfaultfd_wait_woken(), then userfaultfd_wait_done() and the access again.
 */
enum fault_outcome { FAULT_OK, FAULT_SIGNAL, FAULT_FIXUP, FAULT_KILL, FAULT_WAIT };

struct fault_result {
    enum fault_outcome outcome;
    vm_fault_t vm_fault; /* the VM_FAULT_* bits handle_mm_fault returned (0 if not reached) */
    int signo, si_code;
    unsigned long fault_addr; /* si_addr of the signal */
    unsigned long error_code; /* as finally reported (X86_PF_PROT forced for kernel addresses) */
    bool major;
};

/* --- arch/x86/mm/fault.c --- */
void do_page_fault(struct task_struct *tsk, struct pt_regs *regs, unsigned long error_code,
                   unsigned long address, struct fault_result *res);

void show_signal_msg(struct task_struct *tsk, const struct pt_regs *regs, unsigned long error_code,
                     unsigned long address);

/* --- mm/page_alloc.c: frames of the one guest-physical RAM buffer --- */
/* ram must read as zeroes (fresh anonymous memory): never-used frames are not cleared again. */
int mem_init(void *ram, uint64_t ram_bytes);
void mem_exit(void);
/* A frame for an allocation with mask gfp (gfp.h: what it is for), zeroed or not; reclaim runs
 * first when free frames are low. NULL when RAM and swap are used up. */
struct page *alloc_page_zeroed(gfp_t gfp);
struct page *alloc_page_nozero(gfp_t gfp);
/* The mask of the last allocation that could reclaim (__alloc_pages_may_oom's gfp_mask: the
 * one out_of_memory reports when it fails). */
extern gfp_t alloc_gfp_mask;
/* A frame only if one is free without reclaim (above the low watermark): readahead's
 * __GFP_NORETRY allocation, which gives up rather than evict pages to read more. */
struct page *alloc_page_noreclaim(void);
void get_page(struct page *page);
void put_page(struct page *page);
struct page *pfn_to_page(unsigned long pfn);
unsigned long page_to_pfn(const struct page *page);
void *page_address(const struct page *page);
void *pfn_address(unsigned long pfn);
struct page *virt_to_page(const void *addr);
unsigned long nr_free_pages(void);
unsigned long totalram_pages(void);
/*
 * Overcommit (util.c). __vm_enough_memory: may mm be charged `pages` more pages of committed
 * memory, by a task with CAP_SYS_ADMIN or not? 0, or -ENOMEM as vm.overcommit_memory decides
 * (util.c). The model's callers ask security_vm_enough_memory_mm (arch.h), which knows the task.
 * vm_commit_limit: /proc/meminfo's CommitLimit; vm_memory_committed: its Committed_AS (every
 * mm's VM_ACCOUNT VMAs and the charged shmem files), in pages.
 */
#define OVERCOMMIT_GUESS  0
#define OVERCOMMIT_ALWAYS 1
#define OVERCOMMIT_NEVER  2
extern int sysctl_max_map_count; /* vm.max_map_count: VMAs per mm (default 65530) */
/* vm.mmap_min_addr (dac_mmap_min_addr): below it a MAP_FIXED mapping needs CAP_SYS_RAWIO
 * (security_mmap_addr); the run starts with the host's. update_mmap_min_addr: after it changed,
 * get_unmapped_area's floor follows (no lower than 65536, CONFIG_LSM_MMAP_MIN_ADDR). */
extern unsigned long dac_mmap_min_addr;
void update_mmap_min_addr(void);
extern int sysctl_overcommit_memory; /* vm.overcommit_memory: 0 to 2 */
extern int sysctl_overcommit_ratio;  /* vm.overcommit_ratio: percent of RAM (default 50) */
extern unsigned long sysctl_overcommit_kbytes;    /* vm.overcommit_kbytes: instead of the ratio */
extern unsigned long sysctl_user_reserve_kbytes;  /* vm.user_reserve_kbytes (init_user_reserve) */
extern unsigned long sysctl_admin_reserve_kbytes; /* vm.admin_reserve_kbytes */
int __vm_enough_memory(struct mm_struct *mm, unsigned long pages, bool cap_sys_admin);
unsigned long vm_commit_limit(void);
unsigned long vm_memory_committed(void);
/* init_user_reserve, init_admin_reserve (mmap.c): a 32nd of the free memory, at most 128 MiB and
 * 8 MiB, as Linux sets them at boot; mem_init calls them. */
void init_user_reserve(void);
void init_admin_reserve(void);
/* Frames from this one up have never been handed out: free, zero, and their struct page
 * untouched (a walk over mem_map stops here, so it makes no more of it resident). */
unsigned long first_fresh_pfn(void);
struct page *zero_page(void);
/* A zeroed frame the kernel keeps for good (PG_reserved: get/put do nothing, never on the LRU,
 * never freed), as the pages of the kernel image: the zero page, the vDSO's. NULL: no memory. */
struct page *alloc_reserved_page(void);
static inline bool PageHead(const struct page *p)
{
    return p->flags & (1UL << PG_head);
}
static inline bool PageTail(const struct page *p)
{
    return p->flags & (1UL << PG_tail);
}
static inline bool PageCompound(const struct page *p)
{
    return p->flags & (1UL << PG_head | 1UL << PG_tail);
}
/* The head of a transparent huge page for any of its frames; any other page itself. */
struct page *compound_head(const struct page *page);
/* Where a frame's page-wide flags live: a huge page is one unit for the LRU, dirtiness and the
 * anonymous mapping, so a tail's are its head's (Linux's PF_HEAD policy). */
static inline struct page *page_flags_of(const struct page *p)
{
    return PageTail(p) ? compound_head(p) : (struct page *)p;
}
/*
 * A transparent huge page is mapped by whole PMDs (the compound mapcount, kept in the first
 * tail's otherwise unused _refcount, as Linux keeps it in page[1]) and, after a PMD of it was
 * split, frame by frame by PTEs (each frame's own _mapcount). A frame's mapcount is both; its
 * references are the head's, one for each PMD and each PTE that maps a frame of it.
 */
static inline int compound_mapcount(const struct page *head)
{
    return head[1]._refcount + 1;
}
static inline int page_mapcount(const struct page *p)
{
    return p->_mapcount + 1 + (PageCompound(p) ? compound_mapcount(compound_head(p)) : 0);
}
static inline int page_count(const struct page *p)
{
    return page_flags_of(p)->_refcount;
}
static inline bool PageAnon(const struct page *p)
{
    return page_flags_of(p)->flags & (1UL << PG_anon);
}
static inline bool PageDirty(const struct page *p)
{
    return page_flags_of(p)->flags & (1UL << PG_dirty);
}
/* An anonymous page's contents are valid from the moment it is filled (do_anonymous_page,
 * wp_page_copy, do_cow_fault), as Linux marks it before mapping it; /proc/kpageflags shows it. */
static inline void __SetPageUptodate(struct page *p)
{
    page_flags_of(p)->flags |= 1UL << PG_uptodate;
}
static inline bool PageReserved(const struct page *p)
{
    return p->flags & (1UL << PG_reserved);
}
static inline bool PageArch1(const struct page *p)
{
    return p->flags & (1UL << PG_arch_1);
}
static inline void SetPageArch1(struct page *p)
{
    p->flags |= 1UL << PG_arch_1;
}
static inline void ClearPageArch1(struct page *p)
{
    p->flags &= ~(1UL << PG_arch_1);
}
static inline void SetPageDirty(struct page *p)
{
    page_flags_of(p)->flags |= 1UL << PG_dirty;
}
static inline void ClearPageDirty(struct page *p)
{
    page_flags_of(p)->flags &= ~(1UL << PG_dirty);
}
/* PG_lazyfree: Linux's PageAnon(page) && !PageSwapBacked(page) (madvise.c, vmscan.c). */
static inline bool PageLazyFree(const struct page *p)
{
    return page_flags_of(p)->flags & (1UL << PG_lazyfree);
}
static inline void SetPageLazyFree(struct page *p)
{
    page_flags_of(p)->flags |= 1UL << PG_lazyfree;
}
static inline void ClearPageLazyFree(struct page *p)
{
    page_flags_of(p)->flags &= ~(1UL << PG_lazyfree);
}
static inline bool PageActive(const struct page *p)
{
    return page_flags_of(p)->flags & (1UL << PG_active);
}
static inline void SetPageActive(struct page *p)
{
    page_flags_of(p)->flags |= 1UL << PG_active;
}
static inline void ClearPageActive(struct page *p)
{
    page_flags_of(p)->flags &= ~(1UL << PG_active);
}
static inline void ClearPageReferenced(struct page *p)
{
    page_flags_of(p)->flags &= ~(1UL << PG_referenced);
}
/* PG_referenced: set by mark_page_accessed (get_user_pages with FOLL_TOUCH: mlock,
 * MAP_POPULATE); smaps counts it as Referenced. Reclaim here goes by the PTEs' accessed bits. */
static inline bool PageReferenced(const struct page *p)
{
    return page_flags_of(p)->flags & (1UL << PG_referenced);
}
static inline void SetPageReferenced(struct page *p)
{
    page_flags_of(p)->flags |= 1UL << PG_referenced;
}
/* What struct page leaves out for cached pages (page_alloc.c keeps it beside mem_map). Only a
 * page in a cache has anything there: whoever takes a page out of its cache clears it. */
/* The page cache a page is in, or NULL (Linux's page_mapping_file()). */
struct address_space *page_mapping_file(const struct page *page);
void set_page_mapping(struct page *page, struct address_space *mapping);
/* PG_swapcache: the swap entry (swp_entry_t.val); 0 otherwise (Linux's page_private()). */
unsigned long page_private(const struct page *page);
void set_page_private(struct page *page, unsigned long private);
/* The references the page cache and the swap cache hold on a page: one each it is in. */
static inline int page_cache_refs(const struct page *p)
{
    return (page_mapping_file(p) ? 1 : 0) + (p->flags & (1UL << PG_swapcache) ? 1 : 0);
}
/* Linux's shmem_mapping(): a tmpfs file, whose pages are swap-backed (PG_swapbacked), count as
 * MM_SHMEMPAGES and Shmem, and are not write-notified: the model's shared anonymous memory
 * (`shmem`) and host files that live in memory (`in_memory`: memfds, /dev/shm). Only the first
 * has no host file behind it; ask mapping->shmem for that. */
static inline bool shmem_mapping(const struct address_space *mapping)
{
    return mapping && (mapping->shmem || mapping->in_memory);
}
/* The link that chains a page in its hash bucket of the page cache or the swap cache. */
struct page **page_cache_next(const struct page *page);
static inline bool is_zero_pfn(unsigned long pfn)
{
    return pfn == page_to_pfn(zero_page());
}

/* --- mm/rmap.c --- */
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long address,
                            bool compound);
void page_add_anon_rmap(struct page *page, struct vm_area_struct *vma, unsigned long address);
void page_add_file_rmap(struct page *page);
void page_remove_rmap(struct page *page, bool compound);
void page_dup_rmap(struct page *page, bool compound);

/* --- kernel/fork.c, mm/mmap.c: address-space life cycle --- */
struct mm_struct *mm_alloc(void);
void mmput(struct mm_struct *mm); /* drops a user; the last one tears the mm down (exit_mmap) */
/* fork: copy oldmm's VMAs and (copy-on-write) PTEs into the fresh mm. 0 or -ENOMEM. */
int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm);

/* --- mm/mmap.c --- */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
/* find_vma for an observer (the TUI's snapshot): the same answer, the mm's cache untouched. */
struct vm_area_struct *find_vma_nocache(const struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, unsigned long addr,
                                     struct vm_area_struct **pprev);
int expand_stack(struct vm_area_struct *vma, unsigned long address);
/* mmap(2) semantics; flags are the MAP_* values of the syscall. Returns address or -errno. */
long do_mmap(struct mm_struct *mm, struct file *file, unsigned long addr, unsigned long len,
             unsigned long prot, unsigned long flags, unsigned long pgoff);
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len);
/* remap_file_pages(2) as 4.20 emulates it: the range of a shared file mapping mapped again at
 * pgoff. 0 or -errno; *populate: the bytes the caller faults in (mm_populate). */
long ksys_remap_file_pages(struct mm_struct *mm, unsigned long start, unsigned long size,
                           unsigned long prot, unsigned long pgoff, unsigned long flags,
                           unsigned long *populate);
unsigned long do_brk(struct mm_struct *mm, unsigned long brk); /* brk(2): the new break */
/* The ELF loader's brk-area VMA for .bss (vm_brk_flags): anonymous, no merge with file VMAs. */
int vm_brk_flags(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long flags);
/* The initial stack VMA [start, end) with VM_STACK_DEFAULT_FLAGS | VM_GROWSDOWN. */
int setup_stack_vma(struct mm_struct *mm, unsigned long start, unsigned long end);
/*
 * install_special_mapping - map sm's pages at [addr, addr + len) with vm_flags (plus
 * VM_DONTEXPAND), named sm->name: the [vdso] and [vvar] of a new image (arch_setup_additional_
 * pages). The range must be free. No page is mapped yet: the first access faults them in
 * (special_mapping_fault); a page past sm's is SIGBUS. 0, -EEXIST or -ENOMEM.
 */
int install_special_mapping(struct mm_struct *mm, unsigned long addr, unsigned long len,
                            unsigned long vm_flags, const struct vm_special_mapping *sm);
unsigned long get_unmapped_area(struct mm_struct *mm, struct file *file, unsigned long addr,
                                unsigned long len, unsigned long pgoff, unsigned long flags);
pgprot_t vm_get_page_prot(unsigned long vm_flags);

/* --- mm/hugetlb.c (kernel_model/hugetlb.c): anonymous MAP_HUGETLB, with empty pools --- */
#define HPAGE_SHIFT     PMD_SHIFT /* the default huge page: 2 MiB */
#define HPAGE_SIZE      (1UL << HPAGE_SHIFT)
#define HPAGE_PUD_SHIFT PUD_SHIFT /* the gigantic one: 1 GiB */
static inline bool is_vm_hugetlb_page(const struct vm_area_struct *vma)
{
    return vma->vm_flags & VM_HUGETLB;
}
/* hstate_sizelog: the huge page size MAP_HUGE_* in mmap's flags names (0: the default), or 0
 * for a size the machine has no hstate of (mmap: EINVAL). */
unsigned long hstate_size_from_flags(unsigned long flags);
/* The page size of vma's pages: its huge page size for a hugetlb VMA, else PAGE_SIZE
 * (smaps' KernelPageSize and MMUPageSize). */
unsigned long vma_kernel_pagesize(const struct vm_area_struct *vma);
/* The fault path of a hugetlb VMA: VM_FAULT_SIGBUS, the pool being empty (hugetlb.c). */
vm_fault_t hugetlb_fault(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long address,
                         unsigned int flags);
/* __split_vma's vm_ops->split of a hugetlb VMA: 0, or -EINVAL off a huge page boundary. */
int hugetlb_vm_op_split(struct vm_area_struct *vma, unsigned long addr);

/* --- mm/mprotect.c, mm/mremap.c, mm/madvise.c --- */
int do_mprotect(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long prot);
long do_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
               unsigned long new_len, unsigned long flags, unsigned long new_addr);
int do_madvise(struct mm_struct *mm, unsigned long start, unsigned long len, int behavior);

/* --- mm/mlock.c, mm/gup.c --- */
/*
 * mlock/mlock2 (flags VM_LOCKED, | VM_LOCKONFAULT for MLOCK_ONFAULT): lock the VMAs of the range
 * and fault it in. lock_limit is RLIMIT_MEMLOCK in bytes (ULONG_MAX with CAP_IPC_LOCK); more
 * locked pages than that is -ENOMEM, as is an unmapped page in the range; -EAGAIN when the pages
 * could not be had. munlock: unlock, pages stay. 0 or -errno.
 */
int do_mlock(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long flags,
             unsigned long lock_limit);
int do_munlock(struct mm_struct *mm, unsigned long start, unsigned long len);
/* mlockall(MCL_*): lock every VMA now (MCL_CURRENT) and every later one (MCL_FUTURE, through
 * mm->def_flags); munlockall: undo both. 0 or -errno (-EINVAL for bad flags). */
int do_mlockall(struct mm_struct *mm, int flags, unsigned long lock_limit);
int do_munlockall(struct mm_struct *mm);
/*
 * Fault in [start, start + len) as get_user_pages would (MAP_POPULATE, MAP_LOCKED, mlock): pages
 * of private writable mappings for write, others for read; PROT_NONE and VM_LOCKONFAULT VMAs
 * and holes are skipped. Not a page fault: nothing is logged, but each page faulted in counts in
 * the mm owner's min_flt or maj_flt (faultin_page). 0, or with
 * ignore_errors 0 the first error (-ENOMEM, -EFAULT).
 */
int __mm_populate(struct mm_struct *mm, unsigned long start, unsigned long len, int ignore_errors);
/* gup_flags (include/linux/mm.h) */
#define FOLL_WRITE 0x01 /* the pages are to be written: break COW, fault in for write */
#define FOLL_FORCE 0x10 /* past the VMA's protection, as ptrace and execve's get_arg_page ask */
/*
 * get_user_pages_remote - make nr_pages pages of mm from start present (writable with FOLL_WRITE)
 * as __get_user_pages does for another mm: each missing one through handle_mm_fault with
 * FAULT_FLAG_REMOTE, which is not a page fault (no exception, no fault_event, nothing in the
 * log) but counts in tsk's min_flt or maj_flt, as faultin_page counts it. execve's get_arg_page
 * faults the new stack's strings in this way. Expects: the VMA list stable. 0, or -EFAULT (no
 * VMA, or one the access is not allowed in: check_vma_flags), -ENOMEM, -ERESTARTSYS at the first
 * page that could not be had. Takes no page references: the caller only needs them present.
 */
long get_user_pages_remote(struct task_struct *tsk, struct mm_struct *mm, unsigned long start,
                           unsigned long nr_pages, unsigned int gup_flags);

/* --- mm/msync.c, mm/mincore.c --- */
/* msync(2): MS_SYNC writes back the dirty pages of the shared file VMAs in range. 0 or -errno. */
int do_msync(struct mm_struct *mm, unsigned long start, unsigned long len, int flags);
/* mincore(2): one byte per page of [start, start + pages pages), 1 when resident. 0 or -errno. */
int do_mincore(struct mm_struct *mm, unsigned long start, unsigned long pages, unsigned char *vec);

/* --- mm/memory.c --- */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address, unsigned int flags);
/* Remove the PTEs of [start, end) inside vma, dropping references and writing back dirt. */
void zap_page_range(struct vm_area_struct *vma, unsigned long start, unsigned long end);
/* Look up the PTE that maps addr, without allocating tables. NULL if a level is missing. */
pte_t *lookup_pte(struct mm_struct *mm, unsigned long addr);
/* The entry that maps addr, whichever level it is at: a huge PMD (*huge true) or a PTE; 0 when
 * none does (follow_page's view, for readers: the fault log, ptrace, get_user_pages). */
pte_t lookup_leaf(struct mm_struct *mm, unsigned long addr, bool *huge);

/* --- mm/pagewalk.c --- */
/* walk_page_vma: pte_entry(pte, addr, huge, priv) for every PTE of vma's range whose page table
 * exists (none, present or swap), in address order; ranges without a table are skipped. A huge
 * PMD comes as the 512 PTEs a split would make of it, with huge set (pagewalk.c). The callback
 * may change the PTE (the caller flushes the TLB). */
typedef void (*pte_entry_fn)(pte_t *pte, unsigned long addr, bool huge, void *priv);
void walk_page_vma(struct vm_area_struct *vma, pte_entry_fn pte_entry, void *priv);
extern unsigned long fault_around_bytes; /* 64 KiB by default, as in Linux; 0 turns it off */

/* --- mm/filemap.c: the page cache --- */
struct address_space *address_space_get(uint64_t dev, uint64_t ino, uint64_t i_size,
                                        uint64_t host_stamp, const char *path,
                                        const struct address_space_operations *a_ops, void *host);
void address_space_put(struct address_space *mapping);
/* Forget every file nobody has open, and its cached pages (the end of the run; drop_caches 2,
 * as 4.20's drop_slab frees the unused inodes and their page cache with them). */
void evict_unused_mappings(void);
/* drop_pagecache: drop_caches 1 (fs/drop_caches.c's drop_pagecache_sb with
 * invalidate_mapping_pages on every file): every cached page of a file that is clean, unlocked
 * and not mapped nor held by anyone but the cache leaves it, without a shadow entry (a
 * refault is no refault). Anonymous shared memory and tmpfs files (in memory on the host) keep
 * theirs, as shmem pages are dirty to Linux. Returns the pages dropped. */
unsigned long drop_pagecache(void);
struct file *file_open_mapping(struct address_space *mapping, bool readable, bool writable);
struct file *get_file(struct file *f);
void fput(struct file *f);
int file_set_path(struct file *f, const char *path);
/* shmem_file_setup (shmem.c): an in-memory file of size bytes for mm's task, charged as
 * committed memory unless flags has VM_NORESERVE (shmem_acct_size); NULL if the charge is refused
 * or out of memory. shmem_committed_pages: what the shmem files that exist are charged. */
struct file *shmem_file_setup(struct mm_struct *mm, const char *name, unsigned long size,
                              unsigned long flags);
unsigned long shmem_committed_pages(void);
/* VMAs of every mm that map m (its i_mmap's length; SysV shm's nattch). */
unsigned long mapping_nr_vmas(const struct address_space *m);
/* Is m mapped shared and writable by any VMA (4.20's mapping_writably_mapped)? */
bool mapping_writably_mapped(const struct address_space *m);
struct page *find_get_page(struct address_space *mapping, pgoff_t index);
int filemap_write_and_wait_range(struct address_space *mapping, pgoff_t start, pgoff_t end);
/* The cached file with host identity (dev, ino), or NULL when the model has never mapped it.
 * No reference is taken: use it only within the current syscall. */
struct address_space *find_mapping(uint64_t dev, uint64_t ino);
/* Before read(2)/write(2) of a cached file reaches the host: write every dirty page back (and
 * write-protect the shared PTEs that dirtied them). 0 or the first write-back error. */
int filemap_sync_before_read(struct address_space *mapping);
/* sync(2): write back the dirty pages of every cached file. */
void filemap_write_all(void);
/* After write(2) of [off, off + len) on the host made the file i_size long: refresh those cached
 * pages in place (mappings see the bytes) and i_size. */
void filemap_host_write(struct address_space *mapping, uint64_t off, uint64_t len, uint64_t i_size);
/* After (f)truncate(2) on the host set the size to i_size: drop and unmap the pages past it. */
void filemap_host_truncate(struct address_space *mapping, uint64_t i_size);
vm_fault_t filemap_fault(struct vm_fault *vmf);
void filemap_map_pages(struct vm_fault *vmf, pgoff_t start_pgoff, pgoff_t end_pgoff);
extern const struct vm_operations_struct generic_file_vm_ops;
extern const struct vm_operations_struct shmem_vm_ops;
extern const struct vm_operations_struct shm_vm_ops;
extern unsigned long ra_pages; /* read-around window of a page-cache miss (pages) */
/*
 * Which page-cache misses count as major faults (docs/kernel-model.md, "Major faults"):
 *  MAJOR_FAULTS_MODEL  Linux's rule on the model's cache: every miss that reads the file.
 *  MAJOR_FAULTS_HOST   a miss is major only when the host's page cache did not hold the page
 *                      either (a_ops->host_cached), so a warm-cache run reports what the real
 *                      kernel would. The default.
 */
enum major_fault_rule { MAJOR_FAULTS_HOST, MAJOR_FAULTS_MODEL };
extern enum major_fault_rule major_fault_rule;

/* --- mm/debug.c --- */
/* Returns 0 when the mm is consistent; otherwise describes the first violation in buf. */
int check_mm_invariants(struct mm_struct *mm, char *buf, size_t len);
void dump_mm(struct mm_struct *mm, void (*print)(void *ctx, const char *line), void *ctx);

#ifdef CONFIG_DEBUG_VM
void vm_bug_on_invariants(struct mm_struct *mm, const char *where, bool after_fault,
                          unsigned long addr);
#define CHECK_MM(mm, where)      vm_bug_on_invariants((mm), (where), false, 0)
#define CHECK_MM_FAULT(mm, addr) vm_bug_on_invariants((mm), "do_page_fault", true, (addr))
#else
#define CHECK_MM(mm, where)      ((void)0)
#define CHECK_MM_FAULT(mm, addr) ((void)0)
#endif

/* Derived snapshots for observers (/proc/PID/maps line format, names). */
const char *vma_name(struct vm_area_struct *vma);
int format_maps_line(struct vm_area_struct *vma, char *buf, size_t len);
/* The Vm* and Rss* lines of /proc/PID/status (task_mem), with the newlines. Returns the length
 * (snprintf's: may exceed len). */
int task_mem(struct mm_struct *mm, char *buf, size_t len);
/* /proc/PID/statm (task_statm), with the newline. Returns the length, as snprintf. */
int task_statm(struct mm_struct *mm, char *buf, size_t len);

/* /proc/PID/smaps: what the pages of VMAs use (4.20's struct mem_size_stats; bytes, and PSS in
 * fixed point with 12 fraction bits). smap_gather_stats adds one VMA's pages (walking its PTEs:
 * resident, shared or private by mapcount, dirty, referenced, swapped); show_smap_stats prints
 * the lines from Size to Locked, show_smap_vma_flags the VmFlags line. Both return snprintf's
 * length. */
struct mem_size_stats {
    unsigned long resident, shared_clean, shared_dirty, private_clean, private_dirty;
    unsigned long referenced, anonymous, lazyfree, anonymous_thp, swap;
    uint64_t pss, swap_pss, pss_locked;
};
void smap_gather_stats(struct vm_area_struct *vma, struct mem_size_stats *mss);
/* size 0: without the Size, KernelPageSize and MMUPageSize lines (smaps_rollup) */
int show_smap_stats(const struct mem_size_stats *mss, unsigned long size, unsigned long pagesize,
                    char *buf, size_t len);
int show_smap_vma_flags(const struct vm_area_struct *vma, char *buf, size_t len);

/* /proc/PID/numa_maps (4.20's struct numa_maps, on a machine of one node): the pages of a VMA
 * that are present and normal (not the zero page, not reserved), how many are anonymous, dirty
 * (PTE or page), in the swap cache, active (or locked: unevictable), and the largest mapcount.
 * numa_gather_vma fills *md from the VMA's page tables; show_numa_map_stats prints what follows
 * the policy and the name on the VMA's line (nothing when no page counts), without the newline,
 * and returns snprintf's length. */
struct numa_maps {
    unsigned long pages, anon, active, mapcount_max, dirty, swapcache, node0;
};
void numa_gather_vma(struct vm_area_struct *vma, struct numa_maps *md);
int show_numa_map_stats(const struct vm_area_struct *vma, const struct numa_maps *md, char *buf,
                        size_t len);

/* /proc/PID/pagemap (4.20's pagemap_read): the 64-bit entry of each of the n pages from addr
 * (page aligned, addr + n pages <= mm->task_size): PM_PRESENT with the frame (if show_pfn,
 * else 0), PM_SWAP with the swap type and offset, PM_FILE for a page-cache page,
 * PM_MMAP_EXCLUSIVE for a page mapped once. Never PM_SOFT_DIRTY: the model is a kernel without
 * CONFIG_MEM_SOFT_DIRTY. Reads the page tables only. */
#define PM_SOFT_DIRTY     (1ULL << 55)
#define PM_MMAP_EXCLUSIVE (1ULL << 56)
#define PM_FILE           (1ULL << 61)
#define PM_SWAP           (1ULL << 62)
#define PM_PRESENT        (1ULL << 63)
void pagemap_read_entries(struct mm_struct *mm, unsigned long addr, size_t n, bool show_pfn,
                          uint64_t *out);

/* /proc/PID/clear_refs (4.20's clear_refs_write): 1 clears the accessed bit of every PTE and
 * the referenced flag of its page (2: anonymous VMAs only, 3: file VMAs only) and flushes the
 * TLB, so Referenced in smaps and the reclaim policies start afresh; 4 (soft-dirty) does
 * nothing without soft-dirty tracking; 5 sets the RSS high-water mark (VmHWM) to the RSS now.
 * 0, or -EINVAL for another type. */
enum clear_refs_types {
    CLEAR_REFS_ALL = 1,
    CLEAR_REFS_ANON,
    CLEAR_REFS_MAPPED,
    CLEAR_REFS_SOFT_DIRTY,
    CLEAR_REFS_MM_HIWATER_RSS,
};
int clear_refs(struct mm_struct *mm, int type);

/* /proc/kpagecount and /proc/kpageflags (fs/proc/page.c) for frame pfn < totalram_pages():
 * how many PTEs map it, and its KPF_* flags (stable_page_flags). */
uint64_t kpagecount_entry(unsigned long pfn);
uint64_t stable_page_flags(unsigned long pfn);

/* The page counters of the whole machine (mm/vmstat.c's zone and node items), counted by a walk
 * over the frames handed out (vmstat.c). nr_lru_*: on the reclaim list, anonymous or shmem
 * (swap-backed) and file; committed_pages: vm_memory_committed(). */
struct vm_page_state {
    unsigned long nr_free, nr_reserved, nr_page_table_pages;
    unsigned long nr_anon_mapped, nr_file_pages, nr_file_mapped, nr_file_dirty, nr_shmem;
    unsigned long nr_swapcache, nr_lru_anon, nr_lru_file, nr_mlock;
    /* of the listed pages, those on an active list (--reclaim linux; the other policies' one
     * list shows anonymous pages as active, file pages as inactive, as 4.20 starts them) */
    unsigned long nr_active_anon, nr_active_file;
    unsigned long committed_pages;
};
int vm_page_state_read(struct vm_page_state *s); /* 0, or -1 when out of memory */
/* /proc/vmstat and /proc/meminfo (fs/proc/meminfo.c), with their newlines: snprintf's length,
 * or -1 when out of memory. */
int vmstat_show(char *buf, size_t len);
int meminfo_show(char *buf, size_t len);
/* /sys/devices/system/node/node<nid>/{meminfo,vmstat,numastat} (drivers/base/node.c's
 * node_read_meminfo, node_read_vmstat, node_read_numastat) of the machine's one node, which is
 * all of it: meminfo's lines from the same counts as /proc/meminfo's, each "Node <nid> "
 * first; vmstat's zone, NUMA and node items of /proc/vmstat; numastat's allocation counts
 * (every allocation a local hit). snprintf's length, or -1 when out of memory. */
int node_meminfo_show(int nid, char *buf, size_t len);
int node_vmstat_show(int nid, char *buf, size_t len);
int node_numastat_show(int nid, char *buf, size_t len);

/* Resident pages (get_mm_rss) and the high-water marks Linux keeps lazily: they are raised just
 * before the RSS or the mapped size goes down (update_hiwater_rss, update_hiwater_vm), and
 * VmHWM/VmPeak show the larger of mark and current value. */
static inline unsigned long get_mm_rss(const struct mm_struct *mm)
{
    return (unsigned long)(mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] +
                           mm->rss_stat[MM_SHMEMPAGES]);
}

static inline unsigned long get_mm_hiwater_rss(const struct mm_struct *mm)
{
    return mm->hiwater_rss > get_mm_rss(mm) ? mm->hiwater_rss : get_mm_rss(mm);
}

static inline void update_hiwater_rss(struct mm_struct *mm)
{
    if (mm->hiwater_rss < get_mm_rss(mm))
        mm->hiwater_rss = get_mm_rss(mm);
}

static inline void update_hiwater_vm(struct mm_struct *mm)
{
    if (mm->hiwater_vm < mm->total_vm)
        mm->hiwater_vm = mm->total_vm;
}

/* mlock.c: pages in VM_LOCKED VMAs (Linux's mm->locked_vm, counted when asked). */
unsigned long mm_locked_pages(struct mm_struct *mm);

#endif
