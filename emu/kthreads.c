/*
 * kthreads.c - when the model's kernel threads run (see kthreads.h).
 */
#include <stdint.h>
#include <time.h>

#include "emu/kthreads.h"
#include "kernel_model/huge_mm.h"

static uint64_t khugepaged_next; /* CLOCK_MONOTONIC ns of the next pass; 0: at the next wake */

void kthreads_run_due(void)
{
    if (!khugepaged_has_work()) {
        khugepaged_next = 0;
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); /* a few ns from the vDSO: this runs often */
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (!khugepaged_wakeup_pending() && (!khugepaged_next || now < khugepaged_next))
        return;
    khugepaged_do_scan();
    uint64_t sleep_ms = khugepaged_alloc_failed() ? khugepaged_alloc_sleep_millisecs
                                                  : khugepaged_scan_sleep_millisecs;
    khugepaged_next = now + sleep_ms * 1000000u; /* 0 ms: every check, as Linux busy-loops */
}
