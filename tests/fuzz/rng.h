/*
 * rng.h - the fuzzers' random numbers: xorshift64 from a seed, so that a seed repeats its run
 * exactly. Each thread has its own stream (sysfuzz's threads; mmfuzz has one).
 */
#ifndef FL_FUZZ_RNG_H
#define FL_FUZZ_RNG_H

#include <stdint.h>

static __thread uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Uniform below n (0 for n == 0). */
static uint64_t below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

/* true with pct percent probability. */
static int chance(int pct)
{
    return (int)below(100) < pct;
}

#endif
