/*
 * dev_zero_map - mmap of /dev/zero (drivers/char/mem.c's mmap_zero): a private mapping is
 * anonymous memory (zero-filled, copy-on-write across fork), a shared one is shared anonymous
 * memory that a child's stores reach ("/dev/zero (deleted)" in /proc/self/maps); the fd's
 * open mode is checked as for any file (EACCES), and a device without mmap (/dev/null) is
 * ENODEV. Until 2026-12-07 faultline refused every /dev/zero mapping with ENODEV.
 */
#include "guest.h"

static void try_map(const char *what, int fd, int prot, int flags)
{
    void *p = mmap(NULL, GUEST_PAGE, prot, flags, fd, 0);
    if (p == MAP_FAILED) {
        printf("%s: %s\n", what, guest_errno_name(errno));
        return;
    }
    printf("%s: mapped, reads %d\n", what, ((volatile char *)p)[0]);
    munmap(p, GUEST_PAGE);
}

int main(void)
{
    int rw = open("/dev/zero", O_RDWR), ro = open("/dev/zero", O_RDONLY);
    int wo = open("/dev/zero", O_WRONLY), null = open("/dev/null", O_RDWR);
    if (rw < 0 || ro < 0 || wo < 0 || null < 0)
        guest_die("open");

    /* private: zero pages, written privately; a child's stores stay in the child */
    size_t len = 16 * GUEST_PAGE;
    unsigned char *priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, rw, 0);
    if (priv == MAP_FAILED) {
        printf("private: %s\n", guest_errno_name(errno));
        return 1;
    }
    unsigned sum = 0;
    for (size_t i = 0; i < len; i += 512)
        sum += priv[i];
    printf("private: sum of fresh pages %u\n", sum);
    for (size_t i = 0; i < len; i += GUEST_PAGE)
        priv[i] = (unsigned char)(i / GUEST_PAGE + 1);
    pid_t pid = fork();
    if (pid == 0) {
        priv[0] = 99;
        _exit(priv[GUEST_PAGE]);
    }
    printf("private: child saw %d, parent keeps %d\n", guest_reap(pid), priv[0]);

    /* shared: one object for parent and child */
    unsigned char *shr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
    if (shr == MAP_FAILED) {
        printf("shared: %s\n", guest_errno_name(errno));
        return 1;
    }
    printf("shared: fresh %d, in maps as /dev/zero (deleted): %d\n", shr[5 * GUEST_PAGE],
           guest_maps_lines("/dev/zero (deleted)"));
    pid = fork();
    if (pid == 0) {
        for (size_t i = 0; i < len; i += GUEST_PAGE)
            shr[i] = (unsigned char)(0x40 + i / GUEST_PAGE);
        _exit(0);
    }
    guest_reap(pid);
    printf("shared: parent sees %d %d %d\n", shr[0], shr[7 * GUEST_PAGE], shr[15 * GUEST_PAGE]);

    /* the fd's mode */
    try_map("read-only fd, shared writable", ro, PROT_READ | PROT_WRITE, MAP_SHARED);
    try_map("read-only fd, shared read-only", ro, PROT_READ, MAP_SHARED);
    try_map("read-only fd, private writable", ro, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    try_map("write-only fd, private", wo, PROT_READ, MAP_PRIVATE);
    try_map("write-only fd, shared", wo, PROT_WRITE, MAP_SHARED);
    try_map("/dev/null", null, PROT_READ, MAP_PRIVATE);
    return 0;
}
