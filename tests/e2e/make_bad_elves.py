#!/usr/bin/env python3
"""Generate executables faultline must refuse, each with the error it must give.

usage: make_bad_elves.py OUTDIR STATIC_ELF

Writes the bad inputs into OUTDIR and OUTDIR/cases.txt with one line per case:
    filename<TAB>substring the one-line error message must contain
Most cases are copies of STATIC_ELF (a real static x86-64 executable, e.g. /bin/busybox from
busybox-static) with one field patched, so that exactly one check fails and every other part of
the file stays valid. The expected substrings come from emu/elf_check.c.
"""
import os
import struct
import sys

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")  # Elf64_Ehdr
PHDR = struct.Struct("<IIQQQQQQ")  # Elf64_Phdr: type flags offset vaddr paddr filesz memsz align
PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK = 1, 3, 6, 0x6474E551
PT_TLS = 7
ET_REL, ET_CORE = 1, 4
EM_AARCH64, EM_PPC64 = 183, 21


class Elf:
    """A mutable copy of an ELF file with its header and program headers decoded."""

    def __init__(self, data):
        self.data = bytearray(data)
        f = list(EHDR.unpack_from(self.data, 0))
        self.ident, self.type, self.machine = f[0], f[1], f[2]
        self.phoff, self.phentsize, self.phnum = f[5], f[9], f[10]
        if self.ident[:4] != b"\x7fELF" or self.ident[4] != 2 or self.ident[5] != 1:
            sys.exit("make_bad_elves: the template must be a 64-bit little-endian ELF")
        self.ph = [list(PHDR.unpack_from(self.data, self.phoff + i * PHDR.size))
                   for i in range(self.phnum)]

    def loads(self):
        return [i for i, p in enumerate(self.ph) if p[0] == PT_LOAD]

    def set_u16(self, off, value):
        struct.pack_into("<H", self.data, off, value)

    def bytes(self):
        out = bytearray(self.data)
        for i, p in enumerate(self.ph):
            PHDR.pack_into(out, self.phoff + i * PHDR.size, *p)
        return bytes(out)


# Offsets into Elf64_Ehdr.
EI_CLASS, EI_DATA = 4, 5
E_TYPE, E_MACHINE, E_PHENTSIZE, E_PHNUM = 16, 18, 54, 56
# Program header fields, as indexes into the PHDR tuple.
P_TYPE, P_FLAGS, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ, P_ALIGN = range(8)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    outdir, template = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    with open(template, "rb") as f:
        orig = f.read()
    base = Elf(orig)
    loads = base.loads()
    if len(loads) < 3:
        sys.exit("make_bad_elves: the template needs at least three PT_LOAD segments")
    cases = []

    def write(name, data, expect, mode=0o755):
        path = os.path.join(outdir, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        cases.append((name, expect))

    def patched(name, expect, edit):
        e = Elf(orig)
        edit(e)
        write(name, e.bytes(), expect)

    # Not ELF at all.
    write("empty", b"", "empty file")
    write("text.txt", b"hello, world\nthis is not a program\n", "not an ELF file")
    # A script runs its interpreter (as execve does): one that is not a program is refused.
    write("script.sh", b"#!" + os.path.abspath(os.path.join(outdir, "text.txt")).encode()
          + b"\necho hello\n", "text.txt: not an ELF file")

    # The ELF header itself.
    write("truncated_header", orig[:40], "truncated ELF file")
    write("truncated_phdrs", orig[:base.phoff + base.phnum * PHDR.size - 1],
          "truncated ELF file: the program headers end")

    def elf32(e):
        e.data[EI_CLASS] = 1
    patched("elf32", "32-bit ELF (ELFCLASS32) is not supported", elf32)

    def aarch64(e):
        e.set_u16(E_MACHINE, EM_AARCH64)
    patched("aarch64", "ELF for AArch64 (e_machine 183), faultline runs x86-64 only", aarch64)

    def big_endian(e):
        e.data[EI_DATA] = 2
        struct.pack_into(">H", e.data, E_MACHINE, EM_PPC64)
    patched("big_endian", "big-endian ELF for PowerPC64 (e_machine 21)", big_endian)

    def et_rel(e):
        e.set_u16(E_TYPE, ET_REL)
    patched("relocatable.o", "relocatable object file (ET_REL)", et_rel)

    def et_core(e):
        e.set_u16(E_TYPE, ET_CORE)
    patched("core", "core dump (ET_CORE)", et_core)

    def phentsize(e):
        e.set_u16(E_PHENTSIZE, 32)
    patched("bad_phentsize", "bad program header size e_phentsize 32", phentsize)

    def phnum(e):
        e.set_u16(E_PHNUM, 0xFFFF)
    patched("absurd_phnum", "bad program header count e_phnum 65535", phnum)

    # One PT_LOAD at a time.
    def filesz_gt_memsz(e):
        p = e.ph[loads[0]]
        p[P_FILESZ] = p[P_MEMSZ] + 0x100
    patched("filesz_gt_memsz", "p_filesz 0x%x > p_memsz" % (base.ph[loads[0]][P_MEMSZ] + 0x100),
            filesz_gt_memsz)

    def past_eof(e):
        p = e.ph[loads[-1]]
        p[P_FILESZ] = p[P_MEMSZ] = max(p[P_MEMSZ], len(orig)) * 2
    patched("segment_past_eof", "lies outside the file", past_eof)

    def overlap(e):
        # The first segment grows one page into the second; both stay valid on their own.
        a, b = e.ph[loads[0]], e.ph[loads[1]]
        a[P_MEMSZ] = b[P_VADDR] - a[P_VADDR] + 0x1000
    patched("overlapping_loads", "PT_LOAD segments overlap", overlap)

    def unsorted(e):
        e.ph[loads[1]], e.ph[loads[2]] = e.ph[loads[2]], e.ph[loads[1]]
    patched("unsorted_loads", "PT_LOAD segments are not sorted by address", unsorted)

    def kernel_addr(e):
        p = e.ph[loads[-1]]
        p[P_VADDR] = p[P_PADDR] = 0xFFFFFFFF80000000 | (p[P_VADDR] & 0xFFF)
    patched("kernel_address", "lies outside user space", kernel_addr)

    def wrapping(e):
        p = e.ph[loads[-1]]
        p[P_MEMSZ] = 0xFFFFFFFFFFFFF000
    patched("wrapping_segment", "wraps around the address space", wrapping)

    def misaligned(e):
        e.ph[loads[1]][P_VADDR] += 0x10
    patched("misaligned_load", "differ modulo the page size", misaligned)

    def no_load(e):
        for i in loads:
            e.ph[i][P_TYPE] = 0  # PT_NULL
    patched("no_load", "no PT_LOAD segment", no_load)

    # A PT_INTERP is no longer refused: dynamically linked programs run (issue 3). A static
    # program given a PT_INTERP crashes inside ld.so natively (exit 139), and under faultline the
    # same way; tests/e2e/dynamic covers real dynamic binaries.

    # Not a file faultline can open as a program.
    os.makedirs(os.path.join(outdir, "a_directory"), exist_ok=True)
    cases.append(("a_directory", "Is a directory"))
    cases.append(("does_not_exist", "No such file or directory"))

    with open(os.path.join(outdir, "cases.txt"), "w") as f:
        for name, expect in cases:
            f.write("%s\t%s\n" % (name, expect))


if __name__ == "__main__":
    main()
