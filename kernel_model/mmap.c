/*
 * mmap.c - the VMA list and the calls that change it: mmap, munmap, brk, stack growth, split and
 * merge (models mm/mmap.c of Linux 4.20, with mm_alloc/mmput from kernel/fork.c).
 *
 * Invariants (checked by check_mm_invariants in mm/debug.c):
 *  1. mm->mmap is sorted by vm_start; VMAs do not overlap; each is page aligned and non-empty.
 *  2. vm_prev/vm_next are consistent; map_count is the list's length; mm_rb holds the same
 *     VMAs in the same order, each with the largest gap of its subtree (rb_subtree_gap).
 *  3. Adjacent VMAs that could merge (same flags, file and contiguous offset) have been merged
 *     by the call that made them adjacent (vma_merge), as Linux does.
 *  4. total_vm is the sum of VMA sizes in pages.
 * Layout is Linux's without randomization (as under `setarch -R`): mmap_base is TASK_SIZE minus
 * a 128 MiB gap, and mappings are placed top-down below it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/mman.h"
#include "kernel_model/userfaultfd_k.h"

#define MIN_GAP               (128UL << 20)
#define DEFAULT_MAX_MAP_COUNT 65530
int sysctl_max_map_count = DEFAULT_MAX_MAP_COUNT;
unsigned long mmap_min_addr = 65536;
unsigned long dac_mmap_min_addr = 65536;
#define CONFIG_LSM_MMAP_MIN_ADDR 65536

/* update_mmap_min_addr (security/min_addr.c): get_unmapped_area's floor is the sysctl or the
 * LSM's own minimum, whichever is higher. */
void update_mmap_min_addr(void)
{
    mmap_min_addr =
        dac_mmap_min_addr > CONFIG_LSM_MMAP_MIN_ADDR ? dac_mmap_min_addr : CONFIG_LSM_MMAP_MIN_ADDR;
}
unsigned long stack_guard_gap = 256UL << PAGE_SHIFT;

/* protection_map[] of mm/mmap.c: private writable mappings start read-only (copy on write). */
pgprot_t vm_get_page_prot(unsigned long vm_flags)
{
    static const pgprot_t protection_map[16] = {
        PAGE_NONE,          PAGE_READONLY,      PAGE_COPY,        PAGE_COPY,
        PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_COPY_EXEC,   PAGE_COPY_EXEC,
        PAGE_NONE,          PAGE_READONLY,      PAGE_SHARED,      PAGE_SHARED,
        PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_SHARED_EXEC, PAGE_SHARED_EXEC,
    };
    return protection_map[vm_flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)];
}

/* A shared writable file mapping is write-notified: its PTEs start read-only so the first write
 * is seen (do_wp_page > wp_page_shared) and the page is marked dirty (vma_wants_writenotify).
 * Not tmpfs's (shmem_mapping): it has no page_mkwrite and does not account dirty pages
 * (mapping_cap_account_dirty), so its read faults map pages writable; the dirty bit the store
 * sets in the PTE is what write-back collects (mapping_mkclean). */
void vma_set_page_prot(struct vm_area_struct *vma)
{
    unsigned long flags = vma->vm_flags;
    if ((flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED) && vma->vm_file &&
        !shmem_mapping(vma->vm_file->f_mapping))
        flags &= ~VM_SHARED;
    vma->vm_page_prot = vm_get_page_prot(flags);
}

static unsigned long vma_pages(const struct vm_area_struct *vma)
{
    return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

static unsigned long vm_start_gap(const struct vm_area_struct *vma)
{
    unsigned long start = vma->vm_start;
    if (vma->vm_flags & VM_GROWSDOWN) {
        start -= stack_guard_gap;
        if (start > vma->vm_start)
            start = 0;
    }
    return start;
}

/* ---------------------------------------------------------------------------------------------
 * The VMA tree: mm->mm_rb holds the list's VMAs by address, each with the largest gap of its
 * subtree (vma_compute_subtree_gap), so that lookups and the search for free space take
 * O(log n) steps (stress-ng --msyncmany makes 26,000 VMAs).
 */

/* The free space just below vma: from the end of the VMA before it (0 for the first) to
 * vma's start, less the stack guard gap of a stack. */
static unsigned long vma_compute_gap(const struct vm_area_struct *vma)
{
    unsigned long start = vm_start_gap(vma), prev_end = vma->vm_prev ? vma->vm_prev->vm_end : 0;
    return start > prev_end ? start - prev_end : 0;
}

static unsigned long subtree_gap(const struct rb_node *n)
{
    return n ? rb_entry(n, struct vm_area_struct, vm_rb)->rb_subtree_gap : 0;
}

unsigned long vma_compute_subtree_gap(const struct vm_area_struct *vma)
{
    unsigned long max = vma_compute_gap(vma), l = subtree_gap(vma->vm_rb.rb_left),
                  r = subtree_gap(vma->vm_rb.rb_right);
    if (l > max)
        max = l;
    return r > max ? r : max;
}

/* The rb_augment_fn of mm_rb. */
static void vma_gap_augment(struct rb_node *n)
{
    struct vm_area_struct *vma = rb_entry(n, struct vm_area_struct, vm_rb);
    vma->rb_subtree_gap = vma_compute_subtree_gap(vma);
}

void vma_gap_update(struct vm_area_struct *vma)
{
    if (vma)
        rb_augment_path(&vma->vm_rb, vma_gap_augment);
}

/* ---------------------------------------------------------------------------------------------
 * Lookup.
 */

struct vm_area_struct *find_vma_nocache(const struct mm_struct *mm, unsigned long addr)
{
    struct vm_area_struct *found = NULL;
    for (struct rb_node *n = mm->mm_rb.rb_node; n;) {
        struct vm_area_struct *v = rb_entry(n, struct vm_area_struct, vm_rb);
        if (v->vm_end > addr) {
            found = v;
            if (v->vm_start <= addr)
                break;
            n = n->rb_left;
        } else {
            n = n->rb_right;
        }
    }
    return found;
}

/* find_vma - the first VMA with vm_end > addr (it may start above addr), or NULL. */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
    struct vm_area_struct *v = mm->vmacache;
    if (v && v->vm_start <= addr && addr < v->vm_end)
        return v;
    v = find_vma_nocache(mm, addr);
    if (v && v->vm_start <= addr)
        mm->vmacache = v;
    return v;
}

static struct vm_area_struct *last_vma(const struct mm_struct *mm)
{
    struct rb_node *n = rb_last(&mm->mm_rb);
    return n ? rb_entry(n, struct vm_area_struct, vm_rb) : NULL;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, unsigned long addr,
                                     struct vm_area_struct **pprev)
{
    struct vm_area_struct *v = find_vma(mm, addr);
    *pprev = v ? v->vm_prev : last_vma(mm);
    return v;
}

/* ---------------------------------------------------------------------------------------------
 * Linking, splitting, merging.
 */

/* __vma_link_file: a file VMA joins its mapping's i_mmap as it joins an mm. */
static void vma_link_file(struct vm_area_struct *vma)
{
    if (!vma->vm_file)
        return;
    struct address_space *m = vma->vm_file->f_mapping;
    vma->i_mmap_prev = NULL;
    vma->i_mmap_next = m->i_mmap;
    if (m->i_mmap)
        m->i_mmap->i_mmap_prev = vma;
    m->i_mmap = vma;
}

/* __remove_shared_vm_struct: it leaves i_mmap as it leaves its mm. */
static void unlink_file_vma(struct vm_area_struct *vma)
{
    if (!vma->vm_file)
        return;
    struct address_space *m = vma->vm_file->f_mapping;
    if (vma->i_mmap_prev)
        vma->i_mmap_prev->i_mmap_next = vma->i_mmap_next;
    else
        m->i_mmap = vma->i_mmap_next;
    if (vma->i_mmap_next)
        vma->i_mmap_next->i_mmap_prev = vma->i_mmap_prev;
    vma->i_mmap_next = vma->i_mmap_prev = NULL;
}

void vma_link_after(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev)
{
    struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;

    vma->vm_mm = mm;
    vma->vm_prev = prev;
    vma->vm_next = next;
    if (prev)
        prev->vm_next = vma;
    else
        mm->mmap = vma;
    if (next)
        next->vm_prev = vma;
    mm->map_count++;
    /* In order, vma goes between prev and next: as next's left child if it has none, else
     * (prev is then the rightmost node of next's left subtree) as prev's right child. */
    if (next && !next->vm_rb.rb_left)
        rb_link_node(&vma->vm_rb, &next->vm_rb, &next->vm_rb.rb_left);
    else if (prev)
        rb_link_node(&vma->vm_rb, &prev->vm_rb, &prev->vm_rb.rb_right);
    else
        rb_link_node(&vma->vm_rb, NULL, &mm->mm_rb.rb_node);
    rb_insert_augmented(&vma->vm_rb, &mm->mm_rb, vma_gap_augment);
    vma_gap_update(next); /* its gap now starts at vma's end */
    vma_link_file(vma);
    vma->vm_linked = true;
    anon_vma_interval_tree_post_update_vma(vma); /* in the anonymous index if it has an anon_vma */
}

static void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
    struct vm_area_struct *next = vma->vm_next;

    if (vma->vm_prev)
        vma->vm_prev->vm_next = next;
    else
        mm->mmap = next;
    if (next)
        next->vm_prev = vma->vm_prev;
    rb_erase_augmented(&vma->vm_rb, &mm->mm_rb, vma_gap_augment);
    vma_gap_update(next); /* its gap now starts at the end of the VMA before vma */
    if (mm->vmacache == vma)
        mm->vmacache = NULL;
    mm->map_count--;
    unlink_file_vma(vma);
    vma->vm_linked = false;
    anon_vma_interval_tree_post_update_vma(vma); /* out of the anonymous index */
}

/* vma_free - vma is out of the list (vma_unlink): drop its file and anon_vma, free it. */
static void vma_free(struct vm_area_struct *vma)
{
    if (vma->vm_file)
        fput(vma->vm_file);
    unlink_anon_vmas(vma);
    free(vma);
}

void mm_stat_account(struct mm_struct *mm, unsigned long flags, long npages)
{
    if (npages < 0)
        update_hiwater_vm(mm);
    mm->total_vm += npages;
    if ((flags & (VM_EXEC | VM_WRITE)) == VM_EXEC)
        mm->exec_vm += npages;
    else if (flags & VM_GROWSDOWN)
        mm->stack_vm += npages;
    else if ((flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
        mm->data_vm += npages;
}

bool may_expand_vm(const struct mm_struct *mm, unsigned long flags, unsigned long npages)
{
    if (mm->total_vm + npages > mm_rlimit(mm, RLIMIT_AS) >> PAGE_SHIFT)
        return false;
    if ((flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE &&
        mm->data_vm + npages > mm_rlimit(mm, RLIMIT_DATA) >> PAGE_SHIFT) {
        /* Linux's workaround for Valgrind, which sets a soft limit of 0 for its own use */
        return mm_rlimit(mm, RLIMIT_DATA) == 0 &&
               mm->data_vm + npages <= mm->owner->rlim[RLIMIT_DATA].max >> PAGE_SHIFT;
    }
    return true;
}

/*
 * split_vma - cut vma at addr (strictly inside it) into two VMAs with the same properties.
 * new_below: the new VMA is the lower part. The page tables are untouched (PTEs do not know
 * which VMA they belong to) but for a huge PMD across addr, which is split first
 * (vma_adjust_trans_huge): a huge page lies in one VMA. -ENOMEM past the map count limit.
 */
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, int new_below)
{
    if (mm->map_count >= sysctl_max_map_count)
        return -ENOMEM;
    /* __split_vma: vm_ops->split, which only hugetlb's has */
    if (is_vm_hugetlb_page(vma)) {
        int err = hugetlb_vm_op_split(vma, addr);
        if (err)
            return err;
    }
    uint64_t *pmd = addr & ~HPAGE_PMD_MASK ? lookup_pmd(mm, addr) : NULL;
    if (pmd && pmd_trans_huge(*pmd))
        split_huge_pmd(vma, pmd);
    struct vm_area_struct *new = vm_area_dup(vma);
    if (!new)
        return -ENOMEM;
    if (new->vm_file)
        get_file(new->vm_file);
    anon_vma_clone(new, vma);                   /* both pieces share the anon_vma */
    anon_vma_interval_tree_pre_update_vma(vma); /* vma's range changes: out of the index */
    if (new_below) {
        new->vm_end = addr;
        vma->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
        vma->vm_start = addr;
        anon_vma_interval_tree_post_update_vma(vma);
        vma_link_after(mm, new, vma->vm_prev);
    } else {
        new->vm_start = addr;
        new->vm_pgoff += (addr - vma->vm_start) >> PAGE_SHIFT;
        vma->vm_end = addr;
        anon_vma_interval_tree_post_update_vma(vma);
        vma_link_after(mm, new, vma);
    }
    return 0;
}

int vma_split_range(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start,
                    unsigned long end)
{
    int err = 0;

    if (start != vma->vm_start)
        err = split_vma(mm, vma, start, 1);
    if (!err && end != vma->vm_end)
        err = split_vma(mm, vma, end, 0);
    return err;
}

int vma_range_apply(struct mm_struct *mm, unsigned long start, unsigned long end,
                    vma_fixup_fn fixup, void *arg)
{
    struct vm_area_struct *prev, *vma = find_vma(mm, start);
    unsigned long nstart = start;

    if (!vma || vma->vm_start > start)
        return -ENOMEM;
    while (nstart < end) {
        unsigned long tmp = vma->vm_end < end ? vma->vm_end : end;
        int err = fixup(vma, &prev, nstart, tmp, arg);

        if (err)
            return err;
        /* prev may have merged with the VMA after it, which then needs nothing more */
        nstart = tmp < prev->vm_end ? prev->vm_end : tmp;
        if (nstart >= end)
            break;
        vma = prev->vm_next;
        if (!vma || vma->vm_start != nstart)
            return -ENOMEM;
    }
    return 0;
}

/* is_mergeable: may a VMA with these properties absorb the range next to it? */
static bool can_merge(const struct vm_area_struct *vma, unsigned long vm_flags, struct file *file,
                      const struct vm_operations_struct *ops)
{
    /* a new range is never registered with a userfaultfd (VM_UFFD_MISSING tells it apart);
     * vma_merge: nothing VM_SPECIAL merges (a hugetlb VMA's VM_DONTEXPAND: in Linux each
     * anonymous one has a hugetlbfs file of its own) */
    return vma->vm_flags == vm_flags && vma->vm_file == file && vma->vm_ops == ops &&
           !vma->special_name && !(vm_flags & VM_SPECIAL);
}

/*
 * is_mergeable_anon_vma - may a range whose anon_vma is anon_vma1 (src: the VMA that holds it
 * now, NULL for a new range) join vma, whose anon_vma is anon_vma2 (vma NULL: the two neighbours
 * of a range that would become one)? Yes if the anon_vmas are the same or both NULL. If only
 * vma has one, only when vma's anon_vma chain is singular, as in 4.20: a VMA that fork gave an
 * anon_vma takes in no range without one, or the child's VMAs would grow as their parent's
 * lineage's. If only the range has one, only when src's chain is singular: 4.20 asked vma's
 * chain there too, which, vma having no anon_vma, is empty, so a faulted range never joined an
 * untouched neighbour (an accident of 3.0's commit 965f55dea0e3); later kernels, the host's
 * 6.18 that the tests compare with among them, ask src's, as here.
 */
static bool is_mergeable_anon_vma(const struct anon_vma *anon_vma1,
                                  const struct anon_vma *anon_vma2,
                                  const struct vm_area_struct *vma,
                                  const struct vm_area_struct *src)
{
    if (!anon_vma1 && !anon_vma2)
        return true;
    if (!anon_vma2)
        return !src || anon_vma_chain_singular(src);
    if (!anon_vma1)
        return !vma || anon_vma_chain_singular(vma);
    return anon_vma1 == anon_vma2;
}

/*
 * vma_absorb_next - a takes in b, the VMA right above it, which goes. A keeps its anon_vma, or
 * takes b's if it has none (Linux's importer/exporter in __vma_adjust). The PTEs need no change:
 * they do not know their VMA.
 */
static void vma_absorb_next(struct mm_struct *mm, struct vm_area_struct *a)
{
    struct vm_area_struct *b = a->vm_next;
    anon_vma_interval_tree_pre_update_vma(a);
    a->vm_end = b->vm_end;
    if (!a->anon_vma)
        anon_vma_clone(a, b);
    anon_vma_interval_tree_post_update_vma(a);
    vma_unlink(mm, b);
    vma_free(b);
}

/*
 * vma_merge - the range [addr, end) (just made free of mappings) gets vm_flags/file/pgoff and no
 * anon_vma; try to extend prev and/or next over it instead of making a new VMA. Returns the VMA
 * that now covers the range, or NULL if no merge was possible.
 */
struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev,
                                 unsigned long addr, unsigned long end, unsigned long vm_flags,
                                 struct file *file, pgoff_t pgoff,
                                 const struct vm_operations_struct *ops)
{
    struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;
    pgoff_t pglen = (end - addr) >> PAGE_SHIFT;
    /* can_vma_merge_after/before: the pages must go on in vm_pgoff, anonymous ones too (their
     * vm_pgoff is the address they were first mapped at, kept when mremap moves them), so a
     * moved VMA does not merge with the ones around its new place */
    bool merge_prev = prev && prev->vm_end == addr && can_merge(prev, vm_flags, file, ops) &&
                      prev->vm_pgoff + vma_pages(prev) == pgoff &&
                      is_mergeable_anon_vma(NULL, prev->anon_vma, prev, NULL);
    bool merge_next = next && next->vm_start == end && can_merge(next, vm_flags, file, ops) &&
                      pgoff + pglen == next->vm_pgoff &&
                      is_mergeable_anon_vma(NULL, next->anon_vma, next, NULL);

    if (merge_prev && merge_next &&
        is_mergeable_anon_vma(prev->anon_vma, next->anon_vma, NULL, NULL)) {
        anon_vma_interval_tree_pre_update_vma(prev); /* vma_absorb_next puts it back */
        prev->vm_end = end;
        vma_absorb_next(mm, prev);
        khugepaged_enter_vma_merge(prev, vm_flags);
        return prev;
    }
    if (merge_prev) {
        anon_vma_interval_tree_pre_update_vma(prev);
        prev->vm_end = end;
        anon_vma_interval_tree_post_update_vma(prev);
        vma_gap_update(prev->vm_next);
        khugepaged_enter_vma_merge(prev, vm_flags);
        return prev;
    }
    if (merge_next) {
        anon_vma_interval_tree_pre_update_vma(next);
        next->vm_start = addr;
        next->vm_pgoff = pgoff;
        anon_vma_interval_tree_post_update_vma(next);
        vma_gap_update(next);
        khugepaged_enter_vma_merge(next, vm_flags);
        return next;
    }
    return NULL;
}

/* Can `a` (below) and `b` (directly above it) be one VMA, anon_vmas aside? */
static bool vmas_mergeable(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
    /* is_mergeable_vm_userfaultfd_ctx: the same userfaultfd, or none */
    return a->vm_end == b->vm_start && can_merge(a, b->vm_flags, b->vm_file, b->vm_ops) &&
           a->vm_userfaultfd_ctx == b->vm_userfaultfd_ctx && !b->special_name &&
           a->vm_pgoff + vma_pages(a) == b->vm_pgoff;
}

/*
 * vma_merge_neighbours - vma changed (its flags, its end, its place): merge it with the VMAs
 * around it that now match, in vma_merge's order: with prev (and next too if prev's and next's
 * anon_vmas agree), else with next. Each neighbour is asked whether it takes in vma's anon_vma
 * (can_vma_merge_after/before). Returns the VMA that covers vma's range.
 */
struct vm_area_struct *vma_merge_neighbours(struct mm_struct *mm, struct vm_area_struct *vma)
{
    struct vm_area_struct *prev = vma->vm_prev, *next = vma->vm_next;
    bool merge_prev = prev && vmas_mergeable(prev, vma) &&
                      is_mergeable_anon_vma(vma->anon_vma, prev->anon_vma, prev, vma);
    bool merge_next = next && vmas_mergeable(vma, next) &&
                      is_mergeable_anon_vma(vma->anon_vma, next->anon_vma, next, vma);

    if (merge_prev) {
        bool merge_both =
            merge_next && is_mergeable_anon_vma(prev->anon_vma, next->anon_vma, NULL, NULL);
        vma_absorb_next(mm, prev);
        if (merge_both)
            vma_absorb_next(mm, prev);
        khugepaged_enter_vma_merge(prev, prev->vm_flags);
        return prev;
    }
    if (merge_next) {
        vma_absorb_next(mm, vma);
        khugepaged_enter_vma_merge(vma, vma->vm_flags);
    }
    return vma;
}

/* anon_vma_compatible - could a and b (directly above it) merge but for their rights? The test
 * for sharing an anon_vma at a fault, since mprotect may make them alike later. */
static bool anon_vma_compatible(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
    return a->vm_end == b->vm_start && a->vm_file == b->vm_file &&
           !((a->vm_flags ^ b->vm_flags) & ~VM_ACCESS_FLAGS) &&
           b->vm_pgoff == a->vm_pgoff + vma_pages(a);
}

/* reusable_anon_vma - old's anon_vma, if a and b (one of them old) are compatible and old's
 * anon_vma chain is singular (an anon_vma of a forked VMA stays with its lineage). */
static struct anon_vma *reusable_anon_vma(const struct vm_area_struct *old,
                                          const struct vm_area_struct *a,
                                          const struct vm_area_struct *b)
{
    return anon_vma_compatible(a, b) && anon_vma_chain_singular(old) ? old->anon_vma : NULL;
}

struct anon_vma *find_mergeable_anon_vma(struct vm_area_struct *vma)
{
    struct anon_vma *anon_vma = NULL;
    if (vma->vm_next)
        anon_vma = reusable_anon_vma(vma->vm_next, vma, vma->vm_next);
    if (!anon_vma && vma->vm_prev)
        anon_vma = reusable_anon_vma(vma->vm_prev, vma->vm_prev, vma);
    return anon_vma;
}

/* ---------------------------------------------------------------------------------------------
 * Placement.
 */

/*
 * The free ranges are the gaps below each VMA, [vm_end of the one before (0), vm_start_gap),
 * and the one above the last VMA. A search wants a gap whose part inside [low, high) holds len
 * bytes. A subtree whose largest gap is under len holds none; the gaps of the VMAs right of a
 * node start at or above its vm_end, those left of it end at or below its vm_start.
 */
struct gap_search {
    unsigned long len, low, high;
};

static unsigned long gap_start(const struct vm_area_struct *vma)
{
    return vma->vm_prev ? vma->vm_prev->vm_end : 0;
}

/* Does the gap below vma, clipped to [low, high), hold len bytes? */
static bool gap_fits(const struct vm_area_struct *vma, const struct gap_search *gs)
{
    unsigned long start = gap_start(vma), end = vm_start_gap(vma);
    if (start < gs->low)
        start = gs->low;
    if (end > gs->high)
        end = gs->high;
    return end > start && end - start >= gs->len;
}

static struct vm_area_struct *highest_fit(struct rb_node *n, const struct gap_search *gs)
{
    if (!n || subtree_gap(n) < gs->len)
        return NULL;
    struct vm_area_struct *vma = rb_entry(n, struct vm_area_struct, vm_rb), *found;
    if (gap_start(vma) + gs->len <= gs->high) { /* else nothing from here rightwards fits */
        if ((found = highest_fit(n->rb_right, gs)))
            return found;
        if (gap_fits(vma, gs))
            return vma;
    }
    return vma->vm_start > gs->low + gs->len ? highest_fit(n->rb_left, gs) : NULL;
}

static struct vm_area_struct *lowest_fit(struct rb_node *n, const struct gap_search *gs)
{
    if (!n || subtree_gap(n) < gs->len)
        return NULL;
    struct vm_area_struct *vma = rb_entry(n, struct vm_area_struct, vm_rb), *found;
    if (vma->vm_start > gs->low + gs->len && (found = lowest_fit(n->rb_left, gs)))
        return found;
    if (gap_start(vma) + gs->len > gs->high) /* nothing from here rightwards fits */
        return NULL;
    if (gap_fits(vma, gs))
        return vma;
    return lowest_fit(n->rb_right, gs);
}

/* unmapped_area_topdown: the top len bytes of the highest gap in [low, high), or -ENOMEM. */
static unsigned long unmapped_area_topdown(struct mm_struct *mm, unsigned long len,
                                           unsigned long low, unsigned long high)
{
    struct gap_search gs = {len, low, high};
    if (high < low || high - low < len)
        return -ENOMEM;
    struct vm_area_struct *last = last_vma(mm), *vma;
    if (!last || last->vm_end <= high - len) /* the gap above every VMA */
        return high - len;
    if (!(vma = highest_fit(mm->mm_rb.rb_node, &gs)))
        return -ENOMEM;
    unsigned long end = vm_start_gap(vma);
    return (end < high ? end : high) - len;
}

/* unmapped_area: the bottom len bytes of the lowest gap in [low, high), or -ENOMEM. */
static unsigned long unmapped_area(struct mm_struct *mm, unsigned long len, unsigned long low,
                                   unsigned long high)
{
    struct gap_search gs = {len, low, high};
    if (high < low || high - low < len)
        return -ENOMEM;
    struct vm_area_struct *vma = lowest_fit(mm->mm_rb.rb_node, &gs), *last;
    if (vma) {
        unsigned long start = gap_start(vma);
        return start > low ? start : low;
    }
    last = last_vma(mm);
    unsigned long start = last && last->vm_end > low ? last->vm_end : low;
    return start <= high - len ? start : (unsigned long)-ENOMEM;
}

/* arch_get_unmapped_area for MAP_32BIT (find_start_end): the hint if it fits below 2 GiB, else
 * the lowest gap of [1 GiB, 2 GiB) that holds len bytes (not randomized: the model has no ASLR). */
static unsigned long unmapped_area_32bit(struct mm_struct *mm, unsigned long addr,
                                         unsigned long len)
{
    const unsigned long begin = 0x40000000UL, end = 0x80000000UL;

    if (len > end)
        return -ENOMEM;
    if (addr) {
        addr = PAGE_ALIGN(addr);
        struct vm_area_struct *vma = find_vma(mm, addr);
        if (end - len >= addr && (!vma || addr + len <= vm_start_gap(vma)))
            return addr;
    }
    return unmapped_area(mm, len, begin, end);
}

/*
 * hugetlb_get_unmapped_area (arch/x86/mm/hugetlbpage.c, the hugetlbfs file's f_op): len in
 * whole huge pages; a MAP_FIXED address on a huge page boundary (prepare_hugepage_range), a
 * hint rounded up to one, else the top-down search with align_mask, as
 * vm_unmapped_area does it: a gap of len + align_mask bytes, the highest huge page boundary
 * in it that leaves len bytes above.
 */
static unsigned long hugetlb_get_unmapped_area(struct mm_struct *mm, unsigned long addr,
                                               unsigned long len, unsigned long flags)
{
    unsigned long hsize = hstate_size_from_flags(flags), mask = hsize - PAGE_SIZE;

    if (!hsize || (len & (hsize - 1)))
        return -EINVAL;
    if (len > mm->task_size)
        return -ENOMEM;
    if (flags & MAP_FIXED)
        return (addr & (hsize - 1)) ? (unsigned long)-EINVAL : addr;
    if (addr) {
        addr = (addr + hsize - 1) & ~(hsize - 1);
        struct vm_area_struct *vma = find_vma(mm, addr);
        if (addr && mm->task_size - len >= addr && (!vma || addr + len <= vm_start_gap(vma)))
            return addr;
    }
    if (len + mask < len)
        return -ENOMEM;
    unsigned long found = unmapped_area_topdown(mm, len + mask, PAGE_SIZE, mm->mmap_base);
    if ((long)found >= 0)
        return (found + mask) & ~(hsize - 1); /* gap_end - len, rounded down */
    /* hugetlb_get_unmapped_area_topdown's fallback: bottom-up from TASK_UNMAPPED_BASE */
    found = unmapped_area(mm, len + mask, mm->mmap_base, mm->task_size);
    if ((long)found < 0)
        return found;
    return (found + mask) & ~(hsize - 1);
}

unsigned long get_unmapped_area(struct mm_struct *mm, struct file *file, unsigned long addr,
                                unsigned long len, unsigned long pgoff, unsigned long flags)
{
    (void)file;
    (void)pgoff;
    if (len > mm->task_size - mmap_min_addr)
        return -ENOMEM;
    if (flags & MAP_HUGETLB)
        return hugetlb_get_unmapped_area(mm, addr, len, flags);
    if (flags & MAP_FIXED)
        return addr;
    /* arch_get_unmapped_area_topdown: MAP_32BIT goes bottom-up below 2 GiB */
    if (flags & MAP_32BIT)
        return unmapped_area_32bit(mm, addr, len);
    if (addr) {
        addr = PAGE_ALIGN(addr);
        struct vm_area_struct *prev, *vma = find_vma_prev(mm, addr, &prev);
        if (mm->task_size - len >= addr && addr >= mmap_min_addr &&
            (!vma || addr + len <= vm_start_gap(vma)) && (!prev || addr >= prev->vm_end))
            return addr;
    }
    /* arch_get_unmapped_area_topdown: the highest gap below mmap_base, else the lowest one
     * above it */
    unsigned long addr_found = unmapped_area_topdown(mm, len, mmap_min_addr, mm->mmap_base);
    if ((long)addr_found < 0)
        addr_found = unmapped_area(mm, len, mm->mmap_base, mm->task_size);
    return addr_found;
}

/* ---------------------------------------------------------------------------------------------
 * Unmapping.
 */

/*
 * do_munmap - remove every mapping in [start, start+len): split the VMAs that straddle the ends,
 * zap their PTEs (writing back dirty shared file pages), free them.
 */
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len)
{
    if ((start & ~PAGE_MASK) || start > mm->task_size || len > mm->task_size - start)
        return -EINVAL;
    len = PAGE_ALIGN(len);
    if (len == 0)
        return -EINVAL;
    unsigned long end = start + len;
    struct vm_area_struct *prev, *vma = find_vma_prev(mm, start, &prev);
    if (!vma || vma->vm_start >= end)
        return 0;
    if (vma->vm_start < start) {
        int err = split_vma(mm, vma, start, 0);
        if (err)
            return err;
        vma = vma->vm_next;
    }
    struct vm_area_struct *last = find_vma(mm, end);
    if (last && last->vm_start < end) {
        int err = split_vma(mm, last, end, 1);
        if (err)
            return err;
    }
    vma = find_vma(mm, start); /* the splits may have put a new struct at start */
    while (vma && vma->vm_start < end) {
        struct vm_area_struct *next = vma->vm_next;
        zap_page_range(vma, vma->vm_start, vma->vm_end);
        mm_stat_account(mm, vma->vm_flags, -(long)vma_pages(vma));
        vma_unlink(mm, vma);
        vma_free(vma);
        vma = next;
    }
    /* unmap_region's free_pgtables, between the neighbours left */
    prev = NULL;
    struct vm_area_struct *after = find_vma_prev(mm, start, &prev);
    free_pte_tables(mm, start, end, prev ? prev->vm_end : 0, after ? after->vm_start : 0);
    CHECK_MM(mm, "do_munmap");
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Mapping.
 */

static unsigned long calc_vm_prot_bits(unsigned long prot)
{
    return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
           ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

/* count_vma_pages_range - the pages of [addr, end) that VMAs cover now. */
static unsigned long count_vma_pages_range(struct mm_struct *mm, unsigned long addr,
                                           unsigned long end)
{
    unsigned long nr = 0;
    for (struct vm_area_struct *vma = find_vma(mm, addr); vma && vma->vm_start < end;
         vma = vma->vm_next) {
        unsigned long s = vma->vm_start > addr ? vma->vm_start : addr;
        unsigned long e = vma->vm_end < end ? vma->vm_end : end;
        nr += (e - s) >> PAGE_SHIFT;
    }
    return nr;
}

/* mmap_region - [addr, addr+len) is the chosen place: clear it, then merge or insert a VMA. */
static long mmap_region(struct mm_struct *mm, struct file *file, unsigned long addr,
                        unsigned long len, unsigned long vm_flags, pgoff_t pgoff)
{
    const struct vm_operations_struct *ops = NULL;
    bool new_shmem = false;

    /* the address-space limits, counting what a MAP_FIXED mapping would replace as gone */
    if (!may_expand_vm(mm, vm_flags, len >> PAGE_SHIFT) &&
        !may_expand_vm(mm, vm_flags,
                       (len >> PAGE_SHIFT) - count_vma_pages_range(mm, addr, addr + len)))
        return -ENOMEM;
    int err = do_munmap(mm, addr, len);
    if (err)
        return err;
    /* private writable memory is charged (accountable_mapping), shared anonymous memory by its
     * file below; the old mapping is gone either way, as in Linux */
    if ((vm_flags & VM_ACCOUNT) && security_vm_enough_memory_mm(mm, len >> PAGE_SHIFT))
        return -ENOMEM;
    if (!file && (vm_flags & VM_SHARED)) {
        /* shmem_zero_setup: shared anonymous memory is a file of zeroes, charged unless
         * MAP_NORESERVE */
        file = shmem_file_setup(mm, "dev/zero", len, vm_flags);
        if (!file)
            return -ENOMEM;
        new_shmem = true;
        pgoff = 0;
    }
    if (file)
        ops = file->f_vm_ops           ? file->f_vm_ops
              : file->f_mapping->shmem ? &shmem_vm_ops
                                       : &generic_file_vm_ops;

    struct vm_area_struct *prev, *vma;
    find_vma_prev(mm, addr, &prev);
    vma = new_shmem ? NULL : vma_merge(mm, prev, addr, addr + len, vm_flags, file, pgoff, ops);
    if (!vma) {
        if (mm->map_count > sysctl_max_map_count) { /* do_mmap and do_brk_flags check first */
            if (new_shmem)
                fput(file);
            return -ENOMEM;
        }
        vma = calloc(1, sizeof(*vma));
        if (!vma)
            return -ENOMEM;
        vma->vm_start = addr;
        vma->vm_end = addr + len;
        vma->vm_flags = vm_flags;
        vma->vm_pgoff = pgoff;
        vma->vm_ops = ops;
        vma->vm_file = file ? (new_shmem ? file : get_file(file)) : NULL;
        vma_set_page_prot(vma);
        vma_link_after(mm, vma, prev);
    }
    mm_stat_account(mm, vm_flags, len >> PAGE_SHIFT);
    CHECK_MM(mm, "mmap_region");
    return addr;
}

/*
 * do_mmap - mmap(2) after the syscall layer: prot/flags are the MAP_* and PROT_* values, pgoff in
 * pages. Returns the address or -errno. Nothing is faulted in (MAP_POPULATE aside, which the
 * caller may do by touching the pages).
 */
long do_mmap(struct mm_struct *mm, struct file *file, unsigned long addr, unsigned long len,
             unsigned long prot, unsigned long flags, unsigned long pgoff)
{
    if (!len)
        return -EINVAL;
    if (len > mm->task_size || PAGE_ALIGN(len) < len)
        return -ENOMEM;
    len = PAGE_ALIGN(len);
    /* Linux refuses only a wrapping offset; struct page here holds 47 bits of index (2^59
     * bytes of file), so an offset past that is refused the same way. */
    if (pgoff + (len >> PAGE_SHIFT) < pgoff || pgoff + (len >> PAGE_SHIFT) > PAGE_INDEX_MAX + 1)
        return -EOVERFLOW;
    /* "Too many mappings?": one more than vm.max_map_count may come of this call */
    if (mm->map_count > sysctl_max_map_count)
        return -ENOMEM;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr & ~PAGE_MASK)
            return -EINVAL;
        if (addr < mmap_min_addr && security_mmap_addr(mm, addr))
            return -EPERM;
        if (addr > mm->task_size - len)
            return -ENOMEM;
    }
    /* round_hint_to_min: a hint is rounded down to its page, and one below mmap_min_addr moved
     * up to it, before get_unmapped_area looks at it */
    if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
        addr &= PAGE_MASK;
        if (addr && addr < mmap_min_addr)
            addr = PAGE_ALIGN(mmap_min_addr);
    }
    if (flags & MAP_FIXED_NOREPLACE) {
        flags |= MAP_FIXED;
        struct vm_area_struct *v = find_vma(mm, addr);
        if (v && v->vm_start < addr + len)
            return -EEXIST;
    }

    unsigned long vm_flags =
        calc_vm_prot_bits(prot) | mm->def_flags | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
    if (flags & MAP_GROWSDOWN)
        vm_flags |= VM_GROWSDOWN;
    if (flags & MAP_LOCKED)
        vm_flags |= VM_LOCKED;
    if (flags & MAP_NORESERVE)
        vm_flags |= VM_NORESERVE;
    /* an anonymous MAP_HUGETLB mapping: hugetlbfs_file_mmap's flags (the syscall layer sized
     * len in huge pages and refused the mapping unless MAP_NORESERVE) */
    if (!file && (flags & MAP_HUGETLB))
        vm_flags |= VM_HUGETLB | VM_DONTEXPAND;
    else
        flags &= ~(unsigned long)MAP_HUGETLB;

    if (file && (flags & MAP_TYPE) == MAP_SHARED_VALIDATE && (flags & ~LEGACY_MAP_MASK))
        return -EOPNOTSUPP; /* MAP_SYNC too: no file here is DAX */
    if (!file && (flags & MAP_TYPE) == MAP_SHARED_VALIDATE)
        return -EINVAL; /* 4.20 validates only file mappings' flags */
    switch (flags & MAP_TYPE) {
    case MAP_SHARED:
    case MAP_SHARED_VALIDATE:
        if (file) {
            if ((prot & PROT_WRITE) && !file->f_writable)
                return -EACCES;
            if (!file->f_readable)
                return -EACCES;
            if (!file->f_writable)
                vm_flags &= ~VM_MAYWRITE;
            else
                vm_flags |= VM_SHARED | VM_MAYSHARE;
            if (!file->f_writable)
                vm_flags |= VM_MAYSHARE;
        } else {
            if (vm_flags & VM_GROWSDOWN) /* shared anonymous memory cannot grow */
                return -EINVAL;
            vm_flags |= VM_SHARED | VM_MAYSHARE;
        }
        break;
    case MAP_PRIVATE:
        if (file && !file->f_readable)
            return -EACCES;
        if (!file)
            pgoff = addr >> PAGE_SHIFT;
        break;
    default:
        return -EINVAL;
    }

    long where = get_unmapped_area(mm, file, addr, len, pgoff, flags);
    if (where < 0)
        return where;
    if (!file && !(vm_flags & VM_SHARED))
        pgoff = (unsigned long)where >> PAGE_SHIFT;
    /* mmap_region's accountable_mapping(): private writable memory is charged (VM_ACCOUNT). The
     * flag matters beyond accounting: VMAs with and without it never merge, which is why ld.so's
     * RELRO part stays a VMA of its own after mprotect(PROT_READ), as /proc/PID/maps shows. */
    if ((vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE | VM_HUGETLB)) == VM_WRITE)
        vm_flags |= VM_ACCOUNT; /* (never a hugetlb file's: accountable_mapping) */
    long ret = mmap_region(mm, file, where, len, vm_flags, pgoff);
    if (ret >= 0 && (vm_flags & VM_HUGETLB)) /* VM_SPECIAL: a VMA of its own */
        find_vma(mm, (unsigned long)ret)->vm_hpage_size = hstate_size_from_flags(flags);
    return ret;
}

/*
 * ksys_remap_file_pages - remap_file_pages(2) as 4.20 emulates it (SYSCALL_DEFINE5 in
 * mm/mmap.c): the nonlinear mappings are gone, so the range of a shared file mapping (shared
 * anonymous memory too: its shmem file) is mapped again at pgoff with the VMA's protection,
 * MAP_SHARED | MAP_FIXED | MAP_POPULATE. The range may span several VMAs of the same file and
 * flags with no hole between them. 0 or -errno; *populate gets the bytes to fault in.
 */
long ksys_remap_file_pages(struct mm_struct *mm, unsigned long start, unsigned long size,
                           unsigned long prot, unsigned long pgoff, unsigned long flags,
                           unsigned long *populate)
{
    *populate = 0;
    if (prot)
        return -EINVAL;
    start &= PAGE_MASK;
    size &= PAGE_MASK;
    if (start + size <= start)
        return -EINVAL;
    if (pgoff + (size >> PAGE_SHIFT) < pgoff) /* does pgoff wrap? */
        return -EINVAL;
    struct vm_area_struct *vma = find_vma(mm, start);
    if (!vma || !(vma->vm_flags & VM_SHARED) || start < vma->vm_start)
        return -EINVAL;
    if (start + size > vma->vm_end) {
        struct vm_area_struct *next;
        for (next = vma->vm_next; next; next = next->vm_next) {
            if (next->vm_start != next->vm_prev->vm_end) /* a hole between VMAs */
                return -EINVAL;
            if (next->vm_file != vma->vm_file || next->vm_flags != vma->vm_flags)
                return -EINVAL;
            if (start + size <= next->vm_end)
                break;
        }
        if (!next)
            return -EINVAL;
    }
    prot |= vma->vm_flags & VM_READ ? PROT_READ : 0;
    prot |= vma->vm_flags & VM_WRITE ? PROT_WRITE : 0;
    prot |= vma->vm_flags & VM_EXEC ? PROT_EXEC : 0;
    flags &= MAP_NONBLOCK;
    flags |= MAP_SHARED | MAP_FIXED | MAP_POPULATE;
    if (vma->vm_flags & VM_LOCKED)
        flags |= MAP_LOCKED;
    /* the old VMAs go inside do_mmap: hold the file across it */
    struct file *file = get_file(vma->vm_file);
    long ret = do_mmap(mm, file, start, size, prot, flags, pgoff);
    fput(file);
    if (ret < 0)
        return ret;
    if ((flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE || (flags & MAP_LOCKED))
        *populate = size;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * brk and the stack.
 */

/* do_brk_flags - an anonymous data mapping at [addr, addr+len), merged with the one below when it
 * can be (this is how the heap grows as one VMA). */
static int do_brk_flags(struct mm_struct *mm, unsigned long addr, unsigned long len,
                        unsigned long flags)
{
    len = PAGE_ALIGN(len);
    if (!len)
        return 0;
    if (addr + len > mm->task_size || addr + len < addr)
        return -ENOMEM;
    int err = do_munmap(mm, addr, len);
    if (err)
        return err;
    unsigned long vm_flags = VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | mm->def_flags | flags;
    if (mm->map_count > sysctl_max_map_count)
        return -ENOMEM;
    if (!may_expand_vm(mm, vm_flags, len >> PAGE_SHIFT) ||
        security_vm_enough_memory_mm(mm, len >> PAGE_SHIFT))
        return -ENOMEM;
    struct vm_area_struct *prev, *vma;
    find_vma_prev(mm, addr, &prev);
    vma = vma_merge(mm, prev, addr, addr + len, vm_flags, NULL, addr >> PAGE_SHIFT, NULL);
    if (!vma) {
        vma = calloc(1, sizeof(*vma));
        if (!vma)
            return -ENOMEM;
        vma->vm_start = addr;
        vma->vm_end = addr + len;
        vma->vm_flags = vm_flags;
        vma->vm_pgoff = addr >> PAGE_SHIFT;
        vma_set_page_prot(vma);
        vma_link_after(mm, vma, prev);
    }
    mm_stat_account(mm, vm_flags, len >> PAGE_SHIFT);
    CHECK_MM(mm, "do_brk_flags");
    return 0;
}

int vm_brk_flags(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long flags)
{
    return do_brk_flags(mm, addr, len, flags);
}

/* brk(2): move the break; returns the new break, or the old one if the move was refused. */
unsigned long do_brk(struct mm_struct *mm, unsigned long brk)
{
    if (brk < mm->start_brk)
        return mm->brk;
    /* check_data_rlimit, before anything else as in Linux (a break over the limit does not
     * move, not even down): the heap and the data segment together within RLIMIT_DATA */
    unsigned long data_limit = mm_rlimit(mm, RLIMIT_DATA);
    if (data_limit != ULONG_MAX &&
        (brk - mm->start_brk) + (mm->end_data - mm->start_data) > data_limit)
        return mm->brk;
    unsigned long newbrk = PAGE_ALIGN(brk), oldbrk = PAGE_ALIGN(mm->brk);
    if (oldbrk == newbrk) {
        mm->brk = brk;
        return brk;
    }
    if (brk <= mm->brk) {
        if (do_munmap(mm, newbrk, oldbrk - newbrk) == 0)
            mm->brk = brk;
        return mm->brk;
    }
    struct vm_area_struct *next = find_vma(mm, oldbrk);
    if (next && newbrk + PAGE_SIZE > vm_start_gap(next))
        return mm->brk;
    if (do_brk_flags(mm, oldbrk, newbrk - oldbrk, 0) < 0)
        return mm->brk;
    mm->brk = brk;
    if (mm->def_flags & VM_LOCKED) /* after mlockall(MCL_FUTURE) */
        __mm_populate(mm, oldbrk, newbrk - oldbrk, 1);
    return brk;
}

/* insert_vm_struct - link a new VMA (vm_start, vm_end and vm_flags set) into the free range it
 * covers and account it; its page protection follows from vm_flags. -EEXIST if anything
 * overlaps the range: the caller frees the VMA then. */
static int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma)
{
    struct vm_area_struct *prev, *next = find_vma_prev(mm, vma->vm_start, &prev);
    if (next && next->vm_start < vma->vm_end)
        return -EEXIST;
    vma_set_page_prot(vma);
    vma_link_after(mm, vma, prev);
    mm_stat_account(mm, vma->vm_flags, (long)((vma->vm_end - vma->vm_start) >> PAGE_SHIFT));
    return 0;
}

int setup_stack_vma(struct mm_struct *mm, unsigned long start, unsigned long end)
{
    struct vm_area_struct *vma = calloc(1, sizeof(*vma));
    if (!vma)
        return -ENOMEM;
    vma->vm_start = start;
    vma->vm_end = end;
    vma->vm_flags = VM_STACK_DEFAULT_FLAGS;
    vma->vm_pgoff = start >> PAGE_SHIFT;
    int err = insert_vm_struct(mm, vma);
    if (err) {
        free(vma);
        return err;
    }
    mm->start_stack = end;
    CHECK_MM(mm, "setup_stack_vma");
    return 0;
}

/* special_mapping_fault - ->fault of a special mapping: the page at that offset of its set,
 * with a reference for the PTE (none is taken on a reserved page; put_page drops none). */
static vm_fault_t special_mapping_fault(struct vm_fault *vmf)
{
    const struct vm_special_mapping *sm = vmf->vma->vm_private_data;
    if (vmf->pgoff >= sm->nr_pages || !sm->pages[vmf->pgoff])
        return VM_FAULT_SIGBUS;
    vmf->page = sm->pages[vmf->pgoff];
    get_page(vmf->page);
    return 0;
}

static const struct vm_operations_struct special_mapping_vmops = {
    .name = "special_mapping",
    .fault = special_mapping_fault,
};

int install_special_mapping(struct mm_struct *mm, unsigned long addr, unsigned long len,
                            unsigned long vm_flags, const struct vm_special_mapping *sm)
{
    struct vm_area_struct *vma = calloc(1, sizeof(*vma));
    if (!vma)
        return -ENOMEM;
    vma->vm_start = addr;
    vma->vm_end = addr + len;
    vma->vm_flags = vm_flags | mm->def_flags | VM_DONTEXPAND;
    vma->vm_ops = &special_mapping_vmops;
    vma->vm_private_data = sm;
    vma->special_name = sm->name;
    int err = insert_vm_struct(mm, vma);
    if (err) {
        free(vma);
        return err;
    }
    CHECK_MM(mm, "install_special_mapping");
    return 0;
}

/*
 * expand_stack - grow a VM_GROWSDOWN VMA down to cover address. Refused (-ENOMEM) within
 * stack_guard_gap of the VMA below, or past RLIMIT_STACK; -EPERM below mmap_min_addr.
 */
int expand_stack(struct vm_area_struct *vma, unsigned long address)
{
    struct mm_struct *mm = vma->vm_mm;
    address &= PAGE_MASK;
    if (address < mmap_min_addr)
        return -EPERM;
    struct vm_area_struct *prev = vma->vm_prev;
    if (prev && !(prev->vm_flags & VM_GROWSDOWN) &&
        (prev->vm_flags & (VM_READ | VM_WRITE | VM_EXEC))) {
        if (address - prev->vm_end < stack_guard_gap)
            return -ENOMEM;
    }
    /* expand_downwards: the stack gets its anon_vma before it grows, as in Linux */
    if (anon_vma_prepare(vma))
        return -ENOMEM;
    if (address >= vma->vm_start)
        return 0;
    unsigned long size = vma->vm_end - address, grow = (vma->vm_start - address) >> PAGE_SHIFT;
    unsigned long limit = mm_rlimit_stack(mm);
    if (size > limit || !may_expand_vm(mm, vma->vm_flags, grow) || /* acct_stack_growth */
        security_vm_enough_memory_mm(mm, grow))
        return -ENOMEM;
    anon_vma_interval_tree_pre_update_vma(vma);
    vma->vm_start = address;
    vma->vm_pgoff -= grow;
    anon_vma_interval_tree_post_update_vma(vma);
    vma_gap_update(vma);
    mm_stat_account(mm, vma->vm_flags, grow);
    CHECK_MM(mm, "expand_stack");
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle.
 */

static int nr_mms;

/* Every live mm, for the walks that must see them all (the OOM killer, swapoff); the reverse
 * map finds a file's VMAs through its mapping's i_mmap, and the VMAs that may map an anonymous
 * page through the anonymous index (interval_tree.c). */
static struct mm_struct **all_mms;
static int all_mms_cap;

/* init_user_reserve: a 32nd of the free memory, at most 128 MiB, which OVERCOMMIT_NEVER keeps
 * back from any one process (__vm_enough_memory) so that its user can still start a shell. */
void init_user_reserve(void)
{
    unsigned long free_kbytes = nr_free_pages() << (PAGE_SHIFT - 10);

    sysctl_user_reserve_kbytes = free_kbytes / 32 < (1UL << 17) ? free_kbytes / 32 : 1UL << 17;
}

/* init_admin_reserve: a 32nd of the free memory, at most 8 MiB, kept back from tasks without
 * CAP_SYS_ADMIN under OVERCOMMIT_NEVER, so that root can still log in and kill a process. */
void init_admin_reserve(void)
{
    unsigned long free_kbytes = nr_free_pages() << (PAGE_SHIFT - 10);

    sysctl_admin_reserve_kbytes = free_kbytes / 32 < (1UL << 13) ? free_kbytes / 32 : 1UL << 13;
}

bool mm_single_user(void)
{
    return nr_mms <= 1;
}

/* Remember a new mm in all_mms. 0, or -ENOMEM. */
static int mmlist_add(struct mm_struct *mm)
{
    if (nr_mms == all_mms_cap) {
        int cap = all_mms_cap ? 2 * all_mms_cap : 16;
        struct mm_struct **n = realloc(all_mms, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        all_mms = n;
        all_mms_cap = cap;
    }
    all_mms[nr_mms] = mm;
    mm->mmlist_index = nr_mms;
    return 0;
}

static void mmlist_del(struct mm_struct *mm)
{
    for (int i = 0; i < nr_mms; i++) {
        if (all_mms[i] == mm) {
            all_mms[i] = all_mms[nr_mms - 1];
            all_mms[i]->mmlist_index = i;
            return;
        }
    }
}

void for_each_mm(void (*fn)(struct mm_struct *mm, void *ctx), void *ctx)
{
    for (int i = 0; i < nr_mms; i++)
        fn(all_mms[i], ctx);
}

/* mapping_writably_mapped: does any VMA map m shared and writable (VM_SHARED, which mmap sets
 * only for a file open for writing: 4.20's i_mmap_writable > 0)? */
bool mapping_writably_mapped(const struct address_space *m)
{
    for (const struct vm_area_struct *v = m->i_mmap; v; v = v->i_mmap_next)
        if (v->vm_flags & VM_SHARED)
            return true;
    return false;
}

unsigned long mapping_nr_vmas(const struct address_space *m)
{
    unsigned long n = 0;

    for (const struct vm_area_struct *v = m->i_mmap; v; v = v->i_mmap_next)
        n++;
    return n;
}

struct mm_struct *mm_alloc(void)
{
    struct mm_struct *mm = calloc(1, sizeof(*mm));
    if (!mm)
        return NULL;
    struct page *pgd = alloc_page_zeroed(GFP_PGTABLE);
    if (!pgd) {
        free(mm);
        return NULL;
    }
    if (mmlist_add(mm)) {
        put_page(pgd);
        free(mm);
        return NULL;
    }
    pgd->flags |= 1UL << PG_pgtable;
    mm->pgd = page_address(pgd);
    mm->task_size = TASK_SIZE;
    mm->mmap_base = PAGE_ALIGN(TASK_SIZE - MIN_GAP);
    mm->mm_users = 1;
    mm->dumpable = SUID_DUMP_USER;
    nr_mms++;
    return mm;
}

/* exit_mmap - tear everything down: PTEs (with write-back), VMAs, page tables. */
static void exit_mmap(struct mm_struct *mm)
{
    for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
        zap_page_range(v, v->vm_start, v->vm_end);
    while (mm->mmap) {
        struct vm_area_struct *v = mm->mmap;
        vma_unlink(mm, v);
        vma_free(v);
    }
    free_pgtables_all(mm);
    put_page(virt_to_page(mm->pgd));
    mm->total_vm = 0;
    userfaultfd_mm_gone(mm);
}

void mmput(struct mm_struct *mm)
{
    if (!mm || --mm->mm_users > 0)
        return;
    exit_aio(mm);
    khugepaged_exit(mm);
    exit_mmap(mm);
    mm_put_huge_zero_page(mm);
    mmlist_del(mm);
    nr_mms--;
    free(mm);
}
