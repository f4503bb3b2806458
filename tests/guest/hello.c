/* hello: the smallest libc program. Prints one line and exits with status 3. */
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    return 3;
}
