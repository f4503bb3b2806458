/*
 * stats_scan.c - one pass over a run's faults for `faultline stats` (see stats_scan.h).
 */
#include "cli/stats_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/mm.h"

/* MurmurHash3's 64-bit finalizer: pages are multiples of 4096 and the table uses the low bits. */
static uint64_t hash_key(int64_t key, int32_t pid)
{
    uint64_t h = (uint64_t)key ^ (uint64_t)(uint32_t)pid << 48;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ h >> 33;
}

/* Double the slot table (or make the first) and place every group again. 0 or -1. */
static int groups_rehash(struct stats_groups *g)
{
    size_t nslots = g->nslots ? 2 * g->nslots : 1024;
    uint32_t *slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < g->n; i++) {
        size_t j = hash_key(g->v[i].key, g->v[i].pid) & (nslots - 1);
        while (slots[j])
            j = (j + 1) & (nslots - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    free(g->slots);
    g->slots = slots;
    g->nslots = nslots;
    return 0;
}

/* The group of (key, pid), made (empty, first_seq = seq) if new. NULL when out of memory. */
static struct stats_group *group_of(struct stats_groups *g, int64_t key, int32_t pid, int64_t seq)
{
    if (4 * (g->n + 1) > 3 * g->nslots && groups_rehash(g) < 0)
        return NULL;
    size_t j = hash_key(key, pid) & (g->nslots - 1);
    for (; g->slots[j]; j = (j + 1) & (g->nslots - 1)) {
        struct stats_group *e = &g->v[g->slots[j] - 1];
        if (e->key == key && e->pid == pid)
            return e;
    }
    if (g->n == UINT32_MAX)
        return NULL;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 1024;
        struct stats_group *v = realloc(g->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        g->v = v;
        g->cap = cap;
    }
    struct stats_group *e = &g->v[g->n++];
    memset(e, 0, sizeof(*e));
    e->key = key;
    e->pid = pid;
    e->first_seq = seq;
    g->slots[j] = (uint32_t)g->n;
    return e;
}

/* Count one fault (access kind from its error code, handler id + 1 or 0) into e. */
static void count_into(struct stats_group *e, unsigned error_code, uint8_t handler)
{
    e->user |= (error_code & X86_PF_USER) != 0;
    if (error_code & X86_PF_INSTR)
        e->execs++;
    else if (error_code & X86_PF_WRITE)
        e->writes++;
    else
        e->reads++;
    if (!handler)
        return;
    for (int i = 0; i < STATS_GROUP_HANDLERS; i++) {
        if (e->handlers[i] == handler)
            return;
        if (!e->handlers[i]) {
            e->handlers[i] = handler;
            return;
        }
    }
}

/* The id + 1 of handler name h, added if new; 0 when 255 names are taken. -1 when out of
 * memory. */
static int handler_id(struct stats_scan *s, const char *h)
{
    for (unsigned i = 0; i < s->nhandlers; i++)
        if (!strcmp(s->handler[i], h))
            return (int)i + 1;
    if (s->nhandlers == sizeof(s->handler) / sizeof(s->handler[0]))
        return 0;
    if (!(s->handler[s->nhandlers] = strdup(h)))
        return -1;
    return (int)++s->nhandlers;
}

static int push_x(struct stats_scan *s, int64_t x)
{
    if (s->nx == s->xcap) {
        size_t cap = s->xcap ? 2 * s->xcap : 4096;
        int64_t *v = realloc(s->x, cap * sizeof(*v));
        if (!v)
            return -1;
        s->x = v;
        s->xcap = cap;
    }
    s->x[s->nx++] = x;
    return 0;
}

/*
 * Where the fault is in time. Until a fault with icount > 0 is met, x holds seqs (all a run that
 * did not count instructions needs), a fault with a NULL icount as -1 - seq. At the first such
 * fault the run did count: the faults before it had icount 0 (x >= 0: kept, as 0) or NULL (left
 * out, as the report leaves out faults without an icount).
 */
static int place_in_time(struct stats_scan *s, int64_t seq, bool has_icount, int64_t icount)
{
    if (!s->by_icount && has_icount && icount > 0) {
        size_t o = 0;
        for (size_t i = 0; i < s->nx; i++)
            if (s->x[i] >= 0)
                s->x[o++] = 0;
        s->nx = o;
        s->by_icount = true;
    }
    if (s->by_icount)
        return has_icount ? push_x(s, icount) : 0;
    return push_x(s, has_icount ? seq : -1 - seq);
}

int stats_scan_rows(struct stats_scan *s, sqlite3_stmt *st)
{
    int last_id = 0, last_len = -1, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        int32_t pid = sqlite3_column_int(st, 1);
        int64_t ip = sqlite3_column_int64(st, 2), page = sqlite3_column_int64(st, 3);
        unsigned error_code = (unsigned)sqlite3_column_int(st, 4);
        const char *h = (const char *)sqlite3_column_text(st, 5);
        int len = sqlite3_column_bytes(st, 5);
        bool has_icount = sqlite3_column_type(st, 6) != SQLITE_NULL;
        int64_t icount = sqlite3_column_int64(st, 6);

        /* consecutive faults mostly share a handler: compare with the last name first */
        int id = 0;
        if (h && last_id && len == last_len && !memcmp(h, s->handler[last_id - 1], (size_t)len)) {
            id = last_id;
        } else if (h) {
            if ((id = handler_id(s, h)) < 0)
                return SQLITE_NOMEM;
            last_id = id;
            last_len = len;
        }

        struct stats_group *pg = group_of(&s->pages, page, pid, seq);
        struct stats_group *ig = pg ? group_of(&s->ips, ip, pid, seq) : NULL;
        if (!ig || place_in_time(s, seq, has_icount, icount) < 0)
            return SQLITE_NOMEM;
        count_into(pg, error_code, (uint8_t)id);
        count_into(ig, error_code, (uint8_t)id);
    }
    if (!s->by_icount) /* every fault counts by seq: undo the marks of NULL icounts */
        for (size_t i = 0; i < s->nx; i++)
            if (s->x[i] < 0)
                s->x[i] = -1 - s->x[i];
    return rc;
}

static uint64_t faults_of(const struct stats_group *g)
{
    return g->reads + g->writes + g->execs;
}

/* Does a come before b in the report: more faults, then the lower key, then the lower pid. */
static bool before(const struct stats_group *a, const struct stats_group *b)
{
    uint64_t na = faults_of(a), nb = faults_of(b);
    if (na != nb)
        return na > nb;
    if (a->key != b->key)
        return a->key < b->key;
    return a->pid < b->pid;
}

size_t stats_top(const struct stats_groups *g, const struct stats_group **out, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        const struct stats_group *e = &g->v[i];
        if (n == k && !before(e, out[k - 1]))
            continue;
        size_t j = n < k ? n++ : k - 1; /* insertion into the sorted top k */
        for (; j > 0 && before(e, out[j - 1]); j--)
            out[j] = out[j - 1];
        out[j] = e;
    }
    return n;
}

void stats_group_handlers(const struct stats_scan *s, const struct stats_group *g, char *buf,
                          size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < STATS_GROUP_HANDLERS && g->handlers[i] && o < len; i++) {
        int w = snprintf(buf + o, len - o, "%s%s", i ? "," : "", s->handler[g->handlers[i] - 1]);
        o += w > 0 ? (size_t)w : 0;
    }
}

void stats_scan_free(struct stats_scan *s)
{
    free(s->pages.v);
    free(s->pages.slots);
    free(s->ips.v);
    free(s->ips.slots);
    for (unsigned i = 0; i < s->nhandlers; i++)
        free(s->handler[i]);
    free(s->x);
    memset(s, 0, sizeof(*s));
}
