/*
 * snapshot.h - what the TUI shows, copied out of the emulated machine on the emulator thread
 * (between rounds, where the model is consistent) and read by the UI thread under one lock:
 * registers, code bytes at RIP, the VMAs, the page walk of one address, counters, and the live
 * fault feed. The UI thread never touches the model or the engine.
 */
#ifndef FL_UI_SNAPSHOT_H
#define FL_UI_SNAPSHOT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu/control.h"
#include "kernel_model/trace.h"
#include "ui/walk.h"

struct proc;

#define SNAP_NREGS    19
#define SNAP_CODE     256
#define SNAP_MAPS     64  /* VMA lines for the panel: a window of the process's VMAs */
#define SNAP_TEXT     128 /* executable VMAs, for symbols and breakpoints by name */
#define SNAP_MAPS_LEN 160
#define SNAP_HIST     3
#define FEED_CAP      2048
#define FEED_HANDLERS 24

extern const char *const snap_reg_names[SNAP_NREGS]; /* "rip", "rax", ... "fs_base" */

struct tui_snapshot {
    unsigned long gen; /* bumped on every rebuild */
    bool valid, paused, exited;
    enum ctl_reason why;
    int pid;
    char comm[16];
    uint64_t regs[SNAP_NREGS];
    uint64_t code_addr; /* code[] holds code_len bytes from here (RIP, or a few insns before) */
    uint8_t code[SNAP_CODE];
    unsigned code_len;
    char code_where[160]; /* where RIP is: "main+0x21 (touch_pages)", "libc.so.6+0x2a1c0" or "" */
    /* maps[0..nmaps) are VMAs map_first.. of the map_count the process has: all of them, or
     * SNAP_MAPS around the walked address's VMA (a program with hundreds of libraries or
     * thousands of mappings keeps the one that matters on the panel) */
    int nmaps, map_first, map_count;
    char maps[SNAP_MAPS][SNAP_MAPS_LEN];
    uint64_t map_lo[SNAP_MAPS], map_hi[SNAP_MAPS];
    /* the executable VMAs, in address order, whichever are on the panel: where RIP and a
     * fault's ip are, and the functions `b NAME` can find (the first SNAP_TEXT) */
    int ntext;
    char text[SNAP_TEXT][SNAP_MAPS_LEN];
    bool walk_valid;
    struct page_walk walk;
    long rss_file, rss_anon, rss_shmem; /* pages (mm->rss_stat) */
    /* the machine: free and all RAM frames, free and all swap slots (pages) */
    unsigned long mem_free, mem_total, swap_free, swap_total;
};

/* One row of the feed: the event with its strings copied (the event's own do not outlive it). */
struct feed_entry {
    struct fault_event ev; /* ev.path[] are static strings: kept as they are */
    char file[96];
};

struct handler_count {
    const char *name; /* the innermost handler of the path (a static string) */
    unsigned long n;
};

/* The live fault feed: the last FEED_CAP faults and the counters over all of them. */
struct fault_feed {
    /* entries [total - min(total, FEED_CAP), total) by seq order; entry k at ring[k % FEED_CAP] */
    struct feed_entry ring[FEED_CAP];
    uint64_t total;
    struct handler_count handlers[FEED_HANDLERS];
    int nhandlers;
    unsigned long minor, major, signalled;
};

struct tui_shared {
    pthread_mutex_t lock;
    struct tui_snapshot snap;
    struct fault_feed feed;
    /* the UI's request: walk this address (else the newest fault's) */
    bool walk_pinned;
    uint64_t walk_addr;
    /* emulator thread only: RIPs of the last pauses, for the disassembly above RIP */
    uint64_t hist[SNAP_HIST];
    int nhist;
    uint64_t last_paused_rip;
};

void tui_shared_init(struct tui_shared *sh);
void tui_shared_destroy(struct tui_shared *sh);

/* Emulator thread: rebuild the snapshot from p (paused: also remembers RIP for the history). */
void snapshot_take(struct tui_shared *sh, struct proc *p, bool paused, enum ctl_reason why);

/* A VMA line of a snapshot, parsed: [start, end), its permissions ("r-xp"), its offset in its
 * file in bytes, and its name (a path, "[heap]", or "" for anonymous memory). false: no such
 * line. snapshot_vma reads the panel's line i, snapshot_text_vma the executable VMA i. */
struct snap_vma {
    unsigned long start, end, offset;
    char perms[5];
    const char *name;
};
bool snapshot_vma(const struct tui_snapshot *s, int i, struct snap_vma *v);
bool snapshot_text_vma(const struct tui_snapshot *s, int i, struct snap_vma *v);

/* Where addr is, as gdb's frame line names it, from the snapshot's VMA lines and the file's
 * symbols: "main+0x21 (touch_pages)", "ld-linux-x86-64.so.2+0x1ab70" when no symbol covers it,
 * "[vdso]"; false for anonymous memory or an address in no VMA. */
bool snapshot_where(const struct tui_snapshot *s, uint64_t addr, char *out, size_t len);
/* Emulator thread: append one fault to the feed and the counters. */
void feed_append(struct tui_shared *sh, const struct fault_event *ev);
/* UI thread, with sh->lock held: bring the copy dst up to the shared feed, copying only the
 * entries added since it was last brought up (the lock is held for a copy, not for drawing). */
void feed_copy(struct fault_feed *dst, const struct fault_feed *src);
/* The entry n places back from the newest (0: newest), or NULL when it is no longer kept. */
const struct feed_entry *feed_get(const struct fault_feed *feed, uint64_t n);

/* The last handler of a path without its "do_" prefix, for narrow columns ("anonymous_page"). */
const char *handler_short(const struct fault_event *ev);

#endif
