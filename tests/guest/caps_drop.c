/*
 * caps_drop.c - a process dropping its capabilities, as stress-ng's stressors do before they
 * start (capset with empty sets, then PR_SET_NO_NEW_PRIVS).
 *
 * capset may drop: the sets read back empty, a forked child has them empty too, raising the
 * permitted set again is EPERM, and without CAP_SYS_RESOURCE a raised hard limit is EPERM.
 * Until 2026-12-07 faultline refused any change (EPERM: the capabilities were faultline's,
 * shared by every guest) and stress-ng reported "capset on pid N failed". The output does not
 * depend on whether the test runs as root: only what changes is printed.
 */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "guest.h"

static int get_caps(pid_t pid, struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
    memset(d, 0, 2 * sizeof(*d));
    return (int)syscall(SYS_capget, &h, d);
}

static int set_caps(pid_t pid, const struct __user_cap_data_struct d[2])
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, pid};
    return syscall(SYS_capset, &h, d) ? errno : 0;
}

static int empty(const struct __user_cap_data_struct d[2])
{
    for (int i = 0; i < 2; i++)
        if (d[i].effective || d[i].permitted || d[i].inheritable)
            return 0;
    return 1;
}

int main(void)
{
    struct __user_cap_data_struct before[2], now[2], none[2];
    memset(none, 0, sizeof(none));
    if (get_caps(0, before))
        guest_die("capget");

    /* the same sets again: always allowed */
    printf("capset unchanged: %d\n", set_caps(0, before));
    /* another process's: EPERM */
    printf("capset of the parent: %s\n", set_caps(getppid(), before) == EPERM ? "EPERM" : "?");

    /* a hard limit to raise later */
    struct rlimit rl;
    if (getrlimit(RLIMIT_CORE, &rl))
        guest_die("getrlimit");
    rl.rlim_cur = 0;
    rl.rlim_max = 4096;
    if (setrlimit(RLIMIT_CORE, &rl))
        guest_die("setrlimit");

    printf("capset dropping all: %d\n", set_caps(0, none));
    if (get_caps(0, now))
        guest_die("capget");
    printf("empty after the drop: %d\n", empty(now));
    printf("no_new_privs: %d\n", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        struct __user_cap_data_struct child[2];
        if (get_caps(0, child))
            _exit(100);
        printf("child's sets empty: %d\n", empty(child));
        fflush(stdout);
        _exit(0);
    }
    if (guest_reap(pid) != 0)
        guest_die("child");

    /* raising what was dropped */
    int r = set_caps(0, before);
    printf("capset raising again: %s\n", empty(before) ? "EPERM" : r == EPERM ? "EPERM" : "?");
    rl.rlim_max = 8192;
    r = setrlimit(RLIMIT_CORE, &rl) ? errno : 0;
    printf("raising a hard limit: %s\n", r == EPERM ? "EPERM" : "allowed");
    return 0;
}
