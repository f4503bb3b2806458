/* asan_leak - a program built with AddressSanitizer that leaks: at exit LeakSanitizer stops the
 * world (a tracer process sharing the memory, clone(CLONE_VM) without a thread, that ptraces the
 * program and lists /proc/PID/task with the old getdents), reports the leak on stderr and
 * makes the exit status 1. Built dynamically with -fsanitize=address, not static. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *reachable;

__attribute__((noinline)) static void leak_it(void)
{
    char *p = malloc(100);
    strcpy(p, "leaked");
    printf("%s\n", p);
}

int main(void)
{
    leak_it();
    reachable = malloc(50);
    fflush(stdout);
    return 0;
}
