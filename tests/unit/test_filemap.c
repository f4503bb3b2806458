/*
 * test_filemap.c - unit tests of the page cache's coherence calls without Unicorn: msync(2) and
 * mincore(2) (mm/msync.c, mm/mincore.c), write-back that write-protects the shared PTEs
 * (page_mkclean), a host write refreshing cached pages, truncation unmapping pages past EOF, and a
 * closed file's cache kept for the next open unless the host file changed.
 *
 * Run one test: test_filemap NAME; no argument runs all.
 */
#include <errno.h>

#include "tests/unit/model_test.h"

#define BASE      0x10000000UL
#define STACK_TOP 0x7ffffffff000UL
#define P(n)      (BASE + (unsigned long)(n)*PAGE_SIZE)

static unsigned char *user_byte(unsigned long addr)
{
    pte_t pte = pte_at(addr);
    return (unsigned char *)pfn_address(pte_pfn(pte)) + (addr & ~PAGE_MASK);
}

/* MS_SYNC writes a dirty shared page back and write-protects its PTE; the next store faults
 * through wp_page_shared and dirties the page again, so a second msync writes it again. */
static void msync_writes_back(void)
{
    struct file *f = memfile_open(4 * PAGE_SIZE, 5, true);
    do_mmap(test_task.mm, f, BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
            0);
    CHECK_EQ(fault(P(1), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    *user_byte(P(1) + 3) = 0xab;
    unsigned w = memfile_writes();
    CHECK_EQ(do_msync(test_task.mm, BASE, 4 * PAGE_SIZE, MS_SYNC), 0);
    CHECK_EQ(memfile_writes(), w + 1);
    CHECK_EQ(memfile_byte(f, PAGE_SIZE + 3), 0xab);
    pte_t pte = pte_at(P(1));
    CHECK(pte_present(pte) && !pte_write(pte) && !pte_dirty(pte));

    CHECK_EQ(fault(P(1), USER_WRITE | X86_PF_PROT, STACK_TOP, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_wp_page>wp_page_shared");
    *user_byte(P(1) + 4) = 0xcd;
    CHECK_EQ(do_msync(test_task.mm, BASE, PAGE_SIZE * 2, MS_SYNC), 0);
    CHECK_EQ(memfile_writes(), w + 2);
    CHECK_EQ(memfile_byte(f, PAGE_SIZE + 4), 0xcd);
    /* nothing dirty: no write */
    CHECK_EQ(do_msync(test_task.mm, BASE, 4 * PAGE_SIZE, MS_SYNC), 0);
    CHECK_EQ(memfile_writes(), w + 2);
    /* MS_ASYNC does nothing (Linux >= 2.6.19) */
    *user_byte(P(1)) = 1; /* the PTE is writable again (the fault above) */
    CHECK_EQ(do_msync(test_task.mm, BASE, 4 * PAGE_SIZE, MS_ASYNC), 0);
    CHECK_EQ(memfile_writes(), w + 2);
    fput(f);
}

/* msync's argument checks and the hole rule (-ENOMEM after syncing what is mapped). */
static void msync_errors(void)
{
    mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ);
    mmap_anon(P(3), PAGE_SIZE, PROT_READ);
    CHECK_EQ(do_msync(test_task.mm, BASE + 1, PAGE_SIZE, MS_SYNC), -EINVAL);
    CHECK_EQ(do_msync(test_task.mm, BASE, PAGE_SIZE, MS_SYNC | MS_ASYNC), -EINVAL);
    CHECK_EQ(do_msync(test_task.mm, BASE, PAGE_SIZE, 8), -EINVAL);
    CHECK_EQ(do_msync(test_task.mm, BASE, 0, MS_SYNC), 0);
    CHECK_EQ(do_msync(test_task.mm, BASE, 2 * PAGE_SIZE, MS_SYNC), 0);
    CHECK_EQ(do_msync(test_task.mm, BASE, 4 * PAGE_SIZE, MS_SYNC), -ENOMEM); /* hole at P(2) */
    CHECK_EQ(do_msync(test_task.mm, P(5), PAGE_SIZE, MS_SYNC), -ENOMEM);
}

/* mincore: present PTEs, page-cache pages behind none PTEs of file VMAs, holes. */
static void mincore_resident(void)
{
    unsigned char vec[4];
    mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK_EQ(fault(P(1), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    CHECK_EQ(do_mincore(test_task.mm, BASE, 2, vec), 0);
    CHECK_EQ(vec[0], 0);
    CHECK_EQ(vec[1], 1);
    CHECK_EQ(do_mincore(test_task.mm, BASE, 3, vec), -ENOMEM);
    CHECK_EQ(do_mincore(test_task.mm, BASE + 1, 1, vec), -EINVAL);

    struct file *f = memfile_open(2 * PAGE_SIZE, 1, false);
    do_mmap(test_task.mm, f, P(8), 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0);
    CHECK_EQ(do_mincore(test_task.mm, P(8), 2, vec), 0);
    CHECK_EQ(vec[0] + vec[1], 0);
    /* a second mapping faults page 0 in (read-around caches page 1 too) */
    do_mmap(test_task.mm, f, P(16), 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0);
    CHECK_EQ(fault(P(16), USER_READ, STACK_TOP, NULL), FAULT_OK);
    CHECK_EQ(do_mincore(test_task.mm, P(8), 2, vec), 0);
    CHECK_EQ(vec[0], 1); /* cached, not mapped here */
    CHECK_EQ(vec[1], 1);
    fput(f);
}

/* A host write changed the file: filemap_host_write refreshes the cached page in place, so the
 * mapping sees the bytes; the dirty data of other pages was written back first. */
static void host_write_refreshes(void)
{
    struct file *f = memfile_open(4 * PAGE_SIZE, 2, true);
    struct address_space *m = f->f_mapping;
    do_mmap(test_task.mm, f, BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
            0);
    CHECK_EQ(fault(P(0), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    *user_byte(P(0)) = 0x11;
    CHECK_EQ(fault(P(2), USER_READ, STACK_TOP, NULL), FAULT_OK);

    CHECK_EQ(filemap_sync_before_read(m), 0);
    CHECK_EQ(memfile_byte(f, 0), 0x11);
    /* "the host" writes page 2 behind the cache's back, then tells the cache */
    static unsigned char buf[PAGE_SIZE];
    memset(buf, 0x5a, sizeof(buf));
    CHECK_EQ(m->a_ops->writepage(m, 2, buf, PAGE_SIZE), 0);
    filemap_host_write(m, 2 * PAGE_SIZE, PAGE_SIZE, 4 * PAGE_SIZE);
    CHECK_EQ(*user_byte(P(2) + 100), 0x5a);
    CHECK_EQ(*user_byte(P(0)), 0x11);
    /* the file grew: i_size follows, so the page past the old end no longer SIGBUSes */
    filemap_host_write(m, 4 * PAGE_SIZE, 10, 4 * PAGE_SIZE + 10);
    CHECK_EQ(m->i_size, 4 * PAGE_SIZE + 10);
    fput(f);
}

/* Truncation: PTEs of pages past the new end are zapped, a touch there is SIGBUS, and the tail
 * of the partial last page reads as zeroes. */
static void truncate_unmaps(void)
{
    struct file *f = memfile_open(4 * PAGE_SIZE, 7, true);
    struct address_space *m = f->f_mapping;
    do_mmap(test_task.mm, f, BASE, 4 * PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_FIXED, 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(fault(P(i), USER_READ, STACK_TOP, NULL), FAULT_OK);
    CHECK(pte_present(pte_at(P(3))));
    filemap_host_truncate(m, PAGE_SIZE + 0x800);
    CHECK(pte_none(pte_at(P(2))));
    CHECK(pte_none(pte_at(P(3))));
    CHECK(pte_present(pte_at(P(1))));
    CHECK_EQ(*user_byte(P(1) + 0x7ff), (unsigned char)((PAGE_SIZE + 0x7ff) * 7 + 7));
    CHECK_EQ(*user_byte(P(1) + 0x800), 0);
    CHECK(find_get_page(m, 3) == NULL);
    struct fault_result res;
    CHECK_EQ(fault(P(3), USER_READ, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.signo, FL_SIGBUS);
    CHECK_EQ(res.si_code, BUS_ADRERR);
    assert_invariants("truncate_unmaps");
    fput(f);
}

/* A file nobody has open keeps its cached pages (Linux's inode cache): mapping it again reads
 * nothing. Reopened after the host file changed (another stamp), its cache starts empty. The
 * kernel's own writes into a cached page (a host write, truncation) are announced to the
 * CPU with flush_dcache_page, which drops code translated from the old bytes. */
static void closed_file_keeps_cache(void)
{
    struct file *f = memfile_open(PAGE_SIZE, 3, false);
    struct address_space *m = f->f_mapping;
    do_mmap(test_task.mm, f, BASE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0);
    unsigned r = memfile_reads();
    CHECK_EQ(fault(P(0), USER_READ, STACK_TOP, NULL), FAULT_OK);
    CHECK_EQ(memfile_reads(), r + 1);
    CHECK_EQ(do_munmap(test_task.mm, BASE, PAGE_SIZE), 0);
    fput(f); /* the last reference: the mapping is unused now, its page stays cached */
    CHECK_EQ(m->refcount, 0);
    CHECK_EQ(m->nrpages, 1);

    struct file *again = memfile_reopen(m, 0);
    CHECK(again->f_mapping == m);
    do_mmap(test_task.mm, again, BASE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0);
    CHECK_EQ(fault(P(0), USER_READ, STACK_TOP, NULL), FAULT_OK);
    CHECK_EQ(last_event.outcome, OUTCOME_MINOR);
    CHECK_EQ(memfile_reads(), r + 1);
    CHECK_EQ(*user_byte(P(0) + 1), (unsigned char)(1 * 7 + 3));
    unsigned d = dcache_flushes;
    filemap_host_write(m, 0, 1, PAGE_SIZE);
    CHECK_EQ(dcache_flushes, d + 1);
    filemap_host_truncate(m, 100);
    CHECK_EQ(dcache_flushes, d + 2);
    CHECK_EQ(do_munmap(test_task.mm, BASE, PAGE_SIZE), 0);
    fput(again);

    struct file *changed = memfile_reopen(m, 42);
    CHECK(changed->f_mapping == m);
    CHECK_EQ(m->nrpages, 0);
    fput(changed);
}

/* A file offset is a page index of 47 bits in struct page: a mapping that would reach past it
 * is refused with EOVERFLOW, as Linux refuses one whose offset wraps; the last page is allowed. */
static void far_offset_refused(void)
{
    struct file *f = memfile_open(PAGE_SIZE, 1, false);
    CHECK_EQ(do_mmap(test_task.mm, f, BASE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED,
                     PAGE_INDEX_MAX),
             (long)BASE);
    CHECK_EQ(do_mmap(test_task.mm, f, P(4), 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED,
                     PAGE_INDEX_MAX),
             -EOVERFLOW);
    CHECK_EQ(do_mmap(test_task.mm, f, P(4), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED,
                     PAGE_INDEX_MAX + 1),
             -EOVERFLOW);
    CHECK_EQ(
        do_mmap(test_task.mm, f, P(4), 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, ~0UL),
        -EOVERFLOW);
    CHECK_EQ(count_vmas(), 1);
    fput(f);
}

/*
 * How much a major read fault reads (do_sync_mmap_readahead), with fault-around off so that only
 * faults count as hits: a window of 32 pages around the page; none under MADV_RANDOM; none
 * once misses outnumber hits by more than 100 (mmap_miss). 128 faults 64 pages apart in a
 * 8192-page file: the first 100 read 32 pages each (3,200: the first window starts at 0), the
 * other 28 their own page.
 */
static void readaround_limits(void)
{
    unsigned long saved = fault_around_bytes;
    fault_around_bytes = 0;
    struct file *f = memfile_open(8192 * PAGE_SIZE, 9, false);
    struct address_space *m = f->f_mapping;
    CHECK_EQ(do_mmap(test_task.mm, f, BASE, 64 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0),
             (long)BASE);
    CHECK_EQ(do_madvise(test_task.mm, BASE, 64 * PAGE_SIZE, MADV_RANDOM), 0);
    struct fault_result res;
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(fault(P(10 + i), USER_READ, STACK_TOP, &res), FAULT_OK);
        CHECK(res.major);
    }
    CHECK_EQ(m->nrpages, 3); /* MADV_RANDOM: the pages themselves */
    CHECK_EQ(do_munmap(test_task.mm, BASE, 64 * PAGE_SIZE), 0);

    struct file *g = memfile_open(8192 * PAGE_SIZE, 11, false);
    m = g->f_mapping;
    CHECK_EQ(
        do_mmap(test_task.mm, g, BASE, 8192 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0),
        (long)BASE);
    for (int i = 0; i < 128; i++) {
        CHECK_EQ(fault(BASE + (unsigned long)i * 64 * PAGE_SIZE, USER_READ, STACK_TOP, &res),
                 FAULT_OK);
        CHECK(res.major);
    }
    CHECK_EQ(m->nrpages, 100 * 32 + 28);
    CHECK_EQ(do_munmap(test_task.mm, BASE, 8192 * PAGE_SIZE), 0);
    fput(f);
    fput(g);
    fault_around_bytes = saved;
}

static bool readahead_marked(struct address_space *m, pgoff_t index)
{
    struct page *p = find_get_page(m, index);
    bool marked = p && (p->flags & (1UL << PG_readahead));
    if (p)
        put_page(p);
    return marked;
}

/*
 * MADV_SEQUENTIAL (do_sync_mmap_readahead > page_cache_sync_readahead > ondemand_readahead
 * with a whole window asked), fault-around off, ra_pages 32, worked by hand from 4.20's
 * mm/readahead.c: a miss at page 0 reads [0, 32) forward with the marker halfway, at 16; the
 * marker's fault reads [32, 64) with the marker at its first page, and so on. A miss anywhere
 * else reads the 32 pages from it on, with no marker and the window state left alone: [1000,
 * 1032), then [1032, 1064). Under MADV_RANDOM a marker is ignored (do_async_mmap_readahead).
 */
static void seq_readahead(void)
{
    unsigned long saved = fault_around_bytes;
    fault_around_bytes = 0;
    struct file *f = memfile_open(8192 * PAGE_SIZE, 13, false);
    struct address_space *m = f->f_mapping;
    CHECK_EQ(
        do_mmap(test_task.mm, f, BASE, 8192 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0),
        (long)BASE);
    CHECK_EQ(do_madvise(test_task.mm, BASE, 8192 * PAGE_SIZE, MADV_SEQUENTIAL), 0);
    struct fault_result res;
    CHECK_EQ(fault(P(0), USER_READ, STACK_TOP, &res), FAULT_OK);
    CHECK(res.major);
    CHECK_EQ(m->nrpages, 32);
    CHECK(readahead_marked(m, 16));
    for (int i = 1; i <= 32; i++) {
        CHECK_EQ(fault(P(i), USER_READ, STACK_TOP, &res), FAULT_OK);
        CHECK(!res.major);
        CHECK_EQ(m->nrpages, i < 16 ? 32 : i < 32 ? 64 : 96);
    }
    CHECK(readahead_marked(m, 64));
    CHECK(!readahead_marked(m, 16) && !readahead_marked(m, 32));
    CHECK_EQ(fault(P(1000), USER_READ, STACK_TOP, &res), FAULT_OK);
    CHECK(res.major);
    CHECK_EQ(m->nrpages, 128);
    for (pgoff_t i = 1000; i < 1032; i++)
        CHECK(!readahead_marked(m, i));
    CHECK_EQ(fault(P(1032), USER_READ, STACK_TOP, &res), FAULT_OK);
    CHECK(res.major);
    CHECK_EQ(m->nrpages, 160);
    CHECK_EQ(fault(P(1063), USER_READ, STACK_TOP, &res), FAULT_OK);
    CHECK(!res.major);
    CHECK_EQ(do_madvise(test_task.mm, BASE, 8192 * PAGE_SIZE, MADV_RANDOM), 0);
    CHECK_EQ(fault(P(64), USER_READ, STACK_TOP, &res), FAULT_OK);
    CHECK(!res.major);
    CHECK_EQ(m->nrpages, 160);
    CHECK_EQ(do_munmap(test_task.mm, BASE, 8192 * PAGE_SIZE), 0);
    fput(f);
    fault_around_bytes = saved;
}

static const struct model_test tests[] = {
    {"msync_writes_back", msync_writes_back},
    {"msync_errors", msync_errors},
    {"mincore_resident", mincore_resident},
    {"host_write_refreshes", host_write_refreshes},
    {"truncate_unmaps", truncate_unmaps},
    {"closed_file_keeps_cache", closed_file_keeps_cache},
    {"far_offset_refused", far_offset_refused},
    {"readaround_limits", readaround_limits},
    {"seq_readahead", seq_readahead},
};

int main(int argc, char **argv)
{
    return run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
