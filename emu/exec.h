/*
 * exec.h - loading an ELF executable into a fresh address space (fs/binfmt_elf.c, fs/exec.c).
 */
#ifndef FL_EXEC_H
#define FL_EXEC_H

#include <stddef.h>
#include <stdint.h>

struct proc;

struct exec_image {
    uint64_t entry;     /* where the first instruction runs (the interpreter's entry if any) */
    uint64_t stack_ptr; /* initial rsp: points at argc */
    uint64_t load_bias; /* ET_DYN executables: where it was placed */
};

#define BINPRM_BUF_SIZE      128 /* the bytes of a file's start that exec looks at */
#define BINPRM_MAX_RECURSION 4   /* a script's interpreter may be a script, this deep */

/*
 * load_script (fs/binfmt_script.c): is the file at host path `host` a "#!interp [arg]" script?
 * 1: yes, *out_argv is the new argv (interp, [arg], name, argv[1..]; free with strv_free) and
 * interp its interpreter; 0: no; -errno: unreadable, or a #! line without an interpreter.
 */
int load_script(const char *host, const char *name, char **argv, char ***out_argv, char *interp,
                size_t interp_len);

/*
 * Check `path` is an x86-64 ELF executable this build can run. On failure returns -1 with a
 * one-line reason in err ("not an ELF file", "32-bit ELF (ELFCLASS32) is not supported", ...).
 */
int elf_check_file(const char *path, char *err, size_t errlen);

/*
 * Map `path` into p->task.mm (which must be empty and have its arch engine attached), build the
 * initial stack with argv, envp and auxv as Linux's create_elf_tables does, and set
 * mm->start_code/end_code/start_data/end_data/start_brk/brk/start_stack, arg_* and env_*.
 * Returns 0, or -1 with a one-line reason in err (-E2BIG when the arguments and environment do
 * not fit: execve's errno then); the mm may then hold partial mappings and must be torn down by
 * the caller. cred: the credentials the image will run with (AT_UID, AT_EUID, AT_GID, AT_EGID,
 * AT_SECURE), from cred_prepare_exec; NULL for the task's own and AT_SECURE 0.
 */
struct exec_cred;
int exec_load(struct proc *p, const char *path, char *const argv[], char *const envp[],
              const struct exec_cred *cred, struct exec_image *img, char *err, size_t errlen);

#endif
