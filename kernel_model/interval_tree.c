/*
 * interval_tree.c - the anonymous reverse map's index: every VMA with an anon_vma, in any mm, by
 * the range of page indexes it covers (models the anon_vma interval tree of mm/interval_tree.c
 * of Linux 4.20).
 *
 * An anonymous page's index is its linear index (rmap.c sets it at the first mapping, move_pte
 * keeps it when mremap moves the page, fork's copies keep vm_pgoff), and a VMA that maps it has
 * an anon_vma and covers it: vm_pgoff <= index < vm_pgoff + vma_pages (vma_address). Linux finds
 * those VMAs in the interval tree of the page's anon_vma; the model's struct page does not name
 * its anon_vma, so one tree holds the VMAs of every anon_vma, and a page's walk (rmap_walk_anon,
 * vmscan.c) asks it for the VMAs whose range holds the index. Those of other lineages that happen
 * to cover the same index are asked too, and their PTE names another frame.
 *
 * The tree is an augmented rbtree (rbtree.c) ordered by vm_pgoff (equal keys in insertion
 * order), each node keeping the largest last index of its subtree (anon_subtree_last), so that a
 * query skips every subtree that ends below the index and every right subtree of a node that
 * starts above it.
 *
 * Membership: a VMA is in the tree exactly while it is in an mm's list (vm_linked) and has an
 * anon_vma. vma_link_after and vma_unlink (mmap.c) put it in and take it out; rmap.c's
 * anon_vma_prepare, anon_vma_clone, anon_vma_fork and unlink_anon_vmas do when a linked VMA gains
 * or loses its anon_vma. Whoever changes vm_start, vm_end or vm_pgoff of a linked VMA takes it
 * out first (anon_vma_interval_tree_pre_update_vma) and puts it back after
 * (anon_vma_interval_tree_post_update_vma), as 4.20's __vma_adjust and expand_downwards do.
 * check_mm_invariants (debug.c) compares the tree with the VMA lists of every live mm.
 */
#include "kernel_model/mm_internal.h"

struct rb_root anon_vma_tree;

unsigned long anon_vma_last_pgoff(const struct vm_area_struct *vma)
{
    return vma->vm_pgoff + ((vma->vm_end - vma->vm_start) >> PAGE_SHIFT) - 1;
}

static struct vm_area_struct *anon_node(const struct rb_node *n)
{
    return n ? rb_entry(n, struct vm_area_struct, anon_rb) : NULL;
}

unsigned long anon_vma_compute_subtree_last(const struct vm_area_struct *vma)
{
    unsigned long last = anon_vma_last_pgoff(vma);
    const struct vm_area_struct *l = anon_node(vma->anon_rb.rb_left),
                                *r = anon_node(vma->anon_rb.rb_right);
    if (l && l->anon_subtree_last > last)
        last = l->anon_subtree_last;
    if (r && r->anon_subtree_last > last)
        last = r->anon_subtree_last;
    return last;
}

/* The rb_augment_fn of anon_vma_tree. */
static void anon_vma_tree_augment(struct rb_node *n)
{
    struct vm_area_struct *vma = anon_node(n);
    vma->anon_subtree_last = anon_vma_compute_subtree_last(vma);
}

static void anon_vma_interval_tree_insert(struct vm_area_struct *vma)
{
    struct rb_node **link = &anon_vma_tree.rb_node, *parent = NULL;
    while (*link) {
        parent = *link;
        link = vma->vm_pgoff < anon_node(parent)->vm_pgoff ? &parent->rb_left : &parent->rb_right;
    }
    rb_link_node(&vma->anon_rb, parent, link);
    rb_insert_augmented(&vma->anon_rb, &anon_vma_tree, anon_vma_tree_augment);
    vma->anon_indexed = true;
}

void anon_vma_interval_tree_pre_update_vma(struct vm_area_struct *vma)
{
    if (!vma->anon_indexed)
        return;
    rb_erase_augmented(&vma->anon_rb, &anon_vma_tree, anon_vma_tree_augment);
    vma->anon_indexed = false;
}

void anon_vma_interval_tree_post_update_vma(struct vm_area_struct *vma)
{
    bool belongs = vma->vm_linked && vma->anon_vma;
    if (belongs && !vma->anon_indexed)
        anon_vma_interval_tree_insert(vma);
    else if (!belongs)
        anon_vma_interval_tree_pre_update_vma(vma);
}

/* The VMAs of n's subtree whose range holds index, in the tree's order; false once fn stopped. */
static bool foreach_in_subtree(struct rb_node *n, unsigned long index,
                               bool (*fn)(struct vm_area_struct *vma, void *ctx), void *ctx)
{
    while (n) {
        struct vm_area_struct *vma = anon_node(n);
        if (vma->anon_subtree_last < index) /* everything here ends below it */
            return true;
        if (!foreach_in_subtree(n->rb_left, index, fn, ctx))
            return false;
        if (vma->vm_pgoff > index) /* this VMA and all right of it start above it */
            return true;
        if (anon_vma_last_pgoff(vma) >= index && !fn(vma, ctx))
            return false;
        n = n->rb_right;
    }
    return true;
}

void anon_vma_interval_tree_foreach(unsigned long index,
                                    bool (*fn)(struct vm_area_struct *vma, void *ctx), void *ctx)
{
    foreach_in_subtree(anon_vma_tree.rb_node, index, fn, ctx);
}
