/*
 * remap_pages.c DIR - remap_file_pages(2), which 4.20 emulates by mapping the range again at
 * the new offset (stress-ng --remap reverses and shuffles pages this way).
 *
 * A shared mapping of an 8-page file in DIR and a shared anonymous one, each page marked with
 * its offset: pages remapped one by one in reverse order read the other end's marks, a write
 * through a remapped page lands in the file at its new offset, and the calls Linux refuses
 * (prot not 0, a private mapping, an unmapped range, a range over a hole) are EINVAL. Until
 * 2026-12-07 faultline had no remap_file_pages (ENOSYS). No fault rows of interest.
 */
#include <sys/syscall.h>

#include "guest.h"

#define NPAGES 8

static long remap(void *start, size_t size, int prot, size_t pgoff, int flags)
{
    return syscall(SYS_remap_file_pages, start, size, prot, pgoff, flags) ? errno : 0;
}

static void show(const char *what, const unsigned char *m)
{
    printf("%s:", what);
    for (int i = 0; i < NPAGES; i++)
        printf(" %d", m[i * GUEST_PAGE]);
    printf("\n");
}

static void reverse(const char *what, unsigned char *m)
{
    long bad = 0;
    for (int i = 0; i < NPAGES; i++)
        bad |= remap(m + i * GUEST_PAGE, GUEST_PAGE, 0, NPAGES - 1 - i, 0);
    printf("%s reversed: %ld\n", what, bad);
    show(what, m);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 100;
    char path[4096];
    snprintf(path, sizeof(path), "%s/remap_pages.dat", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, NPAGES * GUEST_PAGE))
        guest_die("file");
    unsigned char *f = mmap(NULL, NPAGES * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *a =
        mmap(NULL, NPAGES * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (f == MAP_FAILED || a == MAP_FAILED)
        guest_die("mmap");
    for (int i = 0; i < NPAGES; i++)
        f[i * GUEST_PAGE] = a[i * GUEST_PAGE] = (unsigned char)(10 + i);

    reverse("file", f);
    reverse("shared anonymous", a);

    /* a write through the remapped first page goes to the file's last page */
    f[0] = 99;
    unsigned char b = 0;
    if (pread(fd, &b, 1, (NPAGES - 1) * GUEST_PAGE) != 1)
        guest_die("pread");
    printf("file's last page after a write through the first: %d\n", b);

    /* two pages at once, back to where they were */
    printf("two pages: %ld\n", remap(f, 2 * GUEST_PAGE, 0, 0, 0));
    show("file", f);

    /* what Linux refuses */
    printf("prot not 0: %s\n", remap(f, GUEST_PAGE, PROT_READ, 0, 0) == EINVAL ? "EINVAL" : "?");
    unsigned char *priv = mmap(NULL, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (priv == MAP_FAILED)
        guest_die("mmap private");
    printf("private mapping: %s\n", remap(priv, GUEST_PAGE, 0, 1, 0) == EINVAL ? "EINVAL" : "?");
    munmap(priv, 2 * GUEST_PAGE);
    printf("unmapped range: %s\n", remap(priv, GUEST_PAGE, 0, 1, 0) == EINVAL ? "EINVAL" : "?");
    if (munmap(f + 2 * GUEST_PAGE, GUEST_PAGE))
        guest_die("munmap");
    printf("over a hole: %s\n", remap(f, 4 * GUEST_PAGE, 0, 0, 0) == EINVAL ? "EINVAL" : "?");
    return 0;
}
