/*
 * setid_preload.c - a library for LD_PRELOAD whose constructor prints one line, to show whether
 * ld.so loaded it (tests/guest/setid_exec.c: a set-user-ID program runs with AT_SECURE, and
 * ld.so then ignores LD_PRELOAD).
 */
#include <unistd.h>

__attribute__((constructor)) static void preloaded(void)
{
    static const char line[] = "setid_preload: constructor ran\n";
    (void)!write(1, line, sizeof(line) - 1);
}
