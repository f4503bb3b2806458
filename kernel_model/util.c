/*
 * util.c - the overcommit check (models __vm_enough_memory of mm/util.c).
 *
 * Private writable memory (VM_ACCOUNT), the heap, a growing stack, shared anonymous memory and
 * SysV segments without their NORESERVE flags are charged when they are made, and a charge the
 * machine could never hold is refused with ENOMEM, so malloc returns NULL where the OOM killer
 * would otherwise act at the first touches. The rule is vm.overcommit_memory's default,
 * OVERCOMMIT_GUESS, as Linux has it since 5.8 and the host kernels the tests compare with: one
 * request larger than all of RAM and swap fails. 4.20 guessed from what was free at the moment
 * (free pages, page cache less shmem, free swap, less the reserves), which refuses more on a
 * busy machine; the model keeps the newer rule so that a run under --ram matches a native run
 * whenever both machines could hold the memory. Not modelled: the other modes (always,
 * never), which the guest cannot select.
 */
#include <errno.h>

#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

int __vm_enough_memory(const struct mm_struct *mm, unsigned long pages)
{
    (void)mm; /* the guess does not depend on who asks */
    return pages > totalram_pages() + total_swap_pages() ? -ENOMEM : 0;
}
