/*
 * binfmt.h - what the exec files share (models include/linux/binfmts.h and the constants of
 * fs/binfmt_elf.c and arch/x86/include/asm/elf.h of Linux 4.20).
 *
 *   elf_check.c   elf_open, elf_read_image, elf_check_supported: read and validate the file
 *   exec_stack.c  prepare_arg_pages, setup_arg_pages, copy_strings, create_elf_tables: the stack
 *   exec_elf.c    exec_load: the order of an exec (load_elf_binary), PT_LOAD mapping, bss, brk
 *   exec_interp.c load_elf_interp: the PT_INTERP path, compiled but refused until enabled
 *
 * One exec runs in this order, as Linux's does (do_execveat_common, then load_elf_binary):
 * check the file; measure and copy the argument strings to the top of a fresh stack VMA; map the
 * PT_LOAD segments; set up .bss and brk; load the interpreter if any; write the tables
 * (create_elf_tables). The layout is that of `setarch -R`: no randomization anywhere.
 */
#ifndef FL_BINFMT_H
#define FL_BINFMT_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel_model/pgtable.h"

struct mm_struct;
struct task_struct;
struct file;
struct exec_cred;

/* x86-64 pages are the ELF mapping granule (ELF_MIN_ALIGN = ELF_EXEC_PAGESIZE). */
#define ELF_MIN_ALIGN     PAGE_SIZE
#define ELF_PAGESTART(v)  ((v) & ~(unsigned long)(ELF_MIN_ALIGN - 1))
#define ELF_PAGEOFFSET(v) ((v) & (ELF_MIN_ALIGN - 1))
#define ELF_PAGEALIGN(v)  (((v) + ELF_MIN_ALIGN - 1) & ~(unsigned long)(ELF_MIN_ALIGN - 1))

/* A 64-bit task's stack ends where user space ends (STACK_TOP = TASK_SIZE on x86-64). */
#define STACK_TOP TASK_SIZE
/* PIE programs (ET_DYN with an interpreter) go 2/3 of the way up: 0x555555554aaa, which
 * ELF_PAGESTART turns into the familiar 0x555555554000 (arch/x86/include/asm/elf.h). */
#define ELF_ET_DYN_BASE (TASK_SIZE / 3 * 2)
/* Linux refuses binaries whose whole program-header table exceeds one page (load_elf_phdrs). */
#define ELF_MAX_PHNUM (ELF_MIN_ALIGN / sizeof(Elf64_Phdr))
/* execve's per-string limit (MAX_ARG_STRLEN = 32 pages) and the RLIMIT_STACK default. */
#define MAX_ARG_STRLEN (32 * PAGE_SIZE)
#define _STK_LIM       (8UL << 20)

/*
 * Dynamically linked programs (PT_INTERP) load their interpreter (exec_interp.c:
 * load_elf_interp, AT_BASE, ELF_ET_DYN_BASE for PIE). A build with -DFL_EXEC_INTERP=0 refuses
 * them in elf_check_supported instead, with a one-line reason.
 */
#ifndef FL_EXEC_INTERP
#define FL_EXEC_INTERP 1
#endif

/* PT_GNU_STACK says (fs/binfmt_elf.c's executable_stack). */
enum { EXSTACK_DEFAULT, EXSTACK_DISABLE_X, EXSTACK_ENABLE_X };

/* A validated ELF file: what load_elf_binary reads before it changes anything. */
struct elf_image {
    Elf64_Ehdr ehdr;
    Elf64_Phdr *phdr;   /* ehdr.e_phnum entries (owned) */
    uint64_t file_size; /* bytes, when it was checked */
    char *interp;       /* the PT_INTERP path (owned), NULL for a static binary */
    int executable_stack;
};

/* The state of one exec in progress (struct linux_binprm, reduced to what the ELF loader uses). */
struct linux_binprm {
    struct task_struct *tsk;
    struct mm_struct *mm;
    const char *filename; /* the name it was run by: the string AT_EXECFN points to */
    char *const *argv, *const *envp;
    int argc, envc;
    const char *sysroot; /* prefix for the interpreter's host path, NULL for none */
    /* the new image's credentials (emu/cred.h); NULL: the task's own, not secure */
    const struct exec_cred *cred;
    unsigned long rlim_stack; /* RLIMIT_STACK soft limit, bytes */
    /* Set by prepare_arg_pages: */
    unsigned long p;    /* lowest byte used so far; after create_elf_tables, the address of argc */
    unsigned long exec; /* user address of the filename copy (AT_EXECFN) */
    unsigned long arg_start, arg_end, env_start, env_end;
    /* Set by setup_arg_pages: the stack VMA is [vma_start, STACK_TOP). */
    unsigned long vma_start;
    char *err; /* the one-line reason when a step fails */
    size_t errlen;
};

/* --- elf_check.c --- */

/* Format a one-line reason into err (if any) and return -1, the exec files' failure value. */
int exec_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Open path read-only for exec; refuses directories and other non-regular files. Returns the
 * host fd, or -1 with the reason (strerror's text for a failed open) in err. */
int elf_open(const char *path, char *err, size_t errlen);

/* Read and validate the ELF header and program headers of the open file fd into im: everything
 * about the file itself that would make load_elf_binary fail or misbehave. Returns 0, or -1 with
 * the reason in err; im then owns nothing. Release a filled im with elf_image_free(). */
int elf_read_image(int fd, struct elf_image *im, char *err, size_t errlen);
void elf_image_free(struct elf_image *im);

/* What this build cannot run although the file is fine (a PT_INTERP while FL_EXEC_INTERP is 0).
 * Returns 0, or -1 with the reason in err. */
int elf_check_supported(const struct elf_image *im, char *err, size_t errlen);

/* PROT_* bits for a segment's PF_* flags. */
int elf_prot(uint32_t p_flags);

/* --- exec_stack.c --- */

/* Measure the strings (filename, envp, argv) as copy_strings would place them under STACK_TOP,
 * set argc/envc, p, exec and the arg/env ranges. Nothing is written yet. 0, or -E2BIG with the
 * reason in err. */
int prepare_arg_pages(struct linux_binprm *bprm);

/* Create the stack VMA: the pages the strings need plus Linux's 128 KiB stack_expand, with
 * VM_EXEC as PT_GNU_STACK says. Expects an mm without a stack. 0, or -1 with the reason. */
int setup_arg_pages(struct linux_binprm *bprm, int executable_stack);

/* Write the strings where prepare_arg_pages placed them (kernel-mode writes: they fault the
 * stack pages in through the model). 0, or -1 with the reason. */
int copy_strings(struct linux_binprm *bprm);

/* What create_elf_tables puts in the auxiliary vector besides constants. */
struct elf_auxv_info {
    unsigned long phdr;         /* AT_PHDR: user address of the program headers */
    unsigned long phnum;        /* AT_PHNUM */
    unsigned long entry;        /* AT_ENTRY: the program's entry (not the interpreter's) */
    unsigned long base;         /* AT_BASE: the interpreter's load address, 0 without one */
    unsigned long sysinfo_ehdr; /* AT_SYSINFO_EHDR: the [vdso] mapping (emu/vdso.c) */
};

/* Write platform string, AT_RANDOM bytes, argc, argv[], envp[] and auxv below bprm->p, leaving
 * bprm->p at argc (the initial rsp, 16-byte aligned). 0, or -1 with the reason. */
int create_elf_tables(struct linux_binprm *bprm, const struct elf_auxv_info *info);

/* --- exec_interp.c --- */

/* Map the interpreter whose path PT_INTERP gave (load_elf_interp), under bprm->sysroot. no_base
 * is the program's load_bias: 0 lets an ET_DYN interpreter go wherever get_unmapped_area says.
 * On success stores its load address (AT_BASE) in *base and its entry point in *entry and
 * returns 0; -1 with the reason otherwise. */
int load_elf_interp(struct linux_binprm *bprm, const char *interp, unsigned long no_base,
                    unsigned long *base, unsigned long *entry);

/* --- exec_elf.c: shared with exec_interp.c --- */

/* elf_map: map the file pages of one PT_LOAD at addr (see exec_elf.c). Address or -errno. */
long elf_map(struct mm_struct *mm, struct file *file, unsigned long addr, const Elf64_Phdr *ph,
             int prot, int type, unsigned long total_size);
/* The span of all PT_LOADs from the first one's page (total_mapping_size), 0 if none. */
unsigned long total_mapping_size(const Elf64_Phdr *phdr, int phnum);
/* Zero from elf_bss to the end of its page with a kernel-mode write (padzero). 0 or -EFAULT. */
int padzero(struct task_struct *tsk, unsigned long elf_bss);

#endif
