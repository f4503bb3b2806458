/*
 * exec_elf.c - exec_load: an ELF executable into a fresh mm (fs/binfmt_elf.c load_elf_binary,
 * elf_map, set_brk, padzero of Linux 4.20), without randomization: the layout `setarch -R` gives.
 *
 * The order is Linux's: the arguments first (they can still fail with E2BIG before anything is
 * mapped, and their copy makes the stack VMA), then the PT_LOAD segments, the .bss and brk, the
 * interpreter if any, and last the tables on the stack, which need every address known.
 *
 * Where it goes (ET_EXEC: where the headers say; ET_DYN: one block placed as a whole, the
 * segments keeping their distances):
 *   ET_EXEC                  load_bias 0
 *   ET_DYN with PT_INTERP    a PIE program: at ELF_ET_DYN_BASE (0x555555554000), MAP_FIXED
 *   ET_DYN without           static-PIE or a loader run directly: wherever get_unmapped_area
 *                            puts the whole span, top-down from mm->mmap_base
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu/binfmt.h"
#include "emu/exec.h"
#include "emu/hostfile.h"
#include "emu/linux_abi.h"
#include "emu/proc.h"
#include "emu/vdso.h"
#include "kernel_model/mm.h"
#include "mmu/uaccess.h"

/*
 * elf_map: map the file part of one PT_LOAD. addr is where its p_vaddr goes; the mapping starts at
 * that page, and covers p_filesz plus the offset into the page, from the file page holding
 * p_offset. A segment with no file bytes maps nothing (mmap would refuse a zero length) and
 * returns addr's page.
 *
 * total_size is non-zero for the first segment of an ET_DYN image only: then the whole span of
 * the image is mapped at once, so that get_unmapped_area finds room for all of it, and the part
 * beyond this segment is unmapped again (the later segments go there with MAP_FIXED).
 * Returns the mapped address or -errno.
 */
long elf_map(struct mm_struct *mm, struct file *file, unsigned long addr, const Elf64_Phdr *ph,
             int prot, int type, unsigned long total_size)
{
    unsigned long size = ph->p_filesz + ELF_PAGEOFFSET(ph->p_vaddr);
    unsigned long off = ph->p_offset - ELF_PAGEOFFSET(ph->p_vaddr);
    long map_addr;

    addr = ELF_PAGESTART(addr);
    size = ELF_PAGEALIGN(size);
    if (!size)
        return addr;
    if (total_size) {
        total_size = ELF_PAGEALIGN(total_size);
        map_addr = do_mmap(mm, file, addr, total_size, prot, type, off >> PAGE_SHIFT);
        if (map_addr >= 0 && total_size > size)
            do_munmap(mm, map_addr + size, total_size - size);
    } else {
        map_addr = do_mmap(mm, file, addr, size, prot, type, off >> PAGE_SHIFT);
    }
    return map_addr;
}

unsigned long total_mapping_size(const Elf64_Phdr *phdr, int phnum)
{
    int first = -1, last = -1;

    for (int i = 0; i < phnum; i++) {
        if (phdr[i].p_type == PT_LOAD) {
            last = i;
            if (first == -1)
                first = i;
        }
    }
    if (first == -1)
        return 0;
    return phdr[last].p_vaddr + phdr[last].p_memsz - ELF_PAGESTART(phdr[first].p_vaddr);
}

/*
 * padzero: the last file page of a segment holds file bytes past p_filesz (the start of the next
 * section in the file); .bss must read as zero there. This is a kernel-mode write into a private
 * file mapping: in the model it faults in a COW copy of the page, exactly as in Linux.
 */
int padzero(struct task_struct *tsk, unsigned long elf_bss)
{
    unsigned long nbyte = ELF_PAGEOFFSET(elf_bss);

    if (nbyte) {
        nbyte = ELF_MIN_ALIGN - nbyte;
        if (clear_user(tsk, elf_bss, nbyte))
            return -EFAULT;
    }
    return 0;
}

/* The layout load_elf_binary computes while it maps. */
struct elf_layout {
    unsigned long load_bias; /* added to every p_vaddr */
    unsigned long load_addr; /* p_vaddr - p_offset of the first PT_LOAD, biased */
    unsigned long start_code, end_code, start_data, end_data;
    unsigned long elf_bss, elf_brk; /* end of the file bytes, end of memory */
    int bss_prot;
};

/*
 * MAP_FIXED replaces whatever is there. Linux 4.17-4.20 used MAP_FIXED_NOREPLACE here, which 5.0
 * reverted because some binaries overlap their own segments; we follow 5.0 but still refuse to
 * silently replace the stack, the one other mapping an exec has at this point.
 */
static int check_stack_clash(struct linux_binprm *bprm, unsigned long start, unsigned long end,
                             const char *what)
{
    if (end > bprm->vma_start && start < STACK_TOP)
        return exec_err(bprm->err, bprm->errlen,
                        "%s at 0x%lx-0x%lx overlaps the stack (0x%lx-0x%lx)", what, start, end,
                        bprm->vma_start, (unsigned long)STACK_TOP);
    return 0;
}

/* set_brk: anonymous pages for the .bss beyond the last file page; brk starts after them. */
static int set_brk(struct linux_binprm *bprm, unsigned long start, unsigned long end, int prot)
{
    int error;

    start = ELF_PAGEALIGN(start);
    end = ELF_PAGEALIGN(end);
    if (end > start) {
        if (check_stack_clash(bprm, start, end, ".bss"))
            return -1;
        error = vm_brk_flags(bprm->mm, start, end - start, (prot & PROT_EXEC) ? VM_EXEC : 0);
        if (error)
            return exec_err(bprm->err, bprm->errlen, "cannot map .bss at 0x%lx-0x%lx: %s", start,
                            end, strerror(error < 0 ? -error : ENOMEM));
    }
    bprm->mm->start_brk = bprm->mm->brk = end;
    return 0;
}

/*
 * The bss of a PT_LOAD that is not the last one (rare: only odd linker scripts make it) is set up
 * before the next segment is mapped. A failure of the zeroing is ignored, as Linux does: the
 * segment may simply not be writable.
 */
static int early_bss(struct linux_binprm *bprm, struct elf_layout *L)
{
    unsigned long nbyte;

    if (set_brk(bprm, L->elf_bss + L->load_bias, L->elf_brk + L->load_bias, L->bss_prot))
        return -1;
    nbyte = ELF_PAGEOFFSET(L->elf_bss);
    if (nbyte) {
        nbyte = ELF_MIN_ALIGN - nbyte;
        if (nbyte > L->elf_brk - L->elf_bss)
            nbyte = L->elf_brk - L->elf_bss;
        (void)clear_user(bprm->tsk, L->elf_bss + L->load_bias, nbyte);
    }
    return 0;
}

/* Where the first PT_LOAD of an ET_DYN image asks to go, and with which flags. */
static int dyn_placement(struct linux_binprm *bprm, const struct elf_image *im,
                         const Elf64_Phdr *ph, struct elf_layout *L, int *flags,
                         unsigned long *total_size)
{
    /* A PIE program goes at ELF_ET_DYN_BASE, away from the mmap area where its interpreter will
     * be. An image without an interpreter (static-PIE, or ld.so run directly) is a loader
     * itself: bias 0 without MAP_FIXED, so get_unmapped_area places it in the mmap area. */
    if (im->interp) {
        L->load_bias = ELF_ET_DYN_BASE;
        *flags |= MAP_FIXED;
    } else {
        L->load_bias = 0;
    }
    /* Lowered by the first vaddr, so that load_bias + p_vaddr is the address for every one. */
    L->load_bias = ELF_PAGESTART(L->load_bias - ph->p_vaddr);
    *total_size = total_mapping_size(im->phdr, im->ehdr.e_phnum);
    /* elf_map maps nothing for a segment without file bytes, and the image could not be placed. */
    if (!*total_size || !ph->p_filesz)
        return exec_err(bprm->err, bprm->errlen,
                        "the first PT_LOAD of a position-independent executable maps no file "
                        "bytes; it cannot be placed");
    return 0;
}

/* Map every PT_LOAD and fill L (the loop of load_elf_binary). */
static int map_segments(struct linux_binprm *bprm, const struct elf_image *im, struct file *file,
                        struct elf_layout *L)
{
    bool load_addr_set = false;

    L->start_code = ~0UL;
    for (int i = 0; i < im->ehdr.e_phnum; i++) {
        const Elf64_Phdr *ph = &im->phdr[i];
        int prot = elf_prot(ph->p_flags), flags = MAP_PRIVATE;
        unsigned long total_size = 0, k;
        long map;

        if (ph->p_type != PT_LOAD)
            continue;
        if (L->elf_brk > L->elf_bss && early_bss(bprm, L))
            return -1;

        if (im->ehdr.e_type == ET_EXEC || load_addr_set)
            flags |= MAP_FIXED;
        else if (dyn_placement(bprm, im, ph, L, &flags, &total_size))
            return -1;

        if ((flags & MAP_FIXED) && (ph->p_filesz || total_size)) {
            unsigned long start = ELF_PAGESTART(L->load_bias + ph->p_vaddr);
            unsigned long end = total_size
                                    ? start + ELF_PAGEALIGN(total_size)
                                    : ELF_PAGEALIGN(L->load_bias + ph->p_vaddr + ph->p_filesz);
            char what[32];

            snprintf(what, sizeof(what), "PT_LOAD segment %d", i);
            if (check_stack_clash(bprm, start, end, what))
                return -1;
        }
        map = elf_map(bprm->mm, file, L->load_bias + ph->p_vaddr, ph, prot, flags, total_size);
        if (map < 0 || (unsigned long)map >= TASK_SIZE)
            return exec_err(bprm->err, bprm->errlen, "cannot map PT_LOAD segment %d at 0x%lx: %s",
                            i, (unsigned long)(L->load_bias + ph->p_vaddr),
                            strerror(map < 0 ? -map : EINVAL));

        if (!load_addr_set) {
            load_addr_set = true;
            L->load_addr = ph->p_vaddr - ph->p_offset;
            if (im->ehdr.e_type == ET_DYN) {
                /* where get_unmapped_area put it, relative to where we asked */
                L->load_bias += map - ELF_PAGESTART(L->load_bias + ph->p_vaddr);
                L->load_addr += L->load_bias;
            }
        }
        /* start_data is the highest segment start, as Linux computes it. */
        k = ph->p_vaddr;
        if (k < L->start_code)
            L->start_code = k;
        if (L->start_data < k)
            L->start_data = k;
        k = ph->p_vaddr + ph->p_filesz;
        if (k > L->elf_bss)
            L->elf_bss = k;
        if ((ph->p_flags & PF_X) && L->end_code < k)
            L->end_code = k;
        if (L->end_data < k)
            L->end_data = k;
        k = ph->p_vaddr + ph->p_memsz;
        if (k > L->elf_brk) {
            L->bss_prot = prot;
            L->elf_brk = k;
        }
    }
    L->elf_bss += L->load_bias;
    L->elf_brk += L->load_bias;
    L->start_code += L->load_bias;
    L->end_code += L->load_bias;
    L->start_data += L->load_bias;
    L->end_data += L->load_bias;
    return 0;
}

/*
 * AT_PHDR. Linux 4.20 says load_addr + e_phoff, right only when the first PT_LOAD maps the file
 * from offset 0; Linux 5.18 (0da1d5002745) takes PT_PHDR, else the PT_LOAD that holds the headers.
 * We do what 5.18 does, falling back to 4.20's value when neither exists.
 */
static unsigned long phdr_addr(const struct elf_image *im, const struct elf_layout *L)
{
    uint64_t phoff = im->ehdr.e_phoff;
    uint64_t size = (uint64_t)im->ehdr.e_phnum * sizeof(Elf64_Phdr);

    for (int i = 0; i < im->ehdr.e_phnum; i++)
        if (im->phdr[i].p_type == PT_PHDR)
            return im->phdr[i].p_vaddr + L->load_bias;
    for (int i = 0; i < im->ehdr.e_phnum; i++) {
        const Elf64_Phdr *ph = &im->phdr[i];
        if (ph->p_type == PT_LOAD && ph->p_offset <= phoff &&
            phoff + size <= ph->p_offset + ph->p_filesz)
            return ph->p_vaddr + (phoff - ph->p_offset) + L->load_bias;
    }
    return L->load_addr + phoff;
}

/* Everything after the stack exists: segments, bss and brk, interpreter, tables, mm fields. */
static int load_image(struct linux_binprm *bprm, const struct elf_image *im, struct file *file,
                      struct exec_image *img)
{
    struct mm_struct *mm = bprm->mm;
    struct elf_layout L = {0};
    struct elf_auxv_info info;
    unsigned long elf_entry, interp_base = 0;

    if (map_segments(bprm, im, file, &L))
        return -1;
    /* before the interpreter is mapped, so that it cannot land where the bss must go */
    if (set_brk(bprm, L.elf_bss, L.elf_brk, L.bss_prot))
        return -1;
    if (L.elf_bss != L.elf_brk && padzero(bprm->tsk, L.elf_bss))
        return exec_err(bprm->err, bprm->errlen,
                        "cannot zero the .bss tail at 0x%lx: its segment is not writable",
                        L.elf_bss);

    info.entry = im->ehdr.e_entry + L.load_bias;
    if (im->interp) {
        if (load_elf_interp(bprm, im->interp, L.load_bias, &interp_base, &elf_entry))
            return -1;
    } else {
        elf_entry = info.entry;
    }
    if (elf_entry >= TASK_SIZE)
        return exec_err(bprm->err, bprm->errlen, "entry point 0x%lx lies outside user space",
                        elf_entry);

    /* ARCH_SETUP_ADDITIONAL_PAGES: after the interpreter, as load_elf_binary does */
    long vdso = map_vdso(mm);
    if (vdso < 0)
        return exec_err(bprm->err, bprm->errlen, "cannot map the vDSO: %s", strerror((int)-vdso));
    info.sysinfo_ehdr = (unsigned long)vdso;
    info.phdr = phdr_addr(im, &L);
    info.phnum = im->ehdr.e_phnum;
    info.base = interp_base;
    if (create_elf_tables(bprm, &info))
        return -1;

    mm->start_code = L.start_code;
    mm->end_code = L.end_code;
    mm->start_data = L.start_data;
    mm->end_data = L.end_data;
    mm->start_stack = bprm->p;
    mm->arg_start = bprm->arg_start;
    mm->arg_end = bprm->arg_end;
    mm->env_start = bprm->env_start;
    mm->env_end = bprm->env_end;

    img->entry = elf_entry;
    img->stack_ptr = bprm->p;
    img->load_bias = L.load_bias;
    return 0;
}

int exec_load(struct proc *p, const char *path, char *const argv[], char *const envp[],
              const struct exec_cred *cred, struct exec_image *img, char *err, size_t errlen)
{
    struct linux_binprm bprm = {
        .tsk = &p->task,
        .mm = p->task.mm,
        .filename = path,
        .argv = argv,
        .envp = envp,
        .cred = cred,
        .sysroot = (p->emu && p->emu->opt) ? p->emu->opt->sysroot : NULL,
        .rlim_stack = p->task.rlimit_stack ? p->task.rlimit_stack : _STK_LIM,
        .err = err,
        .errlen = errlen,
    };
    struct elf_image im;
    struct file *file = NULL;
    int ret = -1;
    int fd = elf_open(path, err, errlen);

    if (fd < 0)
        return -1;
    if (elf_read_image(fd, &im, err, errlen)) {
        close(fd);
        return -1;
    }
    if (elf_check_supported(&im, err, errlen))
        goto out;
    file = hostfile_map_file(fd, path, true, false);
    if (!file) {
        exec_err(err, errlen, "cannot open for mapping: %s", strerror(errno));
        goto out;
    }

    /* too many or too long arguments are the caller's E2BIG, not a bad file */
    if ((ret = prepare_arg_pages(&bprm)) < 0)
        goto out;
    ret = -1;
    if (setup_arg_pages(&bprm, im.executable_stack) || copy_strings(&bprm))
        goto out;
    ret = load_image(&bprm, &im, file, img);
out:
    if (file)
        fput(file); /* the VMAs hold their own references */
    elf_image_free(&im);
    close(fd);
    return ret;
}
