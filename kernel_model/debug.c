/*
 * debug.c - the mm invariant checker and state dumper (models mm/debug.c and the VM_BUG_ON
 * checks of mm/mmap.c's validate_mm()).
 *
 * check_mm_invariants() verifies, for one mm:
 *  1. VMAs are page aligned, non-empty, sorted, non-overlapping; vm_prev/vm_next agree;
 *     map_count is the list's length; total_vm is the sum of their sizes. mm_rb is a valid
 *     red-black tree of the same VMAs in the same order, each with its subtree's largest gap.
 *  2. Every present PTE lies inside a VMA, and only VMAs with rights have present PTEs.
 *  3. The RSS counters (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS) equal a
 *     recount of the PTEs.
 *  4. Every mapped page is allocated, its mapcount is at least the PTEs of this mm that map it,
 *     and its refcount at least its mapcount plus the page cache's or the swap cache's
 *     reference. With a single mm alive these are equalities: nothing else may hold a reference
 *     between faults.
 *  5. A present PTE that is writable is dirty or maps a page the VMA may write.
 *  6. A swap-entry PTE (non-present, non-none) names a slot of the swap device that is in use
 *     and counts at least one PTE, and lies in a VMA that has anonymous pages.
 *  7. A writable or dirty PTE of a page in a file's page cache maps a dirty page: write-back may
 *     skip a range without dirty pages. Not tmpfs's (shmem_mapping), which is not
 *     write-notified: its stores show in the PTE's dirty bit first.
 *  9. (below 8 in the code's order) A huge PMD covers 2 MiB of one anonymous private VMA and
 *     maps the huge zero page read-only or the head of a live anonymous huge page, counted as
 *     HPAGE_PMD_NR anonymous pages and one mapping of the head; no PTE maps a frame of a huge
 *     page; each PMD table has one deposited PTE table per huge PMD in it.
 *  8. A present anonymous page lies in a VMA with an anon_vma. Over every live mm: each
 *     anon_vma's refcount is the VMAs that use it plus the anon_vmas whose parent it is, its
 *     root is its parent's root (itself for a root), and every anon_vma alive (nr_anon_vmas) is
 *     reachable from some VMA through parent links: none leaked, none freed while in use.
 * 10. Over every live mm and every address_space: each VMA with a file is in its mapping's
 *     i_mmap, and the i_mmap lists hold those VMAs and nothing else (none freed, none of an mm
 *     that is gone, none of another file).
 * 11. The anonymous index (anon_vma_tree, interval_tree.c) is a valid red-black tree of exactly
 *     the VMAs of every live mm that have an anon_vma (none freed, none unlinked), ordered by
 *     their current vm_pgoff, each with the largest last page index of its subtree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"
#include "kernel_model/userfaultfd_k.h"

/* Every frame a PTE maps, and (with MAPPED_BY_PMD) every huge page's head a huge PMD maps. */
struct mapped {
    unsigned long *pfn;
    size_t n, cap;
};
#define MAPPED_BY_PMD (1UL << 63)

static int fail(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return -1;
}

static int cmp_ul(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

static int check_vmas(struct mm_struct *mm, char *buf, size_t len)
{
    struct vm_area_struct *prev = NULL;
    int count = 0;
    unsigned long total = 0;
    for (struct vm_area_struct *v = mm->mmap; v; prev = v, v = v->vm_next) {
        if ((v->vm_start | v->vm_end) & ~PAGE_MASK || v->vm_start >= v->vm_end)
            return fail(buf, len, "vma %lx-%lx: not page aligned or empty", v->vm_start, v->vm_end);
        if (v->vm_prev != prev)
            return fail(buf, len, "vma %lx-%lx: vm_prev is wrong", v->vm_start, v->vm_end);
        if (prev && prev->vm_end > v->vm_start)
            return fail(buf, len, "vma %lx-%lx overlaps or is below %lx-%lx", v->vm_start,
                        v->vm_end, prev->vm_start, prev->vm_end);
        if (v->vm_mm != mm)
            return fail(buf, len, "vma %lx-%lx: vm_mm is wrong", v->vm_start, v->vm_end);
        if (v->vm_end > mm->task_size)
            return fail(buf, len, "vma %lx-%lx: above TASK_SIZE", v->vm_start, v->vm_end);
        /* userfaultfd: registered exactly when it has a context, of this mm, on anonymous
         * private memory */
        if (!(v->vm_flags & VM_UFFD_MISSING) != !v->vm_userfaultfd_ctx)
            return fail(buf, len,
                        "vma %lx-%lx: VM_UFFD_MISSING without its userfaultfd or the other way",
                        v->vm_start, v->vm_end);
        if (v->vm_userfaultfd_ctx && (v->vm_userfaultfd_ctx->mm != mm || v->vm_file ||
                                      (v->vm_flags & VM_SHARED) || v->vm_userfaultfd_ctx->released))
            return fail(buf, len, "vma %lx-%lx: registered with a userfaultfd it cannot be",
                        v->vm_start, v->vm_end);
        count++;
        total += (v->vm_end - v->vm_start) >> PAGE_SHIFT;
    }
    if (count != mm->map_count)
        return fail(buf, len, "map_count %d but %d VMAs", mm->map_count, count);
    const char *why = NULL;
    if (rb_check(&mm->mm_rb, &why) != count)
        return fail(buf, len, "the VMA tree: %s", why ? why : "not as many VMAs as the list");
    struct rb_node *n = rb_first(&mm->mm_rb);
    for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next, n = rb_next(n)) {
        if (n != &v->vm_rb)
            return fail(buf, len, "vma %lx-%lx: not in the tree in list order", v->vm_start,
                        v->vm_end);
        if (v->rb_subtree_gap != vma_compute_subtree_gap(v))
            return fail(buf, len, "vma %lx-%lx: rb_subtree_gap %lx, want %lx", v->vm_start,
                        v->vm_end, v->rb_subtree_gap, vma_compute_subtree_gap(v));
    }
    if (total != mm->total_vm)
        return fail(buf, len, "total_vm %lu but VMAs add up to %lu pages", mm->total_vm, total);
    return 0;
}

static int check_pte(struct mm_struct *mm, unsigned long addr, pte_t pte, long *rss,
                     struct mapped *mp, char *buf, size_t len)
{
    struct vm_area_struct *v = find_vma(mm, addr);
    if (!v || v->vm_start > addr)
        return fail(buf, len, "PTE %llx at %lx lies in no VMA", (unsigned long long)pte_val(pte),
                    addr);
    if (!pte_present(pte)) {
        /* a swap entry: it must name a slot in use that counts this PTE among its users */
        swp_entry_t entry = pte_to_swp_entry(pte);
        if (!swap_entry_in_use(entry) || __swap_count(entry) < 1)
            return fail(buf, len, "swap PTE %llx at %lx names no allocated slot",
                        (unsigned long long)pte_val(pte), addr);
        if (!v->anon_vma)
            return fail(buf, len, "swap PTE at %lx in a VMA without anonymous pages", addr);
        rss[MM_SWAPENTS]++;
        return 0;
    }
    if (pte_write(pte) && !(v->vm_flags & VM_WRITE))
        return fail(buf, len, "writable PTE at %lx in a VMA without VM_WRITE", addr);
    if (pte_special(pte)) {
        if (!is_zero_pfn(pte_pfn(pte)))
            return fail(buf, len, "special PTE at %lx is not the zero page", addr);
        if (pte_write(pte))
            return fail(buf, len, "writable zero page at %lx", addr);
        return 0;
    }
    struct page *page = pfn_to_page(pte_pfn(pte));
    if (page && PageReserved(page)) { /* the kernel's own ([vdso]): not refcounted, file RSS */
        rss[MM_FILEPAGES]++;
        return 0;
    }
    if (!page || (page->flags & (1UL << PG_buddy)) || page_count(page) < 1)
        return fail(buf, len, "PTE at %lx maps free frame %lx", addr, pte_pfn(pte));
    if (PageCompound(page) && (!PageAnon(page) || !v->anon_vma || (v->vm_flags & VM_SHARED)))
        return fail(buf, len,
                    "PTE at %lx maps frame %lx of a huge page outside private "
                    "anonymous memory",
                    addr, pte_pfn(pte));
    if (PageAnon(page) && !v->anon_vma)
        return fail(buf, len, "anonymous page at %lx in a VMA without an anon_vma", addr);
    if (PageAnon(page))
        rss[MM_ANONPAGES]++;
    else if (shmem_mapping(page_mapping_file(page)))
        rss[MM_SHMEMPAGES]++;
    else
        rss[MM_FILEPAGES]++;
    if (!PageAnon(page) && page_mapping_file(page) && !shmem_mapping(page_mapping_file(page)) &&
        (pte_write(pte) || pte_dirty(pte)) && !PageDirty(page))
        return fail(buf, len, "writable or dirty PTE at %lx maps a clean page-cache page", addr);
    if (mp->n == mp->cap) {
        mp->cap = mp->cap ? mp->cap * 2 : 1024;
        mp->pfn = realloc(mp->pfn, mp->cap * sizeof(*mp->pfn));
    }
    mp->pfn[mp->n++] = pte_pfn(pte);
    return 0;
}

/* A huge PMD: the whole 2 MiB in an anonymous private VMA that grants its rights, the huge
 * zero page read-only and counted nowhere, any other frame the live head of a huge page. */
static int check_huge_pmd(struct mm_struct *mm, unsigned long addr, uint64_t pmd, long *rss,
                          struct mapped *mp, char *buf, size_t len)
{
    struct vm_area_struct *v = find_vma(mm, addr);
    unsigned long pfn = (pmd & PTE_PFN_MASK) >> PAGE_SHIFT;
    if (!v || v->vm_start > addr || v->vm_end < addr + HPAGE_PMD_SIZE || v->vm_file ||
        (v->vm_flags & VM_SHARED))
        return fail(buf, len, "huge PMD at %lx not inside one anonymous private VMA", addr);
    if ((pmd & _PAGE_RW) && !(v->vm_flags & VM_WRITE))
        return fail(buf, len, "writable huge PMD at %lx in a VMA without VM_WRITE", addr);
    if (is_huge_zero_pfn(pfn))
        return pmd & _PAGE_RW ? fail(buf, len, "writable huge zero page at %lx", addr) : 0;
    struct page *page = pfn_to_page(pfn);
    if (!page || pfn % HPAGE_PMD_NR || !PageHead(page) || page->_refcount < 1 || !PageAnon(page))
        return fail(buf, len, "huge PMD at %lx maps frame %lx, not a live anonymous huge page",
                    addr, pfn);
    if (!v->anon_vma)
        return fail(buf, len, "huge page at %lx in a VMA without an anon_vma", addr);
    rss[MM_ANONPAGES] += HPAGE_PMD_NR;
    if (mp->n == mp->cap) {
        mp->cap = mp->cap ? mp->cap * 2 : 1024;
        mp->pfn = realloc(mp->pfn, mp->cap * sizeof(*mp->pfn));
    }
    mp->pfn[mp->n++] = pfn | MAPPED_BY_PMD;
    return 0;
}

/* The tables deposited for the huge PMDs of one PMD table: one each. */
static int check_deposits(const uint64_t *pmd, char *buf, size_t len)
{
    unsigned huge = 0, deposited = 0;
    for (unsigned k = 0; k < PTRS_PER_TABLE; k++)
        huge += pmd_trans_huge(pmd[k]);
    for (uint32_t t = virt_to_page(pmd)->lru_prev; t && deposited <= huge;
         t = pfn_to_page(t)->lru_next)
        deposited++;
    if (huge != deposited)
        return fail(buf, len, "PMD table with %u huge PMDs has %u deposited tables", huge,
                    deposited);
    return 0;
}

static int check_tables(struct mm_struct *mm, long *rss, struct mapped *mp, char *buf, size_t len)
{
    for (unsigned i = 0; i < PTRS_PER_TABLE; i++) {
        uint64_t e1 = mm->pgd[i];
        if (!(e1 & _PAGE_PRESENT))
            continue;
        uint64_t *pud = pfn_address((e1 & PTE_PFN_MASK) >> PAGE_SHIFT);
        for (unsigned j = 0; j < PTRS_PER_TABLE; j++) {
            if (!(pud[j] & _PAGE_PRESENT))
                continue;
            uint64_t *pmd = pfn_address((pud[j] & PTE_PFN_MASK) >> PAGE_SHIFT);
            if (check_deposits(pmd, buf, len))
                return -1;
            for (unsigned k = 0; k < PTRS_PER_TABLE; k++) {
                if (!(pmd[k] & _PAGE_PRESENT))
                    continue;
                if (pmd_trans_huge(pmd[k])) {
                    unsigned long addr = ((unsigned long)i << PGDIR_SHIFT) |
                                         ((unsigned long)j << PUD_SHIFT) |
                                         ((unsigned long)k << PMD_SHIFT);
                    if (check_huge_pmd(mm, addr, pmd[k], rss, mp, buf, len))
                        return -1;
                    continue;
                }
                pte_t *pt = pfn_address((pmd[k] & PTE_PFN_MASK) >> PAGE_SHIFT);
                for (unsigned l = 0; l < PTRS_PER_TABLE; l++) {
                    if (pte_none(pt[l]))
                        continue;
                    unsigned long addr =
                        ((unsigned long)i << PGDIR_SHIFT) | ((unsigned long)j << PUD_SHIFT) |
                        ((unsigned long)k << PMD_SHIFT) | ((unsigned long)l << PAGE_SHIFT);
                    if (check_pte(mm, addr, pt[l], rss, mp, buf, len))
                        return -1;
                }
            }
        }
    }
    return 0;
}

/* A huge page's mappings: the compound mapcount counts the PMDs found mapping it (pmds, or at
 * least them when other mms share pages), and it holds a reference for each PMD and each PTE. */
static int check_compound(const struct page *head, int pmds, char *buf, size_t len)
{
    int ptes = 0;
    for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
        ptes += head[i]._mapcount + 1;
    int mapcount = compound_mapcount(head);
    if (mapcount < pmds || (mm_single_user() && mapcount != pmds))
        return fail(buf, len, "huge page %lx: compound mapcount %d but %d PMDs map it",
                    page_to_pfn(head), mapcount, pmds);
    if (head->_refcount < mapcount + ptes ||
        (mm_single_user() && head->_refcount != mapcount + ptes))
        return fail(buf, len, "huge page %lx: refcount %d for %d PMD and %d PTE mappings",
                    page_to_pfn(head), head->_refcount, mapcount, ptes);
    return 0;
}

static int check_pages(struct mapped *mp, char *buf, size_t len)
{
    if (mp->n)
        qsort(mp->pfn, mp->n, sizeof(*mp->pfn), cmp_ul);
    for (size_t i = 0; i < mp->n;) {
        size_t j = i;
        while (j < mp->n && mp->pfn[j] == mp->pfn[i])
            j++;
        struct page *page = pfn_to_page(mp->pfn[i] & ~MAPPED_BY_PMD);
        int here = (int)(j - i), cache = page_cache_refs(page);
        if (mp->pfn[i] & MAPPED_BY_PMD) { /* sorted after every PTE's frame */
            if (check_compound(page, here, buf, len))
                return -1;
        } else if (PageCompound(page)) {
            /* a frame of a huge page: its own mapcount counts its PTEs; the head's checks
             * come with its PMDs, or here, at its first frame, if no PMD maps it */
            int own = page->_mapcount + 1;
            if (own < here || (mm_single_user() && own != here))
                return fail(buf, len, "frame %lx of a huge page: mapcount %d but %d PTEs map it",
                            mp->pfn[i], own, here);
            struct page *head = compound_head(page);
            if (!compound_mapcount(head) && (i == 0 || mp->pfn[i - 1] < page_to_pfn(head)) &&
                check_compound(head, 0, buf, len))
                return -1;
        } else {
            if (page_mapcount(page) < here)
                return fail(buf, len, "frame %lx: mapcount %d but %d PTEs map it", mp->pfn[i],
                            page_mapcount(page), here);
            if (page_count(page) < page_mapcount(page) + cache)
                return fail(buf, len, "frame %lx: refcount %d below mapcount %d + cache %d",
                            mp->pfn[i], page_count(page), page_mapcount(page), cache);
            if (mm_single_user() &&
                (page_mapcount(page) != here || page_count(page) != here + cache))
                return fail(buf, len, "frame %lx: refcount %d mapcount %d, but %d PTEs%s",
                            mp->pfn[i], page_count(page), page_mapcount(page), here,
                            cache ? " + the page cache" : "");
        }
        i = j;
    }
    return 0;
}

/* The anon_vma check's walk over every mm: pass 0 clears the scratch counts of every anon_vma a
 * VMA reaches through parent links, pass 1 counts the references found and the anon_vmas
 * reached, pass 2 compares. A lineage longer than any fork chain could make means a cycle. */
#define ANON_VMA_MAX_DEPTH 100000

struct anon_vma_walk {
    int pass;
    long reached;
    char *buf;
    size_t len;
    int bad;
};

static void anon_vma_walk_mm(struct mm_struct *mm, void *ctx)
{
    struct anon_vma_walk *w = ctx;
    for (struct vm_area_struct *v = mm->mmap; v && !w->bad; v = v->vm_next) {
        struct anon_vma *av = v->anon_vma;
        if (!av)
            continue;
        if (w->pass == 1)
            av->check_refs++;
        for (int depth = 0; av && !w->bad; depth++) {
            struct anon_vma *parent = av->parent != av ? av->parent : NULL;
            if (depth > ANON_VMA_MAX_DEPTH) {
                w->bad = fail(w->buf, w->len, "vma %lx-%lx: anon_vma lineage has a cycle",
                              v->vm_start, v->vm_end);
            } else if (w->pass == 0) {
                av->check_refs = 0;
                av->check_seen = false;
            } else if (w->pass == 1) {
                if (av->check_seen)
                    break;
                av->check_seen = true;
                w->reached++;
                if (parent)
                    parent->check_refs++;
            } else if (av->refcount != av->check_refs || av->refcount < 1) {
                w->bad = fail(w->buf, w->len, "vma %lx-%lx: anon_vma refcount %d, %d references",
                              v->vm_start, v->vm_end, av->refcount, av->check_refs);
            } else if (av->root != (parent ? parent->root : av)) {
                w->bad = fail(w->buf, w->len, "vma %lx-%lx: anon_vma root is not its parent's",
                              v->vm_start, v->vm_end);
            }
            av = parent;
        }
    }
}

static int check_anon_vmas(char *buf, size_t len)
{
    struct anon_vma_walk w = {.buf = buf, .len = len};
    for (w.pass = 0; w.pass < 3 && !w.bad; w.pass++)
        for_each_mm(anon_vma_walk_mm, &w);
    if (!w.bad && w.reached != nr_anon_vmas)
        w.bad = fail(buf, len, "%ld anon_vmas alive but %ld reachable from VMAs", nr_anon_vmas,
                     w.reached);
    return w.bad;
}

/*
 * i_mmap: every live VMA with a file is in its mapping's list, once; the lists hold no other.
 * The lists walked are those of every host file's mapping (for_each_mapping) and of every
 * mapping a live VMA maps (shared anonymous memory's are not on filemap.c's list; one that
 * nothing maps any more is freed, and mapping_evict checks that its list is empty then).
 */
struct i_mmap_walk {
    char *buf;
    size_t len;
    int pass; /* 0: clear the mappings' marks; 1: count the VMAs; 2: walk the lists */
    unsigned long vmas, listed;
    int bad;
};

static void i_mmap_walk_mapping(struct address_space *m, void *ctx)
{
    struct i_mmap_walk *w = ctx;
    const struct vm_area_struct *prev = NULL;
    if (w->pass == 0) {
        m->check_seen = false;
        return;
    }
    if (w->pass != 2 || m->check_seen)
        return;
    m->check_seen = true;
    /* each VMA in a list is live (the count below says so), so a list is no longer than all
     * the file VMAs: more means a cycle or a VMA that is gone */
    for (const struct vm_area_struct *v = m->i_mmap; v && !w->bad; prev = v, v = v->i_mmap_next) {
        if (v->i_mmap_prev != prev)
            w->bad = fail(w->buf, w->len, "%s: i_mmap's links disagree", m->path);
        else if (++w->listed > w->vmas)
            w->bad =
                fail(w->buf, w->len, "%s: i_mmap holds VMAs that are not in a live mm", m->path);
        else if (!v->vm_file || v->vm_file->f_mapping != m)
            w->bad = fail(w->buf, w->len, "%s: i_mmap holds a VMA of another file", m->path);
    }
}

static void i_mmap_walk_mm(struct mm_struct *mm, void *ctx)
{
    struct i_mmap_walk *w = ctx;
    for (struct vm_area_struct *v = mm->mmap; v && !w->bad; v = v->vm_next) {
        if (!v->vm_file)
            continue;
        i_mmap_walk_mapping(v->vm_file->f_mapping, w);
        if (w->pass != 1)
            continue;
        w->vmas++;
        const struct vm_area_struct *e = v->vm_file->f_mapping->i_mmap;
        while (e && e != v)
            e = e->i_mmap_next;
        if (!e)
            w->bad = fail(w->buf, w->len, "vma %lx-%lx: not in its file's i_mmap", v->vm_start,
                          v->vm_end);
    }
}

static int check_i_mmap(char *buf, size_t len)
{
    struct i_mmap_walk w = {.buf = buf, .len = len};
    for (w.pass = 0; w.pass < 3 && !w.bad; w.pass++) {
        for_each_mm(i_mmap_walk_mm, &w);
        for_each_mapping(i_mmap_walk_mapping, &w);
    }
    if (!w.bad && w.listed != w.vmas)
        w.bad = fail(buf, len, "%lu file VMAs but i_mmap lists hold %lu", w.vmas, w.listed);
    return w.bad;
}

/*
 * The anonymous index: every linked VMA with an anon_vma is marked as in it and reaches its root
 * through parent links (none without one is marked), and the tree holds as many nodes as there
 * are such VMAs, so it holds them and nothing else. Then, in order: keys that do not go down,
 * and each node's anon_subtree_last from its current range.
 */
struct anon_tree_walk {
    unsigned long vmas;
    char *buf;
    size_t len;
    int bad;
};

static void anon_tree_walk_mm(struct mm_struct *mm, void *ctx)
{
    struct anon_tree_walk *w = ctx;
    for (struct vm_area_struct *v = mm->mmap; v && !w->bad; v = v->vm_next) {
        if (!v->vm_linked || v->anon_indexed != (v->anon_vma != NULL)) {
            w->bad =
                fail(w->buf, w->len, "vma %lx-%lx: %s the anonymous index", v->vm_start, v->vm_end,
                     !v->vm_linked ? "in a list but not marked linked, for"
                     : v->anon_vma ? "has an anon_vma but is not in"
                                   : "has no anon_vma but is in");
            return;
        }
        if (!v->anon_vma)
            continue;
        w->vmas++;
        const struct rb_node *n = &v->anon_rb;
        for (int depth = 0; n->rb_parent && depth < 200; depth++)
            n = n->rb_parent;
        if (n != anon_vma_tree.rb_node)
            w->bad = fail(w->buf, w->len, "vma %lx-%lx: not in the anonymous index", v->vm_start,
                          v->vm_end);
    }
}

static int check_anon_vma_tree(char *buf, size_t len)
{
    struct anon_tree_walk w = {.buf = buf, .len = len};
    const char *why;
    for_each_mm(anon_tree_walk_mm, &w);
    if (w.bad)
        return w.bad;
    long nodes = rb_check(&anon_vma_tree, &why);
    if (nodes < 0)
        return fail(buf, len, "anonymous index: %s", why);
    if ((unsigned long)nodes != w.vmas)
        return fail(buf, len, "%lu VMAs with an anon_vma but the anonymous index holds %ld", w.vmas,
                    nodes);
    unsigned long prev = 0;
    for (struct rb_node *n = rb_first(&anon_vma_tree); n; n = rb_next(n)) {
        const struct vm_area_struct *v = rb_entry(n, struct vm_area_struct, anon_rb);
        if (v->vm_pgoff < prev)
            return fail(buf, len, "vma %lx-%lx: out of vm_pgoff order in the anonymous index",
                        v->vm_start, v->vm_end);
        prev = v->vm_pgoff;
        if (v->anon_subtree_last != anon_vma_compute_subtree_last(v))
            return fail(buf, len, "vma %lx-%lx: anonymous index's subtree last %lx, not %lx",
                        v->vm_start, v->vm_end, v->anon_subtree_last,
                        anon_vma_compute_subtree_last(v));
    }
    return 0;
}

int check_mm_invariants(struct mm_struct *mm, char *buf, size_t len)
{
    if (!mm)
        return 0;
    if (check_vmas(mm, buf, len) || check_anon_vmas(buf, len) || check_i_mmap(buf, len) ||
        check_anon_vma_tree(buf, len))
        return -1;
    long rss[NR_MM_COUNTERS] = {0};
    struct mapped mp = {0};
    int ret = check_tables(mm, rss, &mp, buf, len);
    if (!ret) {
        for (int i = 0; i < NR_MM_COUNTERS; i++) {
            if (rss[i] != mm->rss_stat[i]) {
                ret = fail(buf, len, "rss counter %d is %ld but PTEs count %ld", i, mm->rss_stat[i],
                           rss[i]);
                break;
            }
        }
    }
    if (!ret)
        ret = check_pages(&mp, buf, len);
    free(mp.pfn);
    return ret;
}

#ifdef CONFIG_DEBUG_VM
/*
 * After a fault the PTE that changed is checked at once (it lies in a VMA that grants its rights,
 * maps a live frame, and the frame's counts cover it); the whole mm is walked on every 64th fault
 * and after every VMA change. A full walk per fault made workloads with tens of thousands of
 * faults (musl's malloc) too slow to test.
 */
#define DEBUG_VM_FULL_EVERY      64
#define DEBUG_VM_FAULT_RSS_LIMIT 8192

static int check_fault_pte(struct mm_struct *mm, unsigned long addr, char *buf, size_t len)
{
    pte_t *ptep = addr < mm->task_size ? lookup_pte(mm, addr) : NULL;
    if (!ptep || pte_none(*ptep))
        return 0;
    long rss[NR_MM_COUNTERS] = {0};
    struct mapped mp = {0};
    int ret = check_pte(mm, addr & PAGE_MASK, *ptep, rss, &mp, buf, len);
    if (!ret && mp.n) {
        struct page *page = pfn_to_page(mp.pfn[0]);
        int cache = page_cache_refs(page);
        if (page_mapcount(page) < 1 || page_count(page) < page_mapcount(page) + cache)
            ret = fail(buf, len, "frame %lx at %lx: refcount %d mapcount %d cache %d", mp.pfn[0],
                       addr, page_count(page), page_mapcount(page), cache);
    }
    free(mp.pfn);
    return ret;
}

void vm_bug_on_invariants(struct mm_struct *mm, const char *where, bool after_fault,
                          unsigned long addr)
{
    static unsigned long faults;
    char msg[256];
    if (!mm)
        return;
    int bad = 0;
    if (after_fault) {
        bad = check_fault_pte(mm, addr, msg, sizeof(msg));
        if (!bad && ++faults % DEBUG_VM_FULL_EVERY == 0 &&
            get_mm_rss(mm) <= DEBUG_VM_FAULT_RSS_LIMIT)
            bad = check_mm_invariants(mm, msg, sizeof(msg));
    } else {
        bad = check_mm_invariants(mm, msg, sizeof(msg));
    }
    if (bad) {
        arch_printk("faultline: mm invariant broken after %s: %s", where, msg);
        abort();
    }
}
#endif

void dump_mm(struct mm_struct *mm, void (*print)(void *ctx, const char *line), void *ctx)
{
    char line[512];
    snprintf(line, sizeof(line),
             "mm: map_count %d total_vm %lu anon %ld file %ld shmem %ld swapents %ld ptes %lu "
             "brk %lx-%lx",
             mm->map_count, mm->total_vm, mm->rss_stat[MM_ANONPAGES], mm->rss_stat[MM_FILEPAGES],
             mm->rss_stat[MM_SHMEMPAGES], mm->rss_stat[MM_SWAPENTS], mm->nr_ptes, mm->start_brk,
             mm->brk);
    print(ctx, line);
    for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next) {
        format_maps_line(v, line, sizeof(line));
        print(ctx, line);
    }
}
