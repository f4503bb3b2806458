/*
 * test_userfaultfd.c - the model's userfaultfd (kernel_model/userfaultfd.c) without the file:
 * registration splitting and merging VMAs, a missing page queued and slept on, filled by
 * UFFDIO_COPY and UFFDIO_ZEROPAGE, woken, the errors, UFFD_FEATURE_SIGBUS, a kernel-mode
 * access, fork, and the context outliving its file while a fault still holds it.
 *
 * Run one test: test_userfaultfd NAME; no argument runs all.
 */
#include <errno.h>

#include "kernel_model/userfaultfd_k.h"
#include "tests/unit/model_test.h"

#define BASE      0x10000000UL
#define STACK_TOP 0x7ffffffff000UL
#define P(n)      (BASE + (unsigned long)(n)*PAGE_SIZE)

static struct userfaultfd_ctx *ready_ctx(uint64_t features)
{
    struct userfaultfd_ctx *ctx = userfaultfd_ctx_create(test_task.mm, 0);
    uint64_t ioctls;
    CHECK_EQ(userfaultfd_api(ctx, UFFD_API, &features, &ioctls), 0);
    CHECK_EQ(ioctls, UFFD_API_IOCTLS);
    return ctx;
}

static struct vm_area_struct *vma_at(unsigned long addr)
{
    return find_vma(test_task.mm, addr);
}

/* Registering part of a VMA splits it; unregistering merges it back; closing the file too. */
static void register_split_merge(void)
{
    mmap_anon(BASE, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    struct userfaultfd_ctx *ctx = ready_ctx(0);
    uint64_t ioctls = 0;
    CHECK_EQ(userfaultfd_register(ctx, P(2), 4 * PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls),
             0);
    CHECK_EQ(ioctls, UFFD_API_RANGE_IOCTLS);
    CHECK_EQ(count_vmas(), 3);
    CHECK(vma_at(P(2))->vm_start == P(2) && vma_at(P(2))->vm_end == P(6));
    CHECK(userfaultfd_missing(vma_at(P(3))) && vma_at(P(3))->vm_userfaultfd_ctx == ctx);
    CHECK(!userfaultfd_missing(vma_at(P(0))) && !userfaultfd_missing(vma_at(P(7))));
    assert_invariants("after register");

    /* a second context may not take the same pages; the first may again (nothing changes) */
    struct userfaultfd_ctx *other = ready_ctx(0);
    CHECK_EQ(
        userfaultfd_register(other, P(5), 2 * PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls),
        -EBUSY);
    CHECK_EQ(userfaultfd_register(ctx, P(3), PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls), 0);
    CHECK_EQ(count_vmas(), 3);
    /* next to ctx's range, other's pages do not merge with it */
    CHECK_EQ(userfaultfd_register(other, P(6), PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls),
             0);
    CHECK_EQ(count_vmas(), 4);
    userfaultfd_release(other);
    CHECK_EQ(count_vmas(), 3);

    CHECK_EQ(userfaultfd_unregister(ctx, P(2), 4 * PAGE_SIZE), 0);
    CHECK_EQ(count_vmas(), 1);
    CHECK(!userfaultfd_missing(vma_at(P(3))) && !vma_at(P(3))->vm_userfaultfd_ctx);

    CHECK_EQ(userfaultfd_register(ctx, BASE, 8 * PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls),
             0);
    CHECK_EQ(count_vmas(), 1);
    userfaultfd_release(ctx);
    CHECK_EQ(count_vmas(), 1);
    CHECK(!userfaultfd_missing(vma_at(P(0))));
    assert_invariants("after release");
}

/* The checks of UFFDIO_API, REGISTER and the fills. */
static void errors(void)
{
    mmap_anon(BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    struct userfaultfd_ctx *ctx = userfaultfd_ctx_create(test_task.mm, 0);
    uint64_t features = 1ULL << 1 /* EVENT_FORK: not modeled */, ioctls = 1;
    CHECK_EQ(userfaultfd_api(ctx, UFFD_API, &features, &ioctls), -EINVAL);
    CHECK(features == 0 && ioctls == 0);
    features = 0;
    CHECK_EQ(userfaultfd_api(ctx, UFFD_API, &features, &ioctls), 0);
    CHECK_EQ(userfaultfd_api(ctx, UFFD_API, &features, &ioctls), -EINVAL); /* only once */

    unsigned long m = UFFDIO_REGISTER_MODE_MISSING;
    CHECK_EQ(userfaultfd_register(ctx, P(0) + 1, PAGE_SIZE, m, &ioctls), -EINVAL);
    CHECK_EQ(userfaultfd_register(ctx, P(0), 0, m, &ioctls), -EINVAL);
    CHECK_EQ(userfaultfd_register(ctx, P(0), PAGE_SIZE, 0, &ioctls), -EINVAL);
    CHECK_EQ(userfaultfd_register(ctx, P(0), PAGE_SIZE, UFFDIO_REGISTER_MODE_WP, &ioctls), -EINVAL);
    CHECK_EQ(userfaultfd_register(ctx, 0, PAGE_SIZE, m, &ioctls), -EINVAL);      /* mmap_min_addr */
    CHECK_EQ(userfaultfd_register(ctx, P(100), PAGE_SIZE, m, &ioctls), -ENOMEM); /* no VMA */
    mmap_anon(P(200), PAGE_SIZE, PROT_READ | PROT_WRITE);
    CHECK_EQ(userfaultfd_register(ctx, P(100), PAGE_SIZE, m, &ioctls), -EINVAL); /* a hole */
    long sh = do_mmap(test_task.mm, NULL, P(50), PAGE_SIZE, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, 0);
    CHECK_EQ(sh, P(50));
    CHECK_EQ(userfaultfd_register(ctx, P(50), PAGE_SIZE, m, &ioctls), -EINVAL); /* shmem */
    CHECK_EQ(count_vmas(), 3);

    static unsigned char src[PAGE_SIZE];
    CHECK_EQ(mfill_atomic_pte(ctx, P(0), PAGE_SIZE, P(0), src), -ENOENT); /* not registered */
    CHECK_EQ(userfaultfd_register(ctx, P(0), 2 * PAGE_SIZE, m, &ioctls), 0);
    CHECK_EQ(mfill_atomic_pte(ctx, P(1), 2 * PAGE_SIZE, P(1), src), -ENOENT); /* past the VMA */
    CHECK_EQ(mfill_atomic_pte(ctx, P(0), PAGE_SIZE, P(0), NULL), 0);
    CHECK_EQ(mfill_atomic_pte(ctx, P(0), PAGE_SIZE, P(0), src), -EEXIST);
    pte_t z = pte_at(P(0));
    CHECK(pte_present(z) && pte_special(z) && !pte_write(z) && is_zero_pfn(pte_pfn(z)));
    userfaultfd_release(ctx);
}

/* A missing page: queued, slept on, filled, woken, the access made again; major once. */
static void fault_waits_for_copy(void)
{
    mmap_anon(BASE, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    struct userfaultfd_ctx *ctx = ready_ctx(UFFD_FEATURE_THREAD_ID);
    uint64_t ioctls;
    CHECK_EQ(userfaultfd_register(ctx, BASE, 4 * PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls),
             0);
    struct fault_result res;
    CHECK_EQ(fault(P(1) + 100, USER_WRITE, STACK_TOP, &res), FAULT_WAIT);
    CHECK_STR(last_path, "__do_page_fault>do_user_addr_fault>handle_mm_fault>handle_pte_fault>"
                         "do_anonymous_page>handle_userfault");
    CHECK_EQ(last_event.outcome, OUTCOME_USERFAULT);
    CHECK_EQ(pte_val(pte_at(P(1))), 0);
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 0); /* the page taken was given back */
    CHECK(userfaultfd_has_pending(ctx) && !userfaultfd_wait_woken(&test_task));
    CHECK_EQ(ctx->refcount, 2);

    struct userfaultfd_wait *w = userfaultfd_next_unread(ctx);
    CHECK(w && w->address == P(1) && w->write && w->tsk == &test_task);
    CHECK(!userfaultfd_has_pending(ctx) && !userfaultfd_next_unread(ctx));

    static unsigned char src[PAGE_SIZE];
    memset(src, 0xab, sizeof(src));
    CHECK_EQ(mfill_atomic_pte(ctx, P(1), PAGE_SIZE, P(1), src), 0);
    pte_t pte = pte_at(P(1));
    CHECK(pte_present(pte) && pte_write(pte) && pte_dirty(pte));
    CHECK_EQ(*(unsigned char *)pfn_address(pte_pfn(pte)), 0xab);
    CHECK_EQ(test_task.mm->rss_stat[MM_ANONPAGES], 1);
    CHECK(!userfaultfd_wait_woken(&test_task)); /* the copy alone does not wake */
    CHECK_EQ(userfaultfd_wake(ctx, P(0), PAGE_SIZE), 0);
    CHECK(!userfaultfd_wait_woken(&test_task)); /* not its page */
    CHECK_EQ(userfaultfd_wake(ctx, P(1), PAGE_SIZE), 0);
    CHECK(userfaultfd_wait_woken(&test_task));
    unsigned long maj = test_task.maj_flt;
    CHECK(userfaultfd_wait_done(&test_task) == ctx);
    CHECK_EQ(test_task.maj_flt, maj + 1);
    CHECK_EQ(ctx->refcount, 1);
    CHECK(!test_task.uffd_wait && !ctx->waiters);

    /* a read of another page: queued as a read; closing the file wakes it, and the context
     * lives until the fault lets go of it */
    CHECK_EQ(fault(P(2), USER_READ, STACK_TOP, &res), FAULT_WAIT);
    CHECK(!test_task.uffd_wait->write);
    userfaultfd_release(ctx);
    CHECK(userfaultfd_wait_woken(&test_task));
    CHECK(!userfaultfd_missing(vma_at(P(2))));
    CHECK(userfaultfd_wait_done(&test_task) == NULL); /* the last reference: freed */
    CHECK_EQ(fault(P(2), USER_READ, STACK_TOP, &res), FAULT_OK);
    CHECK(is_zero_pfn(pte_pfn(pte_at(P(2)))));
    assert_invariants("after the waits");
}

/* UFFD_FEATURE_SIGBUS, and a kernel-mode access (copy_to_user): the error at once, unless in a
 * system call that can run again (then it waits), and never under UFFD_USER_MODE_ONLY. */
static void sigbus_and_kernel_mode(void)
{
    mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    struct userfaultfd_ctx *bus = ready_ctx(UFFD_FEATURE_SIGBUS);
    uint64_t ioctls;
    CHECK_EQ(userfaultfd_register(bus, P(0), PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls), 0);
    struct fault_result res;
    CHECK_EQ(fault(P(0) + 8, USER_READ, STACK_TOP, &res), FAULT_SIGNAL);
    CHECK_EQ(res.signo, 7 /* SIGBUS */);
    CHECK_EQ(res.fault_addr, P(0) + 8);
    CHECK(!test_task.uffd_wait && !bus->waiters);

    struct userfaultfd_ctx *ctx = ready_ctx(0);
    CHECK_EQ(userfaultfd_register(ctx, P(1), PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls), 0);
    CHECK_EQ(fault(P(1), X86_PF_WRITE, STACK_TOP, &res), FAULT_FIXUP); /* -EFAULT */
    CHECK(!test_task.uffd_wait && !ctx->waiters);
    /* in a system call that can run again, the kernel-mode access waits as a user one */
    test_task.uffd_kernel_wait = true;
    CHECK_EQ(fault(P(1), X86_PF_WRITE, STACK_TOP, &res), FAULT_WAIT);
    CHECK(test_task.uffd_wait && test_task.uffd_wait->write && ctx->waiters);
    CHECK(userfaultfd_wait_done(&test_task) == ctx);
    /* but not for a context made with UFFD_USER_MODE_ONLY */
    struct userfaultfd_ctx *user_only = userfaultfd_ctx_create(test_task.mm, UFFD_USER_MODE_ONLY);
    uint64_t features = 0;
    CHECK_EQ(userfaultfd_api(user_only, UFFD_API, &features, &ioctls), 0);
    CHECK_EQ(userfaultfd_unregister(ctx, P(1), PAGE_SIZE), 0);
    CHECK_EQ(
        userfaultfd_register(user_only, P(1), PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls), 0);
    CHECK_EQ(fault(P(1), X86_PF_WRITE, STACK_TOP, &res), FAULT_FIXUP);
    CHECK(!test_task.uffd_wait);
    test_task.uffd_kernel_wait = false;
    userfaultfd_release(user_only);
    userfaultfd_release(bus);
    userfaultfd_release(ctx);
}

/* fork: the child's copy of a registered VMA is not registered (no UFFD_FEATURE_EVENT_FORK). */
static void fork_unregisters(void)
{
    mmap_anon(BASE, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
    struct userfaultfd_ctx *ctx = ready_ctx(0);
    uint64_t ioctls;
    CHECK_EQ(userfaultfd_register(ctx, BASE, 2 * PAGE_SIZE, UFFDIO_REGISTER_MODE_MISSING, &ioctls),
             0);
    struct mm_struct *child = mm_alloc();
    CHECK(child != NULL);
    CHECK_EQ(dup_mmap(child, test_task.mm), 0);
    struct vm_area_struct *v = find_vma(child, BASE);
    CHECK(v && !userfaultfd_missing(v) && !v->vm_userfaultfd_ctx);
    CHECK(userfaultfd_missing(vma_at(BASE)));
    mmput(child);
    userfaultfd_release(ctx);
}

static const struct model_test tests[] = {
    {"register_split_merge", register_split_merge},
    {"errors", errors},
    {"fault_waits_for_copy", fault_waits_for_copy},
    {"sigbus_and_kernel_mode", sigbus_and_kernel_mode},
    {"fork_unregisters", fork_unregisters},
};

int main(int argc, char **argv)
{
    return run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
