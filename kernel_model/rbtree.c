/*
 * rbtree.c - red-black tree rebalancing with augmented values (models lib/rbtree.c of Linux
 * 4.20; the algorithm is the textbook one, with NULL leaves and explicit parent pointers).
 *
 * Augmented values: a rotation changes the subtrees of exactly the two nodes it moves, so it
 * recomputes those two, the lower one first. Inserting or erasing changes the set of nodes below
 * every ancestor of the place that changed, so that path is recomputed up to the root before
 * the rebalancing rotations start: each rotation then works from current children.
 */
#include "kernel_model/rbtree.h"

static bool is_red(const struct rb_node *n)
{
    return n && !n->rb_black;
}

/* Make parent's child pointer that held old (the root when parent is NULL) hold new. */
static void change_child(struct rb_root *root, struct rb_node *parent, struct rb_node *old,
                         struct rb_node *new)
{
    if (!parent)
        root->rb_node = new;
    else if (parent->rb_left == old)
        parent->rb_left = new;
    else
        parent->rb_right = new;
}

/* x's right child takes x's place; x becomes its left child. */
static void rotate_left(struct rb_root *root, struct rb_node *x, rb_augment_fn augment)
{
    struct rb_node *y = x->rb_right, *parent = x->rb_parent;

    x->rb_right = y->rb_left;
    if (y->rb_left)
        y->rb_left->rb_parent = x;
    y->rb_left = x;
    x->rb_parent = y;
    y->rb_parent = parent;
    change_child(root, parent, x, y);
    if (augment) {
        augment(x);
        augment(y);
    }
}

/* x's left child takes x's place; x becomes its right child. */
static void rotate_right(struct rb_root *root, struct rb_node *x, rb_augment_fn augment)
{
    struct rb_node *y = x->rb_left, *parent = x->rb_parent;

    x->rb_left = y->rb_right;
    if (y->rb_right)
        y->rb_right->rb_parent = x;
    y->rb_right = x;
    x->rb_parent = y;
    y->rb_parent = parent;
    change_child(root, parent, x, y);
    if (augment) {
        augment(x);
        augment(y);
    }
}

void rb_augment_path(struct rb_node *node, rb_augment_fn augment)
{
    if (!augment)
        return;
    for (; node; node = node->rb_parent)
        augment(node);
}

void rb_insert_augmented(struct rb_node *node, struct rb_root *root, rb_augment_fn augment)
{
    struct rb_node *parent;

    rb_augment_path(node, augment);
    /* node is red; while its parent is red too, push the conflict up or rotate it away */
    while ((parent = node->rb_parent) && !parent->rb_black) {
        struct rb_node *gparent = parent->rb_parent; /* exists: the root is black */

        if (parent == gparent->rb_left) {
            struct rb_node *uncle = gparent->rb_right;
            if (is_red(uncle)) {
                parent->rb_black = uncle->rb_black = true;
                gparent->rb_black = false;
                node = gparent;
                continue;
            }
            if (node == parent->rb_right) {
                rotate_left(root, parent, augment);
                node = parent;
                parent = node->rb_parent;
            }
            parent->rb_black = true;
            gparent->rb_black = false;
            rotate_right(root, gparent, augment);
        } else {
            struct rb_node *uncle = gparent->rb_left;
            if (is_red(uncle)) {
                parent->rb_black = uncle->rb_black = true;
                gparent->rb_black = false;
                node = gparent;
                continue;
            }
            if (node == parent->rb_left) {
                rotate_right(root, parent, augment);
                node = parent;
                parent = node->rb_parent;
            }
            parent->rb_black = true;
            gparent->rb_black = false;
            rotate_left(root, gparent, augment);
        }
    }
    root->rb_node->rb_black = true;
}

/* After a black node left the tree: x (maybe NULL, a leaf) under parent is one black short. */
static void erase_fixup(struct rb_root *root, struct rb_node *x, struct rb_node *parent,
                        rb_augment_fn augment)
{
    while (x != root->rb_node && !is_red(x)) {
        if (x == parent->rb_left) {
            struct rb_node *sib = parent->rb_right; /* exists: that side has a black more */
            if (is_red(sib)) {
                sib->rb_black = true;
                parent->rb_black = false;
                rotate_left(root, parent, augment);
                sib = parent->rb_right;
            }
            if (!is_red(sib->rb_left) && !is_red(sib->rb_right)) {
                sib->rb_black = false;
                x = parent;
                parent = x->rb_parent;
                continue;
            }
            if (!is_red(sib->rb_right)) {
                sib->rb_left->rb_black = true;
                sib->rb_black = false;
                rotate_right(root, sib, augment);
                sib = parent->rb_right;
            }
            sib->rb_black = parent->rb_black;
            parent->rb_black = true;
            sib->rb_right->rb_black = true;
            rotate_left(root, parent, augment);
        } else {
            struct rb_node *sib = parent->rb_left;
            if (is_red(sib)) {
                sib->rb_black = true;
                parent->rb_black = false;
                rotate_right(root, parent, augment);
                sib = parent->rb_left;
            }
            if (!is_red(sib->rb_left) && !is_red(sib->rb_right)) {
                sib->rb_black = false;
                x = parent;
                parent = x->rb_parent;
                continue;
            }
            if (!is_red(sib->rb_left)) {
                sib->rb_right->rb_black = true;
                sib->rb_black = false;
                rotate_left(root, sib, augment);
                sib = parent->rb_left;
            }
            sib->rb_black = parent->rb_black;
            parent->rb_black = true;
            sib->rb_left->rb_black = true;
            rotate_right(root, parent, augment);
        }
        x = root->rb_node;
    }
    if (x)
        x->rb_black = true;
}

void rb_erase_augmented(struct rb_node *node, struct rb_root *root, rb_augment_fn augment)
{
    struct rb_node *child, *parent; /* the place one black may be missing, and above it */
    bool removed_black;

    if (!node->rb_left || !node->rb_right) {
        child = node->rb_left ? node->rb_left : node->rb_right;
        parent = node->rb_parent;
        removed_black = node->rb_black;
        if (child)
            child->rb_parent = parent;
        change_child(root, parent, node, child);
    } else {
        /* the successor (leftmost of the right subtree, no left child) takes node's place and
         * colour; its own place loses its colour */
        struct rb_node *succ = node->rb_right;
        while (succ->rb_left)
            succ = succ->rb_left;
        removed_black = succ->rb_black;
        child = succ->rb_right;
        if (succ->rb_parent == node) {
            parent = succ;
        } else {
            parent = succ->rb_parent;
            parent->rb_left = child;
            if (child)
                child->rb_parent = parent;
            succ->rb_right = node->rb_right;
            succ->rb_right->rb_parent = succ;
        }
        succ->rb_left = node->rb_left;
        succ->rb_left->rb_parent = succ;
        succ->rb_parent = node->rb_parent;
        change_child(root, node->rb_parent, node, succ);
        succ->rb_black = node->rb_black;
    }
    /* from the deepest changed place: its ancestors include the successor's new place */
    rb_augment_path(parent, augment);
    if (removed_black)
        erase_fixup(root, child, parent, augment);
}

struct rb_node *rb_first(const struct rb_root *root)
{
    struct rb_node *n = root->rb_node;
    if (n)
        while (n->rb_left)
            n = n->rb_left;
    return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
    struct rb_node *n = root->rb_node;
    if (n)
        while (n->rb_right)
            n = n->rb_right;
    return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
    if (node->rb_right) {
        node = node->rb_right;
        while (node->rb_left)
            node = node->rb_left;
        return (struct rb_node *)node;
    }
    while (node->rb_parent && node == node->rb_parent->rb_right)
        node = node->rb_parent;
    return node->rb_parent;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
    if (node->rb_left) {
        node = node->rb_left;
        while (node->rb_right)
            node = node->rb_right;
        return (struct rb_node *)node;
    }
    while (node->rb_parent && node == node->rb_parent->rb_left)
        node = node->rb_parent;
    return node->rb_parent;
}

/* The black height of n's subtree, or -1 if it breaks a rule; counts nodes into *count. */
static long check_subtree(const struct rb_node *n, long *count, const char **why)
{
    if (!n)
        return 0;
    ++*count;
    const struct rb_node *children[2] = {n->rb_left, n->rb_right};
    for (int i = 0; i < 2; i++) {
        if (children[i] && children[i]->rb_parent != n) {
            *why = "a child's parent pointer is wrong";
            return -1;
        }
        if (is_red(n) && is_red(children[i])) {
            *why = "a red node has a red child";
            return -1;
        }
    }
    long left = check_subtree(n->rb_left, count, why);
    if (left < 0)
        return -1;
    long right = check_subtree(n->rb_right, count, why);
    if (right < 0)
        return -1;
    if (left != right) {
        *why = "two paths have different black heights";
        return -1;
    }
    return left + n->rb_black;
}

long rb_check(const struct rb_root *root, const char **why)
{
    long count = 0;
    if (root->rb_node && (root->rb_node->rb_parent || !root->rb_node->rb_black)) {
        *why = "the root has a parent or is red";
        return -1;
    }
    return check_subtree(root->rb_node, &count, why) < 0 ? -1 : count;
}
