/*
 * pgtable.h - x86-64 4-level page-table entries and the helpers that read and build them.
 *
 * Models arch/x86/include/asm/pgtable_types.h, pgtable.h and pgtable_64.h of Linux 4.20.
 * Entries are kept in real guest-physical frames, in the hardware format, so the MMU walker
 * in mmu/ reads exactly what the model writes and the model sees the A/D bits it sets.
 *
 *   63  62..52  51........12  11..9  8  7   6   5   4   3   2   1   0
 *   NX  (avail)  frame number  SOFTW  G  PSE D   A  PCD PWT  U  RW  P
 *
 * _PAGE_SPECIAL (SOFTW1, bit 9) marks the zero-page mapping as in Linux. A non-present,
 * non-zero PTE is a swap entry; its layout is documented at __swp_entry() below.
 */
#ifndef FL_PGTABLE_H
#define FL_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SHIFT    12
#define PAGE_SIZE     (1UL << PAGE_SHIFT)
#define PAGE_MASK     (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

#define PGDIR_SHIFT    39
#define PUD_SHIFT      30
#define PMD_SHIFT      21
#define PMD_SIZE       (1UL << PMD_SHIFT)
#define PMD_MASK       (~(PMD_SIZE - 1))
#define PTRS_PER_TABLE 512

/* The user half of the address space: TASK_SIZE_MAX of arch/x86/include/asm/processor.h. */
#define TASK_SIZE_MAX ((1UL << 47) - PAGE_SIZE)
#define TASK_SIZE     TASK_SIZE_MAX
#define VSYSCALL_ADDR 0xffffffffff600000UL

#define _PAGE_BIT_PRESENT  0
#define _PAGE_BIT_RW       1
#define _PAGE_BIT_USER     2
#define _PAGE_BIT_PWT      3
#define _PAGE_BIT_PCD      4
#define _PAGE_BIT_ACCESSED 5
#define _PAGE_BIT_DIRTY    6
#define _PAGE_BIT_PSE      7
#define _PAGE_BIT_GLOBAL   8
#define _PAGE_BIT_SPECIAL  9
#define _PAGE_BIT_NX       63

#define _PAGE_PRESENT  (1ULL << _PAGE_BIT_PRESENT)
#define _PAGE_RW       (1ULL << _PAGE_BIT_RW)
#define _PAGE_USER     (1ULL << _PAGE_BIT_USER)
#define _PAGE_PWT      (1ULL << _PAGE_BIT_PWT)
#define _PAGE_PCD      (1ULL << _PAGE_BIT_PCD)
#define _PAGE_ACCESSED (1ULL << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY    (1ULL << _PAGE_BIT_DIRTY)
#define _PAGE_PSE      (1ULL << _PAGE_BIT_PSE)
#define _PAGE_GLOBAL   (1ULL << _PAGE_BIT_GLOBAL)
#define _PAGE_SPECIAL  (1ULL << _PAGE_BIT_SPECIAL)
/* PROT_NONE PTEs keep their frame but not _PAGE_PRESENT, so the hardware faults on them; Linux
 * marks them with the otherwise unused global bit (_PAGE_PROTNONE) so pte_present() stays true. */
#define _PAGE_PROTNONE _PAGE_GLOBAL
#define _PAGE_NX       (1ULL << _PAGE_BIT_NX)

#define PTE_PFN_MASK 0x000ffffffffff000ULL
/* Upper-level entries point to the next table: present, writable, user, accessed (_PAGE_TABLE). */
#define _PAGE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

typedef struct {
    uint64_t pte;
} pte_t;
typedef uint64_t pgprot_t;
typedef unsigned long pgoff_t;

/* The protections of vm_page_prot (Linux's PAGE_* values): private writable is PAGE_COPY,
 * read-only until the first write goes through do_wp_page / do_anonymous_page. */
#define PAGE_NONE          (_PAGE_PROTNONE | _PAGE_ACCESSED)
#define PAGE_READONLY      (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_READONLY_EXEC (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define PAGE_COPY          PAGE_READONLY
#define PAGE_COPY_EXEC     PAGE_READONLY_EXEC
#define PAGE_SHARED        (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_SHARED_EXEC   (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)

static inline uint64_t pte_val(pte_t p)
{
    return p.pte;
}
static inline pte_t __pte(uint64_t v)
{
    return (pte_t){v};
}
static inline bool pte_none(pte_t p)
{
    return p.pte == 0;
}
/* Present to the kernel: mapped, even if PROT_NONE hides it from the hardware. */
static inline bool pte_present(pte_t p)
{
    return p.pte & (_PAGE_PRESENT | _PAGE_PROTNONE);
}
static inline bool pte_write(pte_t p)
{
    return p.pte & _PAGE_RW;
}
static inline bool pte_dirty(pte_t p)
{
    return p.pte & _PAGE_DIRTY;
}
static inline bool pte_young(pte_t p)
{
    return p.pte & _PAGE_ACCESSED;
}
static inline bool pte_special(pte_t p)
{
    return p.pte & _PAGE_SPECIAL;
}
static inline bool pte_exec(pte_t p)
{
    return !(p.pte & _PAGE_NX);
}
static inline unsigned long pte_pfn(pte_t p)
{
    return (p.pte & PTE_PFN_MASK) >> PAGE_SHIFT;
}
static inline pte_t pfn_pte(unsigned long pfn, pgprot_t prot)
{
    return __pte(((uint64_t)pfn << PAGE_SHIFT) | prot);
}
static inline pte_t pte_mkwrite(pte_t p)
{
    return __pte(p.pte | _PAGE_RW);
}
static inline pte_t pte_wrprotect(pte_t p)
{
    return __pte(p.pte & ~_PAGE_RW);
}
static inline pte_t pte_mkdirty(pte_t p)
{
    return __pte(p.pte | _PAGE_DIRTY);
}
static inline pte_t pte_mkclean(pte_t p)
{
    return __pte(p.pte & ~_PAGE_DIRTY);
}
static inline pte_t pte_mkyoung(pte_t p)
{
    return __pte(p.pte | _PAGE_ACCESSED);
}
static inline pte_t pte_mkold(pte_t p)
{
    return __pte(p.pte & ~_PAGE_ACCESSED);
}
static inline pte_t pte_mkspecial(pte_t p)
{
    return __pte(p.pte | _PAGE_SPECIAL);
}
/* pte_modify(): new protections, keeping frame, A and D (arch/x86/include/asm/pgtable.h). */
static inline pte_t pte_modify(pte_t p, pgprot_t prot)
{
    const uint64_t keep = PTE_PFN_MASK | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SPECIAL;
    return __pte((p.pte & keep) | (prot & ~keep));
}
static inline bool pte_same(pte_t a, pte_t b)
{
    return a.pte == b.pte;
}

/*
 * Swap entries in non-present PTEs, exactly as arch/x86/include/asm/pgtable_64.h of Linux 4.20
 * lays them out (the L1TF-safe layout of 4.17 and later):
 *
 *   63..59     58 ........................... 9   8   7..1  0
 *   type (5)   ~offset (inverted, 50 bits)        0   0     0 (not present, not PROTNONE)
 *
 * Bits 0 and 8 stay clear, so the entry is neither present nor PROT_NONE to pte_present(). The
 * offset is stored inverted so that a non-present PTE never holds the physical address of a
 * real frame in its pfn bits (L1 Terminal Fault mitigation); a low offset thus sets the high pfn
 * bits, which also keeps every entry non-zero (never pte_none).
 */
#define _PAGE_BIT_PROTNONE   _PAGE_BIT_GLOBAL
#define SWP_TYPE_BITS        5
#define SWP_OFFSET_FIRST_BIT (_PAGE_BIT_PROTNONE + 1)
#define SWP_OFFSET_SHIFT     (SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS)

static inline uint64_t __swp_entry(unsigned type, unsigned long offset)
{
    return (~(uint64_t)offset << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) |
           ((uint64_t)type << (64 - SWP_TYPE_BITS));
}
static inline unsigned __swp_type(uint64_t val)
{
    return (unsigned)(val >> (64 - SWP_TYPE_BITS));
}
static inline unsigned long __swp_offset(uint64_t val)
{
    return (unsigned long)(~val << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT);
}
/* is_swap_pte(): neither none nor present (this model has no migration entries). */
static inline bool is_swap_pte(pte_t p)
{
    return !pte_none(p) && !pte_present(p);
}

static inline unsigned pgd_index(unsigned long a)
{
    return (a >> PGDIR_SHIFT) & 511;
}
static inline unsigned pud_index(unsigned long a)
{
    return (a >> PUD_SHIFT) & 511;
}
static inline unsigned pmd_index(unsigned long a)
{
    return (a >> PMD_SHIFT) & 511;
}
static inline unsigned pte_index(unsigned long a)
{
    return (a >> PAGE_SHIFT) & 511;
}

#endif
