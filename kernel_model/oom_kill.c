/*
 * oom_kill.c - choosing the victim when RAM and swap are both exhausted (models out_of_memory,
 * select_bad_process, oom_badness, oom_kill_process, dump_header and dump_tasks of
 * mm/oom_kill.c, Linux 4.20, and the report it prints).
 *
 * oom_badness: the pages a task would give back if killed, its resident pages plus its swap
 * entries plus its page-table pages (Linux: get_mm_rss + MM_SWAPENTS + pgtables_bytes /
 * PAGE_SIZE), plus oom_score_adj thousandths of all pages (RAM and swap); a task with
 * OOM_SCORE_ADJ_MIN (-1000) scores 0 and is never chosen. 4.17 removed the 3% bonus root's
 * tasks had, so 4.20 has none. Several tasks sharing an mm (threads) count once, under the mm's
 * owner; a tie goes to the first mm found.
 *
 * out_of_memory's early exits: a faulting task that is already dying (SIGKILL pending or
 * exiting, and so is every other process using its mm: task_will_free_mem) is only marked a
 * victim, and no other task is killed; a previous victim whose memory the reaper has not taken
 * yet (tsk_is_oom_victim without MMF_OOM_SKIP) stops the choice, and nobody is killed: the
 * faulting task tries again once that victim has gone.
 *
 * oom_kill_process: the report first (dump_header: the failed allocation's gfp mask, the
 * faulting task's CPU line, the Mem-Info numbers the model keeps, and under vm.oom_dump_tasks
 * every process's memory), then the chosen task's children that do not share its mm are
 * weighed, and the one with the highest badness is killed in its place ("or sacrifice child");
 * only when none is eligible does the chosen task die. Each line goes to the kernel log at
 * 4.20's level: the header pr_warn, the cpuset line, the task table and the reaper pr_info, the
 * kill lines pr_err, show_mem's plain printk the default (KERN_WARNING's).
 *
 * vm.oom_kill_allocating_task (sysctl_oom_kill_allocating_task): out_of_memory takes the task
 * whose allocation failed, with no choosing, unless its oom_score_adj is -1000.
 *
 * oom_reap_task_mm (the OOM reaper): the victim's private memory is unmapped at once, so the
 * frames and swap slots come back before the faulting task retries, whenever the victim's exit
 * itself runs; its mlocked, hugetlb and PFN-mapped VMAs stay for the exit, as madvise's
 * MADV_DONTNEED leaves them; the reaped mm is skipped from then on (MMF_OOM_SKIP).
 *
 * Not printed: the call trace (the model has no kernel stack), show_free_areas' per-node,
 * per-zone and buddy lines and the swap cache's statistics (the model keeps no zones or
 * orders), and the "oom-kill:constraint=..." summary line, which 5.0 added (4.20 has none).
 */
#include "kernel_model/arch.h"
#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

int sysctl_oom_kill_allocating_task;
int sysctl_oom_dump_tasks = 1;

/* totalram_pages + total_swap_pages: what constrained_alloc gives an unconstrained OOM. */
unsigned long oom_total_pages(void)
{
    return totalram_pages() + total_swap_pages();
}

long oom_badness(struct task_struct *p, unsigned long totalpages)
{
    struct mm_struct *mm = p->mm;
    if (!mm) /* find_lock_task_mm found no mm: it has exited */
        return 0;
    long adj = p->oom_score_adj;
    if (adj == OOM_SCORE_ADJ_MIN || mm->oom_reaped) /* or MMF_OOM_SKIP */
        return 0;
    long points = (long)(get_mm_rss(mm) + (unsigned long)mm->rss_stat[MM_SWAPENTS] + mm->nr_ptes);
    adj *= (long)(totalpages / 1000); /* normalized to oom_score_adj units */
    points += adj;
    return points > 0 ? points : 1; /* never 0 for an eligible task */
}

struct oom_control {
    gfp_t gfp_mask; /* the failed allocation's (order is always 0 in the model) */
    unsigned long totalpages;
    struct task_struct *chosen;
    unsigned long chosen_points;
    bool abort; /* a previous victim's memory is still there: kill nobody */
};

/* oom_evaluate_task for the owner of mm: a victim not yet reaped stops the walk (abort), an
 * mm's badness above the largest so far is taken (the first of equals kept). */
static void oom_evaluate_mm(struct mm_struct *mm, void *ctx)
{
    struct oom_control *oc = ctx;
    if (!mm->owner || oc->abort)
        return;
    if (mm->oom_victim && !mm->oom_reaped) { /* tsk_is_oom_victim, no MMF_OOM_SKIP */
        oc->abort = true;
        return;
    }
    unsigned long points = (unsigned long)oom_badness(mm->owner, oc->totalpages);
    if (!points || (oc->chosen && points <= oc->chosen_points))
        return;
    oc->chosen = mm->owner;
    oc->chosen_points = points;
}

#define K(x) ((x) << (PAGE_SHIFT - 10))

void oom_reap_task_mm(struct task_struct *tsk, struct mm_struct *mm)
{
    if (!mm)
        return;
    mm->oom_reaped = true; /* what it held is gone: its exit must not read it (robust lists) */
    /* what madvise(MADV_DONTNEED) could take, and only private memory: a shared page's other
     * users keep it, and the reaper cannot wait for its write-back */
    for (struct vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
        if (can_madv_dontneed_vma(vma) && !(vma->vm_flags & VM_SHARED))
            zap_page_range(vma, vma->vm_start, vma->vm_end);
    arch_printk(KERN_INFO "oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, "
                          "shmem-rss:%lukB",
                tsk->pid, tsk->comm, K((unsigned long)mm->rss_stat[MM_ANONPAGES]),
                K((unsigned long)mm->rss_stat[MM_FILEPAGES]),
                K((unsigned long)mm->rss_stat[MM_SHMEMPAGES]));
}

/* dump_tasks: one row per process with an mm (find_lock_task_mm), in for_each_process order. */
static void dump_tasks(struct task_struct *current)
{
    arch_printk(KERN_INFO "Tasks state (memory values in pages):");
    arch_printk(
        KERN_INFO
        "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name");
    for (struct task_struct *t = arch_next_process(current, NULL); t;
         t = arch_next_process(current, t)) {
        struct mm_struct *mm = t->mm;
        if (!mm)
            continue;
        arch_printk(KERN_INFO "[%7d] %5u %5d %8lu %8lu %8lu %8lu         %5hd %s", t->pid,
                    arch_task_uid(t), t->tgid, mm->total_vm, get_mm_rss(mm),
                    mm->nr_ptes * PAGE_SIZE, (unsigned long)mm->rss_stat[MM_SWAPENTS],
                    t->oom_score_adj, t->comm);
    }
}

/* show_mem(SHOW_MEM_FILTER_NODES, NULL) as far as the model has the numbers: show_free_areas'
 * global counters (the model isolates no pages, has no slab, writeback in flight, NFS, bounce
 * buffers, per-CPU lists or CMA: those read 0, as in /proc/meminfo), show_swap_cache_info's
 * swap lines, and the RAM totals (one node, no highmem or movable zone). */
static void show_mem(void)
{
    struct vm_page_state s;
    arch_printk("Mem-Info:");
    if (vm_page_state_read(&s) < 0)
        return;
    arch_printk("active_anon:%lu inactive_anon:%lu isolated_anon:0", s.nr_active_anon,
                s.nr_lru_anon - s.nr_active_anon);
    arch_printk(" active_file:%lu inactive_file:%lu isolated_file:0", s.nr_active_file,
                s.nr_lru_file - s.nr_active_file);
    arch_printk(" unevictable:%lu dirty:%lu writeback:0 unstable:0", s.nr_mlock, s.nr_file_dirty);
    arch_printk(" slab_reclaimable:0 slab_unreclaimable:0");
    arch_printk(" mapped:%lu shmem:%lu pagetables:%lu bounce:0", s.nr_file_mapped, s.nr_shmem,
                s.nr_page_table_pages);
    arch_printk(" free:%lu free_pcp:0 free_cma:0", s.nr_free);
    arch_printk("%lu pages in swap cache", s.nr_swapcache);
    arch_printk("Free swap  = %lukB", K(get_nr_swap_pages()));
    arch_printk("Total swap = %lukB", K(total_swap_pages()));
    arch_printk("%lu pages RAM", totalram_pages());
    arch_printk("0 pages HighMem/MovableOnly");
    arch_printk("%lu pages reserved", s.nr_reserved);
}

/* dump_header: what was asked for and by whom, the machine's memory, and every task's. */
static void dump_header(struct oom_control *oc, struct task_struct *current)
{
    char flags[160];
    arch_printk(KERN_WARNING "%s invoked oom-killer: gfp_mask=%#x(%s), nodemask=(null), order=0, "
                             "oom_score_adj=%hd",
                current->comm, oc->gfp_mask, format_gfp_flags(oc->gfp_mask, flags, sizeof(flags)),
                current->oom_score_adj);
    arch_printk(KERN_INFO "%s cpuset=/ mems_allowed=0",
                current->comm); /* cpuset_print_current_mems_allowed */
    arch_dump_stack(current);
    show_mem();
    if (sysctl_oom_dump_tasks)
        dump_tasks(current);
}

/* __task_will_free_mem for one process: it is being killed or is exiting. */
static bool process_dying(struct task_struct *t)
{
    return fatal_signal_pending(t);
}

/* task_will_free_mem: task is dying and so is every other process using its mm, which the
 * reaper has not emptied yet: its exit will give the memory back. */
static bool task_will_free_mem(struct task_struct *task)
{
    struct mm_struct *mm = task->mm;
    if (!mm || !process_dying(task) || mm->oom_reaped)
        return false;
    for (struct task_struct *p = arch_next_process(task, NULL); p; p = arch_next_process(task, p))
        if (p->mm == mm && p->tgid != task->tgid && !process_dying(p))
            return false;
    return true;
}

/* oom_kill_process: print the chosen task, sacrifice its eligible child of highest badness
 * that has an mm of its own if it has one, and name the task to kill (__oom_kill_process's
 * line). current is the faulting task: when the victim's mm is its own, the kill is its. */
static struct task_struct *oom_kill_process(struct oom_control *oc, struct task_struct *current,
                                            const char *message)
{
    struct task_struct *p = oc->chosen, *victim = p;
    unsigned long victim_points = 0;

    if (task_will_free_mem(p)) { /* dying already: no report, no child killed, only reaped */
        p->mm->oom_victim = true;
        oom_reap_task_mm(p, p->mm);
        return OOM_NO_KILL;
    }
    dump_header(oc, current);
    arch_printk(KERN_ERR "%s: Kill process %d (%s) score %lu or sacrifice child", message, p->tgid,
                p->comm, oc->chosen_points);
    for (struct task_struct *child = arch_oom_next_child(p, NULL); child;
         child = arch_oom_next_child(p, child)) {
        if (child->mm == p->mm) /* process_shares_mm */
            continue;
        unsigned long child_points = (unsigned long)oom_badness(child, oc->totalpages);
        if (child_points > victim_points) {
            victim = child;
            victim_points = child_points;
        }
    }
    if (victim->mm == current->mm)
        victim = current;
    struct mm_struct *mm = victim->mm;
    mm->oom_victim = true; /* mark_oom_victim */
    arch_printk(KERN_ERR "Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB, "
                         "shmem-rss:%lukB",
                victim->tgid, victim->comm, K(mm->total_vm),
                K((unsigned long)mm->rss_stat[MM_ANONPAGES]),
                K((unsigned long)mm->rss_stat[MM_FILEPAGES]),
                K((unsigned long)mm->rss_stat[MM_SHMEMPAGES]));
    return victim;
}

struct task_struct *out_of_memory(struct task_struct *current)
{
    struct oom_control oc = {.gfp_mask = alloc_gfp_mask, .totalpages = oom_total_pages()};

    if (task_will_free_mem(current)) { /* it may use the reserves to exit: nobody else dies */
        current->mm->oom_victim = true;
        return OOM_NO_KILL;
    }
    if (sysctl_oom_kill_allocating_task && current->mm &&
        current->oom_score_adj != OOM_SCORE_ADJ_MIN) {
        oc.chosen = current; /* its points are not computed: the line says score 0 */
        return oom_kill_process(&oc, current, "Out of memory (oom_kill_allocating_task)");
    }
    for_each_mm(oom_evaluate_mm, &oc);
    if (oc.abort)
        return OOM_NO_KILL;
    if (!oc.chosen) { /* the caller panics: "System is deadlocked on memory" */
        dump_header(&oc, current);
        arch_printk(KERN_WARNING "Out of memory and no killable processes...");
        return NULL;
    }
    oc.chosen_points = oc.chosen_points * 1000 / oc.totalpages;
    return oom_kill_process(&oc, current, "Out of memory");
}
