/*
 * intern.c - open-addressing string table (see intern.h for the contract).
 *
 * The table is tiny in practice (a run maps tens of files and takes a few dozen distinct
 * handler paths), so linear probing over a power-of-two array with FNV-1a hashes is all the
 * structure it needs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/intern.h"
#include "db/table_alloc.h"

struct intern_entry {
    uint64_t hash;
    size_t keylen;
    void *key; /* NULL: empty slot */
    char *value;
};

static uint64_t fnv1a(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static struct intern_entry *find_slot(struct intern_entry *slots, size_t cap, uint64_t hash,
                                      const void *key, size_t keylen)
{
    for (size_t i = hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
        struct intern_entry *e = &slots[i];
        if (!e->key || (e->hash == hash && e->keylen == keylen && !memcmp(e->key, key, keylen)))
            return e;
    }
}

const char *intern_lookup(struct intern *t, const void *key, size_t keylen)
{
    if (!t->cap)
        return NULL;
    struct intern_entry *e = find_slot(t->slots, t->cap, fnv1a(key, keylen), key, keylen);
    return e->key ? e->value : NULL;
}

/* Keep the load factor under 1/2 so probes stay short. */
static int grow(struct intern *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct intern_entry *slots = fl_table_alloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        struct intern_entry *old = &t->slots[i];
        if (old->key)
            *find_slot(slots, cap, old->hash, old->key, old->keylen) = *old;
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

const char *intern_add(struct intern *t, const void *key, size_t keylen, const char *value)
{
    if ((t->count + 1) * 2 > t->cap && grow(t) < 0)
        return NULL;
    uint64_t hash = fnv1a(key, keylen);
    struct intern_entry *e = find_slot(t->slots, t->cap, hash, key, keylen);
    if (e->key)
        return e->value;
    void *kcopy = malloc(keylen ? keylen : 1);
    char *vcopy = strdup(value);
    if (!kcopy || !vcopy) {
        free(kcopy);
        free(vcopy);
        return NULL;
    }
    memcpy(kcopy, key, keylen);
    *e = (struct intern_entry){hash, keylen, kcopy, vcopy};
    t->count++;
    return vcopy;
}

void intern_free(struct intern *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slots[i].key);
        free(t->slots[i].value);
    }
    free(t->slots);
    *t = (struct intern){0};
}
