/*
 * sys_syslog.c - syslog(2), klogctl in glibc (kernel/printk/printk.c: SYSCALL_DEFINE3(syslog),
 * do_syslog with SYSLOG_FROM_READER).
 *
 * What a guest reads is the kernel log of the machine it runs on, the emulated kernel's
 * (emu/printk.h), not the host's: the host's holds another kernel's messages (its drivers, its
 * processes' segfaults) that the guest's world never produced, and passing it through would
 * show a root guest the host's secrets. Every line the emulated kernel prints (arch_printk: the
 * "segfault at" line of show_signal_msg, the OOM killer's, "traps:" lines, faultline's own
 * warnings) is a record there, with its level and the machine's CLOCK_MONOTONIC time, in a
 * buffer of the size a 4.20 x86-64 kernel has by default (1 << CONFIG_LOG_BUF_SHIFT, 17), as
 * are the lines guests write to /dev/kmsg. SYSLOG_ACTION_READ waits until a record is unread
 * (until a signal, as Linux's interruptible wait) and is woken by the next one; READ_ALL,
 * READ_CLEAR, CLEAR, SIZE_UNREAD and SIZE_BUFFER act as 4.20's on clear_seq and syslog_seq,
 * with its "<prio>[    s.uuuuuu] text\n" lines (printk_time on). The console controls succeed
 * and change nothing: the console is faultline's stderr, which gets every line.
 *
 * Permissions are 4.20's for the guest's credentials (sys_info.c): with dmesg_restrict (the
 * host's sysctl, the setting of the machine) every action needs CAP_SYSLOG; without it, READ_ALL
 * and SIZE_BUFFER are open to all and the rest need it. CAP_SYS_ADMIN does too, with a warning
 * in the log once. The guest has the capabilities when faultline runs as root and it has not
 * dropped them. An unknown action is EINVAL, after that check.
 */
#include "emu/printk.h"
#include "emu/syscall.h"

/* syslog(type, buf, len) */
long sys_syslog(struct proc *p, const uint64_t a[6])
{
    return do_syslog(p, (int)a[0], a[1], (int)a[2], false);
}
