/*
 * proc_maps_reads: how read(2) hands out /proc/self/maps and smaps, files of many records (a
 * seq_file: a VMA per line, a VMA per block). seq_read fills a page-sized buffer with whole
 * records and a read returns that much at most, however large the read: 4.20 and the host
 * alike. Which pages of the reader's buffer the kernel writes follows from it (a 64 KiB buffer
 * gets its first page written, not its second: `compare --pages` on gawk saw one fault more in
 * the model, which returned all 6454 bytes of its maps in one read).
 *
 * 200 VMAs are made first (pages of alternating protection at 2 GiB and up), so that maps is
 * several pages long. Prints, for reads of 64 KiB until the end: that every read ends at a
 * record's end, is shorter than a page, and could not have held the next record too; that the
 * reads give the same text as reading with 1-byte reads; that a 100-byte read returns 100
 * bytes; that readv of two segments returns what one read does (segment by segment, ending at
 * the first short one, as do_loop_readv_writev reads a file with ->read alone). Nothing that
 * depends on the layout is printed.
 */
#include <sys/uio.h>

#include "guest.h"

#define NVMAS 200
#define BIG   65536

static char text[1 << 20], small[1 << 20], buf[BIG], vbuf[BIG];

/* Is off the start of a record of the file (a line of maps; a VMA's header line of smaps)? */
static int record_start(const char *t, size_t len, size_t off, int smaps)
{
    if (off == 0 || off >= len)
        return 1;
    if (t[off - 1] != '\n')
        return 0;
    return !smaps || (t[off] >= '0' && t[off] <= '9') || (t[off] >= 'a' && t[off] <= 'f');
}

static size_t record_end(const char *t, size_t len, size_t off, int smaps)
{
    do
        off++;
    while (!record_start(t, len, off, smaps));
    return off;
}

static void check(const char *path, int smaps)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        guest_die("open");
    size_t len = 0, nreads = 0, bad_end = 0, too_long = 0, not_full = 0;
    ssize_t n;
    while ((n = read(fd, buf, BIG)) > 0) {
        if (len + (size_t)n > sizeof(text))
            guest_die("text too long");
        memcpy(text + len, buf, (size_t)n);
        len += (size_t)n;
        nreads++;
        if (n >= (ssize_t)GUEST_PAGE)
            too_long++;
    }
    if (n < 0)
        guest_die("read");
    close(fd);
    /* walk the reads again from the text: each must end at a record's end, and the next record
     * must not have fitted in the page beside it (seq_read fills while records fit) */
    fd = open(path, O_RDONLY);
    size_t off = 0;
    while ((n = read(fd, buf, BIG)) > 0) {
        size_t end = off + (size_t)n;
        if (!record_start(text, len, end, smaps))
            bad_end++;
        else if (end < len && record_end(text, len, end, smaps) - off < GUEST_PAGE)
            not_full++;
        off = end;
    }
    close(fd);
    /* the same file, a byte at a time */
    fd = open(path, O_RDONLY);
    size_t slen = 0;
    while (slen < sizeof(small) && read(fd, small + slen, 1) == 1)
        slen++;
    close(fd);
    fd = open(path, O_RDONLY);
    n = read(fd, buf, 100);
    close(fd);
    /* readv: seq_file has ->read alone, read segment by segment, stopping at a short one */
    fd = open(path, O_RDONLY);
    ssize_t one = read(fd, buf, BIG / 2);
    close(fd);
    fd = open(path, O_RDONLY);
    struct iovec iov[2] = {{vbuf, BIG / 2}, {vbuf + BIG / 2, BIG / 2}};
    ssize_t vec = readv(fd, iov, 2);
    close(fd);
    printf("%s: longer than 2 pages: %s\n", path, len > 2 * GUEST_PAGE ? "yes" : "no");
    printf("%s: more than one read: %s\n", path, nreads > 2 ? "yes" : "no");
    printf("%s: reads of a page or more: %zu\n", path, too_long);
    printf("%s: reads not ending at a record's end: %zu\n", path, bad_end);
    printf("%s: reads that left room for the next record: %zu\n", path, not_full);
    printf("%s: same text as 1-byte reads: %s\n", path,
           slen == len && !memcmp(small, text, len) ? "yes" : "no");
    printf("%s: a 100-byte read returns %zd\n", path, n);
    printf("%s: readv of two 32 KiB segments returns what one read does: %s\n", path,
           vec == one && !memcmp(vbuf, buf, (size_t)one) ? "yes" : "no");
}

int main(void)
{
    /* every buffer written first, so that smaps' Rss lines stay the same from read to read */
    memset(text, 1, sizeof(text));
    memset(small, 1, sizeof(small));
    memset(buf, 1, sizeof(buf));
    memset(vbuf, 1, sizeof(vbuf));
    for (int i = 0; i < NVMAS; i++) {
        int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
        void *want = (void *)(0x80000000UL + (unsigned long)i * 2 * GUEST_PAGE);
        if (mmap(want, GUEST_PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                 0) != want)
            guest_die("mmap");
    }
    check("/proc/self/maps", 0);
    check("/proc/self/smaps", 1);
    return 0;
}
