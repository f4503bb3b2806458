/*
 * busy_wait - a parent that polls waitpid(WNOHANG) in a loop while its child computes: on a
 * kernel without preemption the parent would starve the child forever. Prints the child's result
 * and how it ended; the number of polls is not printed (it depends on timing natively).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        unsigned long x = 1;
        for (unsigned long i = 0; i < 20000000UL; i++)
            x = x * 6364136223846793005UL + 1442695040888963407UL;
        printf("child: %lu\n", x % 1000003);
        fflush(stdout);
        _exit(7);
    }
    int status = 0;
    unsigned long polls = 0;
    while (waitpid(pid, &status, WNOHANG) == 0)
        polls++;
    printf("parent: child exited %d after %s polls\n", WEXITSTATUS(status), polls ? "some" : "no");
    return 0;
}
