/*
 * printk.h - the emulated kernel's own log (kernel/printk/printk.c, fs/proc/kmsg.c): the ring
 * of records every arch_printk() goes into, and the three ways a guest reads it: syslog(2)
 * (emu/sys_syslog.c), /dev/kmsg and /proc/kmsg.
 *
 * The log is the machine's, one per faultline run, kept as Linux 4.20 keeps log_buf: 1 <<
 * CONFIG_LOG_BUF_SHIFT (17) bytes of records, each a 16-byte struct printk_log header (time
 * stamp, lengths, facility, level), its text and padding to 8 bytes, with sequence numbers; the
 * oldest records are dropped to make room for a new one (log_make_free_space). The time stamp
 * is the emulated machine's clock since boot, CLOCK_MONOTONIC, what the guest's clock_gettime
 * and /proc/uptime show (emu/sys_time.c). Everything here runs on the emulator's thread.
 *
 * A reader that waits is woken through host eventfds kept readable while it has something to
 * read (the syslog(READ) waiters' one, and one per open /dev/kmsg or /proc/kmsg), so a parked
 * read, poll or epoll of the guest works as for a pipe (emu/sched.h). Each record stored is
 * also told to the fault observers (trace_printk_record: the fault log's kernel_log rows).
 */
#ifndef FL_PRINTK_H
#define FL_PRINTK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc;
struct ofd;
struct uiov;

#define LOG_BUF_LEN  (1 << 17) /* __LOG_BUF_LEN, CONFIG_LOG_BUF_SHIFT=17 */
#define PREFIX_MAX   32
#define LOG_LINE_MAX (1024 - PREFIX_MAX)

/* vprintk_store for a formatted message (the caller did the printf, at most LOG_LINE_MAX - 1
 * bytes): a trailing newline is dropped; for facility 0 (the kernel) the KERN_<level> prefixes
 * (kernel_model/arch.h) are taken off and give the level, which is otherwise
 * default_message_loglevel (4, KERN_WARNING) when `level` is -1 (LOGLEVEL_DEFAULT). The record
 * is stored and the readers are woken. Returns the text's length as stored. */
int vprintk_store(int facility, int level, const char *text, size_t text_len);

/* printk_skip_level for a whole message: the text past its KERN_<level> prefixes (what the
 * console, here faultline's stderr, prints). */
const char *printk_skip_levels(const char *text);

/*
 * do_syslog(type, buf, len, source) for task p: check_syslog_permissions (source /proc/kmsg:
 * only its open is checked), then the action on the log: READ waits (parks p, -FL_ERESTARTSYS)
 * until a record is unread and hands out syslog_seq's records, partially if one does not fit;
 * READ_ALL and READ_CLEAR the newest records since clear_seq that fit in len; CLEAR moves
 * clear_seq to the end; SIZE_UNREAD the bytes READ would give (from /proc/kmsg: the records);
 * SIZE_BUFFER LOG_BUF_LEN. Records are "<prio>[    s.uuuuuu] text\n".
 */
long do_syslog(struct proc *p, int type, uint64_t buf, int len, bool from_proc);

/* kmsg_open's answer for "not the log's file": open the path as usual. */
#define KMSG_PASSTHROUGH (-0x10001)

/*
 * open of /dev/kmsg (devkmsg_open; a char device 1:11, mode 0644 root) or /proc/kmsg
 * (kmsg_open; mode 0400 root, CAP_SYSLOG), given as the guest's absolute path `gname` or, when
 * hostfd >= 0, as the host file a path reached (rdev 1:11 or the path /proc/kmsg): never the
 * host's log, which is another kernel's. Installs a guest fd (flags: open(2)'s) and returns
 * it, or -errno, or KMSG_PASSTHROUGH.
 */
long kmsg_open(struct proc *p, const char *gname, int hostfd, int flags);

/* read(2) of such a file: devkmsg_read (one record "prio,seq,ts_usec,flag;text\n", EPIPE once
 * when the reader's next record was overwritten, EINVAL when it does not fit in count) or
 * /proc/kmsg's syslog READ. -EAGAIN when nothing is there: a blocking read then parks on the
 * file (emu/syscall.c). */
long kmsg_read(struct proc *p, struct ofd *o, uint64_t buf, uint64_t count);
/* write(2)/writev(2) of /dev/kmsg (devkmsg_write): the segments together are one message,
 * "<N>" at its start its priority; ratelimited per open file unless kernel.printk_devkmsg is
 * "on". /proc/kmsg has no write: -EINVAL. */
long kmsg_write(struct proc *p, struct ofd *o, const struct uiov *iov, int n, uint64_t total);
/* lseek(2): devkmsg_llseek (offset 0 only, SEEK_SET, SEEK_DATA: after the last CLEAR,
 * SEEK_END); /proc/kmsg: 0. */
long kmsg_llseek(struct ofd *o, int64_t offset, int whence);
/* The file's last close (devkmsg_release: the ratelimit's summary line). */
struct kmsg_user;
void kmsg_release(struct kmsg_user *u);

#endif
