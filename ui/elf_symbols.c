/*
 * elf_symbols.c - code addresses to function names (see elf_symbols.h).
 *
 * A file is mapped read-only once; its function symbols (STT_FUNC and STT_GNU_IFUNC, defined,
 * nonzero) are sorted by address, and of the aliases at one address the name shown is the one
 * perf report would choose (choose_best_symbol): one with a size, global before weak before
 * local, fewer leading underscores, shorter. A version suffix (fopen@@GLIBC_2.2.5 in a debug
 * file's .symtab) is not shown. A file
 * offset becomes an ELF virtual address through the PT_LOAD segment holding it, which is what
 * the symbol values are in, for executables and shared objects alike. Every offset, size and
 * name is checked against the file's size: the files are whatever the log names.
 */
#include <elf.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui/elf_symbols.h"

#define MAX_LOADS 16
#define MAX_FILES 64

struct sym {
    uint64_t addr, size;
    const char *name; /* in the mapped file's string table */
    int len;          /* of the name without a version suffix ("@@GLIBC_2.2.5") */
    int rank;         /* STB_GLOBAL 0, STB_WEAK 1, else 2 */
};

struct elf_file {
    char *path;
    bool ok;
    struct {
        uint64_t offset, filesz, vaddr;
    } load[MAX_LOADS];
    int nload;
    void *map, *debug_map; /* the file, and the debug file whose symbols are used, if any */
    size_t map_len, debug_len;
    struct sym *syms;
    size_t nsyms;
};

static struct elf_file *files[MAX_FILES];
static int nfiles;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* the TUI's two threads both ask */

static void forget_locked(void);

/* The file mapped whole and read-only, or NULL. */
static void *map_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    void *m = NULL;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)sizeof(Elf64_Ehdr)) {
        m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED)
            m = NULL;
        else
            *len = (size_t)st.st_size;
    }
    close(fd);
    return m;
}

/* A 64-bit little-endian ELF header whose program and section header tables lie in the file. */
static const Elf64_Ehdr *elf_header(const void *map, size_t len)
{
    const Elf64_Ehdr *eh = map;

    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return NULL;
    if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
        return NULL;
    if (eh->e_shoff > len || (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > len - eh->e_shoff)
        return NULL;
    return eh;
}

static bool in_file(uint64_t off, uint64_t size, size_t len)
{
    return off <= len && size <= len - off;
}

/* The GNU build id from the PT_NOTE segments, as hex, or "" (for /usr/lib/debug/.build-id). */
static void build_id(const void *map, size_t len, const Elf64_Ehdr *eh, char *hex, size_t hexlen)
{
    const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)map + eh->e_phoff);

    hex[0] = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_NOTE || !in_file(ph[i].p_offset, ph[i].p_filesz, len))
            continue;
        const char *p = (const char *)map + ph[i].p_offset, *end = p + ph[i].p_filesz;
        while ((size_t)(end - p) >= sizeof(Elf64_Nhdr)) {
            const Elf64_Nhdr *n = (const Elf64_Nhdr *)p;
            size_t name = (n->n_namesz + 3) & ~3u, desc = (n->n_descsz + 3) & ~3u;
            const unsigned char *d = (const unsigned char *)p + sizeof(*n) + name;
            if ((size_t)(end - p) - sizeof(*n) < name + desc)
                break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
                memcmp(p + sizeof(*n), "GNU", 4) == 0 && n->n_descsz >= 2 &&
                2 * n->n_descsz < hexlen) {
                for (unsigned k = 0; k < n->n_descsz; k++)
                    snprintf(hex + 2 * k, 3, "%02x", d[k]);
                return;
            }
            p += sizeof(*n) + name + desc;
        }
    }
}

/* Append the function symbols of section `type` (SHT_SYMTAB or SHT_DYNSYM) of the mapped ELF
 * file; false if it has no such section. */
static bool read_symbols(struct elf_file *f, const void *map, size_t len, uint32_t type)
{
    const Elf64_Ehdr *eh = elf_header(map, len);
    const Elf64_Shdr *sh = eh ? (const Elf64_Shdr *)((const char *)map + eh->e_shoff) : NULL;

    for (int i = 0; sh && i < eh->e_shnum; i++) {
        if (sh[i].sh_type != type || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
            sh[i].sh_link >= eh->e_shnum || !in_file(sh[i].sh_offset, sh[i].sh_size, len))
            continue;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        if (!in_file(strs->sh_offset, strs->sh_size, len))
            continue;
        const char *str = (const char *)map + strs->sh_offset;
        const Elf64_Sym *s = (const Elf64_Sym *)((const char *)map + sh[i].sh_offset);
        size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
        struct sym *grown = realloc(f->syms, (f->nsyms + n) * sizeof(*grown));
        if (!grown)
            return false;
        f->syms = grown;
        for (size_t k = 0; k < n; k++) {
            int t = ELF64_ST_TYPE(s[k].st_info), b = ELF64_ST_BIND(s[k].st_info);
            if ((t != STT_FUNC && t != STT_GNU_IFUNC) || s[k].st_shndx == SHN_UNDEF ||
                !s[k].st_value || s[k].st_name >= strs->sh_size ||
                !memchr(str + s[k].st_name, 0, strs->sh_size - s[k].st_name) || !str[s[k].st_name])
                continue;
            struct sym *y = &f->syms[f->nsyms++];
            y->addr = s[k].st_value;
            y->size = s[k].st_size;
            y->name = str + s[k].st_name;
            y->len = (int)strcspn(y->name, "@");
            y->rank = b == STB_GLOBAL ? 0 : b == STB_WEAK ? 1 : 2;
        }
        return true;
    }
    return false;
}

/* By address; at one address the alias to show first. */
static int by_address(const void *a, const void *b)
{
    const struct sym *x = a, *y = b;
    size_t ux = strspn(x->name, "_"), uy = strspn(y->name, "_");

    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (!x->size != !y->size)
        return x->size ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    if (ux != uy)
        return ux < uy ? -1 : 1;
    if (x->len != y->len)
        return x->len - y->len;
    return strcmp(x->name, y->name);
}

static void load(struct elf_file *f)
{
    const Elf64_Ehdr *eh;
    char id[130], debug[192];

    if (!(f->map = map_file(f->path, &f->map_len)) || !(eh = elf_header(f->map, f->map_len)))
        return;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)f->map + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum && f->nload < MAX_LOADS; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        f->load[f->nload].offset = ph[i].p_offset;
        f->load[f->nload].filesz = ph[i].p_filesz;
        f->load[f->nload++].vaddr = ph[i].p_vaddr;
    }
    build_id(f->map, f->map_len, eh, id, sizeof(id));
    if (id[0]) {
        snprintf(debug, sizeof(debug), "/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
        f->debug_map = map_file(debug, &f->debug_len);
    }
    if (!(f->debug_map && read_symbols(f, f->debug_map, f->debug_len, SHT_SYMTAB)) &&
        !read_symbols(f, f->map, f->map_len, SHT_SYMTAB))
        read_symbols(f, f->map, f->map_len, SHT_DYNSYM);
    qsort(f->syms, f->nsyms, sizeof(*f->syms), by_address);
    f->ok = true;
}

static struct elf_file *file_of(const char *path)
{
    for (int i = 0; i < nfiles; i++)
        if (strcmp(files[i]->path, path) == 0)
            return files[i];
    if (nfiles == MAX_FILES)
        forget_locked();
    struct elf_file *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return NULL;
    }
    load(f);
    files[nfiles++] = f;
    return f;
}

static bool symbolize_locked(const char *path, uint64_t file_offset, char *out, size_t outlen)
{
    struct elf_file *f = path && path[0] == '/' ? file_of(path) : NULL;
    uint64_t addr = 0;
    bool mapped = false;

    if (!f || !f->ok || !f->nsyms)
        return false;
    for (int i = 0; i < f->nload && !mapped; i++)
        if (file_offset >= f->load[i].offset &&
            file_offset - f->load[i].offset < f->load[i].filesz) {
            addr = file_offset - f->load[i].offset + f->load[i].vaddr;
            mapped = true;
        }
    if (!mapped)
        return false;
    /* the last symbol at or below addr, then back over nested ones to one that covers it */
    size_t lo = 0, hi = f->nsyms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->syms[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0 && lo - i <= 8;) {
        const struct sym *s = &f->syms[i];
        if (addr - s->addr >= (s->size ? s->size : 1))
            continue;
        while (i > 0 && f->syms[i - 1].addr == s->addr) /* the best-ranked alias */
            s = &f->syms[--i];
        if (addr == s->addr)
            snprintf(out, outlen, "%.*s", s->len, s->name);
        else
            snprintf(out, outlen, "%.*s+0x%llx", s->len, s->name,
                     (unsigned long long)(addr - s->addr));
        return true;
    }
    return false;
}

bool elf_symbolize(const char *path, uint64_t file_offset, char *out, size_t outlen)
{
    pthread_mutex_lock(&lock);
    bool found = symbolize_locked(path, file_offset, out, outlen);
    pthread_mutex_unlock(&lock);
    return found;
}

bool elf_symbol_offset(const char *path, const char *name, uint64_t *file_offset)
{
    size_t len = strlen(name);
    bool found = false;

    pthread_mutex_lock(&lock);
    struct elf_file *f = path && path[0] == '/' && len ? file_of(path) : NULL;
    const struct sym *best = NULL;
    for (size_t i = 0; f && f->ok && i < f->nsyms; i++) {
        const struct sym *s = &f->syms[i];
        if ((size_t)s->len == len && !memcmp(s->name, name, len) && (!best || s->rank < best->rank))
            best = s;
    }
    for (int i = 0; best && i < f->nload && !found; i++)
        if (best->addr >= f->load[i].vaddr && best->addr - f->load[i].vaddr < f->load[i].filesz) {
            *file_offset = best->addr - f->load[i].vaddr + f->load[i].offset;
            found = true;
        }
    pthread_mutex_unlock(&lock);
    return found;
}

void elf_symbols_forget(void)
{
    pthread_mutex_lock(&lock);
    forget_locked();
    pthread_mutex_unlock(&lock);
}

static void forget_locked(void)
{
    for (int i = 0; i < nfiles; i++) {
        struct elf_file *f = files[i];
        if (f->map)
            munmap(f->map, f->map_len);
        if (f->debug_map)
            munmap(f->debug_map, f->debug_len);
        free(f->syms);
        free(f->path);
        free(f);
    }
    nfiles = 0;
}
