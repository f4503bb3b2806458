/*
 * table_alloc.c - zeroed memory whose pages are first touched by a write (table_alloc.h).
 */
#include "db/table_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *fl_table_alloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = malloc(n * size);
    if (!p)
        return NULL;
    /* The empty asm hides that p is fresh from malloc, or the compiler turns the pair back
     * into calloc. */
    __asm__ volatile("" : "+r"(p));
    memset(p, 0, n * size);
    return p;
}
