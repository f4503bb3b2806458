/*
 * huge_mm.h - transparent huge pages of anonymous memory (models include/linux/huge_mm.h of
 * Linux 4.20; the code is in huge_memory.c, the frames in page_alloc.c).
 *
 * A transparent huge page (THP) is a compound page of HPAGE_PMD_NR frames, aligned, mapped by
 * one PMD entry with _PAGE_PSE: one fault fills 2 MiB. Whatever works on part of a huge PMD
 * (munmap, mprotect or MADV_DONTNEED of part of it, mremap of part of it or off a 2 MiB
 * boundary, a VMA split through it, a write to a page shared after fork) splits that PMD into
 * PTEs that map the page's frames, as Linux does: the page stays one compound page, still mapped
 * whole by any other PMD (mm.h: the compound mapcount and each frame's own). The page itself is
 * split into 512 ordinary pages (split_huge_page) when reclaim takes it from the list, on MADV_FREE
 * of part of one, and, once some of its frames no longer map anything, by the deferred split
 * queue's shrinker at the next reclaim, which frees those frames. khugepaged (khugepaged.c)
 * collapses ranges faulted in small pages into huge pages. What is not modelled: compaction (free
 * frames that were not freed as a whole huge page never make one again), THP in shmem and
 * page-cache pages, swapping a huge page out whole, and the defrag setting (a huge page is taken
 * only from frames already free, never by reclaim).
 */
#ifndef FL_HUGE_MM_H
#define FL_HUGE_MM_H

#include "kernel_model/mm_types.h"

#define HPAGE_PMD_SHIFT PMD_SHIFT
#define HPAGE_PMD_ORDER (HPAGE_PMD_SHIFT - PAGE_SHIFT)
#define HPAGE_PMD_NR    (1UL << HPAGE_PMD_ORDER)
#define HPAGE_PMD_SIZE  PMD_SIZE
#define HPAGE_PMD_MASK  PMD_MASK

/* /sys/kernel/mm/transparent_hugepage/enabled: where a fault may take a huge page. */
enum transparent_hugepage_mode {
    THP_NEVER,   /* nowhere */
    THP_MADVISE, /* in VMAs with VM_HUGEPAGE (madvise(MADV_HUGEPAGE)) */
    THP_ALWAYS,  /* in every anonymous private VMA without VM_NOHUGEPAGE */
};
extern enum transparent_hugepage_mode transparent_hugepage_mode;
/* .../transparent_hugepage/use_zero_page: a read fault maps the huge zero page. */
extern bool transparent_hugepage_use_zero_page;
/* Anonymous huge pages in use (NR_ANON_THPS: /proc/meminfo's AnonHugePages). */
extern unsigned long nr_anon_thps;

/* hugepage_init: the mode a machine of this RAM starts with, given the configured default
 * (the host's): never under 512 MiB, as Linux decides at boot; an explicit choice (the admin's
 * write to sysfs, --thp) is not asked. */
enum transparent_hugepage_mode hugepage_init_mode(enum transparent_hugepage_mode configured);

/* A present PMD entry that maps 2 MiB itself rather than a PTE table. */
static inline bool pmd_trans_huge(uint64_t pmd)
{
    return (pmd & (_PAGE_PRESENT | _PAGE_PSE)) == (_PAGE_PRESENT | _PAGE_PSE);
}

/* page_alloc.c */
struct page *alloc_transhuge_page(void);
void split_page_compound(struct page *head);
/* The huge zero page for mm, made if need be (NULL: no aligned block free); mm holds a
 * reference on it until mm_put_huge_zero_page (mmput). */
struct page *mm_get_huge_zero_page(struct mm_struct *mm);
void mm_put_huge_zero_page(struct mm_struct *mm);
/* The huge zero page's shrinker: free it when no mm holds it. Frames freed (0 or 512). */
unsigned long shrink_huge_zero_page(void);
/* The huge zero page if a fault has made it and no shrinker has freed it since, else NULL. */
struct page *huge_zero_page(void);
bool is_huge_zero_pfn(unsigned long pfn);

/* mk_huge_pmd: the head's frame with prot's rights, as a huge PMD; maybe_pmd_mkwrite: and
 * writable if the VMA is; pgtable_trans_huge_deposit: keep pgtable beside the huge PMD at pmdp,
 * for its split. */
uint64_t mk_huge_pmd(struct page *head, pgprot_t prot);
uint64_t maybe_pmd_mkwrite(uint64_t pmd, struct vm_area_struct *vma);
void pgtable_trans_huge_deposit(uint64_t *pmdp, struct page *pgtable);

/*
 * khugepaged (khugepaged.c): its tunables (/sys/kernel/mm/transparent_hugepage/khugepaged/) and
 * counters, the list of mms it scans, and one pass of its scan.
 * khugepaged_enter: put vma's mm on the list if THP may be used in a VMA of these flags (0, or
 * -ENOMEM); khugepaged_enter_vma_merge: the same for an anonymous VMA that holds a whole aligned
 * 2 MiB; khugepaged_fork: the child's mm too if the parent's is on it; khugepaged_exit: mm goes.
 * khugepaged_has_work: a list and THP not "never"; khugepaged_wakeup_pending: and the list has
 * just stopped being empty (the pass is due now); khugepaged_do_scan: one pass of up to
 * pages_to_scan pages; khugepaged_alloc_failed: that pass stopped for want of a huge page (the
 * next one is due in alloc_sleep_millisecs, not scan_sleep_millisecs). The tunables are
 * written only between passes (emu/mm_tunables.c).
 */
extern unsigned int khugepaged_pages_to_scan, khugepaged_scan_sleep_millisecs;
extern unsigned int khugepaged_alloc_sleep_millisecs, khugepaged_max_ptes_none;
extern unsigned int khugepaged_max_ptes_swap;
extern unsigned long khugepaged_pages_collapsed, khugepaged_full_scans;
int khugepaged_enter(struct vm_area_struct *vma, unsigned long vm_flags);
int khugepaged_enter_vma_merge(struct vm_area_struct *vma, unsigned long vm_flags);
int khugepaged_fork(struct mm_struct *mm, struct mm_struct *oldmm);
void khugepaged_exit(struct mm_struct *mm);
bool khugepaged_has_work(void);
bool khugepaged_wakeup_pending(void);
void khugepaged_do_scan(void);
bool khugepaged_alloc_failed(void);
/* wake_up_interruptible(&khugepaged_wait): the next pass is due now (a sleep was rewritten). */
void khugepaged_wakeup(void);

/* memory.c: the PMD entry that covers addr, or NULL when no PMD table covers it. */
uint64_t *lookup_pmd(struct mm_struct *mm, unsigned long addr);

/* __transparent_hugepage_enabled: may a fault in vma take a huge page? */
bool transparent_hugepage_enabled(struct vm_area_struct *vma);

/*
 * do_huge_pmd_anonymous_page - the PMD of an anonymous VMA is none and THP is enabled for it.
 * Maps the huge zero page (read) or a new zeroed huge page (write) with one PMD, depositing a
 * PTE table for a later split. VM_FAULT_FALLBACK when the aligned 2 MiB is not all inside the
 * VMA or no huge page is free: the caller goes on with the PTE path.
 */
vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf);
/* do_huge_pmd_wp_page - a write to a read-only huge PMD: make it writable if nothing else maps
 * any frame of the page; put a new zeroed huge page in place of the huge zero page; else (a
 * page shared after fork, or no huge page free) split this PMD and return VM_FAULT_FALLBACK:
 * the PTE path then copies one small page (Linux 5.8 and later). */
vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf, uint64_t orig_pmd);
/* huge_pmd_set_accessed - the huge PMD allowed the access already: set A (and D for a write). */
void huge_pmd_set_accessed(struct vm_fault *vmf, uint64_t orig_pmd);

/* copy_huge_pmd - fork: dst_pmd (none) maps what src_pmd maps, both write-protected, the page
 * one more mapping and reference, dst_mm a deposited table. 0, -ENOMEM, or -EAGAIN when reclaim
 * in the table's allocation split the page (the caller copies its PTEs instead). */
int copy_huge_pmd(struct mm_struct *dst_mm, struct vm_area_struct *vma, uint64_t *dst_pmd,
                  uint64_t *src_pmd);
/* zap_huge_pmd - clear a huge PMD whose whole 2 MiB is being unmapped; the page loses the
 * mapping and its reference, the deposited table is freed. */
void zap_huge_pmd(struct vm_area_struct *vma, uint64_t *pmd);
/* change_huge_pmd - mprotect of a whole huge PMD: new protections, frame, A, D kept. true if it
 * lost rights (the caller flushes the TLB). */
bool change_huge_pmd(uint64_t *pmd, pgprot_t newprot);
/* move_huge_pmd - mremap: move the huge PMD at old_pmd (of vma, at old_addr) to new_addr in
 * new_vma, with its deposited table, when old_addr and new_addr are both 2 MiB aligned, the
 * moved range [old_addr, old_end) holds the whole PMD and the new PMD is none (4.20's rules).
 * false: nothing done, the caller splits. The caller flushes the TLB. */
bool move_huge_pmd(struct vm_area_struct *vma, unsigned long old_addr,
                   struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long old_end,
                   uint64_t *old_pmd);
/* madvise_free_huge_pmd - MADV_FREE on [addr, next) of the huge PMD at pmd, which covers it
 * (4.20's rules): a huge page only this PMD maps, freed whole, is marked lazily free without a
 * split (PMD and page made clean and old); part of one is split (split_huge_page) for the PTE
 * path to go on with; the huge zero page and a page shared after fork are left as they are.
 * true: the caller must flush the TLB. */
bool madvise_free_huge_pmd(struct vm_area_struct *vma, uint64_t *pmd, unsigned long addr,
                           unsigned long next);
/* split_huge_pmd - a huge PMD of vma becomes a PTE table (the deposited one) mapping the same
 * frames with the same rights (__split_huge_pmd). The page stays a huge page: other PMDs that map
 * it keep doing so, and its frames are now mapped by PTEs here. Nothing for any other PMD. */
void split_huge_pmd(struct vm_area_struct *vma, uint64_t *pmd);
/* split_huge_page - page (a head) becomes HPAGE_PMD_NR ordinary pages: every PMD that still maps
 * it is split first, then each frame keeps the mappings of its PTEs and one reference for each;
 * frames no PTE maps any more are freed. The caller holds a reference on the head: it may be
 * the head's last. */
void split_huge_page(struct page *head);
/* deferred_split_huge_page - some frames of this huge page (a head) no longer map anything:
 * queue it, once, for a split under memory pressure (thp_deferred_split_page). */
void deferred_split_huge_page(struct page *head);
/* deferred_split_scan - the shrinker: split every queued huge page, which frees its unmapped
 * frames. Returns the frames freed. Reclaim runs it first. */
unsigned long deferred_split_scan(void);
/* Empty the queue (mem_init: a new RAM). */
void deferred_split_init(void);
/* page_trans_huge_mapcount - the mappings of the most mapped frame of page's huge page (PMDs
 * count for every frame); page_mapcount for any other page. 1: nothing else maps any of it. */
int page_trans_huge_mapcount(const struct page *page);

#endif
