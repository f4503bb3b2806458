/*
 * trace.c - fault-event observers and the path recorder (the model's tracepoints).
 *
 * do_page_fault() opens an event with trace_fault_begin(), the handlers it passes through append
 * their names with trace_fn(), and trace_fault_end() hands the finished event to every observer.
 * Handlers reached outside a page fault (MAP_POPULATE, madvise) trace nothing.
 */
#include <string.h>

#include "kernel_model/trace.h"
#include "kernel_model/trace_internal.h"

static struct fault_observer *observers;
static struct fault_event *cur; /* the event being built, NULL outside do_page_fault */
static uint64_t seq;

uint64_t (*trace_icount_source)(void *ctx);
void *trace_icount_ctx;

void fault_observer_register(struct fault_observer *obs)
{
    obs->next = observers;
    observers = obs;
}

void fault_observer_unregister(struct fault_observer *obs)
{
    for (struct fault_observer **pp = &observers; *pp; pp = &(*pp)->next) {
        if (*pp == obs) {
            *pp = obs->next;
            return;
        }
    }
}

void trace_fn(const char *fn)
{
    if (cur && cur->path_len < FAULT_PATH_MAX)
        cur->path[cur->path_len++] = fn;
}

void trace_fault_begin(struct fault_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->seq = ++seq;
    ev->icount = trace_icount_source ? trace_icount_source(trace_icount_ctx) : 0;
    cur = ev;
}

void trace_fault_end(struct fault_event *ev)
{
    cur = NULL;
    for (struct fault_observer *o = observers; o; o = o->next)
        o->on_fault(o->ctx, ev);
}

void trace_reclaim(struct reclaim_event *ev)
{
    ev->fault_seq = cur ? cur->seq : seq; /* outside a fault: the last one before */
    for (struct fault_observer *o = observers; o; o = o->next)
        if (o->on_reclaim)
            o->on_reclaim(o->ctx, ev);
}

void trace_khugepaged(struct khugepaged_event *ev)
{
    ev->fault_seq = seq; /* khugepaged runs between faults */
    for (struct fault_observer *o = observers; o; o = o->next)
        if (o->on_khugepaged)
            o->on_khugepaged(o->ctx, ev);
}

void trace_printk_record(struct printk_event *ev)
{
    ev->fault_seq = cur ? cur->seq : seq; /* outside a fault: the last one before */
    for (struct fault_observer *o = observers; o; o = o->next)
        if (o->on_printk)
            o->on_printk(o->ctx, ev);
}

/* As include/trace/events/huge_memory.h of 4.20 prints them (SCAN_STATUS). */
const char *scan_result_name(enum scan_result r)
{
    static const char *const names[] = {
        [SCAN_FAIL] = "failed",
        [SCAN_SUCCEED] = "succeeded",
        [SCAN_PMD_NULL] = "pmd_null",
        [SCAN_EXCEED_NONE_PTE] = "exceed_none_pte",
        [SCAN_PTE_NON_PRESENT] = "pte_non_present",
        [SCAN_PAGE_RO] = "no_writable_page",
        [SCAN_LACK_REFERENCED_PAGE] = "lack_referenced_page",
        [SCAN_PAGE_NULL] = "page_null",
        [SCAN_SCAN_ABORT] = "scan_aborted",
        [SCAN_PAGE_COUNT] = "not_suitable_page_count",
        [SCAN_PAGE_LRU] = "page_not_in_lru",
        [SCAN_PAGE_LOCK] = "page_locked",
        [SCAN_PAGE_ANON] = "page_not_anon",
        [SCAN_PAGE_COMPOUND] = "page_compound",
        [SCAN_ANY_PROCESS] = "no_process_for_page",
        [SCAN_VMA_NULL] = "vma_null",
        [SCAN_VMA_CHECK] = "vma_check_failed",
        [SCAN_ADDRESS_RANGE] = "not_suitable_address_range",
        [SCAN_SWAP_CACHE_PAGE] = "page_swap_cache",
        [SCAN_DEL_PAGE_LRU] = "could_not_delete_page_from_lru",
        [SCAN_ALLOC_HUGE_PAGE_FAIL] = "alloc_huge_page_failed",
        [SCAN_CGROUP_CHARGE_FAIL] = "ccgroup_charge_failed",
        [SCAN_EXCEED_SWAP_PTE] = "exceed_swap_pte",
        [SCAN_TRUNCATED] = "truncated",
        [SCAN_PAGE_HAS_PRIVATE] = "page_has_private",
    };
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *khugepaged_swapin_name(enum khugepaged_swapin s)
{
    static const char *const names[] = {
        [SWAPIN_NOT_REACHED] = NULL,
        [SWAPIN_DONE] = "done",
        [SWAPIN_REFUSED] = "refused",
        [SWAPIN_FAILED] = "failed",
    };
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *reclaim_kind_name(enum reclaim_kind k)
{
    static const char *const names[] = {
        [RECLAIM_SWAP_OUT] = "swap_out",   [RECLAIM_SWAP_CLEAN] = "swap_clean",
        [RECLAIM_FILE_DROP] = "file_drop", [RECLAIM_FILE_WRITEBACK] = "file_writeback",
        [RECLAIM_LAZYFREE] = "lazyfree",   [RECLAIM_SWAPOFF_IN] = "swapoff_in",
    };
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

uint64_t trace_fault_count(void)
{
    return seq;
}

void fault_path_format(const struct fault_event *ev, char *buf, unsigned len)
{
    unsigned n = 0;
    if (len)
        buf[0] = 0;
    for (int i = 0; i < ev->path_len && n + 1 < len; i++) {
        size_t l = strlen(ev->path[i]);
        if (i && n + 1 < len)
            buf[n++] = '>';
        if (n + l >= len)
            l = len - n - 1;
        memcpy(buf + n, ev->path[i], l);
        n += l;
        buf[n] = 0;
    }
}

const char *fault_outcome_name(enum fault_kind_outcome o)
{
    static const char *const names[] = {
        [OUTCOME_MINOR] = "minor",         [OUTCOME_MAJOR] = "major",
        [OUTCOME_SIGSEGV] = "sigsegv",     [OUTCOME_SIGBUS] = "sigbus",
        [OUTCOME_EFAULT] = "efault",       [OUTCOME_OOM] = "oom",
        [OUTCOME_KILL] = "kill",           [OUTCOME_SPURIOUS] = "spurious",
        [OUTCOME_USERFAULT] = "userfault",
    };
    return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}
