/*
 * vfork_busy: a vfork child that execs a program which computes and never makes a blocking
 * call (subprocess.call(..., timeout=...) of a busy loop: Python's posix_spawn uses vfork). The
 * parent must run again once the child has exec'd, within the child's time slice, and not wait
 * for the child to park or exit. Prints "parent resumed" and how the killed child ended.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "spin") == 0) {
        volatile unsigned long n = 0;
        for (;;)
            n++;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t pid = vfork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "spin", (char *)NULL);
        _exit(127);
    }
    printf("parent resumed\n");
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    printf("child killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    return 0;
}
