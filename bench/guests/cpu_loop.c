/* cpu_loop N - a CPU-bound loop (xorshift and a small table walk) of N million iterations
 * that touches almost no new memory: the engine's raw speed, not the fault path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    unsigned long n = (argc > 1 ? strtoul(argv[1], NULL, 10) : 200) * 1000000UL;
    static uint32_t table[4096];
    uint64_t x = 88172645463325252ULL, sum = 0;
    for (unsigned long i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        table[x & 4095] += (uint32_t)x;
        sum += table[(x >> 12) & 4095];
    }
    printf("%llu\n", (unsigned long long)sum);
    return 0;
}
