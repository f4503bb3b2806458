/*
 * syscall.c - the dispatcher, expanded from syscall_table.h (the trace it prints: strace.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/stat.h>
#include <string.h>
#include <sys/socket.h>

#include "emu/cred.h"
#include "emu/fasync.h"
#include "emu/fdtable.h"
#include "emu/linux_abi.h"
#include "emu/sched.h"
#include "emu/seccomp.h"
#include "emu/signal.h"
#include "emu/sock.h"
#include "emu/syscall.h"
#include "emu/task_io.h"
#include "emu/userfaultfd.h"
#include "kernel_model/arch.h"
#include "kernel_model/userfaultfd_k.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define NR_SYSCALLS 512

static const struct syscall_desc table[NR_SYSCALLS] = {
#define SYSCALL(nr, name, fn, sig)        [nr] = {#name, fn, sig, false, IOAC_NONE},
#define SYSCALL_WAKES(nr, name, fn, sig)  [nr] = {#name, fn, sig, true, IOAC_NONE},
#define SYSCALL_IO(nr, name, fn, sig, io) [nr] = {#name, fn, sig, true, io},
#include "emu/syscall_table.h"
#undef SYSCALL_IO
#undef SYSCALL_WAKES
#undef SYSCALL
};

const struct syscall_desc *syscall_lookup(uint64_t nr)
{
    return nr < NR_SYSCALLS && table[nr].fn ? &table[nr] : NULL;
}

/* A guest pipe the guest uses in blocking mode (host O_NONBLOCK, guest flag clear)? */
static bool blocking_guest_pipe(struct proc *p, uint64_t fd)
{
    struct ofd *o = p->files ? fd_get(p->files, (int)fd) : NULL;
    return o && o->host_nonblock && !(o->flags & O_NONBLOCK);
}

/*
 * A guest pipe is O_NONBLOCK on the host, so EAGAIN from a call the guest made in blocking mode
 * means "would block": park the process on the pipe to retry the call (emu/sched.h). For the
 * calls with a source and a destination, wait on the source when it is an empty pipe, else on
 * the destination. A socket's SO_RCVTIMEO (a receive, an accept) or SO_SNDTIMEO (a send) bounds
 * the wait: once it is over the call is not parked again and returns its EAGAIN (sock.h).
 * Returns true if p was parked.
 */
static bool park_if_would_block(struct proc *p, uint64_t nr, const uint64_t a[6])
{
    int64_t in = -1, out = -1;
    switch (nr) {
    case 45:                     /* recvfrom */
    case 299:                    /* recvmmsg */
        if (a[3] & MSG_DONTWAIT) /* a non-blocking call of its own */
            return false;
        /* fall through */
    case 0:   /* read */
    case 19:  /* readv */
    case 43:  /* accept */
    case 288: /* accept4 */
        in = (int64_t)a[0];
        break;
    case 47: /* recvmsg */
        if (a[2] & MSG_DONTWAIT)
            return false;
        in = (int64_t)a[0];
        break;
    case 44:  /* sendto */
    case 307: /* sendmmsg */
        if (a[3] & MSG_DONTWAIT)
            return false;
        /* fall through */
    case 1:  /* write */
    case 20: /* writev */
        out = (int64_t)a[0];
        break;
    case 46: /* sendmsg */
        if (a[2] & MSG_DONTWAIT)
            return false;
        out = (int64_t)a[0];
        break;
    case 40: /* sendfile(out, in, ...) */
        out = (int64_t)a[0], in = (int64_t)a[1];
        break;
    case 326: /* copy_file_range(in, off, out, ...) */
        in = (int64_t)a[0], out = (int64_t)a[2];
        break;
    case 275: /* splice(in, off, out, off, len, flags) */
        if (a[5] & 2 /* SPLICE_F_NONBLOCK */)
            return false;
        in = (int64_t)a[0], out = (int64_t)a[2];
        break;
    case 276: /* tee(in, out, len, flags) */
        if (a[3] & 2 /* SPLICE_F_NONBLOCK */)
            return false;
        in = (int64_t)a[0], out = (int64_t)a[1];
        break;
    case 278: { /* vmsplice(pipe, iov, nr_segs, flags): into a write end, out of a read end */
        struct ofd *o = fd_get(p->files, (int)a[0]);
        if ((a[3] & 2 /* SPLICE_F_NONBLOCK */) || !o)
            return false;
        if ((o->flags & O_ACCMODE) == O_RDONLY)
            in = (int64_t)a[0];
        else
            out = (int64_t)a[0];
        break;
    }
    default:
        return false;
    }
    if (in >= 0 && blocking_guest_pipe(p, in)) {
        struct ofd *o = fd_get(p->files, (int)in);
        struct pollfd pfd = {.fd = o->hostfd, .events = POLLIN};
        if (out < 0 || poll(&pfd, 1, 0) == 0) {
            if (!sock_timeo_wait(p, (int)in, false))
                return false;
            proc_park(p, WAIT_FD_READ, (int)in, true);
            return true;
        }
    }
    if (out >= 0 && blocking_guest_pipe(p, out)) {
        if (!sock_timeo_wait(p, (int)out, true))
            return false;
        proc_park(p, WAIT_FD_WRITE, (int)out, true);
        return true;
    }
    return false;
}

void pipe_write_finish(struct proc *p, long *ret)
{
    if (!p->pw_done)
        return;
    if (*ret >= 0)
        *ret += (long)p->pw_done;
    else if (*ret != -FL_ERESTARTSYS)
        *ret = (long)p->pw_done; /* an error after progress reports the progress */
    mmu_reg_write(p->mmu, UC_X86_REG_RSI, p->pw_buf);
    mmu_reg_write(p->mmu, UC_X86_REG_RDX, p->pw_len);
    p->pw_done = 0;
}

/*
 * A blocking write(2) to a pipe writes its whole buffer, waiting for room as often as needed
 * (pipe_write). The host pipe is non-blocking, so a short count means "full for now": the
 * process parks with the call rewound to write the rest (rsi/rdx advanced past what went),
 * and the caller finally gets the whole count with its registers as they were. A stream
 * socket's write is written the same way (unix_stream_sendmsg, tcp_sendmsg), until its
 * SO_SNDTIMEO is over: then it returns what went, or EAGAIN if nothing did. Returns rax.
 */
static long pipe_write_continue(struct proc *p, const uint64_t a[6], long ret)
{
    if (!blocking_guest_pipe(p, a[0]))
        return ret;
    if (ret > 0 && (uint64_t)ret < a[2]) {
        if (!p->pw_done) {
            p->pw_buf = a[1];
            p->pw_len = a[2];
        }
        p->pw_done += (uint64_t)ret;
        mmu_reg_write(p->mmu, UC_X86_REG_RSI, a[1] + (uint64_t)ret);
        mmu_reg_write(p->mmu, UC_X86_REG_RDX, a[2] - (uint64_t)ret);
        if (sock_timeo_wait(p, (int)a[0], true)) {
            proc_park(p, WAIT_FD_WRITE, (int)a[0], true);
            return -FL_ERESTARTSYS;
        }
        ret = 0; /* the timeout is over: pipe_write_finish reports what went */
    } else if (ret == -EAGAIN && sock_timeo_wait(p, (int)a[0], true)) {
        /* no room yet: wait, progress kept */
        proc_park(p, WAIT_FD_WRITE, (int)a[0], true);
        return -FL_ERESTARTSYS;
    }
    if (ret == -EPIPE && p->pw_done) /* pipe_write sends it even after progress */
        send_sig_self(p, 13 /* SIGPIPE */);
    pipe_write_finish(p, &ret);
    return ret;
}

/*
 * A blocking read of a host terminal or a host pipe (faultline's stdin, a FIFO another host
 * process writes) would block faultline itself, and with it every other guest task, until the
 * outside provides data: a thread printing while the main thread waits in input() would stop.
 * If nothing is there yet, the task parks on the fd instead, as on a guest pipe, and the
 * scheduler waits on the host fd only when no task can run (the ofd is `external`). true if p
 * was parked (the call runs again once the fd is readable).
 */
static bool park_on_idle_host_fd(struct proc *p, uint64_t nr, const uint64_t a[6])
{
    if (nr != 0 /* read */ && nr != 19 /* readv */)
        return false;
    struct ofd *o = p->files ? fd_get(p->files, (int)a[0]) : NULL;
    if (!o || o->host_nonblock || (o->flags & O_NONBLOCK) || o->signalfd || o->pidfd || o->uffd ||
        o->fills_reads /* /dev/zero and the like never block: no poll per read */ ||
        (o->type != S_IFCHR && o->type != S_IFIFO))
        return false;
    struct pollfd pfd = {.fd = o->hostfd, .events = POLLIN};
    if (poll(&pfd, 1, 0) != 0) /* data, end of file, an error, or a signal: read now */
        return false;
    o->external = true;
    proc_park(p, WAIT_FD_READ, (int)a[0], true);
    return true;
}

long do_syscall(struct proc *p, uint64_t nr, const uint64_t a[6])
{
    static uint8_t warned[NR_SYSCALLS / 8 + 1];
    /* secure_computing, after a tracer's syscall-entry stop, before the call, whatever its
     * number; a parked call's retry asks again and gets the same answer (a filter sees only
     * the number, the arguments and the address) */
    long seccomp_ret;
    if (p->seccomp_mode && seccomp_syscall(p, nr, a, &seccomp_ret))
        return seccomp_ret;
    const struct syscall_desc *d = syscall_lookup(nr);
    if (!d) {
        size_t slot = nr < NR_SYSCALLS ? nr : NR_SYSCALLS;
        if (!(warned[slot / 8] & (1u << (slot % 8)))) {
            warned[slot / 8] |= 1u << (slot % 8);
            arch_printk("faultline: %s[%d]: unsupported syscall %" PRIu64 ", returning -ENOSYS",
                        p->task.comm, p->task.pid, nr);
        }
        if (p->emu->strace)
            fprintf(p->emu->strace, "[pid %d] syscall_%" PRIu64 "(...) = -1 ENOSYS\n", p->task.pid,
                    nr);
        return -ENOSYS;
    }
    /* a kernel-mode access to a missing page of a userfaultfd's range waits for it if the call
     * can run again from the start: not the clone family, whose writes come after the child is
     * made (CLONE_PARENT_SETTID) */
    p->task.uffd_kernel_wait = nr != 56 && nr != 57 && nr != 58 && nr != 435;
    /* the host checks the call's file access with the task's fsuid, fsgid and groups */
    struct cred_host_save cred;
    cred_enter(p, &cred);
    long ret = park_on_idle_host_fd(p, nr, a) ? -FL_ERESTARTSYS : d->fn(p, a);
    cred_leave(&cred);
    fasync_after_syscall(p, nr, a, ret); /* SIGIO for what moved (emu/fasync.h) */
    p->task.uffd_kernel_wait = false;
    if (p->task.uffd_wait && !p->exited) {
        if (p->wait == WAIT_NONE) {
            /* handle_userfault queued the fault: the call sleeps, then runs again (what it did
             * before the access, it does again) */
            proc_park(p, WAIT_UFFD, 0, true);
            userfaultfd_sync(p->task.uffd_wait->ctx);
            ret = -FL_ERESTARTSYS;
        } else { /* it parked for something else after all: that wait stands */
            userfaultfd_sync(userfaultfd_wait_done(&p->task));
        }
    }
    if (nr == 1 && (p->pw_done || (ret > 0 && (uint64_t)ret < a[2]) || ret == -EAGAIN))
        ret = pipe_write_continue(p, a, ret);
    else if (ret == -EAGAIN && park_if_would_block(p, nr, a))
        ret = -FL_ERESTARTSYS;
    /* pipe_write: EPIPE comes with SIGPIPE (default action: terminate); a read's EPIPE (a
     * /dev/kmsg reader whose record was overwritten) does not */
    if (ret == -EPIPE && !(nr == 44 /* sendto */ && (a[3] & MSG_NOSIGNAL)) && nr != 0 &&
        nr != 17 /* pread64 */ && nr != 19 /* readv */ && nr != 295 /* preadv */ &&
        nr != 327 /* preadv2 */)
        send_sig_self(p, 13 /* SIGPIPE */);
    if (ret != -FL_ERESTARTSYS) /* the call is over, its socket timeout with it */
        sock_timeo_over(p);
    if (p->emu->strace) {
        if (p->exited)
            fprintf(p->emu->strace, "[pid %d] %s(%d) = ?\n", p->task.pid, d->name, (int)a[0]);
        else if (p->exec_pending) /* a successful execve: the arguments were in the old mm */
            fprintf(p->emu->strace, "[pid %d] %s(%#llx, ...) = 0\n", p->task.pid, d->name,
                    (unsigned long long)a[0]);
        else
            strace_call(p, d, a, ret);
    }
    return ret;
}
