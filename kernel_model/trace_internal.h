/* trace_internal.h - the fault path's side of trace.c (not for observers). */
#ifndef FL_TRACE_INTERNAL_H
#define FL_TRACE_INTERNAL_H

#include "kernel_model/trace.h"

void trace_fault_begin(struct fault_event *ev);
void trace_fault_end(struct fault_event *ev);
uint64_t trace_fault_count(void); /* events begun so far this run */
/* A page was reclaimed: stamp the fault in progress (if any) and tell the observers. */
void trace_reclaim(struct reclaim_event *ev);
/* khugepaged looked at a range: stamp the last fault and tell the observers. */
void trace_khugepaged(struct khugepaged_event *ev);

#endif
