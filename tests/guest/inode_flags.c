/*
 * inode_flags - the inode-flag ioctls chattr and lsattr make: FS_IOC_GETFLAGS/SETFLAGS (noatime,
 * immutable: unlink then fails with EPERM), FS_IOC_FSGETXATTR and FS_IOC_GETVERSION. faultline
 * said ENOTTY to all of them until 2026-12-06 (lsattr: "Operation not supported"). The flags are
 * the host file system's, so a file system without them answers the same natively. Takes a
 * scratch directory as argv[1].
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *res(int r)
{
    return r < 0 ? strerrorname_np(errno) : "ok";
}

int main(int argc, char **argv)
{
    int flags = -1, r;

    if (argc < 2 || chdir(argv[1]) < 0)
        return 2;
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
    printf("GETFLAGS: %s, noatime %d immutable %d\n", res(r), !!(flags & FS_NOATIME_FL),
           !!(flags & FS_IMMUTABLE_FL));
    int set = flags | FS_NOATIME_FL;
    printf("SETFLAGS +noatime: %s\n", res(ioctl(fd, FS_IOC_SETFLAGS, &set)));
    r = ioctl(fd, FS_IOC_GETFLAGS, &flags);
    printf("GETFLAGS: %s, noatime %d\n", res(r), !!(flags & FS_NOATIME_FL));
    set = flags | FS_IMMUTABLE_FL;
    printf("SETFLAGS +immutable: %s\n", res(ioctl(fd, FS_IOC_SETFLAGS, &set)));
    printf("unlink an immutable file: %s\n", res(unlink("f")));
    printf("write to it: %s\n", res((int)write(fd, "x", 1)));
    set &= ~(FS_IMMUTABLE_FL | FS_NOATIME_FL);
    printf("SETFLAGS -immutable: %s\n", res(ioctl(fd, FS_IOC_SETFLAGS, &set)));
    struct fsxattr fx;
    memset(&fx, 0xff, sizeof(fx));
    r = ioctl(fd, FS_IOC_FSGETXATTR, &fx);
    printf("FSGETXATTR: %s, projid %u\n", res(r), r < 0 ? 0 : fx.fsx_projid);
    int version = -1;
    printf("GETVERSION: %s\n", res(ioctl(fd, FS_IOC_GETVERSION, &version)));
    printf("unlink: %s\n", res(unlink("f")));
    int p[2];
    pipe(p);
    printf("GETFLAGS on a pipe: %s\n", res(ioctl(p[0], FS_IOC_GETFLAGS, &flags)));
    return 0;
}
