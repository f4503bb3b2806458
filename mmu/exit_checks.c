/*
 * exit_checks.c - Unicorn's exit checks at block starts only.
 *
 * Translated code looks for a stop request (uc_emu_stop: cpu_exit's icount_decr) at the start of
 * every block. Unicorn 2.1 also emits the check after every guest load and store and after every
 * instruction hook (check_exit_request in qemu/tcg/tcg-op.c), so that a hook that stops the
 * engine stops it at once. A block left at one of those inner checks is resumed from its first
 * instruction with the registers of its middle (2.1.1 to 2.1.3; 2.1.4 makes the check a helper
 * call that restores the state, precise but slow): a stop from another thread corrupts the guest
 * (tests/engine, async_stop_reexecutes). At a block start nothing of the block has run, so a
 * stop there is precise whatever thread asked for it.
 *
 * Unicorn has a switch that leaves the inner checks out, uc_struct's no_exit_request, which
 * check_exit_request reads before it emits anything (it exists for ARM's IT blocks); the public
 * API does not reach it. Its offset is read here from check_exit_request's own machine code,
 * which starts `mov tcg_ctx->uc; cmpb $0, no_exit_request(uc)`, after a prologue where the
 * build has one (Debian's 2.1.4 saves registers and sets up a stack protector first): decoded
 * with Capstone, checked against the size of the allocation uc_open made and against the flag
 * being false, as Unicorn leaves it on x86. Debian's static archive and shared library (2.1.1
 * and 2.1.4) all pass. Where any of that does not hold (another build or version of the engine,
 * a library that does not export the function), nothing is changed and faultline keeps its
 * block hook for stops from other threads (emu/run.c, "Kicks").
 *
 * The flag is read while code is translated. faultline sets it only on an engine none of whose
 * hooks stop it in the middle of a block (a step's code hook, hardware breakpoints', --icount's
 * and --max-insns' hooks do: mmu.c, cpu_hold_exit_checks), and drops all code whenever that
 * changes.
 */
#include <capstone/capstone.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>

#include "mmu/exit_checks.h"

/* Unicorn's, built for the x86-64 target (qemu/x86_64.h renames it); weak: absent is NULL. */
extern void check_exit_request_x86_64(void *tcg_ctx) __attribute__((weak));

static long flag_offset = -2; /* -2: not looked for yet; -1: not found */

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
    cs_insn *insn = NULL;
    long off = -1;

    if (!code || cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
        return -1;
    cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
    size_t n = cs_disasm(cs, code, len, (uint64_t)(uintptr_t)code, PROLOGUE_MAX + 2, &insn);
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
    if (n)
        cs_free(insn, n);
    cs_close(&cs);
    return off;
}

static bool *flag_of(uc_engine *uc)
{
    if (flag_offset == -2) /* its first 96 bytes hold the longest prologue taken and the test */
        flag_offset =
            exit_check_flag_offset((const uint8_t *)(uintptr_t)check_exit_request_x86_64, 96);
    /* uc_open callocs its uc_struct: the flag must lie inside that allocation */
    if (flag_offset < 0 || (size_t)flag_offset >= malloc_usable_size(uc))
        return NULL;
    return (bool *)((char *)uc + flag_offset);
}

bool engine_exit_checks_adjustable(uc_engine *uc)
{
    bool *flag = flag_of(uc);
    /* false on x86 until faultline sets it: anything else is not the field looked for */
    return flag && *(const uint8_t *)flag == 0;
}

void engine_set_exit_checks(uc_engine *uc, bool every_access)
{
    bool *flag = flag_of(uc);
    if (flag)
        *flag = !every_access;
}
