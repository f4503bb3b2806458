/*
 * vdso: the vDSO a process finds at AT_SYSINFO_EHDR. Checks that a [vdso] mapping (and [vvar])
 * is in /proc/self/maps with the address the auxiliary vector gives, that it holds an ELF
 * shared object (soname linux-vdso.so.1) exporting the x86-64 entry points under LINUX_2.6,
 * found the way a C library finds them (DT_HASH, versym, verdef), and calls each: the results
 * must be those of the system calls. Prints no addresses or times, so the output is the same
 * natively and under faultline. On stderr: the [vdso] address (tests/e2e/faults.py).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

static const Elf64_Sym *symtab;
static const char *strtab;
static const Elf64_Half *versym;
static const Elf64_Verdef *verdef;
static unsigned long nsyms, bias;

static void *dyn_ptr(const Elf64_Dyn *d, Elf64_Sxword tag)
{
    for (; d->d_tag != DT_NULL; d++)
        if (d->d_tag == tag)
            return (void *)(d->d_un.d_ptr + bias);
    return NULL;
}

/* The version name of symbol i, from its versym index and the verdef chain. */
static const char *version_of(unsigned long i)
{
    if (!versym || !verdef)
        return "";
    Elf64_Half ndx = versym[i] & 0x7fff;
    for (const Elf64_Verdef *vd = verdef;; vd = (const void *)((const char *)vd + vd->vd_next)) {
        if (vd->vd_ndx == ndx) {
            const Elf64_Verdaux *aux = (const void *)((const char *)vd + vd->vd_aux);
            return strtab + aux->vda_name;
        }
        if (!vd->vd_next)
            return "";
    }
}

static void *lookup(const char *name)
{
    for (unsigned long i = 1; i < nsyms; i++) {
        const Elf64_Sym *s = &symtab[i];
        if (s->st_shndx != SHN_UNDEF && ELF64_ST_TYPE(s->st_info) == STT_FUNC &&
            !strcmp(strtab + s->st_name, name) && !strcmp(version_of(i), "LINUX_2.6"))
            return (void *)(s->st_value + bias);
    }
    return NULL;
}

static int maps_line(unsigned long start, const char *name, char perms[5])
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = 0;
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        char p[5], n[256] = "";
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %255s", &s, &e, p, n) >= 3 && !strcmp(n, name) &&
            (!start || s == start)) {
            memcpy(perms, p, 5);
            found = 1;
        }
    }
    if (f)
        fclose(f);
    return found;
}

int main(void)
{
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    printf("AT_SYSINFO_EHDR: %s\n", base ? "present" : "missing");
    if (!base)
        return 1;
    guest_note("vdso", "base", (void *)base);
    char perms[5] = "";
    printf("maps: [vdso] at that address: %s %s\n", maps_line(base, "[vdso]", perms) ? "yes" : "no",
           perms);
    printf("maps: [vvar]: %s %s\n", maps_line(0, "[vvar]", perms) ? "yes" : "no", perms);

    const Elf64_Ehdr *eh = (const void *)base;
    printf(
        "ELF: magic %s, type %s, machine %s\n", memcmp(eh->e_ident, ELFMAG, SELFMAG) ? "bad" : "ok",
        eh->e_type == ET_DYN ? "ET_DYN" : "other", eh->e_machine == EM_X86_64 ? "x86-64" : "other");
    const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    int first_load = 1;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && first_load) {
            bias = base - ph[i].p_vaddr;
            first_load = 0;
        }
    }
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const void *)(ph[i].p_vaddr + bias);
    if (!dyn)
        return 1;
    symtab = dyn_ptr(dyn, DT_SYMTAB);
    strtab = dyn_ptr(dyn, DT_STRTAB);
    versym = dyn_ptr(dyn, DT_VERSYM);
    verdef = dyn_ptr(dyn, DT_VERDEF);
    const Elf32_Word *hash = dyn_ptr(dyn, DT_HASH);
    nsyms = hash ? hash[1] : 0;
    const Elf64_Dyn *d = dyn;
    for (; d->d_tag != DT_NULL && d->d_tag != DT_SONAME; d++)
        ;
    printf("soname: %s\n", d->d_tag == DT_SONAME ? strtab + d->d_un.d_val : "(none)");

    long (*vgettime)(clockid_t, struct timespec *) = lookup("__vdso_clock_gettime");
    long (*vgettimeofday)(struct timeval *, void *) = lookup("__vdso_gettimeofday");
    long (*vtime)(time_t *) = lookup("__vdso_time");
    long (*vgetcpu)(unsigned *, unsigned *, void *) = lookup("__vdso_getcpu");
    long (*vgetres)(clockid_t, struct timespec *) = lookup("__vdso_clock_getres");
    printf("symbols: clock_gettime %d gettimeofday %d time %d getcpu %d clock_getres %d\n",
           !!vgettime, !!vgettimeofday, !!vtime, !!vgetcpu, !!vgetres);
    if (!vgettime || !vgettimeofday || !vtime || !vgetcpu || !vgetres)
        return 1;

    struct timespec a, b, res;
    long r1 = vgettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("clock_gettime(CLOCK_MONOTONIC) = %ld, agrees with libc: %s\n", r1,
           b.tv_sec - a.tv_sec <= 1 && (b.tv_sec > a.tv_sec || b.tv_nsec >= a.tv_nsec) ? "yes"
                                                                                       : "no");
    long r2 = vgettime(CLOCK_REALTIME, &a);
    printf("clock_gettime(CLOCK_REALTIME) = %ld, after 2023: %s\n", r2,
           a.tv_sec > 1700000000 ? "yes" : "no");
    printf("clock_gettime(99) = %ld\n", vgettime(99, &a));
    struct timeval tv;
    long r3 = vgettimeofday(&tv, NULL);
    printf("gettimeofday = %ld, usec in range: %s\n", r3,
           tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "yes" : "no");
    time_t t = 0;
    long r4 = vtime(&t);
    printf("time: returned and stored the same value: %s\n",
           r4 == t && t > 1700000000 ? "yes" : "no");
    unsigned cpu = ~0u, node = ~0u;
    long r5 = vgetcpu(&cpu, &node, NULL);
    printf("getcpu = %ld, cpu below the count: %s\n", r5,
           cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF) ? "yes" : "no");
    long r6 = vgetres(CLOCK_MONOTONIC, &res);
    printf("clock_getres(CLOCK_MONOTONIC) = %ld, %ld s %ld ns\n", r6, (long)res.tv_sec,
           res.tv_nsec);
    return 0;
}
