/*
 * engine_layout.c - the engine's private field offsets, decoded once per process
 * (engine_layout.h): every engine faultline creates is the same build.
 */
#include <pthread.h>

#include "mmu/engine_layout.h"

static struct engine_layout layout;
static pthread_once_t layout_once = PTHREAD_ONCE_INIT;

static void find_layout(void)
{
    engine_layout_decode(&layout);
}

const struct engine_layout *engine_layout(void)
{
    pthread_once(&layout_once, find_layout);
    return &layout;
}
