/*
 * unit_case.h - the frame of a unit test that is not the kernel model's (model_test.h is):
 * FAIL, which ends the process with the place and a reason, and the case dispatch, one process
 * per case so that CTest runs and reports each on its own.
 */
#ifndef FL_UNIT_CASE_H
#define FL_UNIT_CASE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                       \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fprintf(stderr, "\n");                                                                     \
        exit(1);                                                                                   \
    } while (0)

struct unit_case {
    const char *name;
    void (*run)(void);
};

/* Run the case argv[1] names from cases[0..n): 0 and "ok NAME" when it returns; a case fails
 * by FAIL (or by crashing). */
static inline int unit_case_main(int argc, char **argv, const struct unit_case *cases, size_t n)
{
    if (argc != 2)
        FAIL("usage: %s CASE", argv[0]);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(argv[1], cases[i].name)) {
            cases[i].run();
            printf("ok %s\n", argv[1]);
            return 0;
        }
    FAIL("no case %s", argv[1]);
}

#endif
