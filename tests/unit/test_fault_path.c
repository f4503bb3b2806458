/*
 * test_fault_path.c - unit tests of the modeled fault path without Unicorn: every branch of
 * handle_pte_fault and access_error, zero page, COW reuse vs copy, stack growth, file faults,
 * VMA split/merge, and the invariant checker itself.
 *
 * Run one test: test_fault_path NAME; no argument runs all.
 */
#include "kernel_model/mm_internal.h" /* nr_anon_vmas */
#include "tests/unit/model_test.h"

#define BASE      0x10000000UL
#define STACK_TOP 0x7ffffffff000UL
#define P(n)      (BASE + (unsigned long)(n)*PAGE_SIZE)

static unsigned char *user_byte(unsigned long addr)
{
    pte_t pte = pte_at(addr);
    return (unsigned char *)pfn_address(pte_pfn(pte)) + (addr & ~PAGE_MASK);
}

/* handle_pte_fault: none + anonymous + write -> do_anonymous_page, a private dirty frame. */
static void anon_write_fresh(void)
{
    mmap_anon(BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    struct fault_result res;
    CHECK_EQ(fault(P(1) + 123, USER_WRITE, STACK_TOP, &res), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_anonymous_page");
    pte_t pte = pte_at(P(1));
    CHECK(pte_present(pte) && pte_write(pte) && pte_dirty(pte) && !pte_special(pte));
    CHECK(!pte_exec(pte));
    struct page *page = pfn_to_page(pte_pfn(pte));
    CHECK_EQ(page_count(page), 1);
    CHECK_EQ(page_mapcount(page), 1);
    CHECK(PageAnon(page));
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 1);
    CHECK_EQ(test_task.min_flt, 1);
    CHECK_EQ(last_event.outcome, OUTCOME_MINOR);
    CHECK_EQ(last_event.pte_before, 0);
    CHECK_EQ(last_event.pte_after, pte_val(pte));
    CHECK_EQ(last_event.vma_start, BASE);
    CHECK_EQ(*user_byte(P(1) + 123), 0);
}

/* Read then write: zero page (read-only, special), then do_wp_page > wp_page_copy. */
static void anon_read_then_write(void)
{
    mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK_EQ(fault(P(0), USER_READ, STACK_TOP, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_anonymous_page");
    pte_t pte = pte_at(P(0));
    CHECK(pte_present(pte) && !pte_write(pte) && pte_special(pte));
    CHECK(is_zero_pfn(pte_pfn(pte)));
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 0);

    /* a second page read maps the very same frame */
    fault(P(1), USER_READ, STACK_TOP, NULL);
    CHECK_EQ(pte_pfn(pte_at(P(1))), pte_pfn(pte));

    int flushes = tlb_flushes;
    CHECK_EQ(fault(P(0) + 8, USER_WRITE | X86_PF_PROT, STACK_TOP, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_wp_page>wp_page_copy");
    pte_t after = pte_at(P(0));
    CHECK(pte_write(after) && pte_dirty(after) && !pte_special(after));
    CHECK(!is_zero_pfn(pte_pfn(after)));
    CHECK_EQ(*user_byte(P(0)), 0);
    CHECK_EQ(tlb_flushes, flushes + 1); /* the frame changed: the old translation must go */
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 1);
    CHECK(is_zero_pfn(pte_pfn(pte_at(P(1))))); /* the other page still maps the zero page */
}

/* After fork the first writer copies (mapcount 2); the last mapper reuses (mapcount 1). */
static void cow_reuse_vs_copy(void)
{
    mmap_anon(BASE, PAGE_SIZE, PROT_READ | PROT_WRITE);
    fault(P(0), USER_WRITE, STACK_TOP, NULL);
    *user_byte(P(0)) = 0x5a;
    unsigned long parent_pfn = pte_pfn(pte_at(P(0)));

    struct mm_struct *child = mm_alloc();
    CHECK_EQ(dup_mmap(child, test_task.mm), 0);
    struct page *page = pfn_to_page(parent_pfn);
    CHECK_EQ(page_mapcount(page), 2);
    CHECK_EQ(page_count(page), 2);
    CHECK(!pte_write(pte_at(P(0)))); /* write-protected in the parent too */
    pte_t *cpte = lookup_pte(child, P(0));
    CHECK(cpte && !pte_write(*cpte) && pte_pfn(*cpte) == parent_pfn);

    /* the child writes first: still shared, so it copies */
    struct task_struct child_task = test_task;
    child_task.pid = 43;
    child_task.mm = child;
    struct pt_regs regs = {.ip = 0x401000, .sp = STACK_TOP, .user_mode = true};
    struct fault_result res;
    do_page_fault(&child_task, &regs, USER_WRITE | X86_PF_PROT, P(0), &res);
    CHECK_EQ(res.outcome, FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_wp_page>wp_page_copy");
    cpte = lookup_pte(child, P(0));
    CHECK(pte_pfn(*cpte) != parent_pfn && pte_write(*cpte));
    CHECK_EQ(*(unsigned char *)pfn_address(pte_pfn(*cpte)), 0x5a); /* the copy has the data */
    CHECK_EQ(page_mapcount(page), 1);
    CHECK_EQ(page_count(page), 1);

    /* the parent writes next: now the only mapper, so it reuses the frame in place */
    CHECK_EQ(fault(P(0), USER_WRITE | X86_PF_PROT, STACK_TOP, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_wp_page>wp_page_reuse");
    CHECK_EQ(pte_pfn(pte_at(P(0))), parent_pfn);
    CHECK(pte_write(pte_at(P(0))));
    mmput(child);
}

/* A page neither side writes after fork stays one frame with two mappings, then one. */
static void fork_shared_untouched(void)
{
    mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    fault(P(0), USER_WRITE, STACK_TOP, NULL);
    fault(P(1), USER_READ, STACK_TOP, NULL); /* the zero page is copied as a special PTE */
    struct mm_struct *child = mm_alloc();
    CHECK_EQ(dup_mmap(child, test_task.mm), 0);
    CHECK(is_zero_pfn(pte_pfn(*lookup_pte(child, P(1)))));
    CHECK_EQ(page_mapcount(pfn_to_page(pte_pfn(pte_at(P(0))))), 2);
    mmput(child);
    CHECK_EQ(page_mapcount(pfn_to_page(pte_pfn(pte_at(P(0))))), 1);
    CHECK_EQ(page_count(pfn_to_page(pte_pfn(pte_at(P(0))))), 1);
}

/* access_error: each refusal is SIGSEGV with SEGV_ACCERR; bad_area gives SEGV_MAPERR. */
static void access_errors(void)
{
    struct fault_result res;
    mmap_anon(BASE, PAGE_SIZE, PROT_READ);
    mmap_anon(P(2), PAGE_SIZE, PROT_NONE);
    mmap_anon(P(4), PAGE_SIZE, PROT_WRITE); /* write-only still reads on x86 */

    /* write to a VMA without VM_WRITE */
    CHECK_EQ(fault(P(0) + 5, USER_WRITE, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.signo, FL_SIGSEGV);
    CHECK_EQ(res.si_code, SEGV_ACCERR);
    CHECK_EQ(res.fault_addr, P(0) + 5);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>bad_area_access_error");
    CHECK_EQ(last_event.outcome, OUTCOME_SIGSEGV);

    /* read of a present page that faulted anyway (X86_PF_PROT on a read) */
    fault(P(0), USER_READ, STACK_TOP, NULL);
    CHECK_EQ(fault(P(0), USER_READ | X86_PF_PROT, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.si_code, SEGV_ACCERR);

    /* read of a PROT_NONE VMA */
    CHECK_EQ(fault(P(2), USER_READ, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.si_code, SEGV_ACCERR);
    CHECK(pte_none(pte_at(P(2))));

    /* a write-only VMA may be read (VM_WRITE counts for access_error) */
    CHECK_EQ(fault(P(4), USER_READ, STACK_TOP, &res), FAULT_OK);

    /* no VMA at all, and a hole below a VMA that does not grow down */
    CHECK_EQ(fault(P(1), USER_READ, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.si_code, SEGV_MAPERR);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>bad_area");
    CHECK_EQ(last_event.vma_start, 0);
    CHECK_EQ(fault(0x100, USER_READ, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.si_code, SEGV_MAPERR);
    CHECK_EQ(fault(0x7fffffffffff0000UL, USER_READ, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.si_code, SEGV_MAPERR); /* past every VMA */

    /* a user access to a kernel address: MAPERR, with X86_PF_PROT forced into the code */
    CHECK_EQ(fault(0xffff888000001000UL, USER_READ, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.si_code, SEGV_MAPERR);
    CHECK_EQ(res.error_code, USER_READ | X86_PF_PROT);
    CHECK_STR(last_path, "__do_page_fault>do_kern_addr_fault>bad_area_nosemaphore");

    /* the same bad accesses from the kernel (copy_to_user) are fixed up: -EFAULT, no signal */
    CHECK_EQ(fault(P(1), X86_PF_WRITE, STACK_TOP, &res), FAULT_FIXUP);
    CHECK_EQ(last_event.outcome, OUTCOME_EFAULT);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>bad_area>no_context");
    CHECK_EQ(fault(P(0), X86_PF_WRITE, STACK_TOP, &res), FAULT_FIXUP);

    /* X86_PF_RSVD means corrupt tables: the task is killed */
    CHECK_EQ(fault(P(0), USER_READ | X86_PF_RSVD | X86_PF_PROT, STACK_TOP, &res), FAULT_KILL);
}

/* An instruction fetch from a non-executable VMA: mapped NX by the first fault, refused by
 * access_error on the second (present) fault, as on Linux. */
static void exec_of_noexec(void)
{
    struct fault_result res;
    mmap_anon(BASE, PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK_EQ(fault(P(0), USER_FETCH, STACK_TOP, &res), FAULT_OK);
    CHECK(!pte_exec(pte_at(P(0))));
    CHECK_EQ(fault(P(0), USER_FETCH | X86_PF_PROT, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.si_code, SEGV_ACCERR);
}

/* Kernel-mode faults (copy_to_user into a fresh buffer) resolve like user ones and are
 * logged without X86_PF_USER. */
static void kernel_mode_fault(void)
{
    mmap_anon(BASE, PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK_EQ(fault(P(0), X86_PF_WRITE, STACK_TOP, NULL), FAULT_OK);
    CHECK(!last_event.user);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_anonymous_page");
}

/* The PTE already allowed the access: only the accessed/dirty bits change (spurious). */
static void spurious_fault(void)
{
    mmap_anon(BASE, PAGE_SIZE, PROT_READ | PROT_WRITE);
    fault(P(0), USER_WRITE, STACK_TOP, NULL);
    pte_t *p = lookup_pte(test_task.mm, P(0));
    *p = pte_mkold(pte_mkclean(*p));
    CHECK_EQ(fault(P(0), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "pte_mkyoung");
    CHECK_EQ(last_event.outcome, OUTCOME_SPURIOUS);
    CHECK(pte_young(*p) && pte_dirty(*p));
}

/* Stack growth: accepted near sp, refused far below sp, within the guard gap, past the rlimit. */
static void stack_growth(void)
{
    struct mm_struct *mm = test_task.mm;
    unsigned long top = STACK_TOP, start = top - 32 * PAGE_SIZE;
    CHECK_EQ(setup_stack_vma(mm, start, top), 0);
    unsigned long sp = start + 64;

    /* just below the VMA and within 64 KiB + 256 bytes of sp: grows */
    CHECK_EQ(fault(start - 8, USER_WRITE, sp, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>expand_stack>handle_mm_fault>"
                         "handle_pte_fault>do_anonymous_page");
    CHECK_EQ(find_vma(mm, start - 8)->vm_start, start - PAGE_SIZE);
    CHECK_EQ(last_event.vma_start, start - PAGE_SIZE);

    /* far below sp: bad_area, the VMA does not move */
    struct fault_result res;
    unsigned long far = sp - 65536 - 32 * 8 - PAGE_SIZE;
    CHECK_EQ(fault(far, USER_WRITE, sp, &res), FAULT_SIGNAL);
    CHECK_EQ(res.si_code, SEGV_MAPERR);
    CHECK_EQ(find_vma(mm, start)->vm_start, start - PAGE_SIZE);

    /* a mapping 1 MiB + 2 pages below: growing within 256 pages of it is refused */
    unsigned long low_end = start - PAGE_SIZE - (256UL + 2) * PAGE_SIZE;
    mmap_anon(low_end - PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE);
    unsigned long into_gap = low_end + PAGE_SIZE;
    CHECK_EQ(fault(into_gap, USER_WRITE, into_gap + 64, &res), FAULT_SIGNAL);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>expand_stack>bad_area");
    /* but just outside the gap it grows */
    unsigned long ok = low_end + 256 * PAGE_SIZE;
    CHECK_EQ(fault(ok, USER_WRITE, ok + 64, &res), FAULT_OK);

    /* RLIMIT_STACK: a 64 KiB limit refuses growth past it */
    test_task.rlimit_stack = 64 << 10;
    unsigned long next = find_vma(mm, ok)->vm_start - PAGE_SIZE;
    CHECK_EQ(fault(next, USER_WRITE, next + 64, &res), FAULT_SIGNAL);
    test_task.rlimit_stack = 8 << 20;
}

/* File-backed private mapping: read fault with fault-around, private write copies. */
static void file_private_faults(void)
{
    struct file *f = memfile_open(20 * PAGE_SIZE + 100, 3, false);
    unsigned reads0 = memfile_reads();
    long addr = do_mmap(test_task.mm, f, BASE, 24 * PAGE_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_FIXED, 0);
    CHECK_EQ(addr, BASE);

    /* first read: a cache miss (major) in do_read_fault; read-around fills the cache, and the
     * fault's retry (4.20: VM_FAULT_RETRY after the I/O) maps its fault-around window */
    struct fault_result res;
    CHECK_EQ(fault(P(3) + 1, USER_READ, STACK_TOP, &res), FAULT_OK);
    CHECK(res.major);
    CHECK_EQ(last_event.outcome, OUTCOME_MAJOR);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_fault>do_read_fault");
    CHECK(memfile_reads() > reads0);
    CHECK_EQ(*user_byte(P(3) + 1), (unsigned char)((3 * PAGE_SIZE + 1) * 7 + 3));
    CHECK(!pte_write(pte_at(P(3))));

    CHECK(res.vm_fault & VM_FAULT_NOPAGE);
    for (int i = 0; i < 16; i++)
        CHECK(pte_present(pte_at(P(i)))); /* the whole aligned window is mapped */
    CHECK(pte_none(pte_at(P(16))));
    CHECK_EQ(test_task.mm->rss_stat[MM_FILEPAGES], 16);

    /* a private write to an unmapped page copies it (do_cow_fault): the file is untouched */
    CHECK_EQ(fault(P(17), USER_WRITE, STACK_TOP, &res), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_fault>do_cow_fault");
    CHECK(pte_write(pte_at(P(17))));
    CHECK(PageAnon(pfn_to_page(pte_pfn(pte_at(P(17))))));
    CHECK_EQ(*user_byte(P(17)), (unsigned char)((17 * PAGE_SIZE) * 7 + 3));

    /* a private write to a page mapped from the cache copies it (wp_page_copy) */
    CHECK_EQ(fault(P(3), USER_WRITE | X86_PF_PROT, STACK_TOP, &res), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_wp_page>wp_page_copy");
    CHECK_EQ(test_task.mm->rss_stat[MM_FILEPAGES], 15);
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 2);

    /* the last partial page is readable; the page after EOF inside the VMA is SIGBUS */
    CHECK_EQ(fault(P(20) + 50, USER_READ, STACK_TOP, &res), FAULT_OK);
    CHECK_EQ(fault(P(22), USER_READ, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.signo, FL_SIGBUS);
    CHECK_EQ(res.si_code, BUS_ADRERR);
    CHECK_EQ(last_event.outcome, OUTCOME_SIGBUS);
    CHECK_EQ(memfile_byte(f, 3 * PAGE_SIZE), (unsigned char)(3 * PAGE_SIZE * 7 + 3));
    fput(f);
}

/* fault-around off: each page is its own fault */
static void fault_around_off(void)
{
    fault_around_bytes = 0;
    struct file *f = memfile_open(8 * PAGE_SIZE, 1, false);
    do_mmap(test_task.mm, f, BASE, 8 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0);
    fault(P(0), USER_READ, STACK_TOP, NULL);
    CHECK(pte_none(pte_at(P(1))));
    struct fault_result res;
    fault(P(1), USER_READ, STACK_TOP, &res);
    CHECK(!res.major); /* read-around cached it */
    fput(f);
}

/* Shared file mapping: a write dirties the page-cache page, munmap writes it back. */
static void file_shared_write(void)
{
    struct file *f = memfile_open(4 * PAGE_SIZE, 9, true);
    do_mmap(test_task.mm, f, BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
            0);
    struct fault_result res;
    CHECK_EQ(fault(P(1), USER_WRITE, STACK_TOP, &res), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_fault>do_shared_fault");
    *user_byte(P(1) + 10) = 0xee;
    struct page *cached = find_get_page(f->f_mapping, 1);
    CHECK(cached && cached == pfn_to_page(pte_pfn(pte_at(P(1)))));
    put_page(cached);

    /* read first, then write: write-notify sends the write through wp_page_shared */
    fault(P(2), USER_READ, STACK_TOP, NULL);
    CHECK(!pte_write(pte_at(P(2))));
    CHECK_EQ(fault(P(2), USER_WRITE | X86_PF_PROT, STACK_TOP, &res), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_wp_page>wp_page_shared");
    *user_byte(P(2)) = 0x77;

    unsigned w = memfile_writes();
    CHECK_EQ(do_munmap(test_task.mm, BASE, 4 * PAGE_SIZE), 0);
    CHECK_EQ(memfile_writes(), w + 2);
    CHECK_EQ(memfile_byte(f, PAGE_SIZE + 10), 0xee);
    CHECK_EQ(memfile_byte(f, 2 * PAGE_SIZE), 0x77);
    CHECK_EQ(memfile_byte(f, 0), 9); /* clean pages are not written */
    fput(f);
}

/* Shared anonymous memory is shmem: pages are shared across fork, not copied. */
static void shared_anon(void)
{
    long a = do_mmap(test_task.mm, NULL, BASE, PAGE_SIZE, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, 0);
    CHECK_EQ(a, BASE);
    CHECK_EQ(fault(P(0), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_fault>do_shared_fault");
    CHECK_EQ(test_task.mm->rss_stat[MM_SHMEMPAGES], 1);
}

/* VMA split and merge through mmap, mprotect and munmap. */
static void vma_split_merge(void)
{
    mmap_anon(P(0), PAGE_SIZE, PROT_READ | PROT_WRITE);
    mmap_anon(P(1), PAGE_SIZE, PROT_READ | PROT_WRITE);
    mmap_anon(P(2), PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK_EQ(count_vmas(), 1); /* adjacent, same flags: one VMA */
    mmap_anon(P(3), PAGE_SIZE, PROT_READ);
    CHECK_EQ(count_vmas(), 2);

    fault(P(1), USER_WRITE, STACK_TOP, NULL);
    int flushes = tlb_flushes;
    CHECK_EQ(do_mprotect(test_task.mm, P(1), PAGE_SIZE, PROT_READ), 0);
    CHECK_EQ(count_vmas(), 4); /* [0] [1 ro] [2] [3 ro] */
    CHECK(!pte_write(pte_at(P(1))));
    CHECK(tlb_flushes > flushes);
    struct fault_result res;
    CHECK_EQ(fault(P(1), USER_WRITE | X86_PF_PROT, STACK_TOP, &res), FAULT_SIGNAL);

    CHECK_EQ(do_mprotect(test_task.mm, P(1), PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
    CHECK_EQ(count_vmas(), 2); /* merged back */
    /* writable again only after a write fault, which reuses the frame (mapcount 1) */
    CHECK(!pte_write(pte_at(P(1))));
    CHECK_EQ(fault(P(1), USER_WRITE | X86_PF_PROT, STACK_TOP, NULL), FAULT_OK);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_wp_page>wp_page_reuse");

    CHECK_EQ(do_munmap(test_task.mm, P(1), PAGE_SIZE), 0);
    CHECK_EQ(count_vmas(), 3);
    CHECK(pte_none(pte_at(P(1))));
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 0);
    CHECK_EQ(do_mprotect(test_task.mm, P(0), 3 * PAGE_SIZE, PROT_READ), -12); /* hole: ENOMEM */
    CHECK_EQ(test_task.mm->total_vm, 3);
}

/* One mprotect over several VMAs, where the first one's new rights merge it with the next (V8
 * freeing a code page in its MAP_NORESERVE reservation: [rw][none][rwx][none] -> none). Linux
 * goes on after the merged VMA; the model looked for the next VMA at the old boundary and
 * failed with ENOMEM. (MAP_NORESERVE: no VM_ACCOUNT on the pages made writable, so they merge.) */
static void mprotect_across_merge(void)
{
    CHECK_EQ(do_mmap(test_task.mm, NULL, P(0), 5 * PAGE_SIZE, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, 0),
             (long)P(0));
    CHECK_EQ(do_mprotect(test_task.mm, P(0), PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
    CHECK_EQ(do_mprotect(test_task.mm, P(2), 2 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
    CHECK_EQ(count_vmas(), 4); /* [rw] [none] [rwx rwx] [none] */
    fault(P(2), USER_WRITE, STACK_TOP, NULL);
    CHECK_EQ(do_mprotect(test_task.mm, P(0), 4 * PAGE_SIZE, PROT_NONE), 0);
    CHECK_EQ(count_vmas(), 1);
    CHECK_EQ(find_vma(test_task.mm, P(0))->vm_end, P(5));
    /* the page keeps its frame, but no access goes through: PROT_NONE clears _PAGE_PRESENT */
    CHECK(pte_present(pte_at(P(2))) && !(pte_at(P(2)).pte & _PAGE_PRESENT));
}

/* brk grows the heap as one VMA and shrinking unmaps. */
static void brk_grow_shrink(void)
{
    struct mm_struct *mm = test_task.mm;
    mm->start_brk = mm->brk = P(0);
    CHECK_EQ(do_brk(mm, P(0) + 100), P(0) + 100);
    CHECK_EQ(do_brk(mm, P(3)), P(3));
    CHECK_EQ(count_vmas(), 1);
    fault(P(2), USER_WRITE, STACK_TOP, NULL);
    CHECK_EQ(do_brk(mm, P(1)), P(1));
    CHECK(pte_none(pte_at(P(2))));
    CHECK_EQ(do_brk(mm, P(0) - PAGE_SIZE), P(1)); /* below start_brk: refused */
    CHECK_STR(vma_name(find_vma(mm, P(0))), "[heap]");
}

/* mremap moves PTEs with their pages: the data is there without a fault. */
static void mremap_move(void)
{
    mmap_anon(P(0), 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    mmap_anon(P(2), PAGE_SIZE, PROT_READ); /* blocks growth in place */
    fault(P(1), USER_WRITE, STACK_TOP, NULL);
    *user_byte(P(1) + 3) = 0x42;
    long n = do_mremap(test_task.mm, P(0), 2 * PAGE_SIZE, 8 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
    CHECK(n > 0 && (unsigned long)n != P(0));
    CHECK(pte_none(pte_at(P(1))));
    CHECK_EQ(*user_byte(n + PAGE_SIZE + 3), 0x42);
    CHECK(find_vma(test_task.mm, P(0))->vm_start == P(2));
    CHECK_EQ(do_mremap(test_task.mm, n, 8 * PAGE_SIZE, PAGE_SIZE, 0, 0), n); /* shrink */
    CHECK(pte_none(pte_at(n + PAGE_SIZE)));
}

/* madvise(MADV_DONTNEED): the next read of an anonymous page sees zeroes again. */
static void madvise_dontneed(void)
{
    mmap_anon(P(0), PAGE_SIZE, PROT_READ | PROT_WRITE);
    fault(P(0), USER_WRITE, STACK_TOP, NULL);
    *user_byte(P(0)) = 9;
    CHECK_EQ(do_madvise(test_task.mm, P(0), PAGE_SIZE, MADV_DONTNEED), 0);
    CHECK(pte_none(pte_at(P(0))));
    fault(P(0), USER_READ, STACK_TOP, NULL);
    CHECK(is_zero_pfn(pte_pfn(pte_at(P(0)))));
    CHECK_EQ(do_madvise(test_task.mm, P(0), PAGE_SIZE, 999), -22);
}

/* The checker catches what it promises to: a leaked reference and a PTE outside any VMA. */
static void invariant_checker(void)
{
    char msg[256];
    mmap_anon(P(0), PAGE_SIZE, PROT_READ | PROT_WRITE);
    fault(P(0), USER_WRITE, STACK_TOP, NULL);
    CHECK_EQ(check_mm_invariants(test_task.mm, msg, sizeof(msg)), 0);
    struct page *page = pfn_to_page(pte_pfn(pte_at(P(0))));
    get_page(page);
    CHECK_EQ(check_mm_invariants(test_task.mm, msg, sizeof(msg)), -1);
    CHECK(strstr(msg, "refcount") != NULL);
    put_page(page);
    test_task.mm->rss_stat[MM_ANONPAGES]++;
    CHECK_EQ(check_mm_invariants(test_task.mm, msg, sizeof(msg)), -1);
    CHECK(strstr(msg, "rss counter") != NULL);
    test_task.mm->rss_stat[MM_ANONPAGES]--;
    find_vma(test_task.mm, P(0))->vm_end = P(0) + PAGE_SIZE / 2;
    CHECK_EQ(check_mm_invariants(test_task.mm, msg, sizeof(msg)), -1);
    find_vma(test_task.mm, P(0))->vm_end = P(1);
}

/*
 * anon_vmas: the first write fault gives a VMA a root anon_vma; split pieces share it and merge
 * back; a VMA faulted apart next to a compatible neighbour with one takes it
 * (find_mergeable_anon_vma); after fork the child's VMA has its own whose parent and root are the
 * parent's, which outlives the parent's VMAs while the child's lineage needs it; the last
 * reference frees each; the checker sees a wrong refcount.
 */
static void anon_vma_identity(void)
{
    struct mm_struct *mm = test_task.mm;
    char msg[256];
    long alive = nr_anon_vmas;

    mmap_anon(P(0), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK(find_vma(mm, P(0))->anon_vma == NULL);
    fault(P(1), USER_READ, STACK_TOP, NULL); /* the zero page: still none */
    CHECK(find_vma(mm, P(0))->anon_vma == NULL);
    fault(P(1), USER_WRITE | X86_PF_PROT, STACK_TOP, NULL); /* wp_page_copy prepares it */
    struct anon_vma *av = find_vma(mm, P(0))->anon_vma;
    CHECK(av && av->root == av && av->parent == av && av->refcount == 1);
    CHECK_EQ(nr_anon_vmas, alive + 1);

    CHECK_EQ(do_mprotect(mm, P(1), PAGE_SIZE, PROT_READ), 0);
    CHECK_EQ(count_vmas(), 3);
    CHECK(find_vma(mm, P(0))->anon_vma == av && find_vma(mm, P(1))->anon_vma == av &&
          find_vma(mm, P(2))->anon_vma == av);
    CHECK_EQ(av->refcount, 3);
    CHECK_EQ(do_mprotect(mm, P(1), PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
    CHECK_EQ(count_vmas(), 1);
    CHECK_EQ(av->refcount, 1);

    /* [4] read-only next to [0, 4): compatible but for its rights, so its fault takes av */
    mmap_anon(P(4), PAGE_SIZE, PROT_READ);
    CHECK_EQ(count_vmas(), 2);
    CHECK_EQ(do_mprotect(mm, P(4), PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC), 0);
    fault(P(4), USER_WRITE, STACK_TOP, NULL);
    CHECK(find_vma(mm, P(4))->anon_vma == av);
    CHECK_EQ(av->refcount, 2);
    CHECK_EQ(nr_anon_vmas, alive + 1);
    CHECK_EQ(check_mm_invariants(mm, msg, sizeof(msg)), 0);

    struct mm_struct *child = mm_alloc();
    CHECK_EQ(dup_mmap(child, mm), 0);
    struct anon_vma *cav = find_vma(child, P(0))->anon_vma;
    CHECK(cav && cav != av && cav->parent == av && cav->root == av && cav->refcount == 1);
    CHECK(find_vma(child, P(4))->anon_vma != cav); /* one per VMA copied */
    CHECK_EQ(av->refcount, 4);                     /* two VMAs, two children */
    CHECK_EQ(nr_anon_vmas, alive + 3);
    CHECK_EQ(check_mm_invariants(child, msg, sizeof(msg)), 0);

    /* the parent's VMAs go; its anon_vma stays, the children's parent */
    CHECK_EQ(do_munmap(mm, P(0), 5 * PAGE_SIZE), 0);
    CHECK_EQ(av->refcount, 2);
    CHECK_EQ(check_mm_invariants(mm, msg, sizeof(msg)), 0);
    cav->refcount++;
    CHECK_EQ(check_mm_invariants(mm, msg, sizeof(msg)), -1);
    CHECK(strstr(msg, "anon_vma refcount") != NULL);
    cav->refcount--;
    mmput(child);
    CHECK_EQ(nr_anon_vmas, alive);
}

/* /proc/PID/maps lines in the kernel's format. */
static void maps_format(void)
{
    char line[256];
    mmap_anon(P(0), 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    format_maps_line(find_vma(test_task.mm, P(0)), line, sizeof(line));
    CHECK_STR(line, "10000000-10002000 rw-p 00000000 00:00 0");
}

/* The CPU's translated code is found by frame: unmapping a page leaves it alone (another
 * process may map the frame), freeing the frame reports it, once, if the CPU marked it
 * (PG_arch_1), and an unmarked frame is not reported. A COW copy frees nothing. */
static void freed_code_frame_reported(void)
{
    mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
    CHECK_EQ(fault(P(0), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    CHECK_EQ(fault(P(1), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    SetPageArch1(pfn_to_page(pte_pfn(pte_at(P(0)))));
    CHECK_EQ(do_munmap(test_task.mm, P(1), PAGE_SIZE), 0);
    CHECK_EQ(code_frees, 0);
    struct page *code = pfn_to_page(pte_pfn(pte_at(P(0))));
    CHECK_EQ(do_munmap(test_task.mm, P(0), PAGE_SIZE), 0);
    CHECK_EQ(code_frees, 1);
    CHECK(!PageArch1(code));
}

/* Freed frames come back most recently freed first (the free list runs through the free
 * frames' struct page); a freed frame is zeroed again before an anonymous fault maps it, and
 * a never-used frame is handed out only when no freed one is left. */
static void freed_frames_reused_first(void)
{
    mmap_anon(BASE, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(fault(P(i), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    unsigned long a = pte_pfn(pte_at(P(0))), b = pte_pfn(pte_at(P(2)));
    memset(pfn_address(a), 0x5a, PAGE_SIZE);
    unsigned long free_before = nr_free_pages();
    CHECK_EQ(do_munmap(test_task.mm, P(0), PAGE_SIZE), 0);
    CHECK_EQ(do_munmap(test_task.mm, P(2), PAGE_SIZE), 0);
    CHECK_EQ(nr_free_pages(), free_before + 2);
    CHECK(pfn_to_page(a)->flags & (1UL << PG_buddy));
    mmap_anon(P(4), 3 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    for (int i = 4; i < 7; i++)
        CHECK_EQ(fault(P(i), USER_WRITE, STACK_TOP, NULL), FAULT_OK);
    CHECK_EQ(pte_pfn(pte_at(P(4))), b);
    CHECK_EQ(pte_pfn(pte_at(P(5))), a);
    CHECK_EQ(*(unsigned char *)pfn_address(a), 0);
    CHECK(pte_pfn(pte_at(P(6))) != a && pte_pfn(pte_at(P(6))) != b);
    CHECK_EQ(nr_free_pages(), free_before - 1);
}

static const struct model_test tests[] = {
    {"anon_write_fresh", anon_write_fresh},
    {"anon_read_then_write", anon_read_then_write},
    {"cow_reuse_vs_copy", cow_reuse_vs_copy},
    {"fork_shared_untouched", fork_shared_untouched},
    {"access_errors", access_errors},
    {"exec_of_noexec", exec_of_noexec},
    {"kernel_mode_fault", kernel_mode_fault},
    {"spurious_fault", spurious_fault},
    {"stack_growth", stack_growth},
    {"file_private_faults", file_private_faults},
    {"fault_around_off", fault_around_off},
    {"file_shared_write", file_shared_write},
    {"freed_code_frame_reported", freed_code_frame_reported},
    {"freed_frames_reused_first", freed_frames_reused_first},
    {"shared_anon", shared_anon},
    {"vma_split_merge", vma_split_merge},
    {"mprotect_across_merge", mprotect_across_merge},
    {"brk_grow_shrink", brk_grow_shrink},
    {"mremap_move", mremap_move},
    {"madvise_dontneed", madvise_dontneed},
    {"invariant_checker", invariant_checker},
    {"anon_vma_identity", anon_vma_identity},
    {"maps_format", maps_format},
};

int main(int argc, char **argv)
{
    return run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
