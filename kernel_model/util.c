/*
 * util.c - overcommit accounting (models __vm_enough_memory, vm_commit_limit and
 * vm_memory_committed of mm/util.c, and its vm.overcommit_* sysctls).
 *
 * Private writable memory (VM_ACCOUNT), the heap, a growing stack, shared anonymous memory and
 * SysV segments without their NORESERVE flags are charged when they are made. What is charged is
 * vm_committed_as, /proc/meminfo's Committed_AS; vm.overcommit_memory decides which charges are
 * refused with ENOMEM:
 * - OVERCOMMIT_GUESS (0, the default): one request larger than all of RAM and swap, as Linux
 *   has it since 5.8 and the host kernels the tests compare with. 4.20 guessed from what was
 *   free at the moment (free pages, page cache less shmem, free swap, less the reserves), which
 *   refuses more on a busy machine; the model keeps the newer rule so that a run under --ram
 *   matches a native run whenever both machines could hold the memory.
 * - OVERCOMMIT_ALWAYS (1): none.
 * - OVERCOMMIT_NEVER (2): any that would take Committed_AS to CommitLimit (vm_commit_limit:
 *   overcommit_ratio percent of RAM, or overcommit_kbytes, plus swap), less admin_reserve_kbytes
 *   for a task without CAP_SYS_ADMIN and the smaller of user_reserve_kbytes and a 32nd of the
 *   process's size, exactly as 4.20 computes it.
 *
 * Linux keeps vm_committed_as as a counter that every charge adds to and every unmap, exit and
 * failed call takes from. The model counts the same thing where it lives instead (the accounted
 * VMAs of every mm and the charged shmem files: vm_memory_committed), so it cannot drift from the
 * address spaces; only OVERCOMMIT_NEVER and /proc/meminfo need the sum.
 */
#include <errno.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

int sysctl_overcommit_memory = OVERCOMMIT_GUESS;
int sysctl_overcommit_ratio = 50;
unsigned long sysctl_overcommit_kbytes;
unsigned long sysctl_user_reserve_kbytes = 1UL << 17;
unsigned long sysctl_admin_reserve_kbytes = 1UL << 13;

/* vm_commit_limit: what OVERCOMMIT_NEVER lets be committed (/proc/meminfo's CommitLimit). The
 * model has no hugetlb pool, so hugetlb_total_pages() is 0. */
unsigned long vm_commit_limit(void)
{
    unsigned long allowed;

    if (sysctl_overcommit_kbytes)
        allowed = sysctl_overcommit_kbytes >> (PAGE_SHIFT - 10);
    else
        allowed = totalram_pages() * (unsigned long)sysctl_overcommit_ratio / 100;
    return allowed + total_swap_pages();
}

static void count_committed(struct mm_struct *mm, void *ctx)
{
    unsigned long *pages = ctx;

    for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
        if (v->vm_flags & VM_ACCOUNT)
            *pages += (v->vm_end - v->vm_start) >> PAGE_SHIFT;
}

unsigned long vm_memory_committed(void)
{
    unsigned long pages = shmem_committed_pages();

    for_each_mm(count_committed, &pages);
    return pages;
}

int __vm_enough_memory(struct mm_struct *mm, unsigned long pages, bool cap_sys_admin)
{
    if (sysctl_overcommit_memory == OVERCOMMIT_ALWAYS)
        return 0;
    if (sysctl_overcommit_memory == OVERCOMMIT_GUESS)
        return pages > totalram_pages() + total_swap_pages() ? -ENOMEM : 0;

    long allowed = (long)vm_commit_limit();
    if (!cap_sys_admin) /* some for root */
        allowed -= (long)(sysctl_admin_reserve_kbytes >> (PAGE_SHIFT - 10));
    if (mm) { /* don't let a single process grow so big a user can't recover */
        long reserve = (long)(sysctl_user_reserve_kbytes >> (PAGE_SHIFT - 10));
        long share = (long)(mm->total_vm / 32);
        allowed -= share < reserve ? share : reserve;
    }
    /* vm_acct_memory(pages) and then the counter's value: what is committed with this charge */
    return (long)(vm_memory_committed() + pages) < allowed ? 0 : -ENOMEM;
}
