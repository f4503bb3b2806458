/*
 * uaccess.h - the emulated kernel's accesses to guest memory (arch/x86/lib/usercopy_64.c,
 * include/linux/uaccess.h).
 *
 * Each call walks the task's page tables in C, exactly as the MMU would for a supervisor-mode
 * access (X86_PF_USER clear). A missing or read-only translation goes into the model's
 * do_page_fault like a real kernel-mode fault; if the model cannot resolve it, the access stops
 * there (the exception-table fix-up) and the caller returns -EFAULT.
 */
#ifndef FL_UACCESS_H
#define FL_UACCESS_H

#include <stddef.h>
#include <stdint.h>

struct task_struct;

/* Both return the number of bytes NOT copied: 0 on success (Linux's convention). */
size_t copy_to_user(struct task_struct *tsk, uint64_t to, const void *from, size_t n);
size_t copy_from_user(struct task_struct *tsk, void *to, uint64_t from, size_t n);
size_t clear_user(struct task_struct *tsk, uint64_t to, size_t n);
/* Copy a NUL-terminated string of at most n bytes (including the NUL). Returns its length
 * without the NUL, -EFAULT on a bad address, or -ENAMETOOLONG if no NUL came within n bytes. */
long strncpy_from_user(struct task_struct *tsk, char *dst, uint64_t src, size_t n);

/* Fault [uaddr, uaddr + n) in for a write (or a read) without touching it, as the copy would
 * (fault_in_pages_writeable/readable). Returns the number of bytes not faulted in. */
size_t fault_in_user(struct task_struct *tsk, uint64_t uaddr, size_t n, bool write);

/* Read guest memory only if it is mapped now, never faulting (copy_from_user_nofault).
 * Returns the number of bytes not copied. */
size_t copy_from_user_nofault(struct task_struct *tsk, void *to, uint64_t from, size_t n);

/* Convenience for handlers: copy_to_user/copy_from_user as 0 or -EFAULT. */
static inline long put_user_bytes(struct task_struct *tsk, uint64_t to, const void *from, size_t n)
{
    return copy_to_user(tsk, to, from, n) ? -14 /* EFAULT */ : 0;
}
static inline long get_user_bytes(struct task_struct *tsk, void *to, uint64_t from, size_t n)
{
    return copy_from_user(tsk, to, from, n) ? -14 /* EFAULT */ : 0;
}

#endif
