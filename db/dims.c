/*
 * dims.c - ids for the log's lookup tables (see dims.h): a cache in front of find-or-insert SQL.
 */
#include <stdlib.h>
#include <string.h>

#include "db/dims.h"
#include "db/table_alloc.h"

#define KEY_WORDS 5

struct idmap_entry {
    uint64_t key[KEY_WORDS];
    int64_t id; /* 0: empty slot (ids start at 1) */
};

static uint64_t key_hash(const uint64_t *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < KEY_WORDS; i++)
        h = (h ^ k[i]) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 29);
}

static struct idmap_entry *slot(struct idmap_entry *slots, size_t cap, const uint64_t *k)
{
    for (size_t i = key_hash(k) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!slots[i].id || !memcmp(slots[i].key, k, sizeof(slots[i].key)))
            return &slots[i];
}

static int64_t idmap_get(struct idmap *m, const uint64_t *k)
{
    return m->cap ? slot(m->slots, m->cap, k)->id : 0;
}

static int idmap_put(struct idmap *m, const uint64_t *k, int64_t id)
{
    if ((m->count + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct idmap_entry *slots = fl_table_alloc(cap, sizeof(*slots));
        if (!slots)
            return -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].id)
                *slot(slots, cap, m->slots[i].key) = m->slots[i];
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    struct idmap_entry *e = slot(m->slots, m->cap, k);
    if (!e->id)
        m->count++;
    memcpy(e->key, k, sizeof(e->key));
    e->id = id;
    return 0;
}

/* Run `find` (already bound); if it yields nothing, run `add` and take the new rowid. */
static int64_t find_or_add(sqlite3 *db, sqlite3_stmt *find, sqlite3_stmt *add)
{
    int64_t id = -1;
    int rc = sqlite3_step(find);
    if (rc == SQLITE_ROW)
        id = sqlite3_column_int64(find, 0);
    else if (rc == SQLITE_DONE && sqlite3_step(add) == SQLITE_DONE)
        id = sqlite3_last_insert_rowid(db);
    sqlite3_reset(find);
    sqlite3_reset(add);
    return id;
}

static int64_t cached(struct fl_dims *d, struct idmap *m, const uint64_t *k, sqlite3_stmt *find,
                      sqlite3_stmt *add)
{
    int64_t id = idmap_get(m, k);
    if (id)
        return id;
    id = find_or_add(d->db, find, add);
    if (id > 0 && idmap_put(m, k, id) < 0)
        return -1;
    return id;
}

int64_t fl_dim_path(struct fl_dims *d, const char *path)
{
    uint64_t k[KEY_WORDS] = {(uintptr_t)path};
    int64_t id = idmap_get(&d->paths, k);
    if (id)
        return id;
    /* handler: the innermost function, after the last '>' */
    const char *gt = strrchr(path, '>');
    sqlite3_bind_text(d->find_path, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(d->add_path, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_text(d->add_path, 2, gt ? gt + 1 : path, -1, SQLITE_STATIC);
    return cached(d, &d->paths, k, d->find_path, d->add_path);
}

int64_t fl_dim_file(struct fl_dims *d, const char *file)
{
    uint64_t k[KEY_WORDS] = {(uintptr_t)file};
    int64_t id = idmap_get(&d->files, k);
    if (id)
        return id;
    sqlite3_bind_text(d->find_file, 1, file, -1, SQLITE_STATIC);
    sqlite3_bind_text(d->add_file, 1, file, -1, SQLITE_STATIC);
    return cached(d, &d->files, k, d->find_file, d->add_file);
}

int64_t fl_dim_vma(struct fl_dims *d, uint64_t start, uint64_t end, uint64_t flags, uint64_t pgoff,
                   int64_t file_id)
{
    uint64_t k[KEY_WORDS] = {start, end, flags, pgoff, (uint64_t)file_id};
    int64_t id = idmap_get(&d->vmas, k);
    if (id)
        return id;
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = i ? d->add_vma : d->find_vma;
        sqlite3_bind_int64(st, 1, (int64_t)start);
        sqlite3_bind_int64(st, 2, (int64_t)end);
        sqlite3_bind_int64(st, 3, (int64_t)flags);
        sqlite3_bind_int64(st, 4, (int64_t)pgoff);
        if (file_id)
            sqlite3_bind_int64(st, 5, file_id);
        else
            sqlite3_bind_null(st, 5);
    }
    return cached(d, &d->vmas, k, d->find_vma, d->add_vma);
}

int fl_dim_outcome(struct fl_dims *d, int code, const char *name)
{
    uint64_t k[KEY_WORDS] = {(uint64_t)code};
    if (idmap_get(&d->outcomes, k))
        return 0;
    sqlite3_bind_int(d->add_outcome, 1, code);
    sqlite3_bind_text(d->add_outcome, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(d->add_outcome);
    sqlite3_reset(d->add_outcome);
    if (rc != SQLITE_DONE)
        return -1;
    return idmap_put(&d->outcomes, k, 1);
}

int64_t fl_dim_class(struct fl_dims *d, const struct fl_fault_class *c)
{
    uint64_t k[KEY_WORDS] = {
        (uint32_t)c->pid | (uint64_t)c->error_code << 32,
        (uint64_t)c->vma_id,
        (uint64_t)c->path_id,
        c->vm_fault | (uint64_t)(uint32_t)c->outcome << 32,
        (uint32_t)c->signo | (uint64_t)(uint32_t)c->si_code << 32,
    };
    int64_t id = idmap_get(&d->classes, k);
    if (id)
        return id;
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = i ? d->add_class : d->find_class;
        sqlite3_bind_int(st, 1, c->pid);
        sqlite3_bind_int64(st, 2, c->error_code);
        if (c->vma_id)
            sqlite3_bind_int64(st, 3, c->vma_id);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, c->path_id);
        sqlite3_bind_int64(st, 5, c->vm_fault);
        sqlite3_bind_int(st, 6, c->outcome);
        sqlite3_bind_int(st, 7, c->signo);
        sqlite3_bind_int(st, 8, c->si_code);
    }
    return cached(d, &d->classes, k, d->find_class, d->add_class);
}

int fl_dims_init(struct fl_dims *d, sqlite3 *db)
{
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } stmts[] = {
        {&d->find_path, "SELECT path_id FROM paths WHERE path = ?1"},
        {&d->add_path, "INSERT INTO paths(path, handler) VALUES(?1, ?2)"},
        {&d->find_file, "SELECT file_id FROM files WHERE name = ?1"},
        {&d->add_file, "INSERT INTO files(name) VALUES(?1)"},
        {&d->find_vma, "SELECT vma_id FROM vmas WHERE vma_start = ?1 AND vma_end = ?2 AND"
                       " vma_flags = ?3 AND vma_pgoff = ?4 AND file_id IS ?5"},
        {&d->add_vma, "INSERT INTO vmas(vma_start, vma_end, vma_flags, vma_pgoff, file_id)"
                      " VALUES(?1, ?2, ?3, ?4, ?5)"},
        /* a newer faultline may know more outcomes: the name table grows with the log */
        {&d->add_outcome, "INSERT OR IGNORE INTO outcomes(outcome, name) VALUES(?1, ?2)"},
        {&d->find_class, "SELECT class_id FROM fault_classes WHERE pid = ?1 AND error_code = ?2"
                         " AND vma_id IS ?3 AND path_id = ?4 AND vm_fault = ?5 AND outcome = ?6"
                         " AND signo = ?7 AND si_code = ?8"},
        {&d->add_class, "INSERT INTO fault_classes(pid, error_code, vma_id, path_id, vm_fault,"
                        " outcome, signo, si_code) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
    };
    d->db = db;
    for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
        int rc =
            sqlite3_prepare_v3(db, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT, stmts[i].st, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

void fl_dims_free(struct fl_dims *d)
{
    sqlite3_stmt *stmts[] = {d->find_path, d->add_path,    d->find_file,  d->add_file, d->find_vma,
                             d->add_vma,   d->add_outcome, d->find_class, d->add_class};
    for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++)
        sqlite3_finalize(stmts[i]);
    free(d->paths.slots);
    free(d->files.slots);
    free(d->vmas.slots);
    free(d->outcomes.slots);
    free(d->classes.slots);
    memset(d, 0, sizeof(*d));
}
