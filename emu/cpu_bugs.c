/*
 * cpu_bugs.c - Linux 4.20's arch/x86/kernel/cpu/bugs.c answers for the emulated CPU, which has
 * none of the speculation bugs (see cpu_bugs.h): prctl's speculation control, the
 * /proc/PID/status words, /sys/devices/system/cpu/vulnerabilities.
 *
 * One file for the three views so that they come from one model: boot_cpu_has_bug() below, and
 * the two mitigation modes 4.20 leaves on such a CPU. proc_cpu.c describes the CPU's identity
 * (CPUID, how many); this is what its kernel decided about speculation.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "emu/cpu_bugs.h"
#include "emu/path.h"
#include "emu/procfs.h"
#include "emu/text.h"

/* The X86_BUG_* bits 4.20's sysfs files report on (arch/x86/include/asm/cpufeatures.h). */
enum x86_bug {
    X86_BUG_CPU_MELTDOWN,
    X86_BUG_SPECTRE_V1,
    X86_BUG_SPECTRE_V2,
    X86_BUG_SPEC_STORE_BYPASS,
    X86_BUG_L1TF,
};

/* boot_cpu_has_bug: does the machine's CPU have the bug? None: the emulated CPU does not
 * speculate, and 4.20's cpu_set_bug_bits sets no bug for a CPU that does not
 * (cpu_no_speculation). */
static bool boot_cpu_has_bug(enum x86_bug bug)
{
    (void)bug;
    return false;
}

/*
 * ssb_prctl_get: the store bypass control. ssb_mode is SPEC_STORE_BYPASS_NONE here
 * (__ssb_select_mitigation returns it for a CPU without X86_FEATURE_SSBD or without the bug),
 * so the answer is the switch's default arm: PR_SPEC_ENABLE for a CPU with the bug,
 * PR_SPEC_NOT_AFFECTED for one without.
 */
static long ssb_prctl_get(void)
{
    return boot_cpu_has_bug(X86_BUG_SPEC_STORE_BYPASS) ? (long)PR_SPEC_ENABLE
                                                       : PR_SPEC_NOT_AFFECTED;
}

/* ib_prctl_get: the indirect branch control. PR_SPEC_NOT_AFFECTED for a CPU without
 * X86_BUG_SPECTRE_V2; with it, spectre_v2_user being SPECTRE_V2_USER_NONE, PR_SPEC_ENABLE. */
static long ib_prctl_get(void)
{
    if (!boot_cpu_has_bug(X86_BUG_SPECTRE_V2))
        return PR_SPEC_NOT_AFFECTED;
    return PR_SPEC_ENABLE;
}

/* ssb_prctl_set: only in the prctl and seccomp modes may a task choose; in any other mode the
 * answer is -ENXIO, before ctrl is looked at. */
static long ssb_prctl_set(unsigned long ctrl)
{
    (void)ctrl;
    return -ENXIO; /* ssb_mode is SPEC_STORE_BYPASS_NONE */
}

/* ib_prctl_set with spectre_v2_user SPECTRE_V2_USER_NONE: enabling what is never disabled is
 * 0, disabling is -EPERM (speculation is always allowed when there is no user mitigation),
 * and any other ctrl -ERANGE. */
static long ib_prctl_set(unsigned long ctrl)
{
    switch (ctrl) {
    case PR_SPEC_ENABLE:
        return 0;
    case PR_SPEC_DISABLE:
    case PR_SPEC_FORCE_DISABLE:
        return -EPERM;
    default:
        return -ERANGE;
    }
}

long arch_prctl_spec_ctrl_get(unsigned long which)
{
    switch (which) {
    case PR_SPEC_STORE_BYPASS:
        return ssb_prctl_get();
    case PR_SPEC_INDIRECT_BRANCH:
        return ib_prctl_get();
    default:
        return -ENODEV;
    }
}

long arch_prctl_spec_ctrl_set(unsigned long which, unsigned long ctrl)
{
    switch (which) {
    case PR_SPEC_STORE_BYPASS:
        return ssb_prctl_set(ctrl);
    case PR_SPEC_INDIRECT_BRANCH:
        return ib_prctl_set(ctrl);
    default:
        return -ENODEV;
    }
}

const char *spec_ctrl_status_word(unsigned long which)
{
    /* task_seccomp's two switches: the store bypass words, then the indirect branch ones */
    static const struct {
        long state;
        const char *ssb, *ib;
    } words[] = {
        {-EINVAL, "unknown", "unsupported"},
        {PR_SPEC_NOT_AFFECTED, "not vulnerable", "not affected"},
        {PR_SPEC_PRCTL | PR_SPEC_FORCE_DISABLE, "thread force mitigated",
         "conditional force disabled"},
        {PR_SPEC_PRCTL | PR_SPEC_DISABLE, "thread mitigated", "conditional disabled"},
        {PR_SPEC_PRCTL | PR_SPEC_ENABLE, "thread vulnerable", "conditional enabled"},
        {PR_SPEC_DISABLE, "globally mitigated", "always disabled"},
        {PR_SPEC_ENABLE, "vulnerable", "always enabled"},
    };
    long state = arch_prctl_spec_ctrl_get(which);
    bool ssb = which == PR_SPEC_STORE_BYPASS;

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (words[i].state == state)
            return ssb ? words[i].ssb : words[i].ib;
    return ssb ? "vulnerable" : "unknown"; /* the switches' default arms */
}

/* drivers/base/cpu.c's cpu_root_vulnerabilities_attrs in 4.20, with the bug each reports. */
static const struct {
    const char *name;
    enum x86_bug bug;
} vulnerabilities[] = {
    {"meltdown", X86_BUG_CPU_MELTDOWN},
    {"spectre_v1", X86_BUG_SPECTRE_V1},
    {"spectre_v2", X86_BUG_SPECTRE_V2},
    {"spec_store_bypass", X86_BUG_SPEC_STORE_BYPASS},
    {"l1tf", X86_BUG_L1TF},
};
#define NR_VULNERABILITIES (sizeof(vulnerabilities) / sizeof(vulnerabilities[0]))

/* The row of the file named by name's first len bytes, or -1. */
static int vulnerability(const char *name, size_t len)
{
    for (size_t i = 0; i < NR_VULNERABILITIES; i++)
        if (strlen(vulnerabilities[i].name) == len && !memcmp(vulnerabilities[i].name, name, len))
            return (int)i;
    return -1;
}

/* cpu_show_common: "Not affected" for a CPU without the bug. With it 4.20 names the mitigation
 * in use, which this model has none of: its last line, "Vulnerable". */
static int cpu_show_common(enum x86_bug bug, const char *name)
{
    struct text t = {0};

    text_printf(&t, "%s\n", boot_cpu_has_bug(bug) ? "Vulnerable" : "Not affected");
    return text_to_fd(&t, name);
}

/* The name under SYS_CPU_VULN_DIR that the absolute path walks to ("meltdown", "retbleed/x"),
 * in norm (PATH_MAX bytes); NULL for a path elsewhere, the directory itself included. */
static const char *vuln_dir_name(const char *path, char *norm)
{
    size_t n = strlen(SYS_CPU_VULN_DIR);

    /* asked about most paths the guest opens (procfs_open, resolve_at): a quick no first */
    if (path[0] != '/' || !strstr(path, "vulnerabilities") ||
        !path_walk_lexically(path, norm, PATH_MAX))
        return NULL;
    if (strncmp(norm, SYS_CPU_VULN_DIR, n) != 0 || norm[n] != '/' || !norm[n + 1])
        return NULL;
    return norm + n + 1;
}

int cpu_vulnerabilities_open(const char *path, int flags)
{
    char norm[PATH_MAX];
    const char *name = vuln_dir_name(path, norm);

    if (!name)
        return PROCFS_PASSTHROUGH;
    size_t len = strcspn(name, "/");
    int i = vulnerability(name, len);
    if (i < 0)
        return -ENOENT;
    if (name[len]) /* "meltdown/x": the host's ENOTDIR */
        return PROCFS_PASSTHROUGH;
    if (flags & O_DIRECTORY)
        return -ENOTDIR;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EACCES; /* 0444, no ->store: kernfs_fop_open refuses */
    return cpu_show_common(vulnerabilities[i].bug, vulnerabilities[i].name);
}

bool cpu_vulnerability_absent(const char *path)
{
    char norm[PATH_MAX];
    const char *name = vuln_dir_name(path, norm);

    return name && vulnerability(name, strcspn(name, "/")) < 0;
}

bool cpu_vulnerability_hidden(const char *name)
{
    return strcmp(name, ".") && strcmp(name, "..") && vulnerability(name, strlen(name)) < 0;
}
