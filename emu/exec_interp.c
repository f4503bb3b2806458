/*
 * exec_interp.c - the program interpreter of a dynamically linked executable (PT_INTERP, usually
 * /lib64/ld-linux-x86-64.so.2): load_elf_interp of fs/binfmt_elf.c, Linux 4.20.
 *
 * Enabled by FL_EXEC_INTERP (binfmt.h). What an interpreter changes elsewhere: the PIE program
 * goes at ELF_ET_DYN_BASE (exec_elf.c), the interpreter itself top-down from mmap_base (an
 * ET_DYN interpreter is mapped without a fixed address), AT_BASE carries *base and the process
 * starts at the interpreter's entry.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emu/binfmt.h"
#include "emu/hostfile.h"
#include "emu/linux_abi.h"
#include "kernel_model/mm.h"

/* Map the interpreter's segments and the bss of its last one; its load address goes to
 * *load_addr_out. 0, or -1 with the reason in err. */
static int map_interp(struct linux_binprm *bprm, const struct elf_image *im, struct file *file,
                      unsigned long no_base, unsigned long *load_addr_out, char *err, size_t errlen)
{
    unsigned long load_addr = 0, elf_bss = 0, last_bss = 0;
    unsigned long total_size = total_mapping_size(im->phdr, im->ehdr.e_phnum);
    int load_addr_set = 0, bss_prot = 0, error;

    for (int i = 0; i < im->ehdr.e_phnum; i++) {
        const Elf64_Phdr *ph = &im->phdr[i];
        int type = MAP_PRIVATE, prot = elf_prot(ph->p_flags);
        unsigned long vaddr = ph->p_vaddr, k;
        long map_addr;

        if (ph->p_type != PT_LOAD)
            continue;
        /* Linux 4.20 keeps MAP_FIXED_NOREPLACE for the interpreter (5.0 reverted it for the
         * program only): it must not land on the program. */
        if (im->ehdr.e_type == ET_EXEC || load_addr_set)
            type |= MAP_FIXED | MAP_FIXED_NOREPLACE;
        else if (no_base && im->ehdr.e_type == ET_DYN)
            load_addr = -vaddr;

        map_addr = elf_map(bprm->mm, file, load_addr + vaddr, ph, prot, type, total_size);
        total_size = 0;
        if (map_addr < 0 || (unsigned long)map_addr >= TASK_SIZE)
            return exec_err(err, errlen, "cannot map PT_LOAD segment %d: %s", i,
                            strerror(map_addr < 0 ? -map_addr : EINVAL));
        if (!load_addr_set && im->ehdr.e_type == ET_DYN) {
            load_addr = map_addr - ELF_PAGESTART(vaddr);
            load_addr_set = 1;
        }
        k = load_addr + ph->p_vaddr + ph->p_filesz;
        if (k > elf_bss)
            elf_bss = k;
        k = load_addr + ph->p_vaddr + ph->p_memsz;
        if (k > last_bss) {
            last_bss = k;
            bss_prot = prot;
        }
    }

    /* Zero the rest of the last file page, then anonymous pages for the remaining bss. */
    if (padzero(bprm->tsk, elf_bss))
        return exec_err(err, errlen, "cannot zero the .bss tail at 0x%lx", elf_bss);
    elf_bss = ELF_PAGEALIGN(elf_bss);
    last_bss = ELF_PAGEALIGN(last_bss);
    if (last_bss > elf_bss) {
        error = vm_brk_flags(bprm->mm, elf_bss, last_bss - elf_bss,
                             (bss_prot & PROT_EXEC) ? VM_EXEC : 0);
        if (error)
            return exec_err(err, errlen, "cannot map .bss: %s",
                            strerror(error < 0 ? -error : ENOMEM));
    }
    *load_addr_out = load_addr;
    return 0;
}

int load_elf_interp(struct linux_binprm *bprm, const char *interp, unsigned long no_base,
                    unsigned long *base, unsigned long *entry)
{
    char path[PATH_MAX], why[256];
    struct elf_image im;
    struct file *file = NULL;
    int fd, ret = -1;

    /* The interpreter path is the guest's: like every absolute guest path (path.h), it is looked
     * up under the sysroot first and taken from the host when the sysroot does not have it, as
     * qemu-user's -L does. */
    if (bprm->sysroot && interp[0] == '/') {
        snprintf(path, sizeof(path), "%s%s", bprm->sysroot, interp);
        if (access(path, F_OK) != 0)
            snprintf(path, sizeof(path), "%s", interp);
    } else {
        snprintf(path, sizeof(path), "%s", interp);
    }

    fd = elf_open(path, why, sizeof(why));
    if (fd < 0)
        return exec_err(bprm->err, bprm->errlen, "interpreter %s: %s", path, why);
    if (elf_read_image(fd, &im, why, sizeof(why))) {
        close(fd);
        return exec_err(bprm->err, bprm->errlen, "interpreter %s: %s", path, why);
    }
    file = hostfile_map_file(fd, path, true, false);
    if (!file) {
        snprintf(why, sizeof(why), "cannot open for mapping: %s", strerror(errno));
        goto out;
    }
    if (map_interp(bprm, &im, file, no_base, base, why, sizeof(why)))
        goto out;
    *entry = *base + im.ehdr.e_entry;
    ret = 0;
out:
    if (ret)
        exec_err(bprm->err, bprm->errlen, "interpreter %s: %s", path, why);
    if (file)
        fput(file);
    elf_image_free(&im);
    close(fd);
    return ret;
}
