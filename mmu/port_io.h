/*
 * port_io.h - in, out, ins and outs in user mode raise #GP at the instruction (mmu/port_io.c).
 */
#ifndef FL_PORT_IO_H
#define FL_PORT_IO_H

#include <unicorn/unicorn.h>

#include "mmu/code_buffer.h"

/* One engine's: kept as long as the engine (the hooks point at it). */
struct port_io {
    void *env;                      /* the engine's CPUX86State; NULL: raise nothing */
    const struct code_buffer *code; /* the engine's translated-code buffer */
};

/* Add the engine's I/O instruction hooks. code: its buffer (found or not: then, and wherever
 * the engine's internals are not as expected, I/O instructions run without a fault). Only after
 * the engine's `syscall` hook: an instruction hook ahead of that one lets a stop request skip
 * the system call (mmu/mmu.c, cpu_create). */
uc_err port_io_init(struct port_io *io, uc_engine *uc, const struct code_buffer *code);

#endif
