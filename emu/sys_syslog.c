/*
 * sys_syslog.c - syslog(2), klogctl in glibc (kernel/printk/printk.c: do_syslog and its
 * permission check).
 *
 * What a guest should see: the kernel log of the machine it runs on, which is the emulated
 * kernel's, not the host's. The host's log holds another kernel's messages (its drivers, its
 * processes' segfaults) that the guest's world never produced, and passing it through would show
 * a root guest the host's secrets. The emulated kernel keeps no log of its own (what it prints,
 * "segfault at" lines and the like, goes to faultline's stderr), so the guest's log is empty but
 * real: its buffer has the size a 4.20 x86-64 kernel has by default (1 << CONFIG_LOG_BUF_SHIFT,
 * 17), reading all of it gives 0 bytes, nothing is unread, clearing and the console controls
 * succeed and change nothing, and SYSLOG_ACTION_READ waits for a message that never comes (until
 * a signal, as Linux's interruptible wait).
 *
 * Permissions are 4.20's for the guest's credentials (faultline's, sys_info.c): with
 * dmesg_restrict (the host's sysctl, the setting of the machine) every action needs CAP_SYSLOG;
 * without it, READ_ALL and SIZE_BUFFER are open to all and the rest need it. The guest has the
 * capability when faultline runs as root. An unknown action is EINVAL, after that check.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "emu/sched.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"

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

#define LOG_BUF_LEN (1 << 17) /* CONFIG_LOG_BUF_SHIFT=17 */

/* The host's kernel.dmesg_restrict, 0 if it cannot be read (CONFIG_SECURITY_DMESG_RESTRICT=n's
 * default). */
static int dmesg_restrict(void)
{
    return (int)host_sysctl("/proc/sys/kernel/dmesg_restrict", 0);
}

/* check_syslog_permissions for the syscall (not /proc/kmsg): 0 or -EPERM. */
static long syslog_permission(int type)
{
    bool restricted =
        dmesg_restrict() || (type != SYSLOG_ACTION_READ_ALL && type != SYSLOG_ACTION_SIZE_BUFFER);
    return restricted && geteuid() != 0 ? -EPERM : 0;
}

/* syslog(type, buf, len): do_syslog's checks in its order, on an empty log. */
long sys_syslog(struct proc *p, const uint64_t a[6])
{
    int type = (int)a[0], len = (int)a[2];
    uint64_t buf = a[1];
    long r = syslog_permission(type);

    if (r)
        return r;
    switch (type) {
    case SYSLOG_ACTION_CLOSE:
    case SYSLOG_ACTION_OPEN:
    case SYSLOG_ACTION_CLEAR:
    case SYSLOG_ACTION_CONSOLE_OFF:
    case SYSLOG_ACTION_CONSOLE_ON:
    case SYSLOG_ACTION_SIZE_UNREAD:
        return 0;
    case SYSLOG_ACTION_READ:
        if (!buf || len < 0)
            return -EINVAL;
        if (!len)
            return 0;
        if (!access_ok(buf, (uint64_t)len))
            return -EFAULT;
        /* wait_event_interruptible(log_wait, ...): no message will come */
        proc_park(p, WAIT_SIGNAL, 0, true);
        return -FL_ERESTARTSYS;
    case SYSLOG_ACTION_READ_ALL:
    case SYSLOG_ACTION_READ_CLEAR:
        if (!buf || len < 0)
            return -EINVAL;
        if (!len)
            return 0;
        return access_ok(buf, (uint64_t)len) ? 0 : -EFAULT;
    case SYSLOG_ACTION_CONSOLE_LEVEL:
        return len < 1 || len > 8 ? -EINVAL : 0;
    case SYSLOG_ACTION_SIZE_BUFFER:
        return LOG_BUF_LEN;
    default:
        return -EINVAL;
    }
}
