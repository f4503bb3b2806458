/*
 * oom_kill.c - choosing the victim when RAM and swap are both exhausted (models
 * select_bad_process and oom_badness of mm/oom_kill.c, Linux 4.20).
 *
 * oom_badness: the pages a task would give back if killed, its resident pages plus its swap
 * entries plus its page-table pages (Linux: get_mm_rss + MM_SWAPENTS + pgtables_bytes / PAGE_SIZE).
 * oom_score_adj is not modeled (always 0), so the largest address space loses; a tie goes to
 * the first mm found. Several tasks sharing an mm (threads) count once, under the mm's owner.
 *
 * vm.oom_kill_allocating_task (sysctl_oom_kill_allocating_task): out_of_memory kills the
 * task whose allocation failed, with no choosing (mm_fault_error in fault.c).
 *
 * oom_reap_task_mm (the OOM reaper): the victim's private memory is unmapped at once, so the
 * frames and swap slots come back before the faulting task retries, whenever the victim's exit
 * itself runs.
 */
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

int sysctl_oom_kill_allocating_task;

static unsigned long oom_badness(struct mm_struct *mm)
{
    return get_mm_rss(mm) + (unsigned long)mm->rss_stat[MM_SWAPENTS] + mm->nr_ptes;
}

struct oom_control {
    struct task_struct *chosen;
    unsigned long chosen_points;
};

static void oom_evaluate_mm(struct mm_struct *mm, void *ctx)
{
    struct oom_control *oc = ctx;
    if (!mm->owner)
        return;
    unsigned long points = oom_badness(mm);
    if (!oc->chosen || points > oc->chosen_points) {
        oc->chosen = mm->owner;
        oc->chosen_points = points;
    }
}

void oom_reap_task_mm(struct mm_struct *mm)
{
    if (!mm)
        return;
    mm->oom_reaped = true; /* what it held is gone: its exit must not read it (robust lists) */
    for (struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
        if (!(vma->vm_flags & VM_SHARED))
            zap_page_range(vma, vma->vm_start, vma->vm_end);
}

struct task_struct *oom_select_victim(void)
{
    struct oom_control oc = {0};
    for_each_mm(oom_evaluate_mm, &oc);
    return oc.chosen;
}
