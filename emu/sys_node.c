/*
 * sys_node.c - /sys/devices/system/node for the emulated machine's one node (see sys_node.h),
 * as Linux 4.20's drivers/base/node.c prints it: print_nodes_state for the node masks,
 * node_read_cpumap (cpumap, cpulist), node_read_meminfo, node_read_numastat, node_read_vmstat
 * and node_read_distance for node0. The memory numbers are the model's, made by the same
 * kernel_model/meminfo.c and vmstat.c code as /proc/meminfo and /proc/vmstat.
 * And /sys/devices/system/memory as 4.20's drivers/base/memory.c shows the memory blocks of the
 * model's RAM (frames 0 to totalram_pages(), all online), in blocks of the host's size.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/path.h"
#include "emu/procfs.h"
#include "emu/sys_node.h"
#include "emu/text.h"
#include "kernel_model/mm.h"

#define NODE0 SYS_NODE_DIR "/node0"

/* A file whose text is the same for every run of the one-node, one-CPU machine, named for its
 * memfd by the last part of its path. */
static int make_fixed(const char *path, const char *text)
{
    struct text t = {0};
    text_printf(&t, "%s", text);
    return text_to_fd(&t, strrchr(path, '/') + 1);
}

/* a model show function's text (meminfo, vmstat, numastat of node 0), in a PAGE_SIZE buffer as
 * a sysfs attribute's */
static int make_shown(int (*show)(int nid, char *buf, size_t len), const char *name)
{
    struct text t = {0};
    char buf[4096];
    int n = show(0, buf, sizeof(buf));

    if (n < 0 || n >= (int)sizeof(buf))
        return -ENOMEM;
    text_append(&t, buf, (size_t)n);
    return text_to_fd(&t, name);
}

static int make_meminfo(void)
{
    return make_shown(node_meminfo_show, "meminfo");
}

static int make_numastat(void)
{
    return make_shown(node_numastat_show, "numastat");
}

static int make_vmstat(void)
{
    return make_shown(node_vmstat_show, "vmstat");
}

/* Is name prefix followed by a number ("cpu1", "node12")? */
static bool numbered(const char *name, const char *prefix)
{
    size_t n = strlen(prefix), digits = strspn(name + n, "0123456789");
    return strncmp(name, prefix, n) == 0 && digits && !name[n + digits];
}

/* The host's memory block size (block_size_bytes, hex): the blocks node0's memoryN links name;
 * 0 when the host has none (no memory hotplug). */
static unsigned long memory_block_size(void)
{
    static unsigned long size = 1; /* not read yet */
    if (size == 1) {
        FILE *f = fopen("/sys/devices/system/memory/block_size_bytes", "re");
        size = 0;
        if (f) {
            if (fscanf(f, "%lx", &size) != 1)
                size = 0;
            fclose(f);
        }
    }
    return size;
}

/* How many memory blocks the model's RAM reaches (the last one maybe in part) */
static unsigned long memory_blocks(void)
{
    unsigned long bs = memory_block_size();
    return bs ? (totalram_pages() * PAGE_SIZE + bs - 1) / bs : 0;
}

/* Is name a memoryN link or directory past the model's RAM: a memory block of the host's that the
 * machine's guest-physical memory (frames 0 to totalram_pages()) does not reach? */
static bool memory_block_beyond_ram(const char *name)
{
    unsigned long bs = memory_block_size();
    if (!numbered(name, "memory") || !bs)
        return false;
    return strtoul(name + 6, NULL, 10) >= memory_blocks();
}

/* block_size_bytes (print_block_size): the block size in hex */
static int make_block_size(void)
{
    struct text t = {0};
    text_printf(&t, "%lx\n", memory_block_size());
    return text_to_fd(&t, "block_size_bytes");
}

/* auto_online_blocks (show_auto_online_blocks): whether memory added later comes online by
 * itself, in 4.20's two words; the host's setting, read once as the machine's configuration.
 * The model adds no memory: a write open is EACCES like the other files here (4.20 lets root
 * write it), where the guest's write used to reach the host's file. */
static int make_auto_online(void)
{
    static char value[16];
    if (!value[0]) {
        char host[32] = "";
        FILE *f = fopen("/sys/devices/system/memory/auto_online_blocks", "re");
        if (f) {
            if (!fgets(host, sizeof(host), f))
                host[0] = 0;
            fclose(f);
        }
        /* a later kernel's online_kernel and online_movable are ways of "online" */
        snprintf(value, sizeof(value), "%s\n",
                 strncmp(host, "online", 6) == 0 ? "online" : "offline");
    }
    struct text t = {0};
    text_printf(&t, "%s", value);
    return text_to_fd(&t, "auto_online_blocks");
}

/*
 * A memory block's attribute, for a block the model's RAM reaches: every such block is online
 * (state "online", the device's online 1); phys_index is its first section over
 * sections_per_block, so N ("%08lx"); phys_device 0 (x86 has no other); removable 1 (the model
 * has no unmovable pageblocks: is_mem_section_removable's test passes); valid_zones the zone of
 * an online block's pages: the model's RAM is one zone, ZONE_NORMAL's "Normal" (it has no
 * DMA/DMA32 split, which would make 4.20 print "none" for a block spanning two zones).
 */
static int make_block_attr(unsigned long n, const char *attr)
{
    struct text t = {0};

    if (strcmp(attr, "state") == 0)
        text_printf(&t, "online\n");
    else if (strcmp(attr, "online") == 0)
        text_printf(&t, "1\n");
    else if (strcmp(attr, "phys_index") == 0)
        text_printf(&t, "%08lx\n", n);
    else if (strcmp(attr, "phys_device") == 0)
        text_printf(&t, "0\n");
    else if (strcmp(attr, "removable") == 0)
        text_printf(&t, "1\n");
    else
        text_printf(&t, "Normal\n");
    return text_to_fd(&t, attr);
}

static const char *const block_attrs[] = {"state",       "online",    "phys_index",
                                          "phys_device", "removable", "valid_zones"};

/* Is norm SYS_MEMORY_DIR/memoryN/ATTR of a block the RAM reaches? *n and *attr say which. */
static bool block_attr(const char *norm, unsigned long *n, const char **attr)
{
    size_t dl = strlen(SYS_MEMORY_DIR "/memory");
    if (strncmp(norm, SYS_MEMORY_DIR "/memory", dl) != 0)
        return false;
    const char *p = norm + dl, *slash = strchr(p, '/');
    size_t digits = strspn(p, "0123456789");
    if (!digits || p + digits != slash || (digits > 1 && p[0] == '0'))
        return false;
    *n = strtoul(p, NULL, 10);
    if (*n >= memory_blocks())
        return false;
    for (size_t i = 0; i < sizeof(block_attrs) / sizeof(block_attrs[0]); i++)
        if (strcmp(slash + 1, block_attrs[i]) == 0) {
            *attr = block_attrs[i];
            return true;
        }
    return false;
}

/* The files: made by `make`, or always `text` (4.20's answer for one node, node 0, with one CPU,
 * cpu 0): print_nodes_state's masks as a list, node_read_cpumap's list and its bitmap of
 * nr_cpu_ids (1) bits ("%*pb"), node_read_distance's LOCAL_DISTANCE to itself. */
static const struct {
    const char *path;
    int (*make)(void);
    const char *text;
} files[] = {
    {SYS_NODE_DIR "/possible", NULL, "0\n"},
    {SYS_NODE_DIR "/online", NULL, "0\n"},
    {SYS_NODE_DIR "/has_normal_memory", NULL, "0\n"},
    {SYS_NODE_DIR "/has_memory", NULL, "0\n"},
    {SYS_NODE_DIR "/has_cpu", NULL, "0\n"},
    {NODE0 "/cpumap", NULL, "1\n"},
    {NODE0 "/cpulist", NULL, "0\n"},
    {NODE0 "/meminfo", make_meminfo, NULL},
    {NODE0 "/numastat", make_numastat, NULL},
    {NODE0 "/distance", NULL, "10\n"},
    {NODE0 "/vmstat", make_vmstat, NULL},
    {SYS_MEMORY_DIR "/block_size_bytes", make_block_size, NULL},
    {SYS_MEMORY_DIR "/auto_online_blocks", make_auto_online, NULL},
};
#define NR_FILES (sizeof(files) / sizeof(files[0]))

#define BLOCK_ATTR ((int)NR_FILES) /* find's answer for a memory block's attribute */

/* The index in files of path, BLOCK_ATTR for a memory block's attribute (*n and *attr say which),
 * or -1 */
static int find(const char *path, unsigned long *n, const char **attr)
{
    char norm[PATH_MAX];

    /* most paths asked about are nowhere near: the test before the walk */
    if (path[0] != '/' || !strstr(path, "/sys") || !path_walk_lexically(path, norm, sizeof(norm)))
        return -1;
    for (size_t i = 0; i < NR_FILES; i++)
        if (strcmp(norm, files[i].path) == 0)
            return (int)i;
    return block_attr(norm, n, attr) ? BLOCK_ATTR : -1;
}

int sys_node_open(const char *path, int flags)
{
    unsigned long n;
    const char *attr;
    int i = find(path, &n, &attr);

    if (i < 0)
        return PROCFS_PASSTHROUGH;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EACCES; /* state and online have ->store: hotplug, which the model has not */
    return i == BLOCK_ATTR ? make_block_attr(n, attr)
           : files[i].make ? files[i].make()
                           : make_fixed(files[i].path, files[i].text);
}

bool sys_node_owns(const char *path)
{
    unsigned long n;
    const char *attr;
    return find(path, &n, &attr) >= 0;
}

/* The first name of rest (up to its next '/') into name; false when it is too long for one. */
static bool first_name(const char *rest, char name[NAME_MAX + 1])
{
    size_t len = strcspn(rest, "/");
    if (len > NAME_MAX)
        return false;
    memcpy(name, rest, len);
    name[len] = 0;
    return true;
}

bool sys_node_absent(const char *path)
{
    char norm[PATH_MAX], name[NAME_MAX + 1];
    size_t m = strlen(SYS_MEMORY_DIR), n = strlen(SYS_NODE_DIR);

    if (path[0] != '/' || !strstr(path, "/sys") || !path_walk_lexically(path, norm, sizeof(norm)))
        return false;
    if (strncmp(norm, SYS_MEMORY_DIR, m) == 0 && norm[m] == '/')
        return first_name(norm + m + 1, name) && memory_block_beyond_ram(name);
    if (strncmp(norm, SYS_NODE_DIR, n) != 0 || norm[n] != '/')
        return false;
    const char *rest = norm + n + 1;
    if (!first_name(rest, name))
        return false;
    if (sys_node_hidden_entry(SYS_NODE_DIR, name))
        return true;
    return strncmp(rest, "node0/", 6) == 0 && first_name(rest + 6, name) &&
           sys_node_hidden_entry(NODE0, name);
}

bool sys_node_filtered_dir(const char *dir)
{
    return strcmp(dir, SYS_NODE_DIR) == 0 || strcmp(dir, NODE0) == 0 ||
           strcmp(dir, SYS_MEMORY_DIR) == 0;
}

bool sys_node_hidden_entry(const char *dir, const char *name)
{
    if (strcmp(dir, SYS_NODE_DIR) == 0)
        return (numbered(name, "node") && strcmp(name, "node0") != 0) ||
               strcmp(name, "has_generic_initiator") == 0;
    if (strcmp(dir, NODE0) == 0)
        return (numbered(name, "cpu") && strcmp(name, "cpu0") != 0) ||
               strcmp(name, "reclaim") == 0 || memory_block_beyond_ram(name);
    if (strcmp(dir, SYS_MEMORY_DIR) == 0)
        return memory_block_beyond_ram(name);
    return false;
}
