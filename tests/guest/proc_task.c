/* proc_task - /proc/self/task as a threaded program sees it: one directory per thread, each
 * with the thread's own stat (its id first, its own name and fault count) and status (Pid is
 * the thread, Tgid the process), while /proc/self/stat adds up the whole group. Prints facts
 * every kernel agrees on, never an id or a count itself. */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 200

static pthread_barrier_t touched, checked;
static pid_t worker_tid;

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = (pid_t)syscall(SYS_gettid);
    pthread_setname_np(pthread_self(), "toucher");
    char *p = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int i = 0; i < PAGES; i++)
        p[i * 4096] = 1;
    pthread_barrier_wait(&touched);
    pthread_barrier_wait(&checked);
    return NULL;
}

static long session_field, start_field; /* fields 6 and 22 of the last stat read */
static char state_field;                /* field 3 */

/* Fields 1 (id), 2 (comm) and 10 (minflt) of a stat file; 6 and 22 into the globals. */
static int read_stat(const char *path, long *id, char *comm, unsigned long *minflt)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof(buf), f))
        return -1;
    fclose(f);
    char *close = strrchr(buf, ')');
    if (!close)
        return -1;
    *id = strtol(buf, NULL, 10);
    char *open = strchr(buf, '(');
    snprintf(comm, 32, "%.*s", (int)(close - open - 1), open + 1);
    /* after ") ": state ppid pgrp session tty tpgid flags minflt, then up to starttime */
    char state;
    long skip;
    unsigned long flags;
    if (sscanf(close + 2, "%c %ld %ld %ld %ld %ld %lu %lu", &state, &skip, &skip, &session_field,
               &skip, &skip, &flags, minflt) != 8)
        return -1;
    state_field = state;
    const char *q = close + 2;
    for (int field = 3; field < 22 && q; field++) /* field 3 is state */
        if ((q = strchr(q, ' ')))
            q++;
    start_field = q ? strtol(q, NULL, 10) : -1;
    return 0;
}

static long status_field(const char *path, const char *name)
{
    char line[256];
    FILE *f = fopen(path, "r");
    long v = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, name, strlen(name)) == 0)
            v = strtol(line + strlen(name), NULL, 10);
    if (f)
        fclose(f);
    return v;
}

int main(void)
{
    pthread_t t;
    pthread_barrier_init(&touched, NULL, 2);
    pthread_barrier_init(&checked, NULL, 2);
    pthread_create(&t, NULL, worker, NULL);
    pthread_barrier_wait(&touched);

    pid_t pid = getpid();
    int entries = 0, has_main = 0, has_worker = 0;
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        entries++;
        has_main |= atoi(e->d_name) == pid;
        has_worker |= atoi(e->d_name) == worker_tid;
    }
    if (d)
        closedir(d);
    printf("task entries: %d, the process: %d, the worker: %d\n", entries, has_main, has_worker);

    char path[64], comm[32];
    long id;
    unsigned long worker_flt, main_flt, group_flt;
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", worker_tid);
    if (read_stat(path, &id, comm, &worker_flt) == 0)
        printf("worker's stat: id is its tid %d, comm %s\n", id == worker_tid, comm);
    long worker_start = start_field;
    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, pid);
    if (read_stat(path, &id, comm, &main_flt) == 0)
        printf("main's stat: id is the pid %d, state %c\n", id == pid, state_field);
    if (read_stat("/proc/self/stat", &id, comm, &group_flt) == 0) {
        printf("process stat: id is the pid %d, session is getsid's %d\n", id == pid,
               session_field == getsid(0));
        double up = 0;
        FILE *u = fopen("/proc/uptime", "r");
        if (u && fscanf(u, "%lf", &up) == 1)
            printf("started in the last 30 s: %d, the thread no earlier: %d\n",
                   up - (double)start_field / sysconf(_SC_CLK_TCK) < 30 &&
                       start_field / sysconf(_SC_CLK_TCK) <= up,
                   worker_start >= start_field);
        if (u)
            fclose(u);
    }
    printf("the worker's own faults cover its pages: %d\n", worker_flt >= PAGES);
    printf("main's own faults leave them out: %d\n", main_flt + PAGES <= group_flt);
    printf("the process's count has both: %d\n", group_flt >= worker_flt + main_flt);
    snprintf(path, sizeof(path), "/proc/self/task/%d/status", worker_tid);
    printf("worker's status: Pid is its tid %d, Tgid the pid %d\n",
           status_field(path, "Pid:") == worker_tid, status_field(path, "Tgid:") == pid);
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", pid + 1000000);
    printf("a tid that is no thread: %s\n", fopen(path, "r") ? "opened" : "not found");

    pthread_barrier_wait(&checked);
    pthread_join(t, NULL);

    /* a child that exited and is not reaped yet is a zombie */
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    siginfo_t si;
    waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT);
    snprintf(path, sizeof(path), "/proc/%d/stat", c);
    if (read_stat(path, &id, comm, &worker_flt) == 0)
        printf("an exited child not yet reaped: state %c\n", state_field);
    waitpid(c, NULL, 0);
    return 0;
}
