/*
 * printk.c - the emulated kernel's log buffer and its readers (kernel/printk/printk.c,
 * fs/proc/kmsg.c); see printk.h.
 *
 * What differs from 4.20: no continuation buffer (each message is a record at once; a
 * /dev/kmsg write without a trailing newline is not held back for the next one), no consoles
 * (the console is faultline's stderr, which arch_printk writes itself), and a /dev/kmsg reader
 * whose next record was overwritten polls as readable without POLLERR|POLLPRI (its host fd is
 * an eventfd, which has no such state).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/printk.h"
#include "emu/sched.h"
#include "emu/sys_info.h"
#include "emu/uio.h"
#include "kernel_model/arch.h"
#include "kernel_model/trace.h"

#define CAP_DAC_OVERRIDE 1
#define CAP_SYS_ADMIN    21
#define CAP_SYSLOG       34

#define LOGLEVEL_DEFAULT         (-1)
#define DEFAULT_MESSAGE_LOGLEVEL 4    /* CONFIG_MESSAGE_LOGLEVEL_DEFAULT */
#define CONSOLE_EXT_LOG_MAX      8192 /* a /dev/kmsg record's most bytes */
#define LOG_USER_FACILITY        1
#define MAX_LOG_TAKE_PART        4
#define RATELIMIT_INTERVAL_NS    (5 * 1000000000ull) /* DEFAULT_RATELIMIT_INTERVAL, 5 * HZ */
#define RATELIMIT_BURST          10

enum log_flags {
    LOG_NEWLINE = 2, /* the text ended with a newline */
    LOG_PREFIX = 4,  /* the text had a KERN_<level> prefix */
    LOG_CONT = 8,    /* a KERN_CONT fragment */
};

enum {
    SYSLOG_ACTION_CLOSE,
    SYSLOG_ACTION_OPEN,
    SYSLOG_ACTION_READ,
    SYSLOG_ACTION_READ_ALL,
    SYSLOG_ACTION_READ_CLEAR,
    SYSLOG_ACTION_CLEAR,
    SYSLOG_ACTION_CONSOLE_OFF,
    SYSLOG_ACTION_CONSOLE_ON,
    SYSLOG_ACTION_CONSOLE_LEVEL,
    SYSLOG_ACTION_SIZE_UNREAD,
    SYSLOG_ACTION_SIZE_BUFFER,
};

/* A record's header in log_buf, 4.20's layout: the flags in the low 5 bits of the last byte,
 * the level in its high 3 (u8 flags:5, level:3). len 0 marks the end of the used part of the
 * buffer: the next record is at its start. */
struct printk_log {
    uint64_t ts_nsec;
    uint16_t len;
    uint16_t text_len;
    uint16_t dict_len;
    uint8_t facility;
    uint8_t flags_level;
};
_Static_assert(sizeof(struct printk_log) == 16, "struct printk_log is 16 bytes");
#define LOG_ALIGN 8

static _Alignas(LOG_ALIGN) char log_buf[LOG_BUF_LEN];
static uint64_t log_first_seq, log_next_seq; /* the first record kept, the next to store */
static uint32_t log_first_idx, log_next_idx;
static uint64_t syslog_seq; /* the next record syslog(READ) and /proc/kmsg hand out */
static uint32_t syslog_idx;
static size_t syslog_partial; /* how much of it a partial READ has handed out */
static uint64_t clear_seq;    /* the first record after the last CLEAR */
static uint32_t clear_idx;

/* An open /dev/kmsg (devkmsg_user) or /proc/kmsg (proc: it reads syslog_seq). */
struct kmsg_user {
    bool proc;
    uint64_t seq;
    uint32_t idx;
    int efd;    /* the ofd's host fd: an eventfd, 1 while something is there to read */
    bool ready; /* what efd says now */
    /* struct ratelimit_state, RATELIMIT_MSG_ON_RELEASE: the writes let through in the
     * interval that began at begin_ns, and those dropped */
    uint64_t begin_ns;
    int printed, missed;
    char comm[16]; /* the opener's, for the summary line at release */
    struct kmsg_user *next;
};
static struct kmsg_user *kmsg_users;
static int log_wait_efd = -1; /* syslog(READ)'s waiters: readable while syslog_seq is behind */
static bool log_wait_ready;

/* ---- the ring ---------------------------------------------------------------------------- */

static struct printk_log *log_at(uint32_t idx)
{
    return (struct printk_log *)(log_buf + idx);
}

static const char *log_text(const struct printk_log *msg)
{
    return (const char *)msg + sizeof(*msg);
}

/* log_from_idx: the record at idx; a len-0 header there means it is at the buffer's start. */
static struct printk_log *log_from_idx(uint32_t idx)
{
    struct printk_log *msg = log_at(idx);
    return msg->len ? msg : log_at(0);
}

/* log_next: the index of the record after the one at idx. */
static uint32_t log_next(uint32_t idx)
{
    struct printk_log *msg = log_at(idx);
    return msg->len ? idx + msg->len : log_at(0)->len;
}

/* logbuf_has_space: room for a record of msg_size bytes and a wrap marker after it, in one
 * piece (equal indexes mean an empty or a full buffer: `empty` says which). */
static bool logbuf_has_space(uint32_t msg_size, bool empty)
{
    uint32_t room;
    if (log_next_idx > log_first_idx || empty) {
        uint32_t tail = LOG_BUF_LEN - log_next_idx;
        room = tail > log_first_idx ? tail : log_first_idx;
    } else {
        room = log_first_idx - log_next_idx;
    }
    return room >= msg_size + sizeof(struct printk_log);
}

/* log_make_free_space: drop the oldest records until msg_size fits; 0, or -ENOMEM when it
 * cannot fit even in the empty buffer. clear_seq follows the first record kept. */
static int log_make_free_space(uint32_t msg_size)
{
    while (log_first_seq < log_next_seq && !logbuf_has_space(msg_size, false)) {
        log_first_idx = log_next(log_first_idx);
        log_first_seq++;
    }
    if (clear_seq < log_first_seq) {
        clear_seq = log_first_seq;
        clear_idx = log_first_idx;
    }
    return logbuf_has_space(msg_size, log_first_seq == log_next_seq) ? 0 : -ENOMEM;
}

/* msg_used_size: header, text, padding to LOG_ALIGN. */
static uint32_t msg_used_size(uint32_t text_len, uint32_t *pad_len)
{
    uint32_t size = (uint32_t)sizeof(struct printk_log) + text_len;
    *pad_len = (uint32_t)(-size) & (LOG_ALIGN - 1);
    return size + *pad_len;
}

static const char trunc_msg[] = "<truncated>";

/* The eventfd efd says ready or not (it is kept at 0 or 1). */
static void efd_set(int efd, bool *cur, bool ready)
{
    uint64_t v = 1;
    if (efd < 0 || ready == *cur)
        return;
    if (ready ? write(efd, &v, sizeof(v)) == sizeof(v) : read(efd, &v, sizeof(v)) == sizeof(v))
        *cur = ready;
}

/* wake_up_interruptible(&log_wait), as a state: every reader's eventfd says whether it has
 * something to read now. */
static void log_wait_sync(void)
{
    efd_set(log_wait_efd, &log_wait_ready, syslog_seq != log_next_seq);
    for (struct kmsg_user *u = kmsg_users; u; u = u->next)
        efd_set(u->efd, &u->ready, (u->proc ? syslog_seq : u->seq) != log_next_seq);
}

/* log_store: put a record at log_next_idx, dropping old ones for room, truncating a text too
 * long for a quarter of the buffer. Returns the text length stored. */
static int log_store(int facility, int level, unsigned flags, uint64_t ts_nsec, const char *text,
                     uint32_t text_len)
{
    uint32_t pad_len, trunc_len = 0;
    uint32_t size = msg_used_size(text_len, &pad_len);

    if (log_make_free_space(size)) {
        if (text_len > LOG_BUF_LEN / MAX_LOG_TAKE_PART)
            text_len = LOG_BUF_LEN / MAX_LOG_TAKE_PART;
        trunc_len = (uint32_t)strlen(trunc_msg);
        size = msg_used_size(text_len + trunc_len, &pad_len);
        if (log_make_free_space(size))
            return 0;
    }
    if (log_next_idx + size + sizeof(struct printk_log) > LOG_BUF_LEN) {
        memset(log_at(log_next_idx), 0, sizeof(struct printk_log)); /* the wrap marker */
        log_next_idx = 0;
    }
    struct printk_log *msg = log_at(log_next_idx);
    char *t = (char *)msg + sizeof(*msg);
    memcpy(t, text, text_len);
    memcpy(t + text_len, trunc_msg, trunc_len);
    memset(t + text_len + trunc_len, 0, pad_len);
    msg->text_len = (uint16_t)(text_len + trunc_len);
    msg->dict_len = 0;
    msg->facility = (uint8_t)facility;
    msg->flags_level = (uint8_t)((flags & 0x1f) | ((unsigned)(level & 7) << 5));
    msg->ts_nsec = ts_nsec;
    msg->len = (uint16_t)size;
    log_next_idx += size;
    log_next_seq++;

    /* the console tracepoint's place: the fault log's kernel_log row (db/ observes) */
    static char copy[LOG_LINE_MAX + sizeof(trunc_msg)];
    size_t n = msg->text_len < sizeof(copy) - 1 ? msg->text_len : sizeof(copy) - 1;
    memcpy(copy, t, n);
    copy[n] = 0;
    struct printk_event ev = {.seq = log_next_seq - 1,
                              .ts_nsec = ts_nsec,
                              .facility = facility,
                              .level = level & 7,
                              .text = copy};
    trace_printk_record(&ev);
    return msg->text_len;
}

static int msg_level(const struct printk_log *msg)
{
    return msg->flags_level >> 5;
}

/* printk_get_level: the level character after a KERN_SOH, or 0. */
static char printk_get_level(const char *s)
{
    if (s[0] == '\001' && s[1] && ((s[1] >= '0' && s[1] <= '7') || s[1] == 'c' || s[1] == 'd'))
        return s[1];
    return 0;
}

const char *printk_skip_levels(const char *text)
{
    while (printk_get_level(text))
        text += 2;
    return text;
}

int vprintk_store(int facility, int level, const char *text, size_t text_len)
{
    unsigned lflags = 0;
    if (text_len && text[text_len - 1] == '\n') {
        text_len--;
        lflags |= LOG_NEWLINE;
    }
    if (facility == 0) {
        char kern_level;
        while (text_len >= 2 && (kern_level = printk_get_level(text)) != 0) {
            if (kern_level >= '0' && kern_level <= '7') {
                if (level == LOGLEVEL_DEFAULT)
                    level = kern_level - '0';
                lflags |= LOG_PREFIX;
            } else if (kern_level == 'd') {
                lflags |= LOG_PREFIX;
            } else {
                lflags |= LOG_CONT;
            }
            text += 2;
            text_len -= 2;
        }
    }
    if (level == LOGLEVEL_DEFAULT)
        level = DEFAULT_MESSAGE_LOGLEVEL;
    /* an empty continuation only flushes; an empty line without its newline would wait in the
     * continuation buffer for more, and nothing came */
    if (!text_len && (lflags & (LOG_CONT | LOG_NEWLINE)) != LOG_NEWLINE)
        return 0;
    int r = log_store(facility, level, lflags, monotonic_ns(), text, (uint32_t)text_len);
    log_wait_sync();
    return r;
}

/* ---- syslog's text: "<prio>[    s.uuuuuu] line\n" per line of a record --------------- */

/* print_time (printk_time on): "[%5lu.%06lu] ". */
static size_t print_time(uint64_t ts, char *buf)
{
    char tmp[48];
    int n = snprintf(tmp, sizeof(tmp), "[%5lu.%06lu] ", (unsigned long)(ts / 1000000000u),
                     (unsigned long)(ts % 1000000000u / 1000));
    if (buf)
        memcpy(buf, tmp, (size_t)n);
    return (size_t)n;
}

/* print_prefix: "<prio>" for syslog, then the time. */
static size_t print_prefix(const struct printk_log *msg, char *buf)
{
    char tmp[16];
    unsigned prefix = ((unsigned)msg->facility << 3) | (unsigned)msg_level(msg);
    size_t len = (size_t)snprintf(tmp, sizeof(tmp), "<%u>", prefix);
    if (buf)
        memcpy(buf, tmp, len);
    return len + print_time(msg->ts_nsec, buf ? buf + len : NULL);
}

/* msg_print_text (syslog): each line of the record with its prefix, into buf of size bytes
 * (lines that do not fit whole are left out), or only the length for buf NULL. */
static size_t msg_print_text(const struct printk_log *msg, char *buf, size_t size)
{
    const char *text = log_text(msg);
    size_t text_size = msg->text_len, len = 0;

    for (;;) {
        const char *next = memchr(text, '\n', text_size);
        size_t line_len;
        if (next) {
            line_len = (size_t)(next - text);
            next++;
            text_size -= (size_t)(next - text);
        } else {
            line_len = text_size;
        }
        if (buf) {
            if (print_prefix(msg, NULL) + line_len + 1 >= size - len)
                break;
            len += print_prefix(msg, buf + len);
            memcpy(buf + len, text, line_len);
            len += line_len;
            buf[len++] = '\n';
        } else {
            len += print_prefix(msg, NULL) + line_len + 1;
        }
        if (!next)
            break;
        text = next;
    }
    return len;
}

/* syslog_print: SYSLOG_ACTION_READ's copy, record by record from syslog_seq, the first one in
 * part if size is short of it (syslog_partial remembers how much went). */
static long syslog_print(struct proc *p, uint64_t buf, int size)
{
    static char text[LOG_LINE_MAX + PREFIX_MAX];
    long len = 0;

    while (size > 0) {
        if (syslog_seq < log_first_seq) { /* gone: from the first one kept */
            syslog_seq = log_first_seq;
            syslog_idx = log_first_idx;
            syslog_partial = 0;
        }
        if (syslog_seq == log_next_seq)
            break;
        size_t skip = syslog_partial;
        size_t n = msg_print_text(log_from_idx(syslog_idx), text, sizeof(text));
        if (n - syslog_partial <= (size_t)size) {
            syslog_idx = log_next(syslog_idx);
            syslog_seq++;
            n -= syslog_partial;
            syslog_partial = 0;
        } else if (!len) {
            n = (size_t)size;
            syslog_partial += n;
        } else {
            n = 0;
        }
        if (!n)
            break;
        if (copy_to_user(&p->task, buf, text + skip, n)) {
            if (!len)
                len = -EFAULT;
            break;
        }
        len += (long)n;
        size -= (int)n;
        buf += n;
    }
    log_wait_sync();
    return len;
}

/* syslog_print_all: the newest records since clear_seq that fit in size, whole; clear: then
 * clear_seq moves to the end (READ_CLEAR). */
static long syslog_print_all(struct proc *p, uint64_t buf, int size, bool clear)
{
    static char text[LOG_LINE_MAX + PREFIX_MAX];
    long len = 0;
    uint64_t seq = clear_seq;
    uint32_t idx = clear_idx;

    while (seq < log_next_seq) {
        len += (long)msg_print_text(log_from_idx(idx), NULL, 0);
        idx = log_next(idx);
        seq++;
    }
    seq = clear_seq;
    idx = clear_idx;
    while (len > size && seq < log_next_seq) { /* the first record from which all fit */
        len -= (long)msg_print_text(log_from_idx(idx), NULL, 0);
        idx = log_next(idx);
        seq++;
    }
    len = 0;
    while (len >= 0 && seq < log_next_seq) {
        size_t n = msg_print_text(log_from_idx(idx), text, sizeof(text));
        idx = log_next(idx);
        seq++;
        if (copy_to_user(&p->task, buf + (uint64_t)len, text, n))
            len = -EFAULT;
        else
            len += (long)n;
    }
    if (clear) {
        clear_seq = log_next_seq;
        clear_idx = log_next_idx;
    }
    return len;
}

/* The host's kernel.dmesg_restrict, 0 if it cannot be read (CONFIG_SECURITY_DMESG_RESTRICT=n's
 * default): the setting of the machine. */
static int dmesg_restrict(void)
{
    return (int)host_sysctl("/proc/sys/kernel/dmesg_restrict", 0);
}

/* check_syslog_permissions: 0 or -EPERM. From /proc/kmsg only the open is checked; every other
 * action was allowed by it. CAP_SYS_ADMIN still does for CAP_SYSLOG, with a warning once. */
static long check_syslog_permissions(struct proc *p, int type, bool from_proc)
{
    static bool warned;
    if (from_proc && type != SYSLOG_ACTION_OPEN)
        return 0;
    if (!dmesg_restrict() && (type == SYSLOG_ACTION_READ_ALL || type == SYSLOG_ACTION_SIZE_BUFFER))
        return 0;
    if (guest_capable(p, CAP_SYSLOG))
        return 0;
    if (guest_capable(p, CAP_SYS_ADMIN)) {
        if (!warned) {
            warned = true;
            arch_printk(KERN_WARNING "%s (%d): Attempt to access syslog with CAP_SYS_ADMIN but no "
                                     "CAP_SYSLOG (deprecated).",
                        p->task.comm, p->task.tgid);
        }
        return 0;
    }
    return -EPERM;
}

/* do_syslog's checks of a read's buffer, in its order: -EINVAL, 0 (a read of nothing), -EFAULT,
 * or 1 to go on. */
static long syslog_read_args(uint64_t buf, int len)
{
    if (!buf || len < 0)
        return -EINVAL;
    if (!len)
        return 0;
    return access_ok(buf, (uint64_t)len) ? 1 : -EFAULT;
}

long do_syslog(struct proc *p, int type, uint64_t buf, int len, bool from_proc)
{
    long error = check_syslog_permissions(p, type, from_proc);
    if (error)
        return error;
    switch (type) {
    case SYSLOG_ACTION_CLOSE:
    case SYSLOG_ACTION_OPEN:
    case SYSLOG_ACTION_CONSOLE_OFF: /* the console is faultline's stderr, which stays */
    case SYSLOG_ACTION_CONSOLE_ON:
        return 0;
    case SYSLOG_ACTION_READ:
        if ((error = syslog_read_args(buf, len)) <= 0)
            return error;
        if (syslog_seq == log_next_seq) { /* wait_event_interruptible(log_wait, ...) */
            if (log_wait_efd < 0)
                log_wait_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            if (log_wait_efd < 0)
                return -ENOMEM;
            log_wait_sync();
            struct pollfd pfd = {.fd = log_wait_efd, .events = POLLIN};
            proc_park_poll(p, &pfd, 1);
            return -FL_ERESTARTSYS;
        }
        return syslog_print(p, buf, len);
    case SYSLOG_ACTION_READ_CLEAR:
    case SYSLOG_ACTION_READ_ALL:
        if ((error = syslog_read_args(buf, len)) <= 0)
            return error;
        return syslog_print_all(p, buf, len, type == SYSLOG_ACTION_READ_CLEAR);
    case SYSLOG_ACTION_CLEAR:
        clear_seq = log_next_seq;
        clear_idx = log_next_idx;
        return 0;
    case SYSLOG_ACTION_CONSOLE_LEVEL:
        return len < 1 || len > 8 ? -EINVAL : 0;
    case SYSLOG_ACTION_SIZE_UNREAD:
        if (syslog_seq < log_first_seq) {
            syslog_seq = log_first_seq;
            syslog_idx = log_first_idx;
            syslog_partial = 0;
        }
        if (from_proc) /* poll of /proc/kmsg asks whether, not how much */
            return (long)(log_next_seq - syslog_seq);
        {
            uint64_t seq = syslog_seq;
            uint32_t idx = syslog_idx;
            for (; seq < log_next_seq; seq++, idx = log_next(idx))
                error += (long)msg_print_text(log_from_idx(idx), NULL, 0);
            return error - (long)syslog_partial;
        }
    case SYSLOG_ACTION_SIZE_BUFFER:
        return LOG_BUF_LEN;
    default:
        return -EINVAL;
    }
}

/* ---- /dev/kmsg and /proc/kmsg ------------------------------------------------------------ */

/* kernel.printk_devkmsg: "on" (writes not ratelimited), "off" (no /dev/kmsg), else ratelimit */
enum { DEVKMSG_RATELIMIT, DEVKMSG_ON, DEVKMSG_OFF };
static int devkmsg_log(void)
{
    char line[32];
    if (!host_file_line("/proc/sys/kernel/printk_devkmsg", line, sizeof(line)))
        return DEVKMSG_RATELIMIT;
    return strncmp(line, "on", 2) == 0    ? DEVKMSG_ON
           : strncmp(line, "off", 3) == 0 ? DEVKMSG_OFF
                                          : DEVKMSG_RATELIMIT;
}

/* Which of the log's files a host file that a path reached is: 'd' /dev/kmsg (char 1:11),
 * 'p' /proc/kmsg, 0 neither. */
static char kmsg_which(const char *gname, int hostfd)
{
    struct stat st;
    if (hostfd < 0)
        return strcmp(gname, "/dev/kmsg") == 0 ? 'd' : strcmp(gname, "/proc/kmsg") == 0 ? 'p' : 0;
    if (fstat(hostfd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
        minor(st.st_rdev) == 11)
        return 'd';
    return gname && strcmp(gname, "/proc/kmsg") == 0 ? 'p' : 0;
}

long kmsg_open(struct proc *p, const char *gname, int hostfd, int flags)
{
    char which = kmsg_which(gname, hostfd);
    int acc = flags & O_ACCMODE;
    long err;

    if (!which)
        return KMSG_PASSTHROUGH;
    if (flags & O_DIRECTORY)
        return -ENOTDIR;
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
        return -EEXIST;
    if (which == 'd') {
        /* mode 0644 root:root, then devkmsg_open */
        if (acc != O_RDONLY && !guest_capable(p, CAP_DAC_OVERRIDE))
            return -EACCES;
        if (devkmsg_log() == DEVKMSG_OFF)
            return -EPERM;
        if (acc != O_WRONLY && (err = check_syslog_permissions(p, SYSLOG_ACTION_READ_ALL, false)))
            return err;
    } else {
        /* mode 0400 root:root, then kmsg_open: do_syslog(OPEN, ..., SYSLOG_FROM_PROC) */
        if (!guest_capable(p, CAP_DAC_OVERRIDE))
            return -EACCES;
        if ((err = check_syslog_permissions(p, SYSLOG_ACTION_OPEN, true)))
            return err;
    }
    struct kmsg_user *u = calloc(1, sizeof(*u));
    if (!u)
        return -ENOMEM;
    u->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (u->efd < 0) {
        free(u);
        return -errno;
    }
    u->proc = which == 'p';
    u->seq = log_first_seq;
    u->idx = log_first_idx;
    snprintf(u->comm, sizeof(u->comm), "%s", p->task.comm);
    u->next = kmsg_users;
    kmsg_users = u;
    log_wait_sync();
    struct ofd *o = ofd_new(u->efd, flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC),
                            which == 'd' ? "/dev/kmsg" : "/proc/kmsg");
    o->kmsg = u; /* ofd_put's kmsg_release takes it off the list and frees it */
    o->host_nonblock = true;
    o->type = which == 'd' ? S_IFCHR : S_IFREG;
    o->proc_hpath = strdup(which == 'd' ? "/dev/kmsg" : "/proc/kmsg"); /* fstat: that inode */
    int fd = fd_install(p->files, o, 0, flags & O_CLOEXEC);
    if (fd < 0)
        ofd_put(o);
    return fd;
}

void kmsg_release(struct kmsg_user *u)
{
    for (struct kmsg_user **pp = &kmsg_users; *pp; pp = &(*pp)->next)
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    if (u->missed) /* ratelimit_state_exit, RATELIMIT_MSG_ON_RELEASE */
        arch_printk(KERN_WARNING "%s: %d output lines suppressed due to ratelimiting", u->comm,
                    u->missed);
    free(u);
}

/* msg_print_ext_header and msg_print_ext_body: "prio,seq,ts_usec,flag;text\n", the text's
 * bytes below ' ', from 127 and '\\' as "\xNN". */
static size_t msg_print_ext(const struct printk_log *msg, uint64_t seq, char *buf, size_t size)
{
    const unsigned char *text = (const unsigned char *)log_text(msg);
    size_t len = (size_t)snprintf(
        buf, size, "%u,%llu,%llu,%c;", ((unsigned)msg->facility << 3) | (unsigned)msg_level(msg),
        (unsigned long long)seq, (unsigned long long)(msg->ts_nsec / 1000),
        (msg->flags_level & LOG_CONT) ? 'c' : '-');
    for (size_t i = 0; i < msg->text_len && len < size; i++) {
        unsigned char c = text[i];
        if (c < ' ' || c >= 127 || c == '\\') {
            int n = snprintf(buf + len, size - len, "\\x%02x", c);
            len += (size_t)n < size - len ? (size_t)n : size - len - 1;
        } else {
            buf[len++] = (char)c;
        }
    }
    if (len < size)
        buf[len++] = '\n';
    return len;
}

long kmsg_read(struct proc *p, struct ofd *o, uint64_t buf, uint64_t count)
{
    struct kmsg_user *u = o->kmsg;
    static char text[CONSOLE_EXT_LOG_MAX];

    if ((o->flags & O_ACCMODE) == O_WRONLY)
        return -EBADF;
    if (u->proc) { /* fs/proc/kmsg.c's kmsg_read: do_syslog(READ, ..., SYSLOG_FROM_PROC) */
        int len = (int)count;
        if ((o->flags & O_NONBLOCK) && !do_syslog(p, SYSLOG_ACTION_SIZE_UNREAD, 0, 0, true))
            return -EAGAIN;
        if (!buf || len < 0)
            return -EINVAL;
        if (!len)
            return 0;
        if (!access_ok(buf, (uint64_t)len))
            return -EFAULT;
        if (syslog_seq == log_next_seq)
            return -EAGAIN; /* a blocking read parks on the file until a record comes */
        return syslog_print(p, buf, len);
    }
    if (u->seq == log_next_seq)
        return -EAGAIN;
    if (u->seq < log_first_seq) { /* the record it was at is gone: say so once, go on */
        u->seq = log_first_seq;
        u->idx = log_first_idx;
        return -EPIPE;
    }
    size_t len = msg_print_ext(log_from_idx(u->idx), u->seq, text, sizeof(text));
    u->idx = log_next(u->idx);
    u->seq++;
    log_wait_sync();
    if (len > count)
        return -EINVAL;
    return copy_to_user(&p->task, buf, text, len) ? -EFAULT : (long)len;
}

/* ___ratelimit: up to RATELIMIT_BURST writes per RATELIMIT_INTERVAL_NS, per open file. */
static bool devkmsg_ratelimit(struct kmsg_user *u)
{
    uint64_t now = monotonic_ns();
    if (!u->begin_ns)
        u->begin_ns = now;
    if (now > u->begin_ns + RATELIMIT_INTERVAL_NS) {
        u->begin_ns = now;
        u->printed = 0;
    }
    if (u->printed < RATELIMIT_BURST) {
        u->printed++;
        return true;
    }
    u->missed++;
    return false;
}

long kmsg_write(struct proc *p, struct ofd *o, const struct uiov *iov, int n, uint64_t total)
{
    struct kmsg_user *u = o->kmsg;
    char buf[LOG_LINE_MAX + 1];
    int level = LOGLEVEL_DEFAULT, facility = LOG_USER_FACILITY;

    if ((o->flags & O_ACCMODE) == O_RDONLY)
        return -EBADF;
    if (u->proc || total > LOG_LINE_MAX)
        return -EINVAL;
    int mode = devkmsg_log();
    if (mode == DEVKMSG_OFF)
        return (long)total;
    if (mode != DEVKMSG_ON && !devkmsg_ratelimit(u))
        return (long)total;
    size_t got = 0;
    for (int i = 0; i < n && got < total; i++) {
        if (copy_from_user(&p->task, buf + got, iov[i].base, iov[i].len))
            return -EFAULT;
        got += iov[i].len;
    }
    buf[total] = '\0';
    /* "<N>": the low 3 bits the level, the rest the facility (LOG_USER if none) */
    char *line = buf;
    if (line[0] == '<') {
        char *endp = NULL;
        unsigned long v = strtoul(line + 1, &endp, 10);
        if (endp && endp[0] == '>') {
            level = (int)(v & 7);
            if ((v >> 3) & 0xff)
                facility = (int)((v >> 3) & 0xff);
            line = endp + 1;
        }
    }
    vprintk_store(facility, level, line, strlen(line)); /* printk_emit(..., "%s", line) */
    return (long)total;
}

long kmsg_llseek(struct ofd *o, int64_t offset, int whence)
{
    struct kmsg_user *u = o->kmsg;
    if (u->proc) /* generic_file_llseek of a file nobody reads by offset */
        return whence == SEEK_SET || whence == SEEK_CUR ? (offset < 0 ? -EINVAL : offset) : -EINVAL;
    if (offset)
        return -ESPIPE;
    switch (whence) {
    case SEEK_SET:
        u->seq = log_first_seq;
        u->idx = log_first_idx;
        break;
    case SEEK_DATA: /* after the last CLEAR (dmesg -c); reading changes nothing global */
        u->seq = clear_seq;
        u->idx = clear_idx;
        break;
    case SEEK_END:
        u->seq = log_next_seq;
        u->idx = log_next_idx;
        break;
    default:
        return -EINVAL;
    }
    log_wait_sync();
    return 0;
}
