/*
 * mmap_flags - mmap's flag checks and placements, against the host kernel:
 *   a shared writable mapping of an O_APPEND fd is allowed (only an append-only inode is
 *   refused) and its stores reach the file; MAP_HUGETLB is ENOMEM for anonymous memory (no
 *   huge pages reserved) and EINVAL for a file that is not on hugetlbfs; MAP_SHARED_VALIDATE
 *   refuses flags outside the legacy set with EOPNOTSUPP (MAP_SYNC: no DAX) and is EINVAL for
 *   anonymous memory, as MAP_SHARED|MAP_GROWSDOWN is; MAP_32BIT places the mapping in
 *   [1 GiB, 2 GiB); mlock of a PROT_NONE mapping is ENOMEM, with MLOCK_ONFAULT fine.
 * Until 2026-12-07 faultline refused the O_APPEND mapping, accepted every other case here but
 * the last, placed MAP_32BIT mappings anywhere and let mlock of PROT_NONE succeed.
 */
#define _GNU_SOURCE
#include "guest.h"

#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB 0x40000
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#define P GUEST_PAGE

static void *try_map(const char *what, size_t len, int prot, int flags, int fd)
{
    void *p = mmap(NULL, len, prot, flags, fd, 0);
    printf("%s: %s\n", what, p == MAP_FAILED ? guest_errno_name(errno) : "mapped");
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]))
        guest_die("chdir");
    int fd = open("f.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int app = open("f.bin", O_RDWR | O_APPEND), zero = open("/dev/zero", O_RDWR);
    if (fd < 0 || app < 0 || zero < 0 || ftruncate(fd, 2 * P))
        guest_die("setup");

    char *a = try_map("O_APPEND fd, shared writable", P, PROT_READ | PROT_WRITE, MAP_SHARED, app);
    if (a != MAP_FAILED) {
        memcpy(a + 10, "appended", 8);
        msync(a, P, MS_SYNC);
        char buf[9] = {0};
        if (pread(fd, buf, 8, 10) != 8)
            guest_die("pread");
        printf("file reads %s\n", buf);
    }

    try_map("hugetlb anonymous", 2 << 20, PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
    try_map("hugetlb file", 2 << 20, PROT_READ, MAP_PRIVATE | MAP_HUGETLB, fd);
    try_map("hugetlb /dev/zero", 2 << 20, PROT_READ, MAP_PRIVATE | MAP_HUGETLB, zero);

    try_map("shared_validate file", P, PROT_READ, MAP_SHARED_VALIDATE, fd);
    try_map("shared_validate MAP_SYNC", P, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd);
    try_map("shared_validate unknown flag", P, PROT_READ, MAP_SHARED_VALIDATE | 0x200000, fd);
    try_map("shared unknown flag", P, PROT_READ, MAP_SHARED | 0x200000, fd);
    try_map("shared_validate anonymous", P, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1);
    try_map("shared anonymous growsdown", P, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN,
            -1);

    char *b = try_map("32bit", 4 * P, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1);
    if (b != MAP_FAILED) {
        b[0] = 1;
        printf("32bit in [1 GiB, 2 GiB): %d\n",
               (unsigned long)b >= 0x40000000UL && (unsigned long)b + 4 * P <= 0x80000000UL);
    }

    char *n = mmap(NULL, 2 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (n == MAP_FAILED)
        guest_die("mmap none");
    printf("mlock PROT_NONE: %s\n", mlock(n, 2 * P) ? guest_errno_name(errno) : "ok");
    printf("mlock2 onfault PROT_NONE: %s\n",
           syscall(325 /* mlock2 */, n, 2 * P, MLOCK_ONFAULT) ? guest_errno_name(errno) : "ok");
    return 0;
}
