/*
 * uaccess.c - copy_to_user and friends: supervisor-mode accesses to guest memory through the
 * same page tables, faulting into the model with X86_PF_USER clear (arch/x86/lib/usercopy_64.c
 * with the exception-table fix-up of arch/x86/mm/extable.c).
 */
#include <errno.h>
#include <string.h>

#include "kernel_model/mm.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

/*
 * Host pointer for [addr, addr + up to the page end) with the access allowed, faulting it in
 * like the kernel would. NULL when the fault could not be resolved (the -EFAULT fix-up).
 */
static void *user_page(struct task_struct *tsk, uint64_t addr, bool write)
{
    for (int tries = 0; tries < 4; tries++) {
        unsigned error;
        void *p = mmu_kernel_translate(tsk, addr, write, &error);
        if (p)
            return p;
        struct mmu *m = tsk->mm ? tsk->mm->arch : NULL;
        struct pt_regs regs = {0};
        if (m) {
            regs.ip = mmu_reg_read(m, UC_X86_REG_RIP);
            regs.sp = mmu_reg_read(m, UC_X86_REG_RSP);
        }
        struct fault_result res;
        do_page_fault(tsk, &regs, error, addr, &res);
        if (res.outcome != FAULT_OK)
            return NULL;
    }
    return NULL;
}

static size_t chunk(uint64_t addr, size_t n)
{
    size_t room = PAGE_SIZE - (addr & ~PAGE_MASK);
    return n < room ? n : room;
}

enum uop { UOP_TO_USER, UOP_FROM_USER, UOP_CLEAR };

/*
 * The one loop behind the copies: page by page, each page faulted in as the kernel would.
 * Returns the number of bytes not done (0 on success).
 */
static size_t user_copy(struct task_struct *tsk, uint64_t uaddr, void *kbuf, size_t n, enum uop op)
{
    char *k = kbuf;
    while (n) {
        size_t c = chunk(uaddr, n);
        char *u = user_page(tsk, uaddr, op != UOP_FROM_USER);
        if (!u)
            return n;
        if (op == UOP_FROM_USER)
            memcpy(k, u, c);
        else if (op == UOP_TO_USER)
            memcpy(u, k, c);
        else
            memset(u, 0, c);
        if (op != UOP_FROM_USER)
            mmu_kernel_wrote(u);
        uaddr += c;
        k += op == UOP_CLEAR ? 0 : c;
        n -= c;
    }
    return 0;
}

size_t copy_to_user(struct task_struct *tsk, uint64_t to, const void *from, size_t n)
{
    return user_copy(tsk, to, (void *)from, n, UOP_TO_USER);
}

size_t copy_from_user(struct task_struct *tsk, void *to, uint64_t from, size_t n)
{
    return user_copy(tsk, from, to, n, UOP_FROM_USER);
}

size_t clear_user(struct task_struct *tsk, uint64_t to, size_t n)
{
    return user_copy(tsk, to, NULL, n, UOP_CLEAR);
}

long strncpy_from_user(struct task_struct *tsk, char *dst, uint64_t src, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t c = chunk(src + done, n - done);
        const char *p = user_page(tsk, src + done, false);
        if (!p)
            return -EFAULT;
        const char *nul = memchr(p, 0, c);
        if (nul) {
            memcpy(dst + done, p, nul - p + 1);
            return (long)(done + (nul - p));
        }
        memcpy(dst + done, p, c);
        done += c;
    }
    return -ENAMETOOLONG;
}

size_t fault_in_user(struct task_struct *tsk, uint64_t uaddr, size_t n, bool write)
{
    while (n) {
        size_t c = chunk(uaddr, n);
        if (!user_page(tsk, uaddr, write))
            return n;
        uaddr += c;
        n -= c;
    }
    return 0;
}

size_t copy_from_user_nofault(struct task_struct *tsk, void *to, uint64_t from, size_t n)
{
    char *dst = to;
    while (n) {
        size_t c = chunk(from, n);
        unsigned error;
        const void *src = mmu_kernel_translate(tsk, from, false, &error);
        if (!src)
            return n;
        memcpy(dst, src, c);
        from += c;
        dst += c;
        n -= c;
    }
    return 0;
}
