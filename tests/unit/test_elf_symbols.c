/*
 * test_elf_symbols.c - ui/elf_symbols.c on its own: names for addresses of this very program,
 * and no crash (the ASan build would catch a read out of bounds) on truncated or corrupt files,
 * which is what the paths a log names may be by the time it is read.
 *
 * usage: test_elf_symbols CASE   (own_functions, truncated, corrupt)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit_case.h"
#include "ui/elf_symbols.h"

int main(int argc, char **argv);

__attribute__((noinline)) int probe_function(int x)
{
    return x * 3 + 1;
}

/* The file and offset an address of this process is mapped from (/proc/self/maps). */
static uint64_t file_offset_of(const void *addr, char *path, size_t pathlen)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    uint64_t a = (uint64_t)(uintptr_t)addr;

    while (f && fgets(line, sizeof(line), f)) {
        unsigned long long s, e, off;
        char file[4096] = "";
        if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %4095s", &s, &e, &off, file) >= 3 && a >= s &&
            a < e) {
            fclose(f);
            snprintf(path, pathlen, "%s", file);
            return a - s + off;
        }
    }
    FAIL("%p is not mapped", addr);
}

static void own_functions(void)
{
    char path[4096], name[256];
    uint64_t off = file_offset_of((const void *)probe_function, path, sizeof(path));

    if (!elf_symbolize(path, off, name, sizeof(name)) || strcmp(name, "probe_function"))
        FAIL("the entry of probe_function came out as '%s'", name);
    if (!elf_symbolize(path, off + 3, name, sizeof(name)) || strcmp(name, "probe_function+0x3"))
        FAIL("probe_function + 3 came out as '%s'", name);
    off = file_offset_of((const void *)main, path, sizeof(path));
    if (!elf_symbolize(path, off, name, sizeof(name)) || strcmp(name, "main"))
        FAIL("main came out as '%s'", name);
    if (elf_symbolize(path, 0, name, sizeof(name)))
        FAIL("the ELF header (no function) came out as '%s'", name);
    if (elf_symbolize("/nonexistent/file", off, name, sizeof(name)) ||
        elf_symbolize("[vdso]", off, name, sizeof(name)) || elf_symbolize(NULL, 0, name, 8))
        FAIL("a missing file has symbols");
}

static unsigned char *read_self(size_t *len)
{
    FILE *f = fopen("/proc/self/exe", "rb");
    unsigned char *buf = NULL;
    size_t cap = 0;

    *len = 0;
    while (f) {
        if (*len == cap && !(buf = realloc(buf, cap = cap ? 2 * cap : 1 << 20)))
            FAIL("out of memory");
        size_t n = fread(buf + *len, 1, cap - *len, f);
        if (!n)
            break;
        *len += n;
    }
    if (f)
        fclose(f);
    if (!*len)
        FAIL("cannot read /proc/self/exe");
    return buf;
}

static void write_file(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f))
        FAIL("cannot write %s", path);
}

/* Every length from 0 to the whole file in 1/200 steps: a name or nothing, never a crash. */
static void truncated(void)
{
    char path[4096], copy[64], name[256];
    uint64_t off = file_offset_of((const void *)probe_function, path, sizeof(path));
    size_t len;
    unsigned char *self = read_self(&len);
    int named = 0;

    snprintf(copy, sizeof(copy), "/tmp/fl_elf_symbols_%d", (int)getpid());
    for (int i = 0; i <= 200; i++) {
        write_file(copy, self, len * i / 200);
        elf_symbols_forget();
        if (elf_symbolize(copy, off, name, sizeof(name))) {
            if (strcmp(name, "probe_function"))
                FAIL("truncated to %zu bytes: '%s'", len * i / 200, name);
            named++;
        }
    }
    unlink(copy);
    if (!named)
        FAIL("not even the whole copy was named");
    free(self);
}

/* The program's own headers with random words written over them (a fixed seed). */
static void corrupt(void)
{
    char path[4096], copy[64], name[256];
    uint64_t off = file_offset_of((const void *)probe_function, path, sizeof(path));
    size_t len;
    unsigned char *self = read_self(&len), *bad = malloc(len);
    uint64_t seed = 0x9e3779b97f4a7c15ULL;

    if (!bad)
        FAIL("out of memory");
    snprintf(copy, sizeof(copy), "/tmp/fl_elf_symbols_%d", (int)getpid());
    for (int i = 0; i < 300; i++) {
        memcpy(bad, self, len);
        for (int k = 0; k < 8; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t at = (seed >> 33) % (len < 4096 ? len : 4096); /* headers, phdrs */
            uint64_t word = seed * 0xff51afd7ed558ccdULL;
            memcpy(bad + (at & ~7UL), &word, at + 8 <= len ? 8 : 0);
        }
        write_file(copy, bad, len);
        elf_symbols_forget();
        elf_symbolize(copy, off, name, sizeof(name));
    }
    unlink(copy);
    free(bad);
    free(self);
}

int main(int argc, char **argv)
{
    static const struct unit_case cases[] = {
        {"own_functions", own_functions},
        {"truncated", truncated},
        {"corrupt", corrupt},
    };
    /* the symbol cache dropped at exit: the ASan build reports anything left behind */
    atexit(elf_symbols_forget);
    return unit_case_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
