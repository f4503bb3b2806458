/*
 * fiemap - FS_IOC_FIEMAP, the extent map filefrag and stress-ng's fiemap stressor ask for: a
 * file with two extents and a hole, counted only (fm_extent_count 0), with room for one (the
 * map stops there), with room for all; 1,100 extents (more than faultline asks the host for at
 * once); unsupported flags (EBADR, the flags named back in fm_flags), too many extents (EINVAL),
 * a header at an unmapped address (EFAULT) and a pipe (EOPNOTSUPP); FIBMAP of a block with
 * data and of one in the hole. faultline said ENOTTY to both until 2026-12-07. The extents
 * are the host file system's, so the physical addresses are left out. Takes a scratch
 * directory as argv[1].
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static struct fiemap *fm;

static int map(int fd, unsigned count, unsigned flags)
{
    memset(fm, 0, sizeof(*fm) + (count < 2000 ? count : 0) * sizeof(struct fiemap_extent));
    fm->fm_start = 0;
    fm->fm_length = FIEMAP_MAX_OFFSET;
    fm->fm_flags = flags;
    fm->fm_extent_count = count;
    return ioctl(fd, FS_IOC_FIEMAP, fm);
}

static void show(const char *what, int r, int all)
{
    printf("%s: %s, flags %#x, mapped %u\n", what, r < 0 ? strerrorname_np(errno) : "ok",
           fm->fm_flags, fm->fm_mapped_extents);
    if (r < 0 || !all)
        return;
    for (unsigned i = 0; i < fm->fm_mapped_extents && i < fm->fm_extent_count; i++)
        printf("  logical %llu length %llu flags %#x\n",
               (unsigned long long)fm->fm_extents[i].fe_logical,
               (unsigned long long)fm->fm_extents[i].fe_length, fm->fm_extents[i].fe_flags);
}

int main(int argc, char **argv)
{
    static char block[65536];
    if (argc < 2 || chdir(argv[1]) < 0)
        return 2;
    fm = malloc(sizeof(*fm) + 2000 * sizeof(struct fiemap_extent));
    memset(block, 'x', sizeof(block));

    int fd = open("two", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || pwrite(fd, block, sizeof(block), 0) != sizeof(block) ||
        pwrite(fd, block, sizeof(block), 1 << 20) != sizeof(block) || fsync(fd) < 0)
        return 3;
    show("count only", map(fd, 0, FIEMAP_FLAG_SYNC), 0);
    show("room for one", map(fd, 1, FIEMAP_FLAG_SYNC), 1);
    show("room for ten", map(fd, 10, FIEMAP_FLAG_SYNC), 1);
    show("bad flags", map(fd, 10, 0x80000000u | FIEMAP_FLAG_SYNC), 0);
    show("too many", map(fd, 0xffffffffu / sizeof(struct fiemap_extent) + 1, 0), 0);
    int blk = 0, hole = 16; /* file block 0 has data, block 16 (64 KiB) is in the hole */
    int r0 = ioctl(fd, FIBMAP, &blk), r1 = ioctl(fd, FIBMAP, &hole);
    printf("FIBMAP: %s %s, data block mapped %d, hole block %d\n",
           r0 < 0 ? strerrorname_np(errno) : "ok", r1 < 0 ? strerrorname_np(errno) : "ok", blk != 0,
           hole);
    errno = 0;
    int r = ioctl(fd, FS_IOC_FIEMAP, (void *)8);
    printf("header at 8: %s\n", r < 0 ? strerrorname_np(errno) : "ok");
    close(fd);

    fd = open("many", O_RDWR | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i < 1100; i++)
        if (pwrite(fd, block, 4096, (off_t)i * 8192) != 4096)
            return 4;
    if (fsync(fd) < 0)
        return 5;
    r = map(fd, 2000, FIEMAP_FLAG_SYNC);
    show("1100 extents", r, 0);
    unsigned long long total = 0;
    for (unsigned i = 0; r == 0 && i < fm->fm_mapped_extents; i++)
        total += fm->fm_extents[i].fe_length;
    printf("  bytes %llu, last flags %#x\n", total,
           fm->fm_mapped_extents ? fm->fm_extents[fm->fm_mapped_extents - 1].fe_flags : 0);
    show("1100 extents, counted", map(fd, 0, 0), 0);
    close(fd);

    int pfd[2];
    if (pipe(pfd) < 0)
        return 6;
    show("pipe", map(pfd[0], 1, 0), 0);
    unlink("two");
    unlink("many");
    return 0;
}
