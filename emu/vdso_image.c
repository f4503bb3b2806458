/*
 * vdso_image.c - the bytes of the guest's vDSO (built from emu/vdso/ into vdso.so by CMake),
 * included here whole; emu/vdso.c copies them into the [vdso] pages.
 */
#include "emu/vdso.h"

__asm__(".section .rodata\n"
        ".balign 64\n"
        ".globl vdso_image_start\n"
        "vdso_image_start:\n"
        ".incbin \"" FL_VDSO_SO "\"\n"
        ".globl vdso_image_end\n"
        "vdso_image_end:\n"
        ".previous\n");
