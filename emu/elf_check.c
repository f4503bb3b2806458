/*
 * elf_check.c - is this file an x86-64 ELF executable we can load? (the checks at the top of
 * fs/binfmt_elf.c's load_elf_binary and load_elf_phdrs, Linux 4.20, plus the ones Linux leaves to
 * a later crash).
 *
 * Linux answers a bad file with a bare ENOEXEC, or maps it and lets the process die. A user of
 * `faultline run` gets one line saying what is wrong instead. The checks run in the order a
 * reader would look: is it ELF at all, for which machine, which kind of file, are the program
 * headers there, and then each PT_LOAD: its sizes, its file range, its addresses, its alignment,
 * its place among the others.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/binfmt.h"
#include "emu/exec.h"
#include "emu/linux_abi.h"
#include "emu/sys_info.h"

int exec_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int elf_prot(uint32_t p_flags)
{
    return ((p_flags & PF_R) ? PROT_READ : 0) | ((p_flags & PF_W) ? PROT_WRITE : 0) |
           ((p_flags & PF_X) ? PROT_EXEC : 0);
}

/* e_machine values someone may plausibly hand us, named as users know them. */
static const char *machine_name(unsigned m)
{
    switch (m) {
    case EM_X86_64: /* only reached for a big-endian header */
        return "x86-64";
    case EM_386:
        return "i386";
    case EM_ARM:
        return "ARM";
    case EM_AARCH64:
        return "AArch64";
    case EM_RISCV:
        return "RISC-V";
    case EM_PPC:
        return "PowerPC";
    case EM_PPC64:
        return "PowerPC64";
    case EM_MIPS:
        return "MIPS";
    case EM_S390:
        return "S/390";
    case EM_SPARC:
    case EM_SPARCV9:
        return "SPARC";
    case EM_IA_64:
        return "IA-64";
    case EM_ALPHA:
        return "Alpha";
    case EM_68K:
        return "m68k";
    case EM_SH:
        return "SuperH";
    case EM_PARISC:
        return "PA-RISC";
    case 258: /* EM_LOONGARCH, absent from older <elf.h> */
        return "LoongArch";
    case 247: /* EM_BPF */
        return "eBPF";
    default:
        return NULL;
    }
}

/* The machine of a file we refuse, named; big-endian files say so first. */
static int bad_machine(unsigned m, bool big_endian, char *err, size_t errlen)
{
    const char *name = machine_name(m);
    const char *order = big_endian ? "big-endian " : "";
    const char *only = big_endian ? "little-endian x86-64" : "x86-64";

    if (name)
        return exec_err(err, errlen, "%sELF for %s (e_machine %u), faultline runs %s only", order,
                        name, m, only);
    return exec_err(err, errlen,
                    "%sELF for an unknown machine (e_machine %u), faultline runs %s only", order, m,
                    only);
}

int elf_open(const char *path, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return exec_err(err, errlen, "%s", strerror(errno));
    if (fstat(fd, &st) < 0) {
        exec_err(err, errlen, "%s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        exec_err(err, errlen, "%s", strerror(EISDIR));
        goto fail;
    }
    /* execve(2) gives EACCES for FIFOs, devices and sockets (may_open/do_open_execat). */
    if (!S_ISREG(st.st_mode)) {
        exec_err(err, errlen, "not a regular file, cannot execute it");
        goto fail;
    }
    return fd;
fail:
    close(fd);
    return -1;
}

/* The ELF header: identification, machine, type, program-header geometry. */
static int check_ehdr(const unsigned char *buf, size_t n, uint64_t size, char *err, size_t errlen)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;

    if (size == 0)
        return exec_err(err, errlen, "empty file, not an ELF executable");
    if (n < SELFMAG || memcmp(buf, ELFMAG, SELFMAG) != 0) {
        if (n >= 2 && buf[0] == '#' && buf[1] == '!')
            return exec_err(err, errlen,
                            "a #! script, not an ELF file: run its interpreter under faultline "
                            "(faultline run -- /bin/sh SCRIPT)");
        return exec_err(err, errlen, "not an ELF file (no \\177ELF magic at its start)");
    }
    if (n < EI_NIDENT)
        return exec_err(err, errlen, "truncated ELF file: %zu bytes, shorter than the header", n);
    if (buf[EI_CLASS] == ELFCLASS32)
        return exec_err(err, errlen,
                        "32-bit ELF (ELFCLASS32) is not supported: faultline runs x86-64 only");
    if (buf[EI_CLASS] != ELFCLASS64)
        return exec_err(err, errlen, "bad ELF class %u in e_ident[EI_CLASS]", buf[EI_CLASS]);
    if (buf[EI_DATA] == ELFDATA2MSB) {
        /* e_machine is big-endian too; name the machine when the header reaches it. */
        if (n >= offsetof(Elf64_Ehdr, e_machine) + 2)
            return bad_machine((unsigned)buf[18] << 8 | buf[19], true, err, errlen);
        return exec_err(
            err, errlen,
            "big-endian ELF (ELFDATA2MSB) is not supported: faultline runs x86-64 only");
    }
    if (buf[EI_DATA] != ELFDATA2LSB)
        return exec_err(err, errlen, "bad ELF data encoding %u in e_ident[EI_DATA]", buf[EI_DATA]);
    if (n < sizeof(Elf64_Ehdr))
        return exec_err(err, errlen,
                        "truncated ELF file: %zu bytes, shorter than the %zu-byte ELF header", n,
                        sizeof(Elf64_Ehdr));
    if (eh->e_machine != EM_X86_64)
        return bad_machine(eh->e_machine, false, err, errlen);

    switch (eh->e_type) {
    case ET_EXEC:
    case ET_DYN:
        break;
    case ET_REL:
        return exec_err(err, errlen,
                        "a relocatable object file (ET_REL), not an executable: link it first");
    case ET_CORE:
        return exec_err(err, errlen, "a core dump (ET_CORE), not an executable");
    default:
        return exec_err(err, errlen,
                        "ELF type e_type %u is not an executable (need ET_EXEC or ET_DYN)",
                        eh->e_type);
    }

    /* load_elf_phdrs: entries of exactly the native size, the whole table at most one page. */
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return exec_err(err, errlen, "bad program header size e_phentsize %u (expected %zu)",
                        eh->e_phentsize, sizeof(Elf64_Phdr));
    if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHNUM)
        return exec_err(err, errlen, "bad program header count e_phnum %u (Linux accepts 1 to %lu)",
                        eh->e_phnum, (unsigned long)ELF_MAX_PHNUM);
    /* e_phoff may be anything; the sum is done so that it cannot wrap. */
    if (eh->e_phoff > size || size - eh->e_phoff < (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))
        return exec_err(err, errlen,
                        "truncated ELF file: the program headers end at byte %llu, the file has "
                        "%llu bytes",
                        (unsigned long long)eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr),
                        (unsigned long long)size);
    if (eh->e_entry >= TASK_SIZE)
        return exec_err(err, errlen, "entry point 0x%llx lies outside user space",
                        (unsigned long long)eh->e_entry);
    return 0;
}

/*
 * One PT_LOAD (index i of the program headers), with prev the PT_LOAD before it or NULL.
 * Linux itself checks only the sizes and the address range (load_elf_binary's "set_brk can never
 * work" test); a misaligned offset it turns into EINVAL from mmap, and a file range past the end,
 * overlapping or unsorted segments into a process that crashes later.
 */
static int check_load(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, const Elf64_Phdr *prev, int i,
                      uint64_t size, char *err, size_t errlen)
{
    unsigned long long va = ph->p_vaddr, off = ph->p_offset;
    unsigned long long filesz = ph->p_filesz, memsz = ph->p_memsz;

    if (filesz > memsz)
        return exec_err(err, errlen, "PT_LOAD segment %d: p_filesz 0x%llx > p_memsz 0x%llx", i,
                        filesz, memsz);
    if (off > size || size - off < filesz)
        return exec_err(err, errlen,
                        "PT_LOAD segment %d (file bytes 0x%llx-0x%llx) lies outside the file "
                        "(0x%llx bytes): truncated?",
                        i, off, off + filesz, (unsigned long long)size);
    if (va + memsz < va)
        return exec_err(err, errlen,
                        "PT_LOAD segment %d (p_vaddr 0x%llx, p_memsz 0x%llx) wraps around the "
                        "address space",
                        i, va, memsz);
    if (va >= TASK_SIZE || memsz > TASK_SIZE || TASK_SIZE - memsz < va)
        return exec_err(err, errlen,
                        "PT_LOAD segment %d at 0x%llx-0x%llx lies outside user space (which ends "
                        "at 0x%lx)",
                        i, va, va + memsz, (unsigned long)TASK_SIZE);
    /* elf_map maps from the page start of both: they must sit at the same place in a page. */
    if (ELF_PAGEOFFSET(va) != ELF_PAGEOFFSET(off))
        return exec_err(err, errlen,
                        "PT_LOAD segment %d: p_vaddr 0x%llx and p_offset 0x%llx differ modulo the "
                        "page size (%lu), it cannot be mapped",
                        i, va, off, (unsigned long)PAGE_SIZE);
    /* A fixed address under mmap_min_addr gets EPERM from mmap without CAP_SYS_RAWIO: exec
     * would fail. */
    if (eh->e_type == ET_EXEC && memsz && ELF_PAGESTART(va) < host_mmap_min_addr() &&
        !host_capable(17 /* CAP_SYS_RAWIO */))
        return exec_err(err, errlen,
                        "PT_LOAD segment %d at 0x%llx lies below mmap_min_addr (0x%lx)", i, va,
                        host_mmap_min_addr());
    if (!prev)
        return 0;
    /* The gABI requires PT_LOADs in ascending p_vaddr order; sharing a page is allowed (the later
     * segment's mapping replaces the page), sharing bytes is not. */
    if (va < prev->p_vaddr)
        return exec_err(err, errlen,
                        "PT_LOAD segments are not sorted by address (segment %d at 0x%llx comes "
                        "after one at 0x%llx)",
                        i, va, (unsigned long long)prev->p_vaddr);
    if (va < prev->p_vaddr + prev->p_memsz)
        return exec_err(err, errlen,
                        "PT_LOAD segments overlap: segment %d at 0x%llx-0x%llx starts inside the "
                        "one at 0x%llx-0x%llx",
                        i, va, va + memsz, (unsigned long long)prev->p_vaddr,
                        (unsigned long long)(prev->p_vaddr + prev->p_memsz));
    return 0;
}

/* PT_INTERP: a NUL-terminated path of 2..PATH_MAX bytes inside the file, as Linux requires. */
static int read_interp(int fd, const Elf64_Phdr *ph, uint64_t size, struct elf_image *im, char *err,
                       size_t errlen)
{
    if (ph->p_filesz < 2 || ph->p_filesz > PATH_MAX)
        return exec_err(err, errlen, "bad PT_INTERP: a path of %llu bytes",
                        (unsigned long long)ph->p_filesz);
    if (ph->p_offset > size || size - ph->p_offset < ph->p_filesz)
        return exec_err(err, errlen, "bad PT_INTERP: the path lies outside the file");
    im->interp = malloc(ph->p_filesz);
    if (!im->interp)
        return exec_err(err, errlen, "%s", strerror(ENOMEM));
    errno = 0;
    if (pread(fd, im->interp, ph->p_filesz, ph->p_offset) != (ssize_t)ph->p_filesz)
        return exec_err(err, errlen, "cannot read PT_INTERP: %s", strerror(errno ? errno : EIO));
    if (im->interp[ph->p_filesz - 1] != '\0')
        return exec_err(err, errlen, "bad PT_INTERP: the path is not NUL-terminated");
    return 0;
}

static int check_phdrs(int fd, struct elf_image *im, char *err, size_t errlen)
{
    const Elf64_Phdr *prev = NULL;
    int nload = 0;

    im->executable_stack = EXSTACK_DEFAULT;
    for (int i = 0; i < im->ehdr.e_phnum; i++) {
        const Elf64_Phdr *ph = &im->phdr[i];

        switch (ph->p_type) {
        case PT_LOAD:
            if (check_load(&im->ehdr, ph, prev, i, im->file_size, err, errlen))
                return -1;
            prev = ph;
            nload++;
            break;
        case PT_INTERP:
            /* Linux uses the first one and ignores the rest. */
            if (!im->interp && read_interp(fd, ph, im->file_size, im, err, errlen))
                return -1;
            break;
        case PT_GNU_STACK:
            im->executable_stack = (ph->p_flags & PF_X) ? EXSTACK_ENABLE_X : EXSTACK_DISABLE_X;
            break;
        }
    }
    if (!nload)
        return exec_err(err, errlen, "no PT_LOAD segment: nothing to load");
    return 0;
}

int elf_read_image(int fd, struct elf_image *im, char *err, size_t errlen)
{
    unsigned char buf[sizeof(Elf64_Ehdr)];
    size_t phsize;
    struct stat st;
    ssize_t n;

    memset(im, 0, sizeof(*im));
    if (fstat(fd, &st) < 0)
        return exec_err(err, errlen, "%s", strerror(errno));
    im->file_size = st.st_size;
    n = pread(fd, buf, sizeof(buf), 0);
    if (n < 0)
        return exec_err(err, errlen, "cannot read the ELF header: %s", strerror(errno));
    if (check_ehdr(buf, n, im->file_size, err, errlen))
        return -1;
    memcpy(&im->ehdr, buf, sizeof(im->ehdr));

    phsize = (size_t)im->ehdr.e_phnum * sizeof(Elf64_Phdr);
    im->phdr = malloc(phsize);
    if (!im->phdr)
        return exec_err(err, errlen, "%s", strerror(ENOMEM));
    errno = 0;
    if (pread(fd, im->phdr, phsize, im->ehdr.e_phoff) != (ssize_t)phsize) {
        exec_err(err, errlen, "cannot read the program headers: %s", strerror(errno ? errno : EIO));
        goto fail;
    }
    if (check_phdrs(fd, im, err, errlen))
        goto fail;
    return 0;
fail:
    elf_image_free(im);
    return -1;
}

void elf_image_free(struct elf_image *im)
{
    free(im->phdr);
    free(im->interp);
    im->phdr = NULL;
    im->interp = NULL;
}

int elf_check_supported(const struct elf_image *im, char *err, size_t errlen)
{
    if (im->interp && !FL_EXEC_INTERP)
        return exec_err(err, errlen,
                        "dynamically linked (interpreter %s): faultline runs static binaries for "
                        "now",
                        im->interp);
    return 0;
}

/*
 * elf_check_file: the whole verdict without touching any address space, for the command line to
 * refuse a bad program before it sets up the machine.
 */
int elf_check_file(const char *path, char *err, size_t errlen)
{
    struct elf_image im;
    int fd = elf_open(path, err, errlen);
    int ret = -1;

    if (fd < 0)
        return -1;
    if (elf_read_image(fd, &im, err, errlen) == 0) {
        ret = elf_check_supported(&im, err, errlen);
        elf_image_free(&im);
    }
    close(fd);
    return ret;
}
