/*
 * vdso.c - the guest's vDSO (arch/x86/entry/vdso/vma.c): the image in frames the kernel keeps,
 * and the special mappings each new image gets.
 *
 * The image (emu/vdso/vdso_guest.c) makes the system calls itself, so the [vvar] pages that
 * Linux's vDSO reads the clocks from hold no clock data: only, in the first word, which page of
 * [vvar_vclock] the host kernel's clock source would have the vDSO read (vdso_clock_source), so
 * that the guest's vDSO touches the pages Linux's would. Like Linux's, the pages are faulted in on
 * first access through special_mapping_fault, so the fault log shows ld.so reading the vDSO's
 * ELF header, the first call of clock_gettime fetching its code and reading [vvar].
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "emu/sys_info.h"
#include "emu/vdso.h"
#include "kernel_model/mm.h"

#define VVAR_PAGES   4 /* [vvar]: the clock data pages of Linux 6.x */
#define VCLOCK_PAGES 2 /* [vvar_vclock]: the pvclock and Hyper-V clock pages */
#define VDSO_PAGES   2 /* [vdso]: the host kernel's vDSO is two pages; the image fits in them */

static struct page *vvar_pages[VVAR_PAGES + VCLOCK_PAGES];
static struct page *vdso_pages[VDSO_PAGES];

static const struct vm_special_mapping vvar_mapping = {"[vvar]", vvar_pages, VVAR_PAGES};
static const struct vm_special_mapping vclock_mapping = {"[vvar_vclock]", vvar_pages + VVAR_PAGES,
                                                         VCLOCK_PAGES};
static const struct vm_special_mapping vdso_mapping = {"[vdso]", vdso_pages, VDSO_PAGES};

/*
 * The first word of [vvar] for the guest's vDSO: which [vvar_vclock] page a high-resolution
 * clock reads on this host (vdso_guest.c's VCLOCK_*): kvm-clock's pvclock page (1), Hyper-V's
 * TSC page (2), or none (0: the TSC, read by rdtsc, or a source the vDSO cannot use at all).
 */
static uint32_t vdso_clock_source(void)
{
    char name[64];
    host_file_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", name,
                   sizeof(name));
    if (strncmp(name, "kvm-clock", 9) == 0)
        return 1;
    if (strncmp(name, "hyperv_clocksource_tsc_page", 27) == 0)
        return 2;
    return 0;
}

int vdso_init(void)
{
    size_t size = (size_t)(vdso_image_end - vdso_image_start);
    if (size > VDSO_PAGES * PAGE_SIZE)
        return -1;
    struct page *vvar = alloc_reserved_page();
    if (!vvar)
        return -1;
    for (int i = 0; i < VVAR_PAGES + VCLOCK_PAGES; i++)
        vvar_pages[i] = vvar;
    uint32_t source = vdso_clock_source();
    memcpy(page_address(vvar), &source, sizeof(source));
    for (size_t i = 0; i < VDSO_PAGES; i++) {
        vdso_pages[i] = alloc_reserved_page();
        if (!vdso_pages[i])
            return -1;
        size_t off = i * PAGE_SIZE, n = size > off ? size - off : 0;
        memcpy(page_address(vdso_pages[i]), vdso_image_start + off, n < PAGE_SIZE ? n : PAGE_SIZE);
    }
    return 0;
}

long map_vdso(struct mm_struct *mm)
{
    unsigned long vvar_len = VVAR_PAGES * PAGE_SIZE, vclock_len = VCLOCK_PAGES * PAGE_SIZE;
    unsigned long len = vvar_len + vclock_len + VDSO_PAGES * PAGE_SIZE;
    long addr = (long)get_unmapped_area(mm, NULL, 0, len, 0, 0);
    if (addr < 0)
        return addr;
    unsigned long a = (unsigned long)addr;
    unsigned long vvar_flags = VM_READ | VM_MAYREAD | VM_IO | VM_PFNMAP | VM_DONTDUMP;
    int err = install_special_mapping(mm, a, vvar_len, vvar_flags, &vvar_mapping);
    if (!err)
        err = install_special_mapping(mm, a + vvar_len, vclock_len, vvar_flags, &vclock_mapping);
    if (!err)
        err = install_special_mapping(mm, a + vvar_len + vclock_len, VDSO_PAGES * PAGE_SIZE,
                                      VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC,
                                      &vdso_mapping);
    return err ? err : (long)(a + vvar_len + vclock_len);
}
