/*
 * swap_setup.c - the host side of swapon(8) for --swap: open (or create and unlink) the file
 * that backs the model's swap device, and hand it to kernel_model/swapfile.c with the
 * replacement policy of --reclaim.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/emu.h"
#include "kernel_model/swap.h"

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
    }
    int ret = swapon(fd, opt->swap_bytes & PAGE_MASK);
    if (ret) {
        close(fd);
        snprintf(err, errlen, "cannot set up %llu bytes of swap: %s",
                 (unsigned long long)opt->swap_bytes, strerror(-ret));
        return -1;
    }
    return 0;
}
