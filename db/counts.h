/*
 * counts.h - the fault_counts table, kept up to date by the writer.
 *
 * Counting questions (faults per handler, per VMA, per process, per outcome) would otherwise
 * sort every fault of a run (SQLite has no hash aggregation), and an index that avoided the
 * sort would halve the insert rate. The writer already holds every row, so it counts them in
 * memory, grouped exactly like the table's key, and upserts the groups that changed just
 * before each COMMIT: fault_counts always agrees with the committed faults, also after a
 * faultline was killed.
 *
 * Writer thread only, under db_lock.
 */
#ifndef FL_DB_COUNTS_H
#define FL_DB_COUNTS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct fl_count;

struct fl_counts {
    struct fl_count *slots; /* open addressing on the group key */
    size_t cap, used;
    struct fl_count **dirty; /* groups changed since the last flush */
    size_t ndirty, dirty_cap;
    sqlite3_stmt *upsert;
};

/* The group a fault counts in: fault_counts' primary key. vma_id 0: no VMA. */
struct fl_count_key {
    int64_t run_id, vma_id, path_id;
    int32_t pid, outcome;
    uint32_t kind; /* error_code & (X86_PF_WRITE | X86_PF_INSTR | X86_PF_USER) */
    uint32_t pad;  /* zero: keys are compared as bytes */
};

int fl_counts_init(struct fl_counts *c, sqlite3 *db); /* SQLite result code */
/* Count one fault with sequence number seq in group *k. 0, or -1 when out of memory. */
int fl_counts_add(struct fl_counts *c, const struct fl_count_key *k, uint64_t seq);
/* Upsert the changed groups into fault_counts (inside the writer's transaction). SQLite
 * result code: SQLITE_OK or the failing code. */
int fl_counts_flush(struct fl_counts *c);
void fl_counts_free(struct fl_counts *c);

#endif
