/*
 * mm_internal.h - what the model's files share among themselves (Linux's mm/internal.h).
 * Not for emu/, mmu/, db/ or ui/: they use mm.h.
 */
#ifndef FL_MM_INTERNAL_H
#define FL_MM_INTERNAL_H

#include <limits.h>
#include <sys/resource.h>

#include "kernel_model/mm.h"

/* The lowest address get_unmapped_area hands out, and below which MAP_FIXED asks
 * security_mmap_addr: 65536 (max(vm.mmap_min_addr, CONFIG_LSM_MMAP_MIN_ADDR) on Debian). */
extern unsigned long mmap_min_addr;
extern unsigned long stack_guard_gap;

/* mmap.c */
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, int new_below);
struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev,
                                 unsigned long addr, unsigned long end, unsigned long vm_flags,
                                 struct file *file, pgoff_t pgoff,
                                 const struct vm_operations_struct *ops);
void vma_set_page_prot(struct vm_area_struct *vma);
/* Insert vma after prev (NULL: at the head) in the sorted list and the tree. vma's vm_start and
 * vm_end are set; the range is free. */
void vma_link_after(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev);
/* The struct page behind a present PTE, or NULL for the zero page (a "special" mapping). */
struct page *vm_normal_page(struct vm_area_struct *vma, unsigned long addr, pte_t pte);
/* vma_gap_update: vma's vm_start, or the vm_end of the VMA before it, changed; bring the tree's
 * gaps up to date (nothing for NULL). Whoever moves a VMA's bounds calls it for that VMA
 * (vm_start) or for the one after it (vm_end). */
void vma_gap_update(struct vm_area_struct *vma);
/* The rb_subtree_gap vma should have, from its own gap and its children's (the invariant
 * check compares). */
unsigned long vma_compute_subtree_gap(const struct vm_area_struct *vma);
/* total_vm and friends (vm_stat_account). */
void mm_stat_account(struct mm_struct *mm, unsigned long flags, long npages);
/* Split vma so that [start, end) (page aligned, inside it) is a VMA of its own: the first half of
 * Linux 6's vma_modify(), which mprotect_fixup and mlock_fixup both do. 0 or -ENOMEM. */
int vma_split_range(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start,
                    unsigned long end);
/*
 * The loop mprotect and mlock share: call fixup on each VMA's piece of [start, end), in order.
 * fixup(vma, pprev, s, e, arg) changes [s, e) of vma (splitting and merging) and leaves *pprev
 * at the VMA that covers the piece; if that VMA merged with the next one, the next one needs
 * nothing more (Linux's nstart = prev->vm_end). Every page must be mapped: -ENOMEM at the
 * first hole. 0, or the first error (fixup's or -ENOMEM), with the pieces before it changed.
 */
typedef int (*vma_fixup_fn)(struct vm_area_struct *vma, struct vm_area_struct **pprev,
                            unsigned long start, unsigned long end, void *arg);
int vma_range_apply(struct mm_struct *mm, unsigned long start, unsigned long end,
                    vma_fixup_fn fixup, void *arg);
/* Merge vma with its neighbours where they now match; returns the VMA that covers vma's range. */
struct vm_area_struct *vma_merge_neighbours(struct mm_struct *mm, struct vm_area_struct *vma);

/* fault.c: the task whose fault do_page_fault is handling (Linux's current there), or NULL
 * outside one (a populate, get_user_pages). */
struct task_struct *fault_task(void);

/* userfaultfd.c: a missing page of a VMA registered for VM_UFFD_MISSING (reason). */
vm_fault_t handle_userfault(struct vm_fault *vmf, unsigned long reason);

/* mmap.c: the anon_vma of a neighbour of vma (next first, then prev) that vma may take at its
 * first fault: the neighbour is compatible with vma (adjacent, same file and flags but for the
 * rights, vm_pgoff going on) and its anon_vma chain is singular. NULL: none. */
struct anon_vma *find_mergeable_anon_vma(struct vm_area_struct *vma);

/* rmap.c: anon_vmas (see the header there) */
extern long nr_anon_vmas; /* alive: allocated and not yet freed */
/* anon_vma_prepare - make sure vma has an anon_vma before its first anonymous page is mapped:
 * a compatible neighbour's, or a new root. 0 or -ENOMEM. */
int __anon_vma_prepare(struct vm_area_struct *vma);
static inline int anon_vma_prepare(struct vm_area_struct *vma)
{
    return vma->anon_vma ? 0 : __anon_vma_prepare(vma);
}
void anon_vma_clone(struct vm_area_struct *dst, const struct vm_area_struct *src);
int anon_vma_fork(struct vm_area_struct *vma, const struct vm_area_struct *pvma);
void unlink_anon_vmas(struct vm_area_struct *vma);
/* Is vma's anon_vma chain singular: has it an anon_vma, and one not made by fork (a root)? */
bool anon_vma_chain_singular(const struct vm_area_struct *vma);

/* interval_tree.c: the anonymous reverse map's index (see the header there). A VMA is in
 * anon_vma_tree exactly while it is linked into an mm and has an anon_vma. */
extern struct rb_root anon_vma_tree;
/* The last page index vma covers: vm_pgoff + vma_pages - 1. */
unsigned long anon_vma_last_pgoff(const struct vm_area_struct *vma);
/* The anon_subtree_last vma should have (the invariant check compares). */
unsigned long anon_vma_compute_subtree_last(const struct vm_area_struct *vma);
/* Before a change of vm_start, vm_end or vm_pgoff of a VMA that may be in the tree: take it out
 * (nothing if it is not in). */
void anon_vma_interval_tree_pre_update_vma(struct vm_area_struct *vma);
/* After such a change, or after vma was linked, unlinked, or gained or lost its anon_vma: put it
 * in the tree, or take it out, as the rule says. */
void anon_vma_interval_tree_post_update_vma(struct vm_area_struct *vma);
/* fn(vma, ctx) for each VMA in the tree whose range holds page index `index`, by vm_pgoff; fn
 * returns false to stop. fn must not change the tree. */
void anon_vma_interval_tree_foreach(unsigned long index,
                                    bool (*fn)(struct vm_area_struct *vma, void *ctx), void *ctx);

/* fork.c: vm_area_dup - a copy of orig (malloc'd; NULL: out of memory) that is in no list, no
 * tree and no i_mmap yet: vma_link_after puts it there. The caller gives it its own file
 * reference and anon_vma (anon_vma_clone, anon_vma_fork). */
struct vm_area_struct *vm_area_dup(const struct vm_area_struct *orig);

/* memory.c */
bool change_pte_range(struct vm_area_struct *vma, unsigned long start, unsigned long end,
                      pgprot_t newprot);
void free_pgtables_all(struct mm_struct *mm);
void free_pte_tables(struct mm_struct *mm, unsigned long start, unsigned long end,
                     unsigned long floor, unsigned long ceiling);
/* The PTE for addr, allocating the tables on the way (pte_alloc_map). NULL: out of memory, or
 * a huge PMD covers addr. */
pte_t *pte_alloc_map(struct mm_struct *mm, unsigned long addr);
/* linear_page_index: the page of vma's file (or of its anonymous pages' index) at address. */
static inline unsigned long linear_page_index(const struct vm_area_struct *vma,
                                              unsigned long address)
{
    return ((address - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}
/* do_swap_page (memory.c): vmf's PTE (vmf->orig_pte) is a swap entry; bring the page back.
 * Also khugepaged's, outside any fault (__collapse_huge_page_swapin). */
vm_fault_t do_swap_page(struct vm_fault *vmf);
/* The PTE for addr in the table the PMD entry pmd points to; NULL when pmd is none or huge. */
pte_t *pte_offset_map(uint64_t *pmd, unsigned long addr);
/* The PMD entry for addr, allocating the PUD and PMD tables on the way. NULL: out of memory. */
uint64_t *pmd_alloc_walk(struct mm_struct *mm, unsigned long addr);
/* A zeroed page-table page counted in mm->nr_ptes, and its release. */
struct page *pte_alloc_one(struct mm_struct *mm);
void pte_free(struct mm_struct *mm, struct page *pgtable);
void do_set_pte_around(struct vm_fault *vmf, unsigned long addr, struct page *page);
/* Move what maps old_addr to new_addr (one step of move_page_tables): a whole huge PMD when
 * both addresses are 2 MiB aligned and [old_addr, old_end) holds all of it (move_huge_pmd),
 * else one PTE. Returns the bytes moved (PAGE_SIZE or HPAGE_PMD_SIZE), 0: out of memory. */
unsigned long move_pte(struct vm_area_struct *vma, unsigned long old_addr,
                       struct vm_area_struct *new_vma, unsigned long new_addr,
                       unsigned long old_end);

/* filemap.c: take a page out of its file's page cache, dropping the cache's reference
 * (__delete_from_page_cache). The page must be unmapped. */
void delete_from_page_cache(struct page *page);
/* filemap.c: page, filled, becomes page `index` of m (uptodate); the cache takes the caller's
 * reference, and the page goes on the reclaim list. Nothing may be cached at index. */
void add_to_page_cache_lru(struct page *page, struct address_space *m, pgoff_t index);

/* filemap.c: madvise(MADV_REMOVE)'s hole: pages [first, last] of m zeroed in the file, gone from
 * the cache and every mapping. 0 or -errno (-EOPNOTSUPP: the file cannot). */
int filemap_punch_hole(struct address_space *m, pgoff_t first, pgoff_t last);

/* workingset.c: reclaim dropped page `index` of m (leave a shadow); page `index` of m is being
 * read into the cache (a shadow counts a refault; true: its refault distance says it should
 * start on the active list); a file page was activated (the clock ticks); m is going away:
 * forget its shadows. */
void workingset_eviction(struct address_space *m, pgoff_t index);
bool workingset_refault(struct address_space *m, pgoff_t index);
void workingset_activation(void);
void workingset_forget(struct address_space *m);

/* True while at most one mm is alive: page references can then be checked exactly. */
bool mm_single_user(void);
/* Call fn on every live mm, in the order of the list of mms (mm->mmlist_index). */
void for_each_mm(void (*fn)(struct mm_struct *mm, void *ctx), void *ctx);
/* Call fn on every address_space, in use or kept unused with its cache (filemap.c). */
void for_each_mapping(void (*fn)(struct address_space *m, void *ctx), void *ctx);

/* memory.c: the page cache's view of the PTEs that map a file's pages (rmap.c/truncate.c) */
/* page_mkclean over pages [first, last] of m in every shared VMA: a dirty PTE dirties its page,
 * and every writable PTE is write-protected, so the next store faults (wp_page_shared) and
 * dirties the page again. */
void mapping_mkclean(struct address_space *m, pgoff_t first, pgoff_t last);
/* unmap_mapping_range(..., even_cows = 1): zap the PTEs of pages [first, last] of m in every
 * VMA that maps them, private copies included, as truncation does. */
void unmap_mapping_range(struct address_space *m, pgoff_t first, pgoff_t last);

static inline unsigned long mm_rlimit_stack(const struct mm_struct *mm)
{
    return mm->owner ? mm->owner->rlimit_stack : 8UL << 20;
}

/* The soft limit `resource` (RLIMIT_*) of mm's owner, in bytes; ULONG_MAX if it has none. */
static inline unsigned long mm_rlimit(const struct mm_struct *mm, int resource)
{
    return mm->owner && mm->owner->rlim ? mm->owner->rlim[resource].cur : ULONG_MAX;
}

/* may_expand_vm - may mm map npages more with these flags: RLIMIT_AS for every mapping,
 * RLIMIT_DATA for private writable ones (is_data_mapping). */
bool may_expand_vm(const struct mm_struct *mm, unsigned long flags, unsigned long npages);

/* can_madv_dontneed_vma (mm/internal.h): whether MADV_DONTNEED, and the OOM reaper, may unmap
 * the VMA's pages: not mlocked, hugetlb or PFN-mapped ones. */
static inline bool can_madv_dontneed_vma(const struct vm_area_struct *vma)
{
    return !(vma->vm_flags & (VM_LOCKED | VM_HUGETLB | VM_PFNMAP));
}

#endif
