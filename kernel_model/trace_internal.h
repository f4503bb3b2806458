/* trace_internal.h - the fault path's side of trace.c (not for observers). */
#ifndef FL_TRACE_INTERNAL_H
#define FL_TRACE_INTERNAL_H

#include "kernel_model/trace.h"

void trace_fault_begin(struct fault_event *ev);
void trace_fault_end(struct fault_event *ev);
uint64_t trace_fault_count(void); /* events begun so far this run */

#endif
