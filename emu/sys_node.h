/*
 * sys_node.h - the machine's NUMA node as the guest sees it: one node (node 0) holding the
 * model's RAM and its one CPU, as Linux 4.20's drivers/base/node.c shows such a machine under
 * /sys/devices/system/node, not the host's nodes, CPUs and memory. numactl --hardware,
 * libnuma's numa_node_size, hwloc and the JVM's and jemalloc's NUMA checks read these.
 */
#ifndef FL_EMU_SYS_NODE_H
#define FL_EMU_SYS_NODE_H

#include <stdbool.h>

#define SYS_NODE_DIR   "/sys/devices/system/node"
#define SYS_MEMORY_DIR "/sys/devices/system/memory"

/*
 * Open the absolute guest path `path` (open(2) flags `flags`) if it is one of the node files:
 * SYS_NODE_DIR/{possible,online,has_normal_memory,has_memory,has_cpu} and
 * SYS_NODE_DIR/node0/{cpumap,cpulist,meminfo,numastat,distance,vmstat}, with "//", "/./" and
 * "dir/.." in it walked as the lookup walks them (a ".." after a symbolic link is left to the
 * host's lookup: sys_node_owns then sees where it led). A read-only host fd with the text,
 * -EACCES for a write open (sysfs refuses one for an attribute without ->store, root too), or
 * PROCFS_PASSTHROUGH (procfs.h) for any other path. Also SYS_MEMORY_DIR's block_size_bytes and,
 * for each memory block the model's RAM reaches, memoryN/{state,online,phys_index,phys_device,
 * removable,valid_zones} as 4.20's drivers/base/memory.c prints them for an online block.
 */
int sys_node_open(const char *path, int flags);

/* Is the absolute path `path` (as the host's lookup resolved it) one of those files? */
bool sys_node_owns(const char *path);

/* Is `name`, listed in directory `dir` (an absolute path), one the guest's 4.20 machine would
 * not have: a node other than node0 or has_generic_initiator (a later kernel's) in
 * SYS_NODE_DIR; in node0, a CPU other than cpu0, reclaim (a later kernel's), or a memoryN link
 * to a host memory block past the model's RAM (the blocks are block_size_bytes each, the
 * host's); in SYS_MEMORY_DIR, such a memoryN directory? */
bool sys_node_hidden_entry(const char *dir, const char *name);

/* Is the absolute path `path` (walked as sys_node_open walks it) one of those names or under
 * one (node1/meminfo, node0/cpu1/online, memory/memory9/state past the RAM)? Its lookup is then
 * ENOENT, as the listing leaves it out.
 */
bool sys_node_absent(const char *path);

/* Is dir a directory whose listing sys_node_hidden_entry filters? */
bool sys_node_filtered_dir(const char *dir);

#endif
