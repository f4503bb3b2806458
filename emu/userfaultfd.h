/*
 * userfaultfd.h - the userfaultfd file (emu/sys_userfaultfd.c); the context and the waiting
 * faults are the model's (kernel_model/userfaultfd_k.h).
 */
#ifndef FL_EMU_USERFAULTFD_H
#define FL_EMU_USERFAULTFD_H

#include <stdint.h>

struct proc;
struct ofd;
struct userfaultfd_ctx;

/* read(2) of a userfaultfd: whole 32-byte messages, or -EAGAIN (a blocking read parks). */
long userfaultfd_read(struct proc *p, struct ofd *o, uint64_t buf, uint64_t len);
/* ioctl(2) of a userfaultfd: UFFDIO_API, REGISTER, UNREGISTER, WAKE, COPY, ZEROPAGE. */
long userfaultfd_ioctl(struct proc *p, struct ofd *o, unsigned req, uint64_t arg);
/* The last reference to the file went (ofd_put): the context is released. */
void userfaultfd_file_release(struct userfaultfd_ctx *ctx);
/* The host fd poll, select and epoll watch for a userfaultfd's ofd, so that they answer as
 * userfaultfd_poll does: one polling as POLLERR alone before UFFDIO_API and while the file is
 * blocking, else one readable exactly while a fault waits unread, never writable. _other: the
 * one not picked now (epoll_ctl's DEL and MOD of what ADD picked before a change). */
int userfaultfd_poll_hostfd(const struct ofd *o);
int userfaultfd_poll_hostfd_other(const struct ofd *o);
/* The file is readable exactly while a fault waits unread: call after the waits change. */
void userfaultfd_sync(struct userfaultfd_ctx *ctx);

#endif
