/*
 * procfs.h - the guest's view of /proc, served from the model rather than the host.
 *
 * The host's /proc/self describes faultline, not the guest: /proc/self/maps, /proc/self/stat,
 * /proc/PID/... must come from the model (VMAs, fault counters). open/openat ask procfs_open
 * first for every absolute guest path; it either serves the file or says it is not one of its
 * own, and then the path is opened on the host as usual.
 */
#ifndef FL_PROCFS_H
#define FL_PROCFS_H

#include <stddef.h>
#include <stdint.h>

struct proc;
struct ofd;

/* procfs_open's answer for "not a path procfs serves: open it on the host". Never an fd and
 * never a -errno value. */
#define PROCFS_PASSTHROUGH (-0x10000)

/*
 * Open the absolute guest path `path` with open(2) flags `flags` for p, if procfs serves it.
 * Returns a host fd holding the file's contents (for example a memfd the text was written to,
 * positioned at 0; open/openat wrap it in an ofd and install it as a guest fd), -errno (such as
 * -ENOENT for /proc/PID of no guest process, -EACCES for a write open of a read-only file), or
 * PROCFS_PASSTHROUGH. Served now:
 * /proc/{self,thread-self,PID}/{maps,smaps,smaps_rollup,stat,status,statm,comm,cmdline,auxv}, made
 * from the model (comm also for writing: procfs_write), the files proc_cpu.h and sys_node.h
 * describe (a read-only memfd; a write open is -EACCES), and the /proc/sys/vm files of the model's
 * own sysctls (mm_tunables.h, writable by root); everything else passes through (the fd/N links
 * among it: resolve_at() turns them into the host fd's link, path.h).
 */
int procfs_open(struct proc *p, const char *path, int flags);

/*
 * A file procfs_open served from path for p is made again when it is read at offset 0, by the
 * first read after the open too, as seq_read starts over at *ppos 0 (top, vmstat and free keep
 * /proc/meminfo, /proc/stat ... open and read them from the start at every refresh; cat opens
 * /proc/self/maps, maps its buffer, then reads). procfs_regen_path: the path that makes it again
 * for the same process (/proc/self/... becomes /proc/PID/...), malloc'd, or NULL.
 * procfs_refresh: make o's text again in place (the host fd then holds the new text, at offset
 * 0); if the process is gone, o keeps the text it has.
 */
char *procfs_regen_path(struct proc *p, const char *path);
void procfs_refresh(struct proc *p, struct ofd *o);

/* Asked before every read of o, at any offset: 0, or the error the read fails with although the
 * open succeeded (another task's /proc/PID/timerslack_ns without CAP_SYS_NICE: EPERM; its task
 * gone: ESRCH), as the file's ->show does at each read. */
long procfs_read_check(struct proc *p, const struct ofd *o);

/*
 * How many bytes a read of `size` at offset pos of o returns, as seq_read hands out a file of
 * many records (maps: a VMA per line; smaps: a VMA per block): first what its buffer still
 * holds past pos (o->seq_end), then a new fill of whole records, at least one, more while the
 * fill is shorter than what is left of `size` and the next record fits in the page-sized buffer
 * (it grows for a first record that does not). So a large read returns less than the rest of
 * the file (one page of records at most: 4056 bytes of a 6454-byte maps), as on Linux, and
 * reads smaller than a record's fill return `size`. Updates o->seq_end. `size` unchanged for
 * any other file (single_open files and the host's hand out everything asked for).
 */
size_t procfs_seq_read_len(struct ofd *o, int64_t pos, size_t size);

/*
 * write/writev (each iovec a write of its own, as for a file with ->write alone) to a file
 * procfs_open served (o->proc_made, no page file). Only .../comm has ->write (mode 0644, and the
 * guest owns every guest task): comm_write, the first 15 bytes the task's name, a newline
 * kept, for a task of the writer's own thread group (else -EINVAL), at no offset (pos >= 0,
 * pwrite: -ESPIPE, a seq_file is not FMODE_PWRITE). -EBADF for an fd opened read-only; the
 * other files open for writing only with CAP_DAC_OVERRIDE, and a write to them is -EINVAL
 * (/proc/PID/...) or -EIO (/proc/meminfo, /proc/cpuinfo...), as Linux answers.
 */
long procfs_write(struct proc *p, struct ofd *o, uint64_t ubuf, uint64_t count, int64_t pos);

/*
 * readlink/readlinkat of the absolute guest path `path`, if procfs serves it: writes the target
 * (not NUL-terminated, at most outlen bytes) and returns its full length, returns -errno, or
 * PROCFS_PASSTHROUGH. Served now: /proc/self (the guest's pid), /proc/{self,thread-self,PID}/exe
 * (the guest's executable, by the name the guest knows it) and .../fd/N, /dev/fd/N,
 * /dev/std{in,out,err} (the guest fd N's file, read from the host fd).
 */
long procfs_readlink(struct proc *p, const char *path, char *out, size_t outlen);

/*
 * getdents64 on a /proc directory o whose listing is the guest's (o->proc_dir): for /proc, the
 * host's entries without its numeric ones (the host's processes), then a directory per guest
 * process, by pid, as proc_pid_readdir lists thread-group leaders; for /proc/PID/fd, ".", ".."
 * and a link per open fd of that guest process (proc_readfd_common); for SYS_CPU_DIR, the host's
 * entries without the CPUs the guest does not have (proc_cpu.h); for SYS_NODE_DIR and its node0,
 * without the nodes, CPUs and later kernels' files it does not have, and for SYS_MEMORY_DIR
 * without the blocks past the RAM (sys_node.h). `out` gets at
 * most count bytes of struct linux_dirent64 records. Returns the bytes written, 0 at the end, or
 * -errno
 * (-EINVAL when count fits no record).
 */
long procfs_getdents(struct proc *p, struct ofd *o, void *out, size_t count);

/*
 * The link count stat and statx give a /proc/{self,PID}/task directory: 2 + the live threads of
 * the group (proc_task_getattr), where the host's inode, faultline's own task directory, counts
 * faultline's threads. Chromium's zygote takes a count of 3 to mean single-threaded and will
 * not fork otherwise. The directory is named by gname (an absolute guest path; NULL for none)
 * or is the one o is open on (NULL for none). -1 for anything else: the host's count stands.
 */
long procfs_task_nlink(struct proc *p, const char *gname, const struct ofd *o);
/* task_dump_owner: the owner the guest sees of the /proc entry gname (absolute) that a stat
 * reached (follow: through a final /proc/self or /proc/thread-self link), of file type and
 * permissions `mode`: a guest task's directory /proc/PID (dr-xr-xr-x) its effective ids, its
 * other entries those too while it is dumpable, else root's. false: not a guest task's entry
 * (the host's owner stands). */
bool procfs_task_owner(struct proc *p, const char *gname, bool follow, unsigned mode, uint32_t *uid,
                       uint32_t *gid);

#endif
