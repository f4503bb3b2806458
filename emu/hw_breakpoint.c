/*
 * hw_breakpoint.c - the x86 debug registers of guest tasks: what ptrace(2) reads and writes
 * (ptrace_get_debugreg, ptrace_set_debugreg, ptrace_write_dr7 of arch/x86/kernel/ptrace.c), and
 * the CPU's side, the #DB trap a breakpoint raises (arch/x86/kernel/hw_breakpoint.c, do_debug).
 *
 * The engine cannot do the CPU's part: Unicorn compiles QEMU's watchpoints out (2.1.1's
 * cpu_watchpoint_insert and cpu_check_watchpoint are empty), so a DR7 loaded into the engine
 * would do nothing. faultline watches instead, and only while some task has a breakpoint armed:
 * the engine then carries a code hook (the instruction about to run: an instruction breakpoint
 * there stops it before it runs, as the fault-type #DB does) and, while a data breakpoint is
 * armed, a memory hook (every load and store: one that overlaps a watched range marks the
 * slot). The trap-type #DB of a data
 * breakpoint comes after the instruction retires, so the mark is acted on at the next
 * instruction's code hook, or when the engine returns for another reason (a time slice ending
 * at a block boundary); an instruction that faults and restarts forgets its marks.
 *
 * The memory hook sees the guest-physical address (Unicorn 2.1.1 reports the frame's address,
 * not the virtual one), so a slot matches when the access touches the frame and offsets its
 * virtual address maps to now. A frame mapped at two addresses (the zero page, a file or shared
 * mapping mapped twice, a page shared with a forked child) is told apart by decoding the
 * instruction's memory operands (mmu_insn_touches).
 *
 * Costs: the code hook runs before every instruction of every guest while any breakpoint is
 * armed, and the memory hook sends every load and store down Unicorn's slow path while a data
 * breakpoint is (a loop over memory: ~20x with both; gdb's own software watchpoints
 * single-step the program, far slower). As in Linux, whose ptrace breakpoints exclude the kernel,
 * the kernel's own accesses for the task (a read(2) into a watched buffer) do not trap. Not
 * modelled: DR7's GD and the LE/GE bits (kept as written, as Linux keeps them); I/O breakpoints
 * are refused, as Linux refuses them.
 */
#include "emu/hw_breakpoint.h"

#include <errno.h>
#include <string.h>

#include "emu/emu.h"
#include "emu/proc.h"
#include "kernel_model/mm.h"
#include "mmu/mmu.h"

/* DR6's bits that read as 1 on the CPU; ptrace reads and writes DR6 with them flipped, so a
 * tracer sees the register's own polarity (Linux 5.10 and later, the host tests compare with) */
#define DR6_RESERVED  0xffff0ff0ull
#define DR_RW_EXECUTE 0u
#define DR_RW_WRITE   1u
#define DR_RW_IO      2u

/* Engines that carry the hooks (at most the machine's two, emu/run.c). */
#define MAX_ENGINES 4
static struct hooked_engine {
    uc_engine *uc;
    uc_hook code, mem;
    bool has_mem;
} hooked[MAX_ENGINES];
/* Tasks with a breakpoint armed (the code hook stays while there are any), and those with a
 * data breakpoint armed (the memory hook, and its slow path for every access, only for them). */
static unsigned nr_armed_tasks, nr_watching_tasks;
static struct proc *running; /* the task the engine runs now (hw_breakpoint_before_run) */

/* The armed slots that watch data rather than an instruction. */
static unsigned data_slots(const struct thread_debugreg *d, unsigned armed)
{
    unsigned m = 0;
    for (unsigned i = 0; i < HBP_NUM; i++)
        if ((armed & (1u << i)) && d->type[i] != DR_RW_EXECUTE)
            m |= 1u << i;
    return m;
}

/* type[] and len[] describe the slots of `armed` already. */
static void set_armed(struct proc *p, unsigned armed)
{
    struct thread_debugreg *d = &p->hw;
    if (!d->armed != !armed)
        armed ? nr_armed_tasks++ : nr_armed_tasks--;
    bool watching = data_slots(d, armed) != 0;
    if (watching != d->watching)
        watching ? nr_watching_tasks++ : nr_watching_tasks--;
    d->armed = armed;
    d->watching = watching;
}

/* arch_check_bp_in_kernelspace: any byte of [va, va + len) outside the user half. */
static bool in_kernel_space(uint64_t va, unsigned len)
{
    return va >= TASK_SIZE_MAX || va + len - 1 >= TASK_SIZE_MAX;
}

uint64_t ptrace_get_debugreg(const struct proc *child, unsigned n)
{
    if (n < HBP_NUM)
        return child->hw.addr[n];
    if (n == 6)
        return child->hw.virtual_dr6 ^ DR6_RESERVED;
    if (n == 7)
        return child->hw.dr7;
    return 0;
}

/* ptrace_write_dr7: every slot DR7 enables or that has a breakpoint must be one the CPU can
 * do; then the enabled ones are armed with their type and length, the others disarmed. A
 * refusal changes nothing (Linux restores the old DR7 after a failed first pass). */
static int ptrace_write_dr7(struct proc *child, uint64_t val)
{
    static const uint8_t len_of[4] = {1, 2, 8, 4}; /* DR7's LEN field (x86-64) */
    struct thread_debugreg *d = &child->hw;
    unsigned armed = 0;
    for (unsigned i = 0; i < HBP_NUM; i++) {
        bool enabled = (val >> (2 * i)) & 3;
        unsigned rw = (val >> (16 + 4 * i)) & 3, lenf = (val >> (18 + 4 * i)) & 3;
        if (!enabled && !(d->registered & (1u << i)))
            continue;
        if (rw == DR_RW_IO || (rw == DR_RW_EXECUTE && lenf != 0))
            return -EINVAL;
        unsigned len = len_of[lenf];
        if (enabled && ((d->addr[i] & (len - 1)) || in_kernel_space(d->addr[i], len)))
            return -EINVAL;
        if (enabled) {
            armed |= 1u << i;
            d->type[i] = (uint8_t)rw;
            d->len[i] = (uint8_t)len;
        }
    }
    d->registered |= armed;
    d->dr7 = val;
    set_armed(child, armed);
    return 0;
}

int ptrace_set_debugreg(struct proc *child, unsigned n, uint64_t val)
{
    struct thread_debugreg *d = &child->hw;
    if (n < HBP_NUM) {
        /* ptrace_set_breakpoint_addr: a new slot's breakpoint is a disabled one-byte write
         * watchpoint; an armed one keeps its type and length, so the address must suit them */
        unsigned len = (d->armed & (1u << n)) ? d->len[n] : 1;
        if (in_kernel_space(val, len) || (val & (len - 1)))
            return -EINVAL;
        d->addr[n] = val;
        d->registered |= 1u << n;
        return 0;
    }
    if (n == 6) {
        d->virtual_dr6 = val ^ DR6_RESERVED;
        return 0;
    }
    if (n == 7)
        return ptrace_write_dr7(child, val);
    return -EIO; /* DR4 and DR5 */
}

void hw_breakpoint_fork(struct proc *child, const struct proc *parent)
{
    memset(&child->hw, 0, sizeof(child->hw));
    child->hw.dr7 = parent->hw.dr7;
}

void flush_ptrace_hw_breakpoint(struct proc *p)
{
    set_armed(p, 0);
    memset(&p->hw, 0, sizeof(p->hw));
}

/* A frame the task may reach through more than one virtual address. */
static bool frame_aliased(uint64_t paddr)
{
    unsigned long pfn = paddr >> PAGE_SHIFT;
    return is_zero_pfn(pfn) || page_mapcount(pfn_to_page(pfn)) > 1;
}

/* Before each instruction (UC_HOOK_CODE): a data breakpoint the last one hit traps now, before
 * this one runs; an instruction breakpoint here traps before it runs, unless RF says the task
 * has just been stopped by it and resumes here. A kick stops the engine before this one too,
 * as if not hooked (the hook holds the engine's stop checks: emu/run.c, "Kicks"). */
static void code_hook(uc_engine *uc, uint64_t ip, uint32_t size, void *ud)
{
    (void)size;
    (void)ud;
    struct proc *p = running;
    if (!p)
        return;
    struct thread_debugreg *d = &p->hw;
    if (d->hits || emu_kick_take(p->emu)) { /* the hits first: the next run forgets them */
        uc_emu_stop(uc);
        return;
    }
    if (!d->armed)
        return;
    bool rf = d->rf && ip == d->rf_ip;
    if (ip != d->rf_ip)
        d->rf = false; /* the CPU clears RF once an instruction retires */
    d->insn = ip;
    if (rf)
        return;
    for (unsigned i = 0; i < HBP_NUM; i++)
        if ((d->armed & (1u << i)) && d->type[i] == DR_RW_EXECUTE && d->addr[i] == ip)
            d->hits |= 1u << i;
    if (d->hits)
        uc_emu_stop(uc);
}

/* Every load and store (UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE), with its guest-physical address. */
static void mem_hook(uc_engine *uc, uc_mem_type type, uint64_t paddr, int size, int64_t value,
                     void *ud)
{
    (void)uc;
    (void)value;
    (void)ud;
    struct proc *p = running;
    if (!p || !p->hw.armed)
        return;
    struct thread_debugreg *d = &p->hw;
    bool write = type == UC_MEM_WRITE;
    for (unsigned i = 0; i < HBP_NUM; i++) {
        if (!(d->armed & (1u << i)) || d->type[i] == DR_RW_EXECUTE ||
            (d->type[i] == DR_RW_WRITE && !write))
            continue;
        uint64_t wp;
        if (!mmu_user_paddr(p->task.mm, d->addr[i], &wp) || paddr >= wp + d->len[i] ||
            wp >= paddr + (uint64_t)size)
            continue;
        if (frame_aliased(wp) && mmu_insn_touches(p->mmu, d->insn, d->addr[i], d->len[i]) == 0)
            continue;
        d->hits |= 1u << i;
    }
}

static struct hooked_engine *find_engine(uc_engine *uc)
{
    for (int i = 0; i < MAX_ENGINES; i++)
        if (hooked[i].uc == uc)
            return &hooked[i];
    return NULL;
}

void hw_breakpoint_before_run(struct proc *p)
{
    running = p;
    p->hw.hits = 0; /* what an instruction that did not retire (a page fault) noted */
    uc_engine *uc = p->mmu->uc;
    struct hooked_engine *h = find_engine(uc);
    bool changed = false;
    /* translated code carries the hook calls (and, for memory hooks, the slow path) in it:
     * adding or removing either drops it */
    /* both hooks stop the engine before the next instruction: it must check there (held
     * while the code hook is in, which any memory hook comes with) */
    if (nr_armed_tasks && !h && (h = find_engine(NULL))) {
        cpu_hold_exit_checks(p->mmu->cpu, true);
        if (uc_hook_add(uc, &h->code, UC_HOOK_CODE, (void *)code_hook, NULL, 1, 0) != UC_ERR_OK) {
            cpu_hold_exit_checks(p->mmu->cpu, false);
            return;
        }
        h->uc = uc;
        changed = true;
    }
    if (h && h->has_mem && !nr_watching_tasks) {
        uc_hook_del(uc, h->mem);
        h->has_mem = false;
        changed = true;
    } else if (h && !h->has_mem && nr_watching_tasks &&
               uc_hook_add(uc, &h->mem, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)mem_hook,
                           NULL, 1, 0) == UC_ERR_OK) {
        h->has_mem = true;
        changed = true;
    }
    if (h && !nr_armed_tasks) {
        uc_hook_del(uc, h->code);
        cpu_hold_exit_checks(p->mmu->cpu, false);
        h->uc = NULL;
        changed = true;
    }
    if (changed)
        cpu_drop_all_code(p->mmu->cpu);
}

bool hw_breakpoint_trapped(struct proc *p, bool stepped)
{
    struct thread_debugreg *d = &p->hw;
    if (!d->hits && !stepped)
        return false;
    for (unsigned i = 0; i < HBP_NUM; i++)
        if ((d->hits & (1u << i)) && d->type[i] == DR_RW_EXECUTE) {
            d->rf = true; /* the handler sets RF: resuming runs the instruction */
            d->rf_ip = d->addr[i];
        }
    d->virtual_dr6 = (d->hits & DR_TRAP_BITS) | (stepped ? DR_STEP : 0);
    d->hits = 0;
    return true;
}
