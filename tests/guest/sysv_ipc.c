/*
 * sysv_ipc: System V semaphores and message queues, compared with a native run. A parent and
 * a forked child wait for each other through a semaphore and through a queue; a SEM_UNDO hold
 * released by the holder's exit wakes a waiter; IPC_NOWAIT's EAGAIN and ENOMSG; semtimedop's
 * timeout; EINTR for a semop interrupted by a SA_RESTART handler (semop is never restarted);
 * IPC_RMID waking a waiter with EIDRM; msgrcv by type (0, > 0, < 0, MSG_EXCEPT), E2BIG without
 * MSG_NOERROR, also for a receiver already waiting; a full queue parking its sender. Only
 * IPC_PRIVATE objects, all removed at the end, so a native run leaves nothing behind.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>

union semun {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

struct msgbuf16 {
    long mtype;
    char mtext[16];
};

static const char *err(long r)
{
    return r < 0 ? strerror(errno) : "ok";
}

static void out(const char *fmt, const char *a, long v)
{
    printf(fmt, a, v);
    fflush(stdout);
}

static int sem(int id, int num, int op, int flg)
{
    struct sembuf b = {.sem_num = (unsigned short)num, .sem_op = (short)op, .sem_flg = (short)flg};
    return semop(id, &b, 1);
}

static int getval(int id, int num)
{
    return semctl(id, num, GETVAL);
}

/* Until n tasks sleep on semaphore num waiting for it to grow (GETNCNT). */
static void wait_ncnt(int id, int num, int n)
{
    for (int i = 0; i < 5000 && semctl(id, num, GETNCNT) != n; i++)
        usleep(1000);
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void semaphores(void)
{
    union semun arg;
    int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    if (id < 0)
        guest_die("semget");

    /* values, errors */
    arg.val = 5;
    long r = semctl(id, 0, SETVAL, arg);
    out("%s SETVAL: %ld\n", err(r), getval(id, 0));
    arg.val = 40000;
    out("%s: SETVAL 40000 %ld\n", err(semctl(id, 0, SETVAL, arg)), 0);
    out("%s: GETVAL semnum 3 %ld\n", err(semctl(id, 3, GETVAL)), 0);
    out("%s: semop IPC_NOWAIT on 0 %ld\n", err(sem(id, 1, -1, IPC_NOWAIT)), 0);
    out("%s: semop semnum 7 %ld\n", err(sem(id, 7, 1, 0)), 0);
    out("%s: semop nsops 0 %ld\n", err(semop(id, NULL, 0)), 0);
    struct sembuf two[2] = {{0, -2, 0}, {2, 3, 0}};
    r = semop(id, two, 2);
    out("%s two ops, sem 2 = %ld\n", err(r), getval(id, 2));
    unsigned short all[3];
    arg.array = all;
    semctl(id, 0, GETALL, arg);
    printf("GETALL %u %u %u\n", all[0], all[1], all[2]);
    all[0] = 0, all[1] = 0, all[2] = 0;
    r = semctl(id, 0, SETALL, arg);
    out("%s SETALL zeros, sem 0 = %ld\n", err(r), getval(id, 0));
    struct semid_ds ds;
    arg.buf = &ds;
    semctl(id, 0, IPC_STAT, arg);
    printf("IPC_STAT nsems %lu mode %o\n", (unsigned long)ds.sem_nsems, ds.sem_perm.mode & 0777);

    /* semtimedop: the timeout passes; a zero timeout; a bad one */
    struct timespec ts = {0, 50 * 1000 * 1000};
    struct sembuf down = {1, -1, 0};
    out("%s: semtimedop 50 ms %ld\n", err(semtimedop(id, &down, 1, &ts)), 0);
    ts.tv_nsec = 0;
    out("%s: semtimedop 0 %ld\n", err(semtimedop(id, &down, 1, &ts)), 0);
    ts.tv_nsec = 2000000000;
    out("%s: semtimedop bad timeout %ld\n", err(semtimedop(id, &down, 1, &ts)), 0);

    /* ping-pong: the parent sleeps on sem 0 until the child ups it, then the child on sem 1 */
    pid_t c = fork();
    if (c == 0) {
        wait_ncnt(id, 0, 1);
        out("child: %s, parent waits on sem 0: ncnt %ld\n", "ok", semctl(id, 0, GETNCNT));
        sem(id, 0, 1, 0);
        r = sem(id, 1, -1, 0);
        out("child: %s sem 1 %ld\n", err(r), getval(id, 1));
        _exit(0);
    }
    r = sem(id, 0, -1, 0);
    out("parent: %s sem 0 %ld\n", err(r), getval(id, 0));
    /* the child's semop did the parent's on its behalf: the parent's pid is the last */
    out("parent: sempid is %s %ld\n",
        semctl(id, 0, GETPID) == getpid() ? "the parent's"
        : semctl(id, 0, GETPID) == c      ? "the child's"
                                          : "another",
        0);
    wait_ncnt(id, 1, 1);
    sem(id, 1, 1, 0);
    out("parent: child exit %s %ld\n", "", guest_reap(c));

    /* SEM_UNDO: the child holds sem 2 (value 1) and exits holding it; the parent, sleeping on
     * it meanwhile, gets it when the exit undoes the hold */
    arg.val = 1;
    semctl(id, 2, SETVAL, arg);
    c = fork();
    if (c == 0) {
        sem(id, 2, -1, SEM_UNDO);
        sem(id, 0, 1, 0); /* tell the parent it holds it */
        wait_ncnt(id, 2, 1);
        _exit(3);
    }
    sem(id, 0, -1, 0);
    out("parent: child holds sem 2: %s %ld\n", "value", getval(id, 2));
    r = sem(id, 2, -1, 0);
    out("parent: %s sem 2 after the child's exit %ld\n", err(r), getval(id, 2));
    out("parent: child exit %s %ld\n", "", guest_reap(c));
    sem(id, 2, 1, 0);
    c = fork();
    if (c == 0) {
        sem(id, 2, 1, SEM_UNDO);
        sem(id, 2, 1, SEM_UNDO);
        _exit(0);
    }
    guest_reap(c);
    out("%s: sem 2 after a child's undone +2 %ld\n", "ok", getval(id, 2));

    /* a handler interrupts a semop: EINTR even with SA_RESTART */
    c = fork();
    if (c == 0) {
        struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
        sigaction(SIGUSR1, &sa, NULL);
        out("child: %s: semop through a SA_RESTART handler %ld\n", err(sem(id, 1, -1, 0)), 0);
        out("child: waiters left %s %ld\n", "", semctl(id, 1, GETNCNT));
        _exit(0);
    }
    wait_ncnt(id, 1, 1);
    kill(c, SIGUSR1);
    guest_reap(c);

    /* IPC_RMID wakes a sleeper with EIDRM */
    c = fork();
    if (c == 0) {
        struct sembuf z = {0, 0, 0}, d = {1, -1, 0};
        sem(id, 0, 1, 0);
        out("child: %s: semop on a removed set %ld\n", err(semop(id, &d, 1)), 0);
        out("child: %s: semop after %ld\n", err(semop(id, &z, 1)), 0);
        _exit(0);
    }
    wait_ncnt(id, 1, 1);
    r = semctl(id, 0, IPC_RMID);
    int st = guest_reap(c); /* then print: the child's lines come first */
    out("%s IPC_RMID, child exit %ld\n", err(r), st);
}

static long rcv(int id, struct msgbuf16 *m, size_t sz, long type, int flg)
{
    memset(m, 0, sizeof(*m));
    return msgrcv(id, m, sz, type, flg);
}

static void snd(int id, long type, const char *text)
{
    struct msgbuf16 m = {.mtype = type};
    strncpy(m.mtext, text, sizeof(m.mtext));
    if (msgsnd(id, &m, strlen(text), 0) < 0)
        guest_die("msgsnd");
}

static void print_rcv(const char *who, long r, const struct msgbuf16 *m)
{
    if (r < 0)
        printf("%s: %s\n", who, strerror(errno));
    else
        printf("%s: type %ld, %ld bytes \"%.*s\"\n", who, m->mtype, r, (int)r, m->mtext);
    fflush(stdout);
}

static void queues(void)
{
    struct msgbuf16 m;
    struct msqid_ds ds;
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int sid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    if (id < 0 || sid < 0)
        guest_die("msgget");

    print_rcv("empty, IPC_NOWAIT", rcv(id, &m, 16, 0, IPC_NOWAIT), &m);
    m.mtype = 0;
    out("%s: msgsnd type 0 %ld\n", err(msgsnd(id, &m, 1, 0)), 0);
    out("%s: msgsnd 9000 bytes %ld\n", err(msgsnd(id, &m, 9000, 0)), 0);
    snd(id, 3, "three");
    snd(id, 1, "one");
    snd(id, 2, "two");
    snd(id, 1, "one again");
    msgctl(id, IPC_STAT, &ds);
    printf("IPC_STAT qnum %lu cbytes %lu qbytes %lu\n", (unsigned long)ds.msg_qnum,
           (unsigned long)ds.__msg_cbytes, (unsigned long)ds.msg_qbytes);
    print_rcv("type 2", rcv(id, &m, 16, 2, 0), &m);
    print_rcv("type -3", rcv(id, &m, 16, -3, 0), &m);
    print_rcv("type 4, IPC_NOWAIT", rcv(id, &m, 16, 4, IPC_NOWAIT), &m);
    print_rcv("except 3", rcv(id, &m, 16, 3, MSG_EXCEPT), &m);
    print_rcv("4-byte buffer", rcv(id, &m, 4, 0, 0), &m);
    print_rcv("4-byte buffer, MSG_NOERROR", rcv(id, &m, 4, 0, MSG_NOERROR), &m);
    msgctl(id, IPC_STAT, &ds);
    printf("IPC_STAT qnum %lu cbytes %lu\n", (unsigned long)ds.msg_qnum,
           (unsigned long)ds.__msg_cbytes);

    /* a receiver waiting for type 5 gets it, not the 4 sent first */
    pid_t c = fork();
    if (c == 0) {
        semop(sid, &(struct sembuf){0, 1, 0}, 1);
        print_rcv("child, type 5", rcv(id, &m, 16, 5, 0), &m);
        _exit(0);
    }
    semop(sid, &(struct sembuf){0, -1, 0}, 1);
    usleep(100 * 1000); /* the child sleeps in msgrcv */
    snd(id, 4, "four");
    snd(id, 5, "five");
    guest_reap(c);
    print_rcv("parent, any", rcv(id, &m, 16, 0, IPC_NOWAIT), &m);

    /* a waiting receiver whose buffer is too small is told E2BIG; the message stays */
    c = fork();
    if (c == 0) {
        semop(sid, &(struct sembuf){0, 1, 0}, 1);
        print_rcv("child, 2-byte buffer", rcv(id, &m, 2, 0, 0), &m);
        _exit(0);
    }
    semop(sid, &(struct sembuf){0, -1, 0}, 1);
    usleep(100 * 1000);
    snd(id, 6, "six!");
    guest_reap(c);
    print_rcv("parent, any", rcv(id, &m, 16, 0, IPC_NOWAIT), &m);

    /* a full queue: IPC_NOWAIT fails, a sender sleeps until a receive makes room */
    ds.msg_qbytes = 8;
    out("%s IPC_SET qbytes %ld\n", err(msgctl(id, IPC_SET, &ds)), 8);
    snd(id, 7, "12345678");
    struct msgbuf16 big = {.mtype = 8, .mtext = "x"};
    out("%s: msgsnd to a full queue, IPC_NOWAIT %ld\n", err(msgsnd(id, &big, 1, IPC_NOWAIT)), 0);
    c = fork();
    if (c == 0) {
        semop(sid, &(struct sembuf){0, 1, 0}, 1);
        /* says how it went by its exit status: its output would race with the parent's */
        _exit(msgsnd(id, &big, 1, 0) == 0 ? 0 : errno);
    }
    semop(sid, &(struct sembuf){0, -1, 0}, 1);
    usleep(100 * 1000);
    print_rcv("parent, makes room", rcv(id, &m, 16, 0, 0), &m);
    out("child: msgsnd to a full queue, exit %s%ld\n", "", guest_reap(c));
    print_rcv("parent, the child's", rcv(id, &m, 16, 0, IPC_NOWAIT), &m);

    /* IPC_RMID wakes a receiver with EIDRM */
    c = fork();
    if (c == 0) {
        semop(sid, &(struct sembuf){0, 1, 0}, 1);
        print_rcv("child, queue removed", rcv(id, &m, 16, 0, 0), &m);
        print_rcv("child, after", rcv(id, &m, 16, 0, 0), &m);
        _exit(0);
    }
    semop(sid, &(struct sembuf){0, -1, 0}, 1);
    usleep(100 * 1000);
    long r = msgctl(id, IPC_RMID, NULL);
    int st = guest_reap(c);
    out("%s IPC_RMID, child exit %ld\n", err(r), st);
    out("%s: IPC_STAT after IPC_RMID %ld\n", err(msgctl(id, IPC_STAT, &ds)), 0);
    semctl(sid, 0, IPC_RMID);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    semaphores();
    queues();
    return 0;
}
