/*
 * dims.h - the log's small lookup tables (paths, files, vmas, outcomes, fault_classes) as the
 * writer sees them: each distinct value is stored once and fault rows carry its integer id.
 *
 * A run takes millions of faults but only dozens of handler paths and files and a few
 * thousand VMA shapes, so storing ids keeps a fault row small (5x smaller file) and makes the
 * writer 1.3x faster than with the text inline (docs/schema.md, performance note). A fault
 * class goes one step further: every column a fault shares with others, ids included, is one
 * fault_classes row.
 *
 * Used by the writer thread only, under db_lock, inside its open transaction: a lookup table
 * row commits with the first fault that refers to it. The caches map the writer's inputs
 * (interned string pointers, VMA tuples, outcome codes) to ids, so the SQL runs once per
 * distinct value and session.
 */
#ifndef FL_DB_DIMS_H
#define FL_DB_DIMS_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct idmap_entry;

/* Open-addressing map from a key of up to 5 words to an id. */
struct idmap {
    struct idmap_entry *slots;
    size_t cap, count;
};

struct fl_dims {
    sqlite3 *db;
    struct idmap paths, files, vmas, outcomes, classes;
    sqlite3_stmt *find_path, *add_path, *find_file, *add_file, *find_vma, *add_vma, *add_outcome,
        *find_class, *add_class;
};

int fl_dims_init(struct fl_dims *d, sqlite3 *db); /* SQLite result code */
void fl_dims_free(struct fl_dims *d);

/* The id of each value, inserting it if the log does not have it yet. -1 on SQLite error. */
int64_t fl_dim_path(struct fl_dims *d, const char *path); /* path: interned (stable pointer) */
int64_t fl_dim_file(struct fl_dims *d, const char *file); /* file: interned */
int64_t fl_dim_vma(struct fl_dims *d, uint64_t start, uint64_t end, uint64_t flags, uint64_t pgoff,
                   int64_t file_id);                               /* file_id 0: anonymous */
int fl_dim_outcome(struct fl_dims *d, int code, const char *name); /* 0 or -1 */

/* What a fault shares with others (fault_classes); vma_id 0: no VMA. */
struct fl_fault_class {
    int pid;
    unsigned error_code, vm_fault;
    int64_t vma_id, path_id;
    int outcome, signo, si_code;
};
int64_t fl_dim_class(struct fl_dims *d, const struct fl_fault_class *c);

#endif
