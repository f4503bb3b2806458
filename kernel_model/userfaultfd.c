/*
 * userfaultfd.c - missing-page faults handled by user space (models fs/userfaultfd.c and
 * mm/userfaultfd.c of Linux 4.20).
 *
 * A process registers anonymous ranges with a userfaultfd. A fault on a page of such a range
 * whose PTE is none does not get a page: handle_userfault queues a message for the file and the
 * faulting task sleeps until a UFFDIO_COPY, UFFDIO_ZEROPAGE or UFFDIO_WAKE covers its address
 * (or the file is closed, or a signal comes), and the access is then made again. The contexts
 * and their waiting faults are model state; emu/sys_userfaultfd.c is the file and the sleeping.
 *
 * A kernel-mode access (copy_to_user in a system call) waits too, but the emulator cannot sleep
 * in the middle of a system call: the call is run again from the start once the page is there
 * (emu/syscall.c). A read(2) faults its buffer in before it takes data from the host, so nothing
 * it read is lost; a call that has done something else before its access does it again.
 *
 * Left out from 4.20: the events (fork, mremap, MADV_DONTNEED, munmap: without them a child's
 * VMAs and a moved VMA lose their registration, as in 4.20 without the features), and shmem and
 * hugetlbfs ranges (EINVAL).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/trace.h"
#include "kernel_model/userfaultfd_k.h"

static struct userfaultfd_ctx *all_ctx;

struct userfaultfd_ctx *userfaultfd_ctx_create(struct mm_struct *mm, unsigned flags)
{
    struct userfaultfd_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    ctx->refcount = 1;
    ctx->flags = flags;
    ctx->state = UFFD_STATE_WAIT_API;
    ctx->mm = mm;
    ctx->next_ctx = all_ctx;
    all_ctx = ctx;
    return ctx;
}

/* userfaultfd_ctx_put: the last reference frees ctx (no waiter is left by then). false if it
 * did. */
static bool ctx_put(struct userfaultfd_ctx *ctx)
{
    if (--ctx->refcount > 0)
        return true;
    for (struct userfaultfd_ctx **pp = &all_ctx; *pp; pp = &(*pp)->next_ctx)
        if (*pp == ctx) {
            *pp = ctx->next_ctx;
            break;
        }
    free(ctx);
    return false;
}

void userfaultfd_mm_gone(struct mm_struct *mm)
{
    for (struct userfaultfd_ctx *ctx = all_ctx; ctx; ctx = ctx->next_ctx)
        if (ctx->mm == mm)
            ctx->mm = NULL;
}

/* __wake_userfault: mark the waiters of ctx in [start, start + len) woken (len 0: all). They
 * stay listed until their task takes the wake (userfaultfd_wait_done), but are no longer
 * pending for read(2). */
static void wake_userfault(struct userfaultfd_ctx *ctx, unsigned long start, unsigned long len)
{
    for (struct userfaultfd_wait *w = ctx->waiters; w; w = w->next)
        if (!len || (w->address >= start && w->address - start < len))
            w->waken = true;
}

int userfaultfd_validate_range(struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len)
{
    unsigned long task_size = ctx->mm ? ctx->mm->task_size : TASK_SIZE;
    if ((start & ~PAGE_MASK) || (len & ~PAGE_MASK) || !len)
        return -EINVAL;
    if (start < arch_mmap_min_addr() || start >= task_size || len > task_size - start)
        return -EINVAL;
    return 0;
}

/* vma_can_userfault: the model registers private anonymous memory only. */
static bool vma_can_userfault(const struct vm_area_struct *vma)
{
    return !vma->vm_file && !vma->vm_ops && !(vma->vm_flags & VM_SHARED) && !vma->special_name;
}

/* Give [start, end) of vma (inside it) the registration (flags, ctx): split, set, merge. Leaves
 * *pprev at the VMA that covers the range afterwards. */
static int uffd_fixup(struct vm_area_struct *vma, struct vm_area_struct **pprev,
                      unsigned long start, unsigned long end, unsigned long flags,
                      struct userfaultfd_ctx *ctx)
{
    struct mm_struct *mm = vma->vm_mm;
    if (vma->vm_flags == flags && vma->vm_userfaultfd_ctx == ctx) {
        *pprev = vma;
        return 0;
    }
    int err = vma_split_range(mm, vma, start, end);
    if (err)
        return err;
    vma->vm_flags = flags;
    vma->vm_userfaultfd_ctx = ctx;
    *pprev = vma_merge_neighbours(mm, vma);
    return 0;
}

/* The first VMA of [start, end) for (un)registration: -ENOMEM if there is none at or after
 * start, -EINVAL if it starts at or past end. */
static int first_vma(struct mm_struct *mm, unsigned long start, unsigned long end,
                     struct vm_area_struct **out)
{
    struct vm_area_struct *vma = find_vma(mm, start);
    if (!vma)
        return -ENOMEM;
    if (vma->vm_start >= end)
        return -EINVAL;
    *out = vma;
    return 0;
}

int userfaultfd_register(struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len, uint64_t mode,
                         uint64_t *ioctls)
{
    struct mm_struct *mm = ctx->mm;
    struct vm_area_struct *vma, *cur, *prev;

    if (!mode || (mode & ~(UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP)))
        return -EINVAL;
    if (mode & UFFDIO_REGISTER_MODE_WP)
        return -EINVAL; /* write-protect tracking: 4.20 refuses it (Linux 5.7 added it) */
    int err = userfaultfd_validate_range(ctx, start, len);
    if (err)
        return err;
    if (!mm)
        return -ENOMEM; /* mmget_not_zero failed */
    unsigned long end = start + len;
    if ((err = first_vma(mm, start, end, &vma)))
        return err;
    for (cur = vma; cur && cur->vm_start < end; cur = cur->vm_next) {
        if (!vma_can_userfault(cur))
            return -EINVAL;
        /* UFFDIO_COPY fills pages whatever the protection, but not where no write may go */
        if (!(cur->vm_flags & VM_MAYWRITE))
            return -EPERM;
        if (cur->vm_userfaultfd_ctx && cur->vm_userfaultfd_ctx != ctx)
            return -EBUSY;
    }
    for (cur = vma; cur && cur->vm_start < end; cur = prev->vm_next) {
        unsigned long s = cur->vm_start > start ? cur->vm_start : start;
        unsigned long e = cur->vm_end < end ? cur->vm_end : end;
        if ((err = uffd_fixup(cur, &prev, s, e, cur->vm_flags | VM_UFFD_MISSING, ctx)))
            break;
    }
    CHECK_MM(mm, "userfaultfd_register");
    if (err)
        return err;
    *ioctls = UFFD_API_RANGE_IOCTLS;
    return 0;
}

int userfaultfd_unregister(struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len)
{
    struct mm_struct *mm = ctx->mm;
    struct vm_area_struct *vma, *cur, *prev;

    int err = userfaultfd_validate_range(ctx, start, len);
    if (err)
        return err;
    if (!mm)
        return -ENOMEM;
    unsigned long end = start + len;
    if ((err = first_vma(mm, start, end, &vma)))
        return err;
    for (cur = vma; cur && cur->vm_start < end; cur = cur->vm_next)
        if (!vma_can_userfault(cur))
            return -EINVAL;
    for (cur = vma; cur && cur->vm_start < end; cur = prev->vm_next) {
        prev = cur;
        if (!cur->vm_userfaultfd_ctx)
            continue;
        unsigned long s = cur->vm_start > start ? cur->vm_start : start;
        unsigned long e = cur->vm_end < end ? cur->vm_end : end;
        /* the faults waiting there would otherwise sleep on: they retry, unregistered */
        wake_userfault(cur->vm_userfaultfd_ctx, s, e - s);
        if ((err = uffd_fixup(cur, &prev, s, e, cur->vm_flags & ~(VM_UFFD_MISSING | VM_UFFD_WP),
                              NULL)))
            break;
    }
    CHECK_MM(mm, "userfaultfd_unregister");
    return err;
}

void userfaultfd_release(struct userfaultfd_ctx *ctx)
{
    if (ctx->mm) {
        struct vm_area_struct *prev;
        for (struct vm_area_struct *v = ctx->mm->mmap; v; v = prev->vm_next) {
            prev = v;
            if (v->vm_userfaultfd_ctx == ctx)
                uffd_fixup(v, &prev, v->vm_start, v->vm_end,
                           v->vm_flags & ~(VM_UFFD_MISSING | VM_UFFD_WP), NULL);
        }
        CHECK_MM(ctx->mm, "userfaultfd_release");
    }
    ctx->released = true;
    wake_userfault(ctx, 0, 0);
    ctx_put(ctx);
}

int userfaultfd_api(struct userfaultfd_ctx *ctx, uint64_t api, uint64_t *features, uint64_t *ioctls)
{
    if (ctx->state != UFFD_STATE_WAIT_API)
        return -EINVAL;
    if (api != UFFD_API || (*features & ~UFFD_API_FEATURES)) {
        *features = *ioctls = 0;
        return -EINVAL;
    }
    ctx->features = *features;
    ctx->state = UFFD_STATE_RUNNING;
    *features = UFFD_API_FEATURES;
    *ioctls = UFFD_API_IOCTLS;
    return 0;
}

int userfaultfd_wake(struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len)
{
    int err = userfaultfd_validate_range(ctx, start, len);
    if (!err)
        wake_userfault(ctx, start, len);
    return err;
}

int mfill_atomic_pte(struct userfaultfd_ctx *ctx, uint64_t dst_start, uint64_t len, uint64_t dst,
                     const void *src)
{
    struct mm_struct *mm = ctx->mm;
    if (!mm)
        return -ESRCH;
    /* __mcopy_atomic: the whole range in one VMA registered with a userfaultfd */
    struct vm_area_struct *vma = find_vma(mm, dst_start);
    if (!vma || !vma->vm_userfaultfd_ctx || dst_start < vma->vm_start ||
        dst_start + len > vma->vm_end)
        return -ENOENT;
    if (!vma_can_userfault(vma))
        return -EINVAL;
    /* the page must find its anon_vma when it is moved (for the zero page too, as 4.20) */
    if (anon_vma_prepare(vma))
        return -ENOMEM;
    uint64_t *pmd = lookup_pmd(mm, dst);
    if (pmd && pmd_trans_huge(*pmd)) /* mm/userfaultfd.c: a huge PMD is there already */
        return -EEXIST;
    pte_t *ptep = pte_alloc_map(mm, dst);
    if (!ptep)
        return -ENOMEM;
    if (!pte_none(*ptep))
        return -EEXIST;
    if (!src) { /* mfill_zeropage_pte */
        *ptep = pte_mkspecial(pfn_pte(page_to_pfn(zero_page()), vma->vm_page_prot));
    } else { /* mcopy_atomic_pte */
        struct page *page = alloc_page_nozero(GFP_HIGHUSER_MOVABLE);
        if (!page)
            return -ENOMEM;
        memcpy(page_address(page), src, PAGE_SIZE);
        __SetPageUptodate(page);
        pte_t entry = pfn_pte(page_to_pfn(page), vma->vm_page_prot);
        if (vma->vm_flags & VM_WRITE)
            entry = pte_mkwrite(pte_mkdirty(entry));
        mm->rss_stat[MM_ANONPAGES]++;
        page_add_new_anon_rmap(page, vma, dst, false);
        *ptep = entry;
    }
    CHECK_MM_FAULT(mm, dst);
    return 0;
}

struct userfaultfd_wait *userfaultfd_next_unread(struct userfaultfd_ctx *ctx)
{
    for (struct userfaultfd_wait *w = ctx->waiters; w; w = w->next)
        if (!w->read && !w->waken) {
            w->read = true;
            return w;
        }
    return NULL;
}

bool userfaultfd_mm_registered(const struct mm_struct *mm)
{
    for (const struct userfaultfd_ctx *ctx = all_ctx; ctx; ctx = ctx->next_ctx)
        if (ctx->mm == mm && !ctx->released)
            return true;
    return false;
}

bool userfaultfd_has_pending(const struct userfaultfd_ctx *ctx)
{
    for (const struct userfaultfd_wait *w = ctx->waiters; w; w = w->next)
        if (!w->read && !w->waken)
            return true;
    return false;
}

bool userfaultfd_wait_woken(const struct task_struct *tsk)
{
    const struct userfaultfd_wait *w = tsk->uffd_wait;
    return !w || w->waken || w->ctx->released;
}

struct userfaultfd_ctx *userfaultfd_wait_done(struct task_struct *tsk)
{
    struct userfaultfd_wait *w = tsk->uffd_wait;
    if (!w)
        return NULL;
    struct userfaultfd_ctx *ctx = w->ctx;
    tsk->uffd_wait = NULL;
    tsk->maj_flt++; /* handle_userfault: ret |= VM_FAULT_MAJOR once it has slept */
    for (struct userfaultfd_wait **pp = &ctx->waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    free(w);
    return ctx_put(ctx) ? ctx : NULL;
}

/*
 * handle_userfault - a missing page of a registered VMA (do_anonymous_page, the PTE none).
 * Expects: vmf->vma registered for reason (VM_UFFD_MISSING); fault_task() the faulting task.
 * Leaves: a user-mode fault queued on the context as a message and the task's uffd_wait set, and
 * returns VM_FAULT_RETRY: the caller sleeps the task until the wait is woken, then the access
 * is made again (a kernel-mode one by running its system call again). VM_FAULT_SIGBUS for
 * UFFD_FEATURE_SIGBUS, and for a kernel-mode access outside a system call that can be run
 * again or under UFFD_USER_MODE_ONLY; VM_FAULT_NOPAGE (retry at once) once the file is closed;
 * VM_FAULT_OOM if the wait cannot be allocated.
 */
vm_fault_t handle_userfault(struct vm_fault *vmf, unsigned long reason)
{
    struct userfaultfd_ctx *ctx = vmf->vma->vm_userfaultfd_ctx;
    struct task_struct *tsk = fault_task();

    trace_fn("handle_userfault");
    if (!ctx || reason != VM_UFFD_MISSING || (ctx->features & UFFD_FEATURE_SIGBUS))
        return VM_FAULT_SIGBUS;
    if (ctx->released)
        return VM_FAULT_NOPAGE;
    if (!(vmf->flags & FAULT_FLAG_ALLOW_RETRY) || !tsk || tsk->uffd_wait)
        return VM_FAULT_SIGBUS;
    /* a kernel-mode access: UFFD_USER_MODE_ONLY says no; else it waits if its system call can
     * be run again (the emulator cannot sleep in the middle of one) */
    if (!(vmf->flags & FAULT_FLAG_USER) &&
        ((ctx->flags & UFFD_USER_MODE_ONLY) || !tsk->uffd_kernel_wait))
        return VM_FAULT_SIGBUS;
    struct userfaultfd_wait *w = calloc(1, sizeof(*w));
    if (!w)
        return VM_FAULT_OOM;
    *w = (struct userfaultfd_wait){.ctx = ctx,
                                   .tsk = tsk,
                                   .address = vmf->address & PAGE_MASK,
                                   .write = vmf->flags & FAULT_FLAG_WRITE};
    ctx->refcount++;
    struct userfaultfd_wait **pp = &ctx->waiters;
    while (*pp)
        pp = &(*pp)->next;
    *pp = w;
    tsk->uffd_wait = w;
    return VM_FAULT_RETRY;
}
