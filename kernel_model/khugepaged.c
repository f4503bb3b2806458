/*
 * khugepaged.c - collapsing small anonymous pages into transparent huge pages (models
 * mm/khugepaged.c of Linux 4.20).
 *
 * An mm joins khugepaged's list (an mm_slot) when one of its anonymous VMAs may hold huge pages
 * (THP "always", or "madvise" and MADV_HUGEPAGE): at its first huge-page fault, at a merge or
 * madvise that makes such a VMA, and at fork of an mm on the list. khugepaged wakes at once when
 * the list stops being empty, and then every scan_sleep_millisecs (10 s) while it is not; each
 * pass looks at up to pages_to_scan (4096) pages of PTEs, mm by mm and 2 MiB range by range,
 * remembering where it stopped. The emulator runs the passes (emu/kthreads.c): the first on the
 * way back to user mode from the call that woke it, the later ones when their time comes.
 *
 * A range is collapsed when its PTE table holds only anonymous small pages that nothing else
 * references (page_count is 1, plus the swap cache's), at least one of them writable and young,
 * and at most max_ptes_none (511) none or zero-page PTEs; then the pages are copied into a new
 * huge page (the holes zero-filled), freed, and the range is mapped by one huge PMD with the
 * emptied PTE table deposited beside it. As in 4.20, the huge page is allocated first, and then
 * fewer than 256 young PTEs stop the collapse in __collapse_huge_page_swapin (Linux 5.8 dropped
 * that rule): a sparsely used range stays small, and each pass allocates and frees a huge page
 * for it (thp_collapse_alloc counts them).
 *
 * A range may hold up to max_ptes_swap (64) swapped-out pages: with enough young PTEs they are
 * read back first (__collapse_huge_page_swapin, do_swap_page outside any fault: no fault row in
 * the log), then the range is checked again and collapsed.
 *
 * Each range looked at is an event for the observers (trace_khugepaged): what 4.20's
 * mm_khugepaged_scan_pmd, mm_collapse_huge_page_swapin and mm_collapse_huge_page tracepoints
 * report, with their result names; the log keeps them (khugepaged_events). Not modelled: THP for
 * shmem and files (collapse_shmem), khugepaged's own page allocation policy (defrag; the
 * alloc_sleep after a failure is kept).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/trace_internal.h"
#include "kernel_model/userfaultfd_k.h"

unsigned int khugepaged_pages_to_scan = HPAGE_PMD_NR * 8;
unsigned int khugepaged_scan_sleep_millisecs = 10000;
unsigned int khugepaged_alloc_sleep_millisecs = 60000;
unsigned int khugepaged_max_ptes_none = HPAGE_PMD_NR - 1;
unsigned int khugepaged_max_ptes_swap = HPAGE_PMD_NR / 8;
unsigned long khugepaged_pages_collapsed, khugepaged_full_scans;

/* The mm_slots, in the order their mms joined; the scan's place (khugepaged_scan). */
static struct mm_struct **slots;
static size_t nr_slots, slots_cap;
static struct {
    size_t slot; /* the mm being scanned; nr_slots: none (start over at the head) */
    unsigned long address;
    bool valid;
} scan;
static bool wakeup, alloc_failed;

static bool khugepaged_enabled(void)
{
    return transparent_hugepage_mode != THP_NEVER;
}

bool khugepaged_has_work(void)
{
    return nr_slots && khugepaged_enabled();
}

bool khugepaged_wakeup_pending(void)
{
    return wakeup && khugepaged_has_work();
}

void khugepaged_wakeup(void)
{
    wakeup = true;
}

bool khugepaged_alloc_failed(void)
{
    return alloc_failed;
}

static int __khugepaged_enter(struct mm_struct *mm)
{
    if (nr_slots == slots_cap) {
        size_t cap = slots_cap ? 2 * slots_cap : 16;
        struct mm_struct **n = realloc(slots, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        slots = n;
        slots_cap = cap;
    }
    if (!nr_slots)
        wakeup = true; /* wake_up_interruptible(&khugepaged_wait): the list was empty */
    slots[nr_slots++] = mm;
    mm->khugepaged = true; /* MMF_VM_HUGEPAGE */
    return 0;
}

int khugepaged_enter(struct vm_area_struct *vma, unsigned long vm_flags)
{
    if (vma->vm_mm->khugepaged)
        return 0;
    if ((transparent_hugepage_mode == THP_ALWAYS ||
         (transparent_hugepage_mode == THP_MADVISE && (vm_flags & VM_HUGEPAGE))) &&
        !(vm_flags & VM_NOHUGEPAGE) && !vma->vm_mm->thp_disabled)
        return __khugepaged_enter(vma->vm_mm);
    return 0;
}

int khugepaged_enter_vma_merge(struct vm_area_struct *vma, unsigned long vm_flags)
{
    if (!vma->anon_vma || vma->vm_ops) /* anonymous memory only (no THP for files here) */
        return 0;
    unsigned long hstart = (vma->vm_start + ~HPAGE_PMD_MASK) & HPAGE_PMD_MASK;
    unsigned long hend = vma->vm_end & HPAGE_PMD_MASK;
    return hstart < hend ? khugepaged_enter(vma, vm_flags) : 0;
}

int khugepaged_fork(struct mm_struct *mm, struct mm_struct *oldmm)
{
    return oldmm->khugepaged ? __khugepaged_enter(mm) : 0;
}

void khugepaged_exit(struct mm_struct *mm)
{
    if (!mm->khugepaged)
        return;
    for (size_t i = 0; i < nr_slots; i++) {
        if (slots[i] != mm)
            continue;
        memmove(&slots[i], &slots[i + 1], (nr_slots - i - 1) * sizeof(*slots));
        nr_slots--;
        if (scan.valid && scan.slot == i) { /* the next mm's turn, from its start */
            scan.address = 0;
            if (scan.slot == nr_slots)
                scan.valid = false;
        } else if (scan.valid && scan.slot > i) {
            scan.slot--;
        }
        break;
    }
    mm->khugepaged = false;
}

/* hugepage_vma_check: may khugepaged collapse in vma? */
static bool hugepage_vma_check(const struct vm_area_struct *vma)
{
    unsigned long f = vma->vm_flags;
    if ((!(f & VM_HUGEPAGE) && transparent_hugepage_mode != THP_ALWAYS) || (f & VM_NOHUGEPAGE) ||
        vma->vm_mm->thp_disabled)
        return false;
    if (!vma->anon_vma || vma->vm_ops)
        return false;
    return !(f & (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP | VM_HUGETLB));
}

/* mm_find_pmd: the PMD entry at address if it points to a PTE table, else NULL. */
static uint64_t *mm_find_pmd(struct mm_struct *mm, unsigned long address)
{
    uint64_t *pmd = lookup_pmd(mm, address);
    return pmd && (*pmd & _PAGE_PRESENT) && !pmd_trans_huge(*pmd) ? pmd : NULL;
}

/*
 * The checks of khugepaged_scan_pmd (allow_swap) and of __collapse_huge_page_isolate (after the
 * swap-in: a swap PTE is then SCAN_PTE_NON_PRESENT) over the 512 PTEs of [address, +2 MiB), in
 * their order: SCAN_SUCCEED if the range may collapse, else the first reason it may not. Counts
 * what it saw into ev's writable, referenced, none_or_zero and unmapped, up to where it stopped,
 * as the tracepoint does. Changes nothing else.
 */
static enum scan_result collapse_check(struct vm_area_struct *vma, unsigned long address,
                                       pte_t *pte, bool allow_swap, struct khugepaged_event *ev)
{
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
        pte_t pteval = pte[i];
        if (is_swap_pte(pteval)) {
            if (!allow_swap)
                return SCAN_PTE_NON_PRESENT;
            if (++ev->unmapped > (int)khugepaged_max_ptes_swap)
                return SCAN_EXCEED_SWAP_PTE;
            continue;
        }
        if (pte_none(pteval) || is_zero_pfn(pte_pfn(pteval))) {
            if (userfaultfd_missing(vma) || ++ev->none_or_zero > (int)khugepaged_max_ptes_none)
                return SCAN_EXCEED_NONE_PTE;
            continue;
        }
        if (pte_write(pteval))
            ev->writable = true;
        struct page *page = vm_normal_page(vma, address + (i << PAGE_SHIFT), pteval);
        if (!page)
            return SCAN_PAGE_NULL;
        if (PageCompound(page))
            return SCAN_PAGE_COMPOUND;
        if (!PageLRU(page))
            return SCAN_PAGE_LRU;
        if (!PageAnon(page))
            return SCAN_PAGE_ANON;
        /* no pin, no other mapping: the scanned PTE's reference, and the swap cache's */
        if (page_count(page) != 1 + PageSwapCache(page))
            return SCAN_PAGE_COUNT;
        if (pte_young(pteval) || PageReferenced(page))
            ev->referenced++;
    }
    if (!ev->writable)
        return SCAN_PAGE_RO;
    return ev->referenced ? SCAN_SUCCEED : SCAN_LACK_REFERENCED_PAGE;
}

/* __collapse_huge_page_swapin: with at least 256 young PTEs (4.20's rule), read back each
 * swapped-out page of [address, +2 MiB) as a fault would (do_swap_page; outside any fault, so
 * the log has no fault row for it). Records the step in ev (swapin, swapped_in). false if it
 * refused, a read failed (no memory) or the range changed under it (reclaim took its table). */
static bool __collapse_huge_page_swapin(struct vm_area_struct *vma, unsigned long address,
                                        uint64_t *pmd, int referenced, struct khugepaged_event *ev)
{
    /* "we only decide to swapin, if there is enough young ptes": 4.20 asks it whether or not
     * any page is swapped out, so a sparsely used range never collapses */
    if (referenced < (int)(HPAGE_PMD_NR / 2)) {
        ev->swapin = SWAPIN_REFUSED;
        return false;
    }
    ev->swapin = SWAPIN_FAILED;
    for (unsigned long a = address; a < address + HPAGE_PMD_SIZE; a += PAGE_SIZE) {
        if (mm_find_pmd(vma->vm_mm, address) != pmd)
            return false;
        pte_t *pte = pte_offset_map(pmd, a);
        if (!is_swap_pte(*pte))
            continue;
        struct vm_fault vmf = {
            .vma = vma,
            .flags = FAULT_FLAG_ALLOW_RETRY,
            .address = a,
            .pgoff = linear_page_index(vma, a),
            .pmd = pmd,
            .pte = pte,
            .orig_pte = *pte,
        };
        ev->swapped_in++;
        if (do_swap_page(&vmf) & VM_FAULT_ERROR)
            return false;
    }
    if (mm_find_pmd(vma->vm_mm, address) != pmd)
        return false;
    ev->swapin = SWAPIN_DONE;
    return true;
}

/*
 * collapse_huge_page - replace the PTE table of [address, +2 MiB) of vma by one huge PMD mapping
 * a new huge page holding the same bytes, in 4.20's order: allocate the huge page first, then
 * read back swapped-out pages (__collapse_huge_page_swapin, which also refuses a range with
 * fewer than 256 young PTEs), check the PTEs again (__collapse_huge_page_isolate), copy.
 * Expects khugepaged_scan_pmd found the range may collapse, with `referenced` young PTEs.
 * Leaves, on success, the old pages unmapped and freed (or left to the swap cache's reference),
 * the table deposited, RSS counting 512 pages and the TLB of the mm flushed; otherwise the range
 * as it was, but for pages read back from swap, and the huge page freed again. Sets ev's
 * collapse (the mm_collapse_huge_page status: SCAN_FAIL for a refused swap-in or isolation) and
 * pfn; alloc_failed when no huge page was free.
 */
static void collapse_huge_page(struct vm_area_struct *vma, unsigned long address, int referenced,
                               struct khugepaged_event *ev)
{
    struct mm_struct *mm = vma->vm_mm;
    struct page *new_page = alloc_transhuge_page(); /* khugepaged_alloc_page */
    if (!new_page) {
        vm_events.thp_collapse_alloc_failed++;
        alloc_failed = true;
        ev->collapse = SCAN_ALLOC_HUGE_PAGE_FAIL;
        return;
    }
    vm_events.thp_collapse_alloc++;
    ev->collapse = SCAN_FAIL;
    uint64_t *pmd = mm_find_pmd(mm, address);
    if (!pmd) {
        ev->collapse = SCAN_PMD_NULL;
        put_page(new_page);
        return;
    }
    pte_t *pte;
    struct khugepaged_event isolate = {0};
    if (!__collapse_huge_page_swapin(vma, address, pmd, referenced, ev) ||
        !(pte = pte_offset_map(pmd, address)) ||
        collapse_check(vma, address, pte, false, &isolate) != SCAN_SUCCEED) {
        put_page(new_page);
        return;
    }
    struct page *pgtable = virt_to_page(pte);
    unsigned long holes = 0;

    /* __collapse_huge_page_copy: each small page's bytes, zeroes for the holes */
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
        pte_t pteval = pte[i];
        void *dst = page_address(new_page + i);
        pte[i] = __pte(0);
        if (pte_none(pteval) || is_zero_pfn(pte_pfn(pteval))) {
            memset(dst, 0, PAGE_SIZE); /* clear_user_highpage */
            holes++;
            continue;
        }
        struct page *src = vm_normal_page(vma, address + (i << PAGE_SHIFT), pteval);
        memcpy(dst, page_address(src), PAGE_SIZE);
        page_remove_rmap(src, false);
        if (PageSwapCache(src) && !page_mapcount(src))
            try_to_free_swap(src); /* free_page_and_swap_cache */
        put_page(src);
    }
    arch_flush_tlb_mm(mm); /* pmdp_collapse_flush: no small translation may outlive this */
    __SetPageUptodate(new_page);
    uint64_t entry = maybe_pmd_mkwrite(mk_huge_pmd(new_page, vma->vm_page_prot) | _PAGE_DIRTY, vma);
    page_add_new_anon_rmap(new_page, vma, address, true);
    pgtable_trans_huge_deposit(pmd, pgtable);
    *pmd = entry;
    mm->rss_stat[MM_ANONPAGES] += holes; /* the pages that were present were counted already */
    khugepaged_pages_collapsed++;
    ev->collapse = SCAN_SUCCEED;
    ev->pfn = page_to_pfn(new_page);
    CHECK_MM(mm, "collapse_huge_page");
}

/* khugepaged_scan_pmd: look at [address, +2 MiB) of vma and collapse it if it qualifies; tell
 * the observers what was found and done (the mm_khugepaged_scan_pmd tracepoint). false when a
 * collapse wanted a huge page and none was free (the pass stops). */
static bool khugepaged_scan_pmd(struct vm_area_struct *vma, unsigned long address)
{
    struct mm_struct *mm = vma->vm_mm;
    struct khugepaged_event ev = {
        .pid = mm->owner ? mm->owner->tgid : 0,
        .address = address,
        .scan = SCAN_PMD_NULL,
    };
    uint64_t *pmd = mm_find_pmd(mm, address);
    pte_t *pte = pmd ? pte_offset_map(pmd, address) : NULL;
    if (pte)
        ev.scan = collapse_check(vma, address, pte, true, &ev);
    if (ev.scan == SCAN_SUCCEED)
        collapse_huge_page(vma, address, ev.referenced, &ev);
    trace_khugepaged(&ev);
    return ev.collapse != SCAN_ALLOC_HUGE_PAGE_FAIL;
}

/* khugepaged_scan_mm_slot: scan the current mm from where the last pass stopped, up to `pages`
 * pages; the pages counted as scanned. Moves to the next mm once this one is done. */
static unsigned int khugepaged_scan_mm_slot(unsigned int pages)
{
    unsigned int progress = 0;

    if (!scan.valid) {
        scan.valid = true;
        scan.slot = 0;
        scan.address = 0;
    }
    struct mm_struct *mm = slots[scan.slot];
    struct vm_area_struct *vma = find_vma(mm, scan.address);

    progress++;
    for (; vma; vma = vma->vm_next) {
        if (!hugepage_vma_check(vma)) {
            progress++;
            continue;
        }
        unsigned long hstart = (vma->vm_start + ~HPAGE_PMD_MASK) & HPAGE_PMD_MASK;
        unsigned long hend = vma->vm_end & HPAGE_PMD_MASK;
        if (hstart >= hend || scan.address > hend) {
            progress++;
            continue;
        }
        if (scan.address < hstart)
            scan.address = hstart;
        while (scan.address < hend) {
            if (!khugepaged_scan_pmd(vma, scan.address))
                return pages; /* khugepaged_alloc_sleep: this pass is over */
            scan.address += HPAGE_PMD_SIZE;
            progress += HPAGE_PMD_NR;
            if (progress >= pages)
                return progress;
        }
    }
    /* all of this mm scanned: the next one, or the head again (a full scan) */
    scan.address = 0;
    if (++scan.slot >= nr_slots) {
        scan.valid = false;
        khugepaged_full_scans++;
    }
    return progress;
}

void khugepaged_do_scan(void)
{
    unsigned int progress = 0, pass_through_head = 0, pages = khugepaged_pages_to_scan;

    wakeup = false;
    alloc_failed = false;
    while (progress < pages) {
        if (!scan.valid)
            pass_through_head++;
        if (khugepaged_has_work() && pass_through_head < 2)
            progress += khugepaged_scan_mm_slot(pages - progress);
        else
            progress = pages;
    }
}
