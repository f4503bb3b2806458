/*
 * vsyscall.c - emulate_vsyscall (arch/x86/entry/vsyscall/vsyscall_64.c): the legacy fixed-address
 * entry points old static binaries call. A fetch there faults (no page is mapped at that kernel
 * address); the fault path hands it here, which performs the call and returns to the caller.
 */
#include "emu/syscall.h"
#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

bool arch_emulate_vsyscall(struct task_struct *tsk, struct pt_regs *regs, unsigned long address)
{
    struct proc *p = task_proc(tsk);
    uint64_t nr, a[6] = {0}, ret_addr;
    switch (address - VSYSCALL_ADDR) {
    case 0x000:
        nr = 96; /* gettimeofday */
        break;
    case 0x400:
        nr = 201; /* time */
        break;
    case 0x800:
        return false; /* getcpu: not in the syscall table */
    default:
        return false;
    }
    if (copy_from_user(tsk, &ret_addr, regs->sp, 8))
        return false;
    a[0] = mmu_reg_read(p->mmu, UC_X86_REG_RDI);
    a[1] = mmu_reg_read(p->mmu, UC_X86_REG_RSI);
    long ret = do_syscall(p, nr, a);
    mmu_reg_write(p->mmu, UC_X86_REG_RAX, (uint64_t)ret);
    mmu_reg_write(p->mmu, UC_X86_REG_RIP, ret_addr);
    mmu_reg_write(p->mmu, UC_X86_REG_RSP, regs->sp + 8);
    return true;
}
