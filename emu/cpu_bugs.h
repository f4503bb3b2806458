/*
 * cpu_bugs.h - what the machine says about speculative execution: Linux 4.20's
 * arch/x86/kernel/cpu/bugs.c for the emulated CPU.
 *
 * The guest's CPU is QEMU's TCG inside Unicorn (the --cpu model's CPUID), which executes one
 * instruction after another and speculates on nothing. The kernel it models therefore sets none
 * of its X86_BUG_* bits (proc_cpu.c prints an empty "bugs" line in /proc/cpuinfo), as 4.20 does
 * for a CPU in its cpu_no_speculation list, and every other view agrees with that:
 *  - prctl(PR_GET/SET_SPECULATION_CTRL): arch_prctl_spec_ctrl_get/set below, with ssb_mode
 *    SPEC_STORE_BYPASS_NONE and spectre_v2_user SPECTRE_V2_USER_NONE (what 4.20's
 *    ssb_select_mitigation and spectre_v2_select_mitigation leave on such a CPU);
 *  - /proc/PID/status' Speculation_Store_Bypass line (task_seccomp): spec_ctrl_status_word;
 *  - /sys/devices/system/cpu/vulnerabilities: 4.20's five files (cpu_root_vulnerabilities_attrs
 *    in drivers/base/cpu.c), each cpu_show_common's "Not affected"; a later kernel's names
 *    there (retbleed, mds, ...) are not the machine's: not listed, not found.
 * Nothing here is per task: the per-task flags (task_spec_ssb_disable, ...) are used only in the
 * prctl and seccomp modes, which this CPU never gets.
 */
#ifndef FL_EMU_CPU_BUGS_H
#define FL_EMU_CPU_BUGS_H

#include <stdbool.h>

#include "emu/proc_cpu.h"

/* include/uapi/linux/prctl.h (4.20) */
#define PR_GET_SPECULATION_CTRL 52
#define PR_SET_SPECULATION_CTRL 53
#define PR_SPEC_STORE_BYPASS    0
#define PR_SPEC_INDIRECT_BRANCH 1
#define PR_SPEC_NOT_AFFECTED    0
#define PR_SPEC_PRCTL           (1UL << 0)
#define PR_SPEC_ENABLE          (1UL << 1)
#define PR_SPEC_DISABLE         (1UL << 2)
#define PR_SPEC_FORCE_DISABLE   (1UL << 3)

/* The directory of the CPU's vulnerability files. */
#define SYS_CPU_VULN_DIR SYS_CPU_DIR "/vulnerabilities"

/* PR_GET_SPECULATION_CTRL after sys_prctl's argument check: the state of control `which`
 * (PR_SPEC_* bits; PR_SPEC_NOT_AFFECTED for both controls on this CPU), or -ENODEV for a
 * control 4.20 does not know. */
long arch_prctl_spec_ctrl_get(unsigned long which);

/* PR_SET_SPECULATION_CTRL after sys_prctl's argument check: set control `which` to ctrl. 0, or
 * -ENXIO (the store bypass control has no prctl mode here), -EPERM (indirect branch speculation
 * cannot be disabled: no mitigation to switch on), -ERANGE (ctrl is no PR_SPEC_* value the
 * control takes), -ENODEV (an unknown control). */
long arch_prctl_spec_ctrl_set(unsigned long which, unsigned long ctrl);

/* The word /proc/PID/status prints for control `which` (fs/proc/array.c's task_seccomp):
 * "not vulnerable" for PR_SPEC_STORE_BYPASS, and for PR_SPEC_INDIRECT_BRANCH, whose
 * SpeculationIndirectBranch line a later kernel prints (4.20 has none), that kernel's
 * "not affected". */
const char *spec_ctrl_status_word(unsigned long which);

/* Open absolute guest path `path` (open(2) flags `flags`) if it names a file of
 * SYS_CPU_VULN_DIR: a read-only host fd holding 4.20's text, -EACCES for a write open (sysfs
 * refuses one for an attribute without ->store, to root too), -ENOENT for a name 4.20 does not
 * have there; PROCFS_PASSTHROUGH (procfs.h) for any other path, the directory itself included.
 * "//", "." and ".." in path are walked (path_walk_lexically). */
int cpu_vulnerabilities_open(const char *path, int flags);

/* Is path (absolute) a name under SYS_CPU_VULN_DIR that 4.20 lacks (retbleed, mds, or a name
 * below one of those)? The guest then gets ENOENT from open, stat, access and the rest. A name
 * below one of 4.20's files ("meltdown/x") is not: the host's ENOTDIR is 4.20's. */
bool cpu_vulnerability_absent(const char *path);

/* In a listing of SYS_CPU_VULN_DIR, is the host's entry `name` one that 4.20 does not have? */
bool cpu_vulnerability_hidden(const char *name);

#endif
