/*
 * null_deref: load from address 0. No VMA covers it: bad_area, SIGSEGV with si_code SEGV_MAPERR,
 * error code 4 (USER, read, not present); the process dies with status 139.
 */
#include <stdio.h>

int main(void)
{
    volatile int *p;
    /* Hide the constant from the compiler: a literal NULL dereference may become ud2. */
    __asm__ volatile("" : "=r"(p) : "0"(0L));
    printf("dereferencing NULL\n");
    fflush(stdout);
    int v = *p;
    printf("survived: %d\n", v);
    return 1;
}
