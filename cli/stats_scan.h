/*
 * stats_scan.h - one pass over a run's faults for `faultline stats`: the faults per page and per
 * instruction, and where each fault falls in time, counted in C.
 *
 * SQLite has no hash aggregation, so each GROUP BY over the faults sorted all of them: on a log
 * of 1,048,605 faults the hottest pages took 1.39 s, the hottest instructions 0.72, by function
 * 0.52 and over time 0.66 (four scans and three sorts). One scan in fault order that counts
 * into hash tables gives the four sections the same numbers.
 */
#ifndef FL_CLI_STATS_SCAN_H
#define FL_CLI_STATS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define STATS_GROUP_HANDLERS 16 /* distinct handlers a group lists (the model has ~20 names) */

/* The faults of one process on one page, or at one instruction. */
struct stats_group {
    int64_t key;       /* the page, or the instruction's address */
    int64_t first_seq; /* seq of the group's first fault */
    uint64_t reads, writes, execs;
    /* handler ids + 1 (stats_scan.handler), in the order they first fault here; 0 ends */
    uint8_t handlers[STATS_GROUP_HANDLERS];
    int32_t pid;
    bool user; /* a fault of the group came from user mode (X86_PF_USER) */
};

/* Groups in a dense array, found through an open-addressing table of indexes into it. */
struct stats_groups {
    struct stats_group *v;
    size_t n, cap;
    uint32_t *slots; /* index + 1; 0: empty */
    size_t nslots;   /* a power of two */
};

struct stats_scan {
    struct stats_groups pages, ips;
    char *handler[255]; /* the handler names met, in the order first met */
    unsigned nhandlers;
    /* Where each fault is in time: its icount when the run counted instructions (a fault has
     * icount > 0; faults with a NULL icount left out), else its seq. */
    int64_t *x;
    size_t nx, xcap;
    bool by_icount;
};

/*
 * Count the rows of st into s (zeroed by the caller). st yields, in fault order:
 * seq, pid, ip, page, error_code, handler (text or NULL), icount (integer or NULL).
 * Returns SQLITE_DONE, the error of a failed step, or SQLITE_NOMEM.
 */
int stats_scan_rows(struct stats_scan *s, sqlite3_stmt *st);

/* The k groups with most faults, most first (then by key, then pid), into out. How many. */
size_t stats_top(const struct stats_groups *g, const struct stats_group **out, size_t k);

/* The group's handlers as "a,b,c", in the order they first faulted there. */
void stats_group_handlers(const struct stats_scan *s, const struct stats_group *g, char *buf,
                          size_t len);

void stats_scan_free(struct stats_scan *s);

#endif
