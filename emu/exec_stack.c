/*
 * exec_stack.c - the initial stack of a new program: copy_strings and setup_arg_pages
 * (fs/exec.c) and create_elf_tables (fs/binfmt_elf.c) of Linux 4.20, without randomization.
 *
 * The finished stack, from STACK_TOP (0x7ffffffff000) down:
 *
 *   8 zero bytes                     the end marker (bprm->p starts below it)
 *   filename\0                       AT_EXECFN points here (bprm->exec)
 *   envp[0]\0 ... envp[envc-1]\0     env_start .. env_end
 *   argv[0]\0 ... argv[argc-1]\0     arg_start .. arg_end
 *   (down to a 16-byte boundary)
 *   "x86_64\0"                       AT_PLATFORM
 *   16 random bytes                  AT_RANDOM
 *   (down to a 16-byte boundary, counting what follows)
 *   auxv pairs ... AT_NULL, 0
 *   NULL, envp[envc-1] ... envp[0]
 *   NULL, argv[argc-1] ... argv[0]
 *   argc                             <- rsp, 16-byte aligned (mm->start_stack)
 *
 * The strings' pages plus 128 KiB below them form the stack VMA, as setup_arg_pages leaves it;
 * every byte goes in through copy_to_user, so the stack pages fault in through the model like
 * the kernel's own writes do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "emu/binfmt.h"
#include "emu/cred.h"
#include "emu/proc.h"
#include "emu/linux_abi.h"
#include "kernel_model/mm.h"
#include "mmu/cpuid.h"
#include "mmu/uaccess.h"

/* setup_arg_pages grows the fresh stack by this much below the strings (stack_expand). */
#define STACK_EXPAND (128UL * 1024)
/* Up to 32 pages of strings are allowed whatever RLIMIT_STACK says (ARG_MAX). */
#define ARG_MAX (32 * PAGE_SIZE)

#define ELF_HWCAP2          0UL /* only HWCAP2_RING3MWAIT (Xeon Phi) is defined on x86 */
#define ELF_PLATFORM        "x86_64"
#define CLOCKS_PER_SEC_USER 100 /* USER_HZ: what times(2) counts in (AT_CLKTCK) */

static unsigned long count_strings(char *const *v)
{
    unsigned long n = 0;

    while (v && v[n])
        n++;
    return n;
}

/* Bytes the strings of v take, NULs included; -1 if one is longer than MAX_ARG_STRLEN. */
static long strings_size(char *const *v, unsigned long n)
{
    long total = 0;

    for (unsigned long i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        if (len > MAX_ARG_STRLEN)
            return -1;
        total += len;
    }
    return total;
}

/*
 * Where copy_strings_kernel (the filename) and copy_strings (envp, then argv, each from its last
 * string down) leave everything: one string under the other, so that argv[0] ends up lowest and
 * all strings read in order upward. Enforces execve's E2BIG limits as get_arg_page does: each
 * string at most MAX_ARG_STRLEN, the strings' pages plus the pointers to them at most a quarter of
 * RLIMIT_STACK (and 3/4 of _STK_LIM), though always 32 pages.
 */
int prepare_arg_pages(struct linux_binprm *bprm)
{
    unsigned long flen = strlen(bprm->filename) + 1;
    unsigned long size, limit;
    long envbytes, argbytes;

    bprm->argc = count_strings(bprm->argv);
    bprm->envc = count_strings(bprm->envp);
    envbytes = strings_size(bprm->envp, bprm->envc);
    argbytes = strings_size(bprm->argv, bprm->argc);
    if (flen > MAX_ARG_STRLEN || envbytes < 0 || argbytes < 0) {
        exec_err(bprm->err, bprm->errlen,
                 "%s: an argument or environment string is longer than %lu bytes", strerror(E2BIG),
                 (unsigned long)MAX_ARG_STRLEN);
        return -E2BIG;
    }

    bprm->p = STACK_TOP - sizeof(void *);
    bprm->p -= flen;
    bprm->exec = bprm->env_end = bprm->p;
    bprm->p -= envbytes;
    bprm->env_start = bprm->arg_end = bprm->p;
    bprm->p -= argbytes;
    bprm->arg_start = bprm->p;

    size = STACK_TOP - ELF_PAGESTART(bprm->p) + (bprm->argc + bprm->envc) * sizeof(void *);
    limit = bprm->rlim_stack / 4;
    if (limit > _STK_LIM / 4 * 3)
        limit = _STK_LIM / 4 * 3;
    if (size > ARG_MAX && size > limit) {
        exec_err(bprm->err, bprm->errlen,
                 "%s: %lu bytes of arguments and environment, the limit is %lu (a quarter "
                 "of the stack limit)",
                 strerror(E2BIG), size, limit);
        return -E2BIG;
    }
    return 0;
}

/*
 * setup_arg_pages: the stack VMA is the pages the strings occupy, grown by stack_expand (or to
 * RLIMIT_STACK if that is smaller). STACK_TOP is not moved: arch_align_stack only randomizes,
 * and this is the `setarch -R` layout.
 *
 * setup_stack_vma gives VM_STACK_DEFAULT_FLAGS; Linux then adds or removes VM_EXEC as
 * PT_GNU_STACK asks. Linux 4.20 on x86-64 treats a missing PT_GNU_STACK as an executable stack
 * (READ_IMPLIES_EXEC), so only an explicit non-executable PT_GNU_STACK removes it. The model's
 * setup_stack_vma takes no flags, so the VM_EXEC decision is applied with do_mprotect on the
 * still empty VMA: the same vm_flags, and nothing is mapped yet to change.
 */
int setup_arg_pages(struct linux_binprm *bprm, int executable_stack)
{
    unsigned long vm_start = ELF_PAGESTART(bprm->p);
    unsigned long stack_size = STACK_TOP - vm_start;
    unsigned long rlim_stack = bprm->rlim_stack & PAGE_MASK;
    unsigned long stack_base;
    unsigned long prot = PROT_READ | PROT_WRITE;
    int ret;

    if (stack_size + STACK_EXPAND > rlim_stack)
        stack_base = STACK_TOP - rlim_stack;
    else
        stack_base = vm_start - STACK_EXPAND;
    if (stack_base > vm_start) /* expand_stack never shrinks */
        stack_base = vm_start;

    ret = setup_stack_vma(bprm->mm, stack_base, STACK_TOP);
    if (ret)
        return exec_err(bprm->err, bprm->errlen, "cannot create the stack at 0x%lx-0x%lx: %s",
                        stack_base, (unsigned long)STACK_TOP, strerror(ret < 0 ? -ret : EINVAL));
    bprm->vma_start = stack_base;

    if (executable_stack != EXSTACK_DISABLE_X)
        prot |= PROT_EXEC;
    ret = do_mprotect(bprm->mm, stack_base, STACK_TOP - stack_base, prot);
    if (ret)
        return exec_err(bprm->err, bprm->errlen, "cannot set the stack's protection: %s",
                        strerror(ret < 0 ? -ret : EINVAL));
    return 0;
}

static int put_bytes(struct linux_binprm *bprm, unsigned long to, const void *from, size_t n,
                     const char *what)
{
    if (copy_to_user(bprm->tsk, to, from, n))
        return exec_err(bprm->err, bprm->errlen,
                        "cannot write the %s to the new stack at 0x%lx: unresolved fault", what,
                        to);
    return 0;
}

/* Copy a string vector to `at`, one string after the other (the reverse of copy_strings' walk,
 * same result). Returns the address after the last NUL, or 0 on a fault. */
static unsigned long put_strings(struct linux_binprm *bprm, unsigned long at, char *const *v, int n,
                                 const char *what)
{
    for (int i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        if (put_bytes(bprm, at, v[i], len, what))
            return 0;
        at += len;
    }
    return at;
}

/*
 * copy_strings: the filename first at the very top (the 8-byte end marker above it stays zero as
 * the fresh page is), then the environment, then argv.
 *
 * Linux reaches the new stack's pages through get_arg_page, which is get_user_pages_remote with
 * FOLL_FORCE | FOLL_WRITE, from the top page down as copy_strings walks: each page is faulted in
 * by handle_mm_fault and counted in the task's min_flt, but that is no page fault (no exception:
 * nothing in the fault log here, no page-fault perf event on Linux). So the pages are had that
 * way first, and the copies find them present. create_elf_tables' writes below the strings are
 * real kernel-mode page faults where they reach a page of their own.
 */
int copy_strings(struct linux_binprm *bprm)
{
    for (unsigned long page = STACK_TOP - PAGE_SIZE; page >= ELF_PAGESTART(bprm->p);
         page -= PAGE_SIZE)
        if (get_user_pages_remote(bprm->tsk, bprm->mm, page, 1, FOLL_FORCE | FOLL_WRITE))
            return exec_err(bprm->err, bprm->errlen,
                            "cannot fault in the new stack's page at 0x%lx for the strings", page);
    if (put_bytes(bprm, bprm->exec, bprm->filename, strlen(bprm->filename) + 1, "filename"))
        return -1;
    if (bprm->envc && !put_strings(bprm, bprm->env_start, bprm->envp, bprm->envc, "environment"))
        return -1;
    if (bprm->argc && !put_strings(bprm, bprm->arg_start, bprm->argv, bprm->argc, "arguments"))
        return -1;
    return 0;
}

/* find_extend_vma: the tables may reach below the VMA setup_arg_pages made (a huge argv). */
static int extend_stack_to(struct linux_binprm *bprm, unsigned long addr)
{
    struct vm_area_struct *vma;

    if (addr >= bprm->vma_start)
        return 0;
    vma = find_vma(bprm->mm, addr);
    if (!vma || !(vma->vm_flags & VM_GROWSDOWN) || expand_stack(vma, addr) < 0)
        return exec_err(bprm->err, bprm->errlen,
                        "cannot grow the stack to 0x%lx for the argument tables", addr);
    bprm->vma_start = vma->vm_start;
    return 0;
}

/* AT_HWCAP: CPUID.1:EDX of the boot CPU (ELF_HWCAP = boot_cpu_data.x86_capability[CPUID_1_EDX]),
 * the emulated CPU's. */
static unsigned long elf_hwcap(void)
{
    struct cpuid_regs r;

    cpuid_get(1, 0, &r);
    return r.edx;
}

/* Fill the auxiliary vector in Linux 4.20's order; returns the number of words, AT_NULL's pair
 * included. */
static int fill_auxv(uint64_t *elf_info, const struct linux_binprm *bprm,
                     const struct elf_auxv_info *info, unsigned long u_platform,
                     unsigned long u_rand_bytes, unsigned long execfn)
{
    int ei = 0;
#define NEW_AUX_ENT(id, val)                                                                       \
    do {                                                                                           \
        elf_info[ei++] = (id);                                                                     \
        elf_info[ei++] = (val);                                                                    \
    } while (0)
    /* ARCH_DLINFO: the vDSO first */
    NEW_AUX_ENT(AT_SYSINFO_EHDR, info->sysinfo_ehdr);
    NEW_AUX_ENT(AT_HWCAP, elf_hwcap());
    NEW_AUX_ENT(AT_PAGESZ, PAGE_SIZE);
    NEW_AUX_ENT(AT_CLKTCK, CLOCKS_PER_SEC_USER);
    NEW_AUX_ENT(AT_PHDR, info->phdr);
    NEW_AUX_ENT(AT_PHENT, sizeof(Elf64_Phdr));
    NEW_AUX_ENT(AT_PHNUM, info->phnum);
    NEW_AUX_ENT(AT_BASE, info->base);
    NEW_AUX_ENT(AT_FLAGS, 0);
    NEW_AUX_ENT(AT_ENTRY, info->entry);
    /* the new image's ids (emu/cred.c: a set-id exec's), and bprm->secureexec, which makes
     * ld.so ignore LD_PRELOAD, LD_LIBRARY_PATH and the like (until 2026-12-07 always 0) */
    uint32_t uids[4], gids[4];
    const struct exec_cred *cred = bprm->cred;
    if (cred) {
        memcpy(uids, cred->uids, sizeof(uids));
        memcpy(gids, cred->gids, sizeof(gids));
    } else {
        task_uids(task_proc(bprm->tsk), uids);
        task_gids(task_proc(bprm->tsk), gids);
    }
    NEW_AUX_ENT(AT_UID, uids[CRED_R]);
    NEW_AUX_ENT(AT_EUID, uids[CRED_E]);
    NEW_AUX_ENT(AT_GID, gids[CRED_R]);
    NEW_AUX_ENT(AT_EGID, gids[CRED_E]);
    NEW_AUX_ENT(AT_SECURE, cred && cred->secureexec);
    NEW_AUX_ENT(AT_RANDOM, u_rand_bytes);
    NEW_AUX_ENT(AT_HWCAP2, ELF_HWCAP2);
    NEW_AUX_ENT(AT_EXECFN, execfn);
    NEW_AUX_ENT(AT_PLATFORM, u_platform);
    NEW_AUX_ENT(AT_NULL, 0);
#undef NEW_AUX_ENT
    return ei;
}

/* 16 bytes for AT_RANDOM, which seeds glibc's stack protector and pointer guard. */
static int random_bytes(uint8_t *buf, size_t n)
{
    while (n) {
        ssize_t got = getrandom(buf, n, 0);
        if (got < 0 && errno != EINTR)
            return -1;
        if (got > 0) {
            buf += got;
            n -= got;
        }
    }
    return 0;
}

/*
 * create_elf_tables: below the strings, aligned down to 16 bytes (arch_align_stack), the platform
 * string and the random bytes; then argc, argv[], envp[] and auxv laid out so that argc lands on
 * a 16-byte boundary (STACK_ROUND), which the x86-64 ABI requires of the initial rsp. Everything
 * from argc up is written with one copy, low to high, as Linux's __put_user sequence goes.
 */
int create_elf_tables(struct linux_binprm *bprm, const struct elf_auxv_info *info)
{
    static const char k_platform[] = ELF_PLATFORM;
    uint64_t elf_info[AT_VECTOR_SIZE] = {0};
    uint8_t k_rand_bytes[16];
    unsigned long p = bprm->p & ~15UL;
    unsigned long u_platform, u_rand_bytes, sp, items, nwords, a;
    uint64_t *tbl, *w;
    int ei, ret;

    p -= sizeof(k_platform);
    u_platform = p;
    if (put_bytes(bprm, u_platform, k_platform, sizeof(k_platform), "platform string"))
        return -1;
    if (random_bytes(k_rand_bytes, sizeof(k_rand_bytes)))
        return exec_err(bprm->err, bprm->errlen, "getrandom: %s", strerror(errno));
    p -= sizeof(k_rand_bytes);
    u_rand_bytes = p;
    if (put_bytes(bprm, u_rand_bytes, k_rand_bytes, sizeof(k_rand_bytes), "AT_RANDOM bytes"))
        return -1;

    ei = fill_auxv(elf_info, bprm, info, u_platform, u_rand_bytes, bprm->exec);
    /* the mm keeps a copy for /proc/PID/auxv, as Linux fills mm->saved_auxv */
    _Static_assert(sizeof(bprm->mm->saved_auxv) == sizeof(elf_info), "auxv sizes");
    memcpy(bprm->mm->saved_auxv, elf_info, sizeof(elf_info));
    items = (bprm->argc + 1) + (bprm->envc + 1) + 1;
    sp = (p - ei * sizeof(uint64_t) - items * sizeof(uint64_t)) & ~15UL;
    if (extend_stack_to(bprm, sp))
        return -1;

    nwords = items + ei;
    tbl = calloc(nwords, sizeof(*tbl));
    if (!tbl)
        return exec_err(bprm->err, bprm->errlen, "%s", strerror(ENOMEM));
    w = tbl;
    *w++ = bprm->argc;
    a = bprm->arg_start;
    for (int i = 0; i < bprm->argc; i++) {
        *w++ = a;
        a += strlen(bprm->argv[i]) + 1;
    }
    *w++ = 0;
    a = bprm->env_start;
    for (int i = 0; i < bprm->envc; i++) {
        *w++ = a;
        a += strlen(bprm->envp[i]) + 1;
    }
    *w++ = 0;
    memcpy(w, elf_info, ei * sizeof(uint64_t));
    ret = put_bytes(bprm, sp, tbl, nwords * sizeof(*tbl), "argument tables");
    free(tbl);
    if (ret)
        return -1;
    bprm->p = sp;
    return 0;
}
