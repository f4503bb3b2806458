/*
 * test_vma_tree.c - the augmented red-black tree (kernel_model/rbtree.c) and the mm's use of it:
 * find_vma and get_unmapped_area over a tree of VMAs must answer as a walk of the sorted list
 * does, after any sequence of mmap, munmap, mprotect, mremap and stack growth.
 */
#include <errno.h>
#include <stdint.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/rbtree.h"
#include "tests/unit/model_test.h"

/* A deterministic generator, so that a failure repeats (xorshift64). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(uint64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

/* ---- the tree alone: values in order, each node with the largest value of its subtree ---- */

struct item {
    struct rb_node rb;
    unsigned value, subtree_max;
};

static unsigned item_max(const struct rb_node *n)
{
    return n ? rb_entry(n, struct item, rb)->subtree_max : 0;
}

static void item_augment(struct rb_node *n)
{
    struct item *it = rb_entry(n, struct item, rb);
    unsigned m = it->value, l = item_max(n->rb_left), r = item_max(n->rb_right);
    it->subtree_max = l > m ? (l > r ? l : r) : (m > r ? m : r);
}

/* The largest value of n's subtree, counted the slow way. */
static unsigned slow_max(const struct rb_node *n)
{
    if (!n)
        return 0;
    unsigned m = rb_entry(n, struct item, rb)->value, l = slow_max(n->rb_left),
             r = slow_max(n->rb_right);
    return l > m ? (l > r ? l : r) : (m > r ? m : r);
}

/* The tree agrees with order[0..n): same nodes in the same order, valid, maxima current. */
static void check_tree(struct rb_root *root, struct item **order, int n)
{
    const char *why = NULL;
    long count = rb_check(root, &why);
    if (count != n) {
        fprintf(stderr, "rb_check: %ld nodes for %d (%s)\n", count, n, why ? why : "");
        test_failures++;
        return;
    }
    struct rb_node *node = rb_first(root);
    for (int i = 0; i < n; i++, node = rb_next(node)) {
        CHECK(node == &order[i]->rb);
        CHECK_EQ(order[i]->subtree_max, slow_max(&order[i]->rb));
        if (i)
            CHECK(rb_prev(node) == &order[i - 1]->rb);
    }
    CHECK(node == NULL);
    CHECK(rb_last(root) == (n ? &order[n - 1]->rb : NULL));
}

/* Insert at random places (next to a neighbour, as the mm does) and erase random nodes,
 * checking the whole tree after every step. */
static void rbtree_augmented_random(void)
{
    enum { STEPS = 3000, MAX = 400 };
    static struct item items[STEPS], *order[STEPS];
    struct rb_root root = {NULL};
    int n = 0;

    for (int step = 0; step < STEPS && !test_failures; step++) {
        if (n && (rnd(3) == 0 || n == MAX)) {
            int i = (int)rnd(n);
            rb_erase_augmented(&order[i]->rb, &root, item_augment);
            memmove(&order[i], &order[i + 1], (n - i - 1) * sizeof(*order));
            n--;
        } else {
            struct item *it = &items[step];
            int i = (int)rnd(n + 1); /* it goes before order[i] */
            it->value = (unsigned)rnd(1000000);
            struct rb_node *next = i < n ? &order[i]->rb : NULL;
            if (next && !next->rb_left)
                rb_link_node(&it->rb, next, &next->rb_left);
            else if (i > 0)
                rb_link_node(&it->rb, &order[i - 1]->rb, &order[i - 1]->rb.rb_right);
            else
                rb_link_node(&it->rb, NULL, &root.rb_node);
            rb_insert_augmented(&it->rb, &root, item_augment);
            memmove(&order[i + 1], &order[i], (n - i) * sizeof(*order));
            order[i] = it;
            n++;
        }
        check_tree(&root, order, n);
        /* a value changing in place: the path to the root catches up */
        if (n && rnd(4) == 0) {
            struct item *it = order[rnd(n)];
            it->value = (unsigned)rnd(1000000);
            rb_augment_path(&it->rb, item_augment);
            check_tree(&root, order, n);
        }
    }
}

/* ---- the mm: the tree's answers against a walk of the list ---- */

static unsigned long start_gap(const struct vm_area_struct *v)
{
    unsigned long s = v->vm_start;
    if (v->vm_flags & VM_GROWSDOWN)
        s = s > stack_guard_gap ? s - stack_guard_gap : 0;
    return s;
}

/* get_unmapped_area without a hint, by walking the sorted list: the highest gap below
 * mmap_base, else the lowest above it (the model's algorithm before it had the tree). */
static unsigned long list_unmapped_area(struct mm_struct *mm, unsigned long len)
{
    unsigned long best = -ENOMEM, high = mm->mmap_base, prev_end = mmap_min_addr;
    for (struct vm_area_struct *v = mm->mmap;; v = v->vm_next) {
        unsigned long gap_end = v ? start_gap(v) : mm->task_size;
        if (gap_end > high)
            gap_end = high;
        if (gap_end > prev_end && gap_end - prev_end >= len)
            best = gap_end - len;
        if (!v || v->vm_end >= high)
            break;
        prev_end = v->vm_end;
    }
    if ((long)best >= 0)
        return best;
    prev_end = mm->mmap_base;
    for (struct vm_area_struct *v = mm->mmap;; v = v->vm_next) {
        if (v && v->vm_end <= prev_end)
            continue;
        unsigned long gap_end = v ? start_gap(v) : mm->task_size;
        if (gap_end > prev_end && gap_end - prev_end >= len)
            return prev_end;
        if (!v)
            break;
        prev_end = v->vm_end;
    }
    return -ENOMEM;
}

static struct vm_area_struct *list_find_vma(struct mm_struct *mm, unsigned long addr)
{
    struct vm_area_struct *v = mm->mmap;
    while (v && v->vm_end <= addr)
        v = v->vm_next;
    return v;
}

/* Random address-space changes in a small window at the top of the mmap area and around a
 * stack, so that gaps open, close and fill; after each, every lookup the tree answers is
 * compared with the list's answer. */
static void vma_tree_matches_list(void)
{
    struct mm_struct *mm = test_task.mm;
    /* a small window: mmap_base just above a stack-like VMA, so both searches get used */
    const unsigned long base = 0x10000000UL, window = 512 * PAGE_SIZE;
    mm->mmap_base = base + window;
    /* little room below mmap_base, so that searches often go on above it */
    unsigned long saved_min_addr = mmap_min_addr;
    mmap_min_addr = base - 64 * PAGE_SIZE;
    CHECK_EQ(do_mmap(mm, NULL, base + window + 64 * PAGE_SIZE, 8 * PAGE_SIZE,
                     PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, 0),
             base + window + 64 * PAGE_SIZE);
    for (int step = 0; step < 4000 && !test_failures; step++) {
        unsigned long addr = base - 64 * PAGE_SIZE + rnd(window / PAGE_SIZE + 192) * PAGE_SIZE;
        unsigned long len = (1 + rnd(rnd(4) ? 4 : 40)) * PAGE_SIZE;
        int prot = rnd(2) ? PROT_READ : PROT_READ | PROT_WRITE;
        switch (rnd(6)) {
        case 0:
        case 1:
            do_mmap(mm, NULL, 0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, 0);
            break;
        case 2:
            do_mmap(mm, NULL, addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
            break;
        case 3:
            do_munmap(mm, addr, len);
            break;
        case 4:
            do_mprotect(mm, addr, len, prot);
            break;
        default: {
            struct vm_area_struct *v = find_vma(mm, addr);
            if (v && v->vm_start <= addr)
                do_mremap(mm, v->vm_start, v->vm_end - v->vm_start, v->vm_end - v->vm_start + len,
                          MREMAP_MAYMOVE, 0);
            break;
        }
        }
        assert_invariants("vma_tree_matches_list");
        for (int k = 0; k < 4; k++) {
            unsigned long want = (1 + rnd(k < 2 ? 8 : 600)) * PAGE_SIZE;
            unsigned long got = get_unmapped_area(mm, NULL, 0, want, 0, MAP_PRIVATE);
            unsigned long expect = list_unmapped_area(mm, want);
            if (got != expect) {
                fprintf(stderr, "step %d: get_unmapped_area(%lx) = %lx, the list says %lx\n", step,
                        want, got, expect);
                test_failures++;
            }
            unsigned long probe = base - 80 * PAGE_SIZE + rnd(window + 256 * PAGE_SIZE);
            mm->vmacache = NULL;
            CHECK(find_vma(mm, probe) == list_find_vma(mm, probe));
        }
    }
    mmap_min_addr = saved_min_addr;
}

/* Thousands of VMAs that cannot merge, mapped one under the other and unmapped in another
 * order: the count and the places are as with few. */
static void many_vmas(void)
{
    struct mm_struct *mm = test_task.mm;
    enum { N = 4000 };
    unsigned long first = 0, prev = 0;
    for (int i = 0; i < N; i++) {
        long a = do_mmap(mm, NULL, 0, PAGE_SIZE, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, 0);
        if (i == 0)
            first = a;
        else if ((unsigned long)a != prev - PAGE_SIZE) {
            CHECK_EQ(a, prev - PAGE_SIZE); /* top down, each right below the last */
            return;
        }
        prev = a;
    }
    CHECK_EQ(count_vmas(), N);
    assert_invariants("many_vmas mapped");
    /* every other one goes: the holes are one page, too small for two pages */
    for (int i = 0; i < N; i += 2)
        CHECK_EQ(do_munmap(mm, first - (unsigned long)i * PAGE_SIZE, PAGE_SIZE), 0);
    CHECK_EQ(count_vmas(), N / 2);
    CHECK_EQ(
        do_mmap(mm, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0),
        first); /* the highest one-page hole */
    CHECK_EQ(do_mmap(mm, NULL, 0, 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0),
             prev - 2 * PAGE_SIZE); /* no hole holds two pages: below them all */
    assert_invariants("many_vmas");
}

static const struct model_test tests[] = {
    {"rbtree_augmented_random", rbtree_augmented_random},
    {"vma_tree_matches_list", vma_tree_matches_list},
    {"many_vmas", many_vmas},
};

int main(int argc, char **argv)
{
    return run_tests(tests, sizeof(tests) / sizeof(tests[0]), argc, argv);
}
