/*
 * huge_memory.c - transparent huge pages of anonymous memory (models mm/huge_memory.c of
 * Linux 4.20: the huge PMD fault, copy-on-write, fork, zap, mprotect, mremap, MADV_FREE and split;
 * huge_mm.h says what is left out).
 *
 * A huge PMD is an x86-64 PMD entry with _PAGE_PSE: the frame number of the head, the page's
 * rights and its A/D bits, in the same bit positions as a PTE's. Each huge PMD has a PTE table
 * deposited beside it (pgtable_trans_huge_deposit, counted in nr_ptes as Linux counts it), so
 * that splitting it needs no allocation. Deposited tables hang off the PMD table's own struct
 * page: its lru_prev is the first one's frame number (0: none; frame 0 is always the zero page,
 * never a page table), each one's lru_next the next's.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace.h"
#include "kernel_model/userfaultfd_k.h"

enum transparent_hugepage_mode transparent_hugepage_mode = THP_NEVER;
bool transparent_hugepage_use_zero_page = true;
unsigned long nr_anon_thps;

/* The deferred split queue (pgdata->split_queue): heads of huge pages some frames of which no
 * longer map anything, by frame number. A page on it has its third frame's _refcount (unused by
 * a tail: page_count reads the head's) set, as Linux links page[2].deferred_list; an entry whose
 * page was split or freed since (the mark is gone) is skipped. */
static uint32_t *split_queue;
static size_t split_queue_len, split_queue_cap;

static int *deferred_mark(struct page *head)
{
    return &head[2]._refcount;
}

void deferred_split_init(void)
{
    free(split_queue);
    split_queue = NULL;
    split_queue_len = split_queue_cap = 0;
}

void deferred_split_huge_page(struct page *head)
{
    if (*deferred_mark(head))
        return;
    if (split_queue_len == split_queue_cap) {
        size_t cap = split_queue_cap ? 2 * split_queue_cap : 64;
        uint32_t *q = realloc(split_queue, cap * sizeof(*q));
        if (!q)
            return; /* not queued: the page stays whole until reclaim takes it from the list */
        split_queue = q;
        split_queue_cap = cap;
    }
    split_queue[split_queue_len++] = (uint32_t)page_to_pfn(head);
    *deferred_mark(head) = 1;
    vm_events.thp_deferred_split_page++;
}

unsigned long deferred_split_scan(void)
{
    unsigned long before = nr_free_pages();
    size_t n = split_queue_len;
    split_queue_len = 0; /* a split may queue nothing: its pages are no longer compound */
    for (size_t i = 0; i < n; i++) {
        struct page *head = pfn_to_page(split_queue[i]);
        if (!PageHead(head) || !*deferred_mark(head))
            continue;
        *deferred_mark(head) = 0;
        get_page(head);
        split_huge_page(head);
        put_page(head);
    }
    return nr_free_pages() - before;
}

static struct page *pmd_page(uint64_t pmd)
{
    return pfn_to_page((pmd & PTE_PFN_MASK) >> PAGE_SHIFT);
}

static bool is_huge_zero_pmd(uint64_t pmd)
{
    return is_huge_zero_pfn((pmd & PTE_PFN_MASK) >> PAGE_SHIFT);
}

/* mk_huge_pmd: the head's frame with prot's rights, as a huge PMD. */
uint64_t mk_huge_pmd(struct page *head, pgprot_t prot)
{
    return pte_val(pfn_pte(page_to_pfn(head), prot)) | _PAGE_PSE;
}

uint64_t maybe_pmd_mkwrite(uint64_t pmd, struct vm_area_struct *vma)
{
    return (vma->vm_flags & VM_WRITE) ? pmd | _PAGE_RW : pmd;
}

/* pgtable_trans_huge_deposit: keep pgtable for the huge PMD at pmdp. */
void pgtable_trans_huge_deposit(uint64_t *pmdp, struct page *pgtable)
{
    struct page *table = virt_to_page(pmdp);
    pgtable->lru_next = table->lru_prev;
    table->lru_prev = (uint32_t)page_to_pfn(pgtable);
}

/* pgtable_trans_huge_withdraw: one of the tables deposited for the PMDs of pmdp's table. */
static struct page *pgtable_trans_huge_withdraw(uint64_t *pmdp)
{
    struct page *table = virt_to_page(pmdp);
    struct page *pgtable = pfn_to_page(table->lru_prev);
    table->lru_prev = pgtable->lru_next;
    pgtable->lru_next = 0;
    return pgtable;
}

enum transparent_hugepage_mode hugepage_init_mode(enum transparent_hugepage_mode configured)
{
    /* hugepage_init: "by default disable transparent hugepages on smaller systems, where the
     * extra memory used could hurt more than TLB overhead is likely to save" (under 512 MiB) */
    if (totalram_pages() < (512UL << (20 - PAGE_SHIFT)))
        return THP_NEVER;
    return configured;
}

bool transparent_hugepage_enabled(struct vm_area_struct *vma)
{
    /* anonymous private memory only: shmem and page-cache huge pages are not modelled */
    if (vma->vm_ops || vma->vm_file || (vma->vm_flags & (VM_SHARED | VM_NOHUGEPAGE)))
        return false;
    if (vma->vm_mm->thp_disabled) /* MMF_DISABLE_THP */
        return false;
    if (transparent_hugepage_mode == THP_ALWAYS)
        return true;
    return transparent_hugepage_mode == THP_MADVISE && (vma->vm_flags & VM_HUGEPAGE);
}

/* set_huge_zero_page: map the huge zero page read-only at the PMD, with a deposited table. */
static void set_huge_zero_page(struct page *pgtable, struct vm_area_struct *vma, uint64_t *pmd,
                               struct page *zero)
{
    pgtable_trans_huge_deposit(pmd, pgtable);
    *pmd = mk_huge_pmd(zero, vma->vm_page_prot) & ~_PAGE_RW;
}

vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;
    struct mm_struct *mm = vma->vm_mm;
    unsigned long haddr = vmf->address & HPAGE_PMD_MASK;

    trace_fn("do_huge_pmd_anonymous_page");
    if (haddr < vma->vm_start || haddr + HPAGE_PMD_SIZE > vma->vm_end)
        return VM_FAULT_FALLBACK;
    if (anon_vma_prepare(vma))
        return VM_FAULT_OOM;
    if (khugepaged_enter(vma, vma->vm_flags))
        return VM_FAULT_OOM;
    struct page *pgtable = pte_alloc_one(mm);
    if (!pgtable)
        return VM_FAULT_OOM;
    if (!(vmf->flags & FAULT_FLAG_WRITE) && transparent_hugepage_use_zero_page) {
        struct page *zero = mm_get_huge_zero_page(mm);
        if (!zero) {
            pte_free(mm, pgtable);
            vm_events.thp_fault_fallback++;
            return VM_FAULT_FALLBACK;
        }
        if (userfaultfd_missing(vma)) {
            pte_free(mm, pgtable);
            return handle_userfault(vmf, VM_UFFD_MISSING);
        }
        set_huge_zero_page(pgtable, vma, vmf->pmd, zero);
        return 0;
    }
    struct page *page = alloc_transhuge_page();
    if (!page) {
        pte_free(mm, pgtable);
        vm_events.thp_fault_fallback++;
        return VM_FAULT_FALLBACK;
    }
    /* __do_huge_pmd_anonymous_page: as for a small page, user space is asked once the page is
     * there, and the page let go */
    if (userfaultfd_missing(vma)) {
        put_page(page);
        pte_free(mm, pgtable);
        return handle_userfault(vmf, VM_UFFD_MISSING);
    }
    __SetPageUptodate(page);
    uint64_t entry = maybe_pmd_mkwrite(mk_huge_pmd(page, vma->vm_page_prot) | _PAGE_DIRTY, vma);
    page_add_new_anon_rmap(page, vma, haddr, true);
    pgtable_trans_huge_deposit(vmf->pmd, pgtable);
    *vmf->pmd = entry;
    mm->rss_stat[MM_ANONPAGES] += HPAGE_PMD_NR;
    vm_events.thp_fault_alloc++;
    return 0;
}

void huge_pmd_set_accessed(struct vm_fault *vmf, uint64_t orig_pmd)
{
    trace_fn("huge_pmd_set_accessed");
    uint64_t entry = orig_pmd | _PAGE_ACCESSED;
    if (vmf->flags & FAULT_FLAG_WRITE)
        entry |= _PAGE_DIRTY;
    *vmf->pmd = entry;
}

vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf, uint64_t orig_pmd)
{
    struct vm_area_struct *vma = vmf->vma;

    trace_fn("do_huge_pmd_wp_page");
    /* page_trans_huge_mapcount: no frame of the page is mapped anywhere else */
    if (!is_huge_zero_pmd(orig_pmd) && page_trans_huge_mapcount(pmd_page(orig_pmd)) == 1) {
        *vmf->pmd = maybe_pmd_mkwrite(orig_pmd | _PAGE_ACCESSED | _PAGE_DIRTY, vma);
        return VM_FAULT_WRITE;
    }
    if (is_huge_zero_pmd(orig_pmd) && transparent_hugepage_enabled(vma)) {
        /* the huge zero page written: a new zeroed huge page in its place (the deposited
         * table stays), as in 4.20 and again in the kernels it is compared with */
        struct page *page = alloc_transhuge_page();
        if (page) {
            __SetPageUptodate(page);
            page_add_new_anon_rmap(page, vma, vmf->address & HPAGE_PMD_MASK, true);
            *vmf->pmd = maybe_pmd_mkwrite(mk_huge_pmd(page, vma->vm_page_prot) | _PAGE_DIRTY, vma);
            arch_flush_tlb_mm(vma->vm_mm);
            vma->vm_mm->rss_stat[MM_ANONPAGES] += HPAGE_PMD_NR;
            vm_events.thp_fault_alloc++;
            return VM_FAULT_WRITE;
        }
        vm_events.thp_fault_fallback++;
    }
    /* A shared huge page: 4.20 copies all 2 MiB here; the model splits this PMD and lets the
     * PTE path copy the one small page written, as Linux has since 5.8 (the kernels it is
     * compared with): a fork child's first store costs 4 KiB, and the other mappings of the
     * page keep their huge PMDs. (Traced here, not in the split: reclaim inside a fault's
     * allocation splits too, and is no step of the fault.) */
    trace_fn("__split_huge_pmd");
    split_huge_pmd(vma, vmf->pmd);
    return VM_FAULT_FALLBACK;
}

int copy_huge_pmd(struct mm_struct *dst_mm, struct vm_area_struct *vma, uint64_t *dst_pmd,
                  uint64_t *src_pmd)
{
    struct page *pgtable = pte_alloc_one(dst_mm);
    if (!pgtable)
        return -12; /* -ENOMEM */
    uint64_t pmd = *src_pmd;
    if (!pmd_trans_huge(pmd)) { /* the allocation's reclaim split it */
        pte_free(dst_mm, pgtable);
        return -11; /* -EAGAIN */
    }
    pgtable_trans_huge_deposit(dst_pmd, pgtable);
    if (is_huge_zero_pmd(pmd)) {
        mm_get_huge_zero_page(dst_mm); /* made already: the child's reference */
        *dst_pmd = pmd;
        return 0;
    }
    struct page *page = pmd_page(pmd);
    get_page(page);
    page_dup_rmap(page, true);
    dst_mm->rss_stat[MM_ANONPAGES] += HPAGE_PMD_NR;
    *src_pmd = pmd & ~_PAGE_RW; /* pmdp_set_wrprotect; dup_mmap flushes the parent's TLB */
    *dst_pmd = (pmd & ~(_PAGE_RW | _PAGE_ACCESSED));
    (void)vma;
    return 0;
}

void zap_huge_pmd(struct vm_area_struct *vma, uint64_t *pmd)
{
    struct mm_struct *mm = vma->vm_mm;
    uint64_t orig = *pmd;

    *pmd = 0;
    pte_free(mm, pgtable_trans_huge_withdraw(pmd));
    if (is_huge_zero_pmd(orig))
        return;
    struct page *page = pmd_page(orig);
    mm->rss_stat[MM_ANONPAGES] -= HPAGE_PMD_NR;
    page_remove_rmap(page, true);
    put_page(page);
}

bool change_huge_pmd(uint64_t *pmd, pgprot_t newprot)
{
    uint64_t old = *pmd;
    uint64_t entry = pte_val(pte_modify(__pte(old), newprot)) | _PAGE_PSE;
    if (is_huge_zero_pmd(old))
        entry &= ~_PAGE_RW;
    *pmd = entry;
    return ((old & _PAGE_RW) && !(entry & _PAGE_RW)) || (!(old & _PAGE_NX) && (entry & _PAGE_NX)) ||
           !(entry & _PAGE_PRESENT);
}

bool move_huge_pmd(struct vm_area_struct *vma, unsigned long old_addr,
                   struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long old_end,
                   uint64_t *old_pmd)
{
    struct mm_struct *mm = vma->vm_mm;

    if ((old_addr & ~HPAGE_PMD_MASK) || (new_addr & ~HPAGE_PMD_MASK) ||
        old_end - old_addr < HPAGE_PMD_SIZE)
        return false;
    /* move_page_tables' alloc_new_pmd (out of memory: the caller's split and PTE moves fail
     * the same way); the new PMD must be none (free_pgtables took any table it had) */
    uint64_t *new_pmd = pmd_alloc_walk(mm, new_addr);
    if (!new_pmd || *new_pmd || !pmd_trans_huge(*old_pmd)) /* or reclaim in it split the page */
        return false;
    uint64_t pmd = *old_pmd;
    *old_pmd = 0;
    /* pmd_move_must_withdraw: the deposited tables hang off each PMD table */
    pgtable_trans_huge_deposit(new_pmd, pgtable_trans_huge_withdraw(old_pmd));
    *new_pmd = pmd;
    /* the page's index follows its new place, as move_pte does for a small page: each frame's
     * (page_add_new_anon_rmap) */
    if (!is_huge_zero_pmd(pmd)) {
        struct page *head = pmd_page(pmd);
        pgoff_t index = new_vma->vm_pgoff + ((new_addr - new_vma->vm_start) >> PAGE_SHIFT);
        for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
            head[i].index = index + i;
    }
    return true;
}

bool madvise_free_huge_pmd(struct vm_area_struct *vma, uint64_t *pmd, unsigned long addr,
                           unsigned long next)
{
    uint64_t orig = *pmd;

    (void)vma;
    if (is_huge_zero_pmd(orig))
        return false;
    struct page *page = pmd_page(orig);
    /* mapped elsewhere too (after fork): it could be discarded only if every mapping were
     * MADV_FREE'd, so it is skipped, and not split */
    if (page_mapcount(page) != 1)
        return false;
    if (next - addr != HPAGE_PMD_SIZE) { /* part of it: split, the PTE path frees that part */
        get_page(page);
        split_huge_page(page);
        put_page(page);
        return false;
    }
    ClearPageDirty(page);
    bool flush = false;
    if (orig & (_PAGE_ACCESSED | _PAGE_DIRTY)) { /* the next store sets D again (mmu.c) */
        *pmd = orig & ~(uint64_t)(_PAGE_ACCESSED | _PAGE_DIRTY);
        flush = true;
    }
    mark_page_lazyfree(page);
    return flush;
}

/*
 * __split_huge_pmd_locked - the huge PMD at pmd (of vma) becomes its deposited PTE table: each
 * PTE maps one frame with the PMD's rights and accessed bit. A dirty PMD dirties the page (the
 * PTEs start clean, as Linux's split leaves them). The page stays one compound page: each frame
 * gains the PTE's mapping, the page loses the PMD's (the last PMD gone: no longer counted in
 * NR_ANON_THPS), and holds one reference per PTE where the PMD held one. The huge zero page's
 * PTEs map the small zero page, which counts nothing.
 */
static void __split_huge_pmd_locked(struct vm_area_struct *vma, uint64_t *pmd)
{
    uint64_t old = *pmd;
    struct page *pgtable = pgtable_trans_huge_withdraw(pmd);
    pte_t *pt = page_address(pgtable);
    bool zero = is_huge_zero_pmd(old);
    struct page *head = pmd_page(old);

    vm_events.thp_split_pmd++;
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
        pte_t entry;
        if (zero) {
            entry = pte_mkspecial(pfn_pte(page_to_pfn(zero_page()), vma->vm_page_prot));
            entry = pte_wrprotect(entry);
        } else {
            entry = pfn_pte(page_to_pfn(head) + i, vma->vm_page_prot);
            if (old & _PAGE_RW)
                entry = pte_mkwrite(entry);
            else
                entry = pte_wrprotect(entry);
            head[i]._mapcount++;
        }
        entry = (old & _PAGE_ACCESSED) ? pte_mkyoung(entry) : pte_mkold(entry);
        pt[i] = entry;
    }
    if (!zero) {
        if (old & _PAGE_DIRTY)
            SetPageDirty(head);
        head->_refcount += HPAGE_PMD_NR - 1; /* page_ref_add */
        page_remove_rmap(head, true);
    }
    *pmd = ((uint64_t)page_to_pfn(pgtable) << PAGE_SHIFT) | _PAGE_TABLE;
    arch_flush_tlb_mm(vma->vm_mm);
}

struct split_walk {
    struct page *head;
};

/* Split every huge PMD of mm that maps w->head (the rmap walk of split_huge_page's unmap). */
static void split_page_mm(struct mm_struct *mm, void *ctx)
{
    struct split_walk *w = ctx;
    unsigned long pfn = page_to_pfn(w->head);

    for (struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
        if (!vma->anon_vma || w->head->index < vma->vm_pgoff)
            continue;
        unsigned long off = w->head->index - vma->vm_pgoff;
        if (off >= (vma->vm_end - vma->vm_start) >> PAGE_SHIFT)
            continue;
        unsigned long haddr = vma->vm_start + (off << PAGE_SHIFT);
        uint64_t *pmd = haddr & ~HPAGE_PMD_MASK ? NULL : lookup_pmd(mm, haddr);
        if (pmd && pmd_trans_huge(*pmd) && ((*pmd & PTE_PFN_MASK) >> PAGE_SHIFT) == pfn)
            __split_huge_pmd_locked(vma, pmd);
    }
}

void split_huge_page(struct page *head)
{
    struct split_walk w = {head};
    if (compound_mapcount(head))
        for_each_mm(split_page_mm, &w);
    split_page_compound(head);
    vm_events.thp_split_page++;
}

void split_huge_pmd(struct vm_area_struct *vma, uint64_t *pmd)
{
    if (pmd_trans_huge(*pmd))
        __split_huge_pmd_locked(vma, pmd);
}

int page_trans_huge_mapcount(const struct page *page)
{
    if (!PageCompound(page))
        return page_mapcount(page);
    const struct page *head = compound_head(page);
    int most = 0;
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
        if (head[i]._mapcount + 1 > most)
            most = head[i]._mapcount + 1;
    return most + compound_mapcount(head);
}
