/*
 * read_into_fresh [pipe|zero]: system calls that touch fresh user pages, so the faults are taken
 * in kernel mode (copy_from_user/copy_to_user, X86_PF_USER clear).
 *
 *   pipe (default): write(2) 2 fresh pages (src) into a pipe, then 1 page of a pattern the program
 *        wrote itself, then read(2) all 3 pages into 3 fresh pages (dst).
 *   zero: read(2) 3 pages of /dev/zero into 3 fresh pages (dst).
 *
 * Fault log (faults.py, pipe): in src exactly 2 faults, kernel mode, read, do_anonymous_page
 * (error 0); in dst exactly 3, kernel mode, write, do_anonymous_page (error 2). The program's own
 * reads of dst afterwards find the pages present: no further faults.
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "guest.h"

#define SRC_PAGES 2
#define DST_PAGES 3

static unsigned char pattern[GUEST_PAGE];

static void read_full(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r <= 0)
            guest_die("read");
        got += r;
    }
}

static void write_full(int fd, const unsigned char *buf, size_t len)
{
    size_t put = 0;
    while (put < len) {
        ssize_t r = write(fd, buf + put, len - put);
        if (r <= 0)
            guest_die("write");
        put += r;
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "pipe";
    size_t dlen = DST_PAGES * GUEST_PAGE;

    if (strcmp(mode, "zero") == 0) {
        unsigned char *dst = guest_map(0x230000000UL, dlen, PROT_READ | PROT_WRITE);
        guest_note("read_into_fresh", "dst", dst);
        guest_note("read_into_fresh", "dst_end", dst + dlen);
        int fd = open("/dev/zero", O_RDONLY);
        if (fd < 0)
            guest_die("open /dev/zero");
        read_full(fd, dst, dlen);
        close(fd);
        size_t nonzero = 0;
        for (size_t i = 0; i < dlen; i++)
            nonzero += dst[i] != 0;
        printf("zero: read %zu bytes, %zu non-zero\n", dlen, nonzero);
        return 0;
    }

    int fds[2];
    if (pipe2(fds, 0) != 0)
        guest_die("pipe2");
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (unsigned char)(i * 13 + 5);

    unsigned char *src = guest_map(0x231000000UL, SRC_PAGES * GUEST_PAGE, PROT_READ | PROT_WRITE);
    unsigned char *dst = guest_map(0x230000000UL, dlen, PROT_READ | PROT_WRITE);
    guest_note("read_into_fresh", "src", src);
    guest_note("read_into_fresh", "src_end", src + SRC_PAGES * GUEST_PAGE);
    guest_note("read_into_fresh", "dst", dst);
    guest_note("read_into_fresh", "dst_end", dst + dlen);

    write_full(fds[1], src, SRC_PAGES * GUEST_PAGE); /* kernel reads fresh pages */
    write_full(fds[1], pattern, sizeof(pattern));
    read_full(fds[0], dst, dlen); /* kernel writes fresh pages */

    unsigned long sum = 0;
    size_t nonzero = 0;
    for (size_t i = 0; i < dlen; i++) {
        sum = sum * 31 + dst[i];
        nonzero += dst[i] != 0;
    }
    printf("pipe: moved %zu bytes, %zu non-zero, checksum %lu\n", dlen, nonzero, sum);
    printf("pattern intact: %s\n",
           memcmp(dst + SRC_PAGES * GUEST_PAGE, pattern, sizeof(pattern)) == 0 ? "yes" : "no");
    return 0;
}
