/* code_buffer.h - an engine's translated-code buffer: where it is, its guard, its memory. */
#ifndef FAULTLINE_MMU_CODE_BUFFER_H
#define FAULTLINE_MMU_CODE_BUFFER_H

#include <stdatomic.h>
#include <stdbool.h>

#define CODE_BUFFER_SNAPSHOT_MAX 16

/* The host's rwx anonymous mappings (translated-code buffers) at one moment. */
struct code_buffer_snapshot {
    int n, overflow;
    unsigned long start[CODE_BUFFER_SNAPSHOT_MAX], end[CODE_BUFFER_SNAPSHOT_MAX];
};

/* One engine's buffer. start == end: not found (then nothing here touches it). */
struct code_buffer {
    unsigned long start, end;
    /* the inaccessible page 7/8 of the way through (code_buffer_guard), 0: none */
    _Atomic unsigned long guard;
    /* translated code reached the guard: set by the SIGSEGV handler, cleared by the owner */
    atomic_bool nearly_full;
    void (*on_nearly_full)(void *arg); /* called from the signal handler */
    void *arg;
};

/* Record the code buffers that exist now, before an engine is created. */
void code_buffer_snapshot(struct code_buffer_snapshot *snap);

/* Fill b with the buffer of the engine created since `before`: true if exactly one new rwx
 * mapping appeared (it is then taken out of transparent huge pages), false otherwise (b is
 * left not found). */
bool code_buffer_find(struct code_buffer *b, const struct code_buffer_snapshot *before);

/* Make the page 7/8 of the way through b inaccessible, so that the first translated code written
 * there sets b->nearly_full and calls on_nearly_full(arg) from a SIGSEGV handler, after which
 * the page is accessible again and the guard gone. Again after all code was dropped: the guard
 * is back, nearly_full clear. false (and no guard) if b was not found or the handler cannot be
 * installed. */
bool code_buffer_guard(struct code_buffer *b, void (*on_nearly_full)(void *arg), void *arg);

/* Remove b's guard if it is still there; b may then be freed. */
void code_buffer_unguard(struct code_buffer *b);

/* Give back to the host the memory of b past the TCG prologue. Only right after all code was
 * dropped (uc_ctl_flush_tb): nothing there is used any more, and what comes back reads as
 * zeroes, which is what Unicorn 2.1.1's flush left there. */
void code_buffer_release(const struct code_buffer *b);

#endif
