/*
 * rbtree.h - an augmented red-black tree (models include/linux/rbtree.h and
 * rbtree_augmented.h of Linux 4.20). The mm keeps its VMAs in one, as Linux does beside the
 * sorted list, so that find_vma and the search for a free gap take O(log n) steps with tens of
 * thousands of VMAs.
 *
 * The tree does not compare keys: the caller finds the place (rb_link_node) and the tree only
 * rebalances. An augmented tree keeps a value per node that is a function of the node and its
 * two subtrees (the largest free gap below any VMA of the subtree, for the mm); the caller gives
 * the function that recomputes it for one node from its children, and the tree calls it on every
 * node whose subtree changes.
 */
#ifndef FL_KERNEL_MODEL_RBTREE_H
#define FL_KERNEL_MODEL_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

struct rb_node {
    struct rb_node *rb_parent, *rb_left, *rb_right;
    bool rb_black;
};

struct rb_root {
    struct rb_node *rb_node;
};

#define rb_entry(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Recompute node's augmented value from its own data and its children's values. */
typedef void (*rb_augment_fn)(struct rb_node *node);

/* Put node, not yet in the tree, at *link, a NULL child pointer of parent (NULL: the root). */
static inline void rb_link_node(struct rb_node *node, struct rb_node *parent, struct rb_node **link)
{
    node->rb_parent = parent;
    node->rb_left = node->rb_right = NULL;
    node->rb_black = false;
    *link = node;
}

/*
 * rb_insert_augmented - rebalance after rb_link_node put node in the tree. augment (NULL for a
 * plain tree) is called on node and its ancestors, then on the nodes each rotation moves.
 * Leaves: a valid red-black tree with every augmented value current.
 */
void rb_insert_augmented(struct rb_node *node, struct rb_root *root, rb_augment_fn augment);

/*
 * rb_erase_augmented - take node out of the tree and rebalance; node's fields are then stale.
 * Leaves: a valid red-black tree with every augmented value current.
 */
void rb_erase_augmented(struct rb_node *node, struct rb_root *root, rb_augment_fn augment);

/* Recompute node's augmented value and its ancestors', after node's own data changed. */
void rb_augment_path(struct rb_node *node, rb_augment_fn augment);

/* In-order neighbours and ends; NULL past the end or for an empty tree. */
struct rb_node *rb_first(const struct rb_root *root);
struct rb_node *rb_last(const struct rb_root *root);
struct rb_node *rb_next(const struct rb_node *node);
struct rb_node *rb_prev(const struct rb_node *node);

/*
 * rb_check - verify the tree's shape: parent pointers agree with child pointers, no red node
 * has a red child, every path from the root to a leaf has the same number of black nodes, the
 * root is black. Returns the number of nodes, or -1 (with *why set) if the tree is broken.
 */
long rb_check(const struct rb_root *root, const char **why);

#endif
