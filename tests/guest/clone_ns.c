/*
 * clone_ns - clone and unshare asking for new namespaces, each answer the same natively and
 * under faultline whatever the kernel's namespace support: the flag combinations copy_process
 * refuses (a new mount or user namespace sharing the fs_struct), and each namespace asked for
 * by a task without CAP_SYS_ADMIN in its effective set (EPERM; CLONE_NEWUSER alone is left out:
 * an unprivileged user may make one natively).
 *
 * Until 2026-12-07 faultline's clone ignored the CLONE_NEW* flags and made an ordinary child:
 * `bwrap --unshare-all` run as root set up its sandbox in the host's namespaces (its
 * RTM_NEWADDR for the loopback of its new network namespace went to the host's), and
 * unshare(2) refused a task that had dropped CAP_SYS_ADMIN with EINVAL, as if it still had it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

/* clone(flags | SIGCHLD) as a fork: the child, if one is made, exits at once */
static void try_clone(const char *what, unsigned long flags)
{
    fflush(stdout);
    long r = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (r == 0)
        syscall(SYS_exit, 0);
    if (r > 0) {
        waitpid((pid_t)r, NULL, 0);
        printf("clone %-28s made a child\n", what);
    } else {
        printf("clone %-28s %s\n", what, strerror(errno));
    }
}

static void try_unshare(const char *what, int flags)
{
    int r = unshare(flags);
    printf("unshare %-26s %s\n", what, r ? strerror(errno) : "done");
}

/* capset: drop CAP_SYS_ADMIN from the effective set */
static int drop_sys_admin(void)
{
    uint32_t d[6];
    if (guest_capget(d))
        return -1;
    d[0] &= ~(1u << 21);
    return guest_capset(d);
}

int main(void)
{
    /* refused for their flags, before any privilege is asked about */
    try_clone("NEWNS|FS", CLONE_NEWNS | CLONE_FS);
    try_clone("NEWUSER|FS", CLONE_NEWUSER | CLONE_FS);
    try_clone("NEWNS|NEWUTS|FS", CLONE_NEWNS | CLONE_NEWUTS | CLONE_FS);

    if (drop_sys_admin())
        printf("capset: %s\n", strerror(errno));
    try_clone("NEWUTS", CLONE_NEWUTS);
    try_clone("NEWIPC", CLONE_NEWIPC);
    try_clone("NEWNET", CLONE_NEWNET);
    try_clone("NEWPID", CLONE_NEWPID);
    try_clone("NEWNS", CLONE_NEWNS);
    try_clone("NEWCGROUP", CLONE_NEWCGROUP);
    try_clone("NEWNET|NEWPID|NEWIPC", CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC);
    try_unshare("NEWUTS", CLONE_NEWUTS);
    try_unshare("NEWNET", CLONE_NEWNET);
    try_unshare("NEWNS", CLONE_NEWNS);
    try_unshare("FILES", CLONE_FILES);
    return 0;
}
