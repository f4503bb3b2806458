/*
 * userfaultfd_k.h - the model's side of userfaultfd (include/linux/userfaultfd_k.h of Linux
 * 4.20): the context a userfaultfd file stands for, the faults that wait on it, and the calls
 * its ioctls make on the address space (kernel_model/userfaultfd.c).
 *
 * emu/ owns the file: the syscall, read(2), poll readiness, and parking the task whose fault
 * must wait. The model owns what the memory manager sees: which VMAs are registered
 * (VM_UFFD_MISSING and vm_userfaultfd_ctx), handle_userfault on the fault path, and the pages
 * UFFDIO_COPY and UFFDIO_ZEROPAGE put in place (mm/userfaultfd.c's mcopy_atomic).
 */
#ifndef FL_USERFAULTFD_K_H
#define FL_USERFAULTFD_K_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel_model/mm_types.h"

/* The uapi numbers (include/uapi/linux/userfaultfd.h). */
#define UFFD_API                  0xAAULL
#define UFFD_USER_MODE_ONLY       1 /* userfaultfd(2) flag (Linux 5.11) */
#define UFFD_EVENT_PAGEFAULT      0x12
#define UFFD_PAGEFAULT_FLAG_WRITE (1ULL << 0)
#define UFFD_FEATURE_SIGBUS       (1ULL << 7)
#define UFFD_FEATURE_THREAD_ID    (1ULL << 8)
/* What the model does of 4.20's features: no events (fork, remap, remove, unmap), no
 * hugetlbfs or shmem ranges. */
#define UFFD_API_FEATURES  (UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID)
#define _UFFDIO_REGISTER   0x00
#define _UFFDIO_UNREGISTER 0x01
#define _UFFDIO_WAKE       0x02
#define _UFFDIO_COPY       0x03
#define _UFFDIO_ZEROPAGE   0x04
#define _UFFDIO_API        0x3F
#define UFFD_API_IOCTLS                                                                            \
    ((1ULL << _UFFDIO_REGISTER) | (1ULL << _UFFDIO_UNREGISTER) | (1ULL << _UFFDIO_API))
#define UFFD_API_RANGE_IOCTLS                                                                      \
    ((1ULL << _UFFDIO_WAKE) | (1ULL << _UFFDIO_COPY) | (1ULL << _UFFDIO_ZEROPAGE))
#define UFFDIO_REGISTER_MODE_MISSING  (1ULL << 0)
#define UFFDIO_REGISTER_MODE_WP       (1ULL << 1)
#define UFFDIO_COPY_MODE_DONTWAKE     (1ULL << 0)
#define UFFDIO_ZEROPAGE_MODE_DONTWAKE (1ULL << 0)

enum userfaultfd_state { UFFD_STATE_WAIT_API, UFFD_STATE_RUNNING };

/* One fault waiting for user space (Linux's userfaultfd_wait_queue, on the faulting task's
 * stack there). */
struct userfaultfd_wait {
    struct userfaultfd_ctx *ctx; /* holds a reference */
    struct task_struct *tsk;
    unsigned long address;         /* page aligned, as the message gives it */
    bool write;                    /* UFFD_PAGEFAULT_FLAG_WRITE */
    bool read;                     /* read(2) has reported it: on fault_wqh, no longer pending */
    bool waken;                    /* a wake covered it (or the file went): the fault is retried */
    struct userfaultfd_wait *next; /* the context's waiters, oldest first */
};

struct userfaultfd_ctx {
    int refcount;   /* the file, and each waiting fault */
    unsigned flags; /* userfaultfd(2)'s: UFFD_USER_MODE_ONLY matters here */
    uint64_t features;
    enum userfaultfd_state state;
    bool released;        /* the file is closed: faults no longer wait */
    struct mm_struct *mm; /* the address space it was made in; NULL once that is torn down */
    struct userfaultfd_wait *waiters; /* pending (!read) and read ones, oldest first */
    void *arch;                       /* emu/'s: the file's readiness */
    struct userfaultfd_ctx *next_ctx; /* every live context, for exit_mmap */
};

/* userfaultfd(2): a context for mm, in UFFD_STATE_WAIT_API, with the file's reference. NULL if
 * out of memory. */
struct userfaultfd_ctx *userfaultfd_ctx_create(struct mm_struct *mm, unsigned flags);
/* The file is closed (userfaultfd_release): every VMA registered with ctx is unregistered
 * (merging again where it can), every waiting fault is woken, and the file's reference goes. */
void userfaultfd_release(struct userfaultfd_ctx *ctx);

/* UFFDIO_API. Expects ctx in WAIT_API (else -EINVAL). api and *features are what user space
 * asked; unknown api or features: -EINVAL with *features = *ioctls = 0 (the caller writes the
 * zeroed struct back). Else *features and *ioctls say what there is, ctx runs with the
 * features asked, and 0. */
int userfaultfd_api(struct userfaultfd_ctx *ctx, uint64_t api, uint64_t *features,
                    uint64_t *ioctls);
/* UFFDIO_REGISTER of [start, start + len) in ctx->mm for `mode` (MISSING; WP is -EINVAL, as in
 * 4.20). Every VMA the range meets must be private anonymous memory not registered with another
 * context (-EINVAL, -EBUSY); holes between them are allowed. They are split at the range's ends,
 * get VM_UFFD_MISSING and ctx, and merge where they can. *ioctls: the range ioctls. 0 or -errno
 * (-ENOMEM when no VMA is at or after start, -ESRCH when the mm is gone). */
int userfaultfd_register(struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len, uint64_t mode,
                         uint64_t *ioctls);
/* UFFDIO_UNREGISTER: the range's VMAs lose their registration (whatever context it was), and
 * the faults waiting in it are woken. 0 or -errno as userfaultfd_register. */
int userfaultfd_unregister(struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len);
/* UFFDIO_WAKE: wake the faults of ctx waiting in [start, start + len). 0 or -EINVAL. */
int userfaultfd_wake(struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len);
/* Is [start, start + len) a range the ioctls take (validate_range)? 0 or -EINVAL. */
int userfaultfd_validate_range(struct userfaultfd_ctx *ctx, uint64_t start, uint64_t len);
/*
 * mfill_atomic_pte: one page of UFFDIO_COPY (src: PAGE_SIZE bytes the caller has copied from
 * its task) or UFFDIO_ZEROPAGE (src NULL: the zero page) at dst, which must lie with the rest
 * of the call's [dst_start, dst_start + len) in one VMA registered with a context (-ENOENT).
 * The page is mapped as a fault would have mapped it (writable and dirty in a writable VMA);
 * -EEXIST if the PTE is not none, -ENOMEM, -ESRCH (no mm). 0 when mapped. Leaves the
 * waiting faults alone: the caller wakes them once the whole call is done.
 */
int mfill_atomic_pte(struct userfaultfd_ctx *ctx, uint64_t dst_start, uint64_t len, uint64_t dst,
                     const void *src);

/* The oldest fault not yet read: it is now read (on fault_wqh). NULL if none. */
struct userfaultfd_wait *userfaultfd_next_unread(struct userfaultfd_ctx *ctx);
/* Has mm a userfaultfd that may have registered ranges (a read then faults its buffer in before
 * it takes data, emu/sys_file.c)? */
bool userfaultfd_mm_registered(const struct mm_struct *mm);
/* Has ctx a fault that read(2) would report? (poll's EPOLLIN) */
bool userfaultfd_has_pending(const struct userfaultfd_ctx *ctx);
/* Has tsk's waiting fault been woken (a wake covered it, or the file is closed)? */
bool userfaultfd_wait_woken(const struct task_struct *tsk);
/* tsk's wait is over (woken, a signal, its exit): the fault leaves ctx's lists and counts as a
 * major fault, as Linux counts a fault that slept in handle_userfault. Returns the context if
 * it lives on (NULL: it went with this last reference, or tsk had no wait). */
struct userfaultfd_ctx *userfaultfd_wait_done(struct task_struct *tsk);

/* exit_mmap: contexts made in mm no longer have an address space to act on. */
void userfaultfd_mm_gone(struct mm_struct *mm);

/* userfaultfd_missing(vma) */
static inline bool userfaultfd_missing(const struct vm_area_struct *vma)
{
    return vma->vm_flags & VM_UFFD_MISSING;
}

#endif
