/*
 * numa_maps: /proc/self/numa_maps for mappings this program makes at fixed addresses, compared
 * with a native run: the policy, the name (file=, heap, stack), and the counts of present pages
 * (anon, dirty, mapped, mapmax after a fork, N0, kernelpagesize_kB). Only the lines of its own
 * mappings are printed, and the heap's and stack's names; "active=" is left out: Linux 4.20 put
 * new anonymous pages on the active list, later kernels (multi-generational LRU) do not, and
 * the model's default replacement policy keeps no active list.
 *
 * usage: numa_maps DIR (a file of 8 pages is made there)
 */
#define _GNU_SOURCE
#include "guest.h"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ANON    0x260000000UL
#define SHARED  0x261000000UL
#define PRIVATE 0x262000000UL
#define LOCKED  0x263000000UL
#define FPAGES  8

static char buf[1 << 20];

/* The line of numa_maps for the VMA that starts at addr, without "active=N". */
static void show(const char *who, unsigned long addr)
{
    char head[32], line[512], out[512] = "";
    char *at, *end;

    guest_read_file("/proc/self/numa_maps", buf, sizeof(buf));
    snprintf(head, sizeof(head), "%lx ", addr);
    at = strstr(buf, head);
    if (!at || (at != buf && at[-1] != '\n')) {
        printf("%s: no line at %lx\n", who, addr);
        return;
    }
    end = strchr(at, '\n');
    snprintf(line, sizeof(line), "%.*s", end ? (int)(end - at) : (int)strlen(at), at);
    for (char *tok = strtok(line + strlen(head), " "); tok; tok = strtok(NULL, " "))
        if (strncmp(tok, "active=", 7)) {
            /* a file's path is the run's scratch directory: only its last part */
            char *slash = strncmp(tok, "file=", 5) ? NULL : strrchr(tok, '/');
            size_t n = strlen(out);
            snprintf(out + n, sizeof(out) - n, " %s%s", slash ? "file=.../" : "",
                     slash ? slash + 1 : tok);
        }
    printf("%s:%s\n", who, out);
}

/* Which lines are named heap and stack (whatever the C library mapped there). */
static void show_names(void)
{
    int heap = 0, stack = 0;

    guest_read_file("/proc/self/numa_maps", buf, sizeof(buf));
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        heap += memmem(l, n, " heap", 5) != NULL;
        stack += memmem(l, n, " stack", 6) != NULL;
    }
    printf("lines named heap: %d, stack: %d\n", heap, stack);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    char path[4096], page[GUEST_PAGE];
    volatile unsigned char sink = 0;

    unsigned char *a = guest_map(ANON, 16 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 12; i++)
        a[i * GUEST_PAGE] = (unsigned char)i;
    show("anon, 12 of 16 pages written", ANON);

    snprintf(path, sizeof(path), "%s/numa_maps.data", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        guest_die("open");
    memset(page, 'x', sizeof(page));
    for (int i = 0; i < FPAGES; i++)
        if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
            guest_die("write");
    if (fsync(fd))
        guest_die("fsync");
    unsigned char *s = mmap((void *)SHARED, FPAGES * GUEST_PAGE, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
    if (s == MAP_FAILED)
        guest_die("mmap shared");
    for (int i = 0; i < FPAGES; i++)
        sink += s[i * GUEST_PAGE];
    show("file, shared, 8 pages read", SHARED);
    s[0] = 1;
    s[GUEST_PAGE] = 1;
    show("... and 2 written", SHARED);

    unsigned char *q = mmap((void *)PRIVATE, FPAGES * GUEST_PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
    if (q == MAP_FAILED)
        guest_die("mmap private");
    for (int i = 0; i < FPAGES; i++)
        sink += q[i * GUEST_PAGE];
    for (int i = 0; i < 3; i++)
        q[(2 + i) * GUEST_PAGE] = 2;
    show("file, private, 8 read, 3 written", PRIVATE);

    unsigned char *l = guest_map(LOCKED, 4 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    if (mlock(l, 4 * GUEST_PAGE))
        printf("mlock: %s\n", guest_errno_name(errno));
    show("anon, 4 pages mlocked", LOCKED);

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        show("child: anon, shared with the parent", ANON);
        a[0] = 9; /* its own copy now */
        show("child: one page copied", ANON);
        show("child: file, shared", SHARED);
        fflush(stdout);
        _exit(0);
    }
    printf("child status %d\n", guest_reap(pid));
    show("parent, after the child", ANON);
    show_names();
    (void)sink;
    unlink(path);
    return 0;
}
