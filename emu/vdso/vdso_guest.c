/*
 * vdso_guest.c - the code of the guest's vDSO (arch/x86/entry/vdso/vclock_gettime.c's entry
 * points), built as a tiny shared object that faultline maps as [vdso] (emu/vdso.c).
 *
 * The C library finds these through AT_SYSINFO_EHDR and calls them instead of the syscalls.
 * Linux's versions read the time from the [vvar] page without entering the kernel; these make
 * the system call, which is what the kernel's own vDSO falls back to when its clock cannot be
 * read in user space. They do read what Linux's read first, the time data at the start of
 * [vvar] and, for a high-resolution clock, the page of the host kernel's clock source in
 * [vvar_vclock] (kvm-clock's or Hyper-V's; none for the TSC), so a program takes the same faults
 * on those pages as natively. So programs see a real vDSO (the mapping, its ELF image, its
 * symbols and the faults on its pages) and the same results as without one. Guest code: no libc,
 * no data, no relocations. Results are the syscall's, -errno on failure, as the callers expect.
 */

/* The clock pages emu/vdso.c maps right below the image; vdso.lds places these symbols there. */
extern const volatile unsigned int vvar_time_data[] __attribute__((visibility("hidden")));
extern const volatile unsigned char vvar_vclock[] __attribute__((visibility("hidden")));

/* The host's clock source, which emu/vdso.c writes in the first word of [vvar] (VCLOCK_*). */
#define VCLOCK_NONE    0 /* the TSC, or a source the vDSO cannot read: no page of its own */
#define VCLOCK_PVCLOCK 1 /* kvm-clock: the first page of [vvar_vclock] */
#define VCLOCK_HVCLOCK 2 /* Hyper-V's reference TSC page: the second */

/* The clocks the vDSO answers (lib/vdso/gettimeofday.c's VDSO_HRES, VDSO_COARSE, VDSO_RAW) */
#define CLOCKS_HRES   ((1 << 0) | (1 << 1) | (1 << 7) | (1 << 11)) /* REALTIME, MONOTONIC, ... */
#define CLOCKS_COARSE ((1 << 5) | (1 << 6))
#define CLOCKS_RAW    (1 << 4)

/* What do_hres (hres: 1) or do_coarse (0) reads before the time: the time data's sequence
 * count, then, for a high-resolution clock, the clock source's page. */
static inline void read_clock_data(int hres)
{
    unsigned source = vvar_time_data[0];
    if (hres && source == VCLOCK_PVCLOCK)
        (void)vvar_vclock[0];
    else if (hres && source == VCLOCK_HVCLOCK)
        (void)vvar_vclock[4096];
}

/* Which of those a clock id takes: 1 hres, 0 coarse, -1 none (a CPU-time clock, a bad id). */
static inline int clock_kind(long clock)
{
    if (clock < 0 || clock >= 16)
        return -1;
    long bit = 1L << clock;
    return bit & (CLOCKS_HRES | CLOCKS_RAW) ? 1 : bit & CLOCKS_COARSE ? 0 : -1;
}

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
    int kind = clock_kind(clock);
    if (kind >= 0)
        read_clock_data(kind);
    return vdso_syscall(228, clock, (long)ts, 0);
}

long __vdso_gettimeofday(void *tv, void *tz)
{
    if (tv || tz)
        read_clock_data(tv != 0);
    return vdso_syscall(96, (long)tv, (long)tz, 0);
}

long __vdso_time(long *t)
{
    read_clock_data(0); /* the seconds of the time data */
    return vdso_syscall(201, (long)t, 0, 0);
}

long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
    return vdso_syscall(309, (long)cpu, (long)node, (long)cache);
}

long __vdso_clock_getres(long clock, void *res)
{
    if (clock_kind(clock) == 1) /* the hrtimer resolution in the time data */
        (void)vvar_time_data[0];
    return vdso_syscall(229, clock, (long)res, 0);
}

/* The kernel's vDSO exports each entry point under its plain name too. */
long clock_gettime(long, void *) __attribute__((weak, alias("__vdso_clock_gettime")));
long gettimeofday(void *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
long getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
long clock_getres(long, void *) __attribute__((weak, alias("__vdso_clock_getres")));
