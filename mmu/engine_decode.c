/*
 * engine_decode.c - reading Unicorn's private field offsets from its machine code, with Capstone.
 *
 * The public API reaches none of the fields faultline needs (engine_layout.h), but each is
 * read near the start of one of the engine's functions, as a displacement of a known
 * instruction shape:
 *   - no_exit_request: check_exit_request starts `mov tcg_ctx->uc; cmpb $0, no_exit_request(uc)`
 *     after a prologue where the build has one (Debian's 2.1.4 saves registers and sets up a
 *     stack protector first);
 *   - uc->cpu: uc_emu_stop's first `mov rdi, [rdi + d]`;
 *   - env->uc: helper_inb's first `mov rdi, [rdi + d]`;
 *   - X86CPU's env and old_exception: x86_cpu_do_interrupt starts `cmpl $-1, old_exception(cs)`
 *     (the assertion before do_vmexit) and passes do_vmexit `lea env(cs), %rdi`.
 * Debian's static archive and shared library (2.1.1 and 2.1.4) all have these shapes. Anything
 * else gives -1 for that field (tests/engine, layout_found, fails on such an engine).
 */
#include <capstone/capstone.h>
#include <stdint.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "mmu/engine_layout.h"

/* Unicorn's, built for the x86-64 target (qemu/x86_64.h renames them); weak: absent is NULL. */
extern void check_exit_request_x86_64(void *tcg_ctx) __attribute__((weak));
extern void helper_inb_x86_64(void) __attribute__((weak));
extern void x86_cpu_do_interrupt_x86_64(void *cs) __attribute__((weak));

/* Up to max instructions of the len bytes at code, with details, in *insn; *n: how many. false
 * (and nothing to release) when there is no code or Capstone cannot open; else release() after. */
static bool decode(csh *cs, const void *code, size_t len, size_t max, cs_insn **insn, size_t *n)
{
    *insn = NULL;
    *n = 0;
    if (!code || cs_open(CS_ARCH_X86, CS_MODE_64, cs) != CS_ERR_OK)
        return false;
    cs_option(*cs, CS_OPT_DETAIL, CS_OPT_ON);
    *n = cs_disasm(*cs, code, len, (uint64_t)(uintptr_t)code, max, insn);
    return true;
}

static void release(csh *cs, cs_insn *insn, size_t n)
{
    if (n)
        cs_free(insn, n);
    cs_close(cs);
}

/* A prologue instruction that leaves rdi (tcg_ctx) alone and reads no memory but the stack or
 * the stack protector's canary: endbr64, push, sub/and of rsp, a move of the canary (%fs:0x28)
 * to a register or of a register to the stack. */
static bool prologue_insn(const cs_insn *in)
{
    const cs_x86 *x = &in->detail->x86;
    switch (in->id) {
    case X86_INS_ENDBR64:
        return true;
    case X86_INS_PUSH:
        return x->op_count == 1 && x->operands[0].type == X86_OP_REG;
    case X86_INS_SUB:
    case X86_INS_AND:
        return x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
               x->operands[0].reg == X86_REG_RSP && x->operands[1].type == X86_OP_IMM;
    case X86_INS_MOV:
        if (x->op_count != 2)
            return false;
        if (x->operands[0].type == X86_OP_REG && x->operands[0].size == 8 &&
            x->operands[0].reg != X86_REG_RDI && x->operands[1].type == X86_OP_MEM &&
            x->operands[1].mem.segment == X86_REG_FS)
            return true; /* the canary */
        return x->operands[0].type == X86_OP_MEM && x->operands[0].mem.base == X86_REG_RSP &&
               x->operands[1].type == X86_OP_REG;
    default:
        return false;
    }
}

#define PROLOGUE_MAX 8 /* instructions skipped at most */

/* Accepted: a prologue (prologue_insn); mov R, [rdi + d]; then cmp byte [R + off], 0 or
 * movzx E, byte [R + off]. */
long exit_check_flag_offset(const uint8_t *code, size_t len)
{
    csh cs;
    size_t n;
    cs_insn *insn;
    long off = -1;
    if (!decode(&cs, code, len, PROLOGUE_MAX + 2, &insn, &n))
        return -1;
    size_t i = 0;
    while (i < n && i < PROLOGUE_MAX && prologue_insn(&insn[i]))
        i++;
    if (i + 1 < n && insn[i].id == X86_INS_MOV) {
        const cs_x86 *mov = &insn[i].detail->x86;
        const cs_x86 *use = &insn[i + 1].detail->x86;
        bool load_uc = mov->op_count == 2 && mov->operands[0].type == X86_OP_REG &&
                       mov->operands[0].size == 8 && mov->operands[1].type == X86_OP_MEM &&
                       mov->operands[1].mem.base == X86_REG_RDI &&
                       mov->operands[1].mem.index == X86_REG_INVALID;
        x86_reg uc_reg = mov->operands[0].reg;
        bool cmp = insn[i + 1].id == X86_INS_CMP && use->op_count == 2 &&
                   use->operands[1].type == X86_OP_IMM && use->operands[1].imm == 0;
        bool movzx = insn[i + 1].id == X86_INS_MOVZX && use->op_count == 2;
        const cs_x86_op *m = cmp ? &use->operands[0] : movzx ? &use->operands[1] : NULL;
        if (load_uc && m && m->type == X86_OP_MEM && m->size == 1 && m->mem.base == uc_reg &&
            m->mem.index == X86_REG_INVALID && m->mem.segment == X86_REG_INVALID && m->mem.disp > 0)
            off = (long)m->mem.disp;
    }
    release(&cs, insn, n);
    return off;
}

/* The first `mov rdi, [rdi + d]` in fn's first 48 bytes, before any ret: d, or -1. */
static long first_rdi_load(const void *fn)
{
    csh cs;
    size_t n;
    cs_insn *insn;
    long disp = -1;
    if (!decode(&cs, fn, 48, 12, &insn, &n))
        return -1;
    for (size_t i = 0; i < n && disp < 0; i++) {
        const cs_x86 *x = &insn[i].detail->x86;
        if (insn[i].id == X86_INS_RET)
            break;
        if (insn[i].id != X86_INS_MOV || x->op_count != 2)
            continue;
        const cs_x86_op *a = &x->operands[0], *b = &x->operands[1];
        if (a->type == X86_OP_REG && a->reg == X86_REG_RDI && b->type == X86_OP_MEM &&
            b->mem.base == X86_REG_RDI && b->mem.index == X86_REG_INVALID && b->mem.disp > 0 &&
            b->size == 8)
            disp = (long)b->mem.disp;
    }
    release(&cs, insn, n);
    return disp;
}

/* From x86_cpu_do_interrupt: X86CPU's env (*env_out) and old_exception's offset in CPUX86State
 * (*old_out), each -1 if not found. */
static void do_interrupt_offsets(long *env_out, long *old_out)
{
    csh cs;
    size_t n;
    cs_insn *insn;
    long cmp_disp = -1, env_disp = -1;

    *env_out = *old_out = -1;
    if (!decode(&cs, (const void *)(uintptr_t)x86_cpu_do_interrupt_x86_64, 96, 16, &insn, &n))
        return;
    for (size_t i = 0; i < n; i++) {
        const cs_x86 *x = &insn[i].detail->x86;
        if (x->op_count != 2)
            continue;
        const cs_x86_op *a = &x->operands[0], *b = &x->operands[1];
        /* cmp dword [rdi + d], -1: the assertion's old_exception == -1 */
        if (cmp_disp < 0 && insn[i].id == X86_INS_CMP && a->type == X86_OP_MEM && a->size == 4 &&
            a->mem.base == X86_REG_RDI && a->mem.index == X86_REG_INVALID &&
            b->type == X86_OP_IMM && (int32_t)b->imm == -1 && a->mem.disp > 0)
            cmp_disp = (long)a->mem.disp;
        /* lea rdi, [rdi + d]: env = &X86_CPU(cs)->env, do_vmexit's first argument */
        if (env_disp < 0 && insn[i].id == X86_INS_LEA && a->type == X86_OP_REG &&
            a->reg == X86_REG_RDI && b->type == X86_OP_MEM && b->mem.base == X86_REG_RDI &&
            b->mem.index == X86_REG_INVALID && b->mem.disp > 0)
            env_disp = (long)b->mem.disp;
        if (insn[i].id == X86_INS_RET)
            break;
    }
    release(&cs, insn, n);
    *env_out = env_disp;
    *old_out = cmp_disp > env_disp && env_disp >= 0 ? cmp_disp - env_disp : -1;
}

void engine_layout_decode(struct engine_layout *out)
{
    /* its first 96 bytes hold the longest prologue taken and the test */
    out->no_exit_request =
        exit_check_flag_offset((const uint8_t *)(uintptr_t)check_exit_request_x86_64, 96);
    out->uc_cpu = first_rdi_load((const void *)(uintptr_t)uc_emu_stop);
    out->env_uc = first_rdi_load((const void *)(uintptr_t)helper_inb_x86_64);
    do_interrupt_offsets(&out->cpu_env, &out->env_old_exception);
}
