/*
 * compare_pages.h - `faultline compare --pages`: the kernel's and the model's faults page by page
 * (compare_pages.c).
 */
#ifndef FL_COMPARE_PAGES_H
#define FL_COMPARE_PAGES_H

#include <stdio.h>

#include "cli/native_faults.h"

struct page_collector;

/* Start collecting the model's faults of the first process that faults (the main one); NULL
 * when out of memory. Stop before the model's machine is destroyed; free after the report. */
struct page_collector *page_collector_start(void);
void page_collector_stop(struct page_collector *c);
void page_collector_free(struct page_collector *c);

/* The per-mapping table and the pages only one side faulted on. 0, or -1 out of memory. */
int compare_pages_report(FILE *out, const struct fault_samples *kernel,
                         const struct page_collector *model);

#endif
