/*
 * memory.c - page tables and the architecture-independent fault handlers (models mm/memory.c of
 * Linux 4.20).
 *
 * The life of a PTE, and the function that makes each transition:
 *
 *   none --read, anon--------> zero page, read-only, special     do_anonymous_page
 *   none --write, anon-------> private frame, RW|DIRTY           do_anonymous_page
 *   zero page --write--------> private frame, RW|DIRTY           do_wp_page > wp_page_copy
 *   none --read, file--------> page-cache page, read-only        do_read_fault (+ fault-around)
 *   none --write, private----> private copy of the file page     do_cow_fault
 *   none --write, shared-----> page-cache page, RW|DIRTY         do_shared_fault
 *   private RO, mapcount 1 --> same frame made writable          do_wp_page > wp_page_reuse
 *   private RO, mapcount >1 -> new frame, copy                   do_wp_page > wp_page_copy
 *   shared file RO ----------> same page-cache page, RW|DIRTY     do_wp_page > wp_page_shared
 *   any present -------------> none                               zap_page_range
 *   anon present ------------> swap entry                         shrink_page (vmscan.c)
 *   file present ------------> none                               shrink_page (vmscan.c)
 *   swap entry --------------> anon page, from swap or swap cache do_swap_page
 *   swap entry --------------> none                               zap_page_range
 *
 * Rules kept here: a PTE that loses rights or changes frame is followed by arch_flush_tlb_mm();
 * translated code needs nothing here, because the CPU finds it by frame (like x86's physically
 * tagged caches) and drops it when the frame is freed (arch_free_page); a PTE that gains rights
 * needs no flush,
 * because the TLB holds no entry that allows the access. Every PTE that maps a normal page holds
 * one reference and one mapcount of it.
 */
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace.h"
#include "kernel_model/userfaultfd_k.h"

unsigned long fault_around_bytes = 65536;

/* ---------------------------------------------------------------------------------------------
 * Page tables. Entries are uint64_t in frames of guest RAM; upper levels point to the next table
 * with _PAGE_TABLE rights, so only the PTE decides what an access may do.
 */

static uint64_t *entry_table(uint64_t entry)
{
    return pfn_address((entry & PTE_PFN_MASK) >> PAGE_SHIFT);
}

/* pte_alloc_one - a zeroed page-table page, counted in mm's nr_ptes. NULL: no memory. */
struct page *pte_alloc_one(struct mm_struct *mm)
{
    struct page *pg = alloc_page_zeroed(GFP_PGTABLE);
    if (!pg)
        return NULL;
    pg->flags |= 1UL << PG_pgtable;
    mm->nr_ptes++;
    return pg;
}

/* pte_free - give back a page-table page pte_alloc_one made for mm. */
void pte_free(struct mm_struct *mm, struct page *pgtable)
{
    mm->nr_ptes--;
    put_page(pgtable);
}

/* Make *entry point to a table, allocating a zeroed one if it is empty (__pte_alloc and its
 * upper-level siblings). NULL when RAM is exhausted, or when *entry is a huge PMD: it has no
 * table below it until split_huge_pmd gives it one. */
static uint64_t *table_alloc(struct mm_struct *mm, uint64_t *entry)
{
    if (pmd_trans_huge(*entry))
        return NULL;
    if (!(*entry & _PAGE_PRESENT)) {
        struct page *pg = pte_alloc_one(mm);
        if (!pg)
            return NULL;
        *entry = ((uint64_t)page_to_pfn(pg) << PAGE_SHIFT) | _PAGE_TABLE;
    }
    return entry_table(*entry);
}

static uint64_t *pgd_offset(struct mm_struct *mm, unsigned long addr)
{
    return &mm->pgd[pgd_index(addr)];
}

/* The PMD entry covering addr, allocating the PUD and PMD tables (p4d is folded on 4 levels). */
uint64_t *pmd_alloc_walk(struct mm_struct *mm, unsigned long addr)
{
    uint64_t *pud = table_alloc(mm, pgd_offset(mm, addr));
    if (!pud)
        return NULL;
    uint64_t *pmd = table_alloc(mm, &pud[pud_index(addr)]);
    if (!pmd)
        return NULL;
    return &pmd[pmd_index(addr)];
}

static pte_t *pte_alloc(struct mm_struct *mm, uint64_t *pmd, unsigned long addr)
{
    uint64_t *pt = table_alloc(mm, pmd);
    return pt ? (pte_t *)&pt[pte_index(addr)] : NULL;
}

pte_t *pte_offset_map(uint64_t *pmd, unsigned long addr)
{
    if (!(*pmd & _PAGE_PRESENT) || pmd_trans_huge(*pmd))
        return NULL;
    return (pte_t *)&entry_table(*pmd)[pte_index(addr)];
}

pte_t *pte_alloc_map(struct mm_struct *mm, unsigned long addr)
{
    uint64_t *pmd = pmd_alloc_walk(mm, addr);
    return pmd ? pte_alloc(mm, pmd, addr) : NULL;
}

uint64_t *lookup_pmd(struct mm_struct *mm, unsigned long addr)
{
    uint64_t e = *pgd_offset(mm, addr);
    if (!(e & _PAGE_PRESENT))
        return NULL;
    e = entry_table(e)[pud_index(addr)];
    if (!(e & _PAGE_PRESENT))
        return NULL;
    return &entry_table(e)[pmd_index(addr)];
}

pte_t *lookup_pte(struct mm_struct *mm, unsigned long addr)
{
    uint64_t *pmd = lookup_pmd(mm, addr);
    return pmd ? pte_offset_map(pmd, addr) : NULL;
}

pte_t lookup_leaf(struct mm_struct *mm, unsigned long addr, bool *huge)
{
    uint64_t *pmd = lookup_pmd(mm, addr);
    *huge = pmd && pmd_trans_huge(*pmd);
    if (*huge)
        return __pte(*pmd);
    pte_t *pte = pmd ? pte_offset_map(pmd, addr) : NULL;
    return pte ? *pte : __pte(0);
}

static void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte)
{
    (void)mm;
    (void)addr;
    *ptep = pte;
}

/* Replace a present PTE and drop every cached translation of it (ptep_clear_flush + set). */
static void ptep_clear_flush_set(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep,
                                 pte_t pte)
{
    set_pte_at(vma->vm_mm, addr, ptep, pte);
    arch_flush_tlb_mm(vma->vm_mm);
}

static pte_t mk_pte(struct page *page, pgprot_t prot)
{
    return pfn_pte(page_to_pfn(page), prot);
}

static pte_t maybe_mkwrite(pte_t pte, struct vm_area_struct *vma)
{
    return (vma->vm_flags & VM_WRITE) ? pte_mkwrite(pte) : pte;
}

struct page *vm_normal_page(struct vm_area_struct *vma, unsigned long addr, pte_t pte)
{
    (void)vma;
    (void)addr;
    if (pte_special(pte))
        return NULL;
    return pfn_to_page(pte_pfn(pte));
}

static int mm_counter_file(struct page *page)
{
    return shmem_mapping(page_mapping_file(page)) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

static int mm_counter(struct page *page)
{
    return PageAnon(page) ? MM_ANONPAGES : mm_counter_file(page);
}

static bool vma_is_anonymous(struct vm_area_struct *vma)
{
    return !vma->vm_ops;
}

/* ---------------------------------------------------------------------------------------------
 * Anonymous memory.
 */

/*
 * do_anonymous_page - first touch of an anonymous page (the PTE is none).
 * A read maps the shared zero page read-only and special; a write allocates a zeroed frame,
 * counts it in MM_ANONPAGES and maps it writable and dirty. A VM_SHARED anonymous VMA never gets
 * here: it is shmem, file-backed.
 */
static vm_fault_t do_anonymous_page(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;
    struct mm_struct *mm = vma->vm_mm;
    pte_t entry;

    trace_fn("do_anonymous_page");
    if (vma->vm_flags & VM_SHARED)
        return VM_FAULT_SIGBUS;
    vmf->pte = pte_alloc(mm, vmf->pmd, vmf->address);
    if (!vmf->pte)
        return VM_FAULT_OOM;

    if (!(vmf->flags & FAULT_FLAG_WRITE)) {
        /* a registered range: the page comes from user space */
        if (userfaultfd_missing(vma))
            return handle_userfault(vmf, VM_UFFD_MISSING);
        entry = pte_mkspecial(pfn_pte(page_to_pfn(zero_page()), vma->vm_page_prot));
        set_pte_at(mm, vmf->address, vmf->pte, entry);
        return 0;
    }

    if (anon_vma_prepare(vma))
        return VM_FAULT_OOM;
    struct page *page = alloc_page_zeroed(GFP_ANON_ZEROED);
    if (!page)
        return VM_FAULT_OOM;
    /* 4.20 asks user space only once it holds the page (and the PT lock), then lets it go */
    if (userfaultfd_missing(vma)) {
        put_page(page);
        return handle_userfault(vmf, VM_UFFD_MISSING);
    }
    __SetPageUptodate(page);
    entry = mk_pte(page, vma->vm_page_prot);
    if (vma->vm_flags & VM_WRITE)
        entry = pte_mkwrite(pte_mkdirty(entry));
    mm->rss_stat[MM_ANONPAGES]++;
    page_add_new_anon_rmap(page, vma, vmf->address, false);
    set_pte_at(mm, vmf->address, vmf->pte, entry);
    return 0;
}

/*
 * wp_page_reuse - the faulting task is the page's only user: make the PTE writable in place.
 * Rights only grow, so no TLB flush. Returns VM_FAULT_WRITE.
 */
static vm_fault_t wp_page_reuse(struct vm_fault *vmf)
{
    trace_fn("wp_page_reuse");
    pte_t entry = pte_mkyoung(vmf->orig_pte);
    entry = maybe_mkwrite(pte_mkdirty(entry), vmf->vma);
    set_pte_at(vmf->vma->vm_mm, vmf->address, vmf->pte, entry);
    return VM_FAULT_WRITE;
}

/*
 * wp_page_copy - break COW: give the faulting mapping its own frame.
 * Enters with vmf->page = the old normal page with an extra reference taken by the caller, or
 * NULL when the PTE maps the zero page. Leaves the PTE on a new anonymous frame (a copy, or
 * zeroed for the zero page), writable and dirty; the old page loses this mapping and both the
 * mapping's reference and the caller's.
 */
static vm_fault_t wp_page_copy(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;
    struct mm_struct *mm = vma->vm_mm;
    struct page *old_page = vmf->page;
    struct page *new_page;

    trace_fn("wp_page_copy");
    if (anon_vma_prepare(vma)) {
        if (old_page)
            put_page(old_page);
        return VM_FAULT_OOM;
    }
    if (is_zero_pfn(pte_pfn(vmf->orig_pte))) {
        new_page = alloc_page_zeroed(GFP_ANON_ZEROED);
    } else {
        new_page = alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
        if (new_page)
            memcpy(page_address(new_page), page_address(old_page), PAGE_SIZE);
    }
    if (!new_page) {
        if (old_page)
            put_page(old_page);
        return VM_FAULT_OOM;
    }

    if (old_page) {
        if (!PageAnon(old_page)) {
            mm->rss_stat[mm_counter_file(old_page)]--;
            mm->rss_stat[MM_ANONPAGES]++;
        }
    } else {
        mm->rss_stat[MM_ANONPAGES]++;
    }
    __SetPageUptodate(new_page);
    pte_t entry = mk_pte(new_page, vma->vm_page_prot);
    entry = maybe_mkwrite(pte_mkdirty(entry), vma);
    page_add_new_anon_rmap(new_page, vma, vmf->address, false);
    ptep_clear_flush_set(vma, vmf->address, vmf->pte, entry);
    if (old_page) {
        page_remove_rmap(old_page, false);
        put_page(old_page); /* the reference the old PTE held */
        put_page(old_page); /* the caller's */
    }
    return VM_FAULT_WRITE;
}

/*
 * wp_page_shared - first write to a page-cache page of a shared writable mapping (write-notify:
 * the PTE was installed read-only so that this write is seen). The page becomes dirty, to be
 * written back on msync, munmap or exit.
 */
static vm_fault_t wp_page_shared(struct vm_fault *vmf)
{
    trace_fn("wp_page_shared");
    SetPageDirty(vmf->page);
    put_page(vmf->page);
    pte_t entry = pte_mkyoung(vmf->orig_pte);
    entry = maybe_mkwrite(pte_mkdirty(entry), vmf->vma);
    set_pte_at(vmf->vma->vm_mm, vmf->address, vmf->pte, entry);
    return VM_FAULT_WRITE;
}

/*
 * do_wp_page - a write hit a present, read-only PTE in a VMA that allows writing.
 * Zero page -> copy; anonymous page mapped once -> reuse; shared writable file page -> mark dirty;
 * anything else (anonymous page still shared after fork, private file page) -> copy.
 */
static vm_fault_t do_wp_page(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;

    trace_fn("do_wp_page");
    vmf->page = vm_normal_page(vma, vmf->address, vmf->orig_pte);
    if (!vmf->page)
        return wp_page_copy(vmf);

    if (PageAnon(vmf->page)) {
        /* reuse_swap_page(): the last mapper may write in place, unless a swap entry elsewhere
         * (another mm after fork) still expects the swap cache to hold the old data; a frame of
         * a huge page only while no other frame of it is mapped elsewhere either */
        if (page_trans_huge_mapcount(vmf->page) == 1 &&
            (!PageSwapCache(vmf->page) || try_to_free_swap(vmf->page)))
            return wp_page_reuse(vmf);
    } else if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED)) {
        get_page(vmf->page);
        return wp_page_shared(vmf);
    }
    get_page(vmf->page);
    return wp_page_copy(vmf);
}

/*
 * do_swap_page - the PTE holds a swap entry: bring the page back. It comes from the swap cache
 * when another mapping (after fork) already read it, else from the swap device, which makes
 * the fault major. The PTE's slot reference is dropped; once no PTE refers to the slot the page
 * leaves the swap cache (try_to_free_swap) and is the only copy, so a write fault by its only
 * mapper maps it writable at once. Otherwise the PTE is read-only and a write goes on to
 * do_wp_page, which copies while the swap cache still serves other mappings.
 */
vm_fault_t do_swap_page(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;
    struct mm_struct *mm = vma->vm_mm;
    swp_entry_t entry = pte_to_swp_entry(vmf->orig_pte);
    vm_fault_t ret = 0;
    bool major;

    trace_fn("do_swap_page");
    if (!swap_entry_in_use(entry) || !__swap_count(entry))
        return VM_FAULT_SIGBUS; /* not an entry the model made: a corrupt PTE */
    struct page *page = swapin_readahead(entry, vmf, &major);
    if (!page)
        return VM_FAULT_OOM;
    if (major)
        ret |= VM_FAULT_MAJOR;
    /* reclaim may have run in the allocation; it never touches swap entries, but stay exact */
    vmf->pte = pte_offset_map(vmf->pmd, vmf->address);
    if (!vmf->pte || !pte_same(*vmf->pte, vmf->orig_pte)) {
        put_page(page);
        return ret;
    }

    mm->rss_stat[MM_ANONPAGES]++;
    mm->rss_stat[MM_SWAPENTS]--;
    pte_t pte = mk_pte(page, vma->vm_page_prot); /* swapin's reference passes to the PTE */
    page_add_anon_rmap(page, vma, vmf->address);
    activate_page(page); /* in use again: back to the active list (--reclaim linux) */
    swap_free(entry);
    try_to_free_swap(page);
    if ((vmf->flags & FAULT_FLAG_WRITE) && !PageSwapCache(page) && page_mapcount(page) == 1) {
        pte = maybe_mkwrite(pte_mkdirty(pte), vma);
        vmf->flags &= ~FAULT_FLAG_WRITE;
        ret |= VM_FAULT_WRITE;
    }
    set_pte_at(mm, vmf->address, vmf->pte, pte);
    if (vmf->flags & FAULT_FLAG_WRITE) {
        vmf->orig_pte = pte;
        ret |= do_wp_page(vmf);
    }
    return ret;
}

/* ---------------------------------------------------------------------------------------------
 * File-backed memory.
 */

/*
 * alloc_set_pte - map vmf->page at vmf->address (the PTE must be none). The page's reference
 * passes to the PTE. A write fault in a private mapping maps an anonymous copy (cow_page).
 */
static void alloc_set_pte(struct vm_fault *vmf, struct page *page)
{
    struct vm_area_struct *vma = vmf->vma;
    bool write = vmf->flags & FAULT_FLAG_WRITE;
    pte_t entry = mk_pte(page, vma->vm_page_prot);

    if (write)
        entry = maybe_mkwrite(pte_mkdirty(entry), vma);
    if (write && !(vma->vm_flags & VM_SHARED)) {
        vma->vm_mm->rss_stat[MM_ANONPAGES]++;
        page_add_new_anon_rmap(page, vma, vmf->address, false);
    } else {
        vma->vm_mm->rss_stat[mm_counter_file(page)]++;
        page_add_file_rmap(page);
    }
    set_pte_at(vma->vm_mm, vmf->address, vmf->pte, entry);
}

static vm_fault_t __do_fault(struct vm_fault *vmf)
{
    return vmf->vma->vm_ops->fault(vmf);
}

static vm_fault_t finish_fault(struct vm_fault *vmf)
{
    struct page *page = (vmf->flags & FAULT_FLAG_WRITE) && !(vmf->vma->vm_flags & VM_SHARED)
                            ? vmf->cow_page
                            : vmf->page;
    if (!vmf->pte) {
        vmf->pte = pte_alloc(vmf->vma->vm_mm, vmf->pmd, vmf->address);
        if (!vmf->pte) {
            put_page(page);
            return VM_FAULT_OOM;
        }
    }
    alloc_set_pte(vmf, page);
    return 0;
}

/* Map the already-cached pages of the aligned fault_around_bytes window around the fault, so
 * that neighbouring reads do not fault. Returns VM_FAULT_NOPAGE when the faulting page itself
 * got mapped that way. */
static vm_fault_t do_fault_around(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;
    unsigned long address = vmf->address, nr_pages = fault_around_bytes >> PAGE_SHIFT;
    unsigned long mask = ~(nr_pages * PAGE_SIZE - 1) & PAGE_MASK;
    pgoff_t start_pgoff = vmf->pgoff, end_pgoff;

    unsigned long start = address & mask;
    if (start < vma->vm_start)
        start = vma->vm_start;
    unsigned long off = ((address - start) >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1);
    start_pgoff -= off;
    /* never cross the PTE table, the VMA or the window */
    end_pgoff = start_pgoff - ((start >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1)) + PTRS_PER_TABLE - 1;
    pgoff_t vma_last = ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff - 1;
    if (end_pgoff > vma_last)
        end_pgoff = vma_last;
    if (end_pgoff > start_pgoff + nr_pages - 1)
        end_pgoff = start_pgoff + nr_pages - 1;

    if (!vmf->pte) {
        vmf->pte = pte_alloc(vma->vm_mm, vmf->pmd, address);
        if (!vmf->pte)
            return VM_FAULT_OOM;
    }
    vmf->address = start;
    vma->vm_ops->map_pages(vmf, start_pgoff, end_pgoff);
    vmf->address = address;
    vmf->pte = pte_offset_map(vmf->pmd, address);
    if (!pte_none(*vmf->pte))
        return VM_FAULT_NOPAGE;
    vmf->pte = NULL; /* let finish_fault see a none PTE the usual way */
    return 0;
}

/* Map one page for filemap_map_pages(): the window walk hands each cached page here. */
void do_set_pte_around(struct vm_fault *vmf, unsigned long addr, struct page *page)
{
    pte_t *pte = pte_offset_map(vmf->pmd, addr);
    if (!pte || !pte_none(*pte))
        return;
    unsigned long saved_addr = vmf->address;
    pte_t *saved_pte = vmf->pte;
    unsigned int saved_flags = vmf->flags;
    get_page(page);
    vmf->address = addr;
    vmf->pte = pte;
    vmf->flags &= ~FAULT_FLAG_WRITE;
    alloc_set_pte(vmf, page);
    vmf->address = saved_addr;
    vmf->pte = saved_pte;
    vmf->flags = saved_flags;
}

/* do_read_fault - read of a none PTE in a file VMA: fault-around first, then ->fault. */
static vm_fault_t do_read_fault(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;
    vm_fault_t ret;

    trace_fn("do_read_fault");
    if (vma->vm_ops->map_pages && fault_around_bytes >> PAGE_SHIFT > 1) {
        ret = do_fault_around(vmf);
        if (ret)
            return ret;
    }
    ret = __do_fault(vmf);
    if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
        return ret;
    /* A page read from the file (major) was still locked for its I/O: 4.20's filemap_fault
     * returned VM_FAULT_RETRY, and the fault ran again once the I/O was done. The retry's
     * fault-around maps what the read brought in, the faulting page with its window (the
     * readahead marker excepted). The model's read is done at once; this is that retry. (Not
     * shmem's swap-in, which waits for its page in lock_page instead.) The first try returned
     * MAJOR | RETRY, without the page and so without LOCKED; the row has MAJOR and the retry's
     * result. */
    if ((ret & VM_FAULT_MAJOR) && vma->vm_ops->map_pages && fault_around_bytes >> PAGE_SHIFT > 1 &&
        !vma->vm_file->f_mapping->shmem) {
        vm_fault_t again = do_fault_around(vmf);
        if (again & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) {
            put_page(vmf->page);
            return (ret & ~VM_FAULT_LOCKED) | again;
        }
    }
    return ret | finish_fault(vmf);
}

/* do_cow_fault - first write to a none PTE of a private file mapping: copy the file page into a
 * new anonymous frame and map that, writable and dirty. The page-cache page is not mapped. */
static vm_fault_t do_cow_fault(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;
    vm_fault_t ret;

    trace_fn("do_cow_fault");
    if (anon_vma_prepare(vma))
        return VM_FAULT_OOM;
    vmf->cow_page = alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
    if (!vmf->cow_page)
        return VM_FAULT_OOM;
    ret = __do_fault(vmf);
    if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) {
        put_page(vmf->cow_page);
        return ret;
    }
    memcpy(page_address(vmf->cow_page), page_address(vmf->page), PAGE_SIZE);
    __SetPageUptodate(vmf->cow_page);
    put_page(vmf->page);
    ret |= finish_fault(vmf);
    return ret;
}

/* do_shared_fault - first write to a none PTE of a shared file mapping: map the page-cache page
 * itself writable and dirty; the page is dirty until written back. */
static vm_fault_t do_shared_fault(struct vm_fault *vmf)
{
    vm_fault_t ret;

    trace_fn("do_shared_fault");
    ret = __do_fault(vmf);
    if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY))
        return ret;
    SetPageDirty(vmf->page);
    return ret | finish_fault(vmf);
}

/* do_fault - a none PTE in a VMA with vm_ops: dispatch on the kind of access. */
static vm_fault_t do_fault(struct vm_fault *vmf)
{
    struct vm_area_struct *vma = vmf->vma;

    trace_fn("do_fault");
    if (!vma->vm_ops->fault)
        return VM_FAULT_SIGBUS;
    if (!(vmf->flags & FAULT_FLAG_WRITE))
        return do_read_fault(vmf);
    if (!(vma->vm_flags & VM_SHARED))
        return do_cow_fault(vmf);
    return do_shared_fault(vmf);
}

/* ---------------------------------------------------------------------------------------------
 * Dispatch.
 */

/*
 * handle_pte_fault - decide what the PTE needs. Enters with vmf->pmd set (its table may not exist
 * yet); leaves the PTE allowing the access, or returns VM_FAULT_ERROR bits.
 */
static vm_fault_t handle_pte_fault(struct vm_fault *vmf)
{
    pte_t entry;

    trace_fn("handle_pte_fault");
    vmf->pte = pte_offset_map(vmf->pmd, vmf->address);
    if (vmf->pte) {
        vmf->orig_pte = *vmf->pte;
        if (pte_none(vmf->orig_pte))
            vmf->pte = NULL;
    }
    if (!vmf->pte) {
        if (vma_is_anonymous(vmf->vma))
            return do_anonymous_page(vmf);
        return do_fault(vmf);
    }
    if (!pte_present(vmf->orig_pte))
        return do_swap_page(vmf);

    entry = vmf->orig_pte;
    if (vmf->flags & FAULT_FLAG_WRITE) {
        if (!pte_write(entry))
            return do_wp_page(vmf);
        entry = pte_mkdirty(entry);
    }
    /* The PTE already allowed the access: a spurious fault; only the A/D bits change. */
    trace_fn("pte_mkyoung");
    entry = pte_mkyoung(entry);
    set_pte_at(vmf->vma->vm_mm, vmf->address, vmf->pte, entry);
    return 0;
}

static vm_fault_t __handle_mm_fault(struct vm_area_struct *vma, unsigned long address,
                                    unsigned int flags)
{
    struct vm_fault vmf = {
        .vma = vma,
        .address = address & PAGE_MASK,
        .flags = flags,
        .pgoff = linear_page_index(vma, address),
    };
    vmf.pmd = pmd_alloc_walk(vma->vm_mm, address);
    if (!vmf.pmd)
        return VM_FAULT_OOM;
    if (!(*vmf.pmd & _PAGE_PRESENT) && transparent_hugepage_enabled(vma)) {
        /* create_huge_pmd */
        vm_fault_t ret = do_huge_pmd_anonymous_page(&vmf);
        if (!(ret & VM_FAULT_FALLBACK))
            return ret;
    } else if (pmd_trans_huge(*vmf.pmd)) {
        uint64_t orig_pmd = *vmf.pmd;
        if ((flags & FAULT_FLAG_WRITE) && !(orig_pmd & _PAGE_RW)) {
            /* wp_huge_pmd: only anonymous VMAs have huge PMDs here */
            vm_fault_t ret = do_huge_pmd_wp_page(&vmf, orig_pmd);
            if (!(ret & VM_FAULT_FALLBACK))
                return ret;
        } else {
            huge_pmd_set_accessed(&vmf, orig_pmd);
            return 0;
        }
    }
    return handle_pte_fault(&vmf);
}

/*
 * handle_mm_fault - resolve a fault at address inside vma (access_error already passed).
 * Returns VM_FAULT_* bits; 0 or VM_FAULT_WRITE/MAJOR/NOPAGE mean the access can be retried.
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address, unsigned int flags)
{
    trace_fn("handle_mm_fault");
    vm_events.pgfault++; /* count_vm_event(PGFAULT) */
    vm_fault_t ret = is_vm_hugetlb_page(vma) ? hugetlb_fault(vma->vm_mm, vma, address, flags)
                                             : __handle_mm_fault(vma, address, flags);
    /* Linux counts PGMAJFAULT where do_swap_page and filemap_fault read; those are the faults
     * that return VM_FAULT_MAJOR */
    if (ret & VM_FAULT_MAJOR)
        vm_events.pgmajfault++;
    return ret;
}

/* ---------------------------------------------------------------------------------------------
 * Unmapping.
 */

/*
 * zap_page_range - clear the PTEs of [start, end) in vma (page aligned, inside the VMA). Each
 * normal page loses a mapping and a reference; a dirty PTE marks its page-cache page dirty
 * (set_page_dirty) so write-back sees it. Flushes the TLB once if anything was mapped.
 */
void zap_page_range(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
    struct mm_struct *mm = vma->vm_mm;
    bool flushed_any = false;

    update_hiwater_rss(mm);
    for (unsigned long addr = start; addr < end;) {
        uint64_t *pmd = lookup_pmd(mm, addr);
        if (pmd && pmd_trans_huge(*pmd)) {
            /* zap_pmd_range: a whole huge PMD goes at once, part of one is split first */
            if (!(addr & ~HPAGE_PMD_MASK) && end - addr >= HPAGE_PMD_SIZE) {
                zap_huge_pmd(vma, pmd);
                flushed_any = true;
                addr += HPAGE_PMD_SIZE;
                continue;
            }
            split_huge_pmd(vma, pmd);
        }
        pte_t *pte = pmd ? pte_offset_map(pmd, addr) : NULL;
        if (!pte) {
            /* skip to the next PTE table */
            addr = (addr + PMD_SIZE) & PMD_MASK;
            continue;
        }
        unsigned long table_end = (addr + PMD_SIZE) & PMD_MASK;
        if (table_end > end || table_end == 0)
            table_end = end;
        for (; addr < table_end; addr += PAGE_SIZE, pte++) {
            pte_t old = *pte;
            if (pte_none(old))
                continue;
            *pte = __pte(0);
            if (is_swap_pte(old)) {
                mm->rss_stat[MM_SWAPENTS]--;
                free_swap_and_cache(pte_to_swp_entry(old));
                continue;
            }
            if (!pte_present(old))
                continue;
            flushed_any = true;
            struct page *page = vm_normal_page(vma, addr, old);
            if (!page)
                continue;
            if (pte_dirty(old) && !PageAnon(page))
                SetPageDirty(page);
            mm->rss_stat[mm_counter(page)]--;
            page_remove_rmap(page, false);
            if (PageSwapCache(page) && !page_mapcount(page))
                try_to_free_swap(page); /* free_page_and_swap_cache */
            put_page(page);
        }
    }
    if (flushed_any)
        arch_flush_tlb_mm(mm);
    if ((vma->vm_flags & VM_SHARED) && vma->vm_file && !vma->vm_file->f_mapping->shmem) {
        pgoff_t first = linear_page_index(vma, start);
        filemap_write_and_wait_range(vma->vm_file->f_mapping, first,
                                     first + ((end - start) >> PAGE_SHIFT) - 1);
    }
}

/*
 * The part [*start, *end) of vma, one of m's (its i_mmap), that maps pages [first, last] of the
 * file, if any (the vma_interval_tree walk of Linux, one VMA at a time). false when they do not
 * meet.
 */
static bool vma_file_range(const struct vm_area_struct *vma, pgoff_t first, pgoff_t last,
                           unsigned long *start, unsigned long *end)
{
    pgoff_t vfirst = vma->vm_pgoff;
    pgoff_t vlast = vfirst + ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT) - 1;
    if (last < vfirst || first > vlast)
        return false;
    pgoff_t a = first > vfirst ? first : vfirst, b = last < vlast ? last : vlast;
    *start = vma->vm_start + ((a - vfirst) << PAGE_SHIFT);
    *end = vma->vm_start + ((b - vfirst + 1) << PAGE_SHIFT);
    return true;
}

/* page_mkclean_one for every page-cache PTE of m's shared VMAs in [first, last]: the dirty bit
 * moves to the page, and the PTE is write-protected, unless the file is not write-notified
 * (tmpfs: shmem_mapping), whose PTEs only lose the dirty bit. */
void mapping_mkclean(struct address_space *m, pgoff_t first, pgoff_t last)
{
    bool notify = !shmem_mapping(m);
    unsigned long start, end;

    for (struct vm_area_struct *vma = m->i_mmap; vma; vma = vma->i_mmap_next) {
        struct mm_struct *mm = vma->vm_mm;
        bool flush = false;
        if (!(vma->vm_flags & VM_SHARED) || !vma_file_range(vma, first, last, &start, &end))
            continue;
        for (unsigned long addr = start; addr < end; addr += PAGE_SIZE) {
            pte_t *pte = lookup_pte(mm, addr);
            if (!pte || !pte_present(*pte) || !(pte_dirty(*pte) || (notify && pte_write(*pte))))
                continue;
            struct page *page = vm_normal_page(vma, addr, *pte);
            if (page && pte_dirty(*pte) && !PageAnon(page))
                SetPageDirty(page);
            set_pte_at(mm, addr, pte,
                       notify ? pte_mkclean(pte_wrprotect(*pte)) : pte_mkclean(*pte));
            flush = true;
        }
        if (flush)
            arch_flush_tlb_mm(mm);
    }
}

void unmap_mapping_range(struct address_space *m, pgoff_t first, pgoff_t last)
{
    unsigned long start, end;

    for (struct vm_area_struct *vma = m->i_mmap; vma; vma = vma->i_mmap_next)
        if (vma_file_range(vma, first, last, &start, &end))
            zap_page_range(vma, start, end);
}

/*
 * free_pte_tables - the PTE level of free_pgtables after munmap: the PTE tables covering
 * [start, end) whose whole 2 MiB lies between floor (the previous VMA's end, or 0) and ceiling
 * (the next VMA's start, or 0 for none) go back, so that a later mapping there starts from a
 * none PMD (which a huge page needs) and VmPTE shrinks as in Linux. Their PTEs are none (zapped).
 * The upper levels stay until exit (free_pgtables_all).
 */
void free_pte_tables(struct mm_struct *mm, unsigned long start, unsigned long end,
                     unsigned long floor, unsigned long ceiling)
{
    for (unsigned long a = start & PMD_MASK; a < end && a >= (start & PMD_MASK); a += PMD_SIZE) {
        if (a < floor || (ceiling && a + PMD_SIZE > ceiling))
            continue;
        uint64_t *pmd = lookup_pmd(mm, a);
        if (!pmd || !(*pmd & _PAGE_PRESENT) || pmd_trans_huge(*pmd))
            continue;
        pte_t *pt = (pte_t *)entry_table(*pmd);
        bool empty = true;
        for (unsigned i = 0; i < PTRS_PER_TABLE && empty; i++)
            empty = pte_none(pt[i]);
        if (!empty)
            continue;
        struct page *table = virt_to_page(pt);
        *pmd = 0;
        pte_free(mm, table);
    }
}

/* Free every page-table page below the pgd (free_pgtables at exit_mmap); the PTEs must be none. */
void free_pgtables_all(struct mm_struct *mm)
{
    for (unsigned i = 0; i < PTRS_PER_TABLE; i++) {
        uint64_t pgde = mm->pgd[i];
        if (!(pgde & _PAGE_PRESENT))
            continue;
        uint64_t *pud = entry_table(pgde);
        for (unsigned j = 0; j < PTRS_PER_TABLE; j++) {
            if (!(pud[j] & _PAGE_PRESENT))
                continue;
            uint64_t *pmd = entry_table(pud[j]);
            for (unsigned k = 0; k < PTRS_PER_TABLE; k++) {
                if (!(pmd[k] & _PAGE_PRESENT))
                    continue;
                put_page(virt_to_page(entry_table(pmd[k])));
                mm->nr_ptes--;
            }
            put_page(virt_to_page(pmd));
            mm->nr_ptes--;
        }
        put_page(virt_to_page(pud));
        mm->nr_ptes--;
        mm->pgd[i] = 0;
    }
}

/* Give the present PTEs of [start, end) the protections newprot (change_pte_range of
 * mm/mprotect.c). A private page stays read-only until a write fault decides between reuse and
 * copy, because newprot comes from vm_page_prot, which lacks RW for private mappings.
 * Returns true if any PTE lost rights, so the caller must flush the TLB. */
bool change_pte_range(struct vm_area_struct *vma, unsigned long start, unsigned long end,
                      pgprot_t newprot)
{
    bool lost = false;
    for (unsigned long addr = start; addr < end; addr += PAGE_SIZE) {
        uint64_t *pmd = lookup_pmd(vma->vm_mm, addr);
        if (pmd && pmd_trans_huge(*pmd)) {
            /* change_pmd_range: a whole huge PMD keeps its 2 MiB, part of one is split; so is
             * one made PROT_NONE (a huge PMD must stay present: pmd_protnone is NUMA's) */
            if (!(addr & ~HPAGE_PMD_MASK) && end - addr >= HPAGE_PMD_SIZE &&
                (newprot & _PAGE_PRESENT)) {
                lost |= change_huge_pmd(pmd, newprot);
                addr += HPAGE_PMD_SIZE - PAGE_SIZE;
                continue;
            }
            split_huge_pmd(vma, pmd);
        }
        pte_t *pte = pmd ? pte_offset_map(pmd, addr) : NULL;
        if (!pte || !pte_present(*pte))
            continue;
        pte_t old = *pte, entry = pte_modify(old, newprot);
        if ((pte_write(old) && !pte_write(entry)) || (pte_exec(old) && !pte_exec(entry)) ||
            ((pte_val(old) & _PAGE_PRESENT) && !(pte_val(entry) & _PAGE_PRESENT)))
            lost = true;
        *pte = entry;
    }
    return lost;
}

/* Move one PTE from old_addr in vma to new_addr in new_vma (move_ptes of mm/mremap.c), or a
 * whole huge PMD (move_page_tables' move_huge_pmd; part of one is split first). The page keeps
 * its reference and mapcount; an anonymous page's index follows its new place. */
unsigned long move_pte(struct vm_area_struct *vma, unsigned long old_addr,
                       struct vm_area_struct *new_vma, unsigned long new_addr,
                       unsigned long old_end)
{
    struct mm_struct *mm = vma->vm_mm;
    uint64_t *pmd = lookup_pmd(mm, old_addr);
    if (pmd && pmd_trans_huge(*pmd)) {
        if (move_huge_pmd(vma, old_addr, new_vma, new_addr, old_end, pmd))
            return HPAGE_PMD_SIZE;
        split_huge_pmd(vma, pmd);
    }
    pte_t *old = pmd ? pte_offset_map(pmd, old_addr) : NULL;
    if (!old || pte_none(*old))
        return PAGE_SIZE;
    pte_t *new = pte_alloc_map(mm, new_addr);
    if (!new)
        return 0;
    old = lookup_pte(mm, old_addr); /* allocation cannot move tables, but stay obviously right */
    pte_t entry = *old;
    *old = __pte(0);
    *new = entry;
    struct page *page = pte_present(entry) ? vm_normal_page(vma, old_addr, entry) : NULL;
    if (page && PageAnon(page))
        page->index = linear_page_index(new_vma, new_addr);
    return PAGE_SIZE;
}
