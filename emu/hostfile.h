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

struct address_space;

/*
 * The model's page cache of the regular file behind hostfd, or NULL when the model holds none
 * (never mapped, or not a regular file): what read/write/truncate must keep coherent with. When
 * st is not NULL it receives the fstat result.
 */
struct address_space *hostfile_cached(int hostfd, struct stat *st);

/* Before a read or write of hostfd reaches the host: write back what mappings dirtied. */
void hostfile_sync_before_io(int hostfd);

/* After the host wrote [off, off + len) of hostfd: refresh the cached pages and the size. */
void hostfile_after_write(int hostfd, uint64_t off, uint64_t len);

/* After the host truncated the file behind hostfd (or the file at path, when hostfd < 0). */
void hostfile_after_truncate(int hostfd, const char *path);

#endif
