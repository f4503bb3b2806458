/*
 * memfd_seal.c - memfd seals against the process's own mappings (stress-ng --seal).
 *
 * F_SEAL_SHRINK and F_SEAL_GROW stop ftruncate (EPERM); F_SEAL_WRITE while the memfd is mapped
 * shared and writable is EBUSY (4.20's mapping_deny_writable), also from a forked child's
 * mapping and from a read-only shared one (VM_SHARED: the file is open for writing), and
 * succeeds once only private mappings are left; then a write is EPERM and so is a new shared
 * writable mapping, while a private one works. Until 2026-12-07 the mappings were only the model's,
 * which the host memfd does not see: F_SEAL_WRITE succeeded under a live mapping and a shared
 * writable mmap of the sealed file was allowed. No fault rows of interest.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "guest.h"

static const char *res(int r)
{
    static char buf[32];
    if (r == 0)
        return "ok";
    snprintf(buf, sizeof(buf), "%s",
             errno == EBUSY   ? "EBUSY"
             : errno == EPERM ? "EPERM"
                              : strerror(errno));
    return buf;
}

static const char *map_res(void *p)
{
    return p == MAP_FAILED ? res(-1) : "ok";
}

int main(void)
{
    int fd = memfd_create("seal-test", MFD_ALLOW_SEALING);
    if (fd < 0)
        guest_die("memfd_create");
    if (ftruncate(fd, 2 * GUEST_PAGE))
        guest_die("ftruncate");
    printf("seal shrink: %s\n", res(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK)));
    printf("shrink: %s\n", res(ftruncate(fd, GUEST_PAGE)));
    printf("seal grow: %s\n", res(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW)));
    printf("grow: %s\n", res(ftruncate(fd, 3 * GUEST_PAGE)));

    char *w = mmap(NULL, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char *r = mmap(NULL, GUEST_PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED || r == MAP_FAILED)
        guest_die("mmap");
    memset(w, 'x', 2 * GUEST_PAGE);
    printf("seal write while mapped writable: %s\n", res(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
    if (munmap(w, 2 * GUEST_PAGE))
        guest_die("munmap");

    /* a child's shared writable mapping counts too */
    int up[2], down[2]; /* child to parent, parent to child */
    if (pipe(up) || pipe(down))
        guest_die("pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        char *c = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        char go;
        if (c == MAP_FAILED || write(up[1], "m", 1) != 1 || read(down[0], &go, 1) != 1)
            _exit(100);
        _exit(c[0] == 'x' ? 0 : 1);
    }
    char got;
    if (read(up[0], &got, 1) != 1)
        guest_die("read");
    printf("seal write while a child maps it writable: %s\n",
           res(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
    if (write(down[1], "g", 1) != 1)
        guest_die("write");
    printf("child: %d\n", guest_reap(pid));

    /* a read-only shared mapping of a file open for writing is VM_SHARED: it counts */
    printf("seal write with a read-only shared mapping left: %s\n",
           res(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
    if (munmap(r, GUEST_PAGE))
        guest_die("munmap");
    char *keep = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (keep == MAP_FAILED)
        guest_die("mmap private");
    printf("seal write with only a private mapping left: %s\n",
           res(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE)));
    printf("seals: %#x\n", fcntl(fd, F_GET_SEALS));
    printf("write: %s\n", res(write(fd, "y", 1) == 1 ? 0 : -1));
    printf("shared writable mmap: %s\n",
           map_res(mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)));
    /* a read-only shared one is made without write rights (Linux 6.7; 4.20 refused it) */
    char *ro = mmap(NULL, GUEST_PAGE, PROT_READ, MAP_SHARED, fd, 0);
    printf("shared read-only mmap: %s\n", map_res(ro));
    if (ro != MAP_FAILED)
        printf("mprotect it writable: %s\n", res(mprotect(ro, GUEST_PAGE, PROT_READ | PROT_WRITE)));
    char *priv = mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    printf("private writable mmap: %s\n", map_res(priv));
    if (priv != MAP_FAILED) {
        priv[0] = 'p';
        char f0 = 0;
        if (pread(fd, &f0, 1, 0) != 1)
            guest_die("pread");
        printf("private copy: %c, file: %c\n", priv[0], f0);
    }
    return 0;
}
