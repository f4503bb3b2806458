/*
 * kthreads.h - the model's kernel threads, run by the emulator: khugepaged.
 *
 * Linux runs khugepaged beside the processes; the emulator runs its passes on its own thread
 * between guest instructions, where the model is at rest: on the way back to user mode from a
 * system call or from a stop of the engine, when the pass is due. A pass is due at once
 * when khugepaged has just been woken (its list stopped being empty, or root wrote
 * scan_sleep_millisecs), else scan_sleep_millisecs after the last one (alloc_sleep_millisecs
 * after one that found no huge page free), by CLOCK_MONOTONIC. A guest that computes without
 * ever leaving the engine does not see khugepaged until it does.
 */
#ifndef FL_EMU_KTHREADS_H
#define FL_EMU_KTHREADS_H

/* Run khugepaged's pass if it is due. */
void kthreads_run_due(void);

#endif
