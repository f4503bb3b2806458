/*
 * fdtable.h - the guest's file descriptor table (include/linux/fdtable.h, fs/file.c).
 *
 * Guest fd numbers belong to the guest (0..fs.nr_open-1) and are unrelated to faultline's own
 * host fds. Each guest fd points at an open file description (struct ofd, Linux's struct file)
 * that wraps one host fd; dup() and fork share an ofd, so they share the file offset and status
 * flags exactly as Linux does, because the host fd is the same. Close-on-exec belongs to the fd,
 * not the ofd, so the table keeps it; every host fd is opened O_CLOEXEC on the host whatever the
 * guest asked, which the host's F_GETFL does not report.
 */
#ifndef FL_FDTABLE_H
#define FL_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>

/* A table's first size: Linux's embedded fdtab (NR_OPEN_DEFAULT, BITS_PER_LONG fds), so a
 * process with few fds, the common case, keeps the table small. */
#define FDTABLE_MIN 64

/* fs.nr_open (sysctl_nr_open): no table grows past it, and RLIMIT_NOFILE's hard limit cannot be
 * raised past it. The host's, as the guest reads /proc/sys/fs/nr_open from the host; 1048576,
 * Linux's default, if it cannot be read. */
int fdtable_nr_open(void);

/* An open file description. */
struct mm_struct;

struct ofd {
    uint64_t serial; /* its number in the order of creation, for kcmp's ordering (never 0) */
    int hostfd;
    int refs;      /* guest fds (in any table) and transient holders */
    int flags;     /* open(2) flags at open, status flags (O_APPEND, O_NONBLOCK) after F_SETFL */
    unsigned type; /* st_mode & S_IFMT of the host file at open (0 if unknown) */
    /* A regular file's identity (st_dev, st_ino) at open, which an open file keeps: how read
     * and write find the model's page cache of it (emu/hostfile.c) without asking the host. */
    uint64_t dev, ino;
    char *path; /* the host path it was opened by, or NULL (stdio, pipes) */
    /* The model's struct file for mappings of this open file description, made by its first
     * mmap: Linux's struct file is the open file description, so the mappings of one fd (and
     * of its dups) share one vm_file and adjacent ones merge (is_mergeable_vma). */
    struct file *map_file;
    /* /dev/zero, /dev/full, /dev/random or /dev/urandom: character devices whose read fills
     * the whole count at once in Linux (read_iter_zero, urandom_read_iter), so the handler reads
     * them to the count as it does regular files, though they are not (sys_file.c). */
    bool fills_reads;
    bool pty_master; /* /dev/ptmx's (5:2): the master of a pty (emu/ctty.h's hang-up, ^C) */
    /* A guest pipe: the host fd is always O_NONBLOCK, so a read or write that would block
     * returns EAGAIN and the process is parked instead of blocking faultline (emu/sched.h);
     * the guest's own O_NONBLOCK is the bit in `flags`. */
    bool host_nonblock;
    bool epoll; /* an epoll instance (emu/sys_epoll.c) */
    /* An epoll instance's interest list as the guest added it, in order: the guest fd, the host
     * fd and the serial of the file behind it (kcmp's KCMP_EPOLL_TFD looks a target up by its
     * fd). An item stays here after the file's last close, which the host's epoll notices
     * (emu/sys_epoll.c asks it whether the item still lives). */
    struct epoll_item {
        int tfd, hostfd;
        uint64_t serial;
    } * ep_items;
    int ep_nitems, ep_cap;
    /* A socket whose peer may be outside the guest (socket(), accept), or an epoll instance
     * that has watched one: when every guest process waits, the scheduler waits on these on the
     * host instead of calling it a deadlock (emu/run.c). A socket pair's ends are not. */
    bool external;
    bool connecting; /* a blocking connect parked on EINPROGRESS: the retry asks SO_ERROR */
    /* A guest's AF_UNIX socket: the credentials of its peer and last sender (emu/sock_cred.c) */
    struct sock_cred *sock_cred;
    /* A /proc directory whose listing procfs_getdents makes: /proc (the host's entries but its
     * pids, then the guest's processes), a guest process's fd directory (proc_fd_pid's open
     * fds) or its task directory (the threads of group proc_fd_pid), and the CPU, node,
     * /proc/sys/vm and transparent_hugepage directories without the entries the machine lacks
     * (and /proc/sys/vm with the 4.20 files the host lacks). Where the listing is: past the
     * host's entries, and the last pid or fd listed (for /proc/sys/vm, the next tunable). */
    enum {
        PROC_DIR_NONE,
        PROC_DIR_ROOT,
        PROC_DIR_FD,
        PROC_DIR_TASK,
        PROC_DIR_SYS_CPU,
        PROC_DIR_SYS_NODE, /* SYS_NODE_DIR and its node0 (sys_node.h) */
        PROC_DIR_MM_TUNABLES
    } proc_dir;
    bool proc_host_done;
    int proc_last, proc_fd_pid;
    /* A guest process's /proc/PID directory (or /proc/self): its tgid, which
     * pidfd_send_signal takes as it takes a pidfd (tgid_pidfd_to_pid); 0: none. */
    int proc_tgid;
    /* A signalfd (emu/sys_signalfd.c): reads take pending signals; the host fd is an eventfd
     * that is readable while one of its mask is pending. */
    struct signalfd_ctx *signalfd;
    /* A pidfd (emu/sys_pidfd.c): the host fd is an eventfd, readable once the process exited. */
    struct pidfd_ctx *pidfd;
    /* A userfaultfd (emu/sys_userfaultfd.c): the host fd is an eventfd, readable while a
     * fault waits unread; the context is the model's. */
    struct userfaultfd_ctx *uffd;
    /* A POSIX message queue descriptor (emu/sys_mqueue.c): the host fd is an eventfd whose
     * count makes it poll as the queue does (readable with messages, writable with room). */
    struct mq_file *mqueue;
    /* /dev/kmsg or /proc/kmsg (emu/printk.h): a reader of the emulated kernel's log; the host
     * fd is an eventfd, readable while the reader has a record to read. */
    struct kmsg_user *kmsg;
    /* A file procfs made (emu/procfs.h): the path that makes it again ("/proc/PID/..." for the
     * process it was opened for), as a seq_file is made by every read at offset 0, the first
     * one too (what the process did between its open and its first read shows). */
    char *proc_regen;
    /* For a procfs file of many records (maps, smaps: procfs_seq_read_len), the file offset up
     * to which seq_read's buffer has been filled: bytes past the offset a read flushes first. */
    int64_t seq_end;
    /* Any file procfs made (the host fd is a memfd, but the file is procfs's: a superblock of
     * its own, so copy_file_range between it and another file is EXDEV). */
    bool proc_made;
    /* For such a file, the host path a stat of its name looks at (malloc'd, or NULL): fstat and
     * statx of the fd give the procfs file's inode as stat does (mode 0444, size 0, st_blksize
     * 1024, which sizes stdio's buffer), not the memfd's (0777, the text's size, 4096). */
    char *proc_hpath;
    /* /proc/PID/pagemap, /proc/kpagecount, /proc/kpageflags, /proc/PID/clear_refs
     * (emu/proc_pagemap.c): reads and writes go to the model, at the offset the host fd (an
     * empty memfd) keeps. pagemap, clear_refs and mem act on the mm their process had at open,
     * as long as that process still has it. */
    enum {
        PAGE_FILE_NONE,
        PAGE_FILE_PAGEMAP,
        PAGE_FILE_KPAGECOUNT,
        PAGE_FILE_KPAGEFLAGS,
        PAGE_FILE_CLEAR_REFS, /* written, not read: clear_refs_write */
        PAGE_FILE_MEM,        /* /proc/PID/mem: the process's memory itself, read and written */
    } page_file;
    bool page_file_show_pfn; /* pagemap: frame numbers shown (the opener was root) */
    int page_file_pid;
    struct mm_struct *page_file_mm;
    /* Signal-driven I/O (emu/fasync.h), Linux's file->f_owner: the owner F_SETOWN(_EX) named
     * (pid 0: none; owner_type F_OWNER_TID, F_OWNER_PID or F_OWNER_PGRP) and F_SETSIG's signal
     * (0: SIGIO without siginfo). O_ASYNC itself is the bit in `flags`. */
    int owner_pid, owner_type, sigio_signum;
    /* a socket pair's other end (its serial): who a write here signals; 0: none */
    uint64_t pair_serial;
    /* on the O_ASYNC list: the fd it was set through (si_fd), what the file is (FA_*), a pipe's
     * identity, a write that found no room (SOCKWQ_ASYNC_NOSPACE), the events an external
     * file showed when last polled */
    bool fasync_on, fasync_nospace;
    int fasync_fd, fasync_kind;
    short fasync_revents;
    uint64_t fasync_dev, fasync_ino;
    struct ofd *fasync_next;
};

/* KCMP_EPOLL_TFD's target (emu/sys_epoll.c): the serial of the file behind the toff-th live
 * item of epoll instance ep on guest fd tfd, or -ENOENT. */
long epoll_target_serial(struct ofd *ep, int tfd, unsigned toff, uint64_t *serial);

struct fdtable {
    uint64_t serial; /* as struct ofd's, for kcmp */
    int refs;        /* processes sharing this table (CLONE_FILES) */
    /* The end of the fds that new ones are allocated from: the RLIMIT_NOFILE soft limit of the
     * group using it (alloc_fd's `end`, rlimit(RLIMIT_NOFILE)), set by setrlimit and copied by
     * fork. A table shared by two groups (CLONE_FILES without CLONE_THREAD) has the limit the
     * last one set. At most fdtable_nr_open(). */
    int nofile;
    /* The slots allocated (Linux's fdt->max_fds, /proc/PID/status's FDSize): FDTABLE_MIN at
     * first, grown as alloc_fdtable grows it when an fd past them is installed (to a power of
     * two), never shrunk; fds at or past it are closed. fd[] has max_fds entries, the
     * bitmaps max_fds / 64 words. */
    int max_fds;
    struct ofd **fd;
    uint64_t *open_fds; /* bit i set <=> fd[i] != NULL: the free fd found a word at a time */
    uint64_t *cloexec;
};

/* A table whose guest fds 0, 1, 2 are dups of faultline's host 0, 1, 2 (a host fd that is
 * closed leaves the guest fd closed too). Never NULL: aborts when out of memory. */
struct fdtable *fdtable_new_stdio(void);

/* A copy of `t` for fork: the same fds, sharing their ofds (refs taken), same close-on-exec. */
struct fdtable *fdtable_dup(struct fdtable *t);

/* Take one more reference on the table itself (CLONE_FILES). */
struct fdtable *fdtable_hold(struct fdtable *t);

/* Drop one reference on the table; the last one closes every fd and frees it. NULL is a no-op. */
void fdtable_free(struct fdtable *t);

/* unshare_fd: t if nobody else holds it, else a copy of it for the caller alone (the caller's
 * reference on t dropped). For close_range's CLOSE_RANGE_UNSHARE, unshare(CLONE_FILES), and
 * execve before it closes the close-on-exec fds. */
struct fdtable *fdtable_unshare(struct fdtable *t);

/*
 * Install `o` at the lowest free fd >= minfd (below t->nofile). The table takes over the caller's
 * reference on success; on failure the caller still owns it. Returns the fd, -EMFILE when no fd
 * is free, -EINVAL when minfd is out of range, -ENOMEM when the table cannot grow.
 */
int fd_install(struct fdtable *t, struct ofd *o, int minfd, bool cloexec);

/* A guest fd (read-write) for hostfd, which is non-blocking on the host (a socket, an eventfd,
 * a timerfd: a call that would block parks its process); guest_nonblock is the guest's own
 * O_NONBLOCK, external says the peer may be outside the guest (struct ofd). The fd, or -EMFILE
 * with hostfd closed. */
int fd_install_nonblocking(struct fdtable *t, int hostfd, bool guest_nonblock, bool cloexec,
                           bool external);

/* A guest fd on a new host eventfd, for the fds whose readiness faultline keeps itself (a
 * signalfd, a pidfd: the eventfd is readable while they are); *efd is the host fd. The fd, or
 * -errno. */
int fd_install_eventfd(struct fdtable *t, bool guest_nonblock, bool cloexec, int *efd);

/* Install both ends of a pipe or socket pair at the lowest free fds, into fd[0] and fd[1]: 0,
 * or -EMFILE with neither installed and both references dropped (do_pipe2's order). */
int fd_install_pair(struct fdtable *t, struct ofd *o[2], bool cloexec, int fd[2]);

/* The fd fd_install(t, o, minfd, ...) would use now, or -EMFILE: lets open(2) fail with EMFILE
 * before it creates a file, as Linux's get_unused_fd_flags() does. It may be past t->max_fds:
 * fd_install grows the table then. */
int fd_lowest_free(struct fdtable *t, int minfd);

/* Install `o` at exactly `fd`, closing what was there (dup2/dup3), growing the table to hold
 * it (expand_files). Takes over the caller's reference, which is dropped on failure. Returns
 * fd, -EBADF if fd is out of range (negative, or at or past fs.nr_open; the caller checks
 * RLIMIT_NOFILE) or -ENOMEM. */
int fd_install_at(struct fdtable *t, int fd, struct ofd *o, bool cloexec);

/* The ofd behind fd, or NULL (the caller returns -EBADF). No reference is taken: it is valid
 * until the handler changes the table. */
struct ofd *fd_get(struct fdtable *t, int fd);

/* The lowest open fd >= fd, or -1: for walking the open fds of a table of any size. */
int fd_next_open(struct fdtable *t, int fd);

/* For an open fd (fd_get is not NULL). */
bool fd_get_cloexec(struct fdtable *t, int fd);
void fd_set_cloexec(struct fdtable *t, int fd, bool on);

/* Close guest fd `fd`. 0 or -EBADF. */
int fd_close(struct fdtable *t, int fd);

/* execve: close every fd marked close-on-exec. */
void fdtable_close_on_exec(struct fdtable *t);

/* A new ofd (refs 1) owning `hostfd`; `path` is copied. Never NULL: aborts when out of memory. */
struct ofd *ofd_new(int hostfd, int flags, const char *path);
struct ofd *ofd_hold(struct ofd *o);
/* Drop a reference; the last one closes the host fd. */
void ofd_put(struct ofd *o);

#endif
