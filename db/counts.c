/*
 * counts.c - in-memory fault counts per group, upserted into fault_counts at each commit
 * (see counts.h for why).
 */
#include <stdlib.h>
#include <string.h>

#include "db/counts.h"
#include "db/table_alloc.h"

struct fl_count {
    struct fl_count_key key;
    uint64_t n;                   /* faults counted since the last flush */
    uint64_t first_seq, last_seq; /* over those faults */
    int used, dirty;
};

static uint64_t key_hash(const struct fl_count_key *k)
{
    uint64_t w[5];
    memcpy(w, k, sizeof(w));
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 5; i++)
        h = (h ^ w[i]) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 31);
}

_Static_assert(sizeof(struct fl_count_key) == 40, "fl_count_key is hashed as five words");

static struct fl_count *find(struct fl_count *slots, size_t cap, const struct fl_count_key *k)
{
    for (size_t i = key_hash(k) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (!slots[i].used || !memcmp(&slots[i].key, k, sizeof(*k)))
            return &slots[i];
}

/* Double the table; the dirty list points into it, so it is rebuilt too. */
static int grow(struct fl_counts *c)
{
    size_t cap = c->cap ? c->cap * 2 : 256;
    struct fl_count *slots = fl_table_alloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    c->ndirty = 0;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->slots[i].used)
            continue;
        struct fl_count *e = find(slots, cap, &c->slots[i].key);
        *e = c->slots[i];
        if (e->dirty)
            c->dirty[c->ndirty++] = e; /* dirty_cap >= used: fits */
    }
    free(c->slots);
    c->slots = slots;
    c->cap = cap;
    return 0;
}

int fl_counts_add(struct fl_counts *c, const struct fl_count_key *k, uint64_t seq)
{
    if ((c->used + 1) * 2 > c->cap && grow(c) < 0)
        return -1;
    struct fl_count *e = find(c->slots, c->cap, k);
    if (!e->used) {
        if (c->used + 1 > c->dirty_cap) {
            size_t cap = c->dirty_cap ? c->dirty_cap * 2 : 256;
            struct fl_count **d = realloc(c->dirty, cap * sizeof(*d));
            if (!d)
                return -1;
            c->dirty = d;
            c->dirty_cap = cap;
        }
        e->key = *k;
        e->used = 1;
        c->used++;
    }
    if (!e->dirty) {
        e->dirty = 1;
        e->n = 0;
        e->first_seq = seq;
        c->dirty[c->ndirty++] = e;
    }
    e->n++;
    if (seq < e->first_seq)
        e->first_seq = seq;
    if (seq > e->last_seq || e->n == 1)
        e->last_seq = seq;
    return 0;
}

int fl_counts_flush(struct fl_counts *c)
{
    sqlite3_stmt *st = c->upsert;
    for (size_t i = 0; i < c->ndirty; i++) {
        struct fl_count *e = c->dirty[i];
        sqlite3_bind_int64(st, 1, e->key.run_id);
        sqlite3_bind_int(st, 2, e->key.pid);
        sqlite3_bind_int64(st, 3, e->key.vma_id);
        sqlite3_bind_int64(st, 4, e->key.path_id);
        sqlite3_bind_int(st, 5, e->key.outcome);
        sqlite3_bind_int64(st, 6, e->key.kind);
        sqlite3_bind_int64(st, 7, (int64_t)e->n);
        sqlite3_bind_int64(st, 8, (int64_t)e->first_seq);
        sqlite3_bind_int64(st, 9, (int64_t)e->last_seq);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return rc;
        e->dirty = 0;
    }
    c->ndirty = 0;
    return SQLITE_OK;
}

int fl_counts_init(struct fl_counts *c, sqlite3 *db)
{
    memset(c, 0, sizeof(*c));
    return sqlite3_prepare_v3(
        db,
        "INSERT INTO fault_counts(run_id, pid, vma_id, path_id, outcome, kind, n, first_seq,"
        " last_seq) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " ON CONFLICT DO UPDATE SET n = n + excluded.n,"
        " first_seq = min(first_seq, excluded.first_seq),"
        " last_seq = max(last_seq, excluded.last_seq)",
        -1, SQLITE_PREPARE_PERSISTENT, &c->upsert, NULL);
}

void fl_counts_free(struct fl_counts *c)
{
    sqlite3_finalize(c->upsert);
    free(c->slots);
    free(c->dirty);
    memset(c, 0, sizeof(*c));
}
