/*
 * test_thp.c - transparent huge pages in the model alone (kernel_model/huge_memory.c and the
 * compound pages of page_alloc.c): the huge PMD fault, the huge zero page, fork and the split a
 * child's store makes, mprotect and munmap of whole and part huge pages, the reuse of a freed
 * block, its break-up when nothing else is free, and the fallback when no block is free.
 * Every test runs with THP in madvise mode on a VMA given MADV_HUGEPAGE.
 */
#include <unistd.h>

#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "tests/unit/model_test.h"

#define BASE  0x40000000UL /* 2 MiB aligned */
#define HUGE  HPAGE_PMD_SIZE
#define STACK 0x7ffff000UL

static const char huge_path[] = "__do_page_fault>do_user_addr_fault>handle_mm_fault>"
                                "do_huge_pmd_anonymous_page";

static void setup(uint64_t ram, unsigned long len)
{
    test_setup_ram(ram);
    memset(&vm_events, 0, sizeof(vm_events));
    transparent_hugepage_mode = THP_MADVISE;
    CHECK_EQ(mmap_anon(BASE, len, PROT_READ | PROT_WRITE), BASE);
    CHECK_EQ(do_madvise(test_task.mm, BASE, len, MADV_HUGEPAGE), 0);
}

static void teardown(void)
{
    test_teardown();
    transparent_hugepage_mode = THP_NEVER;
}

static uint64_t pmd_at(struct mm_struct *mm, unsigned long addr)
{
    uint64_t *pmd = lookup_pmd(mm, addr);
    return pmd ? *pmd : 0;
}

/* A write maps 2 MiB with one fault; every 4 KiB page of it resolves through the PMD. */
static void test_write_maps_huge(void)
{
    setup(64 << 20, 2 * HUGE);
    unsigned long ptes = test_task.mm->nr_ptes;
    CHECK_EQ(fault(BASE + 0x1234, USER_WRITE, STACK, NULL), FAULT_OK);
    CHECK_STR(last_path, huge_path);
    uint64_t pmd = pmd_at(test_task.mm, BASE);
    CHECK(pmd_trans_huge(pmd) && (pmd & _PAGE_RW) && (pmd & _PAGE_DIRTY));
    unsigned long head = (pmd & PTE_PFN_MASK) >> PAGE_SHIFT;
    CHECK_EQ(head % HPAGE_PMD_NR, 0);
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], HPAGE_PMD_NR);
    /* the PUD and PMD tables, and the PTE table deposited beside the huge PMD */
    CHECK_EQ(test_task.mm->nr_ptes, ptes + 3);
    CHECK_EQ(nr_anon_thps, 1);
    bool huge;
    CHECK_EQ(pte_pfn(lookup_leaf(test_task.mm, BASE + 5 * PAGE_SIZE, &huge)), head);
    CHECK(huge);
    CHECK(lookup_pte(test_task.mm, BASE) == NULL);
    CHECK_EQ(page_mapcount(pfn_to_page(head + 7)), 1);
    CHECK_EQ(vm_events.thp_fault_alloc, 1);
    assert_invariants("huge write");
    CHECK_EQ(do_munmap(test_task.mm, BASE, 2 * HUGE), 0);
    CHECK_EQ(nr_anon_thps, 0);
    CHECK_EQ(test_task.mm->nr_ptes, ptes + 2); /* the deposit goes with the zap */
    teardown();
}

/* A read maps the huge zero page read-only; the write after it gets a huge page of its own. */
static void test_zero_then_write(void)
{
    setup(64 << 20, HUGE);
    CHECK_EQ(fault(BASE, USER_READ, STACK, NULL), FAULT_OK);
    uint64_t pmd = pmd_at(test_task.mm, BASE);
    CHECK(pmd_trans_huge(pmd) && !(pmd & _PAGE_RW));
    CHECK(huge_zero_page() && is_huge_zero_pfn((pmd & PTE_PFN_MASK) >> PAGE_SHIFT));
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 0);
    CHECK_EQ(fault(BASE + PAGE_SIZE, USER_WRITE | X86_PF_PROT, STACK, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>"
                         "do_huge_pmd_wp_page");
    pmd = pmd_at(test_task.mm, BASE);
    CHECK(pmd_trans_huge(pmd) && (pmd & _PAGE_RW));
    CHECK(!is_huge_zero_pfn((pmd & PTE_PFN_MASK) >> PAGE_SHIFT));
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], HPAGE_PMD_NR);
    assert_invariants("zero then write");
    teardown();
}

/* The huge zero page lives while a process that mapped it does (the fork child too), and the
 * next reclaim frees it once none is left. */
static void test_huge_zero_shrink(void)
{
    setup(64 << 20, HUGE);
    unsigned long free = nr_free_pages();
    CHECK_EQ(fault(BASE, USER_READ, STACK, NULL), FAULT_OK);
    CHECK(huge_zero_page() != NULL);
    struct mm_struct *child = mm_alloc();
    CHECK_EQ(dup_mmap(child, test_task.mm), 0);
    CHECK(child->huge_zero_page);
    CHECK_EQ(do_munmap(test_task.mm, BASE, HUGE), 0);
    CHECK_EQ(shrink_huge_zero_page(), 0); /* both still hold it */
    mmput(child);
    CHECK_EQ(shrink_huge_zero_page(), 0); /* the parent, though it unmapped it */
    struct mm_struct *old = test_task.mm;
    test_task.mm = mm_alloc(); /* as an exec would: the old mm goes */
    test_task.mm->owner = &test_task;
    mmput(old);
    CHECK_EQ(try_to_free_pages(1), HPAGE_PMD_NR);
    CHECK(huge_zero_page() == NULL);
    CHECK_EQ(nr_free_pages(), free); /* every frame back, the page tables too */
    teardown();
}

/* fork shares the huge page read-only; the child's store splits the child's PMD only and
 * copies one small page: the parent keeps its huge PMD, and the page stays one compound page,
 * mapped by the parent's PMD and, frame by frame, by the child's PTEs. The parent's own store
 * then splits its PMD too and copies its frame (the child still maps the others); the page
 * is freed whole once neither maps any of it. */
static void test_fork_store_splits(void)
{
    setup(64 << 20, HUGE);
    CHECK_EQ(fault(BASE, USER_WRITE, STACK, NULL), FAULT_OK);
    unsigned long head = (pmd_at(test_task.mm, BASE) & PTE_PFN_MASK) >> PAGE_SHIFT;
    *(unsigned char *)pfn_address(head + 2) = 0x5a;
    struct mm_struct *child = mm_alloc();
    CHECK_EQ(dup_mmap(child, test_task.mm), 0);
    CHECK(!(pmd_at(test_task.mm, BASE) & _PAGE_RW) && !(pmd_at(child, BASE) & _PAGE_RW));
    CHECK_EQ(page_mapcount(pfn_to_page(head)), 2);
    CHECK_EQ(child->rss_stat[MM_ANONPAGES], HPAGE_PMD_NR);

    struct task_struct kid = test_task;
    kid.pid = 43;
    kid.mm = child;
    child->owner = &kid;
    struct fault_result res;
    struct pt_regs regs = {.ip = 0x401000, .sp = STACK, .user_mode = true};
    do_page_fault(&kid, &regs, USER_WRITE | X86_PF_PROT, BASE + 2 * PAGE_SIZE, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK_EQ(vm_events.thp_split_pmd, 1);
    CHECK_EQ(vm_events.thp_split_page, 0);
    CHECK(pmd_trans_huge(pmd_at(test_task.mm, BASE)) && !pmd_trans_huge(pmd_at(child, BASE)));
    CHECK_EQ(nr_anon_thps, 1); /* the parent's PMD still maps it */
    pte_t *cp = lookup_pte(child, BASE + 2 * PAGE_SIZE);
    CHECK(cp && pte_write(*cp) && pte_pfn(*cp) != head + 2);
    CHECK_EQ(*(unsigned char *)pfn_address(pte_pfn(*cp)), 0x5a);
    CHECK(cp && pte_pfn(cp[1]) == head + 3 && !pte_write(cp[1]));
    CHECK(PageHead(pfn_to_page(head)) && PageTail(pfn_to_page(head + 1)));
    CHECK_EQ(page_mapcount(pfn_to_page(head + 3)), 2); /* the child's PTE, the parent's PMD */
    CHECK_EQ(page_mapcount(pfn_to_page(head + 2)), 1); /* the parent's PMD */
    CHECK_EQ(page_count(pfn_to_page(head + 2)), 1 + HPAGE_PMD_NR - 1);
    CHECK_EQ(child->rss_stat[MM_ANONPAGES], HPAGE_PMD_NR);
    assert_invariants("fork split");

    /* the parent's store: the child maps other frames, so the parent's PMD splits and its
     * frame is copied */
    CHECK_EQ(fault(BASE + 2 * PAGE_SIZE, USER_WRITE | X86_PF_PROT, STACK, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>"
                         "do_huge_pmd_wp_page>__split_huge_pmd>handle_pte_fault>do_wp_page>"
                         "wp_page_copy");
    CHECK_EQ(vm_events.thp_split_pmd, 2);
    CHECK_EQ(nr_anon_thps, 0);
    pte_t *pp = lookup_pte(test_task.mm, BASE);
    CHECK(pp && pte_pfn(pp[2]) != head + 2 && pte_pfn(pp[3]) == head + 3);
    CHECK_EQ(page_mapcount(pfn_to_page(head + 2)), 0);
    CHECK_EQ(page_mapcount(pfn_to_page(head + 3)), 2);
    assert_invariants("parent split");

    unsigned long free_before = nr_free_pages();
    mmput(child);
    CHECK(PageHead(pfn_to_page(head))); /* the parent still maps 511 of its frames */
    CHECK_EQ(page_trans_huge_mapcount(pfn_to_page(head + 3)), 1);
    /* the child's copy and its four page tables (PGD, PUD, PMD and the split's PTE table) */
    CHECK_EQ(nr_free_pages(), free_before + 1 + 4);
    CHECK_EQ(do_munmap(test_task.mm, BASE, HUGE), 0);
    /* the parent's copy, the whole huge page and the PTE table that mapped it */
    CHECK_EQ(nr_free_pages(), free_before + 5 + 1 + HPAGE_PMD_NR + 1);
    assert_invariants("unmapped");
    teardown();
}

/* fork with no frame free: the child's first page-table allocation runs reclaim, which splits
 * the parent's huge page (and swaps a piece of it out) under copy_page_range's feet; the copy
 * goes on with the PTEs, and both processes still read every byte. */
static void test_fork_under_reclaim(void)
{
    setup(4 << 20, HUGE);
    FILE *f = tmpfile();
    CHECK(f != NULL);
    CHECK_EQ(swapon(dup(fileno(f)), 4 << 20), 0);
    fclose(f);
    CHECK_EQ(fault(BASE, USER_WRITE, STACK, NULL), FAULT_OK);
    unsigned long head = (pmd_at(test_task.mm, BASE) & PTE_PFN_MASK) >> PAGE_SHIFT;
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
        *(unsigned char *)pfn_address(head + i) = (unsigned char)(i | 1);
    struct mm_struct *child = mm_alloc();
    static struct page *hold[1024];
    unsigned long n = 0;
    while (nr_free_pages() > 0)
        hold[n++] = alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
    CHECK_EQ(dup_mmap(child, test_task.mm), 0);
    CHECK_EQ(vm_events.thp_split_page, 1);
    CHECK(!pmd_trans_huge(pmd_at(child, BASE)));
    assert_invariants("fork under reclaim");
    while (n)
        put_page(hold[--n]);
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i += 37) { /* swapped pieces fault back in */
        struct fault_result res;
        struct pt_regs regs = {.ip = 0x401000, .sp = STACK, .user_mode = true};
        pte_t *p = lookup_pte(child, BASE + i * PAGE_SIZE);
        if (!p || !pte_present(*p)) {
            struct task_struct kid = test_task;
            kid.pid = 43;
            kid.mm = child;
            do_page_fault(&kid, &regs, USER_READ, BASE + i * PAGE_SIZE, &res);
            CHECK_EQ(res.outcome, FAULT_OK);
            p = lookup_pte(child, BASE + i * PAGE_SIZE);
        }
        CHECK(p && pte_present(*p));
        if (p && pte_present(*p))
            CHECK_EQ(*(unsigned char *)pfn_address(pte_pfn(*p)), (unsigned char)(i | 1));
    }
    mmput(child);
    teardown();
    swapoff();
}

static struct khugepaged_event last_scan;
static int scans;

static void keep_scan(void *ctx, const struct khugepaged_event *ev)
{
    (void)ctx;
    last_scan = *ev;
    scans++;
}

static void ignore_fault(void *ctx, const struct fault_event *ev)
{
    (void)ctx, (void)ev;
}

/*
 * khugepaged with swapped-out pages in the range (4.20's __collapse_huge_page_swapin): 512
 * small pages written before MADV_HUGEPAGE, some of them reclaimed to swap, all the rest young.
 * Up to max_ptes_swap (64) swapped pages are read back and the range collapses with every byte
 * kept; with more, it stays small. The observers hear of the one range looked at: its counts,
 * the pages swapped in, the results (exceed_swap_pte at the 65th swap PTE, where the scan stops).
 */
static void khugepaged_swap_run(unsigned long reclaim, bool collapses)
{
    struct fault_observer obs = {.on_fault = ignore_fault, .on_khugepaged = keep_scan};
    fault_observer_register(&obs);
    scans = 0;
    test_setup_ram(8 << 20);
    memset(&vm_events, 0, sizeof(vm_events));
    transparent_hugepage_mode = THP_MADVISE;
    FILE *f = tmpfile();
    CHECK(f != NULL);
    CHECK_EQ(swapon(dup(fileno(f)), 4 << 20), 0);
    fclose(f);
    struct mm_struct *mm = test_task.mm;
    test_task.tgid = 42;
    CHECK_EQ(mmap_anon(BASE, HUGE, PROT_READ | PROT_WRITE), BASE);
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
        CHECK_EQ(fault(BASE + i * PAGE_SIZE, USER_WRITE, STACK, NULL), FAULT_OK);
        pte_t *p = lookup_pte(mm, BASE + i * PAGE_SIZE);
        *(unsigned char *)pfn_address(pte_pfn(*p)) = (unsigned char)(i * 7 + 1);
    }
    CHECK_EQ(try_to_free_pages(reclaim), reclaim);
    unsigned long swapped = 0;
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) { /* the program uses the rest */
        pte_t *p = lookup_pte(mm, BASE + i * PAGE_SIZE);
        if (pte_present(*p))
            p->pte |= _PAGE_ACCESSED;
        else
            swapped += is_swap_pte(*p);
    }
    CHECK_EQ(swapped, reclaim);
    CHECK_EQ(do_madvise(mm, BASE, HUGE, MADV_HUGEPAGE), 0); /* joins khugepaged's list */
    CHECK(khugepaged_wakeup_pending());
    khugepaged_do_scan();
    CHECK_EQ(pmd_trans_huge(pmd_at(mm, BASE)), collapses);
    CHECK_EQ(vm_events.thp_collapse_alloc, collapses ? 1 : 0);
    CHECK_EQ(scans, 1);
    CHECK_EQ(last_scan.pid, 42); /* the mm's owner's thread group */
    CHECK_EQ(last_scan.address, BASE);
    CHECK_EQ(last_scan.unmapped, collapses ? (int)reclaim : (int)khugepaged_max_ptes_swap + 1);
    CHECK_EQ(last_scan.scan, collapses ? SCAN_SUCCEED : SCAN_EXCEED_SWAP_PTE);
    CHECK_EQ(last_scan.swapin, collapses ? SWAPIN_DONE : SWAPIN_NOT_REACHED);
    CHECK_EQ(last_scan.swapped_in, collapses ? (int)reclaim : 0);
    if (collapses) {
        CHECK(last_scan.writable);
        CHECK_EQ(last_scan.referenced, (int)(HPAGE_PMD_NR - reclaim));
        CHECK_EQ(last_scan.collapse, SCAN_SUCCEED);
        CHECK_EQ(last_scan.pfn, (pmd_at(mm, BASE) & PTE_PFN_MASK) >> PAGE_SHIFT);
    }
    fault_observer_unregister(&obs);
    CHECK_EQ(mm->rss_stat[MM_SWAPENTS], collapses ? 0 : (long)reclaim);
    CHECK_EQ(mm->rss_stat[MM_ANONPAGES], (long)(HPAGE_PMD_NR - (collapses ? 0 : reclaim)));
    assert_invariants("khugepaged swap-in");
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) { /* the same bytes, faulted back if small */
        bool huge;
        pte_t e = lookup_leaf(mm, BASE + i * PAGE_SIZE, &huge);
        if (!pte_present(e)) {
            CHECK_EQ(fault(BASE + i * PAGE_SIZE, USER_READ, STACK, NULL), FAULT_OK);
            e = lookup_leaf(mm, BASE + i * PAGE_SIZE, &huge);
        }
        unsigned long pfn = pte_pfn(e) + (huge ? i : 0);
        CHECK_EQ(*(unsigned char *)pfn_address(pfn), (unsigned char)(i * 7 + 1));
    }
    teardown();
    swapoff();
}

static void test_khugepaged_swapin(void)
{
    khugepaged_swap_run(10, true);
    khugepaged_swap_run(64, true);
    khugepaged_swap_run(65, false);
}

/* mprotect of a whole huge page keeps it; of one page, splits it; munmap of one page, too. */
static void test_mprotect_munmap(void)
{
    setup(64 << 20, 2 * HUGE);
    CHECK_EQ(fault(BASE, USER_WRITE, STACK, NULL), FAULT_OK);
    CHECK_EQ(fault(BASE + HUGE, USER_WRITE, STACK, NULL), FAULT_OK);
    CHECK_EQ(do_mprotect(test_task.mm, BASE, HUGE, PROT_READ), 0);
    uint64_t pmd = pmd_at(test_task.mm, BASE);
    CHECK(pmd_trans_huge(pmd) && !(pmd & _PAGE_RW));
    CHECK_EQ(do_mprotect(test_task.mm, BASE + HUGE, PAGE_SIZE, PROT_READ), 0);
    CHECK(!pmd_trans_huge(pmd_at(test_task.mm, BASE + HUGE)));
    CHECK_EQ(do_mprotect(test_task.mm, BASE, HUGE, PROT_NONE), 0); /* never a none huge PMD */
    CHECK(!pmd_trans_huge(pmd_at(test_task.mm, BASE)));
    CHECK_EQ(do_munmap(test_task.mm, BASE + HUGE + PAGE_SIZE, PAGE_SIZE), 0);
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 2 * HPAGE_PMD_NR - 1);
    CHECK_EQ(nr_anon_thps, 0);
    assert_invariants("mprotect munmap");
    teardown();
}

/* munmap of half a huge page splits its PMD; the page stays whole, its unmapped half still
 * allocated, and goes on the deferred split queue; the next reclaim's shrinker splits it and
 * frees that half. */
static void test_deferred_split(void)
{
    setup(64 << 20, HUGE);
    CHECK_EQ(fault(BASE, USER_WRITE, STACK, NULL), FAULT_OK);
    unsigned long head = (pmd_at(test_task.mm, BASE) & PTE_PFN_MASK) >> PAGE_SHIFT;
    unsigned long free = nr_free_pages();
    CHECK_EQ(do_munmap(test_task.mm, BASE, HUGE / 2), 0);
    CHECK_EQ(vm_events.thp_split_pmd, 1);
    CHECK_EQ(vm_events.thp_deferred_split_page, 1);
    CHECK(PageHead(pfn_to_page(head)));
    CHECK_EQ(page_count(pfn_to_page(head)), HPAGE_PMD_NR / 2); /* the PTEs of the half left */
    CHECK_EQ(nr_free_pages(), free);
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], HPAGE_PMD_NR / 2);
    assert_invariants("half unmapped");
    CHECK_EQ(try_to_free_pages(1), HPAGE_PMD_NR / 2);
    CHECK_EQ(vm_events.thp_split_page, 1);
    CHECK(!PageHead(pfn_to_page(head)) && !PageTail(pfn_to_page(head + HPAGE_PMD_NR / 2)));
    CHECK_EQ(nr_free_pages(), free + HPAGE_PMD_NR / 2);
    CHECK_EQ(page_count(pfn_to_page(head + HPAGE_PMD_NR / 2)), 1);
    assert_invariants("deferred split");
    CHECK_EQ(try_to_free_pages(0), 0); /* the queue is empty */
    teardown();
}

/* A huge page freed whole comes back whole for the next one; when nothing else is free, its
 * frames serve single-page allocations. */
static void test_block_reuse_and_break(void)
{
    setup(4 << 20, HUGE); /* 1024 frames: one aligned block after the first few */
    CHECK_EQ(fault(BASE, USER_WRITE, STACK, NULL), FAULT_OK);
    unsigned long head = (pmd_at(test_task.mm, BASE) & PTE_PFN_MASK) >> PAGE_SHIFT;
    CHECK_EQ(do_madvise(test_task.mm, BASE, HUGE, MADV_DONTNEED), 0);
    CHECK_EQ(fault(BASE, USER_WRITE, STACK, NULL), FAULT_OK);
    CHECK_STR(last_path, huge_path);
    CHECK_EQ((pmd_at(test_task.mm, BASE) & PTE_PFN_MASK) >> PAGE_SHIFT, head);
    CHECK_EQ(do_madvise(test_task.mm, BASE, HUGE, MADV_DONTNEED), 0);

    unsigned long free = nr_free_pages(), n = 0;
    static struct page *got[1024];
    while (n < 1024 && (got[n] = alloc_page_nozero(GFP_HIGHUSER_MOVABLE)))
        n++;
    CHECK_EQ(n, free); /* the block's 512 frames included */
    while (n)
        put_page(got[--n]);
    teardown();
}

/* No aligned block free: the fault falls back to a small page. */
static void test_fallback(void)
{
    setup(4 << 20, 2 * HUGE);
    static struct page *hold[1024];
    unsigned long n = 0;
    while (nr_free_pages() > HPAGE_PMD_NR - 8)
        hold[n++] = alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
    CHECK_EQ(fault(BASE, USER_WRITE, STACK, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>"
                         "do_huge_pmd_anonymous_page>handle_pte_fault>do_anonymous_page");
    CHECK_EQ(vm_events.thp_fault_fallback, 1);
    CHECK(!pmd_trans_huge(pmd_at(test_task.mm, BASE)));
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 1);
    while (n)
        put_page(hold[--n]);
    teardown();
}

/* The kB of the line `name` ("MemFree") of text, whose lines start with prefix; -1: none. */
static long kb_of(const char *text, const char *prefix, const char *name)
{
    size_t pl = strlen(prefix), nl = strlen(name);
    for (const char *l = text; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, prefix, pl) && !strncmp(l + pl, name, nl) && l[pl + nl] == ':')
            return atol(l + pl + nl + 1);
    return -1;
}

/* The one node's files against the machine's: node0/meminfo has /proc/meminfo's counts (a huge
 * page among them), node0/vmstat /proc/vmstat's per-node lines, and numastat counts each
 * allocation once, a huge page's too (zone_statistics), every one a local hit. */
static void test_node_counters(void)
{
    setup(64 << 20, 2 * HUGE);
    unsigned long before = vm_events.numa_hit;
    struct page *page = alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
    CHECK_EQ(vm_events.numa_hit, before + 1);
    put_page(page);
    CHECK_EQ(fault(BASE, USER_WRITE, STACK, NULL), FAULT_OK);
    CHECK_STR(last_path, huge_path);
    /* the huge page, its PUD and PMD tables and the PTE table deposited beside it */
    CHECK_EQ(vm_events.numa_hit, before + 1 + 4);

    static char mem[4096], node[4096], vm[4096], nvm[4096], numa[512];
    CHECK(meminfo_show(mem, sizeof(mem)) > 0 && node_meminfo_show(0, node, sizeof(node)) > 0);
    static const char *const shared[] = {
        "MemTotal",     "MemFree",        "Active",       "Inactive",
        "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)",
        "Unevictable",  "Mlocked",        "Dirty",        "Mapped",
        "AnonPages",    "Shmem",          "PageTables",   "AnonHugePages",
    };
    for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
        CHECK(kb_of(mem, "", shared[i]) >= 0);
        CHECK_EQ(kb_of(node, "Node 0 ", shared[i]), kb_of(mem, "", shared[i]));
    }
    CHECK_EQ(kb_of(node, "Node 0 ", "AnonHugePages"), 2048);
    CHECK_EQ(kb_of(node, "Node 0 ", "MemTotal"), 64 << 10);
    CHECK_EQ(kb_of(node, "Node 0 ", "MemUsed"),
             kb_of(mem, "", "MemTotal") - kb_of(mem, "", "MemFree"));
    CHECK_EQ(kb_of(node, "Node 0 ", "FilePages"),
             kb_of(mem, "", "Cached") + kb_of(mem, "", "SwapCached"));
    CHECK(strstr(node, "Node 0 MemTotal:          65536 kB\n") == node);
    CHECK(strstr(node, "\nNode 0 HugePages_Surp:      0\n") != NULL);

    CHECK(vmstat_show(vm, sizeof(vm)) > 0 && node_vmstat_show(0, nvm, sizeof(nvm)) > 0);
    /* node0/vmstat is /proc/vmstat up to its first event */
    char *events = strstr(vm, "\npswpin ");
    CHECK(events != NULL);
    if (events) {
        events[1] = 0;
        CHECK_STR(nvm, vm);
    }
    char line[64];
    snprintf(line, sizeof(line), "\nnuma_hit %lu\n", vm_events.numa_hit);
    CHECK(strstr(nvm, line) != NULL);
    CHECK(node_numastat_show(0, numa, sizeof(numa)) > 0);
    char want[256];
    snprintf(want, sizeof(want),
             "numa_hit %lu\nnuma_miss 0\nnuma_foreign 0\ninterleave_hit 0\nlocal_node %lu\n"
             "other_node 0\n",
             vm_events.numa_hit, vm_events.numa_hit);
    CHECK_STR(numa, want);
    teardown();
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"write_maps_huge", test_write_maps_huge},
        {"zero_then_write", test_zero_then_write},
        {"huge_zero_shrink", test_huge_zero_shrink},
        {"fork_store_splits", test_fork_store_splits},
        {"fork_under_reclaim", test_fork_under_reclaim},
        {"mprotect_munmap", test_mprotect_munmap},
        {"deferred_split", test_deferred_split},
        {"block_reuse_and_break", test_block_reuse_and_break},
        {"fallback", test_fallback},
        {"khugepaged_swapin", test_khugepaged_swapin},
        {"node_counters", test_node_counters},
    };
    int ran = 0;
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        if (argc < 2 || !strcmp(argv[1], tests[i].name)) {
            tests[i].fn();
            ran++;
        }
    }
    if (!ran) {
        fprintf(stderr, "no test named %s\n", argv[1]);
        return 2;
    }
    return test_failures ? 1 : 0;
}
