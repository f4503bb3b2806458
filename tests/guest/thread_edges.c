/*
 * thread_edges: what a thread does to its whole process. Default: a thread forks (its child is
 * the process's), a process-directed signal runs its handler once, not once a thread.
 * `crash`: a thread's SIGSEGV kills every thread (status 139). `exec`: a thread that is not the
 * leader execs while another thread waits; the others die and the new program is the process.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int hits;

static void on_usr1(int sig)
{
    (void)sig;
    hits++;
}

static void *crash(void *arg)
{
    (void)arg;
    *(volatile int *)8 = 1;
    return NULL;
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0)
        _exit(9);
    int st = 0;
    waitpid(pid, &st, 0);
    printf("fork from a thread: child exited %d\n", WEXITSTATUS(st));
    return NULL;
}

static void *execer(void *arg)
{
    (void)arg;
    execl("/bin/echo", "echo", "exec from a thread", (char *)NULL);
    return NULL;
}

static void *idle(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_t t, i;
    if (argc > 1 && !strcmp(argv[1], "crash")) {
        pthread_create(&t, NULL, crash, NULL);
        pthread_join(t, NULL);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "exec")) {
        pthread_create(&i, NULL, idle, NULL);
        pthread_create(&t, NULL, execer, NULL);
        for (;;)
            pause();
    }
    signal(SIGUSR1, on_usr1);
    pthread_create(&t, NULL, forker, NULL);
    pthread_join(t, NULL);
    pthread_create(&i, NULL, idle, NULL);
    kill(getpid(), SIGUSR1);
    while (!hits)
        usleep(1000);
    usleep(10000);
    printf("handler ran %d time(s)\n", hits);
    return 0;
}
