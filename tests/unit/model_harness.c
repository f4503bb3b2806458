/*
 * model_harness.c - the machine under the model for unit tests: RAM from malloc, arch hooks
 * that count flushes, a fault observer that keeps the last event, and an in-memory file.
 */
#include <errno.h>
#include <stdarg.h>

#include "kernel_model/arch.h"
#include "kernel_model/huge_mm.h"
#include "tests/unit/model_test.h"

int test_failures;
int tlb_flushes;
int code_frees;
int dcache_flushes;
struct task_struct test_task;
struct fault_event last_event;
char last_path[512];

static void *ram;
static uint64_t ram_bytes = 64 << 20;
static unsigned long free_at_start;

void arch_flush_tlb_mm(struct mm_struct *mm)
{
    (void)mm;
    tlb_flushes++;
}

void arch_free_page(struct page *page)
{
    if (PageArch1(page))
        code_frees++;
}

void arch_fresh_frame_taken(unsigned long next_fresh)
{
    (void)next_fresh; /* nothing backs the unit tests' RAM ahead of use */
}

void flush_dcache_page(struct page *page)
{
    (void)page;
    dcache_flushes++;
}

bool fatal_signal_pending(struct task_struct *tsk)
{
    /* nothing stops a unit test's populate; a test may say one task has SIGKILL pending */
    return tsk && tsk == test_dying;
}

int security_mmap_addr(struct mm_struct *mm, unsigned long addr)
{
    (void)mm, (void)addr;
    return -EPERM; /* the unit tests' task has no CAP_SYS_RAWIO: EPERM below mmap_min_addr */
}

bool test_cap_sys_admin; /* the unit tests' task: no CAP_SYS_ADMIN unless a test sets it */

int security_vm_enough_memory_mm(struct mm_struct *mm, unsigned long pages)
{
    return __vm_enough_memory(mm, pages, test_cap_sys_admin);
}

unsigned long arch_mmap_min_addr(void)
{
    return 4096; /* Debian's default */
}

char test_klog[8192];

void arch_printk(const char *fmt, ...)
{
    /* kept (one line each, the last 8 KiB) for the tests that read the report */
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* the text as faultline's stderr has it: without the KERN_* level that starts fmt */
    const char *text = line[0] == KERN_SOH[0] && line[1] ? line + 2 : line;
    size_t used = strlen(test_klog), n = strlen(text) + 1;
    if (used + n + 1 > sizeof(test_klog))
        used = 0, test_klog[0] = '\0';
    snprintf(test_klog + used, sizeof(test_klog) - used, "%s\n", text);
}

bool arch_emulate_vsyscall(struct task_struct *tsk, struct pt_regs *regs, unsigned long address)
{
    return false;
}

struct task_struct *oom_killed_task;

void exit_aio(struct mm_struct *mm)
{
    (void)mm; /* the unit tests make no AIO contexts */
}

void arch_oom_kill_task(struct task_struct *victim, struct task_struct *faulting)
{
    if (victim != faulting) /* the fault kills the faulting task itself */
        oom_killed_task = victim;
}

struct task_struct *oom_children[4];

struct task_struct *arch_oom_next_child(struct task_struct *p, struct task_struct *prev)
{
    (void)p; /* the unit tests' tasks have the children a test puts in oom_children */
    size_t i = 0;
    if (prev) {
        while (i < 4 && oom_children[i] != prev)
            i++;
        i++;
    }
    return i < 4 ? oom_children[i] : NULL;
}

struct task_struct *test_processes[4];
struct task_struct *test_dying;

struct task_struct *arch_next_process(struct task_struct *tsk, struct task_struct *prev)
{
    (void)tsk; /* the unit tests' processes are test_task and those a test puts in
                  test_processes */
    if (!prev)
        return &test_task;
    size_t i = 0;
    if (prev != &test_task) {
        while (i < 4 && test_processes[i] != prev)
            i++;
        i++;
    }
    return i < 4 ? test_processes[i] : NULL;
}

unsigned int arch_task_uid(struct task_struct *t)
{
    (void)t;
    return 1000;
}

void arch_dump_stack(struct task_struct *tsk)
{
    arch_printk("CPU: 0 PID: %d Comm: %.20s Not tainted", tsk->pid, tsk->comm);
}

const char *panic_msg;

void arch_panic(struct task_struct *tsk, const char *msg)
{
    (void)tsk;
    panic_msg = msg;
}

static void keep_event(void *ctx, const struct fault_event *ev)
{
    (void)ctx;
    last_event = *ev;
    fault_path_format(ev, last_path, sizeof(last_path));
}

static struct fault_observer observer = {.on_fault = keep_event};

void test_setup(void)
{
    ram = aligned_alloc(4096, ram_bytes);
    if (ram)
        memset(ram, 0, ram_bytes); /* mem_init wants zeroed RAM, as mmap gives it */
    if (!ram || mem_init(ram, ram_bytes)) {
        fprintf(stderr, "cannot set up RAM\n");
        exit(2);
    }
    free_at_start = nr_free_pages();
    memset(&test_task, 0, sizeof(test_task));
    test_task.pid = 42;
    strcpy(test_task.comm, "unit");
    test_task.rlimit_stack = 8 << 20;
    test_task.mm = mm_alloc();
    test_task.mm->owner = &test_task;
    fault_observer_unregister(&observer);
    fault_observer_register(&observer);
    fault_around_bytes = 65536;
    tlb_flushes = code_frees = dcache_flushes = 0;
}

void test_setup_ram(uint64_t bytes)
{
    ram_bytes = bytes;
    test_setup();
}

static void memfiles_free(void);

void test_teardown(void)
{
    mmput(test_task.mm);
    test_task.mm = NULL;
    evict_unused_mappings(); /* closed files keep their cache until then */
    /* every frame but the zero pages must be back: no reference may leak */
    CHECK_EQ(nr_free_pages() + (huge_zero_page() ? HPAGE_PMD_NR : 0), free_at_start);
    mem_exit();
    free(ram);
    memfiles_free();
}

enum fault_outcome fault(unsigned long addr, unsigned error_code, unsigned long sp,
                         struct fault_result *res)
{
    struct fault_result local;
    struct pt_regs regs = {.ip = 0x401000, .sp = sp, .user_mode = error_code & X86_PF_USER};
    if (!res)
        res = &local;
    do_page_fault(&test_task, &regs, error_code, addr, res);
    assert_invariants("fault");
    return res->outcome;
}

unsigned long mmap_anon(unsigned long addr, unsigned long len, int prot)
{
    long r = do_mmap(test_task.mm, NULL, addr, len, prot,
                     MAP_PRIVATE | MAP_ANONYMOUS | (addr ? MAP_FIXED : 0), 0);
    CHECK(r > 0);
    assert_invariants("mmap");
    return (unsigned long)r;
}

pte_t pte_at(unsigned long addr)
{
    pte_t *p = lookup_pte(test_task.mm, addr);
    return p ? *p : __pte(0);
}

void assert_invariants(const char *where)
{
    char msg[256];
    if (check_mm_invariants(test_task.mm, msg, sizeof(msg))) {
        fprintf(stderr, "invariant broken after %s: %s\n", where, msg);
        test_failures++;
    }
}

int count_vmas(void)
{
    int n = 0;
    for (struct vm_area_struct *v = test_task.mm->mmap; v; v = v->vm_next)
        n++;
    return n;
}

/* ---- the in-memory file ---- */

struct memfile {
    unsigned char *data;
    unsigned long size;
};
static unsigned reads, writes;
static uint64_t next_ino = 100;
/* every memfile of the test, freed at teardown: tests read a file's bytes after closing it */
static struct memfile *memfiles[64];
static unsigned nr_memfiles;

static int mem_readpage(struct address_space *m, pgoff_t index, void *buf)
{
    struct memfile *mf = m->host;
    reads++;
    memset(buf, 0, PAGE_SIZE);
    unsigned long off = index << PAGE_SHIFT;
    if (off < mf->size) {
        unsigned long n = mf->size - off < PAGE_SIZE ? mf->size - off : PAGE_SIZE;
        memcpy(buf, mf->data + off, n);
    }
    return 0;
}

static int mem_writepage(struct address_space *m, pgoff_t index, const void *buf, size_t len)
{
    struct memfile *mf = m->host;
    writes++;
    memcpy(mf->data + (index << PAGE_SHIFT), buf, len);
    return 0;
}

static void mem_release(struct address_space *m)
{
    (void)m; /* the test may inspect the data after the mapping is gone: freed at teardown */
}

static void memfiles_free(void)
{
    while (nr_memfiles) {
        struct memfile *mf = memfiles[--nr_memfiles];
        free(mf->data);
        free(mf);
    }
}

/* No host_cached: an in-memory file has no host cache, so the model's major-fault rule applies. */
static const struct address_space_operations mem_aops = {
    .readpage = mem_readpage,
    .writepage = mem_writepage,
    .release = mem_release,
};

struct file *memfile_open(unsigned long size, int seed, bool writable)
{
    struct memfile *mf = malloc(sizeof(*mf));
    mf->size = size;
    mf->data = malloc(size + PAGE_SIZE);
    for (unsigned long i = 0; i < size; i++)
        mf->data[i] = (unsigned char)(i * 7 + seed);
    if (nr_memfiles == sizeof(memfiles) / sizeof(memfiles[0]))
        abort(); /* a test with that many files wants a bigger table */
    memfiles[nr_memfiles++] = mf;
    struct address_space *m = address_space_get(1, next_ino++, size, 0, "/memfile", &mem_aops, mf);
    return file_open_mapping(m, true, writable);
}

struct file *memfile_reopen(struct address_space *m, uint64_t host_stamp)
{
    m = address_space_get(m->dev, m->ino, m->i_size, host_stamp, "/memfile", &mem_aops, m->host);
    return file_open_mapping(m, true, false);
}

unsigned memfile_reads(void)
{
    return reads;
}

unsigned memfile_writes(void)
{
    return writes;
}

unsigned char memfile_byte(struct file *f, unsigned long off)
{
    return ((struct memfile *)f->f_mapping->host)->data[off];
}

int run_tests(const struct model_test *tests, size_t n, int argc, char **argv)
{
    int ran = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name))
            continue;
        int before = test_failures;
        test_setup();
        tests[i].fn();
        test_teardown();
        printf("%s %s\n", test_failures == before ? "ok  " : "FAIL", tests[i].name);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "?");
        return 2;
    }
    return test_failures ? 1 : 0;
}
