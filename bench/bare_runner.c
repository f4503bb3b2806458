/*
 * bare_runner.c - the floor faultline is measured against: the same Unicorn 2.1 engine in the
 * same UC_TLB_VIRTUAL mode running the same static binaries, with a trivial TLB-fill hook
 * (a frame on first touch, every right granted, no model, no log) and only the syscalls the
 * benchmark workloads make. Not part of faultline: a benchmark instrument.
 *
 * usage: bare_runner PROG [ARGS...]
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unicorn/unicorn.h>
#include <unistd.h>

#define PAGE  4096UL
#define RAM   (4UL << 30)
#define SLOTS (1UL << 21) /* page table: open addressing, 2M slots */

static uint8_t *ram;
static uint64_t next_frame = PAGE; /* frame 0 unused */
static uint64_t *keys, *vals;      /* virtual page -> physical address */
static uint64_t brk_start, brk_cur, mmap_top = 0x7ffff7fff000UL;
static int exited, exit_code;

static uint64_t *slot(uint64_t vpage)
{
    uint64_t h = (vpage >> 12) * 0x9E3779B97F4A7C15ULL;
    for (uint64_t i = h >> 43;; i = (i + 1) & (SLOTS - 1)) {
        if (keys[i] == vpage || !keys[i]) {
            keys[i] = vpage;
            return &vals[i];
        }
    }
}

/* The frame behind a virtual page, allocated (zeroed: fresh host memory) on first touch. */
static uint64_t frame_of(uint64_t va)
{
    uint64_t *v = slot((va & ~(PAGE - 1)) | 1);
    if (!*v) {
        if (next_frame + PAGE > RAM) {
            fprintf(stderr, "bare_runner: out of RAM\n");
            exit(1);
        }
        *v = next_frame;
        next_frame += PAGE;
    }
    return *v;
}

static bool fill(uc_engine *uc, uint64_t va, uc_mem_type t, uc_tlb_entry *e, void *ud)
{
    e->paddr = frame_of(va);
    e->perms = UC_PROT_ALL;
    return true;
}

static void put(uint64_t va, const void *src, size_t n)
{
    const uint8_t *s = src;
    while (n) {
        size_t c = PAGE - (va & (PAGE - 1));
        c = c < n ? c : n;
        memcpy(ram + frame_of(va) + (va & (PAGE - 1)), s, c);
        va += c, s += c, n -= c;
    }
}

static void get(void *dst, uint64_t va, size_t n)
{
    uint8_t *d = dst;
    while (n) {
        size_t c = PAGE - (va & (PAGE - 1));
        c = c < n ? c : n;
        memcpy(d, ram + frame_of(va) + (va & (PAGE - 1)), c);
        va += c, d += c, n -= c;
    }
}

static long do_io(int fd, uint64_t buf, size_t n, bool wr)
{
    static uint8_t bounce[1 << 16];
    size_t done = 0;
    while (done < n) {
        size_t c = n - done < sizeof(bounce) ? n - done : sizeof(bounce);
        ssize_t r;
        if (wr) {
            get(bounce, buf + done, c);
            r = write(fd, bounce, c);
        } else {
            r = read(fd, bounce, c);
            if (r > 0)
                put(buf + done, bounce, r);
        }
        if (r < 0)
            return done ? (long)done : -errno;
        done += r;
        if ((size_t)r < c)
            break;
    }
    return done;
}

static void hook_syscall(uc_engine *uc, void *ud)
{
    uint64_t nr, a[6];
    int ids[] = {UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX,
                 UC_X86_REG_R10, UC_X86_REG_R8,  UC_X86_REG_R9};
    uc_reg_read(uc, UC_X86_REG_RAX, &nr);
    for (int i = 0; i < 6; i++)
        uc_reg_read(uc, ids[i], &a[i]);
    long ret = -ENOSYS;
    char path[4096];
    struct stat st;
    switch (nr) {
    case 0: /* read */
        ret = do_io(a[0], a[1], a[2], false);
        break;
    case 1: /* write */
        ret = do_io(a[0], a[1], a[2], true);
        break;
    case 20: { /* writev */
        ret = 0;
        for (uint64_t i = 0; i < a[2]; i++) {
            struct iovec iv;
            get(&iv, a[1] + i * 16, 16);
            long r = do_io(a[0], (uint64_t)iv.iov_base, iv.iov_len, true);
            if (r < 0) {
                ret = ret ? ret : r;
                break;
            }
            ret += r;
        }
        break;
    }
    case 257: /* openat */
        get(path, a[1], sizeof(path) - 1);
        path[sizeof(path) - 1] = 0;
        ret = openat(AT_FDCWD, path, (int)a[2], (int)a[3]);
        ret = ret < 0 ? -errno : ret;
        break;
    case 3:
        ret = close(a[0]) ? -errno : 0;
        break;
    case 5: /* fstat */
        ret = fstat(a[0], &st) ? -errno : 0;
        if (!ret)
            put(a[1], &st, sizeof(st));
        break;
    case 262: /* newfstatat */
        get(path, a[1], sizeof(path) - 1);
        path[sizeof(path) - 1] = 0;
        ret = fstatat(a[0] == (uint64_t)(uint32_t)AT_FDCWD ? AT_FDCWD : (int)a[0], path, &st,
                      (int)a[3])
                  ? -errno
                  : 0;
        if (!ret)
            put(a[2], &st, sizeof(st));
        break;
    case 8:
        ret = lseek(a[0], a[1], a[2]);
        ret = ret < 0 ? -errno : ret;
        break;
    case 12: /* brk */
        if (a[0] >= brk_start)
            brk_cur = a[0];
        ret = brk_cur;
        break;
    case 9: /* mmap: anonymous only, top-down, never reused */
        mmap_top -= (a[1] + PAGE - 1) & ~(PAGE - 1);
        ret = mmap_top;
        break;
    case 10:
    case 11:
    case 28:
    case 273:
    case 218: /* mprotect munmap madvise robust tid */
        ret = nr == 218 ? 1000 : 0;
        break;
    case 158: /* arch_prctl(ARCH_SET_FS) */
        ret = a[0] == 0x1002 ? uc_reg_write(uc, UC_X86_REG_FS_BASE, &a[1]), 0 : -EINVAL;
        break;
    case 63: { /* uname */
        struct utsname u;
        uname(&u);
        put(a[0], &u, sizeof(u));
        ret = 0;
        break;
    }
    case 318: /* getrandom */
        for (uint64_t i = 0; i < a[1]; i++)
            put(a[0] + i, &(uint8_t){(uint8_t)rand()}, 1);
        ret = a[1];
        break;
    case 228: { /* clock_gettime */
        struct timespec ts;
        clock_gettime(a[0], &ts);
        put(a[1], &ts, sizeof(ts));
        ret = 0;
        break;
    }
    case 33: /* dup2 */
        ret = dup2((int)a[0], (int)a[1]);
        ret = ret < 0 ? -errno : ret;
        break;
    case 292: /* dup3 */
        ret = dup3((int)a[0], (int)a[1], (int)a[2]);
        ret = ret < 0 ? -errno : ret;
        break;
    case 16: /* ioctl */
        ret = -ENOTTY;
        break;
    case 302: /* prlimit64 */
        if (a[3]) {
            uint64_t lim[2] = {8 << 20, ~0UL};
            put(a[3], lim, sizeof(lim));
        }
        ret = 0;
        break;
    case 39:
    case 102:
    case 104:
    case 107:
    case 108:
    case 110:
    case 186:
        ret = 1000;
        break;
    case 60:
    case 231:
        exited = 1;
        exit_code = a[0] & 0xff;
        uc_emu_stop(uc);
        return;
    case 334: /* rseq */
    default:
        ret = -ENOSYS;
        break;
    }
    uc_reg_write(uc, UC_X86_REG_RAX, &ret);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bare_runner PROG [ARGS...]\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        perror(argv[1]);
        return 127;
    }
    uint8_t *img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
    if (st.st_size < (off_t)sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_type != ET_EXEC) {
        fprintf(stderr, "bare_runner: %s: not a static non-PIE x86-64 executable\n", argv[1]);
        return 126;
    }
    ram =
        mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    keys = calloc(SLOTS, 8);
    vals = calloc(SLOTS, 8);
    uint64_t phdr = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type != PT_LOAD)
            continue;
        put(ph->p_vaddr, img + ph->p_offset, ph->p_filesz);
        if (ph->p_offset == 0)
            phdr = ph->p_vaddr + eh->e_phoff;
        uint64_t end = (ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(PAGE - 1);
        if (end > brk_start)
            brk_start = brk_cur = end;
    }

    /* the initial stack: argc, argv, envp (empty), auxv */
    uint64_t sp = 0x7ffffffff000UL - 4096, strs = 0x7ffffffff000UL - 2048;
    uint64_t argp[64];
    int n = argc - 1 < 60 ? argc - 1 : 60;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(argv[i + 1]) + 1;
        put(strs, argv[i + 1], l);
        argp[i] = strs;
        strs += l;
    }
    uint64_t rnd = strs;
    put(rnd, "0123456789abcdef", 16);
    uint64_t stack[128];
    int k = 0;
    stack[k++] = n;
    for (int i = 0; i < n; i++)
        stack[k++] = argp[i];
    stack[k++] = 0;
    stack[k++] = 0; /* no environment */
    uint64_t aux[][2] = {{AT_PHDR, phdr},   {AT_PHENT, sizeof(Elf64_Phdr)}, {AT_PHNUM, eh->e_phnum},
                         {AT_PAGESZ, PAGE}, {AT_ENTRY, eh->e_entry},        {AT_RANDOM, rnd},
                         {AT_NULL, 0}};
    for (size_t i = 0; i < sizeof(aux) / sizeof(aux[0]); i++) {
        stack[k++] = aux[i][0];
        stack[k++] = aux[i][1];
    }
    put(sp, stack, k * 8);

    uc_engine *uc;
    uc_hook h;
    uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
    uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL);
    uc_mem_map_ptr(uc, 0, RAM, UC_PROT_ALL, ram);
    uc_hook_add(uc, &h, UC_HOOK_TLB_FILL, fill, NULL, 1, 0);
    uc_hook_add(uc, &h, UC_HOOK_INSN, hook_syscall, NULL, 1, 0, UC_X86_INS_SYSCALL);
    uc_reg_write(uc, UC_X86_REG_RSP, &sp);
    uint64_t rip = eh->e_entry;
    uc_err err = uc_emu_start(uc, rip, 0, 0, 0);
    if (!exited) {
        uc_reg_read(uc, UC_X86_REG_RIP, &rip);
        fprintf(stderr, "bare_runner: stopped at %#lx: %s\n", (unsigned long)rip, uc_strerror(err));
        return 1;
    }
    return exit_code;
}
