/*
 * cpuid.c - the guest CPU's CPUID answers, read once from a scratch engine.
 *
 * Unicorn decides CPUID from the model (QEMU's definition, minus the features its code
 * generator cannot run) and has no call that returns it, and the guest's own engine cannot run
 * a probe before the guest has page tables. A second engine of the same model, with a page of
 * its own holding one CPUID instruction, answers the same: the leaves are a function of the
 * model alone (one CPU, APIC id 0). The engine is closed again at once; with a 1 MiB code
 * buffer (the least Unicorn takes) it costs about a millisecond.
 */
#include <stdio.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "mmu/cpuid.h"

/* The (leaf, subleaf) pairs Linux 4.20's get_cpu_cap, init_scattered_cpuid_features and
 * show_cpuinfo read, plus the brand string. */
static const uint32_t wanted[][2] = {
    {0x0, 0},        {0x1, 0},        {0x6, 0},        {0x7, 0},        {0xd, 1},
    {0x80000000, 0}, {0x80000001, 0}, {0x80000002, 0}, {0x80000003, 0}, {0x80000004, 0},
    {0x80000005, 0}, {0x80000006, 0}, {0x80000007, 0}, {0x80000008, 0}, {0x8000000a, 0},
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

static struct cpuid_regs answers[NWANTED];
static int loaded_model = -1;

#define PROBE_ADDR 0x1000UL

bool cpuid_load(int model, char *err, size_t errlen)
{
    static const uint8_t cpuid_insn[] = {0x0f, 0xa2};
    uc_engine *uc = NULL;
    uc_err e;

    if (model == loaded_model)
        return true;
    loaded_model = -1;
    memset(answers, 0, sizeof(answers));
    e = uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
    if (e == UC_ERR_OK)
        e = uc_ctl_set_cpu_model(uc, model);
    if (e == UC_ERR_OK)
        e = uc_ctl_set_tcg_buffer_size(uc, 1U << 20);
    if (e == UC_ERR_OK)
        e = uc_mem_map(uc, PROBE_ADDR, 0x1000, UC_PROT_READ | UC_PROT_EXEC);
    if (e == UC_ERR_OK)
        e = uc_mem_write(uc, PROBE_ADDR, cpuid_insn, sizeof(cpuid_insn));
    for (size_t i = 0; e == UC_ERR_OK && i < NWANTED; i++) {
        uint64_t rax = wanted[i][0], rcx = wanted[i][1], rbx = 0, rdx = 0;
        e = uc_reg_write(uc, UC_X86_REG_RAX, &rax);
        if (e == UC_ERR_OK)
            e = uc_reg_write(uc, UC_X86_REG_RCX, &rcx);
        if (e == UC_ERR_OK)
            e = uc_emu_start(uc, PROBE_ADDR, PROBE_ADDR + sizeof(cpuid_insn), 0, 0);
        if (e == UC_ERR_OK)
            e = uc_reg_read(uc, UC_X86_REG_RAX, &rax);
        if (e == UC_ERR_OK)
            e = uc_reg_read(uc, UC_X86_REG_RBX, &rbx);
        if (e == UC_ERR_OK)
            e = uc_reg_read(uc, UC_X86_REG_RCX, &rcx);
        if (e == UC_ERR_OK)
            e = uc_reg_read(uc, UC_X86_REG_RDX, &rdx);
        answers[i] =
            (struct cpuid_regs){(uint32_t)rax, (uint32_t)rbx, (uint32_t)rcx, (uint32_t)rdx};
    }
    if (uc)
        uc_close(uc);
    if (e != UC_ERR_OK) {
        memset(answers, 0, sizeof(answers));
        snprintf(err, errlen, "cannot read the CPU model's CPUID: %s", uc_strerror(e));
        return false;
    }
    loaded_model = model;
    return true;
}

/* The row read for (leaf, subleaf), or NULL. */
static const struct cpuid_regs *answer(uint32_t leaf, uint32_t subleaf)
{
    for (size_t i = 0; i < NWANTED; i++)
        if (wanted[i][0] == leaf && wanted[i][1] == subleaf)
            return &answers[i];
    return NULL;
}

bool cpuid_get(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
    /* leaf 0 and leaf 0x80000000 give the highest basic and extended leaves */
    const struct cpuid_regs *top = answer(leaf < 0x80000000 ? 0 : 0x80000000, 0);
    const struct cpuid_regs *a = answer(leaf, subleaf);

    memset(r, 0, sizeof(*r));
    if (!a || leaf > top->eax)
        return false;
    *r = *a;
    return true;
}
