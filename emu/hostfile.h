/*
 * hostfile.h - host files as the model's page-cache backing (the model's address_space_operations
 * implemented with pread/pwrite on a host fd).
 */
#ifndef FL_HOSTFILE_H
#define FL_HOSTFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct file;

/*
 * A model `struct file` for the open host file `hostfd`, for mmap. The page cache is found by
 * the file's identity (st_dev, st_ino), so every mapping of the same file in any process shares
 * pages. The model keeps its own dup of hostfd; the caller keeps (and closes) hostfd.
 * Returns NULL and sets errno on failure. Release with fput().
 */
struct file *hostfile_map_file(int hostfd, const char *path, bool readable, bool writable);

struct mm_struct;

/*
 * Linux names a mapped file by its dentry, so /proc/PID/maps follows a rename of the file and
 * says " (deleted)" once it is unlinked (shm_open, mmap, shm_unlink is the common case); the
 * model names it as it was when mapped (struct file's f_path). Before maps or smaps is made,
 * each mapped host file's name is checked: if it no longer names the same inode, the mapping's
 * host fd gives the name the host's d_path has for it now.
 */
void hostfile_refresh_names(struct mm_struct *mm);

/* Is the host file behind hostfd in memory (tmpfs: a memfd, a file in /dev/shm), Linux's shmem
 * with no backing store? */
bool hostfile_in_memory(int hostfd);

struct ofd;

/*
 * Read, write and truncate keep the model's page cache of a regular file coherent with the host
 * file around each host call. They act only when the model caches the file (someone mapped it);
 * o may be any open file (nothing happens for one that is not regular).
 */

/* Before a read or write of o reaches the host: write back what mappings dirtied. */
void hostfile_sync_before_io(const struct ofd *o);
/* Does a guest map o's file shared and writable (the host does not know of such mappings)? */
bool hostfile_writably_mapped(const struct ofd *o);

/* After the host wrote len bytes of o at off, or, with off < 0, at the file offset (which the
 * write advanced): refresh the cached pages and the size. */
void hostfile_after_write(const struct ofd *o, int64_t off, uint64_t len);

/* After the host's fallocate(o, mode, off, len): the range's data changed (punched, zeroed) or,
 * with a collapse or insert, everything from off moved; the size may have changed. */
void hostfile_after_fallocate(const struct ofd *o, int mode, uint64_t off, uint64_t len);

/* After the host truncated (or extended) the file open as o, or the file at path. */
void hostfile_after_truncate(const struct ofd *o);
void hostfile_after_truncate_path(const char *path);

#endif
