/*
 * proc_cpu.h - the machine's CPUs as the guest sees them: one CPU of the emulated model.
 *
 * faultline runs every guest task on one emulated CPU (sched_getaffinity says CPU 0), and that
 * CPU is the --cpu model, not the host's. The files that describe CPUs say the same:
 * /proc/cpuinfo (Linux 4.20's show_cpuinfo over the model's CPUID), /proc/stat (the host's
 * counters for its first CPU only) and /sys/devices/system/cpu/{online,possible,present} ("0"),
 * so that nproc, getconf _NPROCESSORS_ONLN/_CONF, Python's os.cpu_count(), Node's os.cpus() and
 * a script grepping the flags all agree with what the guest can run.
 */
#ifndef FL_EMU_PROC_CPU_H
#define FL_EMU_PROC_CPU_H

#include <stdbool.h>

/* Where Linux lists CPUs: its cpuN directories beyond cpu0 are left out of getdents. */
#define SYS_CPU_DIR "/sys/devices/system/cpu"

/* Is the absolute path `path` (as the host's lookup resolved it) one of the SYS_CPU_DIR files
 * above? */
bool proc_cpu_owns(const char *path);

/* In a listing of dir (SYS_CPU_DIR or its vulnerabilities/), is the host's entry name one the
 * machine does not have: a CPU the guest does not have ("cpu1", "cpu17"), a vulnerability file a
 * later kernel has (cpu_bugs.h)? */
bool proc_cpu_hidden_entry(const char *dir, const char *name);

/*
 * Open the absolute guest path `path` (open(2) flags `flags`) if it is one of the files above
 * (a /sys one walked as the lookup walks it: path_walk_lexically, path.h):
 * a read-only host fd with its text, -errno, or PROCFS_PASSTHROUGH (procfs.h) for any other
 * path. A write open is -EACCES, except of a /proc file when `may_write` (the opener has
 * CAP_DAC_OVERRIDE: the files are 0444); sysfs refuses it for an attribute without ->store.
 */
int proc_cpu_open(const char *path, int flags, bool may_write);

#endif
