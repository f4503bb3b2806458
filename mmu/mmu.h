/*
 * mmu.h - one emulated CPU with its MMU: a Unicorn engine whose TLB is filled by walking the
 * model's x86-64 page tables (the hardware page walker of the design).
 *
 * A guest access that the walk allows is a TLB refill: the A (and on a write D) bits are set as
 * the hardware sets them and the engine goes on. One it does not allow is recorded as a pending
 * #PF and the engine stops with precise registers; the run loop then calls do_page_fault().
 */
#ifndef FL_MMU_H
#define FL_MMU_H

#include <stdbool.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

struct task_struct;
struct mm_struct;

struct mmu {
    uc_engine *uc;
    struct task_struct *tsk; /* whose mm the walker reads */
    /* the #PF the TLB-fill hook recorded (valid when fault_pending) */
    bool fault_pending;
    uint64_t fault_addr;
    unsigned fault_error; /* X86_PF_* */
    uint64_t refills;     /* successful walks: TLB misses that were not faults */
    bool invalidating;    /* inside arch_flush_icache_page: fills name frames, never fault */
    uc_hook tlb_hook;
};

/* A new engine in 64-bit mode with the RAM buffer as guest-physical memory and the TLB-fill
 * hook installed. NULL and a message in err on failure. */
struct mmu *mmu_create(void *ram, uint64_t ram_bytes, char *err, size_t errlen);
void mmu_destroy(struct mmu *m);
/* Make the engine translate through tsk->mm (after exec, or when it starts running). */
void mmu_attach(struct mmu *m, struct task_struct *tsk);

/* Walk tsk's tables for a supervisor access (copy_*_user): the host pointer to the byte at vaddr
 * if the access is allowed (setting A/D), else NULL with *error the X86_PF_* code to fault with. */
void *mmu_kernel_translate(struct task_struct *tsk, uint64_t vaddr, bool write, unsigned *error);

/* The byte address of a user-mode fault whose page the TLB-fill hook reported (mmu/fault_addr.c):
 * decoded from the instruction at rip, as the CPU's CR2 would hold it. */
uint64_t mmu_exact_fault_addr(struct mmu *m, uint64_t rip, uint64_t page, bool fetch);

uint64_t mmu_reg_read(struct mmu *m, int regid);
void mmu_reg_write(struct mmu *m, int regid, uint64_t value);

#endif
