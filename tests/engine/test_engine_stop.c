/*
 * test_engine_stop.c - what stopping Unicorn from another thread does, the fact behind emu_kick.
 *
 * The guest is a counting loop whose translated block loads, increments and stores a counter
 * in memory and increments rcx: at the end the counter must equal rcx. A second thread asks for
 * a stop every 20 us while the loop runs, and the main thread resumes at the RIP the engine
 * reports, as faultline's run loop does.
 *
 *   block_hook_stop_is_exact   the thread only sets a flag; a block hook calls uc_emu_stop
 *                              when it finds the flag, at the start of a block (emu_kick's
 *                              design). The count must come out exact.
 *   async_stop_reexecutes      the thread calls uc_emu_stop itself. Unicorn 2.1.1 (to 2.1.3)
 *                              emits an exit check after every guest load and store, and a
 *                              block left there is resumed from its first instruction with the
 *                              state of its middle: the increment runs twice. This test asserts
 *                              that it still does, so that the day an engine resumes precisely
 *                              it fails and says the block hook in emu_kick can go. It fails
 *                              on 2.1.4 (Debian sid's 2.1.4-4, 2026-12-06): there the check is a
 *                              helper call that restores the state at the load or store
 *                              (cpu_loop_exit_restore), so the stop is precise, but that call
 *                              after every load and store made CPU-bound guests 2x slower.
 *   block_start_checks_make_async_stop_exact
 *                              the same thread calls, on an engine whose stop checks are at
 *                              block starts only (mmu/exit_checks.c, which must find the switch
 *                              on this Unicorn): every stop comes between two blocks and the
 *                              count is exact, what emu_kick relies on to stop `solo` directly.
 *   flag_offset_of_known_builds
 *                              mmu/engine_decode.c's decoder on the first bytes of
 *                              check_exit_request_x86_64 as Debian builds it: 2.1.1 (trixie's
 *                              2.1.1-2+b2, no prologue) and 2.1.4 (sid's 2.1.4-4, registers
 *                              saved and a stack protector first), and on code of another
 *                              shape, where it must find nothing.
 *   syscall_hook_first_survives_stop
 *                              a stop requested in a block before its `syscall` skips the
 *                              syscall hook when another instruction hook (`in`) comes first
 *                              in the list, and never when the syscall hook does (mmu/mmu.c,
 *                              cpu_create).
 *   layout_found               every private field faultline reaches (mmu/engine_layout.h) is
 *                              found in the engine linked here, and uc->cpu, X86CPU's env and
 *                              env->uc lead from a new engine back to itself. On an engine
 *                              where it fails, exit checks, in/out's #GP or the clearing of a
 *                              taken exception are off (each says how it falls back).
 *
 * usage: test_engine_stop NAME
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <unicorn/unicorn.h>

#include "mmu/engine_layout.h"
#include "mmu/exit_checks.h"

#define CODE_BASE  0x100000ULL
#define DATA_BASE  0x200000ULL
#define ROUND      20000000ULL /* loop iterations per round: ~0.1 s of guest code */
#define MAX_ROUNDS 10

/* loop: mov rax,[rbx]; add rax,1; mov [rbx],rax; inc rcx; cmp rcx,rdx; jne loop; hlt */
static const unsigned char loop_code[] = {0x48, 0x8b, 0x03, 0x48, 0x83, 0xc0, 0x01,
                                          0x48, 0x89, 0x03, 0x48, 0xff, 0xc1, 0x48,
                                          0x39, 0xd1, 0x75, 0xee, 0xf4};
#define HLT_ADDR (CODE_BASE + sizeof(loop_code) - 1)

struct run {
    uc_engine *uc;
    bool async;        /* the thread calls uc_emu_stop itself */
    bool block_starts; /* stop checks at block starts only */
    atomic_bool kick, done;
    long stops; /* engine runs that ended before the loop did */
    uint64_t counter, rcx;
};

static void *kicker(void *arg)
{
    struct run *r = arg;
    const struct timespec gap = {0, 20000};
    while (!atomic_load(&r->done)) {
        nanosleep(&gap, NULL);
        if (r->async)
            uc_emu_stop(r->uc);
        else
            atomic_store(&r->kick, true);
    }
    return NULL;
}

static void block_hook(uc_engine *uc, uint64_t addr, uint32_t size, void *ud)
{
    struct run *r = ud;
    (void)addr;
    (void)size;
    if (atomic_exchange(&r->kick, false))
        uc_emu_stop(uc);
}

/* One round of the loop under kicks; 0, or -1 with the reason printed. */
static int run_round(bool async, bool block_starts, struct run *r)
{
    memset(r, 0, sizeof(*r));
    r->async = async;
    r->block_starts = block_starts;
    uint64_t data = DATA_BASE, n = ROUND, rip = CODE_BASE;
    uc_hook h;
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &r->uc) != UC_ERR_OK ||
        uc_mem_map(r->uc, CODE_BASE, 0x1000, UC_PROT_READ | UC_PROT_EXEC) != UC_ERR_OK ||
        uc_mem_map(r->uc, DATA_BASE, 0x1000, UC_PROT_READ | UC_PROT_WRITE) != UC_ERR_OK ||
        uc_mem_write(r->uc, CODE_BASE, loop_code, sizeof(loop_code)) != UC_ERR_OK) {
        fprintf(stderr, "cannot set up the engine\n");
        return -1;
    }
    if (block_starts) {
        if (!engine_exit_checks_adjustable(r->uc)) {
            fprintf(stderr, "exit_checks.c does not find the switch in this Unicorn: faultline "
                            "keeps the block hook for kicks (emu/run.c)\n");
            uc_close(r->uc);
            return -1;
        }
        engine_set_exit_checks(r->uc, false);
    }
    uc_reg_write(r->uc, UC_X86_REG_RBX, &data);
    uc_reg_write(r->uc, UC_X86_REG_RDX, &n);
    if (!async && uc_hook_add(r->uc, &h, UC_HOOK_BLOCK, block_hook, r, 1, 0) != UC_ERR_OK) {
        fprintf(stderr, "cannot add the block hook\n");
        return -1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, kicker, r) != 0) {
        fprintf(stderr, "cannot start the kicker thread\n");
        return -1;
    }
    int rc = 0;
    for (;;) {
        uc_err err = uc_emu_start(r->uc, rip, HLT_ADDR, 0, 0);
        if (err != UC_ERR_OK) {
            fprintf(stderr, "uc_emu_start at %#llx: %s\n", (unsigned long long)rip,
                    uc_strerror(err));
            rc = -1;
            break;
        }
        uc_reg_read(r->uc, UC_X86_REG_RIP, &rip);
        if (rip == HLT_ADDR)
            break;
        r->stops++;
    }
    atomic_store(&r->done, true);
    pthread_join(t, NULL);
    uc_mem_read(r->uc, DATA_BASE, &r->counter, sizeof(r->counter));
    uc_reg_read(r->uc, UC_X86_REG_RCX, &r->rcx);
    uc_close(r->uc);
    return rc;
}

static int block_hook_stop_is_exact(void)
{
    struct run r;
    if (run_round(false, false, &r) != 0)
        return 1;
    printf("%ld stops, counter %llu, rcx %llu, expected %llu\n", r.stops,
           (unsigned long long)r.counter, (unsigned long long)r.rcx, ROUND);
    if (r.stops == 0) {
        fprintf(stderr, "the loop was never stopped: the test proves nothing\n");
        return 1;
    }
    if (r.counter != ROUND || r.rcx != ROUND) {
        fprintf(stderr, "a stop at a block start did not resume exactly\n");
        return 1;
    }
    return 0;
}

static int async_stop_reexecutes(void)
{
    long stops = 0;
    for (int round = 0; round < MAX_ROUNDS; round++) {
        struct run r;
        if (run_round(true, false, &r) != 0)
            return 1;
        stops += r.stops;
        if (r.rcx != ROUND) {
            fprintf(stderr, "the loop ended at rcx %llu, not %llu\n", (unsigned long long)r.rcx,
                    ROUND);
            return 1;
        }
        if (r.counter != ROUND) {
            printf("round %d: %ld stops, counter %llu for %llu iterations: the engine re-ran "
                   "part of a block after a stop from another thread\n",
                   round, r.stops, (unsigned long long)r.counter, ROUND);
            return 0;
        }
    }
    fprintf(
        stderr,
        "%ld stops from another thread in %d rounds and the count stayed exact: this engine "
        "may resume precisely after uc_emu_stop from another thread. If so, emu_kick (emu/run.c) "
        "can stop the engine directly and drop the block hook it costs (Unicorn 2.1.4 does, but "
        "runs CPU-bound guests 2x slower: emu/run.c, \"Kicks\").\n",
        stops, MAX_ROUNDS);
    return 1;
}

static int block_start_checks_make_async_stop_exact(void)
{
    long stops = 0;
    for (int round = 0; round < 3; round++) {
        struct run r;
        if (run_round(true, true, &r) != 0)
            return 1;
        stops += r.stops;
        if (r.counter != ROUND || r.rcx != ROUND) {
            fprintf(stderr,
                    "round %d: counter %llu, rcx %llu for %llu iterations after %ld stops\n", round,
                    (unsigned long long)r.counter, (unsigned long long)r.rcx, ROUND, r.stops);
            return 1;
        }
    }
    printf("%ld stops from another thread in 3 rounds, every count exact\n", stops);
    if (stops < 10) {
        fprintf(stderr, "too few stops to prove anything\n");
        return 1;
    }
    return 0;
}

/* mov byte [rbx], 1; syscall; hlt */
static const unsigned char store_syscall_code[] = {0xc6, 0x03, 0x01, 0x0f, 0x05, 0xf4};
#define SYSCALL_END (CODE_BASE + 5)

static void stop_on_store(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
                          void *ud)
{
    (void)type, (void)addr, (void)size, (void)value, (void)ud;
    uc_emu_stop(uc);
}

static void count_syscall(uc_engine *uc, void *ud)
{
    (void)uc;
    (*(int *)ud)++;
}

static uint32_t ignore_in(uc_engine *uc, uint32_t port, int size, void *ud)
{
    (void)uc, (void)port, (void)size, (void)ud;
    return 0;
}

/* Run store_syscall_code once on an engine with stop checks at block starts only, a store hook
 * that asks for a stop, and the syscall hook added before or after an `in` hook: how many times
 * the syscall hook ran (-1: the engine could not be set up); *rip_out, where the run ended. */
static int syscall_after_stop_round(bool syscall_first, uint64_t *rip_out)
{
    uc_engine *uc;
    uc_hook h;
    int calls = 0;
    uint64_t data = DATA_BASE, rip = CODE_BASE;
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK)
        return -1;
    bool ok =
        engine_exit_checks_adjustable(uc) &&
        uc_mem_map(uc, CODE_BASE, 0x1000, UC_PROT_READ | UC_PROT_EXEC) == UC_ERR_OK &&
        uc_mem_map(uc, DATA_BASE, 0x1000, UC_PROT_READ | UC_PROT_WRITE) == UC_ERR_OK &&
        uc_mem_write(uc, CODE_BASE, store_syscall_code, sizeof(store_syscall_code)) == UC_ERR_OK &&
        uc_reg_write(uc, UC_X86_REG_RBX, &data) == UC_ERR_OK &&
        uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, stop_on_store, NULL, 1, 0) == UC_ERR_OK;
    if (ok)
        engine_set_exit_checks(uc, false);
    for (int i = 0; i < 2 && ok; i++) {
        if ((i == 0) == syscall_first)
            ok = uc_hook_add(uc, &h, UC_HOOK_INSN, count_syscall, &calls, 1, 0,
                             UC_X86_INS_SYSCALL) == UC_ERR_OK;
        else
            ok = uc_hook_add(uc, &h, UC_HOOK_INSN, ignore_in, NULL, 1, 0, UC_X86_INS_IN) ==
                 UC_ERR_OK;
    }
    ok = ok &&
         uc_emu_start(uc, CODE_BASE, CODE_BASE + sizeof(store_syscall_code) - 1, 0, 0) == UC_ERR_OK;
    uc_reg_read(uc, UC_X86_REG_RIP, &rip);
    uc_close(uc);
    *rip_out = rip;
    return ok ? calls : -1;
}

/*
 * A stop requested in a block before its `syscall` (here by a store hook; in faultline by
 * another thread's kick or by frame_write_allowed) and Unicorn's helper_syscall: it walks every
 * UC_HOOK_INSN hook and leaves the walk after any of them once a stop is requested, so an `in`
 * hook ahead of the syscall hook makes it skip the call (RIP past it all the same), while the
 * syscall hook first is always called. That is why cpu_create adds the syscall hook before
 * port_io's hooks. The day the first case calls the hook too, this fails and says the order no
 * longer matters.
 */
static int syscall_hook_first_survives_stop(void)
{
    uint64_t rip_first, rip_second;
    int first = syscall_after_stop_round(true, &rip_first);
    int second = syscall_after_stop_round(false, &rip_second);
    printf("syscall hook first: called %d times, stopped at %#llx; after an `in` hook: called %d "
           "times, stopped at %#llx (after the syscall: %#llx)\n",
           first, (unsigned long long)rip_first, second, (unsigned long long)rip_second,
           (unsigned long long)SYSCALL_END);
    if (first < 0 || second < 0) {
        fprintf(stderr, "cannot set up the engine, or exit_checks.c does not find the switch\n");
        return 1;
    }
    if (first != 1 || rip_first != SYSCALL_END) {
        fprintf(stderr, "the syscall hook, first of the instruction hooks, was not called once "
                        "with the engine stopped right after the call\n");
        return 1;
    }
    if (second != 0) {
        fprintf(stderr, "an `in` hook ahead of the syscall hook no longer makes a stop request "
                        "skip the call: cpu_create's order of hooks (mmu/mmu.c) no longer "
                        "matters\n");
        return 1;
    }
    return 0;
}

/* The first instructions of check_exit_request_x86_64 in Debian's libunicorn.so.2 builds (from
 * objdump), up to and with the test of no_exit_request. */
static const uint8_t build_2_1_1[] = {
    0xf3, 0x0f, 0x1e, 0xfa,                   /* endbr64 */
    0x48, 0x8b, 0x87, 0x70, 0x99, 0x00, 0x00, /* mov 0x9970(%rdi),%rax */
    0x80, 0xb8, 0xda, 0x07, 0x00, 0x00, 0x00, /* cmpb $0x0,0x7da(%rax) */
    0x74, 0x04, 0xc3,                         /* je; ret */
};
static const uint8_t build_2_1_4[] = {
    0xf3, 0x0f, 0x1e, 0xfa,                               /* endbr64 */
    0x41, 0x56, 0x55, 0x53,                               /* push %r14; push %rbp; push %rbx */
    0x48, 0x83, 0xec, 0x30,                               /* sub $0x30,%rsp */
    0x64, 0x48, 0x8b, 0x34, 0x25, 0x28, 0x00, 0x00, 0x00, /* mov %fs:0x28,%rsi */
    0x48, 0x89, 0x74, 0x24, 0x28,                         /* mov %rsi,0x28(%rsp) */
    0x48, 0x8b, 0xb7, 0x70, 0x99, 0x00, 0x00,             /* mov 0x9970(%rdi),%rsi */
    0x80, 0xbe, 0xf2, 0x07, 0x00, 0x00, 0x00,             /* cmpb $0x0,0x7f2(%rsi) */
    0x74, 0x26,                                           /* je */
};
/* The 2.1.4 shape with rdi changed before the load: not tcg_ctx->uc any more. */
static const uint8_t rdi_changed[] = {
    0xf3, 0x0f, 0x1e, 0xfa,                   /* endbr64 */
    0x48, 0x89, 0xf7,                         /* mov %rsi,%rdi */
    0x48, 0x8b, 0xb7, 0x70, 0x99, 0x00, 0x00, /* mov 0x9970(%rdi),%rsi */
    0x80, 0xbe, 0xf2, 0x07, 0x00, 0x00, 0x00, /* cmpb $0x0,0x7f2(%rsi) */
};
/* A word-sized test: not a bool. */
static const uint8_t word_test[] = {
    0x48, 0x8b, 0x87, 0x70, 0x99, 0x00, 0x00,       /* mov 0x9970(%rdi),%rax */
    0x66, 0x83, 0xb8, 0xda, 0x07, 0x00, 0x00, 0x00, /* cmpw $0x0,0x7da(%rax) */
};

static int flag_offset_of_known_builds(void)
{
    static const struct {
        const char *what;
        const uint8_t *code;
        size_t len;
        long want;
    } cases[] = {
        {"2.1.1", build_2_1_1, sizeof(build_2_1_1), 0x7da},
        {"2.1.4", build_2_1_4, sizeof(build_2_1_4), 0x7f2},
        {"rdi changed first", rdi_changed, sizeof(rdi_changed), -1},
        {"a word-sized test", word_test, sizeof(word_test), -1},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long got = exit_check_flag_offset(cases[i].code, cases[i].len);
        printf("%-18s offset %ld, expected %ld\n", cases[i].what, got, cases[i].want);
        bad |= got != cases[i].want;
    }
    return bad;
}

static int layout_found(void)
{
    struct engine_layout l;
    engine_layout_decode(&l);
    const struct {
        const char *name;
        long offset;
    } fields[] = {
        {"no_exit_request", l.no_exit_request},     {"uc_cpu", l.uc_cpu}, {"cpu_env", l.cpu_env},
        {"env_old_exception", l.env_old_exception}, {"env_uc", l.env_uc},
    };
    _Static_assert(sizeof(fields) / sizeof(fields[0]) * sizeof(long) ==
                       sizeof(struct engine_layout),
                   "a field of struct engine_layout is not checked here");
    int bad = 0;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        printf("%-18s %ld\n", fields[i].name, fields[i].offset);
        bad |= fields[i].offset <= 0;
    }
    /* the one the engine's own code can confirm without running a guest */
    uc_engine *uc;
    uint64_t rax = 0; /* the engine makes its CPU at the first call that needs it */
    if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK ||
        uc_reg_write(uc, UC_X86_REG_RAX, &rax) != UC_ERR_OK)
        return 1;
    void *cpu = NULL;
    if (l.uc_cpu > 0)
        memcpy(&cpu, (char *)uc + l.uc_cpu, sizeof(cpu));
    void *back = NULL;
    if (cpu && l.cpu_env > 0 && l.env_uc > 0)
        memcpy(&back, (char *)cpu + l.cpu_env + l.env_uc, sizeof(back));
    printf("env->uc is the engine: %s\n", back == uc ? "yes" : "no");
    bad |= back != uc;
    uc_close(uc);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "block_hook_stop_is_exact"))
        return block_hook_stop_is_exact();
    if (argc == 2 && !strcmp(argv[1], "async_stop_reexecutes"))
        return async_stop_reexecutes();
    if (argc == 2 && !strcmp(argv[1], "block_start_checks_make_async_stop_exact"))
        return block_start_checks_make_async_stop_exact();
    if (argc == 2 && !strcmp(argv[1], "flag_offset_of_known_builds"))
        return flag_offset_of_known_builds();
    if (argc == 2 && !strcmp(argv[1], "syscall_hook_first_survives_stop"))
        return syscall_hook_first_survives_stop();
    if (argc == 2 && !strcmp(argv[1], "layout_found"))
        return layout_found();
    fprintf(stderr, "usage: test_engine_stop block_hook_stop_is_exact|async_stop_reexecutes|"
                    "block_start_checks_make_async_stop_exact|flag_offset_of_known_builds|"
                    "syscall_hook_first_survives_stop|layout_found\n");
    return 2;
}
