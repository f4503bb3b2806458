/*
 * cpu_model.c - the CPU models `--cpu` accepts: the 64-bit ones of Unicorn 2.1, named as QEMU's
 * -cpu names them. The table is data, one row per model.
 */
#include <strings.h>
#include <unicorn/unicorn.h>

#include "mmu/cpu_model.h"

static const struct {
    const char *name;
    int model; /* UC_CPU_X86_* */
    const char *what;
} models[] = {
    {"qemu64", UC_CPU_X86_QEMU64, "QEMU's baseline x86-64, Unicorn's default: SSE3, no SSSE3"},
    {"kvm64", UC_CPU_X86_KVM64, "baseline x86-64 as KVM shows it"},
    {"core2duo", UC_CPU_X86_CORE2DUO, "Intel Core 2 Duo: SSSE3"},
    {"phenom", UC_CPU_X86_PHENOM, "AMD Phenom"},
    {"conroe", UC_CPU_X86_CONROE, "Intel Celeron_4x0 (Conroe)"},
    {"penryn", UC_CPU_X86_PENRYN, "Intel Core 2 (Penryn): SSE4.1"},
    {"nehalem", UC_CPU_X86_NEHALEM, "Intel Core i7 (Nehalem): x86-64-v2"},
    {"westmere", UC_CPU_X86_WESTMERE, "Intel Westmere: x86-64-v2, AES"},
    {"sandybridge", UC_CPU_X86_SANDYBRIDGE, "Intel Sandy Bridge"},
    {"ivybridge", UC_CPU_X86_IVYBRIDGE, "Intel Ivy Bridge"},
    {"haswell", UC_CPU_X86_HASWELL, "Intel Haswell"},
    {"broadwell", UC_CPU_X86_BROADWELL, "Intel Broadwell"},
    {"skylake-client", UC_CPU_X86_SKYLAKE_CLIENT, "Intel Skylake"},
    {"skylake-server", UC_CPU_X86_SKYLAKE_SERVER, "Intel Xeon Skylake"},
    {"cascadelake-server", UC_CPU_X86_CASCADELAKE_SERVER, "Intel Xeon Cascade Lake"},
    {"cooperlake", UC_CPU_X86_COOPERLAKE, "Intel Xeon Cooper Lake"},
    {"icelake-client", UC_CPU_X86_ICELAKE_CLIENT, "Intel Ice Lake"},
    {"icelake-server", UC_CPU_X86_ICELAKE_SERVER, "Intel Xeon Ice Lake"},
    {"denverton", UC_CPU_X86_DENVERTON, "Intel Atom Denverton"},
    {"snowridge", UC_CPU_X86_SNOWRIDGE, "Intel Atom Snow Ridge"},
    {"knightsmill", UC_CPU_X86_KNIGHTSMILL, "Intel Xeon Phi Knights Mill"},
    {"opteron-g1", UC_CPU_X86_OPTERON_G1, "AMD Opteron 240"},
    {"opteron-g2", UC_CPU_X86_OPTERON_G2, "AMD Opteron 22xx"},
    {"opteron-g3", UC_CPU_X86_OPTERON_G3, "AMD Opteron 23xx"},
    {"opteron-g4", UC_CPU_X86_OPTERON_G4, "AMD Opteron 62xx"},
    {"opteron-g5", UC_CPU_X86_OPTERON_G5, "AMD Opteron 63xx"},
    {"epyc", UC_CPU_X86_EPYC, "AMD EPYC (Zen)"},
    {"dhyana", UC_CPU_X86_DHYANA, "Hygon Dhyana"},
    {"epyc-rome", UC_CPU_X86_EPYC_ROME, "AMD EPYC-Rome (Zen 2; the default)"},
};

int cpu_model_by_name(const char *name)
{
    for (size_t i = 0; name && i < sizeof(models) / sizeof(models[0]); i++)
        if (!strcasecmp(name, models[i].name))
            return models[i].model;
    return -1;
}

void cpu_model_list(FILE *f)
{
    fprintf(f, "CPU models (--cpu NAME), as QEMU defines them, minus the features Unicorn's code\n"
               "generator cannot run (AVX, AVX2, FMA, F16C):\n");
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
        fprintf(f, "  %-20s %s\n", models[i].name, models[i].what);
}
