/*
 * args_env: what the loader hands a new process (fs/binfmt_elf.c create_elf_tables): argc,
 * argv, one environment variable, and the auxv entries whose values are deterministic.
 * Values that legitimately vary (addresses, AT_RANDOM bytes) are printed only as checks.
 * stderr (not compared) names where the strings start and where the pointer tables are, for
 * faults-exec_strings: argv0= (the lowest string byte) and argv= (the argv[] array).
 *
 * Usage: args_env [ARGS...]   (reads $FL_TEST_VAR)
 */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char _start[];

static const char *yes(int cond)
{
    return cond ? "yes" : "no";
}

int main(int argc, char **argv, char **envp)
{
    fprintf(stderr, "args_env: argv0=%#lx\nargs_env: argv=%#lx\n", (unsigned long)argv[0],
            (unsigned long)argv);
    const char *slash = strrchr(argv[0], '/');
    printf("argc=%d\n", argc);
    printf("argv[0] basename=%s\n", slash ? slash + 1 : argv[0]);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=\"%s\" len=%zu\n", i, argv[i], strlen(argv[i]));
    printf("argv[argc]==NULL: %s\n", yes(argv[argc] == NULL));
    printf("envp follows argv: %s\n", yes(envp == argv + argc + 1));
    const char *v = getenv("FL_TEST_VAR");
    printf("FL_TEST_VAR=%s\n", v ? v : "(unset)");

    printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
    printf("AT_CLKTCK=%lu\n", getauxval(AT_CLKTCK));
    printf("AT_PHENT=%lu\n", getauxval(AT_PHENT));
    unsigned long phnum = getauxval(AT_PHNUM);
    printf("AT_PHNUM>0: %s\n", yes(phnum > 0));
    printf("AT_ENTRY==&_start: %s\n", yes(getauxval(AT_ENTRY) == (unsigned long)_start));
    printf("AT_BASE=%lu\n", getauxval(AT_BASE)); /* no interpreter: 0 */
    printf("AT_UID==getuid: %s\n", yes(getauxval(AT_UID) == getuid()));
    printf("AT_EUID==geteuid: %s\n", yes(getauxval(AT_EUID) == geteuid()));
    printf("AT_GID==getgid: %s\n", yes(getauxval(AT_GID) == getgid()));
    printf("AT_EGID==getegid: %s\n", yes(getauxval(AT_EGID) == getegid()));
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM=%s\n", plat ? plat : "(none)");
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("AT_EXECFN==argv[0]: %s\n", yes(execfn && strcmp(execfn, argv[0]) == 0));
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    unsigned sum = 0;
    if (rnd)
        for (int i = 0; i < 16; i++)
            sum += rnd[i]; /* must be readable; the value is random */
    printf("AT_RANDOM readable: %s\n", yes(rnd != NULL && sum < 16 * 256));

    /* AT_PHDR must point at this executable's program headers: find PT_LOAD and PT_PHDR-ish
       consistency by counting PT_LOAD entries. */
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
    int loads = 0, bad = 0;
    for (unsigned long i = 0; ph && i < phnum; i++) {
        if (ph[i].p_type == PT_LOAD) {
            loads++;
            if (ph[i].p_align % 4096 != 0)
                bad++;
        }
    }
    printf("AT_PHDR has PT_LOAD: %s\n", yes(loads > 0 && bad == 0));
    return 0;
}
