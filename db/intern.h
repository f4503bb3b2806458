/*
 * intern.h - a string table that gives each distinct key one immutable copy of its value.
 *
 * The fault observer uses it so a batch row can hold a plain pointer instead of a copy: the
 * VMA file name (keyed by its text) and the joined handler path (keyed by the array of
 * static handler-name pointers, which is cheaper to hash than the joined text). Values stay
 * valid and unchanged until intern_free(), so another thread may read them once the row
 * holding the pointer has been handed over under a lock. Only one thread may look up or add.
 */
#ifndef FL_DB_INTERN_H
#define FL_DB_INTERN_H

#include <stddef.h>

struct intern_entry;

struct intern {
    struct intern_entry *slots; /* open addressing, power-of-two size */
    size_t cap, count;
};

/* The value stored for key, or NULL if it was never added. */
const char *intern_lookup(struct intern *t, const void *key, size_t keylen);

/* Store a copy of key and of value; returns the stored value (NULL when out of memory). */
const char *intern_add(struct intern *t, const void *key, size_t keylen, const char *value);

/* Frees every key and value: pointers handed out before are dangling afterwards. */
void intern_free(struct intern *t);

#endif
