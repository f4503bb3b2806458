/*
 * swap_setup.c - the host side of swapon(8) for --swap: open (or create and unlink) the file
 * that backs the model's swap device, and hand it to kernel_model/swapfile.c with the
 * replacement policy of --reclaim. Also the guest's swapon(2) and swapoff(2) of that device,
 * and /proc/swaps.
 *
 * The device's name, as /proc/swaps shows it and swapoff/swapon take it: the absolute host path
 * of --swap-file, or the temporary file's path (unlinked at once, where 4.20 would show
 * "PATH (deleted)" and could not open it again by name: the model shows and takes the bare path,
 * so that `swapoff -a` and `swapoff NAME` reach it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/path.h"
#include "emu/proc.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/text.h"
#include "kernel_model/swap.h"

static char swap_name[PATH_MAX]; /* the device's name ("" without --swap) */

/*
 * What mkswap(8) leaves, so that a guest's util-linux swapon(8), which probes the file before
 * calling swapon(2), takes the device for a swap area: the version-1 header in slot 0 (version,
 * last_page, no bad pages, "SWAPSPACE2" in the page's last 10 bytes), and, for a --swap-file
 * (allocate), the file's blocks allocated (4.20's swapon refuses a file with holes, and so does
 * swapon(8)). The default temporary file stays sparse: it is unlinked, so swapon(8) cannot open
 * it by name anyway, and a `--swap 64G` study should not reserve 64 GiB of the host's disk. On
 * tmpfs, where an allocation would take host memory, or where the host refuses, a --swap-file
 * stays sparse too. The model itself reads neither: slot 0 is never handed out.
 */
static void mkswap(int fd, unsigned long bytes, bool allocate)
{
    unsigned char page[PAGE_SIZE] = {0};
    uint32_t version = 1, last_page = (uint32_t)((bytes >> PAGE_SHIFT) - 1);
    struct statfs sf;

    memcpy(page + 1024, &version, 4);
    memcpy(page + 1028, &last_page, 4);
    memcpy(page + PAGE_SIZE - 10, "SWAPSPACE2", 10);
    if (pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page))
        return;
    if (allocate && fstatfs(fd, &sf) == 0 && sf.f_type != TMPFS_MAGIC)
        (void)fallocate(fd, 0, 0, (off_t)bytes);
}

int emu_swapon(const struct fl_options *opt, char *err, size_t errlen)
{
    reclaim_policy = (enum reclaim_policy)opt->reclaim;
    if (!opt->swap_bytes)
        return 0;
    int fd;
    if (opt->swap_file) {
        fd = open(opt->swap_file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "--swap-file %s: %s", opt->swap_file, strerror(errno));
            return -1;
        }
        if (!realpath(opt->swap_file, swap_name))
            snprintf(swap_name, sizeof(swap_name), "%s", opt->swap_file);
    } else {
        const char *dir = getenv("TMPDIR");
        char path[4096];
        snprintf(path, sizeof(path), "%s/faultline-swap-XXXXXX", dir && *dir ? dir : "/tmp");
        fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0) {
            snprintf(err, errlen, "cannot create a swap file in %s: %s", dir ? dir : "/tmp",
                     strerror(errno));
            return -1;
        }
        unlink(path); /* the space goes back to the host when faultline exits */
        snprintf(swap_name, sizeof(swap_name), "%s", path);
    }
    int ret = swapon(fd, opt->swap_bytes & PAGE_MASK);
    if (ret) {
        close(fd);
        snprintf(err, errlen, "cannot set up %llu bytes of swap: %s",
                 (unsigned long long)opt->swap_bytes, strerror(-ret));
        return -1;
    }
    mkswap(fd, opt->swap_bytes & PAGE_MASK, opt->swap_file != NULL);
    return 0;
}

/* Does the guest's path name the device? Its name exactly, or (a file that exists) the same
 * host file: 4.20 opens the path and compares the file's mapping. 1, 0, or -errno of the
 * lookup (ENOENT ...). */
static long names_device(struct proc *p, uint64_t upath)
{
    char name[PATH_MAX], path[PATH_MAX];
    int hdir;
    long r = get_user_path(p, upath, name);
    if (r < 0)
        return r;
    if (swap_name[0] && strcmp(name, swap_name) == 0)
        return 1;
    if ((r = get_path_at(p, AT_FDCWD, upath, path, &hdir)) < 0)
        return r;
    struct stat st, dev;
    if (fstatat(hdir, path, &st, 0) != 0)
        return -errno;
    return swap_host_fd() >= 0 && fstat(swap_host_fd(), &dev) == 0 && st.st_dev == dev.st_dev &&
           st.st_ino == dev.st_ino;
}

/*
 * swapoff(path) (mm/swapfile.c): CAP_SYS_ADMIN first (EPERM), then the lookup's errors, then
 * EINVAL for a file that is not an active swap area; then try_to_unuse brings every page on swap
 * back (kernel_model/swapfile.c: swapoff_device), and ENOMEM when RAM cannot hold them, the
 * device staying. 4.20 makes the swapoff task the OOM killer's first choice meanwhile
 * (set_current_oom_origin) and may kill it; the model fails with ENOMEM instead.
 */
long sys_swapoff(struct proc *p, const uint64_t a[6])
{
    if (!guest_capable(p, 21 /* CAP_SYS_ADMIN */))
        return -EPERM;
    long r = names_device(p, a[0]);
    if (r <= 0)
        return r ? r : -EINVAL;
    if (!swap_device_active())
        return -EINVAL;
    unsigned long pages;
    return swapoff_device(&pages);
}

#define SWAP_FLAG_PREFER    0x8000
#define SWAP_FLAG_PRIO_MASK 0x7fff
#define SWAP_FLAGS_VALID    (SWAP_FLAG_PRIO_MASK | SWAP_FLAG_PREFER | 0x10000 | 0x20000 | 0x40000)

/*
 * swapon(path, flags): flags outside SWAP_FLAGS_VALID are EINVAL, then CAP_SYS_ADMIN (EPERM),
 * then the lookup's errors; the model's device, active, is EBUSY (claim_swapfile's
 * IS_SWAPFILE), inactive after a swapoff, it comes back empty with the priority asked for
 * (SWAP_FLAG_PREFER) or -2. Any other file is EINVAL, as 4.20 answers a file without a swap
 * signature: the model has one device and does not read mkswap headers. The discard flags are
 * taken and mean nothing (the host file has no discard).
 */
long sys_swapon(struct proc *p, const uint64_t a[6])
{
    int flags = (int)a[1];
    if (flags & ~SWAP_FLAGS_VALID)
        return -EINVAL;
    if (!guest_capable(p, 21 /* CAP_SYS_ADMIN */))
        return -EPERM;
    long r = names_device(p, a[0]);
    if (r <= 0)
        return r ? r : -EINVAL;
    if (swap_device_active())
        return -EBUSY;
    return swapon_device(flags & SWAP_FLAG_PREFER ? flags & SWAP_FLAG_PRIO_MASK : -2);
}

/* /proc/swaps (swap_show): the header, and the device while active: its name escaped as
 * seq_file_path does (" \t\n\\" as octal), padded to 40 columns, "file", size and use in KiB,
 * the priority. */
int proc_swaps_open(void)
{
    struct text t = {0};
    text_printf(&t, "Filename\t\t\t\tType\t\tSize\tUsed\tPriority\n");
    if (swap_device_active()) {
        char esc[PATH_MAX * 4];
        size_t n = 0;
        for (const char *c = swap_name; *c; c++) {
            if (strchr(" \t\n\\", *c))
                n += (size_t)snprintf(esc + n, sizeof(esc) - n, "\\%03o", (unsigned char)*c);
            else
                esc[n++] = *c;
        }
        esc[n] = 0;
        int len = (int)n;
        unsigned long total = total_swap_pages(), used = total - get_nr_swap_pages();
        text_printf(&t, "%s%*s%s\t%lu\t%lu\t%d\n", esc, len < 40 ? 40 - len : 1, " ", "file\t",
                    total << (PAGE_SHIFT - 10), used << (PAGE_SHIFT - 10), swap_priority());
    }
    return text_to_fd(&t, "swaps");
}
