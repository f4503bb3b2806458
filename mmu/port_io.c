/*
 * port_io.c - in, out, ins and outs in user mode: #GP at the instruction, as on Linux.
 *
 * A user-mode I/O instruction faults unless IOPL or the TSS I/O bitmap allows its ports, and
 * faultline never allows any (emu/sys_ioport.c): #GP(0), which do_general_protection makes a
 * SIGSEGV with SI_KERNEL at the instruction. Unicorn 2.1.1 lets every I/O instruction through
 * whatever the CPL ("Unicorn: allow all I/O instructions" in gen_check_io) and calls its
 * UC_HOOK_INSN hooks for UC_X86_INS_IN and UC_X86_INS_OUT from the middle of the translated
 * block, with RIP and the flags not written back. So the hooks raise the #GP themselves, as
 * QEMU's own check_io helper would: raise_exception_err_ra with the return address into the
 * translated code, from which QEMU restores RIP and the flags of the instruction
 * (cpu_restore_state) and leaves the block; the engine then hands the #GP to the run loop's
 * interrupt hook like any other. The hooks cost only at I/O instructions.
 *
 * What that needs, none of it public, so each part is checked and the hooks raise nothing (the
 * instruction runs, reading 0, as before) where one does not hold:
 *   - the CPU's state (env): uc->cpu (the offset uc_emu_stop reads before cpu_exit) plus
 *     X86CPU's env (mmu/exception_state.c), checked by env->uc (the offset helper_inb reads)
 *     pointing back at the engine;
 *   - the return address: the helper's call site in the translated code, found on the host
 *     stack above the hook as a word inside the engine's code buffer that is the return
 *     address of a call (direct, or through the constant pool: QEMU 5.0's two forms) to one of
 *     the helper_in or helper_out functions, so a stale word cannot pass for it.
 */
#include <stdint.h>
#include <string.h>

#include "mmu/engine_layout.h"
#include "mmu/port_io.h"

/* Unicorn's, built for the x86-64 target; weak: absent is NULL. */
extern void helper_inb_x86_64(void) __attribute__((weak));
extern void helper_inw_x86_64(void) __attribute__((weak));
extern void helper_inl_x86_64(void) __attribute__((weak));
extern void helper_outb_x86_64(void) __attribute__((weak));
extern void helper_outw_x86_64(void) __attribute__((weak));
extern void helper_outl_x86_64(void) __attribute__((weak));
extern void raise_exception_err_ra_x86_64(void *env, int exception_index, int error_code,
                                          uintptr_t retaddr) __attribute__((weak, noreturn));

#define EXCP0D_GPF 13

static bool is_helper(uintptr_t a)
{
    return a && (a == (uintptr_t)helper_inb_x86_64 || a == (uintptr_t)helper_inw_x86_64 ||
                 a == (uintptr_t)helper_inl_x86_64 || a == (uintptr_t)helper_outb_x86_64 ||
                 a == (uintptr_t)helper_outw_x86_64 || a == (uintptr_t)helper_outl_x86_64);
}

/* [a, a + n) inside the buffer and clear of its guard page */
static bool readable(const struct code_buffer *b, uintptr_t a, size_t n)
{
    unsigned long guard = atomic_load(&b->guard);
    if (a < b->start || a + n > b->end || a + n < a)
        return false;
    return !guard || a + n <= guard || a >= guard + 4096;
}

/* w: a return address into translated code of a call to an I/O helper? */
static bool io_call_site(const struct code_buffer *b, uintptr_t w)
{
    int32_t disp;
    if (!readable(b, w - 6, 6))
        return false;
    const uint8_t *c = (const uint8_t *)w;
    if (c[-5] == 0xe8) { /* call rel32 */
        memcpy(&disp, c - 4, 4);
        return is_helper(w + (intptr_t)disp);
    }
    if (c[-6] == 0xff && c[-5] == 0x15) { /* call *disp32(%rip): the pool's constant */
        uintptr_t slot, target;
        memcpy(&disp, c - 4, 4);
        slot = w + (intptr_t)disp;
        if (!readable(b, slot, 8))
            return false;
        memcpy(&target, (const void *)slot, 8);
        return is_helper(target);
    }
    return false;
}

/* Raise #GP(0) at the I/O instruction whose hook this is; returns only where it cannot. */
static void port_fault(const struct port_io *io)
{
    if (!io->env || !raise_exception_err_ra_x86_64)
        return;
    /* the hook's caller chain (cpu_in/out, helper_in/out) is a few words deep above this
     * frame */
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    for (int i = 0; i < 64; i++) {
        uintptr_t w = *(const volatile uintptr_t *)(sp + i * sizeof(uintptr_t));
        if (io_call_site(io->code, w))
            raise_exception_err_ra_x86_64(io->env, EXCP0D_GPF, 0, w);
    }
}

static uint32_t hook_in(uc_engine *uc, uint32_t port, int size, void *ud)
{
    (void)uc, (void)port, (void)size;
    port_fault(ud);
    return 0;
}

static void hook_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *ud)
{
    (void)uc, (void)port, (void)size, (void)value;
    port_fault(ud);
}

uc_err port_io_init(struct port_io *io, uc_engine *uc, const struct code_buffer *code)
{
    memset(io, 0, sizeof(*io));
    io->code = code;
    /* env = uc->cpu + X86CPU's env, checked by env->uc == uc */
    const struct engine_layout *l = engine_layout();
    long cpu_off = l->uc_cpu, env_off = l->cpu_env, uc_off = l->env_uc;
    if (cpu_off > 0 && env_off > 0 && uc_off > 0 && code->start != code->end) {
        char *cs;
        memcpy(&cs, (const char *)uc + cpu_off, sizeof(cs));
        if (cs) {
            void *back;
            memcpy(&back, cs + env_off + uc_off, sizeof(back));
            if (back == (void *)uc)
                io->env = cs + env_off;
        }
    }
    uc_hook h;
    uc_err e = uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)hook_in, io, 1, 0, UC_X86_INS_IN);
    if (e == UC_ERR_OK)
        e = uc_hook_add(uc, &h, UC_HOOK_INSN, (void *)hook_out, io, 1, 0, UC_X86_INS_OUT);
    return e;
}
