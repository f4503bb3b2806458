/* syscalls N - N thousand cheap system calls (getppid): the syscall entry and exit path. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = (argc > 1 ? strtol(argv[1], NULL, 10) : 200) * 1000L, sum = 0;
    for (long i = 0; i < n; i++)
        sum += syscall(SYS_getppid) > 0;
    printf("%ld\n", sum);
    return 0;
}
