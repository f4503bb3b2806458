/*
 * task_io.h - per-task I/O accounting, /proc/PID/io (models include/linux/task_io_accounting.h
 * and task_io_accounting_ops.h of Linux 4.20, with the counting in fs/read_write.c).
 *
 * rchar and wchar count the bytes the read- and write-like calls returned, syscr and syscw the
 * calls, as 4.20 counts them: read and pread64 (write, pwrite64) once the file was found
 * readable (writable) and the range valid, readv and its kin every time, sendfile and
 * copy_file_range both sides. Each row of syscall_table.h that counts says so (SYSCALL_IO).
 * read_bytes, write_bytes and cancelled_write_bytes (storage I/O) stay 0: the model's page
 * cache reads and writes the host's files, not a block device. Not counted either: the reads
 * of execve's loader, which 4.20's kernel_read counts.
 */
#ifndef FL_EMU_TASK_IO_H
#define FL_EMU_TASK_IO_H

#include <stdint.h>

struct task_io_accounting {
    uint64_t rchar, wchar, syscr, syscw;
    uint64_t read_bytes, write_bytes, cancelled_write_bytes;
};

/* How a syscall row counts (struct syscall_desc's ioac). */
enum ioac_kind {
    IOAC_NONE,
    IOAC_READ,   /* read, pread64: counted unless refused before the read (EBADF, EINVAL, ESPIPE) */
    IOAC_WRITE,  /* write, pwrite64: the same */
    IOAC_READV,  /* readv, preadv, preadv2: always one call */
    IOAC_WRITEV, /* writev, pwritev, pwritev2 */
    IOAC_BOTH,   /* sendfile, copy_file_range: a read and a write, unless refused */
};

struct proc;
struct syscall_desc;

/* After p's syscall sd completed with ret (not parked to be restarted). */
void task_io_account_syscall(struct proc *p, const struct syscall_desc *sd, long ret);
/* to += from (task_io_accounting_add). */
void task_io_accounting_add(struct task_io_accounting *to, const struct task_io_accounting *from);
/* /proc/PID/io (whole: the thread group, its exited threads and reaped children, as 4.20's
 * do_io_accounting with signal->ioac) or /proc/PID/task/TID/io (that thread's own). */
void task_io_read(struct proc *p, int whole, struct task_io_accounting *out);

#endif
