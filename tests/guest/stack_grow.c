/*
 * stack_grow [DEPTH]: recurse DEPTH (default 256) levels with a ~4 KiB frame each, about 1 MiB of
 * stack, writing every 64th byte of each frame before recursing and summing it after. The stack
 * VMA grows downwards (expand_stack) one fault at a time; every new page is first touched by a
 * store (call, push or the frame fill), so each fault is a do_anonymous_page write.
 *
 * stderr: deep= the lowest frame buffer, top= the outermost one (for faults.py).
 */
#define _GNU_SOURCE
#include "guest.h"

#define FRAME 4000

static void *deepest, *outermost;

static unsigned long recurse(int depth, unsigned seed)
{
    volatile unsigned char buf[FRAME];
    for (int i = 0; i < FRAME; i += 64)
        buf[i] = (unsigned char)(seed + i);
    if (!outermost)
        outermost = (void *)buf;
    deepest = (void *)buf;
    unsigned long r = depth > 0 ? recurse(depth - 1, seed * 31 + 7) : 0;
    unsigned long sum = 0;
    for (int i = 0; i < FRAME; i += 64)
        sum += buf[i];
    return r * 3 + sum; /* uses buf after the call: no tail call */
}

int main(int argc, char **argv)
{
    int depth = (int)guest_arg(argc, argv, 1, 256);
    unsigned long sum = recurse(depth, 1);
    guest_note("stack_grow", "deep", deepest);
    guest_note("stack_grow", "top", outermost);
    printf("depth %d checksum %lu\n", depth, sum);
    return 0;
}
