/*
 * swapfile.c - the swap device and its slot allocator (models mm/swapfile.c of Linux 4.20).
 *
 * One swap device (type 0): a host file of `bytes` bytes, slot N at file offset N * PAGE_SIZE.
 * Slot 0 is the header page, as in Linux, and is never handed out, so swp_entry val 0 means
 * "no entry". swap_map[N] counts the PTEs that hold slot N's entry; swap_has_cache[N] is
 * Linux's SWAP_HAS_CACHE bit: the swap cache holds a page for the slot. A slot is free when
 * both are clear. Slots are allocated lowest-free-first from a cursor (scan_swap_map_slots
 * does the same within a cluster), which keeps the unit tests' predictions simple.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel_model/mm_internal.h"
#include "kernel_model/swap.h"

static int swap_fd = -1;
static unsigned long swap_slots;      /* slots including the header */
static unsigned short *swap_map;      /* PTE references per slot */
static unsigned char *swap_has_cache; /* SWAP_HAS_CACHE */
static unsigned long swap_inuse;      /* slots in use */
static unsigned long swap_cursor;     /* where the next free-slot search starts */

int swapon(int fd, unsigned long bytes)
{
    unsigned long slots = bytes >> PAGE_SHIFT;
    if (swap_fd >= 0)
        return -EBUSY;
    if (slots < 2)
        return -EINVAL;
    if (ftruncate(fd, (off_t)bytes) != 0)
        return -errno;
    swap_map = calloc(slots, sizeof(*swap_map));
    swap_has_cache = calloc(slots, 1);
    if (!swap_map || !swap_has_cache) {
        free(swap_map);
        free(swap_has_cache);
        return -ENOMEM;
    }
    swap_fd = fd;
    swap_slots = slots;
    swap_inuse = 0;
    swap_cursor = 1;
    return 0;
}

void swapoff(void)
{
    if (swap_fd < 0)
        return;
    close(swap_fd);
    free(swap_map);
    free(swap_has_cache);
    swap_map = NULL;
    swap_has_cache = NULL;
    swap_fd = -1;
    swap_slots = swap_inuse = 0;
}

unsigned long total_swap_pages(void)
{
    return swap_slots ? swap_slots - 1 : 0;
}

unsigned long get_nr_swap_pages(void)
{
    return total_swap_pages() - swap_inuse;
}

static bool slot_valid(swp_entry_t e)
{
    return swap_fd >= 0 && swp_type(e) == 0 && swp_offset(e) >= 1 && swp_offset(e) < swap_slots;
}

bool swap_entry_in_use(swp_entry_t e)
{
    return slot_valid(e) && (swap_map[swp_offset(e)] || swap_has_cache[swp_offset(e)]);
}

/* get_swap_page: the lowest free slot at or after the cursor (wrapping), claimed for the swap
 * cache. */
swp_entry_t get_swap_page(void)
{
    if (swap_fd < 0 || swap_inuse == total_swap_pages())
        return (swp_entry_t){0};
    for (unsigned long n = 0; n < swap_slots - 1; n++) {
        unsigned long off = swap_cursor + n;
        if (off >= swap_slots)
            off -= swap_slots - 1;
        if (!swap_map[off] && !swap_has_cache[off]) {
            swap_has_cache[off] = 1;
            swap_inuse++;
            swap_cursor = off + 1 < swap_slots ? off + 1 : 1;
            return swp_entry(0, off);
        }
    }
    return (swp_entry_t){0};
}

static void slot_maybe_free(unsigned long off)
{
    if (!swap_map[off] && !swap_has_cache[off]) {
        swap_inuse--;
        if (off < swap_cursor)
            swap_cursor = off; /* keep handing out the lowest free slot */
    }
}

int swap_duplicate(swp_entry_t e)
{
    if (!swap_entry_in_use(e))
        return -EINVAL;
    swap_map[swp_offset(e)]++;
    return 0;
}

void swap_free(swp_entry_t e)
{
    if (!slot_valid(e) || !swap_map[swp_offset(e)])
        return;
    swap_map[swp_offset(e)]--;
    slot_maybe_free(swp_offset(e));
}

void swapcache_prepare(swp_entry_t e)
{
    if (slot_valid(e))
        swap_has_cache[swp_offset(e)] = 1;
}

void swapcache_free(swp_entry_t e)
{
    if (!slot_valid(e) || !swap_has_cache[swp_offset(e)])
        return;
    swap_has_cache[swp_offset(e)] = 0;
    slot_maybe_free(swp_offset(e));
}

int __swap_count(swp_entry_t e)
{
    return slot_valid(e) ? swap_map[swp_offset(e)] : 0;
}

/* free_swap_and_cache: a PTE holding entry is zapped. When that was the last PTE reference and
 * the swap cache holds an unmapped page for the slot, the page goes too. */
void free_swap_and_cache(swp_entry_t e)
{
    if (!slot_valid(e))
        return;
    swap_free(e);
    if (__swap_count(e))
        return;
    struct page *page = lookup_swap_cache(e);
    if (!page)
        return;
    if (page_mapcount(page) == 0)
        delete_from_swap_cache(page);
    put_page(page);
}

int swap_readpage(struct page *page, swp_entry_t e)
{
    if (!slot_valid(e))
        return -EIO;
    ssize_t n = pread(swap_fd, page_address(page), PAGE_SIZE, (off_t)swp_offset(e) << PAGE_SHIFT);
    return n == (ssize_t)PAGE_SIZE ? 0 : -EIO;
}

int swap_writepage(struct page *page, swp_entry_t e)
{
    if (!slot_valid(e))
        return -EIO;
    ssize_t n = pwrite(swap_fd, page_address(page), PAGE_SIZE, (off_t)swp_offset(e) << PAGE_SHIFT);
    return n == (ssize_t)PAGE_SIZE ? 0 : -EIO;
}
