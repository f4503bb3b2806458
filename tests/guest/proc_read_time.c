/*
 * proc_read_time - a /proc file is made when it is read, not when it is opened: seq_read
 * starts its iterator over at every read at offset 0, the first one after the open too. So a
 * mapping made between the open of /proc/self/maps and its first read is in what the read
 * returns (coreutils cat opens maps, mallocs its 128 KiB buffer with mmap, then reads: natively
 * the buffer is listed). Until 2026-12-07 faultline made the text at open and the first read
 * returned that, without the mapping.
 *
 * Checked for read, pread at 0, readv, smaps and status (VmSize), and for the reads sendfile
 * and splice make (a copy, when the kernel makes one: 4.20 splices from any file with ->read,
 * Linux 5.10 and later refuses files without ->splice_read, such as maps, with EINVAL; either
 * way what is copied must not be older than the call). copy_file_range between a procfs file
 * and any other file (a memfd, a file on disk, a pipe) fails as on Linux: EXDEV (two
 * superblocks) or EINVAL (not a regular file).
 *
 * ARGV[1]: a scratch directory.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <sys/sendfile.h>
#include <sys/uio.h>

#define AREA ((void *)0x2a0000000UL)
#define AREA_LEN                                                                                   \
    (34 * GUEST_PAGE) /* as cat's buffer: 128 KiB and a bit, above malloc's mmap threshold */

static char buf[1 << 20];
static char line[64];

static int open_ro(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        guest_die(path);
    return fd;
}

static void map_area(void)
{
    if (mmap(AREA, AREA_LEN, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != AREA)
        guest_die("mmap");
}

static void unmap_area(void)
{
    if (munmap(AREA, AREA_LEN))
        guest_die("munmap");
}

/* Read fd to its end (from where it is) into buf. */
static size_t slurp(int fd)
{
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)r;
    if (r < 0)
        guest_die("read");
    buf[n] = 0;
    return n;
}

static const char *listed(void)
{
    return strstr(buf, line) ? "listed" : "not listed";
}

/* VmSize in kB from status text in buf. */
static long vmsize(void)
{
    char *s = strstr(buf, "VmSize:");
    return s ? strtol(s + 7, NULL, 10) : -1;
}

/* What a copy from a /proc file into a pipe brought, or the error. */
static void copy_to_pipe(const char *what, int splice_it)
{
    int fd = open_ro("/proc/self/maps"), pp[2];
    if (pipe(pp))
        guest_die("pipe");
    fcntl(pp[1], F_SETPIPE_SZ, 1 << 20);
    map_area();
    ssize_t r = splice_it ? splice(fd, NULL, pp[1], NULL, sizeof(buf) - 1, 0)
                          : sendfile(pp[1], fd, NULL, sizeof(buf) - 1);
    /* stdout says the same for a refusal (Linux 5.10 and later) and a current copy (4.20) */
    const char *verdict = "nothing stale";
    if (r < 0) {
        fprintf(stderr, "proc_read_time: %s refused: %s\n", what, guest_errno_name(errno));
        if (errno != EINVAL)
            verdict = guest_errno_name(errno);
    } else {
        close(pp[1]);
        pp[1] = -1;
        slurp(pp[0]);
        fprintf(stderr, "proc_read_time: %s copied %zd bytes\n", what, r);
        if (!strstr(buf, line))
            verdict = "STALE: the mapping made after the open is not in the copy";
    }
    printf("%s from maps into a pipe: %s\n", what, verdict);
    unmap_area();
    close(fd);
    close(pp[0]);
    if (pp[1] >= 0)
        close(pp[1]);
}

static void cfr(const char *what, int in, int out)
{
    ssize_t r = copy_file_range(in, NULL, out, NULL, 4096, 0);
    printf("copy_file_range %s: %s\n", what, r < 0 ? guest_errno_name(errno) : "copied");
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]))
        guest_die("chdir");
    snprintf(line, sizeof(line), "%lx-%lx rw-p 00000000 00:00 0", (unsigned long)AREA,
             (unsigned long)AREA + AREA_LEN);

    /* read(): open, map, read */
    int fd = open_ro("/proc/self/maps");
    map_area();
    slurp(fd);
    printf("maps, read after a mapping made since the open: %s\n", listed());
    unmap_area();
    lseek(fd, 0, SEEK_SET);
    slurp(fd);
    printf("maps, read again from 0 after munmap: %s\n", listed());
    close(fd);

    /* pread at 0, and readv */
    fd = open_ro("/proc/self/maps");
    map_area();
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n < 0)
        guest_die("pread");
    buf[n] = 0;
    printf("maps, pread at 0: %s\n", listed());
    unmap_area();
    close(fd);
    fd = open_ro("/proc/self/maps");
    map_area();
    struct iovec iov[2] = {{buf, 10}, {buf + 10, sizeof(buf) - 11}};
    n = readv(fd, iov, 2);
    if (n < 0)
        guest_die("readv");
    buf[n] = 0;
    printf("maps, readv: %s\n", listed());
    unmap_area();
    close(fd);

    /* smaps: the same VMA line heads the mapping's block */
    fd = open_ro("/proc/self/smaps");
    map_area();
    slurp(fd);
    printf("smaps, read after a mapping made since the open: %s\n", listed());
    unmap_area();
    close(fd);

    /* status: VmSize as it is at the read */
    fd = open_ro("/proc/self/status");
    slurp(fd);
    long before = vmsize();
    close(fd);
    fd = open_ro("/proc/self/status");
    map_area();
    slurp(fd);
    printf("status, VmSize read after a mapping made since the open grew by %ld kB\n",
           vmsize() - before);
    unmap_area();
    close(fd);

    copy_to_pipe("sendfile", 0);
    copy_to_pipe("splice", 1);

    /* copy_file_range out of procfs, and into it */
    int mfd = memfd_create("proc_read_time", 0);
    int disk = open("copy", O_RDWR | O_CREAT | O_TRUNC, 0600);
    int pp[2];
    if (mfd < 0 || disk < 0 || pipe(pp))
        guest_die("memfd_create, open or pipe");
    if (write(mfd, "0\n", 2) != 2 || write(disk, "0\n", 2) != 2)
        guest_die("write");
    const char *procs[] = {"/proc/self/maps", "/proc/self/status", "/proc/self/stat",
                           "/proc/self/cmdline"};
    for (unsigned i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
        char what[96];
        fd = open_ro(procs[i]);
        snprintf(what, sizeof(what), "%s to a memfd", procs[i]);
        cfr(what, fd, mfd);
        snprintf(what, sizeof(what), "%s to a file", procs[i]);
        cfr(what, fd, disk);
        snprintf(what, sizeof(what), "%s to a pipe", procs[i]);
        cfr(what, fd, pp[1]);
        close(fd);
    }
    fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0)
        guest_die("open clear_refs");
    lseek(mfd, 0, SEEK_SET);
    cfr("from a memfd to /proc/self/clear_refs", mfd, fd);
    lseek(disk, 0, SEEK_SET);
    cfr("from a file to /proc/self/clear_refs", disk, fd);
    close(fd);
    return 0;
}
