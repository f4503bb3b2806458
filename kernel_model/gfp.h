/*
 * gfp.h - the allocation flags (models include/linux/gfp.h of Linux 4.20, x86-64, without
 * CONFIG_LOCKDEP): the bits, and the masks the model's allocations are made with. The model's
 * allocator takes frames from one RAM and reclaims alike for every mask; the mask says what
 * the allocation was for, and the OOM killer's report prints it (dump_header's gfp_mask).
 */
#ifndef FL_GFP_H
#define FL_GFP_H

typedef unsigned int gfp_t;

#define __GFP_DMA            0x01u
#define __GFP_HIGHMEM        0x02u
#define __GFP_DMA32          0x04u
#define __GFP_MOVABLE        0x08u
#define __GFP_RECLAIMABLE    0x10u
#define __GFP_HIGH           0x20u
#define __GFP_IO             0x40u
#define __GFP_FS             0x80u
#define __GFP_WRITE          0x100u
#define __GFP_NOWARN         0x200u
#define __GFP_RETRY_MAYFAIL  0x400u
#define __GFP_NOFAIL         0x800u
#define __GFP_NORETRY        0x1000u
#define __GFP_MEMALLOC       0x2000u
#define __GFP_COMP           0x4000u
#define __GFP_ZERO           0x8000u
#define __GFP_NOMEMALLOC     0x10000u
#define __GFP_HARDWALL       0x20000u
#define __GFP_THISNODE       0x40000u
#define __GFP_ATOMIC         0x80000u
#define __GFP_ACCOUNT        0x100000u
#define __GFP_DIRECT_RECLAIM 0x200000u
#define __GFP_KSWAPD_RECLAIM 0x400000u
#define __GFP_RECLAIM        (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)

#define GFP_ATOMIC           (__GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL           (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT   (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT           (__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO             (__GFP_RECLAIM)
#define GFP_NOFS             (__GFP_RECLAIM | __GFP_IO)
#define GFP_USER             (__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA              __GFP_DMA
#define GFP_DMA32            __GFP_DMA32
#define GFP_HIGHUSER         (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE)
#define GFP_TRANSHUGE_LIGHT                                                                        \
    ((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE (GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/* What the model allocates with, as 4.20 on x86-64 does: a user page of an anonymous mapping
 * (alloc_zeroed_user_highpage_movable), a page copied for COW, read into the page cache or
 * shmem, or in from swap (alloc_page_vma, __page_cache_alloc with the mapping's mask); a
 * page-table page of any level (arch/x86/mm/pgtable.c's PGALLOC_GFP). */
#define GFP_ANON_ZEROED (GFP_HIGHUSER_MOVABLE | __GFP_ZERO)
#define GFP_PGTABLE     (GFP_KERNEL_ACCOUNT | __GFP_ZERO)

/* format_flags with __def_gfpflag_names (lib/vsprintf.c's %pGg): the flags by name, the
 * composite masks first, joined by '|', any bits left over in hex; "none" for 0. Writes at most
 * len bytes with the terminating NUL; returns buf. */
char *format_gfp_flags(gfp_t gfp, char *buf, unsigned long len);

#endif
