/*
 * vdso.h - the guest's vDSO: [vvar], [vvar_vclock] and [vdso] in every new image (emu/vdso.c).
 */
#ifndef FL_VDSO_H
#define FL_VDSO_H

struct mm_struct;

/* The vDSO image as built (emu/vdso_image.c): an ELF shared object whose file is its memory. */
extern const unsigned char vdso_image_start[], vdso_image_end[];

/* After mem_init: put the image into reserved frames. 0, or -1 without memory for them. */
int vdso_init(void);

/*
 * map_vdso - arch_setup_additional_pages for a new image whose segments and interpreter are
 * mapped: [vvar] and [vvar_vclock] (no data: the vDSO does not read them) and [vdso] right
 * below the lowest mapping, where Linux 6.x puts them, their sizes the host kernel's so every
 * later mapping lands where it would natively. Returns the [vdso] address for AT_SYSINFO_EHDR,
 * or -errno.
 */
long map_vdso(struct mm_struct *mm);

#endif
