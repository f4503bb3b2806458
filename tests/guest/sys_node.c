/*
 * sys_node: what the machine's NUMA node says (/sys/devices/system/node) against what the
 * machine's /proc and CPU files say, read at the same moment: run under faultline only
 * (tests/e2e/sys_node.py; natively both are the host's, which may have several nodes).
 *
 * Prints "name proc node" for each /proc/meminfo line node0/meminfo has too (MemTotal,
 * MemFree, Active ... the same counters), both files read back to back from fds opened and
 * buffers touched beforehand, so that nothing is allocated between the two reads; then
 * /sys/devices/system/cpu/online beside node0/cpulist and node0/cpumap, and the node masks.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NODE "/sys/devices/system/node"

static char proc_buf[8192], node_buf[8192];

static void read_fd(int fd, char *buf, size_t len)
{
    ssize_t n = pread(fd, buf, len - 1, 0);
    if (n < 0) {
        perror("pread");
        exit(1);
    }
    buf[n] = 0;
}

/* The kB of line `name` ("MemFree:") in text, where each line starts with prefix; -1: none. */
static long value(const char *text, const char *prefix, const char *name)
{
    size_t pl = strlen(prefix), nl = strlen(name);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, prefix, pl) == 0 && strncmp(l + pl, name, nl) == 0 && l[pl + nl] == ':')
            return atol(l + pl + nl + 1);
    return -1;
}

static void show_file(const char *label, const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open failed\n", label);
        return;
    }
    read_fd(fd, buf, sizeof(buf));
    close(fd);
    printf("%s %s", label, buf);
}

int main(void)
{
    static const char *const shared[] = {
        "MemTotal",       "MemFree",        "Active",         "Inactive",    "Active(anon)",
        "Inactive(anon)", "Active(file)",   "Inactive(file)", "Unevictable", "Mlocked",
        "Dirty",          "Writeback",      "Mapped",         "AnonPages",   "Shmem",
        "KernelStack",    "PageTables",     "NFS_Unstable",   "Bounce",      "WritebackTmp",
        "KReclaimable",   "Slab",           "SReclaimable",   "SUnreclaim",  "AnonHugePages",
        "ShmemHugePages", "ShmemPmdMapped",
    };
    int proc = open("/proc/meminfo", O_RDONLY), node = open(NODE "/node0/meminfo", O_RDONLY);
    if (proc < 0 || node < 0) {
        perror("open");
        return 1;
    }
    read_fd(proc, proc_buf, sizeof(proc_buf)); /* the first reads fault the buffers in */
    read_fd(node, node_buf, sizeof(node_buf));
    read_fd(proc, proc_buf, sizeof(proc_buf));
    read_fd(node, node_buf, sizeof(node_buf));
    for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
        printf("%s %ld %ld\n", shared[i], value(proc_buf, "", shared[i]),
               value(node_buf, "Node 0 ", shared[i]));
    /* MemUsed and FilePages: what /proc/meminfo has as a difference or a sum */
    printf("MemUsed %ld %ld\n", value(proc_buf, "", "MemTotal") - value(proc_buf, "", "MemFree"),
           value(node_buf, "Node 0 ", "MemUsed"));
    printf("FilePages %ld %ld\n",
           value(proc_buf, "", "Cached") + value(proc_buf, "", "SwapCached") +
               value(proc_buf, "", "Buffers"),
           value(node_buf, "Node 0 ", "FilePages"));
    show_file("cpu/online", "/sys/devices/system/cpu/online");
    show_file("node0/cpulist", NODE "/node0/cpulist");
    show_file("node0/cpumap", NODE "/node0/cpumap");
    show_file("node0/distance", NODE "/node0/distance");
    show_file("online", NODE "/online");
    show_file("possible", NODE "/possible");
    show_file("has_memory", NODE "/has_memory");
    show_file("has_normal_memory", NODE "/has_normal_memory");
    show_file("has_cpu", NODE "/has_cpu");
    return 0;
}
