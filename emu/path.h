/*
 * path.h - guest path names: reading them from guest memory (getname() in fs/namei.c) and
 * turning a guest (dirfd, path) pair into a host one.
 *
 * Guest paths name host files. Two translations apply, like qemu-user's:
 *  - a relative path keeps its meaning relative to the guest's dirfd, which becomes the host fd
 *    behind it (AT_FDCWD stays AT_FDCWD: the guest's cwd is faultline's own cwd for now);
 *  - with -L/--sysroot, an absolute path is looked up under the sysroot first and used from there
 *    when it exists there (without following a final symlink), else used on the host as is.
 *    Symlinks inside the sysroot that are absolute still resolve against the host root;
 *  - "/proc/<a guest pid>/..." becomes "/proc/<faultline's pid>/..." (what is served from the
 *    model instead is procfs.h's business, asked before this);
 *  - a link to one of the guest's fds (/proc/self/fd/N, /dev/fd/N, /dev/stdin...) becomes the
 *    host's link to the host fd behind it, since on the host those names mean faultline's fds.
 */
#ifndef FL_PATH_H
#define FL_PATH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc;

/*
 * Copy the NUL-terminated guest string at uaddr into buf (PATH_MAX bytes). Returns its length,
 * -EFAULT, or -ENAMETOOLONG when no NUL came within PATH_MAX bytes. An empty string is returned
 * as length 0: the caller's host syscall reports ENOENT unless AT_EMPTY_PATH applies.
 */
long get_user_path(struct proc *p, uint64_t uaddr, char buf[PATH_MAX]);

/*
 * Resolve (dirfd, guest_path) for a host *at() call: writes the host path into out (outlen bytes)
 * and the host directory fd into *host_dirfd. dirfd is only looked at when the path is relative
 * (or empty), as Linux does. Returns 0, -EBADF for a dirfd that is not an open guest fd, -ENOENT
 * for a link to a guest fd that is not open, or -ENAMETOOLONG when the result does not fit.
 */
int resolve_at(struct proc *p, int dirfd, const char *guest_path, char *out, size_t outlen,
               int *host_dirfd);

/* get_user_path() then resolve_at() into out (PATH_MAX bytes). 0 or -errno. */
long get_path_at(struct proc *p, int dirfd, uint64_t uaddr, char out[PATH_MAX], int *host_dirfd);

/* "/proc/self/REST", "/proc/thread-self/REST" or "/proc/<a guest pid or tid>/REST": REST, with
 * *target the guest process it names; else NULL (and *target = p). A REST of
 * "task/<tid>/MORE" names a thread of that process: MORE, with *target the thread and
 * *per_thread (if not NULL) set, for files that then describe the thread alone; NULL when tid
 * is no thread of it. */
const char *proc_pid_rest(struct proc *p, const char *path, struct proc **target, bool *per_thread);

/* Is path a link to a guest fd: /proc/{self,PID}/fd/N (PID's table), /dev/fd/N or
 * /dev/std{in,out,err} (p's)? 1 with *o the open file description, -ENOENT when that fd is not
 * open, 0 when path is no such link. */
struct ofd;
int guest_fd_link(struct proc *p, const char *path, struct ofd **o);

/* name as an absolute path when it is relative to a directory under /proc, SYS_CPU_DIR,
 * SYS_NODE_DIR, SYS_MEMORY_DIR or MM_TUNABLES_THP_DIR (the cwd for AT_FDCWD, else dirfd's), or
 * leads into one of them from the directory above ("proc/sys/vm/swappiness" in /), in buf;
 * otherwise name itself. procfs.h serves absolute names. */
const char *proc_absolute(struct proc *p, int dirfd, const char *name, char *buf, size_t len);

/* path (absolute) with "//", "/./" and "dir/.." taken out, as the lookup walks it, into out
 * (len bytes): true if that is exactly where the walk leads. A "." or ".." after a symbolic link
 * (/sys/devices/system/node/node0/cpu0 is one, to ../../cpu/cpu0) leads where the link points,
 * not to the lexical parent, one after a file is ENOTDIR and one after a missing name ENOENT:
 * false then, and for a final '/' (a file named with one is ENOTDIR) or a path that does not
 * fit; the host's lookup answers. The files faultline serves itself in directories of /proc and
 * /sys (mm_tunables.h, cpu_bugs.h, proc_cpu.h, sys_node.h) are found through it, so that a guest
 * in khugepaged/ that opens "../enabled" (proc_absolute makes it ".../khugepaged/../enabled")
 * opens the model's file. */
bool path_walk_lexically(const char *path, char *out, size_t len);

/* chroot: a host directory's real path as a process root, interned so that processes can share
 * it without owning it (a run has few); NULL when out of memory or room. */
const char *path_intern_root(const char *host);

/* The guest's view of host path `host` for a process whose root is root: the part under it
 * ("/" for root itself), or with "(unreachable)" before it when it is outside (d_path's
 * answer for getcwd), into out. false when it does not fit. */
bool path_under_root(const char *root, const char *host, char *out, size_t outlen);

/* p's executable is the file at host path `host` (execve, the first program): p->exe (its real
 * path) and p->exe_fd, replacing the old ones. proc_exe_put drops exe_fd (exit_mm: the exe
 * link of a process without an mm is gone). */
void proc_set_exe(struct proc *p, const char *host);
void proc_exe_put(struct proc *p);

/* Take the sysroot prefix off a host path in place, if it has it ("/sysroot/bin/sh" becomes
 * "/bin/sh", "/sysroot" becomes "/"): the path the guest knows the file by. */
void strip_sysroot(struct proc *p, char *path);

/*
 * The absolute path of the file behind host fd `hostfd` as the guest would name it: the host's
 * /proc/self/fd link with the sysroot prefix taken off. Returns out, or NULL when the host cannot
 * tell (or the result does not fit). Used for an ofd's path (what /proc/PID/maps shows).
 */
char *guest_path_of_hostfd(struct proc *p, int hostfd, char *out, size_t outlen);

#endif
