/*
 * snapshot.c - copying the machine's state out for the TUI (see snapshot.h). Runs on the
 * emulator thread; reads the model without changing it: code bytes come from the frame the PTE
 * maps or, for a page not faulted in yet, straight from the file behind the VMA.
 */
#include "ui/snapshot.h"

#include <stdio.h>
#include <string.h>

#include "emu/proc.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"
#include "mmu/mmu.h"
#include "ui/elf_symbols.h"

const char *const snap_reg_names[SNAP_NREGS] = {
    "rip", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8",
    "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rfl", "fsb",
};

static const int reg_ids[SNAP_NREGS] = {
    UC_X86_REG_RIP, UC_X86_REG_RAX, UC_X86_REG_RBX,    UC_X86_REG_RCX,     UC_X86_REG_RDX,
    UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_RBP,    UC_X86_REG_RSP,     UC_X86_REG_R8,
    UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,    UC_X86_REG_R12,     UC_X86_REG_R13,
    UC_X86_REG_R14, UC_X86_REG_R15, UC_X86_REG_EFLAGS, UC_X86_REG_FS_BASE,
};

void tui_shared_init(struct tui_shared *sh)
{
    memset(sh, 0, sizeof(*sh));
    pthread_mutex_init(&sh->lock, NULL);
}

void tui_shared_destroy(struct tui_shared *sh)
{
    pthread_mutex_destroy(&sh->lock);
}

/* Copy the bytes of one page of guest memory, without faulting: 0 or -1. */
static int peek_page(struct mm_struct *mm, uint64_t page_addr, uint8_t *out)
{
    struct page_walk w;
    page_walk(mm, page_addr, &w);
    if (w.have_frame) {
        memcpy(out, pfn_address(w.pfn), PAGE_SIZE);
        return 0;
    }
    struct vm_area_struct *vma = find_vma(mm, page_addr);
    if (!vma || vma->vm_start > page_addr || !vma->vm_file)
        return -1;
    struct address_space *m = vma->vm_file->f_mapping;
    if (!m->a_ops || !m->a_ops->readpage)
        return -1;
    pgoff_t index = vma->vm_pgoff + ((page_addr - vma->vm_start) >> PAGE_SHIFT);
    return m->a_ops->readpage(m, index, out) ? -1 : 0;
}

static unsigned peek(struct mm_struct *mm, uint64_t addr, uint8_t *buf, unsigned len)
{
    static uint8_t page[PAGE_SIZE];
    unsigned got = 0;
    while (got < len) {
        uint64_t a = addr + got;
        if (peek_page(mm, a & PAGE_MASK, page))
            break;
        unsigned off = a & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
        if (n > len - got)
            n = len - got;
        memcpy(buf + got, page + off, n);
        got += n;
    }
    return got;
}

/* Keep the RIPs of the last few pauses when they lead straight up to this one, so the
 * disassembly can show the instructions just stepped over. */
static uint64_t code_start(struct tui_shared *sh, uint64_t rip, bool paused)
{
    if (paused && sh->last_paused_rip && rip != sh->last_paused_rip) {
        uint64_t prev = sh->last_paused_rip;
        if (prev < rip && rip - prev <= 15) {
            if (sh->nhist == SNAP_HIST) {
                memmove(sh->hist, sh->hist + 1, sizeof(sh->hist[0]) * (SNAP_HIST - 1));
                sh->nhist--;
            }
            sh->hist[sh->nhist++] = prev;
        } else {
            sh->nhist = 0;
        }
    }
    if (paused)
        sh->last_paused_rip = rip;
    return sh->nhist && rip - sh->hist[0] < 64 ? sh->hist[0] : rip;
}

static bool parse_maps_line(const char *line, struct snap_vma *v)
{
    int name_at = 0;
    if (sscanf(line, "%lx-%lx %4s %lx %*x:%*x %*u %n", &v->start, &v->end, v->perms, &v->offset,
               &name_at) < 4)
        return false;
    v->name = name_at ? line + name_at : "";
    return true;
}

bool snapshot_vma(const struct tui_snapshot *s, int i, struct snap_vma *v)
{
    return i >= 0 && i < s->nmaps && parse_maps_line(s->maps[i], v);
}

bool snapshot_text_vma(const struct tui_snapshot *s, int i, struct snap_vma *v)
{
    return i >= 0 && i < s->ntext && parse_maps_line(s->text[i], v);
}

bool snapshot_where(const struct tui_snapshot *s, uint64_t addr, char *out, size_t len)
{
    struct snap_vma v;
    char sym[128];

    for (int i = 0; snapshot_text_vma(s, i, &v); i++) {
        if (addr < v.start || addr >= v.end)
            continue;
        const char *base = strrchr(v.name, '/');
        uint64_t off = addr - v.start + v.offset;
        if (!v.name[0])
            return false;
        if (!base)
            snprintf(out, len, "%s", v.name);
        else if (elf_symbolize(v.name, off, sym, sizeof(sym)))
            snprintf(out, len, "%s (%s)", sym, base + 1);
        else
            snprintf(out, len, "%s+0x%llx", base + 1, (unsigned long long)off);
        return true;
    }
    return false;
}

/* The panel's window of mm's VMAs, centred on the one at or above focus where there are more
 * than SNAP_MAPS, and the executable VMAs. */
static void take_maps(struct tui_snapshot *s, struct mm_struct *mm, uint64_t focus)
{
    struct vm_area_struct *v = NULL;
    int first = 0, after = 0;

    s->map_count = mm->map_count;
    if (mm->map_count > SNAP_MAPS) {
        v = find_vma_nocache(mm, focus);
        if (!v) /* above every VMA: the last ones */
            for (v = mm->mmap; v->vm_next; v = v->vm_next)
                ;
        /* as many after it as there are (up to half the window), the rest before it */
        for (struct vm_area_struct *n = v->vm_next; n && after < SNAP_MAPS / 2; n = n->vm_next)
            after++;
        for (int back = SNAP_MAPS - 1 - after; back > 0 && v->vm_prev; back--)
            v = v->vm_prev;
        for (struct vm_area_struct *p = v->vm_prev; p; p = p->vm_prev)
            first++;
    }
    s->map_first = first;
    s->nmaps = 0;
    for (v = v ? v : mm->mmap; v && s->nmaps < SNAP_MAPS; v = v->vm_next) {
        format_maps_line(v, s->maps[s->nmaps], SNAP_MAPS_LEN);
        s->map_lo[s->nmaps] = v->vm_start;
        s->map_hi[s->nmaps] = v->vm_end;
        s->nmaps++;
    }
    s->ntext = 0;
    for (v = mm->mmap; v && s->ntext < SNAP_TEXT; v = v->vm_next)
        if (v->vm_flags & VM_EXEC)
            format_maps_line(v, s->text[s->ntext++], SNAP_MAPS_LEN);
}

void snapshot_take(struct tui_shared *sh, struct proc *p, bool paused, enum ctl_reason why)
{
    struct mm_struct *mm = p->task.mm;
    pthread_mutex_lock(&sh->lock);
    struct tui_snapshot *s = &sh->snap;
    s->gen++;
    s->valid = true;
    s->paused = paused || why == CTL_PROC_EXITED;
    s->exited = why == CTL_PROC_EXITED;
    s->why = why;
    s->pid = p->task.pid;
    snprintf(s->comm, sizeof(s->comm), "%s", p->task.comm);
    if (p->mmu)
        for (int i = 0; i < SNAP_NREGS; i++)
            s->regs[i] = mmu_reg_read(p->mmu, reg_ids[i]);
    s->code_len = 0;
    s->code_where[0] = 0;
    s->nmaps = s->ntext = s->map_first = s->map_count = 0;
    s->walk_valid = false;
    if (mm) {
        s->code_addr = code_start(sh, s->regs[0], paused);
        s->code_len = peek(mm, s->code_addr, s->code, SNAP_CODE);
        uint64_t addr = 0;
        bool have = sh->walk_pinned;
        if (have)
            addr = sh->walk_addr;
        else if (sh->feed.total) {
            addr = feed_get(&sh->feed, 0)->ev.address;
            have = true;
        }
        take_maps(s, mm, have ? addr : s->regs[0]);
        if (paused && !snapshot_where(s, s->regs[0], s->code_where, sizeof(s->code_where)))
            s->code_where[0] = 0;
        s->rss_file = mm->rss_stat[MM_FILEPAGES];
        s->rss_anon = mm->rss_stat[MM_ANONPAGES];
        s->rss_shmem = mm->rss_stat[MM_SHMEMPAGES];
        s->mem_free = nr_free_pages();
        s->mem_total = totalram_pages();
        s->swap_free = get_nr_swap_pages();
        s->swap_total = total_swap_pages();
        if (have) {
            page_walk(mm, addr, &s->walk);
            s->walk_valid = true;
        }
    }
    pthread_mutex_unlock(&sh->lock);
}

const char *handler_short(const struct fault_event *ev)
{
    if (!ev->path_len)
        return "?";
    const char *h = ev->path[ev->path_len - 1];
    return strncmp(h, "do_", 3) ? h : h + 3;
}

void feed_append(struct tui_shared *sh, const struct fault_event *ev)
{
    pthread_mutex_lock(&sh->lock);
    struct fault_feed *feed = &sh->feed;
    struct feed_entry *f = &feed->ring[feed->total % FEED_CAP];
    f->ev = *ev;
    f->file[0] = 0;
    if (ev->vma_file) {
        size_t n = strnlen(ev->vma_file, sizeof(f->file) - 1);
        memcpy(f->file, ev->vma_file, n);
        f->file[n] = 0;
    }
    f->ev.vma_file = NULL;
    feed->total++;
    if (ev->outcome == OUTCOME_MAJOR || ev->outcome == OUTCOME_USERFAULT) /* 4.20: major */
        feed->major++;
    else if (ev->outcome == OUTCOME_MINOR || ev->outcome == OUTCOME_SPURIOUS)
        feed->minor++;
    else
        feed->signalled++;
    const char *h = handler_short(ev);
    int i;
    for (i = 0; i < feed->nhandlers; i++)
        if (feed->handlers[i].name == h || !strcmp(feed->handlers[i].name, h))
            break;
    if (i == feed->nhandlers && i < FEED_HANDLERS)
        feed->handlers[feed->nhandlers++].name = h;
    if (i < feed->nhandlers)
        feed->handlers[i].n++;
    pthread_mutex_unlock(&sh->lock);
}

void feed_copy(struct fault_feed *dst, const struct fault_feed *src)
{
    uint64_t from = dst->total;
    if (src->total - from > FEED_CAP || from > src->total)
        from = src->total > FEED_CAP ? src->total - FEED_CAP : 0;
    for (uint64_t k = from; k < src->total; k++)
        dst->ring[k % FEED_CAP] = src->ring[k % FEED_CAP];
    dst->total = src->total;
    memcpy(dst->handlers, src->handlers, sizeof(dst->handlers));
    dst->nhandlers = src->nhandlers;
    dst->minor = src->minor;
    dst->major = src->major;
    dst->signalled = src->signalled;
}

const struct feed_entry *feed_get(const struct fault_feed *feed, uint64_t n)
{
    if (n >= feed->total || n >= FEED_CAP)
        return NULL;
    return &feed->ring[(feed->total - 1 - n) % FEED_CAP];
}
