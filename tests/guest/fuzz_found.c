/*
 * fuzz_found.c - syscalls with the arguments tests/fuzz/sysfuzz found faultline mishandling,
 * each printed with its result (natively and under faultline the same).
 *
 *   fuzz_found CASE
 *
 * select: timeouts kern_select normalises (whole seconds of tv_usec carry into tv_sec) or
 *         refuses, one with a tv_usec whose product by 1000 overflows (UBSan in faultline).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
    printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void select_case(void)
{
    static const struct {
        const char *what;
        long sec, usec;
    } t[] = {
        {"usec 1000000 from sec -1: 0 s", -1, 1000000},
        {"usec -1000000 from sec 1: 0 s", 1, -1000000},
        {"usec 3000000 from sec -3: 0 s", -3, 3000000},
        {"usec -1", 0, -1},
        {"sec -1", -1, 0},
        {"usec -257081099048116905", 0, -257081099048116905L},
        {"usec LONG_MAX from sec LONG_MAX", LONG_MAX, LONG_MAX},
        {"usec LONG_MIN", 0, LONG_MIN},
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct timeval tv = {t[i].sec, t[i].usec};
        errno = 0;
        show(t[i].what, syscall(SYS_select, 0, NULL, NULL, NULL, &tv));
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_found CASE\n");
        return 2;
    }
    if (!strcmp(argv[1], "select"))
        select_case();
    else
        return 2;
    return 0;
}
