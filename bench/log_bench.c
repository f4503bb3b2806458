/*
 * log_bench.c - how many faults per second the SQLite fault log takes, end to end.
 *
 * usage: log_bench [FAULTS [DB]]   (default 2000000 faults into a fresh log_bench.db)
 *
 * Pushes synthetic fault events through the log's observer, exactly as the model's
 * trace_fault_end() does, then closes the log; the clock runs from the first event to the end
 * of fl_log_close(), so every row is committed when it stops. The events look like a real run:
 * a dozen handler paths, VMA names built in a stack buffer (as the model does), addresses that
 * walk pages. Prints the producer's cost per fault and the end-to-end rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db/log.h"
#include "kernel_model/mm.h"
#include "kernel_model/trace.h"

static const char *const paths[][6] = {
    {"do_user_addr_fault", "handle_mm_fault", "handle_pte_fault", "do_anonymous_page"},
    {"do_user_addr_fault", "handle_mm_fault", "handle_pte_fault", "do_fault", "do_read_fault",
     "filemap_fault"},
    {"do_user_addr_fault", "handle_mm_fault", "handle_pte_fault", "do_wp_page", "wp_page_copy"},
    {"do_user_addr_fault", "handle_mm_fault", "handle_pte_fault", "do_fault", "do_cow_fault"},
    {"do_user_addr_fault", "bad_area"},
};
static const char *const files[] = {"/usr/lib/x86_64-linux-gnu/libc.so.6", "[heap]", "[stack]",
                                    "/usr/bin/bench-target", NULL};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds this process used (both threads): less sensitive to other load than wall time. */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void make_event(struct fault_event *ev, uint64_t i, char *namebuf, size_t len)
{
    int p = (int)(i % 5), f = (int)(i % 5);
    memset(ev, 0, sizeof(*ev));
    ev->seq = i + 1;
    ev->pid = 1 + (int)(i % 3);
    ev->icount = i * 37;
    ev->ip = 0x401000 + (i % 997) * 7;
    ev->sp = 0x7ffffffde000 - (i % 64) * 8;
    ev->address = 0x7f0000000000 + i * 4096 + (i % 4096);
    ev->error_code = X86_PF_USER | (i & 1 ? X86_PF_WRITE : 0);
    ev->user = true;
    ev->vma_start = 0x7f0000000000;
    ev->vma_end = 0x7f0000000000 + (1ULL << 40);
    ev->vma_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
    ev->vma_pgoff = i % 100;
    if (files[f]) {
        snprintf(namebuf, len, "%s", files[f]); /* the model names VMAs in a scratch buffer */
        ev->vma_file = namebuf;
    }
    for (int k = 0; k < 6 && paths[p][k]; k++)
        ev->path[ev->path_len++] = paths[p][k];
    ev->vm_fault = i & 1 ? VM_FAULT_WRITE : 0;
    ev->outcome = p == 4 ? OUTCOME_SIGSEGV : OUTCOME_MINOR;
    ev->pte_after = (i << 12) | 0x67;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
    const char *path = argc > 2 ? argv[2] : "log_bench.db";
    char err[512], name[256];
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char p[4096];
        snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
        unlink(p);
    }

    struct fl_log *log = fl_log_open(path, err, sizeof(err));
    if (!log) {
        fprintf(stderr, "log_bench: %s\n", err);
        return 1;
    }
    char *run_argv[] = {"bench-target", NULL};
    struct fl_run_info ri = {.exe = "/usr/bin/bench-target", .argv = run_argv};
    fl_log_run_begin(log, &ri);
    struct fault_observer *obs = fl_log_fault_observer(log);

    struct fault_event ev;
    double t0 = now(), c0 = cpu_seconds(), produce = 0;
    for (uint64_t i = 0; i < n; i++) {
        make_event(&ev, i, name, sizeof(name));
        double a = (i & 1023) == 0 ? now() : 0;
        obs->on_fault(obs->ctx, &ev);
        if (a)
            produce += (now() - a) * 1024; /* sample 1 in 1024 calls */
    }
    double t1 = now();
    fl_log_run_end(log, &(struct fl_run_end){.status = "exited", .faults = n});
    if (fl_log_close(log, err, sizeof(err)) < 0) {
        fprintf(stderr, "log_bench: %s\n", err);
        return 1;
    }
    double t2 = now(), c2 = cpu_seconds();

    sqlite3 *db;
    sqlite3_stmt *st;
    long long rows = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM faults", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);

    printf("faults logged:        %llu (rows in db: %lld)\n", (unsigned long long)n, rows);
    printf("on_fault cost:        %.0f ns per fault (sampled)\n", produce / n * 1e9);
    printf("producer done after:  %.3f s\n", t1 - t0);
    printf("cpu (both threads):   %.0f ns per fault\n", (c2 - c0) / n * 1e9);
    printf("end to end:           %.3f s  -> %.0f rows/s\n", t2 - t0, n / (t2 - t0));
    return rows == (long long)n ? 0 : 1;
}
