/*
 * task_mmu.c - how VMAs are named and printed in /proc/PID/maps, and the memory lines of
 * /proc/PID/status and /proc/PID/statm (models fs/proc/task_mmu.c). Used for /proc/self,
 * the log's vma_file column and the TUI.
 */
#include <stdio.h>
#include <string.h>

#include "kernel_model/mm.h"

/* The name /proc/PID/maps shows: the file's path, [heap], [stack], a special name, or NULL.
 * Every name is owned by the model and lives as long as the VMA, so nothing is copied (this runs
 * for every fault the log records). */
const char *vma_name(struct vm_area_struct *vma)
{
    struct mm_struct *mm = vma->vm_mm;
    if (vma->vm_file)
        return vma->vm_file->f_mapping->path;
    if (vma->special_name)
        return vma->special_name;
    if (mm && vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk)
        return "[heap]";
    if (mm && vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
        return "[stack]";
    return NULL;
}

/* One /proc/PID/maps line, without the newline. Returns its length. */
int format_maps_line(struct vm_area_struct *vma, char *buf, size_t len)
{
    unsigned long flags = vma->vm_flags;
    unsigned long long ino = 0, pgoff = 0;
    unsigned dev_major = 0, dev_minor = 0;
    const char *name = vma_name(vma);

    if (vma->vm_file) {
        struct address_space *m = vma->vm_file->f_mapping;
        uint64_t dev = m->dev;
        /* the kernel's new_encode_dev split, as glibc's major()/minor() read it */
        dev_major = (unsigned)(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff));
        dev_minor = (unsigned)(((dev >> 12) & 0xffffff00) | (dev & 0xff));
        ino = m->ino;
        pgoff = (unsigned long long)vma->vm_pgoff << PAGE_SHIFT;
        if (m->shmem) {
            dev_major = 0;
            dev_minor = 1;
        }
    }
    int n = snprintf(buf, len, "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %llu ", vma->vm_start,
                     vma->vm_end, flags & VM_READ ? 'r' : '-', flags & VM_WRITE ? 'w' : '-',
                     flags & VM_EXEC ? 'x' : '-', flags & VM_MAYSHARE ? 's' : 'p', pgoff, dev_major,
                     dev_minor, ino);
    if (n < 0 || (size_t)n >= len)
        return n;
    if (name) {
        /* Linux pads the fixed part to 73 columns before the name */
        while (n < 73 && (size_t)n + 1 < len)
            buf[n++] = ' ';
        n += snprintf(buf + n, len - n, "%s", name);
    } else if (n > 0) {
        buf[--n] = 0; /* no trailing space when there is no name */
    }
    return n;
}

/* text: the code segment's pages in bytes, as task_mem and task_statm compute it. */
static unsigned long code_bytes(const struct mm_struct *mm)
{
    unsigned long text = PAGE_ALIGN(mm->end_code) - (mm->start_code & PAGE_MASK);
    unsigned long exec = mm->exec_vm << PAGE_SHIFT;

    return text < exec ? text : exec;
}

int task_mem(struct mm_struct *mm, char *buf, size_t len)
{
    unsigned long anon = mm->rss_stat[MM_ANONPAGES], file = mm->rss_stat[MM_FILEPAGES];
    unsigned long shmem = mm->rss_stat[MM_SHMEMPAGES], swap = mm->rss_stat[MM_SWAPENTS];
    unsigned long total_rss = get_mm_rss(mm), total_vm = mm->total_vm;
    unsigned long hiwater_rss = mm->hiwater_rss > total_rss ? mm->hiwater_rss : total_rss;
    unsigned long hiwater_vm = mm->hiwater_vm > total_vm ? mm->hiwater_vm : total_vm;
    unsigned long text = code_bytes(mm), lib = (mm->exec_vm << PAGE_SHIFT) - text;
    const int kb = PAGE_SHIFT - 10; /* pages to kB */

    return snprintf(buf, len,
                    "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8lu kB\nVmPin:\t%8lu kB\n"
                    "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nRssFile:\t%8lu kB\n"
                    "RssShmem:\t%8lu kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\n"
                    "VmLib:\t%8lu kB\nVmPTE:\t%8lu kB\nVmSwap:\t%8lu kB\n",
                    hiwater_vm << kb, total_vm << kb, mm_locked_pages(mm) << kb, 0UL,
                    hiwater_rss << kb, total_rss << kb, anon << kb, file << kb, shmem << kb,
                    mm->data_vm << kb, mm->stack_vm << kb, text >> 10, lib >> 10,
                    (mm->nr_ptes << PAGE_SHIFT) >> 10, swap << kb);
}

int task_statm(struct mm_struct *mm, char *buf, size_t len)
{
    unsigned long shared = mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_SHMEMPAGES];

    /* size resident shared text lib data dt, in pages; lib and dt are always 0 */
    return snprintf(buf, len, "%lu %lu %lu %lu 0 %lu 0\n", mm->total_vm, get_mm_rss(mm), shared,
                    code_bytes(mm) >> PAGE_SHIFT, mm->data_vm + mm->stack_vm);
}
