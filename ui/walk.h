/*
 * walk.h - the x86-64 page walk of one address, as the TUI shows it: the entry read at each of
 * the four levels (PML4E, PDPTE, PDE, PTE) and the frame the PTE names with its reference and
 * map counts. Reads the model's tables; changes nothing (not even the A bits).
 */
#ifndef FL_UI_WALK_H
#define FL_UI_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm_struct;

struct walk_level {
    unsigned index; /* slot in the table at this level */
    uint64_t entry; /* the raw entry */
};

struct page_walk {
    uint64_t addr;
    int levels; /* how many levels were read (1..4); a non-present upper entry ends the walk */
    struct walk_level lv[4];
    bool have_frame; /* the PTE maps a frame (present or PROT_NONE) */
    unsigned long pfn;
    int refcount, mapcount;
    unsigned long page_flags;
    bool zero_page, anon;
};

extern const char *const walk_level_name[4]; /* "PML4E", "PDPTE", "PDE", "PTE" */

/* Walk mm's tables for addr. Must run where mm is stable (the emulator thread, between rounds). */
void page_walk(struct mm_struct *mm, uint64_t addr, struct page_walk *w);

/* The entry's bits as text: "P RW U A D NX pfn=0x1234" style; a non-present non-zero PTE is
 * shown as a swap/protnone entry. Returns buf. */
char *walk_decode_entry(uint64_t entry, bool is_pte, char *buf, size_t len);

#endif
