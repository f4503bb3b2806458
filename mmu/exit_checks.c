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
 * which starts `mov tcg_ctx->uc; cmpb $0, no_exit_request(uc)` (mmu/engine_decode.c), and
 * checked here against the size of the allocation uc_open made and against the flag being
 * false, as Unicorn leaves it on x86. Debian's static archive and shared library (2.1.1
 * and 2.1.4) all pass. Where any of that does not hold (another build or version of the engine,
 * a library that does not export the function), nothing is changed and faultline keeps its
 * block hook for stops from other threads (emu/run.c, "Kicks").
 *
 * The flag is read while code is translated. faultline sets it only on an engine none of whose
 * hooks stop it in the middle of a block (a step's code hook, hardware breakpoints', --icount's
 * and --max-insns' hooks do: mmu.c, cpu_hold_exit_checks), and drops all code whenever that
 * changes.
 */
#include <malloc.h>
#include <stdint.h>

#include "mmu/engine_layout.h"
#include "mmu/exit_checks.h"

static bool *flag_of(uc_engine *uc)
{
    long flag_offset = engine_layout()->no_exit_request;
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
