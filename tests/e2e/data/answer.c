/* answer.c - what tests/e2e's compare-gcc compiles, natively and under faultline, then runs. */
#include <stdio.h>

int main(void)
{
    printf("%d\n", 6 * 7);
    return 3;
}
