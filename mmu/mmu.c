/*
 * mmu.c - the engine and its TLB-fill hook: the x86-64 hardware page walk over the model's tables.
 *
 * Substrate facts this relies on (docs/substrate.md): with UC_TLB_VIRTUAL every softmmu TLB miss
 * calls the hook; returning false ends uc_emu_start with precise registers; the TLB keeps what
 * the hook returned until uc_ctl_flush_tlb; translated code survives TLB flushes and must be
 * dropped with uc_ctl_remove_cache.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "mmu/mmu.h"

/* Read the entry chain for vaddr: the PTE's host address, or NULL if a level is not present. */
static uint64_t *walk(uint64_t *pgd, uint64_t vaddr)
{
    uint64_t e = pgd[pgd_index(vaddr)];
    if (!(e & _PAGE_PRESENT))
        return NULL;
    uint64_t *t = pfn_address((e & PTE_PFN_MASK) >> PAGE_SHIFT);
    e = t[pud_index(vaddr)];
    if (!(e & _PAGE_PRESENT))
        return NULL;
    t = pfn_address((e & PTE_PFN_MASK) >> PAGE_SHIFT);
    e = t[pmd_index(vaddr)];
    if (!(e & _PAGE_PRESENT))
        return NULL;
    t = pfn_address((e & PTE_PFN_MASK) >> PAGE_SHIFT);
    return &t[pte_index(vaddr)];
}

/*
 * The hardware's decision for one access: allowed (A/D set, *pte returned) or the error code.
 * user: CPL 3 (needs _PAGE_USER); the model always sets USER on user mappings, so the bit
 * matters only for what the error code says.
 */
static uint64_t *hw_walk(struct mm_struct *mm, uint64_t vaddr, bool write, bool fetch, bool user,
                         unsigned *error)
{
    unsigned err =
        (write ? X86_PF_WRITE : 0) | (fetch ? X86_PF_INSTR : 0) | (user ? X86_PF_USER : 0);
    uint64_t *ptep = (mm && vaddr < TASK_SIZE_MAX) ? walk(mm->pgd, vaddr) : NULL;
    uint64_t pte = ptep ? *ptep : 0;
    if (!(pte & _PAGE_PRESENT)) {
        *error = err;
        return NULL;
    }
    if ((write && !(pte & _PAGE_RW)) || (fetch && (pte & _PAGE_NX)) ||
        (user && !(pte & _PAGE_USER))) {
        *error = err | X86_PF_PROT;
        return NULL;
    }
    uint64_t set = _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
    if ((pte & set) != set)
        *ptep = pte | set;
    return ptep;
}

static bool tlb_fill(uc_engine *uc, uint64_t vaddr, uc_mem_type type, uc_tlb_entry *e, void *ud)
{
    struct mmu *m = ud;
    bool write = type == UC_MEM_WRITE, fetch = type == UC_MEM_FETCH;
    unsigned error;
    (void)uc;

    if (m->invalidating) {
        /* arch_flush_icache_page: name the frame, never fault (see there) */
        uint64_t *p = m->tsk->mm && vaddr < TASK_SIZE_MAX ? walk(m->tsk->mm->pgd, vaddr) : NULL;
        e->paddr = p && (*p & _PAGE_PRESENT) ? (*p & PTE_PFN_MASK)
                                             : (uint64_t)page_to_pfn(zero_page()) << PAGE_SHIFT;
        e->perms = UC_PROT_READ | UC_PROT_EXEC;
        return true;
    }
    uint64_t *ptep = hw_walk(m->tsk->mm, vaddr, write, fetch, true, &error);
    if (!ptep) {
        m->fault_pending = true;
        m->fault_addr = vaddr;
        m->fault_error = error;
        return false;
    }
    uint64_t pte = *ptep;
    e->paddr = pte & PTE_PFN_MASK;
    /* Write permission only once dirty: the first store to a clean page misses again, and
     * that miss is where D gets set (QEMU's own x86 walker does the same). */
    e->perms = UC_PROT_READ | ((pte & _PAGE_NX) ? 0 : UC_PROT_EXEC) |
               ((pte & _PAGE_RW) && (pte & _PAGE_DIRTY) ? UC_PROT_WRITE : 0);
    m->refills++;
    return true;
}

void *mmu_kernel_translate(struct task_struct *tsk, uint64_t vaddr, bool write, unsigned *error)
{
    uint64_t *ptep = hw_walk(tsk->mm, vaddr, write, false, false, error);
    if (!ptep)
        return NULL;
    return (char *)pfn_address(pte_pfn(__pte(*ptep))) + (vaddr & ~PAGE_MASK);
}

struct mmu *mmu_create(void *ram, uint64_t ram_bytes, char *err, size_t errlen)
{
    struct mmu *m = calloc(1, sizeof(*m));
    uc_err e;
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e = uc_open(UC_ARCH_X86, UC_MODE_64, &m->uc);
    if (e == UC_ERR_OK)
        e = uc_ctl_tlb_mode(m->uc, UC_TLB_VIRTUAL);
    if (e == UC_ERR_OK)
        e = uc_mem_map_ptr(m->uc, 0, ram_bytes, UC_PROT_ALL, ram);
    if (e == UC_ERR_OK)
        e = uc_hook_add(m->uc, &m->tlb_hook, UC_HOOK_TLB_FILL, (void *)tlb_fill, m, 1, 0);
    if (e != UC_ERR_OK) {
        snprintf(err, errlen, "cannot set up the CPU engine: %s", uc_strerror(e));
        if (m->uc)
            uc_close(m->uc);
        free(m);
        return NULL;
    }
    return m;
}

void mmu_destroy(struct mmu *m)
{
    if (!m)
        return;
    if (m->tsk && m->tsk->mm && m->tsk->mm->arch == m)
        m->tsk->mm->arch = NULL;
    uc_close(m->uc);
    free(m);
}

void mmu_attach(struct mmu *m, struct task_struct *tsk)
{
    m->tsk = tsk;
    if (tsk->mm)
        tsk->mm->arch = m;
    uc_ctl_flush_tlb(m->uc);
}

uint64_t mmu_reg_read(struct mmu *m, int regid)
{
    uint64_t v = 0;
    uc_reg_read(m->uc, regid, &v);
    return v;
}

void mmu_reg_write(struct mmu *m, int regid, uint64_t value)
{
    uc_reg_write(m->uc, regid, &value);
}

/* --- the arch interface of kernel_model/arch.h, TLB side --- */

void arch_flush_tlb_mm(struct mm_struct *mm)
{
    struct mmu *m = mm ? mm->arch : NULL;
    if (m)
        uc_ctl_flush_tlb(m->uc);
}

/*
 * Unicorn drops translated code by guest-physical range, translating the virtual start address
 * with an instruction-fetch TLB fill (and assuming the range is physically contiguous, so this is
 * done a page at a time). That fill must not fault: outside emulation a fault would longjmp out of
 * the caller. In `invalidating` mode the hook maps the page's current frame whatever its rights;
 * the TLB entry it leaves behind is dropped before the guest runs again.
 */
void arch_flush_icache_page(struct mm_struct *mm, unsigned long addr)
{
    struct mmu *m = mm ? mm->arch : NULL;
    if (!m)
        return;
    m->invalidating = true;
    uc_ctl_remove_cache(m->uc, addr & PAGE_MASK, (addr & PAGE_MASK) + PAGE_SIZE);
    m->invalidating = false;
    uc_ctl_flush_tlb(m->uc);
}
