/*
 * fpu_state: the FPU a program starts with and fxsave/fxrstor. Linux starts every program with
 * MXCSR 0x1f80 and the x87 control word 0x37f (exceptions masked, 64-bit precision), and with
 * CR4.OSFXSR set, so fxsave/fxrstor carry MXCSR and the XMM registers; ld.so's lazy-binding
 * trampoline depends on that to keep floating-point arguments alive. The long double quotient
 * shows the x87 precision. RFLAGS.IF is set in user space.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t area[512] __attribute__((aligned(64)));

int main(int argc, char **argv)
{
    (void)argv;
    unsigned mxcsr;
    unsigned short fcw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fcw));
    uint64_t rflags;
    __asm__ volatile("pushfq\n\tpopq %0" : "=r"(rflags));
    printf("start: mxcsr %#x fcw %#x; rflags.IF %d\n", mxcsr, fcw, (int)(rflags >> 9 & 1));

    double in = argc + 9.0, mid = -1, out = -1;
    __asm__ volatile("movsd %[in], %%xmm0\n\t"
                     "fxsave64 %[a]\n\t"
                     "pxor %%xmm0, %%xmm0\n\t"
                     "movsd %%xmm0, %[mid]\n\t"
                     "fxrstor64 %[a]\n\t"
                     "movsd %%xmm0, %[out]\n\t"
                     : [out] "=m"(out), [mid] "=m"(mid), [a] "+m"(area)
                     : [in] "m"(in)
                     : "xmm0");
    unsigned saved_mxcsr;
    memcpy(&saved_mxcsr, area + 24, sizeof(saved_mxcsr));
    printf("fxsave/fxrstor: xmm0 %g, cleared %g, restored %g; saved mxcsr %#x\n", in, mid, out,
           saved_mxcsr);

    volatile long double third = 1.0L / (long double)(argc + 2);
    printf("1/3 as long double: %.21Lf\n", third);
    return 0;
}
