/*
 * cred_drop.c - a root process giving up its ids, as servers do for their workers (nginx's
 * `user nobody`, memcached -u nobody: setgroups, setgid, setuid in a forked child).
 *
 * Until 2026-12-07 faultline let a guest ask only for the ids it already had: everything else
 * was EPERM, nginx's workers exited with "setgid(65534) failed" and memcached with "failed to
 * assume identity of user nobody". Each child below prints its ids (get*id, /proc/self/status),
 * its capability sets as the uid changes move them, whom it may signal, whose IPC objects it
 * may use, what the host lets it do with files (a 0600 file of root's, access(2) with the real
 * ids, a file it creates), and what an execve keeps (AT_UID, the caps). Run by a user other
 * than root, every change to another id is EPERM on both sides.
 *
 *     cred_drop DIR      DIR: a scratch directory
 */
#define _GNU_SOURCE
#include <grp.h>
#include <mqueue.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include "guest.h"

#define NOBODY  65534
#define MQ_NAME "/fl_cred_drop_test"

static int root_shm, root_sem, root_msg; /* System V objects of root's, made before the fork */

static void ids(const char *when)
{
    uid_t r, e, s;
    gid_t gr, ge, gs, groups[8];
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    int n = getgroups(8, groups);
    printf("%s: uid %u %u %u fsuid %d gid %u %u %u fsgid %d groups", when, r, e, s, setfsuid(-1),
           gr, ge, gs, setfsgid(-1));
    for (int i = 0; i < n; i++)
        printf(" %u", groups[i]);
    printf("\n");
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) ||
            !strncmp(line, "Groups:", 7) || !strncmp(line, "CapPrm:", 7) ||
            !strncmp(line, "CapEff:", 7))
            printf("  %s", line);
    if (f)
        fclose(f);
}

static void files(const char *when)
{
    int fd = open("secret", O_RDONLY);
    printf("%s: open 0600 file of root's: %s\n", when, fd >= 0 ? "ok" : strerror(errno));
    if (fd >= 0)
        close(fd);
    /* access(2) asks with the real ids, eaccess with the effective ones */
    printf("%s: access: %s, eaccess: %s\n", when, access("secret", R_OK) ? strerror(errno) : "ok",
           faccessat(AT_FDCWD, "secret", R_OK, AT_EACCESS) ? strerror(errno) : "ok");
    fd = open("pub/mine", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0)
        printf("%s: created a file owned by %u:%u\n", when, st.st_uid, st.st_gid);
    else
        printf("%s: create: %s\n", when, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink("pub/mine");
}

static void result(const char *what, int r)
{
    printf("  %s: %s\n", what, r == 0 ? "ok" : strerror(errno));
}

/* nginx's worker: groups, gid, uid; then no way back; an exec keeps the ids */
static void drop_all(char *self)
{
    gid_t g = NOBODY;
    result("setgroups", setgroups(1, &g));
    result("setgid", setgid(NOBODY));
    result("setuid", setuid(NOBODY));
    ids("dropped");
    files("dropped");
    /* signals: not to a process of root's (kill_ok_by_cred), to its own group (the sender
     * itself may), and si_uid says who sent one */
    result("kill(parent, 0)", kill(getppid(), 0));
    result("kill(0, 0)", kill(0, 0));
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t me = getpid(), kid = fork();
    if (kid == 0)
        _exit(kill(me, SIGUSR1) ? 1 : 0);
    siginfo_t si;
    if (sigwaitinfo(&set, &si) == SIGUSR1)
        printf("  SIGUSR1 from a child: si_uid %u, si_code %d\n", si.si_uid, si.si_code);
    printf("  that child: status %d\n", guest_reap(kid));
    /* IPC objects: a new one is nobody's; a queue of root's mode 0600 is not for nobody */
    int q = msgget(IPC_PRIVATE, 0600);
    struct msqid_ds ds;
    if (q >= 0 && msgctl(q, IPC_STAT, &ds) == 0)
        printf("  msgget: owner %u:%u, creator %u:%u\n", ds.msg_perm.uid, ds.msg_perm.gid,
               ds.msg_perm.cuid, ds.msg_perm.cgid);
    msgctl(q, IPC_RMID, NULL);
    /* root's System V objects: a 0600 segment and queue, a 0644 semaphore set */
    result("shmat of root's 0600 segment", shmat(root_shm, NULL, SHM_RDONLY) == (void *)-1);
    struct shmid_ds sds;
    result("shmctl(IPC_STAT) of it", shmctl(root_shm, IPC_STAT, &sds));
    struct sembuf zero = {0, 0, IPC_NOWAIT}, up = {0, 1, IPC_NOWAIT};
    result("semop: wait for zero on root's 0644 set", semop(root_sem, &zero, 1));
    result("semop: add to it", semop(root_sem, &up, 1));
    result("semctl(SETVAL) on it", semctl(root_sem, 0, SETVAL, 5));
    printf("  semctl(GETVAL) on it: %d\n", semctl(root_sem, 0, GETVAL));
    result("msgsnd to root's 0600 queue", msgsnd(root_msg, &(struct {
                                                     long type;
                                                     char c;
                                                 }){1, 'x'},
                                                 1, IPC_NOWAIT));
    result("msgctl(IPC_RMID) of it", msgctl(root_msg, IPC_RMID, NULL));
    mqd_t m = mq_open(MQ_NAME, O_RDONLY);
    printf("  mq_open of root's 0600 queue: %s\n", m == (mqd_t)-1 ? strerror(errno) : "ok");
    result("mq_unlink of root's queue", mq_unlink(MQ_NAME));
    result("setuid(0) again", setuid(0));
    result("seteuid(0)", seteuid(0));
    fflush(stdout);
    execl(self, self, "exec", (char *)NULL);
    guest_die("execl");
}

/* seteuid away and back: the effective set goes and comes back from the permitted one */
static void effective_only(void)
{
    result("setresuid(-1, nobody, -1)", setresuid(-1, NOBODY, -1));
    ids("euid nobody");
    files("euid nobody");
    result("seteuid(0)", seteuid(0));
    ids("euid 0 again");
    result("setreuid(nobody, nobody)", setreuid(NOBODY, NOBODY));
    ids("setreuid");
}

/* the real uid only: access(2) says no where open says yes */
static void real_only(void)
{
    result("setresuid(nobody, -1, -1)", setresuid(NOBODY, -1, -1));
    ids("ruid nobody");
    files("ruid nobody");
}

/* setfsuid: only file access changes, and the file-system capabilities go while it is not 0 */
static void fs_only(void)
{
    printf("  setfsuid(nobody) returned %d\n", setfsuid(NOBODY));
    ids("fsuid nobody");
    files("fsuid nobody");
    printf("  setfsuid(0) returned %d\n", setfsuid(0));
    ids("fsuid 0 again");
    files("fsuid 0 again");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exec")) {
        printf("after exec: AT_UID %lu AT_EUID %lu AT_GID %lu\n", getauxval(AT_UID),
               getauxval(AT_EUID), getauxval(AT_GID));
        ids("after exec");
        return 0;
    }
    if (argc < 2 || chdir(argv[1]) < 0)
        guest_die("chdir to the scratch directory");
    int fd = open("secret", O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) < 0)
        guest_die("secret");
    if (mkdir("pub", 0777) < 0 && errno != EEXIST)
        guest_die("mkdir pub");
    chmod("pub", 0777);
    printf("as root: %s\n", getuid() == 0 ? "yes" : "no");
    root_shm = shmget(IPC_PRIVATE, 4096, 0600);
    root_sem = semget(IPC_PRIVATE, 1, 0644);
    root_msg = msgget(IPC_PRIVATE, 0600);
    if (root_shm < 0 || root_sem < 0 || root_msg < 0)
        guest_die("System V objects");
    mq_unlink(MQ_NAME);
    mqd_t m = mq_open(MQ_NAME, O_CREAT | O_RDWR, 0600, NULL);
    if (m == (mqd_t)-1)
        guest_die("mq_open");
    void (*cases[])(void) = {effective_only, fs_only, real_only};
    const char *names[] = {"effective only", "fsuid only", "real only"};
    for (int i = 0; i < 4; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            guest_die("fork");
        if (pid == 0) {
            printf("-- %s\n", i < 3 ? names[i] : "drop all");
            if (i < 3)
                cases[i]();
            else
                drop_all("/proc/self/exe");
            exit(0);
        }
        printf("child status %d\n", guest_reap(pid));
    }
    ids("parent");
    files("parent");
    mq_close(m);
    mq_unlink(MQ_NAME);
    shmctl(root_shm, IPC_RMID, NULL);
    semctl(root_sem, 0, IPC_RMID);
    msgctl(root_msg, IPC_RMID, NULL);
    unlink("secret");
    rmdir("pub");
    return 0;
}
