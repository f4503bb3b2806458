/*
 * cpu_model.h - the CPU the guest sees (CPUID): Unicorn's x86-64 models by their QEMU names,
 * for `--cpu`.
 */
#ifndef FL_MMU_CPU_MODEL_H
#define FL_MMU_CPU_MODEL_H

#include <stdio.h>

/*
 * The default: AMD EPYC-Rome as QEMU defines it, minus what Unicorn's code generator cannot
 * run (it filters CPUID by what TCG implements: no AVX, AVX2, FMA, F16C). That leaves
 * x86-64-v2 and more (SSSE3, SSE4.1/4.2, POPCNT, CX16, LAHF; also MOVBE, AES, PCLMULQDQ,
 * RDRAND, RDTSCP, BMI1/2, ADX, XSAVE), and no ERMS, so glibc keeps its SSE copy loops rather
 * than `rep movsb`, which the engine runs byte by byte. Unicorn's own default, qemu64, is the
 * 2003 baseline: a binary built for x86-64-v2 dies on its first POPCNT.
 */
#define CPU_MODEL_DEFAULT "epyc-rome"

/* Unicorn's UC_CPU_X86_* value of a model name (case-insensitive), or -1 if there is none. */
int cpu_model_by_name(const char *name);

/* The model names, one per line with what each is, for `--cpu help`. */
void cpu_model_list(FILE *f);

#endif
