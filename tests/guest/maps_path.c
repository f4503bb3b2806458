/*
 * maps_path - the name /proc/self/maps gives a file mapping is the path of the file the mapping
 * was made through (Linux's d_path of vma->vm_file), not the name the file had when it was first
 * mapped. A linker writes its output under a temporary name and renames it (lld, through a
 * shared mapping); a build then hard-links it elsewhere (cargo). Each step below maps the file
 * again and prints the names maps shows for the file's VMAs, relative to DIR:
 *   first       the file mapped under its first name, then unmapped and closed
 *   renamed     renamed, then mapped under its new name
 *   hard link   a hard link to it mapped while the renamed name's mapping stays
 *   moved       renamed while mapped (both mappings follow: d_path is the dentry's name now)
 *   unlinked    the moved name unlinked while mapped (" (deleted)"; the link's stays)
 *   shm         a POSIX shared memory object mapped, then shm_unlink'd while mapped
 *               (/dev/shm/NAME (deleted): the common way to hand memory to another process)
 * usage: maps_path DIR (a scratch directory)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG 4096UL

static const char *dir;

static void show(const char *what, const struct stat *st)
{
    char line[4608];
    FILE *f = fopen("/proc/self/maps", "r");
    size_t dl = strlen(dir);
    printf("%s:", what);
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long s, e, off, ino;
        unsigned maj, min;
        char perms[8];
        int name = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &s, &e, perms, &off, &maj, &min, &ino,
                   &name) < 7 ||
            ino != (unsigned long)st->st_ino || !name)
            continue;
        char *p = line + name;
        p[strcspn(p, "\n")] = 0;
        if (strncmp(p, dir, dl) == 0 && p[dl] == '/')
            p += dl + 1;
        printf(" %s", p);
    }
    printf("\n");
    if (f)
        fclose(f);
}

static void *map(const char *name, struct stat *st)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    void *p = fd < 0 ? MAP_FAILED : mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED || fstat(fd, st)) {
        perror(path);
        exit(1);
    }
    close(fd);
    return p;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: maps_path DIR\n");
        return 2;
    }
    dir = argv[1];
    char a[4096], b[4096], c[4096];
    snprintf(a, sizeof(a), "%s/out.tmp1234", dir);
    snprintf(b, sizeof(b), "%s/out", dir);
    snprintf(c, sizeof(c), "%s/linked", dir);
    unlink(a);
    unlink(b);
    unlink(c);
    int fd = open(a, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4 * PG)) {
        perror(a);
        return 1;
    }
    close(fd);

    struct stat st;
    void *p = map("out.tmp1234", &st);
    show("first", &st);
    munmap(p, PG);

    if (rename(a, b)) {
        perror("rename");
        return 1;
    }
    void *q = map("out", &st);
    show("renamed", &st);

    if (link(b, c)) {
        perror("link");
        return 1;
    }
    void *r = map("linked", &st);
    show("hard link", &st);

    char d[4096];
    snprintf(d, sizeof(d), "%s/moved", dir);
    if (rename(b, d)) {
        perror("rename");
        return 1;
    }
    show("moved", &st);
    unlink(d);
    show("unlinked", &st);
    munmap(q, PG);
    munmap(r, PG);
    unlink(c);

    char shm[64];
    snprintf(shm, sizeof(shm), "/maps_path.%d", (int)getpid());
    int sfd = shm_open(shm, O_RDWR | O_CREAT | O_EXCL, 0600);
    void *s =
        sfd < 0 || ftruncate(sfd, PG) ? MAP_FAILED : mmap(NULL, PG, PROT_READ, MAP_SHARED, sfd, 0);
    if (s == MAP_FAILED || fstat(sfd, &st)) {
        perror("shm_open");
        return 1;
    }
    close(sfd);
    shm_unlink(shm);
    /* print the name without the pid, which differs between the runs */
    char line[4608];
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof(line), f)) {
        char *n = strstr(line, "/dev/shm/maps_path.");
        if (n)
            printf("shm: /dev/shm/maps_path.PID%s", n + 19 + strspn(n + 19, "0123456789"));
    }
    if (f)
        fclose(f);
    munmap(s, PG);
    return 0;
}
