/*
 * observer.c - the fault observer: copies one fault event into the current batch chunk.
 *
 * This is the only per-fault cost the emulator pays for logging, so it does no SQLite work and
 * no allocation in the common case: strings are interned (the VMA file name by its text, the
 * handler path by its array of static name pointers) and rows store pointers to the copies.
 */
#include <stdio.h>
#include <string.h>

#include "db/log_internal.h"
#include "db/schema.h"

/* The joined "a>b>c" text for ev's path, interned by the pointers of its elements. */
/* The path's handler names are static strings, so the key is the array of their pointers. */
static const char *intern_path(struct fl_log *log, const struct fault_event *ev)
{
    int n = ev->path_len < 0 ? 0 : ev->path_len > FAULT_PATH_MAX ? FAULT_PATH_MAX : ev->path_len;
    size_t keylen = n * sizeof(ev->path[0]);
    if (n == log->last_path_n && !memcmp(ev->path, log->last_path_key, keylen))
        return log->last_path;
    const char *s = intern_lookup(&log->paths, ev->path, keylen);
    if (!s) {
        char buf[FAULT_PATH_MAX * 40];
        fault_path_format(ev, buf, sizeof(buf));
        s = intern_add(&log->paths, ev->path, keylen, buf);
    }
    if (s) {
        memcpy(log->last_path_key, ev->path, keylen);
        log->last_path_n = n;
        log->last_path = s;
    }
    return s;
}

/* The same pointer as last time is usually the same VMA's name; strcmp confirms it (a name
 * freed and another allocated at its address must not match). */
const char *fl_intern_file(struct fl_log *log, const char *file)
{
    if (!file)
        return NULL;
    if (file == log->last_file_key && !strcmp(file, log->last_file))
        return log->last_file;
    size_t len = strlen(file);
    const char *s = intern_lookup(&log->files, file, len);
    if (!s)
        s = intern_add(&log->files, file, len, file);
    if (s) {
        log->last_file_key = file;
        log->last_file = s;
    }
    return s;
}

static void on_fault(void *ctx, const struct fault_event *ev)
{
    struct fl_log *log = ctx;
    bool has_vma = ev->vma_start != ev->vma_end;
    struct fl_fault_row row = {
        .run_id = log->run_id,
        .seq = ev->seq,
        .icount = ev->icount,
        .ip = ev->ip,
        .sp = ev->sp,
        .address = ev->address,
        .vma_start = ev->vma_start,
        .vma_end = ev->vma_end,
        .vma_pgoff = ev->vma_pgoff,
        .pte_before = ev->pte_before,
        .pte_after = ev->pte_after,
        .vma_flags = ev->vma_flags,
        .vma_file = has_vma ? fl_intern_file(log, ev->vma_file) : NULL,
        .path = intern_path(log, ev),
        .outcome_name = fault_outcome_name(ev->outcome),
        .outcome = ev->outcome,
        .pid = ev->pid,
        .error_code = ev->error_code,
        .vm_fault = ev->vm_fault,
        .signo = ev->signo,
        .si_code = ev->si_code,
        .has_vma = has_vma,
    };
    bool lost = !row.path || (has_vma && ev->vma_file && !row.vma_file);

    if (log->run_id <= 0)
        fl_log_fail(log, "a fault was logged before fl_log_run_begin");
    else if (ev->seq == 0 || ev->seq > (uint64_t)FL_SEQ_MAX)
        fl_log_fail(log, "fault sequence number %llu out of range", (unsigned long long)ev->seq);
    else if (lost)
        fl_log_fail(log, "out of memory copying a fault event");

    /* The producer owns which chunk is cur, so it appends without q_lock (log_internal.h). */
    struct fl_chunk *c = log->cur;
    if (log->failed || !c) {
        log->producer_dropped++;
        return;
    }
    unsigned n = atomic_load_explicit(&c->n, memory_order_relaxed);
    c->rows[n] = row;
    atomic_store_explicit(&c->n, n + 1, memory_order_release);
    if (n + 1 == FL_CHUNK_ROWS) {
        pthread_mutex_lock(&log->q_lock);
        fl_queue_push_full_locked(log);
        pthread_mutex_unlock(&log->q_lock);
    }
}

static void on_reclaim(void *ctx, const struct reclaim_event *ev)
{
    fl_reclaim_record(ctx, ev);
}

static void on_khugepaged(void *ctx, const struct khugepaged_event *ev)
{
    fl_khugepaged_record(ctx, ev);
}

static void on_printk(void *ctx, const struct printk_event *ev)
{
    fl_printk_record(ctx, ev);
}

void fl_observer_init(struct fl_log *log)
{
    log->observer = (struct fault_observer){.on_fault = on_fault,
                                            .on_reclaim = on_reclaim,
                                            .on_khugepaged = on_khugepaged,
                                            .on_printk = on_printk,
                                            .ctx = log};
}

struct fault_observer *fl_log_fault_observer(struct fl_log *log)
{
    return &log->observer;
}
