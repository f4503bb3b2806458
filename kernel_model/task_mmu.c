/*
 * task_mmu.c - how VMAs are named and printed in /proc/PID/maps (models fs/proc/task_mmu.c).
 * Used for /proc/self/maps, the log's vma_file column and the TUI.
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
