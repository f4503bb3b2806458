/*
 * exception_state.h - clearing the engine's "exception in flight" once a trap is taken
 * (mmu/exception_state.c).
 */
#ifndef FL_EXCEPTION_STATE_H
#define FL_EXCEPTION_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

/* The offset inside a uc_context of x86 old_exception, checked against fresh, a context saved
 * from a new engine (where it is -1); -1 if it cannot be found. Leaves the registers as they
 * were. */
long engine_exception_offset(uc_engine *uc, const uc_context *fresh);

/* After a trap taken from the UC_HOOK_INTR hook: no exception is in flight any more (what the
 * delivery through the IDT would have recorded). scratch: a context of uc's to work in. Nothing
 * happens when offset is -1. */
void engine_exception_done(uc_engine *uc, uc_context *scratch, long offset);

/* What the engine recorded of the exception it raised last: QEMU 5.0's CPUX86State keeps
 * error_code, exception_is_int and exception_next_eip 112 bytes before old_exception. */
struct engine_exception {
    uint32_t error_code; /* the exception's error code (#GP: a selector, or 0) */
    bool is_int;         /* raised by `int N` (or int3, into), not by a fault */
};

/* Reads them through scratch (a context of uc's); false when offset is -1 or they do not look
 * like that (is_int neither 0 nor 1). */
bool engine_exception_info(uc_engine *uc, uc_context *scratch, long offset,
                           struct engine_exception *out);

#endif
