/*
 * vdso_guest.c - the code of the guest's vDSO (arch/x86/entry/vdso/vclock_gettime.c's entry
 * points), built as a tiny shared object that faultline maps as [vdso] (emu/vdso.c).
 *
 * The C library finds these through AT_SYSINFO_EHDR and calls them instead of the syscalls.
 * Linux's versions read the time from the [vvar] page without entering the kernel; these make
 * the system call, which is what the kernel's own vDSO falls back to when its clock cannot be
 * read in user space. So programs see a real vDSO (the mapping, its ELF image, its symbols and
 * the faults on its pages) and the same results as without one. Guest code: no libc, no data,
 * no relocations. Results are the syscall's, -errno on failure, as the callers expect.
 */

static inline long vdso_syscall(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

long __vdso_clock_gettime(long clock, void *ts)
{
    return vdso_syscall(228, clock, (long)ts, 0);
}

long __vdso_gettimeofday(void *tv, void *tz)
{
    return vdso_syscall(96, (long)tv, (long)tz, 0);
}

long __vdso_time(long *t)
{
    return vdso_syscall(201, (long)t, 0, 0);
}

long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
    return vdso_syscall(309, (long)cpu, (long)node, (long)cache);
}

long __vdso_clock_getres(long clock, void *res)
{
    return vdso_syscall(229, clock, (long)res, 0);
}

/* The kernel's vDSO exports each entry point under its plain name too. */
long clock_gettime(long, void *) __attribute__((weak, alias("__vdso_clock_gettime")));
long gettimeofday(void *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
long getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
long clock_getres(long, void *) __attribute__((weak, alias("__vdso_clock_getres")));
