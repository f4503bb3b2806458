/*
 * guest_ram.h - the host memory behind guest-physical RAM (see guest_ram.c).
 */
#ifndef FL_GUEST_RAM_H
#define FL_GUEST_RAM_H

#include <stdint.h>

/* Reserve bytes (a multiple of the page size) of zeroed guest RAM. NULL with errno set when the
 * host refuses. At most one at a time: the frame allocator it serves is global too. */
void *guest_ram_create(uint64_t bytes);

/* Stop faulting in ahead and give the memory back. */
void guest_ram_destroy(void *ram, uint64_t bytes);

#endif
