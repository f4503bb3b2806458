/*
 * x86_64_v2 - a program built for x86-64-v2 (gcc -march=x86-64-v2), as distributions that
 * require that level build everything: the compiler emits POPCNT, SSE4.2's CRC32 and SSSE3
 * where it likes, without asking CPUID. It also reads the time stamp counter with RDTSCP, as
 * benchmarks do. Under a CPU without these it dies of SIGILL on the first one.
 *
 * Prints results that depend only on the input, so its output is the native run's; with the
 * argument "cpuid", the CPU's vendor and brand string instead (tests/e2e/cpu_model.py).
 */
#include <cpuid.h>
#include <nmmintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

static void print_cpuid(void)
{
    unsigned r[12] = {0}, max;
    char vendor[13] = {0}, brand[49] = {0};
    __cpuid(0, max, r[0], r[2], r[1]); /* vendor: EBX, EDX, ECX */
    memcpy(vendor, r, 12);
    for (unsigned i = 0; i < 3; i++)
        __cpuid(0x80000002 + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
    memcpy(brand, r, 48);
    printf("vendor %s\nbrand %s\n", vendor, brand);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "cpuid")) {
        print_cpuid();
        return 0;
    }
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    unsigned long bits = 0;
    unsigned crc = 0;
    for (unsigned long i = 1; i <= n; i++) {
        bits += (unsigned long)__builtin_popcountl(i * 0x9e3779b97f4a7c15UL);
        crc = (unsigned)_mm_crc32_u64(crc, i);
    }
    unsigned aux;
    unsigned long long t0 = __rdtscp(&aux), t1 = __rdtscp(&aux);
    printf("popcount sum %lu, crc32c %08x, rdtscp %s\n", bits, crc,
           t1 >= t0 ? "monotonic" : "went backwards");
    return 0;
}
