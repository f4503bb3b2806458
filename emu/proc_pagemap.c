/*
 * proc_pagemap.c - /proc/PID/pagemap, /proc/kpagecount, /proc/kpageflags and
 * /proc/PID/clear_refs (see proc_pagemap.h; fs/proc/task_mmu.c's pagemap_read and
 * clear_refs_write, fs/proc/page.c's kpage*_read).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/path.h"
#include "emu/proc.h"
#include "emu/proc_pagemap.h"
#include "emu/procfs.h"
#include "emu/ptrace.h"
#include "emu/sched.h"
#include "emu/uio.h"
#include "kernel_model/mm.h"

/* page_file_kind's answer for /proc/N/mem of a host process N: refused at open */
#define PAGE_FILE_FOREIGN_MEM (-1)
#define ENTRY_BYTES           8
#define CHUNK                 512 /* entries the model fills per copy to the guest */

/* Which page file path names, and for pagemap the process (NULL: not one of them). */
static int page_file_kind(struct proc *p, const char *path, struct proc **target)
{
    if (strcmp(path, "/proc/kpagecount") == 0)
        return PAGE_FILE_KPAGECOUNT;
    if (strcmp(path, "/proc/kpageflags") == 0)
        return PAGE_FILE_KPAGEFLAGS;
    const char *rest = proc_pid_rest(p, path, target, NULL);
    if (rest && strcmp(rest, "pagemap") == 0)
        return PAGE_FILE_PAGEMAP;
    if (rest && strcmp(rest, "clear_refs") == 0)
        return PAGE_FILE_CLEAR_REFS;
    if (rest && strcmp(rest, "mem") == 0)
        return PAGE_FILE_MEM;
    /* the mem of a host process (/proc/N/mem for an N that is not a guest's): not the guest's
     * to read or write, as ptrace_may_access refuses it (EACCES) */
    if (!rest && strncmp(path, "/proc/", 6) == 0) {
        const char *tail = strrchr(path, '/');
        if (tail && strcmp(tail, "/mem") == 0)
            return PAGE_FILE_FOREIGN_MEM;
    }
    return PAGE_FILE_NONE;
}

int proc_page_file_open(struct proc *p, const char *path, int flags)
{
    struct proc *target;
    int kind = page_file_kind(p, path, &target);

    if (kind == PAGE_FILE_NONE)
        return PROCFS_PASSTHROUGH;
    if (kind == PAGE_FILE_FOREIGN_MEM)
        return -EACCES;
    bool root = geteuid() == 0; /* CAP_DAC_OVERRIDE: root opens even clear_refs for reading */
    if (kind == PAGE_FILE_MEM) {
        /* mode 0600, ptrace_may_access: every guest may */
    } else if (kind == PAGE_FILE_CLEAR_REFS) { /* mode 0200 */
        if ((flags & O_ACCMODE) != O_WRONLY && !root)
            return -EACCES;
    } else if ((flags & O_ACCMODE) != O_RDONLY || (kind != PAGE_FILE_PAGEMAP && !root)) {
        return -EACCES; /* mode 0400, and kpage* are root's */
    }
    if ((kind == PAGE_FILE_PAGEMAP || kind == PAGE_FILE_CLEAR_REFS || kind == PAGE_FILE_MEM) &&
        !target->task.mm)
        return -ENOENT;
    int fd = memfd_create(kind == PAGE_FILE_MEM ? "mem" : "pagefile", MFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

void proc_page_file_mark(struct proc *p, struct ofd *o, const char *path)
{
    struct proc *target;

    int kind = page_file_kind(p, path, &target);
    o->page_file = kind == PAGE_FILE_FOREIGN_MEM ? PAGE_FILE_NONE : kind;
    if (o->page_file == PAGE_FILE_PAGEMAP || o->page_file == PAGE_FILE_CLEAR_REFS ||
        o->page_file == PAGE_FILE_MEM) {
        o->page_file_pid = target->task.pid;
        o->page_file_mm = target->task.mm;
        o->page_file_show_pfn = geteuid() == 0;
    }
}

/* The mm a pagemap reads, or NULL once its process exited or exec'd another. */
static struct mm_struct *pagemap_mm(struct proc *p, struct ofd *o)
{
    struct proc *t = o->page_file_pid == p->task.pid ? p : find_proc(p->emu, o->page_file_pid);
    return t && !t->exited && t->task.mm == o->page_file_mm ? t->task.mm : NULL;
}

/*
 * mem_rw: count bytes between the caller's ubuf and the process's memory at the file offset
 * (pos, or the host fd's offset, which then advances), a page at a time through a bounce page
 * (access_remote_vm with FOLL_FORCE). The bytes moved; -EIO when the first page cannot be
 * reached, -EFAULT when the caller's buffer cannot; 0 once the process has exited or exec'd.
 */
static long proc_mem_rw(struct proc *p, struct ofd *o, uint64_t ubuf, uint64_t count, int64_t pos,
                        bool write)
{
    int64_t off = pos >= 0 ? pos : (int64_t)lseek(o->hostfd, 0, SEEK_CUR);
    if (off < 0)
        return -EINVAL;
    if (!pagemap_mm(p, o))
        return 0;
    struct proc *t = o->page_file_pid == p->task.pid ? p : find_proc(p->emu, o->page_file_pid);
    if (count > FL_MAX_RW_COUNT)
        count = FL_MAX_RW_COUNT;
    uint64_t done = 0;
    long err = 0;
    while (done < count) {
        static char page[PAGE_SIZE];
        size_t n = count - done < PAGE_SIZE ? count - done : PAGE_SIZE;
        if (write && get_user_bytes(&p->task, page, ubuf + done, n)) {
            err = -EFAULT;
            break;
        }
        size_t moved = ptrace_access_vm(t, (uint64_t)off + done, page, n, write);
        if (!moved) {
            err = -EIO;
            break;
        }
        if (!write && put_user_bytes(&p->task, ubuf + done, page, moved)) {
            err = -EFAULT;
            break;
        }
        done += moved;
        if (moved < n)
            break;
    }
    if (done && pos < 0)
        lseek(o->hostfd, off + (int64_t)done, SEEK_SET);
    return done ? (long)done : err;
}

long proc_page_file_read(struct proc *p, struct ofd *o, uint64_t ubuf, uint64_t count, int64_t pos)
{
    if (o->page_file == PAGE_FILE_MEM)
        return proc_mem_rw(p, o, ubuf, count, pos, false);
    int64_t off = pos >= 0 ? pos : (int64_t)lseek(o->hostfd, 0, SEEK_CUR);
    uint64_t limit; /* entries in the file */
    struct mm_struct *mm = NULL;

    if (off < 0 || o->page_file == PAGE_FILE_CLEAR_REFS) /* clear_refs has no read */
        return -EINVAL;
    if (off % ENTRY_BYTES || count % ENTRY_BYTES)
        return -EINVAL;
    if (o->page_file == PAGE_FILE_PAGEMAP) {
        if (!(mm = pagemap_mm(p, o)))
            return 0;
        limit = mm->task_size >> PAGE_SHIFT;
    } else {
        limit = totalram_pages();
    }
    uint64_t first = (uint64_t)off / ENTRY_BYTES, n = count / ENTRY_BYTES, done = 0;
    if (first >= limit)
        return 0;
    if (n > limit - first)
        n = limit - first;
    while (done < n) {
        uint64_t entries[CHUNK], c = n - done < CHUNK ? n - done : CHUNK, at = first + done;
        if (mm)
            pagemap_read_entries(mm, at << PAGE_SHIFT, c, o->page_file_show_pfn, entries);
        else
            for (uint64_t i = 0; i < c; i++)
                entries[i] = o->page_file == PAGE_FILE_KPAGECOUNT ? kpagecount_entry(at + i)
                                                                  : stable_page_flags(at + i);
        if (put_user_struct(p, ubuf + done * ENTRY_BYTES, entries, c * ENTRY_BYTES))
            return -EFAULT; /* and the offset stays, as pagemap_read leaves *ppos */
        done += c;
    }
    if (pos < 0)
        lseek(o->hostfd, off + (int64_t)(done * ENTRY_BYTES), SEEK_SET);
    return (long)(done * ENTRY_BYTES);
}

long proc_page_file_write(struct proc *p, struct ofd *o, uint64_t ubuf, uint64_t count, int64_t pos)
{
    char buf[13] = {0}; /* PROC_NUMBUF */
    struct mm_struct *mm;
    char *end;

    if ((o->flags & O_ACCMODE) == O_RDONLY ||
        (o->page_file != PAGE_FILE_CLEAR_REFS && o->page_file != PAGE_FILE_MEM))
        return -EBADF;
    if (o->page_file == PAGE_FILE_MEM)
        return proc_mem_rw(p, o, ubuf, count, pos, true);
    if (count > sizeof(buf) - 1)
        count = sizeof(buf) - 1;
    if (get_user_struct(p, buf, ubuf, count))
        return -EFAULT;
    /* kstrtoint(strstrip(buf)): a decimal, blanks around it allowed */
    const char *s = buf;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    errno = 0;
    long type = strtol(s, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n')
        end++;
    if (end == s || *end || errno || type < CLEAR_REFS_ALL || type > CLEAR_REFS_MM_HIWATER_RSS)
        return -EINVAL;
    if (!(mm = pagemap_mm(p, o)))
        return -ESRCH;
    clear_refs(mm, (int)type);
    return (long)count;
}
