/*
 * proc_fstat: what fstat, fstatat(fd, "", AT_EMPTY_PATH) and statx(fd, "", AT_EMPTY_PATH) say
 * about an open /proc file: the procfs inode that stat of its name shows (regular, mode 0444
 * or as the file is, size 0, st_blksize 1024, one link), and so the buffer glibc's stdio gives
 * a stream on it (st_blksize: 1024 bytes). faultline serves these files from a memfd, whose own
 * stat (0777, the text's size, 4096, no link) the fd used to show: a stream on
 * /proc/self/status got a 4096-byte buffer, which moved the program's heap by three KiB and
 * with it the pages it faulted on (`compare --pages` on sched_attr, sysv_shm, madvise_flags).
 */
#define _GNU_SOURCE
#include <stdio_ext.h>
#include <sys/stat.h>

#include "guest.h"

static void check(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        guest_die("open");
    struct stat byname, byfd, empty;
    struct statx sx;
    if (stat(path, &byname) || fstat(fd, &byfd) || fstatat(fd, "", &empty, AT_EMPTY_PATH) ||
        statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx))
        guest_die("stat");
    printf("%s: fstat mode %o size %lld blksize %ld nlink %ld; as stat of the name: %s; "
           "fstatat: %s; statx mode %o size %llu blksize %u nlink %u\n",
           path, (unsigned)byfd.st_mode, (long long)byfd.st_size, (long)byfd.st_blksize,
           (long)byfd.st_nlink,
           byfd.st_ino == byname.st_ino && byfd.st_dev == byname.st_dev &&
                   byfd.st_mode == byname.st_mode
               ? "yes"
               : "no",
           empty.st_ino == byfd.st_ino && empty.st_size == byfd.st_size &&
                   empty.st_blksize == byfd.st_blksize
               ? "same"
               : "different",
           (unsigned)sx.stx_mode, (unsigned long long)sx.stx_size, (unsigned)sx.stx_blksize,
           (unsigned)sx.stx_nlink);
    close(fd);
}

int main(void)
{
    static const char *const files[] = {
        "/proc/self/status",  "/proc/self/stat", "/proc/self/maps",    "/proc/self/smaps",
        "/proc/self/cmdline", "/proc/self/comm", "/proc/self/pagemap", "/proc/meminfo"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        check(files[i]);
    FILE *f = fopen("/proc/self/status", "r");
    if (!f || fgetc(f) == EOF)
        guest_die("fopen");
    printf("stdio buffer of a /proc/self/status stream: %zu bytes\n", __fbufsize(f));
    fclose(f);
    return 0;
}
