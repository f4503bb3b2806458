/*
 * fixture.c - the known fault log of fixture.h, written through fl_log_* and the observer.
 */
#include <stdio.h>

#include "db/log.h"
#include "tests/db/fixture.h"
#include "tests/db/testlib.h"

#define P_U_A     (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define RW_DIRTY  (P_U_A | _PAGE_RW | _PAGE_DIRTY)
#define ZERO_PTE  ((1ULL << 12) | P_U_A | _PAGE_SPECIAL | _PAGE_NX) /* the zero page, pfn 1 */
#define ANON(pfn) (((uint64_t)(pfn) << 12) | RW_DIRTY | _PAGE_NX)
#define RO(pfn)   (((uint64_t)(pfn) << 12) | P_U_A | _PAGE_NX)
#define TEXT(pfn) (((uint64_t)(pfn) << 12) | P_U_A)

#define EXE_VMA     .vma_start = 0x400000, .vma_end = 0x402000, .vma_file = "/usr/bin/demo"
#define EXE_FLAGS   (VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYEXEC)
#define HEAP_VMA    .vma_start = 0x7f0000000000, .vma_end = 0x7f0000010000, .vma_file = "[heap]"
#define HEAP_FLAGS  (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE)
#define STACK_FLAGS (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_GROWSDOWN)
#define LIBC_VMA    .vma_start = 0x7f1000000000, .vma_end = 0x7f1000010000, .vma_pgoff = 0x10
#define LIBC_FLAGS  (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)

#define PTE_PATH "do_user_addr_fault", "handle_mm_fault", "handle_pte_fault"

static const struct ev_spec run1[] = {
    {1, 100, 1000, 0x401000, 0x7ffffffde000, 0x401000, X86_PF_USER | X86_PF_INSTR, EXE_VMA,
     .vma_flags = EXE_FLAGS, .path = PATH(PTE_PATH, "do_fault", "do_read_fault"),
     .vm_fault = VM_FAULT_MAJOR, .outcome = OUTCOME_MAJOR, .pte_after = TEXT(0x10)},
    {2, 100, 2000, 0x401010, 0x7ffffffde000, 0x7f0000001008, X86_PF_USER, HEAP_VMA,
     .vma_flags = HEAP_FLAGS, .path = PATH(PTE_PATH, "do_anonymous_page"), .outcome = OUTCOME_MINOR,
     .pte_after = ZERO_PTE},
    {3, 100, 2100, 0x401020, 0x7ffffffde000, 0x7f0000001010,
     X86_PF_PROT | X86_PF_WRITE | X86_PF_USER, HEAP_VMA, .vma_flags = HEAP_FLAGS,
     .path = PATH(PTE_PATH, "do_wp_page", "wp_page_copy"), .vm_fault = VM_FAULT_WRITE,
     .outcome = OUTCOME_MINOR, .pte_before = ZERO_PTE, .pte_after = ANON(0x2a)},
    {4, 100, 2200, 0x401020, 0x7ffffffde000, 0x7f0000002000, X86_PF_WRITE | X86_PF_USER, HEAP_VMA,
     .vma_flags = HEAP_FLAGS, .path = PATH(PTE_PATH, "do_anonymous_page"),
     .vm_fault = VM_FAULT_WRITE, .outcome = OUTCOME_MINOR, .pte_after = ANON(0x2b)},
    {5, 100, 3000, 0x401030, 0x7ffffffde000, 0x7ffffffde100, X86_PF_WRITE,
     .vma_start = 0x7ffffffde000, .vma_end = 0x7ffffffff000, .vma_file = "[stack]",
     .vma_flags = STACK_FLAGS, .path = PATH(PTE_PATH, "do_anonymous_page"),
     .vm_fault = VM_FAULT_WRITE, .outcome = OUTCOME_MINOR, .pte_after = ANON(0x2c)},
    {6, 101, 500, 0x401040, 0x7ffffffde000, 0x7f0000002008,
     X86_PF_PROT | X86_PF_WRITE | X86_PF_USER, HEAP_VMA, .vma_flags = HEAP_FLAGS,
     .path = PATH(PTE_PATH, "do_wp_page", "wp_page_copy"), .vm_fault = VM_FAULT_WRITE,
     .outcome = OUTCOME_MINOR, .pte_before = RO(0x2b), .pte_after = ANON(0x2d)},
    {7, 100, 3500, 0x401040, 0x7ffffffde000, 0x7f0000002010,
     X86_PF_PROT | X86_PF_WRITE | X86_PF_USER, HEAP_VMA, .vma_flags = HEAP_FLAGS,
     .path = PATH(PTE_PATH, "do_wp_page", "wp_page_reuse"), .vm_fault = VM_FAULT_WRITE,
     .outcome = OUTCOME_MINOR, .pte_before = RO(0x2b), .pte_after = ANON(0x2b)},
    {8, 101, 600, 0x401050, 0x7ffffffde000, 0x0, X86_PF_USER,
     .path = PATH("do_user_addr_fault", "bad_area"), .outcome = OUTCOME_SIGSEGV,
     .signo = FL_SIGSEGV, .si_code = SEGV_MAPERR},
    {9, 100, 4000, 0x401060, 0x7ffffffde000, 0xffffffff81000000, X86_PF_PROT | X86_PF_USER,
     .path = PATH("do_kern_addr_fault", "bad_area_nosemaphore"), .outcome = OUTCOME_SIGSEGV,
     .signo = FL_SIGSEGV, .si_code = SEGV_MAPERR},
    {10, 100, 5000, 0x401070, 0x7ffffffde000, 0x7f1000003000, X86_PF_WRITE | X86_PF_USER, LIBC_VMA,
     .vma_file = "/usr/lib/libc.so.6", .vma_flags = LIBC_FLAGS,
     .path = PATH(PTE_PATH, "do_fault", "do_cow_fault"),
     .vm_fault = VM_FAULT_MAJOR | VM_FAULT_WRITE, .outcome = OUTCOME_MAJOR,
     .pte_after = ANON(0x2e)},
    {11, 100, 5100, 0x401080, 0x7ffffffde000, 0x7f0000003000, X86_PF_USER, HEAP_VMA,
     .vma_flags = HEAP_FLAGS, .path = PATH(PTE_PATH, "do_anonymous_page"), .outcome = OUTCOME_MINOR,
     .pte_after = ZERO_PTE},
    {12, 100, 6000, 0x401090, 0x7ffffffdd000, 0x7ffffffdd008, X86_PF_WRITE | X86_PF_USER,
     .vma_start = 0x7ffffffdd000, .vma_end = 0x7ffffffff000, .vma_file = "[stack]",
     .vma_flags = STACK_FLAGS, .path = PATH(PTE_PATH, "do_anonymous_page"),
     .vm_fault = VM_FAULT_WRITE, .outcome = OUTCOME_MINOR, .pte_after = ANON(0x2f)},
    {13, 100, 6100, 0x401020, 0x7ffffffde000, 0x7f0000002000, X86_PF_WRITE | X86_PF_USER, HEAP_VMA,
     .vma_flags = HEAP_FLAGS, .path = PATH(PTE_PATH), .outcome = OUTCOME_SPURIOUS,
     .pte_before = ANON(0x2b), .pte_after = ANON(0x2b)},
};

static const struct ev_spec run2[] = {
    {1, 200, 0, 0x401000, 0x7ffffffde000, 0x7f0000001000, X86_PF_USER, HEAP_VMA,
     .vma_flags = HEAP_FLAGS, .path = PATH(PTE_PATH, "do_anonymous_page"), .outcome = OUTCOME_MINOR,
     .pte_after = ZERO_PTE},
    {2, 200, 0, 0x401000, 0x7ffffffde000, 0x401000, X86_PF_USER | X86_PF_INSTR, EXE_VMA,
     .vma_flags = EXE_FLAGS, .path = PATH(PTE_PATH, "do_fault", "do_read_fault"),
     .vm_fault = VM_FAULT_MAJOR, .outcome = OUTCOME_MAJOR, .pte_after = TEXT(0x10)},
};

int fixture_write(const char *path, char *err, size_t errlen)
{
    struct fl_log *log = fl_log_open(path, err, errlen);
    if (!log)
        return -1;
    struct fault_observer *obs = fl_log_fault_observer(log);

    char *argv1[] = {"demo", "--flag", "a \"b\", c", NULL};
    struct fl_run_info r1 = {"/usr/bin/demo", argv1, "{\"ram\":\"64M\"}", 64 << 20, 65536};
    if (fl_log_run_begin(log, &r1) != 1)
        snprintf(err, errlen, "run 1 did not get run_id 1");
    fl_log_process_start(log, 100, 1, "/usr/bin/demo", argv1);
    char *argv_child[] = {"demo", "child", NULL};
    for (size_t i = 0; i < sizeof(run1) / sizeof(run1[0]); i++) {
        if (run1[i].seq == 6) /* the child appears after fork, before its first fault */
            fl_log_process_start(log, 101, 100, "/usr/bin/demo", argv_child);
        deliver(obs, &run1[i]);
    }
    fl_log_process_exit(log, 101, 0, FL_SIGSEGV, 1, 0);
    fl_log_process_exit(log, 100, 0, 0, 9, 2);
    struct fl_run_end e1 = {"exited", 0, 0, FIXTURE_RUN1_FAULTS, 10, 2, 7000, 0.25, NULL};
    fl_log_run_end(log, &e1);

    char *argv2[] = {"demo2", NULL};
    struct fl_run_info r2 = {"/usr/bin/demo2", argv2, NULL, 32 << 20, 0};
    fl_log_run_begin(log, &r2);
    fl_log_process_start(log, 200, 1, "/usr/bin/demo2", argv2);
    for (size_t i = 0; i < sizeof(run2) / sizeof(run2[0]); i++)
        deliver(obs, &run2[i]);
    /* no fl_log_run_end: run 2 stays 'running', as after a killed faultline */
    return fl_log_close(log, err, errlen);
}
