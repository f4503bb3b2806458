/*
 * model_test.h - a small harness for the kernel_model unit tests: a fresh RAM and mm per test,
 * fault helpers, and CHECK macros that report the failing expression.
 */
#ifndef FL_MODEL_TEST_H
#define FL_MODEL_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/mm.h"
#include "kernel_model/mman.h"
#include "kernel_model/trace.h"

extern int test_failures;
extern int tlb_flushes;    /* arch_flush_tlb_mm calls seen */
extern int code_frees;     /* arch_free_page calls for frames marked PG_arch_1 */
extern int dcache_flushes; /* flush_dcache_page calls seen */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long _a = (long long)(a), _b = (long long)(b);                                        \
        if (_a != _b) {                                                                            \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld, %#llx vs %#llx)\n",   \
                    __FILE__, __LINE__, #a, #b, _a, _b, _a, _b);                                   \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *_a = (a), *_b = (b);                                                           \
        if (strcmp(_a, _b)) {                                                                      \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s\n   got: %s\n  want: %s\n", __FILE__,     \
                    __LINE__, #a, _a, _b);                                                         \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

/* The task other than the faulting one that arch_oom_kill_task was last asked to kill (NULL:
 * none). */
extern struct task_struct *oom_killed_task;
/* The children arch_oom_next_child names for any task (oom_kill_process's sacrifice), in
 * order, NULL-terminated when fewer than 4; and arch_panic's last message (NULL: none). */
extern struct task_struct *oom_children[4];
extern const char *panic_msg;
/* The processes arch_next_process names after test_task, in order, NULL-terminated when fewer
 * than 4; the task fatal_signal_pending says is dying (NULL: none); the kernel log lines
 * arch_printk was given since a test last cleared it (test_klog[0] = 0), one per line. */
extern struct task_struct *test_processes[4];
extern struct task_struct *test_dying;
extern char test_klog[8192];

/* The task every test faults in; its mm is fresh for each test. */
extern struct task_struct test_task;
extern bool test_cap_sys_admin; /* security_vm_enough_memory_mm's answer for test_task */

/* The last fault event the model emitted, with its path joined by '>'. */
extern struct fault_event last_event;
extern char last_path[512];

void test_setup(void);               /* 64 MiB of RAM, a fresh mm owned by test_task */
void test_setup_ram(uint64_t bytes); /* test_setup with `bytes` of RAM instead of 64 MiB */
void test_teardown(void);            /* mmput, mem_exit, and check that every frame came back */

/* One fault as the CPU would raise it. Returns the outcome. */
enum fault_outcome fault(unsigned long addr, unsigned error_code, unsigned long sp,
                         struct fault_result *res);
#define USER_READ  (X86_PF_USER)
#define USER_WRITE (X86_PF_USER | X86_PF_WRITE)
#define USER_FETCH (X86_PF_USER | X86_PF_INSTR)

unsigned long mmap_anon(unsigned long addr, unsigned long len, int prot);
pte_t pte_at(unsigned long addr);
void assert_invariants(const char *where);
int count_vmas(void);

/* An in-memory file for page-cache tests: `size` bytes, byte i == (i * 7 + seed) & 0xff. */
struct file *memfile_open(unsigned long size, int seed, bool writable);
/* Open the file of mapping m again, read-only (every file of it may be closed, m must not be
 * forgotten yet), the host file's change stamp now host_stamp (memfile_open's is 0). */
struct file *memfile_reopen(struct address_space *m, uint64_t host_stamp);
unsigned memfile_reads(void);                                  /* readpage calls so far */
unsigned memfile_writes(void);                                 /* writepage calls so far */
unsigned char memfile_byte(struct file *f, unsigned long off); /* the file's bytes (backing) */

/* A named test case: run_tests() gives each a fresh machine (test_setup/test_teardown). */
struct model_test {
    const char *name;
    void (*fn)(void);
};
/* Run the test named argv[1], or all of them; prints ok/FAIL per test. Exit status for main. */
int run_tests(const struct model_test *tests, size_t n, int argc, char **argv);

#endif
