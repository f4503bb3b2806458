/*
 * gdb_target: a small program for gdb to debug (tests/e2e/gdb_ptrace.py), natively and inside
 * faultline: a call to step into, a loop, a global to print and change, output to compare.
 */
#include <stdio.h>

int counter = 5;

int square(int v)
{
    int r = v * v;
    return r;
}

int main(void)
{
    int x = 6;
    x = square(x);
    for (int i = 0; i < 3; i++)
        counter += i;
    printf("x=%d counter=%d\n", x, counter);
    return x == 36 ? 0 : 1;
}
