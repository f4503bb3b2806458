/*
 * table_alloc.h - zeroed memory for the log's hash tables (intern.c, dims.c, counts.c).
 */
#ifndef FL_DB_TABLE_ALLOC_H
#define FL_DB_TABLE_ALLOC_H

#include <stddef.h>

/*
 * n zeroed elements of `size` bytes, for a table that is probed (read) before its slots are
 * filled; free() it. NULL when out of memory or n * size overflows.
 *
 * Unlike calloc, it writes the zeros. calloc leaves fresh pages unmapped, a probe maps them to
 * the host's shared zero page, and the first store into each page then replaces that mapping,
 * which needs a TLB shootdown: an interrupt to the other CPU, where faultline's other thread
 * (the emulator, or the log's writer) runs. On a virtual machine each costs both CPUs an exit
 * to the hypervisor. perf of a 200-process shell loop with the log: a quarter of the writer's
 * time went to sending them.
 */
void *fl_table_alloc(size_t n, size_t size);

#endif
