/*
 * process_vm: process_vm_readv and process_vm_writev between a parent and its child (and itself),
 * as Linux's mm/process_vm_access.c does them. One line per step, with the return value or the
 * errno name:
 *   read        the child's copy-on-write buffer (changed after fork) read by the parent,
 *               scattered over two local and two remote segments
 *   self        the caller's own memory through its pid
 *   partial     a remote segment running into a PROT_NONE page: the bytes before it
 *   none        a remote segment inside that page, or unmapped, or above the user half: EFAULT
 *   local       a local segment that faults after some bytes: those bytes; at once: EFAULT;
 *               outside the user half: EFAULT before anything is read
 *   ro          a write into the child's read-only page: EFAULT
 *   write       the parent writes into the child's buffer: the child sees it, the parent's own
 *               copy is untouched
 *   errors      flags, too many segments, a negative length: EINVAL; nothing to move: 0 even
 *               for a bad pid; a pid that is gone: ESRCH; a zombie (no mm): ESRCH
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/uio.h>

#include "guest.h"

static long rv(long r)
{
    return r < 0 ? -errno : r;
}

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s %s\n", what, guest_errno_name((int)-r));
    else
        printf("%s %ld\n", what, r);
}

static long pvm(int write, pid_t pid, struct iovec *l, unsigned long ln, struct iovec *r,
                unsigned long rn, unsigned long flags)
{
    return rv(
        syscall(write ? SYS_process_vm_writev : SYS_process_vm_readv, pid, l, ln, r, rn, flags));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    /* pages: 0-1 data, 2 PROT_NONE, 3 read-only */
    char *m = (char *)guest_map(0x2a0000000UL, 4 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    strcpy(m, "parent says hello");
    strcpy(m + GUEST_PAGE - 4, "crossing a page");
    memset(m + 2 * GUEST_PAGE - 200, 'x', 200);
    if (mprotect(m + 2 * GUEST_PAGE, GUEST_PAGE, PROT_NONE) ||
        mprotect(m + 3 * GUEST_PAGE, GUEST_PAGE, PROT_READ))
        guest_die("mprotect");

    int ready[2], done[2];
    if (pipe(ready) || pipe(done))
        guest_die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        char c;
        strcpy(m, "child says hi, parent");
        if (write(ready[1], "r", 1) != 1 || read(done[0], &c, 1) != 1)
            _exit(1);
        printf("child sees [%s] [%.15s]\n", m, m + GUEST_PAGE - 4);
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        guest_die("read");

    char a[8] = {0}, b[32] = {0};
    struct iovec l2[2] = {{a, 5}, {b, 20}};
    struct iovec r2[2] = {{m, 6}, {m + 6, 16}};
    show("read scattered", pvm(0, pid, l2, 2, r2, 2, 0));
    printf("read got [%s] [%s]\n", a, b);

    char own[32] = {0};
    struct iovec l = {own, 17}, r = {m, 17};
    show("self", pvm(0, getpid(), &l, 1, &r, 1, 0));
    printf("self got [%s]\n", own);

    char big[400];
    l = (struct iovec){big, sizeof(big)};
    r = (struct iovec){m + 2 * GUEST_PAGE - 100, 300};
    show("partial into PROT_NONE", pvm(0, pid, &l, 1, &r, 1, 0));
    r = (struct iovec){m + 2 * GUEST_PAGE + 10, 30};
    show("none in PROT_NONE", pvm(0, pid, &l, 1, &r, 1, 0));
    r = (struct iovec){(void *)0x10000, 30};
    show("none unmapped", pvm(0, pid, &l, 1, &r, 1, 0));
    r = (struct iovec){(void *)0xffff880000000000UL, 30};
    show("none kernel address", pvm(0, pid, &l, 1, &r, 1, 0));
    /* two remote segments, the second bad: the first one's bytes */
    struct iovec rb[2] = {{m, 10}, {m + 2 * GUEST_PAGE, 10}};
    show("second remote bad", pvm(0, pid, &l, 1, rb, 2, 0));

    struct iovec lbad[2] = {{big, 10}, {NULL, 10}};
    r = (struct iovec){m, 20};
    show("local faults after 10", pvm(0, pid, lbad, 2, &r, 1, 0));
    show("local faults at once", pvm(0, pid, lbad + 1, 1, &r, 1, 0));
    struct iovec lk = {(void *)0xffff880000000000UL, 10};
    show("local kernel address", pvm(0, pid, &lk, 1, &r, 1, 0));

    char msg[] = "written by parent";
    l = (struct iovec){msg, sizeof(msg)};
    r = (struct iovec){m + 3 * GUEST_PAGE, sizeof(msg)};
    show("ro write", pvm(1, pid, &l, 1, &r, 1, 0));
    r = (struct iovec){m, sizeof(msg)};
    show("write", pvm(1, pid, &l, 1, &r, 1, 0));
    /* across a page boundary of the child, into a page it shares copy-on-write with us */
    char msg2[] = "CROSSING";
    l = (struct iovec){msg2, 8};
    r = (struct iovec){m + GUEST_PAGE - 4, 8};
    show("write crossing", pvm(1, pid, &l, 1, &r, 1, 0));
    /* local segment faulting after some bytes: those bytes land */
    struct iovec lw[2] = {{msg, 3}, {NULL, 5}};
    r = (struct iovec){m + 100, 8};
    show("write local faults after 3", pvm(1, pid, lw, 2, &r, 1, 0));
    printf("parent still [%s] [%.15s]\n", m, m + GUEST_PAGE - 4);

    l = (struct iovec){big, 10};
    r = (struct iovec){m, 10};
    show("flags", pvm(0, pid, &l, 1, &r, 1, 1));
    show("too many local", pvm(0, pid, &l, 1025, &r, 1, 0));
    show("too many remote", pvm(0, pid, &l, 1, &r, 1025, 0));
    struct iovec rneg = {m, (size_t)-1};
    show("negative remote length", pvm(0, pid, &l, 1, &rneg, 1, 0));
    struct iovec lzero = {big, 0};
    show("nothing to move, bad pid", pvm(0, -5, &lzero, 1, &r, 1, 0));
    struct iovec rzero = {m, 0};
    show("remote empty", pvm(0, pid, &l, 1, &rzero, 1, 0));

    if (write(done[1], "d", 1) != 1)
        guest_die("write");
    /* a zombie has no mm */
    siginfo_t si;
    if (waitid(P_PID, pid, &si, WEXITED | WNOWAIT))
        guest_die("waitid");
    show("zombie", pvm(0, pid, &l, 1, &r, 1, 0));
    printf("child status %d\n", guest_reap(pid));
    show("gone", pvm(0, pid, &l, 1, &r, 1, 0));
    return 0;
}
