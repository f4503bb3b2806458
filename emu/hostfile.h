/*
 * hostfile.h - host files as the model's page-cache backing (the model's address_space_operations
 * implemented with pread/pwrite on a host fd).
 */
#ifndef FL_HOSTFILE_H
#define FL_HOSTFILE_H

#include <stdbool.h>

struct file;

/*
 * A model `struct file` for the open host file `hostfd`, for mmap. The page cache is found by
 * the file's identity (st_dev, st_ino), so every mapping of the same file in any process shares
 * pages. The model keeps its own dup of hostfd; the caller keeps (and closes) hostfd.
 * Returns NULL and sets errno on failure. Release with fput().
 */
struct file *hostfile_map_file(int hostfd, const char *path, bool readable, bool writable);

#endif
