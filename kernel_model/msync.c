/*
 * msync.c - msync(2) and mincore(2): the two calls that ask the page cache about a range of an
 * address space (models mm/msync.c and mm/mincore.c of Linux 4.20).
 */
#include <errno.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/mman.h"

/*
 * do_msync - msync(start, len, flags) on mm. MS_SYNC writes the dirty pages of every shared file
 * VMA in the range back to the file (vfs_fsync_range over the VMA's part); MS_ASYNC does nothing,
 * as since Linux 2.6.19, because dirty pages are tracked anyway. A hole in the range is -ENOMEM,
 * reported after the VMAs around it were still synced, as Linux does. MS_INVALIDATE on a locked
 * VMA is -EBUSY. Returns 0 or -errno.
 */
int do_msync(struct mm_struct *mm, unsigned long start, unsigned long len, int flags)
{
    unsigned long end;
    int unmapped_error = 0, error = -EINVAL;

    if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
        return error;
    if (start & ~PAGE_MASK)
        return error;
    if ((flags & MS_ASYNC) && (flags & MS_SYNC))
        return error;
    error = -ENOMEM;
    len = (len + ~PAGE_MASK) & PAGE_MASK;
    end = start + len;
    if (end < start)
        return error;
    error = 0;
    if (end == start)
        return error;

    struct vm_area_struct *vma = find_vma(mm, start);
    for (;;) {
        error = -ENOMEM;
        if (!vma)
            return error;
        /* Here start < vma->vm_end. */
        if (start < vma->vm_start) {
            start = vma->vm_start;
            if (start >= end)
                return error;
            unmapped_error = -ENOMEM;
        }
        /* Here vma->vm_start <= start < vma->vm_end. */
        if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED))
            return -EBUSY;
        struct file *file = vma->vm_file;
        unsigned long vend = vma->vm_end < end ? vma->vm_end : end;
        if ((flags & MS_SYNC) && file && (vma->vm_flags & VM_SHARED) && !file->f_mapping->shmem) {
            pgoff_t first = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
            pgoff_t last = first + ((vend - start) >> PAGE_SHIFT) - 1;
            error = filemap_write_and_wait_range(file->f_mapping, first, last);
            if (error)
                return error;
        }
        start = vma->vm_end;
        if (start >= end)
            return unmapped_error;
        vma = vma->vm_next;
    }
}

/*
 * do_mincore - mincore(start, pages, vec) on mm: vec[i] gets 1 when page i of the range is
 * resident (mincore_pte_range): a present PTE; for a none PTE of a file VMA, the file's page in
 * the page cache (mincore_page); an anonymous none PTE is not resident. The whole range must be
 * mapped (-ENOMEM otherwise); start must be page aligned (-EINVAL). Returns 0 or -errno.
 */
int do_mincore(struct mm_struct *mm, unsigned long start, unsigned long pages, unsigned char *vec)
{
    if (start & ~PAGE_MASK)
        return -EINVAL;
    for (unsigned long i = 0; i < pages; i++) {
        unsigned long addr = start + i * PAGE_SIZE;
        struct vm_area_struct *vma = find_vma(mm, addr);
        if (!vma || addr < vma->vm_start)
            return -ENOMEM;
        bool huge;
        if (pte_present(lookup_leaf(mm, addr, &huge))) {
            vec[i] = 1;
        } else if (vma->vm_file) {
            pgoff_t index = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
            struct page *page = find_get_page(vma->vm_file->f_mapping, index);
            vec[i] = page != NULL;
            if (page)
                put_page(page);
        } else {
            vec[i] = 0;
        }
    }
    return 0;
}
