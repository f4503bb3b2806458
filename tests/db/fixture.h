/*
 * fixture.h - a small, fully known fault log written through the real writer, shared by the
 * view tests and the CLI tests (through the make_fixture program).
 *
 * Run 1 (exited 0): pid 100 and its child 101, 13 faults covering a file read fault, a
 * zero-page read later written (seq 2 -> 3), a zero-page read never written (seq 11), COW after
 * fork (seq 6 copy in the child, seq 7 reuse in the parent), do_cow_fault (seq 10), a
 * kernel-mode fault (seq 5), SIGSEGV on NULL and on a kernel address (seqs 8, 9), a stack VMA
 * that grew (seqs 5, 12) and a spurious fault (seq 13).
 * Run 2 (never ended: status 'running'): pid 200, 2 faults, instruction counting off.
 */
#ifndef FL_TESTS_DB_FIXTURE_H
#define FL_TESTS_DB_FIXTURE_H

#include <stddef.h>

#define FIXTURE_RUN1_FAULTS 13
#define FIXTURE_RUN2_FAULTS 2

/* Write the fixture log to path (which must not exist). 0, or -1 with err set. */
int fixture_write(const char *path, char *err, size_t errlen);

#endif
