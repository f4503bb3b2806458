/*
 * speculation - what the machine says about speculative execution: prctl's
 * PR_GET/SET_SPECULATION_CTRL for both controls (PR_SPEC_STORE_BYPASS, PR_SPEC_INDIRECT_BRANCH)
 * and their argument errors, /proc/self/status' Speculation lines, and
 * /sys/devices/system/cpu/vulnerabilities: its files listed and read, from a directory fd and
 * the cwd too, a write open, and a later kernel's names (retbleed, mds) looked up.
 *
 * Run under faultline only (faults-speculation), not compared with the host: natively every
 * answer here is the host CPU's and kernel's (which bugs it has, which mitigations its kernel
 * chose, a later kernel's set of files), while faultline's CPU is an emulated one that does not
 * speculate, so the answers are Linux 4.20's for a CPU without X86_BUG_SPEC_STORE_BYPASS and
 * X86_BUG_SPECTRE_V2 (arch/x86/kernel/cpu/bugs.c, fs/proc/array.c, drivers/base/cpu.c), which no
 * host the test runs on need give.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

#ifndef PR_GET_SPECULATION_CTRL
#define PR_GET_SPECULATION_CTRL 52
#define PR_SET_SPECULATION_CTRL 53
#endif
#ifndef PR_SPEC_STORE_BYPASS
#define PR_SPEC_STORE_BYPASS 0
#endif
#ifndef PR_SPEC_INDIRECT_BRANCH
#define PR_SPEC_INDIRECT_BRANCH 1
#endif

#define VULN "/sys/devices/system/cpu/vulnerabilities"

static const char *const which_name[] = {"store_bypass", "indirect_branch"};

/* errno's name, with the two guest.h does not name */
static const char *err_name(int e)
{
    return e == ENXIO ? "ENXIO" : e == ENODEV ? "ENODEV" : guest_errno_name(e);
}

/* the value, or the errno's name */
static const char *answer(long r)
{
    static char buf[32];
    if (r < 0)
        return err_name(errno);
    snprintf(buf, sizeof(buf), "%ld", r);
    return buf;
}

static void get(const char *label, unsigned long which, unsigned long a3, unsigned long a4,
                unsigned long a5)
{
    errno = 0;
    printf("get %s: %s\n", label, answer(prctl(PR_GET_SPECULATION_CTRL, which, a3, a4, a5)));
}

static void set(const char *label, unsigned long which, unsigned long ctrl, unsigned long a4,
                unsigned long a5)
{
    errno = 0;
    printf("set %s: %s\n", label, answer(prctl(PR_SET_SPECULATION_CTRL, which, ctrl, a4, a5)));
}

/* /proc/self/status' lines that start with "Speculation", as they are */
static void status_lines(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "Speculation", 11) == 0)
            printf("status %s", line);
    if (f)
        fclose(f);
}

static void stat_result(const char *what, int r)
{
    printf("%s: %s\n", what, r ? guest_errno_name(errno) : "found");
}

int main(void)
{
    /* PR_SPEC_PRCTL, ENABLE, DISABLE, FORCE_DISABLE, and values 4.20 does not know */
    static const unsigned long ctrls[] = {0, 1, 2, 4, 8, 16, 3};
    char label[64];

    for (unsigned long w = 0; w < 2; w++)
        get(which_name[w], w, 0, 0, 0);
    get("which 2", 2, 0, 0, 0);
    get("which -1", ~0UL, 0, 0, 0);
    get("store_bypass arg3 1", PR_SPEC_STORE_BYPASS, 1, 0, 0);
    get("store_bypass arg4 1", PR_SPEC_STORE_BYPASS, 0, 1, 0);
    get("store_bypass arg5 1", PR_SPEC_STORE_BYPASS, 0, 0, 1);
    get("which 2 arg3 1", 2, 1, 0, 0); /* the unused arguments are checked first */
    for (unsigned long w = 0; w < 2; w++)
        for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
            snprintf(label, sizeof(label), "%s %lu", which_name[w], ctrls[i]);
            set(label, w, ctrls[i], 0, 0);
        }
    set("which 2 ctrl 2", 2, 2, 0, 0);
    set("indirect_branch 2 arg4 1", PR_SPEC_INDIRECT_BRANCH, 2, 1, 0);
    set("indirect_branch 2 arg5 1", PR_SPEC_INDIRECT_BRANCH, 2, 0, 1);
    set("which 2 ctrl 2 arg4 1", 2, 2, 1, 0);
    for (unsigned long w = 0; w < 2; w++) { /* nothing the calls above did changed them */
        snprintf(label, sizeof(label), "%s after", which_name[w]);
        get(label, w, 0, 0, 0);
    }
    status_lines();

    guest_list_dir(VULN, "vulnerabilities", 1);
    static const char *const files[] = {"meltdown", "spectre_v1", "spectre_v2", "spec_store_bypass",
                                        "l1tf"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        guest_file_show(VULN, files[i]);
    int dir = open(VULN, O_RDONLY | O_DIRECTORY);
    if (dir < 0)
        guest_die("open " VULN);
    guest_file_at(dir, "spectre_v2", NULL);
    guest_file_at(dir, "./l1tf", NULL);
    if (chdir(VULN) < 0)
        guest_die("chdir");
    guest_file_at(AT_FDCWD, "meltdown", NULL);
    guest_file_at(AT_FDCWD, "../vulnerabilities/spec_store_bypass", NULL);
    /* read-only sysfs attributes: a write open is EACCES, for root too */
    int fd = open(VULN "/meltdown", O_WRONLY);
    printf("write open meltdown: %s\n", fd < 0 ? guest_errno_name(errno) : "opened");
    fd = open(VULN "/spectre_v1", O_RDWR);
    printf("read-write open spectre_v1: %s\n", fd < 0 ? guest_errno_name(errno) : "opened");

    /* names a later kernel has and 4.20 does not */
    static const char *const later[] = {"retbleed", "mds", "itlb_multihit"};
    for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
        char path[256];
        struct stat st;
        struct statx stx;
        snprintf(path, sizeof(path), VULN "/%s", later[i]);
        fd = open(path, O_RDONLY);
        printf("open %s: %s\n", later[i], fd < 0 ? guest_errno_name(errno) : "opened");
        snprintf(label, sizeof(label), "stat %s", later[i]);
        stat_result(label, stat(path, &st));
        snprintf(label, sizeof(label), "lstat %s", later[i]);
        stat_result(label, lstat(path, &st));
        snprintf(label, sizeof(label), "fstatat dirfd %s", later[i]);
        stat_result(label, fstatat(dir, later[i], &st, 0));
        snprintf(label, sizeof(label), "statx cwd %s", later[i]);
        stat_result(label, statx(AT_FDCWD, later[i], 0, STATX_BASIC_STATS, &stx));
        snprintf(label, sizeof(label), "access %s", later[i]);
        stat_result(label, access(path, R_OK));
        fd = openat(dir, later[i], O_RDONLY);
        printf("openat dirfd %s: %s\n", later[i], fd < 0 ? guest_errno_name(errno) : "opened");
    }
    return 0;
}
