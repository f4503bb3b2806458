/*
 * compare_pages.c - `faultline compare --pages`: the host kernel's and the model's page faults of
 * the same program, page by page.
 *
 * The kernel's side comes from native_faults.c (every fault's address, the run without address
 * randomization); the model's from a fault observer on the faultline run. Both cover the main
 * process, every thread of it, and not its children (their pages are another address space's).
 * Faults are compared as multisets of pages (a page read, then written, faults
 * twice on both sides), grouped by the mapping the model had there, which is the kernel's too
 * since the layouts agree. Pages only one side faulted on are listed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/compare_pages.h"
#include "kernel_model/mm.h"
#include "kernel_model/trace.h"

#define LIST_MAX 12 /* differing pages listed per side */

/* One distinct VMA the model's faults were in. */
struct seen_vma {
    uint64_t start, end;
    char *name;
};

struct model_fault {
    uint64_t page;
    bool user;
    const char *handler, *outcome; /* static strings of the model */
    int vma;                       /* index into seen, -1: none */
};

struct page_collector {
    struct fault_observer obs;
    int tgid; /* the main process (every thread of it): the first one to fault */
    struct model_fault *v;
    size_t n, cap;
    struct seen_vma *seen;
    size_t nseen, capseen;
    bool oom, registered;
};

static int seen_index(struct page_collector *c, const struct fault_event *ev)
{
    if (ev->vma_start == ev->vma_end)
        return -1;
    for (size_t i = c->nseen; i-- > 0;)
        if (c->seen[i].start == ev->vma_start && c->seen[i].end == ev->vma_end)
            return (int)i;
    if (c->nseen == c->capseen) {
        size_t cap = c->capseen ? c->capseen * 2 : 64;
        struct seen_vma *s = realloc(c->seen, cap * sizeof(*s));
        if (!s)
            return -1;
        c->seen = s;
        c->capseen = cap;
    }
    char *name = strdup(ev->vma_file ? ev->vma_file : "[anon]");
    if (!name)
        return -1;
    c->seen[c->nseen] = (struct seen_vma){ev->vma_start, ev->vma_end, name};
    return (int)c->nseen++;
}

static void on_fault(void *ctx, const struct fault_event *ev)
{
    struct page_collector *c = ctx;
    if (!c->tgid)
        c->tgid = ev->tgid;
    if (ev->tgid != c->tgid)
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4096;
        struct model_fault *v = realloc(c->v, cap * sizeof(*v));
        if (!v) {
            c->oom = true;
            return;
        }
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (struct model_fault){
        .page = ev->address & PAGE_MASK,
        .user = ev->user,
        .handler = ev->path_len > 0 ? ev->path[ev->path_len - 1] : "?",
        .outcome = fault_outcome_name(ev->outcome),
        .vma = seen_index(c, ev),
    };
}

struct page_collector *page_collector_start(void)
{
    struct page_collector *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->obs = (struct fault_observer){.on_fault = on_fault, .ctx = c};
    fault_observer_register(&c->obs);
    c->registered = true;
    return c;
}

void page_collector_stop(struct page_collector *c)
{
    if (c && c->registered) {
        fault_observer_unregister(&c->obs);
        c->registered = false;
    }
}

void page_collector_free(struct page_collector *c)
{
    if (!c)
        return;
    page_collector_stop(c);
    for (size_t i = 0; i < c->nseen; i++)
        free(c->seen[i].name);
    free(c->seen);
    free(c->v);
    free(c);
}

/* --- the comparison --- */

/* One fault of either side, sorted by page to pair them up. */
struct item {
    uint64_t page;
    int side; /* 0 kernel, 1 model */
    size_t idx;
    bool only; /* the other side has no fault left on this page to pair it with */
};

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->page != y->page)
        return x->page < y->page ? -1 : 1;
    if (x->side != y->side)
        return x->side - y->side;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct group {
    const char *name;
    unsigned long kernel, model, only_kernel, only_model;
};

static const char *vma_name_at(const struct page_collector *c, uint64_t page)
{
    for (size_t i = 0; i < c->nseen; i++)
        if (page >= c->seen[i].start && page < c->seen[i].end)
            return c->seen[i].name;
    return "(no model fault here)";
}

static struct group *group_of(struct group *g, size_t *ng, const char *name)
{
    for (size_t i = 0; i < *ng; i++)
        if (!strcmp(g[i].name, name))
            return &g[i];
    g[*ng] = (struct group){.name = name};
    return &g[(*ng)++];
}

static int cmp_group(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    unsigned long sx = x->kernel + x->model, sy = y->kernel + y->model;
    return sx < sy ? 1 : sx > sy ? -1 : strcmp(x->name, y->name);
}

int compare_pages_report(FILE *out, const struct fault_samples *k, const struct page_collector *c)
{
    if (c->oom)
        return -1;
    size_t n = 0, total = k->n + c->n;
    struct item *it = malloc((total ? total : 1) * sizeof(*it));
    struct group *g = calloc(c->nseen + 2, sizeof(*g)); /* one per VMA name, and the unknown */
    if (!it || !g) {
        free(it);
        free(g);
        return -1;
    }
    for (size_t i = 0; i < k->n; i++)
        it[n++] = (struct item){k->v[i].addr & PAGE_MASK, 0, i, false};
    /* Linux counts the page-fault perf event in do_user_addr_fault alone: a fault at a kernel
     * address (TASK_SIZE_MAX and up: do_kern_addr_fault, a SIGSEGV for user code) is never
     * sampled natively, so the model's are left out of the pairing, and counted apart */
    unsigned long kern_addr = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].page >= TASK_SIZE_MAX)
            kern_addr++;
        else if (c->v[i].user || !k->user_only)
            it[n++] = (struct item){c->v[i].page, 1, i, false};
    qsort(it, n, sizeof(*it), cmp_item);

    size_t ng = 0;
    unsigned long only_k = 0, only_m = 0, nk = 0, nm = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i, kcount = 0, mcount = 0;
        for (; j < n && it[j].page == it[i].page; j++) {
            if (it[j].side)
                mcount++;
            else
                kcount++;
        }
        struct group *gr = group_of(g, &ng, vma_name_at(c, it[i].page));
        gr->kernel += kcount;
        gr->model += mcount;
        nk += kcount;
        nm += mcount;
        /* the unmatched ones of the side with more: its last faults on the page */
        size_t extra = kcount > mcount ? kcount - mcount : mcount - kcount;
        for (size_t e = 0; e < extra; e++)
            it[i + (kcount > mcount ? kcount : kcount + mcount) - 1 - e].only = true;
        if (kcount > mcount) {
            gr->only_kernel += extra;
            only_k += extra;
        } else {
            gr->only_model += extra;
            only_m += extra;
        }
        i = j;
    }
    qsort(g, ng, sizeof(*g), cmp_group);

    fprintf(out,
            "\nPage faults of the main process and its threads, page by page (the kernel's "
            "sampled with\nperf_event_open%s, the native run without address randomization):\n",
            k->user_only ? ", user mode only: perf_event_paranoid" : "");
    fprintf(out, "%-44s %8s %8s %12s %12s\n", "mapping", "kernel", "model", "only kernel",
            "only model");
    for (size_t i = 0; i < ng; i++) {
        const char *name = g[i].name;
        size_t len = strlen(name);
        fprintf(out, "%s%-*s %8lu %8lu %12lu %12lu\n", len > 44 ? "..." : "", len > 44 ? 41 : 44,
                len > 44 ? name + len - 41 : name, g[i].kernel, g[i].model, g[i].only_kernel,
                g[i].only_model);
    }
    fprintf(out, "%-44s %8lu %8lu %12lu %12lu\n", "all", nk, nm, only_k, only_m);
    if (k->lost)
        fprintf(out, "(%lu kernel samples were lost: the ring buffer was full)\n", k->lost);
    if (kern_addr)
        fprintf(out,
                "(%lu faults of the model at kernel addresses are not in the table: Linux has "
                "no perf event for them)\n",
                kern_addr);

    for (int side = 0; side < 2; side++) {
        unsigned long shown = 0, all = side ? only_m : only_k;
        if (!all)
            continue;
        fprintf(out, "\nOnly the %s faulted here%s:\n", side ? "model" : "kernel",
                all > LIST_MAX ? " (the first ones)" : "");
        for (size_t i = 0; i < n && shown < LIST_MAX; i++) {
            if (!it[i].only || it[i].side != side)
                continue;
            shown++;
            if (side) {
                const struct model_fault *f = &c->v[it[i].idx];
                fprintf(out, "  %#14" PRIx64 "  %-28s %s, %s, %s\n", f->page,
                        vma_name_at(c, f->page), f->handler, f->outcome,
                        f->user ? "user" : "kernel");
            } else {
                const struct fault_sample *f = &k->v[it[i].idx];
                fprintf(out, "  %#14" PRIx64 "  %-28s %s\n", f->addr & PAGE_MASK,
                        vma_name_at(c, f->addr & PAGE_MASK), f->user ? "user" : "kernel");
            }
        }
    }
    free(it);
    free(g);
    return 0;
}
