/*
 * exception_state.c - the engine's "exception in flight" after faultline has taken a trap.
 *
 * QEMU's x86 target turns a second contributory exception (#DE, #TS, #NP, #SS, #GP) raised
 * while a first one is still being delivered into a double fault, and any exception after a
 * double fault into a triple fault, which resets the machine (check_exception in
 * target/i386/excp_helper.c). It knows an exception is "in flight" from env->old_exception,
 * which only the real delivery through the IDT (x86_cpu_do_interrupt) sets back to -1. Unicorn
 * hands exceptions to the UC_HOOK_INTR hook instead and never delivers them, so the field keeps
 * the first one for good: a program's second divide error became a double fault (a SIGSEGV
 * instead of SIGFPE), and its third stopped the engine at the same instruction forever
 * (stress-ng --sigsegv, which raises #GP again and again, hung). On a real CPU the kernel's
 * handler has finished delivering the exception by the time the program runs again.
 *
 * The public API does not reach the field, but uc_context_save/restore copy the CPU state that
 * holds it. Its offset in CPUX86State is read from x86_cpu_do_interrupt's machine code
 * (mmu/engine_decode.c), which
 * starts `cmpl $-1, old_exception(cs)` (the assertion before do_vmexit) and passes do_vmexit
 * `lea env(cs), %rdi`; the offset of the state inside a uc_context from where RAX (regs[0],
 * CPUX86State's first field) lands when saved. Both are checked against a fresh engine's
 * value (-1). Where any of that does not hold nothing is changed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/engine_layout.h"
#include "mmu/exception_state.h"

long engine_exception_offset(uc_engine *uc, const uc_context *fresh)
{
    long old_off = engine_layout()->env_old_exception;
    size_t size = uc_context_size(uc);
    if (old_off < 0 || !size)
        return -1;
    /* where the state starts in a saved context: RAX is its first field */
    uint64_t rax = 0, magic = 0x5a17c0de0ddba11ULL;
    uc_context *tmp = NULL;
    long off = -1;
    if (uc_reg_read(uc, UC_X86_REG_RAX, &rax) != UC_ERR_OK ||
        uc_context_alloc(uc, &tmp) != UC_ERR_OK)
        return -1;
    if (uc_reg_write(uc, UC_X86_REG_RAX, &magic) == UC_ERR_OK &&
        uc_context_save(uc, tmp) == UC_ERR_OK) {
        const char *base = (const char *)tmp;
        const char *hit = memmem(base, size, &magic, sizeof(magic));
        if (hit && (size_t)(hit - base) + (size_t)old_off + sizeof(int32_t) <= size) {
            long cand = (long)(hit - base) + old_off;
            int32_t fresh_value;
            memcpy(&fresh_value, (const char *)fresh + cand, sizeof(fresh_value));
            if (fresh_value == -1)
                off = cand;
        }
    }
    uc_reg_write(uc, UC_X86_REG_RAX, &rax);
    uc_context_free(tmp);
    return off;
}

void engine_exception_done(uc_engine *uc, uc_context *scratch, long offset)
{
    if (offset < 0 || uc_context_save(uc, scratch) != UC_ERR_OK)
        return;
    int32_t none = -1, cur;
    memcpy(&cur, (char *)scratch + offset, sizeof(cur));
    if (cur == none)
        return;
    memcpy((char *)scratch + offset, &none, sizeof(none));
    uc_context_restore(uc, scratch);
}

/* CPUX86State from error_code to old_exception: error_code, exception_is_int (ints),
 * exception_next_eip, dr[8] (target_ulongs), the four breakpoint or watchpoint pointers */
#define ERROR_CODE_BEFORE (4 + 4 + 8 + 8 * 8 + 4 * 8)

bool engine_exception_info(uc_engine *uc, uc_context *scratch, long offset,
                           struct engine_exception *out)
{
    if (offset < ERROR_CODE_BEFORE || uc_context_save(uc, scratch) != UC_ERR_OK)
        return false;
    const char *at = (const char *)scratch + offset - ERROR_CODE_BEFORE;
    int32_t code, is_int;
    memcpy(&code, at, sizeof(code));
    memcpy(&is_int, at + 4, sizeof(is_int));
    if (is_int != 0 && is_int != 1)
        return false;
    out->error_code = (uint32_t)code;
    out->is_int = is_int;
    return true;
}
