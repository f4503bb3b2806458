/*
 * proc_pagemap.h - /proc/PID/pagemap, /proc/kpagecount and /proc/kpageflags, binary /proc files
 * read by offset from the model (kernel_model/task_mmu.c, kernel_model/proc_page.c), and
 * /proc/PID/clear_refs, which a write acts on; and /proc/PID/mem, the process's memory at the
 * offset (fs/proc/base.c's mem_rw), which a debugger reads and writes (gdb), and which for a
 * host process is EACCES.
 *
 * pagemap has an 8-byte entry for every page of the user address space (256 GiB of file for
 * 128 TiB), so it is not made at open like the text files (text.h): the host fd is an empty
 * memfd that keeps the file offset, and each read asks the model for the entries it covers.
 */
#ifndef FL_PROC_PAGEMAP_H
#define FL_PROC_PAGEMAP_H

#include <stdint.h>

struct proc;
struct ofd;

/* If `path` (absolute) is one of these files: an empty memfd for open/openat to wrap, -EACCES
 * (a write open of a read-only one, a read open of clear_refs or kpage* for a non-root guest,
 * the mem of a host process), -ENOENT (a process without an mm). Otherwise
 * PROCFS_PASSTHROUGH. */
int proc_page_file_open(struct proc *p, const char *path, int flags);
/* Tag the new ofd o, opened by path through proc_page_file_open, with what it reads: the file,
 * and for pagemap the process and its mm now (a later exec or exit ends the file: reads give 0
 * bytes, as once Linux's mm has no users) and whether frames are shown (root, as 4.20's
 * CAP_SYS_ADMIN check at open). */
void proc_page_file_mark(struct proc *p, struct ofd *o, const char *path);
/*
 * read/pread (pos -1: at the file offset, which then advances) of count bytes into the guest's
 * ubuf. Offset and count must be multiples of 8 (-EINVAL); past the end (the user address
 * space's top, the last frame) 0 bytes. -EFAULT if the buffer is bad.
 */
long proc_page_file_read(struct proc *p, struct ofd *o, uint64_t ubuf, uint64_t count, int64_t pos);
/* write/pwrite to clear_refs: the number written (up to 12 bytes read, as a decimal with an
 * optional newline) goes to the model's clear_refs; count, -EINVAL, -EFAULT, or -ESRCH once
 * its process has no mm. To mem (pos: as for a read): into the process's memory, read-only
 * mappings too (FOLL_FORCE), as a debugger writes its breakpoints; the bytes written, -EIO,
 * -EFAULT. Writing to the other page files, or a file opened read-only, is -EBADF. */
long proc_page_file_write(struct proc *p, struct ofd *o, uint64_t ubuf, uint64_t count,
                          int64_t pos);

#endif
