/*
 * sysv_shm: System V shared memory, compared with a native run. A private segment attached
 * twice and shared with a forked child (writes seen both ways), the attach count through
 * IPC_STAT, the segment's name in /proc/self/maps, a keyed segment (IPC_EXCL, ENOENT, a size
 * too big), IPC_RMID while attached, and the errors of bad calls. Every segment it makes is
 * removed, so a native run leaves nothing behind.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <errno.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIZE (64 * 1024)

static long nattch(int id)
{
    struct shmid_ds ds;
    return shmctl(id, IPC_STAT, &ds) < 0 ? -errno : (long)ds.shm_nattch;
}

static const char *err(long r)
{
    return r < 0 ? strerror(errno) : "ok";
}

/* The name /proc/self/maps gives the mapping at addr. */
static void maps_name(const char *what, const void *addr)
{
    char line[512], want[32];
    FILE *f = fopen("/proc/self/maps", "r");

    snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, want, strlen(want)) == 0) {
            char *name = strchr(line, '/');
            printf("%s: %s", what, name ? name : "(no name)\n");
        }
    if (f)
        fclose(f);
}

/* The segment's line in /proc/sysvipc/shm (ipcs -m reads it): perms, size, nattch. */
static void show_proc_line(int id, key_t key)
{
    char line[512];
    FILE *f = fopen("/proc/sysvipc/shm", "r");
    int found = 0;
    while (f && fgets(line, sizeof(line), f)) {
        int k, i;
        unsigned perms;
        unsigned long size, nattch;
        int cpid, lpid;
        if (sscanf(line, "%d %d %o %lu %d %d %lu", &k, &i, &perms, &size, &cpid, &lpid, &nattch) ==
                7 &&
            i == id && k == key) {
            printf("in /proc/sysvipc/shm: perms %o, size %lu, nattch %lu, created by me %s\n",
                   perms, size, nattch, cpid == getpid() ? "yes" : "no");
            found = 1;
        }
    }
    if (f)
        fclose(f);
    if (!found)
        printf("not in /proc/sysvipc/shm\n");
}

int main(void)
{
    int id = shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0600);
    if (id < 0)
        guest_die("shmget");
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) < 0)
        guest_die("IPC_STAT");
    printf("segment: size %zu, mode %o, creator is me: %s, attached %lu\n", (size_t)ds.shm_segsz,
           ds.shm_perm.mode & 0777, ds.shm_cpid == getpid() ? "yes" : "no",
           (unsigned long)ds.shm_nattch);

    char *a = shmat(id, NULL, 0);
    char *b = shmat(id, NULL, SHM_RDONLY);
    if (a == (void *)-1 || b == (void *)-1)
        guest_die("shmat");
    printf("attached twice: nattch %ld, same memory: ", nattch(id));
    strcpy(a, "parent wrote this");
    printf("%s\n", strcmp(b, "parent wrote this") == 0 ? "yes" : "no");
    maps_name("maps name", a);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child sees: %s; nattch %ld\n", b, nattch(id));
        strcpy(a + 4096, "child wrote this");
        fflush(stdout);
        _exit(0);
    }
    printf("child exit %d\n", guest_reap(pid));
    printf("parent sees: %s; nattch %ld\n", b + 4096, nattch(id));

    /* one call per statement: printf's arguments are evaluated in no set order */
    long r = shmdt(b);
    printf("shmdt b: %s, nattch %ld\n", err(r), nattch(id));
    printf("shmdt b again: %s\n", err(shmdt(b)));
    printf("shmdt unaligned: %s\n", err(shmdt(a + 1)));

    /* a keyed segment; the key includes the pid so parallel native runs do not collide */
    key_t key = 0x46000000 | (getpid() & 0xffffff);
    int k = shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0640);
    printf("keyed: %s\n", err(k));
    show_proc_line(k, key);
    /* what ipcs asks when /proc/sysvipc is not there: the limits, the use, each slot */
    struct shminfo lim = {0};
    int maxidx = shmctl(0, IPC_INFO, (struct shmid_ds *)&lim);
    printf("IPC_INFO: shmmni %lu, shmmin %lu, shmmax is SHMMAX %s\n", lim.shmmni, lim.shmmin,
           lim.shmmax == ~0UL - (1UL << 24) ? "yes" : "no");
    struct shm_info use = {0};
    printf("SHM_INFO: segments in use %s\n",
           shmctl(0, SHM_INFO, (struct shmid_ds *)&use) >= 0 && use.used_ids >= 2 ? ">= 2" : "?");
    int found = 0;
    for (int i = 0; i <= maxidx; i++)
        found |= shmctl(i, SHM_STAT, &ds) == k && ds.shm_segsz == 8192;
    printf("SHM_STAT finds the keyed segment: %s\n", found ? "yes" : "no");
    printf("same key, IPC_EXCL: %s\n", err(shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0640)));
    printf("same key again: same id %s\n", shmget(key, 4096, 0) == k ? "yes" : "no");
    printf("same key, bigger: %s\n", err(shmget(key, 3 * 8192, 0)));
    printf("other key without IPC_CREAT: %s\n", err(shmget(key ^ 0x800000, 8192, 0)));
    r = shmctl(k, IPC_RMID, NULL);
    printf("remove keyed: %s, then stat: %s\n", err(r), err(shmctl(k, IPC_STAT, &ds)));

    r = shmctl(id, IPC_RMID, NULL);
    printf("remove while attached: %s, still usable: %s, ", err(r), a[0] == 'p' ? "yes" : "no");
    printf("attached %ld, ", nattch(id));
    if (shmctl(id, IPC_STAT, &ds) == 0)
        printf("key %s, SHM_DEST %s\n", ds.shm_perm.__key == IPC_PRIVATE ? "private" : "kept",
               (ds.shm_perm.mode & SHM_DEST) ? "set" : "clear");
    r = shmdt(a);
    printf("last shmdt: %s, then stat: %s\n", err(r), err(shmctl(id, IPC_STAT, &ds)));
    printf("shmat of a bad id: %s\n", shmat(-1, NULL, 0) == (void *)-1 ? strerror(errno) : "ok");
    printf("shmget size 0: %s\n", err(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600)));
    return 0;
}
