/*
 * traps.h - the exception the CPU would have raised for the one the engine reports
 * (emu/traps.c).
 */
#ifndef FL_TRAPS_H
#define FL_TRAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/proc.h"

struct trap {
    int intno;                /* the vector; in: the engine's, out: the CPU's */
    uint64_t ip;              /* RIP; in: the engine's, out: where the CPU leaves it */
    unsigned long error_code; /* out: the exception's error code */
    int si_code;              /* out: the si_code when not the vector's usual one, else 0 */
};

struct engine_exception;

/* Turns the engine's report of an exception into what the CPU raises (a software interrupt
 * through a gate user mode may not use is a #GP at the instruction); x: the engine's record of
 * it (mmu_exception_info), NULL when unknown. */
void trap_fixup(struct proc *p, struct trap *t, const struct engine_exception *x);

#endif
