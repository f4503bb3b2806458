/*
 * test_swap.c - issue 5: swap entries, reclaim policies, the swap cache, file-page eviction and
 * the OOM killer, on a RAM of a few hundred KiB (watermarks 0: reclaim runs only when no frame
 * is free, one page per allocation, so the replacement order can be replayed by hand).
 *
 * An "access" is what the CPU does: if the PTE allows it, the hardware page walk sets
 * _PAGE_ACCESSED (and _PAGE_DIRTY for a write); otherwise it faults, and after the fault the
 * walk sets them.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "tests/unit/model_test.h"

#define BASE      0x10000000UL
#define TINY_RAM  (512 << 10) /* 128 frames */
#define MAX_PAGES 512

static struct page *ballast[128];
static int nballast;

static void swap_setup(unsigned long swap_bytes)
{
    test_setup_ram(TINY_RAM);
    memset(&vm_events, 0, sizeof(vm_events));
    if (swap_bytes) {
        FILE *f = tmpfile();
        CHECK(f != NULL);
        CHECK_EQ(swapon(dup(fileno(f)), swap_bytes), 0);
        fclose(f);
    }
}

/* Hold frames until exactly `frames` are free for the test's pages. */
static void leave_free(unsigned long frames)
{
    while (nr_free_pages() > frames)
        ballast[nballast++] = alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
}

/* A write fault of t on a fresh page of its own, with no frame left free: the allocation fails
 * and the fault goes to the OOM killer. */
static void fault_with_ram_full(struct task_struct *t, struct fault_result *res)
{
    struct pt_regs regs = {.ip = 0x401000, .sp = 0x7ff000, .user_mode = true};
    long addr =
        do_mmap(t->mm, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0);
    leave_free(0);
    do_page_fault(t, &regs, USER_WRITE, (unsigned long)addr, res);
}

static void swap_teardown(void)
{
    while (nballast)
        put_page(ballast[--nballast]);
    test_teardown();
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages()); /* every slot came back */
    CHECK_EQ(swap_cache_pages(), 0);
    swapoff();
}

static void touch_mm(struct task_struct *tsk, unsigned long addr, bool write)
{
    pte_t *p = lookup_pte(tsk->mm, addr);
    if (!p || !pte_present(*p) || (write && !pte_write(*p))) {
        struct fault_result res;
        struct pt_regs regs = {.ip = 0x401000, .sp = 0x7ff000, .user_mode = true};
        do_page_fault(tsk, &regs, write ? USER_WRITE : USER_READ, addr, &res);
        CHECK_EQ(res.outcome, FAULT_OK);
        assert_invariants("touch");
        p = lookup_pte(tsk->mm, addr);
    }
    p->pte |= _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
}

static void touch(unsigned long addr, bool write)
{
    touch_mm(&test_task, addr, write);
}

static unsigned char *user_ptr(unsigned long addr, bool write)
{
    touch(addr, write);
    return (unsigned char *)pfn_address(pte_pfn(pte_at(addr))) + (addr & ~PAGE_MASK);
}

static bool swapped(unsigned long addr)
{
    return is_swap_pte(pte_at(addr));
}

/*
 * Replay a sequence of page writes over `frames` data frames and record, in order, the pages
 * that were swapped out. Returns how many.
 */
static int replay(const int *seq, int n, int npages, unsigned long frames, int *victims)
{
    unsigned long base = mmap_anon(BASE, npages * PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK(pte_alloc_map(test_task.mm, base) != NULL); /* the page tables exist before the count */
    leave_free(frames);
    int nv = 0;
    for (int i = 0; i < n; i++) {
        bool was[MAX_PAGES];
        for (int p = 0; p < npages; p++)
            was[p] = swapped(base + p * PAGE_SIZE);
        touch(base + seq[i] * PAGE_SIZE, true);
        for (int p = 0; p < npages; p++)
            if (!was[p] && swapped(base + p * PAGE_SIZE))
                victims[nv++] = p;
    }
    return nv;
}

static void check_victims(const int *got, int ngot, const int *want, int nwant)
{
    CHECK_EQ(ngot, nwant);
    for (int i = 0; i < ngot && i < nwant; i++)
        if (got[i] != want[i]) {
            fprintf(stderr, "victim %d: page %d, expected page %d\n", i, got[i], want[i]);
            test_failures++;
        }
}

/*
 * S1 = 0 1 2 0 3 0 4 0 5 0 6 0 over 3 frames (page 0 is hot). By hand:
 *  FIFO  [0 1 2] 3:ev 0 [1 2 3] 0:ev 1 [2 3 0] 4:ev 2 [3 0 4] 5:ev 3 [0 4 5] 6:ev 0 [4 5 6]
 *        0:ev 4 -> victims 0 1 2 3 0 4, page 0 read back twice.
 *  CLOCK [0* 1* 2*] 3: all rotate, ev 0 [1 2 3*] 0:ev 1 [2 3* 0*] 4:ev 2 [3* 0* 4*]
 *        5: all rotate, ev 3 [0 4 5*] 0 -> 0* ; 6: 0* rotates, ev 4 [5* 0 6*] -> victims
 *        0 1 2 3 4, one swap-in.
 *  LRU   (aging pass first) [0 1 2] 3:ev 0 [1 2 3*] 0: 3 ages, ev 1 [2 3 0*] 4: ev 2
 *        [3 0 4*] 0* ; 5: 0, 4 age, ev 3 [0 4 5*] 0* ; 6: 0, 5 age, ev 4 -> victims 0 1 2 3 4.
 */
static const int S1[] = {0, 1, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0};

/*
 * S2 = 0 1 2 3 4 2 5 3 2 6 2 over 4 frames: where the accessed-bit policies part. By hand:
 *  FIFO  victims 0 1 2 3 (6 evicts 2, the last write to 2 reads it back and evicts 3).
 *  CLOCK [0 1 2 3] all rotate at 4, ev 0 [1 2 3 4*]; 2 -> 2*; 5: ev 1 [2* 3 4* 5*]; 3, 2
 *        accessed -> all set; 6: all rotate, ev 2 [3 4 5 6*]; 2: swap-in evicts 3 ->
 *        victims 0 1 2 3.
 *  LRU   at 5 the aging pass moves 2 and 4 behind 3: [1 3 2 4], ev 1 [3 2 4 5*]; 3, 2
 *        accessed; 6: 3, 2, 5 age behind 4: [4 3 2 5], ev 4; 2 is resident -> victims 0 1 4.
 */
static const int S2[] = {0, 1, 2, 3, 4, 2, 5, 3, 2, 6, 2};

static void run_policy(enum reclaim_policy pol, const int *seq, int n, int npages,
                       unsigned long frames, const int *want, int nwant, unsigned long swapins)
{
    int victims[64];
    swap_setup(1 << 20);
    reclaim_policy = pol;
    page_cluster = 0; /* replayed by hand: each swap-in reads its own page only */
    int nv = replay(seq, n, npages, frames, victims);
    check_victims(victims, nv, want, nwant);
    CHECK_EQ(vm_events.pswpout, nwant);
    CHECK_EQ(vm_events.pswpin, swapins);
    CHECK_EQ(test_task.maj_flt, swapins);
    assert_invariants("replay");
    reclaim_policy = RECLAIM_CLOCK;
    page_cluster = 3;
    swap_teardown();
}

static void test_policy_fifo(void)
{
    static const int w1[] = {0, 1, 2, 3, 0, 4}, w2[] = {0, 1, 2, 3};
    run_policy(RECLAIM_FIFO, S1, 12, 7, 3, w1, 6, 2);
    run_policy(RECLAIM_FIFO, S2, 11, 7, 4, w2, 4, 1);
}

static void test_policy_clock(void)
{
    static const int w1[] = {0, 1, 2, 3, 4}, w2[] = {0, 1, 2, 3};
    run_policy(RECLAIM_CLOCK, S1, 12, 7, 3, w1, 5, 1);
    run_policy(RECLAIM_CLOCK, S2, 11, 7, 4, w2, 4, 1);
}

static void test_policy_lru(void)
{
    static const int w1[] = {0, 1, 2, 3, 4}, w2[] = {0, 1, 4};
    run_policy(RECLAIM_LRU, S1, 12, 7, 3, w1, 5, 1);
    run_policy(RECLAIM_LRU, S2, 11, 7, 4, w2, 3, 0);
}

/*
 * S3 = 0 1 2 3 4 5 6 1 7 over 6 frames under --reclaim linux (no file pages, so no free frame and
 * no page cache make get_scan_count pick the anonymous lists: SCAN_ANON). By hand:
 *  0-5  new anonymous pages start active: active [0 1 2 3 4 5], inactive [].
 *  6    priority 12: nothing to scan yet (6 >> 12 = 0), but the inactive list is low (0 < 6),
 *       so shrink_active_list deactivates all six (accessed bits cleared, anonymous pages never
 *       stay active): inactive [0 1 2 3 4 5]. Priority 2: 6 >> 2 = 1 page scanned, 0,
 *       unreferenced: evicted. 6 joins the active list.
 *  1    accessed again on the inactive list (its PTE's accessed bit).
 *  7    priority 2: 5 >> 2 = 1 page: 1, referenced, is activated (active [6 1]). Priority 1:
 *       4 >> 1 = 2 pages: 2 and 3, both unreferenced, both evicted (a batch goes whole).
 *  -> victims 0 2 3, one activation, six deactivations.
 */
static const int S3[] = {0, 1, 2, 3, 4, 5, 6, 1, 7};

static void test_policy_linux(void)
{
    static const int w3[] = {0, 2, 3};
    int victims[64];
    swap_setup(1 << 20);
    reclaim_policy = RECLAIM_LINUX;
    page_cluster = 0; /* replayed by hand: each swap-in reads its own page only */
    int nv = replay(S3, 9, 8, 6, victims);
    check_victims(victims, nv, w3, 3);
    CHECK_EQ(vm_events.pswpout, 3);
    CHECK_EQ(vm_events.pswpin, 0);
    CHECK_EQ(vm_events.pgactivate, 1);
    CHECK_EQ(vm_events.pgdeactivate, 6);
    struct vm_page_state st;
    CHECK_EQ(vm_page_state_read(&st), 0);
    CHECK_EQ(st.nr_lru_anon, 5);
    CHECK_EQ(st.nr_active_anon, 3); /* 6, 1 and the new 7; 4 and 5 inactive */
    CHECK(stable_page_flags(pte_pfn(pte_at(BASE + 7 * PAGE_SIZE))) & (1ULL << 6)); /* ACTIVE */
    CHECK(!(stable_page_flags(pte_pfn(pte_at(BASE + 4 * PAGE_SIZE))) & (1ULL << 6)));
    /* a page read back from swap is active again (do_swap_page's activate_page) */
    touch(BASE, false);
    CHECK_EQ(vm_events.pswpin, 1);
    CHECK(stable_page_flags(pte_pfn(pte_at(BASE))) & (1ULL << 6));
    assert_invariants("linux lists");
    reclaim_policy = RECLAIM_CLOCK;
    page_cluster = 3;
    swap_teardown();
}

/* The x86-64 layout of Linux 4.20 (pgtable_64.h): type in 63..59, inverted offset in 58..9. */
static void test_swap_entry_layout(void)
{
    pte_t p = swp_entry_to_pte(swp_entry(0, 1));
    CHECK_EQ(pte_val(p), 0x07fffffffffffc00ULL);
    CHECK(!pte_present(p));
    CHECK(!pte_none(p));
    CHECK(is_swap_pte(p));
    CHECK_EQ(pte_val(p) & 0x1ff, 0); /* P, PROTNONE and everything below bit 9 clear */
    swp_entry_t e = pte_to_swp_entry(swp_entry_to_pte(swp_entry(3, 0x123456789UL)));
    CHECK_EQ(swp_type(e), 3);
    CHECK_EQ(swp_offset(e), 0x123456789UL);
    CHECK_EQ(__swp_type(__swp_entry(31, 7)), 31);
    CHECK_EQ(__swp_offset(__swp_entry(31, 7)), 7);
}

static uint32_t checksum(const unsigned char *p)
{
    uint32_t h = 2166136261u;
    for (unsigned long i = 0; i < PAGE_SIZE; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* 300 pages of data through 64 frames: every page comes back intact. */
static void test_roundtrip(void)
{
    enum { N = 300 };
    static uint32_t sums[N];
    swap_setup(2 << 20);
    unsigned long base = mmap_anon(BASE, N * PAGE_SIZE, PROT_READ | PROT_WRITE);
    leave_free(64);
    uint32_t seed = 12345;
    for (int i = 0; i < N; i++) {
        unsigned char *p = user_ptr(base + i * PAGE_SIZE, true);
        for (unsigned long b = 0; b < PAGE_SIZE; b++) {
            seed = seed * 1103515245u + 12345u;
            p[b] = (unsigned char)(seed >> 16);
        }
        sums[i] = checksum(p);
    }
    CHECK(vm_events.pswpout >= N - 64);
    CHECK(test_task.mm->rss_stat[MM_SWAPENTS] > 0);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < N; i++)
            if (checksum(user_ptr(base + i * PAGE_SIZE, false)) != sums[i]) {
                fprintf(stderr, "page %d changed going through swap\n", i);
                test_failures++;
            }
    CHECK(vm_events.pswpin >= N - 64);
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES] + test_task.mm->rss_stat[MM_SWAPENTS], N);
    assert_invariants("roundtrip");
    CHECK_EQ(do_munmap(test_task.mm, base, N * PAGE_SIZE), 0);
    CHECK_EQ(test_task.mm->rss_stat[MM_SWAPENTS], 0);
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages());
    swap_teardown();
}

/* A page swapped out before fork is shared through its slot; the parent's fault reads it
 * (major), the child's finds it in the swap cache (minor, no second read). */
static void test_fork_swap_cache(void)
{
    swap_setup(1 << 20);
    unsigned long a = mmap_anon(BASE, PAGE_SIZE, PROT_READ | PROT_WRITE);
    unsigned char *p = user_ptr(a, true);
    for (unsigned long b = 0; b < PAGE_SIZE; b++)
        p[b] = (unsigned char)(b * 13 + 5);
    uint32_t sum = checksum(p);
    CHECK_EQ(try_to_free_pages(1), 1);
    CHECK(swapped(a));
    CHECK_EQ(test_task.mm->rss_stat[MM_SWAPENTS], 1);
    swp_entry_t e = pte_to_swp_entry(pte_at(a));
    CHECK_EQ(__swap_count(e), 1);

    struct task_struct child = {.pid = 43, .tgid = 43, .comm = "child", .rlimit_stack = 8 << 20};
    child.mm = mm_alloc();
    child.mm->owner = &child;
    CHECK_EQ(dup_mmap(child.mm, test_task.mm), 0);
    CHECK_EQ(__swap_count(e), 2);
    CHECK_EQ(child.mm->rss_stat[MM_SWAPENTS], 1);

    struct fault_result res;
    struct pt_regs regs = {.ip = 0x401000, .sp = 0x7ff000, .user_mode = true};
    do_page_fault(&test_task, &regs, USER_READ, a, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(res.major);
    CHECK_STR(last_path,
              "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_swap_page");
    CHECK_EQ(vm_events.pswpin, 1);
    CHECK_EQ(__swap_count(e), 1);
    CHECK_EQ(swap_cache_pages(), 1); /* the child's entry still needs it */

    do_page_fault(&child, &regs, USER_READ, a, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(!res.major);
    CHECK_EQ(vm_events.pswpin, 1); /* one read for both */
    CHECK_EQ(vm_events.swapcache_hits, 1);
    CHECK_EQ(swap_cache_pages(), 0); /* no entry refers to the slot any more */
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages());
    pte_t *cp = lookup_pte(child.mm, a);
    CHECK_EQ(pte_pfn(*cp), pte_pfn(pte_at(a)));
    CHECK_EQ(page_mapcount(pfn_to_page(pte_pfn(*cp))), 2);
    CHECK_EQ(checksum(pfn_address(pte_pfn(*cp))), sum);
    char msg[256];
    CHECK_EQ(check_mm_invariants(child.mm, msg, sizeof(msg)), 0);

    /* the child writes: copy-on-write, the parent keeps the data */
    touch_mm(&child, a, true);
    cp = lookup_pte(child.mm, a);
    CHECK(pte_pfn(*cp) != pte_pfn(pte_at(a)));
    ((unsigned char *)pfn_address(pte_pfn(*cp)))[0] ^= 0xff;
    CHECK_EQ(checksum(user_ptr(a, false)), sum);
    mmput(child.mm);
    swap_teardown();
}

/*
 * swapoff: try_to_unuse brings back every page on swap. Three private pages (A0..A2) written,
 * then a shared anonymous page (S, shmem), all swapped out; a fork child shares A's slots;
 * the parent reads A1 back, so its page stays in the swap cache for the child's entry. Page
 * cluster 0: no readahead. swapoff_device then reads A0, A2 and S (pswpin + 3, A1 is found in
 * the cache), gives 5 PTEs (the child's three, the parent's A0 and A2) and S's file their
 * pages, takes no fault (pgfault, pgmajfault unchanged), leaves the swap cache empty, each A
 * page one frame mapped by both mms, old and read-only (the child's write still copies), and
 * S in its file (the next touch a minor fault). The device is inactive: SwapTotal 0; swapon
 * again gives it back empty, and a second swapon is EBUSY.
 */
static void test_swapoff(void)
{
    swap_setup(1 << 20);
    unsigned int saved_cluster = page_cluster;
    page_cluster = 0;
    unsigned long a = mmap_anon(BASE, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    unsigned long sh = BASE + 16 * PAGE_SIZE;
    CHECK_EQ(do_mmap(test_task.mm, NULL, sh, PAGE_SIZE, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, 0),
             (long)sh);
    uint32_t sums[4];
    for (int i = 0; i < 4; i++) {
        unsigned long addr = i < 3 ? a + i * PAGE_SIZE : sh;
        unsigned char *p = user_ptr(addr, true);
        for (unsigned long b = 0; b < PAGE_SIZE; b++)
            p[b] = (unsigned char)(b * 7 + i * 31 + 1);
        sums[i] = checksum(p);
    }
    CHECK_EQ(try_to_free_pages(4), 4);
    for (int i = 0; i < 3; i++)
        CHECK(swapped(a + i * PAGE_SIZE));
    CHECK(pte_none(pte_at(sh))); /* shmem: the slot is in the file, not the PTE */
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages() - 4);

    struct task_struct child = {.pid = 43, .tgid = 43, .comm = "child", .rlimit_stack = 8 << 20};
    child.mm = mm_alloc();
    child.mm->owner = &child;
    CHECK_EQ(dup_mmap(child.mm, test_task.mm), 0);
    CHECK_EQ(child.mm->rss_stat[MM_SWAPENTS], 3);
    CHECK_EQ(checksum(user_ptr(a + PAGE_SIZE, false)), sums[1]); /* A1 back in the parent */
    CHECK_EQ(swap_cache_pages(), 1);                             /* kept for the child */

    struct vm_event_state before = vm_events;
    unsigned long pages = 0;
    CHECK_EQ(swapoff_device(&pages), 0);
    CHECK_EQ(pages, 6);
    CHECK_EQ(vm_events.pswpin, before.pswpin + 3);
    CHECK_EQ(vm_events.pgfault, before.pgfault);
    CHECK_EQ(vm_events.pgmajfault, before.pgmajfault);
    CHECK_EQ(swap_cache_pages(), 0);
    CHECK(!swap_device_active());
    CHECK_EQ(total_swap_pages(), 0);
    CHECK_EQ(get_nr_swap_pages(), 0);
    for (struct mm_struct *mm = test_task.mm; mm; mm = mm == test_task.mm ? child.mm : NULL) {
        CHECK_EQ(mm->rss_stat[MM_SWAPENTS], 0);
        CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 3);
        char msg[256];
        CHECK_EQ(check_mm_invariants(mm, msg, sizeof(msg)), 0);
    }
    for (int i = 0; i < 3; i++) {
        pte_t pp = pte_at(a + i * PAGE_SIZE), cp = *lookup_pte(child.mm, a + i * PAGE_SIZE);
        CHECK(pte_present(pp) && pte_present(cp));
        CHECK(!pte_write(cp));
        CHECK_EQ(pte_pfn(pp), pte_pfn(cp));
        CHECK_EQ(page_mapcount(pfn_to_page(pte_pfn(cp))), 2);
        CHECK_EQ(checksum(pfn_address(pte_pfn(cp))), sums[i]);
    }
    CHECK(!(pte_at(a).pte & _PAGE_ACCESSED)); /* unuse_pte maps it old */

    /* S: in its file again; the touch is a minor fault of the file */
    struct fault_result res;
    struct pt_regs regs = {.ip = 0x401000, .sp = 0x7ff000, .user_mode = true};
    do_page_fault(&test_task, &regs, USER_READ, sh, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(!res.major);
    CHECK_EQ(checksum(pfn_address(pte_pfn(pte_at(sh)))), sums[3]);

    /* the child's write copies; the parent keeps the data */
    touch_mm(&child, a, true);
    CHECK(pte_pfn(*lookup_pte(child.mm, a)) != pte_pfn(pte_at(a)));
    CHECK_EQ(checksum(user_ptr(a, false)), sums[0]);
    assert_invariants("swapoff");

    CHECK_EQ(swapon_device(-2), 0);
    CHECK(swap_device_active());
    CHECK_EQ(swapon_device(-2), -EBUSY);
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages());
    CHECK_EQ(total_swap_pages(), (1 << 20) / PAGE_SIZE - 1);
    CHECK_EQ(try_to_free_pages(1), 1); /* pressure reaches swap again */
    CHECK_EQ(vm_events.pswpout, before.pswpout + 1);
    mmput(child.mm);
    page_cluster = saved_cluster;
    swap_teardown();
}

/* swapoff when RAM cannot hold what is on swap: ENOMEM, and the device stays active with what
 * could not come back (4.20's reinsert_swap_info); the pages that did come back stay in RAM. */
static void test_swapoff_nomem(void)
{
    swap_setup(1 << 20);
    enum { N = 40 };
    unsigned long a = mmap_anon(BASE, N * PAGE_SIZE, PROT_READ | PROT_WRITE);
    leave_free(16);
    for (int i = 0; i < N; i++)
        *user_ptr(a + i * PAGE_SIZE, true) = (unsigned char)(i + 1);
    unsigned long on_swap = test_task.mm->rss_stat[MM_SWAPENTS];
    CHECK(on_swap >= N - 16);
    unsigned long pages = 0;
    CHECK_EQ(swapoff_device(&pages), -ENOMEM);
    CHECK(swap_device_active());
    CHECK(pages < on_swap);
    CHECK_EQ(test_task.mm->rss_stat[MM_SWAPENTS], on_swap - pages);
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages() - (on_swap - pages));
    assert_invariants("swapoff_nomem");
    for (int i = 0; i < N; i++)
        CHECK_EQ(*user_ptr(a + i * PAGE_SIZE, false), (unsigned char)(i + 1));
    CHECK_EQ(do_munmap(test_task.mm, a, N * PAGE_SIZE), 0);
    swap_teardown();
}

/* Swapped-out pages shared with a child are freed by both exits (zap: free_swap_and_cache). */
static void test_fork_then_exit(void)
{
    swap_setup(1 << 20);
    unsigned long a = mmap_anon(BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 4; i++)
        touch(a + i * PAGE_SIZE, true);
    CHECK_EQ(try_to_free_pages(4), 4);
    struct task_struct child = {.pid = 43, .comm = "child"};
    child.mm = mm_alloc();
    child.mm->owner = &child;
    CHECK_EQ(dup_mmap(child.mm, test_task.mm), 0);
    CHECK_EQ(child.mm->rss_stat[MM_SWAPENTS], 4);
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages() - 4);
    mmput(child.mm);
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages() - 4);
    swap_teardown();
}

/* MADV_FREE: without any swap, reclaim drops the lazily free pages that were not written
 * again (the next touch reads zeroes) and keeps the one that was, with its data. */
static void test_madv_free_no_swap(void)
{
    swap_setup(0);
    unsigned long a = mmap_anon(BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 4; i++)
        *user_ptr(a + i * PAGE_SIZE, true) = (unsigned char)(0x10 + i);
    CHECK_EQ(try_to_free_pages(4), 0); /* no swap: anonymous pages cannot go */
    CHECK_EQ(do_madvise(test_task.mm, a, 4 * PAGE_SIZE, MADV_FREE), 0);
    CHECK_EQ(vm_events.pglazyfree, 4);
    CHECK(!pte_dirty(pte_at(a)) && !pte_young(pte_at(a)));
    CHECK(pte_present(pte_at(a))); /* still mapped, data and all, until reclaim comes */
    CHECK_EQ(*user_ptr(a, false), 0x10);
    *user_ptr(a + 2 * PAGE_SIZE, true) = 0x77; /* written again: needed after all */
    assert_invariants("madv_free");

    CHECK_EQ(try_to_free_pages(4), 3);
    CHECK_EQ(vm_events.pglazyfreed, 3);
    CHECK(pte_none(pte_at(a)) && pte_none(pte_at(a + PAGE_SIZE)) &&
          pte_none(pte_at(a + 3 * PAGE_SIZE)));
    CHECK(pte_present(pte_at(a + 2 * PAGE_SIZE)));
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 1);
    CHECK_EQ(get_nr_swap_pages(), 0);
    CHECK_EQ(*user_ptr(a + 2 * PAGE_SIZE, false), 0x77);
    CHECK_EQ(*user_ptr(a + 3 * PAGE_SIZE, false), 0); /* dropped: a fresh zero page */
    /* the kept page is an ordinary anonymous page again: no swap, so it stays */
    CHECK_EQ(try_to_free_pages(4), 0);
    CHECK(pte_present(pte_at(a + 2 * PAGE_SIZE)));
    swap_teardown();
}

/* MADV_FREE on swapped-out pages frees their slots; a page shared with a child after fork is
 * left alone; a page in the swap cache leaves it. */
static void test_madv_free_swap(void)
{
    swap_setup(1 << 20);
    unsigned long a = mmap_anon(BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 4; i++)
        *user_ptr(a + i * PAGE_SIZE, true) = (unsigned char)(0x20 + i);
    CHECK_EQ(try_to_free_pages(2), 2); /* two pages on swap */
    CHECK(swapped(a) && swapped(a + PAGE_SIZE));
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages() - 2);
    CHECK_EQ(do_madvise(test_task.mm, a, PAGE_SIZE, MADV_FREE), 0);
    CHECK(pte_none(pte_at(a)));
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages() - 1);
    CHECK_EQ(test_task.mm->rss_stat[MM_SWAPENTS], 1);
    CHECK_EQ(*user_ptr(a, false), 0); /* forgotten: zeroes */

    /* a swapped-in page (in the swap cache) made lazily free leaves the cache and its slot */
    CHECK_EQ(*user_ptr(a + PAGE_SIZE, false), 0x21);
    CHECK_EQ(do_madvise(test_task.mm, a + PAGE_SIZE, PAGE_SIZE, MADV_FREE), 0);
    CHECK_EQ(get_nr_swap_pages(), total_swap_pages());
    CHECK_EQ(swap_cache_pages(), 0);

    /* shared with a child: not lazily free, so reclaim swaps it out as before */
    struct task_struct child = {.pid = 43, .comm = "child"};
    child.mm = mm_alloc();
    child.mm->owner = &child;
    CHECK_EQ(dup_mmap(child.mm, test_task.mm), 0);
    unsigned long lazy = vm_events.pglazyfree;
    CHECK_EQ(do_madvise(test_task.mm, a + 2 * PAGE_SIZE, PAGE_SIZE, MADV_FREE), 0);
    CHECK_EQ(vm_events.pglazyfree, lazy);
    mmput(child.mm);
    assert_invariants("madv_free_swap");
    swap_teardown();
}

/* Clean file pages are dropped and read again; a dirty shared page is written back first. */
static void test_file_pages(void)
{
    swap_setup(0);
    fault_around_bytes = 0;
    struct file *f = memfile_open(8 * PAGE_SIZE, 3, true);
    long a = do_mmap(test_task.mm, f, 0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    CHECK(a > 0);
    fput(f);
    ra_pages = 1;
    touch(a, false);
    touch(a + PAGE_SIZE, true);
    ((unsigned char *)pfn_address(pte_pfn(pte_at(a + PAGE_SIZE))))[0] = 0xab;
    unsigned reads = memfile_reads(), writes = memfile_writes();
    CHECK_EQ(try_to_free_pages(2), 2);
    CHECK(pte_none(pte_at(a)));
    CHECK(pte_none(pte_at(a + PAGE_SIZE)));
    CHECK_EQ(memfile_writes(), writes + 1);
    CHECK_EQ(memfile_byte(f, PAGE_SIZE), 0xab);
    CHECK_EQ(vm_events.pgsteal_file, 2);
    CHECK_EQ(vm_events.pgwriteback_file, 1);
    CHECK_EQ(test_task.mm->rss_stat[MM_FILEPAGES], 0);
    struct fault_result res;
    CHECK_EQ(fault(a + PAGE_SIZE, USER_READ, 0, &res), FAULT_OK);
    CHECK(res.major);
    CHECK_EQ(memfile_reads(), reads + 1);
    CHECK_EQ(vm_events.workingset_refault, 1); /* the shadow of the dropped page was found */
    CHECK_EQ(*user_ptr(a + PAGE_SIZE, false), 0xab);
    ra_pages = 32;
    swap_teardown();
}

/* The reclaim events seen (the first mapping the reclaim took away: pid and address). */
static struct reclaim_event reclaim_seen[4];
static int nreclaim_seen;

static void on_fault_ignored(void *ctx, const struct fault_event *ev)
{
    (void)ctx, (void)ev;
}

static void on_reclaim_seen(void *ctx, const struct reclaim_event *ev)
{
    (void)ctx;
    if (nreclaim_seen < 4)
        reclaim_seen[nreclaim_seen] = *ev;
    nreclaim_seen++;
}

/*
 * The reverse map of a file page finds exactly the VMAs that map it (its mapping's i_mmap): one
 * page of a shared file mapping, mapped four times by two mms. The parent maps the file twice:
 * the first mapping is split in three by mprotect, the page in the new lower piece; the second is
 * moved by mremap, its PTE moving with it. A fork child maps the page through its copies of both
 * (shared file PTEs are not copied: its read faults map them again). Reclaim evicts the page
 * only if its walk accounts for all 4 mappings, and clears all 4 PTEs; the event names the
 * parent's lowest mapping first, as the walk over the mms did. i_mmap holds the 8 VMAs of the
 * file, 4 once the child is gone.
 */
static void test_rmap_file_vmas(void)
{
    swap_setup(0);
    fault_around_bytes = 0;
    ra_pages = 1;
    struct fault_observer obs = {.on_fault = on_fault_ignored, .on_reclaim = on_reclaim_seen};
    fault_observer_register(&obs);
    nreclaim_seen = 0;
    struct file *f = memfile_open(16 * PAGE_SIZE, 9, true);
    struct address_space *m = f->f_mapping;
    const unsigned long len = 16 * PAGE_SIZE, page = 5 * PAGE_SIZE;
    long a = do_mmap(test_task.mm, f, BASE, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, 0);
    long b = do_mmap(test_task.mm, f, BASE + 2 * len, len, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_FIXED, 0);
    CHECK_EQ(a, (long)BASE);
    CHECK_EQ(b, (long)(BASE + 2 * len));
    fput(f);
    /* pages [6, 8) made read-only: the page's VMA is [a, a + 6), the piece split_vma made
     * (new_below) */
    CHECK_EQ(do_mprotect(test_task.mm, a + 6 * PAGE_SIZE, 2 * PAGE_SIZE, PROT_READ), 0);
    CHECK_EQ(count_vmas(), 4);
    /* the second mapping moves below the first, the page mapped before and after */
    touch(b + page, false);
    unsigned long c = BASE - 2 * len;
    CHECK_EQ(do_mremap(test_task.mm, b, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, c), (long)c);
    CHECK(pte_present(pte_at(c + page)));
    touch(a + page, false);
    CHECK_EQ(pte_pfn(pte_at(a + page)), pte_pfn(pte_at(c + page)));

    struct task_struct child = {.pid = 43, .tgid = 43, .comm = "child", .rlimit_stack = 8 << 20};
    child.mm = mm_alloc();
    child.mm->owner = &child;
    CHECK_EQ(dup_mmap(child.mm, test_task.mm), 0);
    touch_mm(&child, a + page, false);
    touch_mm(&child, c + page, false);
    struct page *pg = pfn_to_page(pte_pfn(pte_at(a + page)));
    CHECK_EQ(page_mapcount(pg), 4);
    CHECK_EQ(mapping_nr_vmas(m), 8);

    CHECK_EQ(try_to_free_pages(1), 1);
    CHECK(pte_none(pte_at(a + page)));
    CHECK(pte_none(pte_at(c + page)));
    CHECK(pte_none(*lookup_pte(child.mm, a + page)));
    CHECK(pte_none(*lookup_pte(child.mm, c + page)));
    CHECK_EQ(test_task.mm->rss_stat[MM_FILEPAGES], 0);
    CHECK_EQ(child.mm->rss_stat[MM_FILEPAGES], 0);
    CHECK_EQ(vm_events.pgsteal_file, 1);
    CHECK_EQ(nreclaim_seen, 1);
    CHECK_EQ(reclaim_seen[0].pid, test_task.pid);
    CHECK_EQ(reclaim_seen[0].address, c + page);
    CHECK_EQ(reclaim_seen[0].mappings, 4);
    assert_invariants("rmap_file_vmas");

    mmput(child.mm);
    CHECK_EQ(mapping_nr_vmas(m), 4);
    fault_observer_unregister(&obs);
    ra_pages = 32;
    swap_teardown();
}

/*
 * The reverse map of an anonymous page finds exactly the VMAs that map it through the anonymous
 * index (interval_tree.c), whose VMAs change their range after they were indexed. The parent
 * writes page 8 of a 16-page MAP_GROWSDOWN mapping and forks two children. The first moves its
 * copy by mremap (a new VMA, made from a copy of the old one); the second grows its copy down by
 * 2 pages as a stack grows (expand_stack: vm_start and vm_pgoff change); the parent unmaps its
 * top 2 pages, then its lowest 2 (split_vma keeps the page's VMA as the lower piece, its vm_end
 * changed, then as the upper piece, its vm_start and vm_pgoff changed). Reclaim evicts the page
 * only if its walk accounts for all three mappings: each PTE becomes the slot's swap entry, and the
 * event names the parent's mapping first (the mm listed first).
 */
static void test_rmap_anon_vmas(void)
{
    swap_setup(1 << 20);
    struct fault_observer obs = {.on_fault = on_fault_ignored, .on_reclaim = on_reclaim_seen};
    fault_observer_register(&obs);
    nreclaim_seen = 0;
    const unsigned long len = 16 * PAGE_SIZE, page = 8 * PAGE_SIZE, c = BASE + (64UL << 20);
    long a = do_mmap(test_task.mm, NULL, BASE, len, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, 0);
    CHECK_EQ(a, (long)BASE);
    touch(a + page, true);

    struct task_struct child[2] = {
        {.pid = 43, .tgid = 43, .comm = "child", .rlimit_stack = 8 << 20},
        {.pid = 44, .tgid = 44, .comm = "child", .rlimit_stack = 8 << 20},
    };
    for (int i = 0; i < 2; i++) {
        child[i].mm = mm_alloc();
        child[i].mm->owner = &child[i];
        CHECK_EQ(dup_mmap(child[i].mm, test_task.mm), 0);
    }
    struct mm_struct *moved = child[0].mm, *grown = child[1].mm;
    CHECK_EQ(do_mremap(moved, a, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, c), (long)c);
    CHECK_EQ(find_vma(moved, c)->vm_start, c);
    struct vm_area_struct *gv = find_vma(grown, a);
    CHECK(gv != NULL && gv->vm_start == (unsigned long)a && (gv->vm_flags & VM_GROWSDOWN));
    CHECK_EQ(expand_stack(gv, a - 2 * PAGE_SIZE), 0);
    CHECK_EQ(gv->vm_start, a - 2 * PAGE_SIZE);
    CHECK_EQ(do_munmap(test_task.mm, a + len - 2 * PAGE_SIZE, 2 * PAGE_SIZE), 0);
    CHECK_EQ(do_munmap(test_task.mm, a, 2 * PAGE_SIZE), 0);
    CHECK_EQ(count_vmas(), 1);
    struct vm_area_struct *pv = find_vma(test_task.mm, a + page);
    CHECK_EQ(pv->vm_start, a + 2 * PAGE_SIZE);
    CHECK_EQ(pv->vm_end, a + len - 2 * PAGE_SIZE);

    struct page *pg = pfn_to_page(pte_pfn(pte_at(a + page)));
    CHECK_EQ(pte_pfn(*lookup_pte(moved, c + page)), page_to_pfn(pg));
    CHECK_EQ(pte_pfn(*lookup_pte(grown, a + page)), page_to_pfn(pg));
    CHECK_EQ(page_mapcount(pg), 3);

    CHECK_EQ(try_to_free_pages(1), 1);
    CHECK(swapped(a + page));
    CHECK(is_swap_pte(*lookup_pte(moved, c + page)));
    CHECK(is_swap_pte(*lookup_pte(grown, a + page)));
    CHECK_EQ(pte_to_swp_entry(*lookup_pte(moved, c + page)).val,
             pte_to_swp_entry(pte_at(a + page)).val);
    CHECK_EQ(pte_to_swp_entry(*lookup_pte(grown, a + page)).val,
             pte_to_swp_entry(pte_at(a + page)).val);
    CHECK_EQ(test_task.mm->rss_stat[MM_SWAPENTS], 1);
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(child[i].mm->rss_stat[MM_SWAPENTS], 1);
        CHECK_EQ(child[i].mm->rss_stat[MM_ANONPAGES], 0);
    }
    CHECK_EQ(vm_events.pswpout, 1);
    CHECK_EQ(nreclaim_seen, 1);
    CHECK_EQ(reclaim_seen[0].pid, test_task.pid);
    CHECK_EQ(reclaim_seen[0].address, a + page);
    CHECK_EQ(reclaim_seen[0].mappings, 3);
    assert_invariants("rmap_anon_vmas");

    for (int i = 0; i < 2; i++)
        mmput(child[i].mm);
    assert_invariants("rmap_anon_vmas (children gone)");
    fault_observer_unregister(&obs);
    swap_teardown();
}

/*
 * Under the linux policy, a clean file page accessed once through its one mapping is kept at its
 * first look (page_check_references: PAGEREF_KEEP, PG_referenced set); through a
 * MADV_SEQUENTIAL mapping the access does not count (page_referenced_one), so it is dropped at
 * once. Four pages read, then reclaimed: all 4 kept at the first look, and under
 * MADV_SEQUENTIAL none, all four dropped by the first pass.
 */
static void seq_read_run(bool sequential)
{
    swap_setup(0);
    reclaim_policy = RECLAIM_LINUX;
    fault_around_bytes = 0;
    ra_pages = 1;
    struct file *f = memfile_open(8 * PAGE_SIZE, 5, false);
    long a = do_mmap(test_task.mm, f, 0, 8 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, 0);
    CHECK(a > 0);
    fput(f);
    if (sequential)
        CHECK_EQ(do_madvise(test_task.mm, a, 8 * PAGE_SIZE, MADV_SEQUENTIAL), 0);
    for (int i = 0; i < 4; i++)
        touch(a + i * PAGE_SIZE, false);
    unsigned long freed = try_to_free_pages(4);
    CHECK_EQ(vm_events.reclaim_kept, sequential ? 0 : 4);
    if (sequential) { /* all four at the first look */
        CHECK_EQ(freed, 4);
        for (int i = 0; i < 4; i++)
            CHECK(pte_none(pte_at(a + i * PAGE_SIZE)));
        CHECK_EQ(vm_events.pgsteal_file, 4);
    }
    ra_pages = 32;
    reclaim_policy = RECLAIM_CLOCK;
    swap_teardown();
}

static void test_seq_read_references(void)
{
    seq_read_run(false);
    seq_read_run(true);
}

/* __setup_per_zone_wmarks on an 8 MiB RAM (2048 frames): min_free_kbytes sqrt(16 * 8192) =
 * 362 KiB, 90 pages; low and high a step of max(min / 4, 2048 * 10 / 10000) = 22 pages above
 * min and two steps (134: 4.20's min + 2 * step, not min + min / 2). Then as after root's writes
 * of vm.min_free_kbytes (1024: 256 pages, step 64) and vm.watermark_scale_factor (1000: step
 * 204, more than 256 / 4). */
static void test_watermarks(void)
{
    test_setup_ram(8 << 20);
    CHECK_EQ(min_free_kbytes, 362);
    CHECK_EQ(watermark_min, 90);
    CHECK_EQ(watermark_low, 112);
    CHECK_EQ(watermark_high, 134);
    min_free_kbytes = 1024;
    setup_per_zone_wmarks();
    CHECK_EQ(watermark_min, 256);
    CHECK_EQ(watermark_low, 320);
    CHECK_EQ(watermark_high, 384);
    watermark_scale_factor = 1000;
    setup_per_zone_wmarks();
    CHECK_EQ(watermark_low, 460);
    CHECK_EQ(watermark_high, 664);
    watermark_scale_factor = 10;
    test_teardown();
}

/* drop_caches 1: of a file's cached pages only the clean one nobody maps leaves the cache, with
 * no shadow (the next read of it is a major fault and no refault); a mapped page stays, clean or
 * dirty. */
static void test_drop_pagecache(void)
{
    swap_setup(0);
    fault_around_bytes = 0;
    ra_pages = 1;
    struct file *f = memfile_open(4 * PAGE_SIZE, 5, true);
    long a = do_mmap(test_task.mm, f, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
    CHECK(a > 0);
    struct address_space *m = f->f_mapping;
    fput(f); /* the VMA at a keeps it */
    touch(a, false);
    touch(a + PAGE_SIZE, true);
    touch(a + 2 * PAGE_SIZE, false);
    CHECK_EQ(do_munmap(test_task.mm, a + 2 * PAGE_SIZE, PAGE_SIZE), 0);
    CHECK_EQ(m->nrpages, 3);
    CHECK_EQ(drop_pagecache(), 1);
    CHECK_EQ(m->nrpages, 2);
    CHECK(!pte_none(pte_at(a)));
    CHECK(!pte_none(pte_at(a + PAGE_SIZE)));
    CHECK_EQ(drop_pagecache(), 0);
    unsigned reads = memfile_reads();
    long b = do_mmap(test_task.mm, f, 0, 4 * PAGE_SIZE, PROT_READ, MAP_SHARED, 0);
    CHECK(b > 0);
    struct fault_result res;
    CHECK_EQ(fault(b + 2 * PAGE_SIZE, USER_READ, 0, &res), FAULT_OK);
    CHECK(res.major);
    CHECK_EQ(memfile_reads(), reads + 1);
    CHECK_EQ(vm_events.workingset_refault, 0);
    CHECK_EQ(fault(b, USER_READ, 0, &res), FAULT_OK); /* page 0 stayed: cached */
    CHECK(!res.major);
    ra_pages = 32;
    fault_around_bytes = 65536;
    swap_teardown();
}

/* Under --reclaim linux, 24 file pages read twice (active, so the inactive file list is low and
 * get_scan_count splits the scan by swappiness) and 48 anonymous pages written into 56 free
 * frames: how many anonymous pages went to swap. */
static unsigned long swappiness_run(int swappiness)
{
    swap_setup(1 << 20);
    reclaim_policy = RECLAIM_LINUX;
    page_cluster = 0;
    fault_around_bytes = 0;
    ra_pages = 1;
    vm_swappiness = swappiness;
    struct file *f = memfile_open(24 * PAGE_SIZE, 7, false);
    long fa = do_mmap(test_task.mm, f, 0x20000000UL, 24 * PAGE_SIZE, PROT_READ, MAP_PRIVATE, 0);
    CHECK(fa > 0);
    fput(f);
    unsigned long base = mmap_anon(BASE, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK(pte_alloc_map(test_task.mm, base) != NULL);
    leave_free(56);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 24; i++)
            touch(fa + i * PAGE_SIZE, false);
    for (int i = 0; i < 48; i++)
        touch(base + i * PAGE_SIZE, true);
    unsigned long out = vm_events.pswpout;
    CHECK(vm_events.pgsteal_file > 0);
    assert_invariants("swappiness");
    reclaim_policy = RECLAIM_CLOCK;
    page_cluster = 3;
    fault_around_bytes = 65536;
    ra_pages = 32;
    vm_swappiness = 60;
    swap_teardown();
    return out;
}

/* vm.swappiness 0 (a root guest's write, or --swappiness 0): get_scan_count gives the anonymous
 * lists a share of 0, and 4.20 has no SCAN_EQUAL at priority 0 then, so reclaim takes page
 * cache only and nothing goes to swap; at 60 anonymous pages go to swap too. */
static void test_swappiness(void)
{
    CHECK_EQ(swappiness_run(0), 0);
    CHECK(swappiness_run(60) > 0);
}

/* No swap, RAM full of anonymous memory: the OOM killer picks the largest task, or with
 * vm.oom_kill_allocating_task the faulting one. */
static void test_oom(void)
{
    swap_setup(0);
    struct task_struct big = {.pid = 50, .comm = "big"}, small = {.pid = 51, .comm = "small"};
    big.mm = mm_alloc();
    big.mm->owner = &big;
    small.mm = mm_alloc();
    small.mm->owner = &small;
    struct task_struct bigger = {.pid = 52, .comm = "bigger"};
    bigger.mm = mm_alloc();
    bigger.mm->owner = &bigger;
    unsigned long a = mmap_anon(BASE, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    leave_free(20);
    struct fault_result res;
    int i = 0;
    for (; i < 64; i++)
        if (fault(a + i * PAGE_SIZE, USER_WRITE, 0, &res) != FAULT_OK)
            break;
    CHECK(i < 64);
    CHECK_EQ(res.outcome, FAULT_KILL);
    CHECK_EQ(res.signo, FL_SIGKILL);
    CHECK_EQ(last_event.outcome, OUTCOME_OOM);
    CHECK(oom_killed_task == NULL); /* the faulting task was the largest */
    CHECK_EQ(vm_events.oom_kills, 1);
    /* marked the victim; its exit, which the harness does not run, would free the mm: until
     * then another task's OOM would kill nobody (test_oom_early_exits) */
    CHECK(test_task.mm->oom_victim);
    test_task.mm->oom_victim = false;

    /* a larger address space elsewhere is the victim; the faulting task retries */
    big.mm->rss_stat[MM_SWAPENTS] = 1000; /* as if it had 1000 pages in swap */
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(oom_killed_task == &big);

    /* vm.oom_kill_allocating_task 1: the faulting task goes, however large the others are
     * (another, not killed yet, larger than any) */
    bigger.mm->rss_stat[MM_SWAPENTS] = 2000;
    sysctl_oom_kill_allocating_task = 1;
    oom_killed_task = NULL;
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_KILL);
    CHECK_EQ(res.signo, FL_SIGKILL);
    CHECK(oom_killed_task == NULL);
    CHECK_EQ(vm_events.oom_kills, 3);
    sysctl_oom_kill_allocating_task = 0;
    bigger.mm->rss_stat[MM_SWAPENTS] = 0;
    mmput(bigger.mm);
    big.mm->rss_stat[MM_SWAPENTS] = 0;
    mmput(big.mm);
    mmput(small.mm);
    swap_teardown();
}

/* out_of_memory's early exits (4.20): a previous victim whose memory is not reaped yet stops the
 * choice (oom_evaluate_task's tsk_is_oom_victim abort), a dying faulting task has nobody else
 * killed (task_will_free_mem(current)), a chosen task already dying is only reaped
 * (oom_kill_process's task_will_free_mem); none of them prints the report. */
static void test_oom_early_exits(void)
{
    swap_setup(0);
    struct task_struct big = {.pid = 70, .tgid = 70, .comm = "big"};
    struct task_struct small = {.pid = 71, .tgid = 71, .comm = "small"};
    struct task_struct huge = {.pid = 72, .tgid = 72, .comm = "huge"};
    struct task_struct *all[] = {&big, &small, &huge};
    for (int i = 0; i < 3; i++) {
        all[i]->mm = mm_alloc();
        all[i]->mm->owner = all[i];
        test_processes[i] = all[i];
    }
    big.mm->rss_stat[MM_SWAPENTS] = 1000;
    test_task.oom_score_adj = OOM_SCORE_ADJ_MIN; /* the harness's own task stays out of it */
    huge.oom_score_adj = OOM_SCORE_ADJ_MIN;      /* and huge, until (c) */
    struct fault_result res;
    unsigned long kills = vm_events.oom_kills;

    /* (a) big was an earlier OOM's faulting victim: marked, its exit not run yet. small's OOM
     * kills nobody (not big again, as before), prints nothing, and small tries again */
    big.mm->oom_victim = true;
    oom_killed_task = NULL;
    test_klog[0] = '\0';
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK_EQ(last_event.outcome, OUTCOME_OOM);
    CHECK(oom_killed_task == NULL);
    CHECK_EQ(vm_events.oom_kills, kills);
    CHECK_STR(test_klog, "");
    /* once its memory is gone (MMF_OOM_SKIP) it is passed over: small, the only one eligible,
     * is the victim */
    big.mm->oom_reaped = true;
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_KILL);
    CHECK(oom_killed_task == NULL);
    CHECK_EQ(vm_events.oom_kills, kills + 1);
    CHECK(strstr(test_klog, "\nKilled process 71 (small) ") != NULL);
    small.mm->oom_victim = false; /* as if it had exited */

    /* (b) small has SIGKILL pending: its OOM marks it and kills nobody, with no report */
    test_dying = &small;
    test_klog[0] = '\0';
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(small.mm->oom_victim);
    CHECK(oom_killed_task == NULL);
    CHECK_EQ(vm_events.oom_kills, kills + 1);
    CHECK_STR(test_klog, "");
    small.mm->oom_victim = false;

    /* (c) the chosen task (huge, the largest) is dying already: reaped, not killed again, and
     * the only line is the reaper's */
    huge.oom_score_adj = 0;
    huge.mm->rss_stat[MM_SWAPENTS] = 2000;
    test_dying = &huge;
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(huge.mm->oom_reaped && huge.mm->oom_victim);
    CHECK(oom_killed_task == NULL);
    CHECK_EQ(vm_events.oom_kills, kills + 1);
    CHECK_STR(test_klog, "oom_reaper: reaped process 72 (huge), now anon-rss:0kB, file-rss:0kB, "
                         "shmem-rss:0kB\n");
    test_dying = NULL;
    test_task.oom_score_adj = 0;
    memset(test_processes, 0, sizeof(test_processes));
    for (int i = 0; i < 3; i++) {
        all[i]->mm->rss_stat[MM_SWAPENTS] = 0;
        mmput(all[i]->mm);
    }
    swap_teardown();
}

/* The OOM reaper takes what madvise(MADV_DONTNEED) could (4.20's __oom_reap_task_mm with
 * can_madv_dontneed_vma): the private memory of the victim but for its mlocked VMAs, whose pages
 * stay mapped until its exit. */
static void test_oom_reap_locked(void)
{
    swap_setup(0);
    struct mm_struct *mm = test_task.mm;
    const unsigned long rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
    long locked = do_mmap(mm, NULL, 0, 4 * PAGE_SIZE, rw, anon, 0);
    long loose = do_mmap(mm, NULL, 0, 8 * PAGE_SIZE, rw, anon, 0);
    CHECK(locked > 0 && loose > 0);
    CHECK_EQ(do_mlock(mm, locked, 4 * PAGE_SIZE, VM_LOCKED, ULONG_MAX), 0);
    for (int i = 0; i < 8; i++)
        touch(loose + i * PAGE_SIZE, true);
    for (int i = 0; i < 4; i++)
        CHECK(pte_present(pte_at(locked + i * PAGE_SIZE)));
    CHECK_EQ(mm->rss_stat[MM_ANONPAGES], 12);

    test_klog[0] = '\0';
    oom_reap_task_mm(&test_task, mm);
    assert_invariants("oom_reap_task_mm");
    char want[160];
    snprintf(want, sizeof(want),
             "oom_reaper: reaped process %d (%s), now anon-rss:16kB, file-rss:0kB, "
             "shmem-rss:0kB\n",
             test_task.pid, test_task.comm);
    CHECK_STR(test_klog, want);
    for (int i = 0; i < 4; i++)
        CHECK(pte_present(pte_at(locked + i * PAGE_SIZE)));
    for (int i = 0; i < 8; i++)
        CHECK(!pte_present(pte_at(loose + i * PAGE_SIZE)));
    mm->oom_reaped = false;
    swap_teardown();
}

/* The report before a kill: the failed allocation's gfp mask by name (a page table, then an
 * anonymous page), dump_tasks' rows in 4.20's columns (every process with an mm), the reaper's
 * line; vm.oom_dump_tasks 0 leaves the table out. */
static void test_oom_report(void)
{
    swap_setup(0);
    struct task_struct other = {.pid = 73, .tgid = 73, .comm = "other"};
    other.mm = mm_alloc();
    other.mm->owner = &other;
    other.mm->rss_stat[MM_SWAPENTS] = 3000;
    other.oom_score_adj = 5;
    test_processes[0] = &other;
    test_processes[1] = NULL;
    struct fault_result res;

    /* test_task's first fault in a region with no page table: the table's allocation fails */
    test_klog[0] = '\0';
    fault_with_ram_full(&test_task, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(oom_killed_task == &other);
    CHECK(strncmp(test_klog,
                  "unit invoked oom-killer: gfp_mask=0x7080c0(GFP_KERNEL_ACCOUNT|__GFP_ZERO), "
                  "nodemask=(null), order=0, oom_score_adj=0\nunit cpuset=/ mems_allowed=0\n"
                  "CPU: 0 PID: 42 Comm: unit Not tainted\nMem-Info:\n",
                  strlen("unit invoked oom-killer: gfp_mask=0x7080c0(GFP_KERNEL_ACCOUNT|"
                         "__GFP_ZERO), nodemask=(null), order=0, oom_score_adj=0\nunit "
                         "cpuset=/ mems_allowed=0\nCPU: 0 PID: 42 Comm: unit Not tainted\n"
                         "Mem-Info:\n")) == 0);
    CHECK(strstr(test_klog, "\nFree swap  = 0kB\nTotal swap = 0kB\n") != NULL);
    char want[512];
    snprintf(want, sizeof(want),
             "\nTasks state (memory values in pages):\n[  pid  ]   uid  tgid total_vm      rss "
             "pgtables_bytes swapents oom_score_adj name\n[     42]  1000     0 %8lu %8lu %8lu "
             "       0             0 unit\n[     73]  1000    73        0        0        0 "
             "    3000             5 other\nOut of memory: Kill process 73 (other) score ",
             test_task.mm->total_vm, get_mm_rss(test_task.mm), test_task.mm->nr_ptes * PAGE_SIZE);
    CHECK(strstr(test_klog, want) != NULL);
    CHECK(strstr(test_klog, "\nKilled process 73 (other) total-vm:0kB, anon-rss:0kB, "
                            "file-rss:0kB, shmem-rss:0kB\noom_reaper: reaped process 73 "
                            "(other), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n") != NULL);

    /* a fault next to a page test_task has: its table is there, the anonymous page's
     * allocation fails; with vm.oom_dump_tasks 0 there is no table */
    while (nballast) /* room for one page and its tables */
        put_page(ballast[--nballast]);
    unsigned long a = mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK_EQ(fault(a, USER_WRITE, 0, &res), FAULT_OK);
    other.mm->oom_reaped = other.mm->oom_victim = false;
    sysctl_oom_dump_tasks = 0;
    leave_free(0);
    test_klog[0] = '\0';
    oom_killed_task = NULL;
    CHECK_EQ(fault(a + PAGE_SIZE, USER_WRITE, 0, &res), FAULT_OK);
    CHECK(oom_killed_task == &other);
    CHECK(strncmp(test_klog,
                  "unit invoked oom-killer: gfp_mask=0x6280ca(GFP_HIGHUSER_MOVABLE|"
                  "__GFP_ZERO), nodemask=(null), order=0, oom_score_adj=0\n",
                  strlen("unit invoked oom-killer: gfp_mask=0x6280ca(GFP_HIGHUSER_MOVABLE|"
                         "__GFP_ZERO), nodemask=(null), order=0, oom_score_adj=0\n")) == 0);
    CHECK(strstr(test_klog, "Tasks state") == NULL);
    CHECK(strstr(test_klog, "\n0 pages HighMem/MovableOnly\n") != NULL);
    sysctl_oom_dump_tasks = 1;
    test_processes[0] = NULL;
    other.mm->rss_stat[MM_SWAPENTS] = 0;
    mmput(other.mm);
    swap_teardown();
}

/* One instruction needing two pages of a file, with one frame to hold them (RAM full of
 * anonymous memory, no swap): each fault on one page evicts the other. Linux keeps the
 * referenced pages and ends in the OOM killer; under every policy the model must get there too
 * (fault.c, thrash_guard) instead of faulting forever. */
static void test_thrash_oom(void)
{
    static const enum reclaim_policy policies[] = {RECLAIM_CLOCK, RECLAIM_FIFO, RECLAIM_LRU,
                                                   RECLAIM_LINUX};
    for (size_t k = 0; k < sizeof(policies) / sizeof(policies[0]); k++) {
        swap_setup(0);
        reclaim_policy = policies[k];
        struct file *f = memfile_open(2 * PAGE_SIZE, 3, false);
        do_mmap(test_task.mm, f, BASE, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0);
        fput(f);
        /* no readahead or fault-around: each fault brings in its own page only */
        CHECK_EQ(do_madvise(test_task.mm, BASE, 2 * PAGE_SIZE, MADV_RANDOM), 0);
        unsigned long around = fault_around_bytes;
        fault_around_bytes = 0;
        struct fault_result res;
        CHECK_EQ(fault(BASE, USER_READ, 0, &res), FAULT_OK); /* page 0, and the page tables */
        /* at the min watermark, as a guest filling RAM leaves it (python3 under --ram 64M: 256
         * frames free, min 256, one page on the reclaim list) */
        watermark_min = 4, watermark_low = 5, watermark_high = 6;
        leave_free(4);
        int i = 1;
        /* the same instruction (the harness's ip) reads across the boundary: page 1 (for
         * which reclaim takes page 0), page 0, page 1... as the engine makes the access again
         * after each fault */
        for (; i < 1000; i++)
            if (fault(BASE + (i % 2) * PAGE_SIZE, USER_READ, 0, &res) != FAULT_OK)
                break;
        CHECK(i < 1000);
        CHECK_EQ(res.outcome, FAULT_KILL); /* the faulting task is the only one: it goes */
        CHECK_EQ(last_event.outcome, OUTCOME_OOM);
        CHECK_EQ(vm_events.oom_kills, 1);
        if (policies[k] != RECLAIM_LINUX) {
            /* page 1 reclaimed page 0: the streak starts there, and its 64th refault (the
             * faults at i = 2..65) is the OOM */
            CHECK_EQ(i, 65);
            CHECK(strstr(last_path, "thrash_guard") != NULL);
        }
        fault_around_bytes = around;
        watermark_min = watermark_low = watermark_high = 0;
        reclaim_policy = RECLAIM_CLOCK;
        swap_teardown();
    }
}

/* oom_score_adj (4.20's oom_badness, select_bad_process, oom_kill_process): -1000 is never
 * chosen, +adj adds adj thousandths of RAM and swap; the chosen task's child of highest
 * badness with an mm of its own dies in its place; nobody eligible: panic, nobody killed. */
static void test_oom_adj(void)
{
    swap_setup(0);
    struct task_struct big = {.pid = 60, .tgid = 60, .comm = "big"};
    struct task_struct small = {.pid = 61, .tgid = 61, .comm = "small"};
    struct task_struct kid = {.pid = 62, .tgid = 62, .comm = "kid"};
    struct task_struct *all[] = {&big, &small, &kid};
    for (int i = 0; i < 3; i++) {
        all[i]->mm = mm_alloc();
        all[i]->mm->owner = all[i];
    }
    big.mm->rss_stat[MM_SWAPENTS] = 1000;
    kid.mm->rss_stat[MM_SWAPENTS] = 5;
    /* 100000 pages of RAM and swap: an adj point is 100 pages (this machine has fewer than
     * 1000, where 4.20's totalpages / 1000 makes every adj but -1000 count for nothing) */
    unsigned long total = 100000;
    CHECK_EQ(oom_badness(&big, total), 1000);
    big.oom_score_adj = 500;
    CHECK_EQ(oom_badness(&big, total), 1000 + 500 * 100);
    big.oom_score_adj = -999; /* far below 0: still eligible, 1 */
    CHECK_EQ(oom_badness(&big, total), 1);
    big.oom_score_adj = OOM_SCORE_ADJ_MIN;
    CHECK_EQ(oom_badness(&big, total), 0);
    test_task.oom_score_adj = OOM_SCORE_ADJ_MIN; /* the harness's own task stays out of it */

    struct fault_result res;
    unsigned long kills = vm_events.oom_kills;
    /* big and kid are -1000: the faulting small one is the only one eligible */
    kid.oom_score_adj = OOM_SCORE_ADJ_MIN;
    oom_killed_task = NULL;
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_KILL);
    CHECK(oom_killed_task == NULL);
    CHECK_EQ(vm_events.oom_kills, kills + 1);
    small.mm->oom_victim = false; /* as if it had exited (the harness runs no exit) */

    /* big eligible again and the largest: chosen; its child kid (an mm of its own) is
     * sacrificed, however small */
    big.oom_score_adj = 0;
    kid.oom_score_adj = 0;
    oom_children[0] = &kid;
    oom_children[1] = NULL;
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(oom_killed_task == &kid);
    CHECK(kid.mm->oom_reaped); /* reaped: skipped from now on (MMF_OOM_SKIP) */

    /* a child at -1000 is not sacrificed: big itself dies */
    kid.mm->oom_reaped = kid.mm->oom_victim = false;
    kid.oom_score_adj = OOM_SCORE_ADJ_MIN;
    oom_killed_task = NULL;
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(oom_killed_task == &big);
    oom_children[0] = NULL;

    /* everyone -1000 (big's mm reaped anyway): nothing eligible, panic, no kill counted; the
     * faulting task's fault ends in SIGKILL */
    small.oom_score_adj = OOM_SCORE_ADJ_MIN;
    kills = vm_events.oom_kills;
    panic_msg = NULL;
    oom_killed_task = NULL;
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_KILL);
    CHECK(panic_msg && !strcmp(panic_msg, "System is deadlocked on memory"));
    CHECK(strstr(test_klog, "\nOut of memory and no killable processes...\n") != NULL);
    CHECK(oom_killed_task == NULL);
    CHECK_EQ(vm_events.oom_kills, kills);
    CHECK_EQ(last_event.outcome, OUTCOME_OOM);

    /* vm.oom_kill_allocating_task does not take a -1000 task: the choice is made again */
    small.oom_score_adj = 0;
    kid.oom_score_adj = 0;
    kid.mm->rss_stat[MM_SWAPENTS] = 3000; /* the largest now */
    sysctl_oom_kill_allocating_task = 1;
    small.oom_score_adj = OOM_SCORE_ADJ_MIN;
    fault_with_ram_full(&small, &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK(oom_killed_task == &kid);
    sysctl_oom_kill_allocating_task = 0;
    panic_msg = NULL;
    test_task.oom_score_adj = 0;
    for (int i = 0; i < 3; i++) {
        all[i]->mm->rss_stat[MM_SWAPENTS] = 0;
        mmput(all[i]->mm);
    }
    swap_teardown();
}

/* check_mm_invariants on swap entries: a swap PTE must name a slot in use; MM_SWAPENTS must
 * equal the count of swap PTEs. */
static void test_swap_invariants(void)
{
    char msg[256];
    swap_setup(1 << 20);
    unsigned long a = mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    touch(a, true);
    CHECK_EQ(try_to_free_pages(1), 1);
    CHECK_EQ(check_mm_invariants(test_task.mm, msg, sizeof(msg)), 0);

    test_task.mm->rss_stat[MM_SWAPENTS]++;
    CHECK(check_mm_invariants(test_task.mm, msg, sizeof(msg)) != 0);
    CHECK(strstr(msg, "rss counter") != NULL);
    test_task.mm->rss_stat[MM_SWAPENTS]--;

    pte_t *p = lookup_pte(test_task.mm, a + PAGE_SIZE);
    *p = swp_entry_to_pte(swp_entry(0, 100)); /* a free slot */
    test_task.mm->rss_stat[MM_SWAPENTS]++;
    CHECK(check_mm_invariants(test_task.mm, msg, sizeof(msg)) != 0);
    CHECK(strstr(msg, "names no allocated slot") != NULL);
    *p = __pte(0);
    test_task.mm->rss_stat[MM_SWAPENTS]--;
    CHECK_EQ(check_mm_invariants(test_task.mm, msg, sizeof(msg)), 0);
    swap_teardown();
}

/*
 * Swap readahead (swap_vma_readahead). 32 pages written, all pushed out to swap by 40 more,
 * whose frames are then given back; the 32 are read back in order, forward or backward, with
 * windows of at most 1 << cluster pages. By hand, forward with cluster 3: page 0 is the VMA's
 * first swap fault, which counts 4 hits: 6 pages rounded up to 8, centred on it and cut at the
 * VMA's start, [0, 5); pages 1-4 are hits; page 5 is next to the last fault with 4 hits: 8
 * pages ahead, [5, 13); then [13, 21), [21, 29), [29, 32): majors 0, 5, 13, 21, 29, every other
 * page found in the swap cache, read ahead. Backward: [28, 32) around 31, then 8 behind each
 * miss: majors 31, 27, 19, 11, 3. Cluster 1 (windows of 2): every other page. Cluster 0: no
 * readahead, every page major.
 */
static void readahead_run(unsigned cluster, int step, const int *majors, int nmajors)
{
    enum { N = 32, PUSH = 40 };
    swap_setup(1 << 20);
    reclaim_policy = RECLAIM_FIFO;
    page_cluster = cluster;
    unsigned long a = mmap_anon(BASE, N * PAGE_SIZE, PROT_READ | PROT_WRITE);
    unsigned long b = mmap_anon(BASE + PMD_SIZE, PUSH * PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK(pte_alloc_map(test_task.mm, a) != NULL && pte_alloc_map(test_task.mm, b) != NULL);
    leave_free(PUSH);
    for (int i = 0; i < N; i++)
        *user_ptr(a + i * PAGE_SIZE, true) = (unsigned char)i;
    for (int i = 0; i < PUSH; i++)
        touch(b + i * PAGE_SIZE, true);
    for (int i = 0; i < N; i++)
        CHECK(swapped(a + i * PAGE_SIZE));
    CHECK_EQ(do_munmap(test_task.mm, b, PUSH * PAGE_SIZE), 0);
    memset(&vm_events, 0, sizeof(vm_events));
    int got[N], ngot = 0;
    for (int n = 0, i = step > 0 ? 0 : N - 1; n < N; n++) {
        unsigned long maj = test_task.maj_flt;
        if (*user_ptr(a + i * PAGE_SIZE, false) != (unsigned char)i) {
            fprintf(stderr, "page %d read back wrong\n", i);
            test_failures++;
        }
        if (test_task.maj_flt != maj)
            got[ngot++] = i;
        i += step;
    }
    check_victims(got, ngot, majors, nmajors);
    CHECK_EQ(vm_events.pswpin, N);
    CHECK_EQ(vm_events.swap_ra, N - nmajors);
    CHECK_EQ(vm_events.swap_ra_hit, N - nmajors);
    CHECK_EQ(vm_events.swapcache_hits, N - nmajors);
    assert_invariants("readahead");
    page_cluster = 3;
    reclaim_policy = RECLAIM_CLOCK;
    swap_teardown();
}

static void test_swap_readahead(void)
{
    static const int forward[] = {0, 5, 13, 21, 29}, backward[] = {31, 27, 19, 11, 3};
    static int every[32], even[16];
    readahead_run(3, 1, forward, 5);
    readahead_run(3, -1, backward, 5);
    for (int i = 0; i < 32; i++) {
        every[i] = i;
        even[i / 2] = i & ~1;
    }
    readahead_run(1, 1, even, 16);
    readahead_run(0, 1, every, 32); /* vm.page-cluster 0: no readahead */
}

/*
 * The overcommit guess (util.c): one charge larger than RAM and swap together is refused, one
 * that fits is not, whatever is in use. 128 frames and 255 slots (1 MiB of swap less its
 * header): 383 pages; without swap, 128.
 */
static void overcommit_run(unsigned long swap_bytes)
{
    swap_setup(swap_bytes);
    struct mm_struct *mm = test_task.mm;
    const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
    unsigned long limit = totalram_pages() + total_swap_pages();
    CHECK_EQ(limit, swap_bytes ? 383 : 128);
    CHECK_EQ(do_mmap(mm, NULL, 0, (limit + 1) * PAGE_SIZE, rw, anon, 0), -ENOMEM);
    CHECK_EQ(do_mmap(mm, NULL, 0, (limit + 1) * PAGE_SIZE, rw, MAP_SHARED | MAP_ANONYMOUS, 0),
             -ENOMEM);
    long a = do_mmap(mm, NULL, 0, limit * PAGE_SIZE, rw, anon, 0);
    CHECK(a > 0);
    /* a second charge that fits by itself passes too: the guess adds nothing up */
    long b = do_mmap(mm, NULL, 0, limit * PAGE_SIZE, rw, anon, 0);
    CHECK(b > 0);
    long n = do_mmap(mm, NULL, 0, 4 * limit * PAGE_SIZE, rw, anon | MAP_NORESERVE, 0);
    CHECK(n > 0);
    long r = do_mmap(mm, NULL, 0, 4 * limit * PAGE_SIZE, PROT_NONE, anon, 0);
    CHECK(r > 0);
    CHECK_EQ(do_mprotect(mm, (unsigned long)r, (limit + 1) * PAGE_SIZE, rw), -ENOMEM);
    CHECK_EQ(do_mprotect(mm, (unsigned long)r, limit * PAGE_SIZE, rw), 0);
    assert_invariants("overcommit");
    swap_teardown();
}

static void test_overcommit(void)
{
    overcommit_run(1 << 20);
    overcommit_run(0);
}

/*
 * OVERCOMMIT_NEVER (util.c), worked by hand: 128 frames and ratio 50 make CommitLimit 64 pages;
 * 1 MiB of swap (255 slots) adds 255. A charge passes while Committed_AS with it stays below
 * the limit less the reserves: the admin reserve for a task without CAP_SYS_ADMIN, and the
 * smaller of the user reserve and a 32nd of the process's size. Shared anonymous memory is
 * charged once, by its file, and given back when the file goes.
 */
static void overcommit_never_run(unsigned long swap_bytes)
{
    swap_setup(swap_bytes);
    struct mm_struct *mm = test_task.mm;
    const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
    const unsigned long limit = 64 + (swap_bytes ? 255 : 0);

    sysctl_overcommit_memory = OVERCOMMIT_NEVER;
    sysctl_admin_reserve_kbytes = sysctl_user_reserve_kbytes = 0;
    test_cap_sys_admin = true;
    CHECK_EQ(vm_commit_limit(), limit);
    CHECK_EQ(vm_memory_committed(), 0);
    CHECK_EQ(do_mmap(mm, NULL, 0, limit * PAGE_SIZE, rw, anon, 0), -ENOMEM);
    long a = do_mmap(mm, NULL, 0, (limit - 1) * PAGE_SIZE, rw, anon, 0);
    CHECK(a > 0);
    CHECK_EQ(vm_memory_committed(), limit - 1);
    /* full: one more page of anything charged fails, NORESERVE and read-only memory do not */
    CHECK_EQ(do_mmap(mm, NULL, 0, PAGE_SIZE, rw, anon, 0), -ENOMEM);
    CHECK_EQ(do_mmap(mm, NULL, 0, PAGE_SIZE, rw, MAP_SHARED | MAP_ANONYMOUS, 0), -ENOMEM);
    long ro = do_mmap(mm, NULL, 0, 64 * PAGE_SIZE, PROT_READ, anon, 0);
    CHECK(ro > 0);
    CHECK(do_mmap(mm, NULL, 0, PAGE_SIZE, rw, anon | MAP_NORESERVE, 0) > 0);
    CHECK_EQ(do_mprotect(mm, (unsigned long)ro, PAGE_SIZE, rw), -ENOMEM);
    /* 16 pages back; shared anonymous memory takes 15 of them by its file */
    CHECK_EQ(do_munmap(mm, (unsigned long)a, 16 * PAGE_SIZE), 0);
    CHECK_EQ(vm_memory_committed(), limit - 17);
    long sh = do_mmap(mm, NULL, 0, 15 * PAGE_SIZE, rw, MAP_SHARED | MAP_ANONYMOUS, 0);
    CHECK(sh > 0);
    CHECK_EQ(vm_memory_committed(), limit - 2);
    CHECK_EQ(do_munmap(mm, (unsigned long)sh, 15 * PAGE_SIZE), 0);
    CHECK_EQ(vm_memory_committed(), limit - 17);
    /* the admin reserve (8 KiB: 2 pages) for a task without CAP_SYS_ADMIN: 15 pages fit, not 16 */
    sysctl_admin_reserve_kbytes = 8;
    test_cap_sys_admin = false;
    CHECK_EQ(do_mprotect(mm, (unsigned long)ro, 15 * PAGE_SIZE, rw), -ENOMEM);
    CHECK_EQ(do_mprotect(mm, (unsigned long)ro, 14 * PAGE_SIZE, rw), 0);
    CHECK_EQ(vm_memory_committed(), limit - 3);
    /* the user reserve, 1 page (smaller than total_vm / 32: 11 pages with swap, 3 without),
     * leaves room for 1 page more, not 2; then total_vm / 32, smaller than 1 GiB, for none */
    sysctl_admin_reserve_kbytes = 0;
    sysctl_user_reserve_kbytes = 4;
    CHECK_EQ(mm->total_vm / 32, swap_bytes ? 11 : 3);
    CHECK_EQ(do_mprotect(mm, (unsigned long)ro + 14 * PAGE_SIZE, 2 * PAGE_SIZE, rw), -ENOMEM);
    CHECK_EQ(do_mprotect(mm, (unsigned long)ro + 14 * PAGE_SIZE, PAGE_SIZE, rw), 0);
    CHECK_EQ(do_munmap(mm, (unsigned long)a + 16 * PAGE_SIZE, PAGE_SIZE), 0);
    sysctl_user_reserve_kbytes = 1 << 20;
    CHECK_EQ(do_mprotect(mm, (unsigned long)ro + 15 * PAGE_SIZE, PAGE_SIZE, rw), -ENOMEM);
    /* overcommit_kbytes instead of the ratio */
    sysctl_overcommit_kbytes = 1024;
    CHECK_EQ(vm_commit_limit(), 256 + (swap_bytes ? 255 : 0));
    assert_invariants("overcommit_never");
    sysctl_overcommit_memory = OVERCOMMIT_GUESS;
    sysctl_overcommit_kbytes = 0;
    test_cap_sys_admin = false;
    swap_teardown();
}

static void test_overcommit_never(void)
{
    overcommit_never_run(1 << 20);
    overcommit_never_run(0);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"swap_entry_layout", test_swap_entry_layout},
        {"policy_fifo", test_policy_fifo},
        {"policy_clock", test_policy_clock},
        {"policy_lru", test_policy_lru},
        {"policy_linux", test_policy_linux},
        {"roundtrip", test_roundtrip},
        {"fork_swap_cache", test_fork_swap_cache},
        {"fork_then_exit", test_fork_then_exit},
        {"swapoff", test_swapoff},
        {"swapoff_nomem", test_swapoff_nomem},
        {"file_pages", test_file_pages},
        {"rmap_file_vmas", test_rmap_file_vmas},
        {"rmap_anon_vmas", test_rmap_anon_vmas},
        {"seq_read_references", test_seq_read_references},
        {"madv_free_no_swap", test_madv_free_no_swap},
        {"madv_free_swap", test_madv_free_swap},
        {"oom", test_oom},
        {"oom_adj", test_oom_adj},
        {"oom_early_exits", test_oom_early_exits},
        {"oom_reap_locked", test_oom_reap_locked},
        {"oom_report", test_oom_report},
        {"thrash_oom", test_thrash_oom},
        {"swap_invariants", test_swap_invariants},
        {"swap_readahead", test_swap_readahead},
        {"overcommit", test_overcommit},
        {"overcommit_never", test_overcommit_never},
        {"watermarks", test_watermarks},
        {"drop_pagecache", test_drop_pagecache},
        {"swappiness", test_swappiness},
    };
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        if (argc < 2 || !strcmp(argv[1], tests[i].name)) {
            tests[i].fn();
            if (argc >= 2)
                return test_failures ? 1 : 0;
        }
    }
    if (argc >= 2) {
        fprintf(stderr, "unknown test %s\n", argv[1]);
        return 2;
    }
    return test_failures ? 1 : 0;
}
