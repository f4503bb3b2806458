/*
 * traps.c - the exception the CPU would have raised, from the one the engine reports
 * (arch/x86/kernel/idt.c, traps.c).
 *
 * Unicorn hands every exception to the UC_HOOK_INTR hook before the delivery through the IDT,
 * where the CPU checks a software interrupt's gate. Linux 4.20's IDT lets user mode use only
 * three gates (idt.c's SYSG entries): int3 (3), into's overflow (4) and, with
 * CONFIG_IA32_EMULATION, the 32-bit system call (0x80), which the model is built without. Any
 * other `int N` is a #GP at the instruction with the error code N*8+2 (the IDT flag), which
 * do_general_protection makes a SIGSEGV with SI_KERNEL; the engine reports it as vector N with
 * RIP after the instruction. And `icebp` (0xf1, int1) is a #DB after it, si_code TRAP_BRKPT;
 * QEMU 5.0 makes it an invalid opcode, and `sysexit` too where the CPU model is not Intel's
 * (the CPU raises #GP for it in user mode).
 */
#include "emu/traps.h"

#include "emu/hw_breakpoint.h"
#include "mmu/exception_state.h"
#include "mmu/uaccess.h"

/* the vectors the engine raises for faults, with RIP at the faulting instruction: without the
 * engine's record, `int N` for one of these is told apart by its bytes just before RIP */
static bool fault_vector(int v)
{
    switch (v) {
    case 0:
    case 1:
    case 5:
    case 6:
    case 7:
    case 10:
    case 11:
    case 12:
    case 13:
    case 14:
    case 16:
    case 17:
    case 18:
    case 19:
        return true;
    default:
        return false;
    }
}

/* the exceptions that push an error code */
static bool has_error_code(int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

static bool int_at(struct proc *p, uint64_t ip, int n)
{
    uint8_t b[2];
    return !copy_from_user_nofault(&p->task, b, ip, 2) && b[0] == 0xcd && b[1] == n;
}

/* sysexit: 0f 35, with REX.W for a return to 64-bit mode */
static bool sysexit_at(struct proc *p, uint64_t ip)
{
    uint8_t b[3];
    if (copy_from_user_nofault(&p->task, b, ip, 3))
        return false;
    const uint8_t *op = (b[0] & 0xf0) == 0x40 ? b + 1 : b;
    return op[0] == 0x0f && op[1] == 0x35;
}

void trap_fixup(struct proc *p, struct trap *t, const struct engine_exception *x)
{
    uint8_t b;
    t->error_code = 0;
    t->si_code = 0;
    if (t->intno < 0 || t->intno > 255)
        return;
    /* the engine stops an invalid opcode with RIP at it */
    if (t->intno == 6 && !copy_from_user_nofault(&p->task, &b, t->ip, 1) && b == 0xf1) {
        t->intno = X86_TRAP_DB; /* icebp */
        t->ip += 1;
        t->si_code = 1; /* TRAP_BRKPT: get_si_code with no DR6 bits */
        return;
    }
    /* sysexit at CPL 3 is a #GP(0) on Intel and AMD CPUs alike; QEMU 5.0 has it undefined in
     * 64-bit mode on a CPU not Intel's (the model's) */
    if (t->intno == 6 && sysexit_at(p, t->ip)) {
        t->intno = 13;
        return;
    }
    /* `int N` leaves RIP after it, `int $6` (stopped as an invalid opcode) at it */
    bool at = int_at(p, t->ip, t->intno);
    bool after = t->ip >= 2 && int_at(p, t->ip - 2, t->intno);
    bool sw = x ? x->is_int : (at || after || !fault_vector(t->intno));
    if (!sw) {
        if (x && has_error_code(t->intno))
            t->error_code = x->error_code;
        return;
    }
    if (t->intno == 3 || t->intno == 4) /* the gates user mode may use */
        return;
    /* #GP(N*8 + 2) at the instruction (its two bytes; a prefix before them is not looked
     * for) */
    t->error_code = (unsigned long)t->intno * 8 + 2;
    t->intno = 13;
    if (!at && after)
        t->ip -= 2;
}
