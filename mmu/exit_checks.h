/*
 * exit_checks.h - where Unicorn's translated code checks for a stop request: at every block start
 * and, by default, also after every memory access and instruction hook. With the checks at block
 * starts only, a uc_emu_stop from another thread stops the engine between two blocks, precisely,
 * and the code is smaller and faster. See exit_checks.c.
 */
#ifndef FL_EXIT_CHECKS_H
#define FL_EXIT_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

/* Can uc's checks be moved (this Unicorn build has the switch where exit_checks.c looks)? Asked
 * once for a new engine, before engine_set_exit_checks, and only then may that be called. */
bool engine_exit_checks_adjustable(uc_engine *uc);

/*
 * every_access true: Unicorn's default, a check after each memory access and instruction hook
 * too, which a hook that stops the engine in the middle of a block needs (a code hook stops
 * before the instruction it was called for, a memory hook after its access). false: checks at
 * block starts only. The setting applies to code translated from now on: drop all code after
 * changing it.
 */
void engine_set_exit_checks(uc_engine *uc, bool every_access);

#endif
