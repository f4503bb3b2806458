/*
 * cpuid.h - what the guest's CPU answers to CPUID, for what the kernel derives from it:
 * AT_HWCAP and /proc/cpuinfo.
 */
#ifndef FL_MMU_CPUID_H
#define FL_MMU_CPUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

/*
 * Read the CPUID leaves the kernel looks at (cpuid.c lists them) from a scratch engine of
 * Unicorn CPU model `model` (UC_CPU_X86_*), the one the guest runs on. cpu_create calls it
 * before any guest code runs; a second call for the same model does nothing. false (with the reason
 * in err) if no engine could be made; the answers are then all zero.
 */
bool cpuid_load(int model, char *err, size_t errlen);

/*
 * CPUID leaf `leaf`, subleaf `subleaf` as the guest sees it, into *r. false (and *r zeroed)
 * for a leaf cpuid_load did not read, or one above the CPU's highest basic or extended leaf
 * (the CPU's answer to those is not a feature list).
 */
bool cpuid_get(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r);

#endif
