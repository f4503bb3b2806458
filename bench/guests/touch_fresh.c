/* touch_fresh MIB - map MIB MiB of fresh anonymous memory and write one byte per page:
 * one do_anonymous_page fault per page, the fault path's throughput benchmark. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024, len = mib << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    for (size_t off = 0; off < len; off += 4096)
        p[off] = 1;
    printf("touched %zu pages\n", len / 4096);
    return 0;
}
