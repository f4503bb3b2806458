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

/* The byte at addr through a one-page cache: its page is faulted in (user_page) when the
 * cache holds another, with addr, the first byte the access needs in that page, as the
 * address of the fault. NULL when the fault is not resolved. */
struct ucursor {
    uint64_t page;
    const char *p;
};

static const char *user_byte(struct task_struct *tsk, struct ucursor *c, uint64_t addr)
{
    uint64_t page = addr & PAGE_MASK;
    if (!c->p || c->page != page) {
        const char *p = user_page(tsk, addr, false);
        if (!p)
            return NULL;
        c->page = page;
        c->p = p - (addr - page);
    }
    return c->p + (addr - page);
}

/*
 * do_strncpy_from_user (lib/strncpy_from_user.c): a word at a time while 8 bytes are left, and
 * from a word that faults on byte by byte, so a string that reaches an unresolvable page
 * faults there twice (the word, then its byte) and one whose NUL comes within the last word
 * before such a page faults once and is copied. Nothing at or above TASK_SIZE_MAX is read
 * (user_addr_max: -EFAULT when the string gets there, no fault).
 */
long strncpy_from_user(struct task_struct *tsk, char *dst, uint64_t src, size_t n)
{
    struct ucursor cur = {0};
    size_t res = 0, max = n;

    if (src >= TASK_SIZE_MAX)
        return -EFAULT;
    if (max > TASK_SIZE_MAX - src)
        max = TASK_SIZE_MAX - src;
    while (max >= sizeof(uint64_t)) {
        uint64_t a = src + res, last = a + sizeof(uint64_t) - 1;
        char w[sizeof(uint64_t)];
        const char *pa = user_byte(tsk, &cur, a);
        if (!pa)
            goto byte_at_a_time;
        size_t first =
            (a & PAGE_MASK) == (last & PAGE_MASK) ? sizeof(w) : PAGE_SIZE - (a & ~PAGE_MASK);
        memcpy(w, pa, first);
        if (first < sizeof(w)) { /* the word runs into the next page */
            const char *pb = user_byte(tsk, &cur, last & PAGE_MASK);
            if (!pb)
                goto byte_at_a_time;
            memcpy(w + first, pb, sizeof(w) - first);
        }
        memcpy(dst + res, w, sizeof(w));
        const char *nul = memchr(w, 0, sizeof(w));
        if (nul)
            return (long)(res + (size_t)(nul - w));
        res += sizeof(w);
        max -= sizeof(w);
    }
byte_at_a_time:
    while (max) {
        const char *c = user_byte(tsk, &cur, src + res);
        if (!c)
            return -EFAULT;
        dst[res] = *c;
        if (!*c)
            return (long)res;
        res++;
        max--;
    }
    return res >= n ? -ENAMETOOLONG : -EFAULT; /* the string reached TASK_SIZE_MAX */
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
