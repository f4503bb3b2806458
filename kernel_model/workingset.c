/*
 * workingset.c - shadow entries of evicted page-cache pages, to tell a refault (a page read
 * again after reclaim dropped it) from a first read (models the counting half of
 * mm/workingset.c of Linux 4.20).
 *
 * Linux leaves a shadow entry in the page cache's radix tree where reclaim removed a page and
 * counts WORKINGSET_REFAULT when a read finds one. The model keeps the shadows in a hash of
 * (address_space, index) pairs beside the page cache: workingset_eviction() adds one when
 * reclaim drops a file page, workingset_refault() consumes it when the page is read again, and
 * a file's shadows go with its address_space. As in Linux, a shadow holds the eviction time on
 * a clock that ticks at each eviction and activation (inactive_age): the refault distance, the
 * evictions and activations since, is how much longer the inactive list would have had to be
 * for the page to stay. Under --reclaim linux, a page whose distance is no more than the active
 * file list's length comes back active (WORKINGSET_ACTIVATE): it was in use, and only the
 * active list held the memory that would have kept it. The other policies have one list and
 * only count. Anonymous refaults need no shadow: every swap-in is one (vm_events.pswpin).
 */
#include <stdlib.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

#define SHADOW_BUCKETS 4096

struct shadow {
    struct address_space *mapping;
    pgoff_t index;
    unsigned long eviction; /* inactive_age when it was evicted */
    struct shadow *next;
};

static struct shadow *shadows[SHADOW_BUCKETS];
static unsigned long inactive_age; /* lruvec->inactive_age */

static unsigned shadow_bucket(const struct address_space *m, pgoff_t index)
{
    uint64_t k = (uint64_t)(uintptr_t)m ^ (index * 0x9E3779B97F4A7C15ULL);
    return (unsigned)((k * 0x9E3779B97F4A7C15ULL) >> 40) & (SHADOW_BUCKETS - 1);
}

void workingset_eviction(struct address_space *m, pgoff_t index)
{
    unsigned b = shadow_bucket(m, index);
    unsigned long eviction = ++inactive_age;
    for (struct shadow *s = shadows[b]; s; s = s->next) {
        if (s->mapping == m && s->index == index) {
            s->eviction = eviction;
            return;
        }
    }
    struct shadow *s = malloc(sizeof(*s));
    if (!s)
        return; /* a refault will be counted as a first read: only the statistic suffers */
    s->mapping = m;
    s->index = index;
    s->eviction = eviction;
    s->next = shadows[b];
    shadows[b] = s;
}

bool workingset_refault(struct address_space *m, pgoff_t index)
{
    for (struct shadow **pp = &shadows[shadow_bucket(m, index)]; *pp; pp = &(*pp)->next) {
        struct shadow *s = *pp;
        if (s->mapping == m && s->index == index) {
            unsigned long distance = inactive_age - s->eviction;
            *pp = s->next;
            free(s);
            vm_events.workingset_refault++;
            if (distance > nr_active_file())
                return false;
            inactive_age++;
            vm_events.workingset_activate++;
            return true;
        }
    }
    return false;
}

void workingset_activation(void)
{
    inactive_age++;
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
