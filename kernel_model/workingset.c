/*
 * workingset.c - shadow entries of evicted page-cache pages, to tell a refault (a page read
 * again after reclaim dropped it) from a first read (models the counting half of
 * mm/workingset.c of Linux 4.20).
 *
 * Linux leaves a shadow entry in the page cache's radix tree where reclaim removed a page and
 * counts WORKINGSET_REFAULT when a read finds one. The model keeps the shadows in a hash of
 * (address_space, index) pairs beside the page cache: workingset_eviction() adds one when
 * reclaim drops a file page, workingset_refault() consumes it when the page is read again, and
 * a file's shadows go with its address_space. Linux also uses the shadow's eviction time to
 * decide whether the page should be activated at once; the model has one list and only counts.
 * Anonymous refaults need no shadow: every swap-in is one (vm_events.pswpin).
 */
#include <stdlib.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

#define SHADOW_BUCKETS 4096

struct shadow {
    struct address_space *mapping;
    pgoff_t index;
    struct shadow *next;
};

static struct shadow *shadows[SHADOW_BUCKETS];

static unsigned shadow_bucket(const struct address_space *m, pgoff_t index)
{
    uint64_t k = (uint64_t)(uintptr_t)m ^ (index * 0x9E3779B97F4A7C15ULL);
    return (unsigned)((k * 0x9E3779B97F4A7C15ULL) >> 40) & (SHADOW_BUCKETS - 1);
}

void workingset_eviction(struct address_space *m, pgoff_t index)
{
    unsigned b = shadow_bucket(m, index);
    for (struct shadow *s = shadows[b]; s; s = s->next)
        if (s->mapping == m && s->index == index)
            return;
    struct shadow *s = malloc(sizeof(*s));
    if (!s)
        return; /* a refault will be counted as a first read: only the statistic suffers */
    s->mapping = m;
    s->index = index;
    s->next = shadows[b];
    shadows[b] = s;
}

bool workingset_refault(struct address_space *m, pgoff_t index)
{
    for (struct shadow **pp = &shadows[shadow_bucket(m, index)]; *pp; pp = &(*pp)->next) {
        struct shadow *s = *pp;
        if (s->mapping == m && s->index == index) {
            *pp = s->next;
            free(s);
            vm_events.workingset_refault++;
            return true;
        }
    }
    return false;
}

void workingset_forget(struct address_space *m)
{
    for (unsigned b = 0; b < SHADOW_BUCKETS; b++) {
        for (struct shadow **pp = &shadows[b]; *pp;) {
            struct shadow *s = *pp;
            if (s->mapping == m) {
                *pp = s->next;
                free(s);
            } else {
                pp = &s->next;
            }
        }
    }
}
