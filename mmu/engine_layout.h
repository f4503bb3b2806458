/*
 * engine_layout.h - where Unicorn keeps the private fields faultline must reach: offsets inside
 * its uc_struct and QEMU's x86 CPU object, read from the engine's own machine code with Capstone
 * (engine_decode.c). Which fields and why: exit_checks.c, port_io.c, exception_state.c.
 */
#ifndef FL_ENGINE_LAYOUT_H
#define FL_ENGINE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Byte offsets; -1 where the code was not the shape the decoder knows (the feature that needs
 * the field then stays off). */
struct engine_layout {
    long no_exit_request;   /* uc_struct's bool, read first by check_exit_request */
    long uc_cpu;            /* uc_struct's CPUState pointer, loaded by uc_emu_stop */
    long cpu_env;           /* CPUX86State inside X86CPU: x86_cpu_do_interrupt's `lea` */
    long env_old_exception; /* old_exception inside CPUX86State: x86_cpu_do_interrupt's `cmp` */
    long env_uc;            /* CPUX86State's pointer back to the engine, loaded by helper_inb */
};

/* The layout of the engine faultline runs on, decoded at the first call (each decode costs
 * ~50 us: Capstone builds its instruction tables per handle). Every user still checks its field
 * against a live engine before relying on it. */
const struct engine_layout *engine_layout(void);

/* Decode the layout now from the linked engine's code, with Capstone. */
void engine_layout_decode(struct engine_layout *out);

/* The offset of uc_struct's no_exit_request read by len bytes of machine code from the start of
 * a build's check_exit_request, or -1 where that code is not the shape engine_decode.c knows. */
long exit_check_flag_offset(const uint8_t *code, size_t len);

#endif
