/*
 * elf_symbols.h - the function a code address falls in, by the symbol tables of the ELF file it
 * was mapped from: what perf report and gdb print beside an address.
 */
#ifndef FL_UI_ELF_SYMBOLS_H
#define FL_UI_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The function containing byte `file_offset` of the ELF file `path` (an address in a mapping
 * of it is vma_start + offset - vma_pgoff * 4096), as "name+0x1f" ("name" at its first byte),
 * into out. The symbols come from the file's detached debug file if one is installed under
 * /usr/lib/debug/.build-id, else its .symtab, else its .dynsym (a stripped library still names
 * its exported functions). false when the file cannot be read, is not ELF, or no function
 * symbol covers the offset. Files are read once and kept until elf_symbols_forget(). Every
 * function here may be called from any thread.
 */
bool elf_symbolize(const char *path, uint64_t file_offset, char *out, size_t outlen);

/*
 * The other way: the file offset of function `name`'s first byte in the ELF file `path` (the
 * same symbol tables; a version suffix in the table is ignored), for a breakpoint by name.
 * false if the file has no such function or its address is in no PT_LOAD segment.
 */
bool elf_symbol_offset(const char *path, const char *name, uint64_t *file_offset);

/* Drop every file read so far. */
void elf_symbols_forget(void);

#endif
