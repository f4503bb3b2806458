/*
 * proc_cpu.c - /proc/cpuinfo, /proc/stat and /sys/devices/system/cpu/{online,possible,present}
 * for one CPU of the emulated model (see proc_cpu.h).
 *
 * /proc/cpuinfo follows Linux 4.20's arch/x86/kernel/cpu/proc.c (show_cpuinfo) with the fields
 * the kernel takes from CPUID computed as its identify_cpu does (family, model and stepping
 * from leaf 1, the brand string, the L2 size of leaf 0x80000006, address sizes, the flags by
 * their cpufeatures.h names in its word order). What the kernel measures rather than reads
 * (cpu MHz, bogomips) is the host's, since the guest's clocks and TSC are the host's. Not
 * shown: microcode (the model has none), the bugs (the kernel derives them from model lists and
 * MSRs; an emulated CPU does not speculate) and AMD's TLB size.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cpu_bugs.h"
#include "emu/path.h"
#include "emu/proc_cpu.h"
#include "emu/procfs.h"
#include "emu/text.h"
#include "mmu/cpuid.h"

enum reg { EAX, EBX, ECX, EDX, ALWAYS };

/*
 * The flags /proc/cpuinfo names, in the order Linux 4.20 prints them (capability word, then
 * bit): one row per flag, with the CPUID leaf, subleaf, register and bit it comes from. Bits the
 * kernel hides ("" in cpufeatures.h) have no row. Of the kernel's synthetic word 3 only what
 * follows from CPUID alone, and nopl and cpuid, which every x86-64 CPU gets.
 */
static const struct flag {
    uint32_t leaf, subleaf;
    enum reg reg;
    unsigned bit;
    const char *name;
} flags[] = {
    /* word 0: CPUID 1 EDX */
    {1, 0, EDX, 0, "fpu"},
    {1, 0, EDX, 1, "vme"},
    {1, 0, EDX, 2, "de"},
    {1, 0, EDX, 3, "pse"},
    {1, 0, EDX, 4, "tsc"},
    {1, 0, EDX, 5, "msr"},
    {1, 0, EDX, 6, "pae"},
    {1, 0, EDX, 7, "mce"},
    {1, 0, EDX, 8, "cx8"},
    {1, 0, EDX, 9, "apic"},
    {1, 0, EDX, 11, "sep"},
    {1, 0, EDX, 12, "mtrr"},
    {1, 0, EDX, 13, "pge"},
    {1, 0, EDX, 14, "mca"},
    {1, 0, EDX, 15, "cmov"},
    {1, 0, EDX, 16, "pat"},
    {1, 0, EDX, 17, "pse36"},
    {1, 0, EDX, 18, "pn"},
    {1, 0, EDX, 19, "clflush"},
    {1, 0, EDX, 21, "dts"},
    {1, 0, EDX, 22, "acpi"},
    {1, 0, EDX, 23, "mmx"},
    {1, 0, EDX, 24, "fxsr"},
    {1, 0, EDX, 25, "sse"},
    {1, 0, EDX, 26, "sse2"},
    {1, 0, EDX, 27, "ss"},
    {1, 0, EDX, 28, "ht"},
    {1, 0, EDX, 29, "tm"},
    {1, 0, EDX, 30, "ia64"},
    {1, 0, EDX, 31, "pbe"},
    /* word 1: CPUID 0x80000001 EDX, the bits that do not repeat leaf 1's */
    {0x80000001, 0, EDX, 11, "syscall"},
    {0x80000001, 0, EDX, 19, "mp"},
    {0x80000001, 0, EDX, 20, "nx"},
    {0x80000001, 0, EDX, 22, "mmxext"},
    {0x80000001, 0, EDX, 25, "fxsr_opt"},
    {0x80000001, 0, EDX, 26, "pdpe1gb"},
    {0x80000001, 0, EDX, 27, "rdtscp"},
    {0x80000001, 0, EDX, 29, "lm"},
    {0x80000001, 0, EDX, 30, "3dnowext"},
    {0x80000001, 0, EDX, 31, "3dnow"},
    /* word 3: Linux's own; an invariant TSC (0x80000007 EDX 8) gives both TSC flags */
    {0x80000007, 0, EDX, 8, "constant_tsc"},
    {0, 0, ALWAYS, 0, "nopl"},
    {0x80000007, 0, EDX, 8, "nonstop_tsc"},
    {0, 0, ALWAYS, 0, "cpuid"},
    {6, 0, ECX, 0, "aperfmperf"},
    /* word 4: CPUID 1 ECX */
    {1, 0, ECX, 0, "pni"},
    {1, 0, ECX, 1, "pclmulqdq"},
    {1, 0, ECX, 2, "dtes64"},
    {1, 0, ECX, 3, "monitor"},
    {1, 0, ECX, 4, "ds_cpl"},
    {1, 0, ECX, 5, "vmx"},
    {1, 0, ECX, 6, "smx"},
    {1, 0, ECX, 7, "est"},
    {1, 0, ECX, 8, "tm2"},
    {1, 0, ECX, 9, "ssse3"},
    {1, 0, ECX, 10, "cid"},
    {1, 0, ECX, 11, "sdbg"},
    {1, 0, ECX, 12, "fma"},
    {1, 0, ECX, 13, "cx16"},
    {1, 0, ECX, 14, "xtpr"},
    {1, 0, ECX, 15, "pdcm"},
    {1, 0, ECX, 17, "pcid"},
    {1, 0, ECX, 18, "dca"},
    {1, 0, ECX, 19, "sse4_1"},
    {1, 0, ECX, 20, "sse4_2"},
    {1, 0, ECX, 21, "x2apic"},
    {1, 0, ECX, 22, "movbe"},
    {1, 0, ECX, 23, "popcnt"},
    {1, 0, ECX, 24, "tsc_deadline_timer"},
    {1, 0, ECX, 25, "aes"},
    {1, 0, ECX, 26, "xsave"},
    {1, 0, ECX, 28, "avx"},
    {1, 0, ECX, 29, "f16c"},
    {1, 0, ECX, 30, "rdrand"},
    {1, 0, ECX, 31, "hypervisor"},
    /* word 6: CPUID 0x80000001 ECX */
    {0x80000001, 0, ECX, 0, "lahf_lm"},
    {0x80000001, 0, ECX, 1, "cmp_legacy"},
    {0x80000001, 0, ECX, 2, "svm"},
    {0x80000001, 0, ECX, 3, "extapic"},
    {0x80000001, 0, ECX, 4, "cr8_legacy"},
    {0x80000001, 0, ECX, 5, "abm"},
    {0x80000001, 0, ECX, 6, "sse4a"},
    {0x80000001, 0, ECX, 7, "misalignsse"},
    {0x80000001, 0, ECX, 8, "3dnowprefetch"},
    {0x80000001, 0, ECX, 9, "osvw"},
    {0x80000001, 0, ECX, 10, "ibs"},
    {0x80000001, 0, ECX, 11, "xop"},
    {0x80000001, 0, ECX, 12, "skinit"},
    {0x80000001, 0, ECX, 13, "wdt"},
    {0x80000001, 0, ECX, 15, "lwp"},
    {0x80000001, 0, ECX, 16, "fma4"},
    {0x80000001, 0, ECX, 17, "tce"},
    {0x80000001, 0, ECX, 19, "nodeid_msr"},
    {0x80000001, 0, ECX, 21, "tbm"},
    {0x80000001, 0, ECX, 22, "topoext"},
    {0x80000001, 0, ECX, 23, "perfctr_core"},
    {0x80000001, 0, ECX, 24, "perfctr_nb"},
    {0x80000001, 0, ECX, 26, "bpext"},
    {0x80000001, 0, ECX, 27, "ptsc"},
    {0x80000001, 0, ECX, 28, "perfctr_llc"},
    {0x80000001, 0, ECX, 29, "mwaitx"},
    /* word 7: scattered (arch/x86/kernel/cpu/scattered.c), the CPUID-only ones */
    {0x80000007, 0, EDX, 9, "cpb"},
    {0x80000007, 0, EDX, 7, "hw_pstate"},
    {0x80000007, 0, EDX, 11, "proc_feedback"},
    /* word 9: CPUID 7.0 EBX */
    {7, 0, EBX, 0, "fsgsbase"},
    {7, 0, EBX, 1, "tsc_adjust"},
    {7, 0, EBX, 3, "bmi1"},
    {7, 0, EBX, 4, "hle"},
    {7, 0, EBX, 5, "avx2"},
    {7, 0, EBX, 7, "smep"},
    {7, 0, EBX, 8, "bmi2"},
    {7, 0, EBX, 9, "erms"},
    {7, 0, EBX, 10, "invpcid"},
    {7, 0, EBX, 11, "rtm"},
    {7, 0, EBX, 12, "cqm"},
    {7, 0, EBX, 14, "mpx"},
    {7, 0, EBX, 15, "rdt_a"},
    {7, 0, EBX, 16, "avx512f"},
    {7, 0, EBX, 17, "avx512dq"},
    {7, 0, EBX, 18, "rdseed"},
    {7, 0, EBX, 19, "adx"},
    {7, 0, EBX, 20, "smap"},
    {7, 0, EBX, 21, "avx512ifma"},
    {7, 0, EBX, 23, "clflushopt"},
    {7, 0, EBX, 24, "clwb"},
    {7, 0, EBX, 25, "intel_pt"},
    {7, 0, EBX, 26, "avx512pf"},
    {7, 0, EBX, 27, "avx512er"},
    {7, 0, EBX, 28, "avx512cd"},
    {7, 0, EBX, 29, "sha_ni"},
    {7, 0, EBX, 30, "avx512bw"},
    {7, 0, EBX, 31, "avx512vl"},
    /* word 10: CPUID 0xd.1 EAX */
    {0xd, 1, EAX, 0, "xsaveopt"},
    {0xd, 1, EAX, 1, "xsavec"},
    {0xd, 1, EAX, 2, "xgetbv1"},
    {0xd, 1, EAX, 3, "xsaves"},
    /* word 13: CPUID 0x80000008 EBX */
    {0x80000008, 0, EBX, 0, "clzero"},
    {0x80000008, 0, EBX, 1, "irperf"},
    {0x80000008, 0, EBX, 2, "xsaveerptr"},
    {0x80000008, 0, EBX, 9, "wbnoinvd"},
    {0x80000008, 0, EBX, 25, "virt_ssbd"},
    /* word 14: CPUID 6 EAX */
    {6, 0, EAX, 0, "dtherm"},
    {6, 0, EAX, 1, "ida"},
    {6, 0, EAX, 2, "arat"},
    {6, 0, EAX, 4, "pln"},
    {6, 0, EAX, 6, "pts"},
    {6, 0, EAX, 7, "hwp"},
    {6, 0, EAX, 8, "hwp_notify"},
    {6, 0, EAX, 9, "hwp_act_window"},
    {6, 0, EAX, 10, "hwp_epp"},
    {6, 0, EAX, 11, "hwp_pkg_req"},
    /* word 15: CPUID 0x8000000a EDX (SVM features) */
    {0x8000000a, 0, EDX, 0, "npt"},
    {0x8000000a, 0, EDX, 1, "lbrv"},
    {0x8000000a, 0, EDX, 2, "svm_lock"},
    {0x8000000a, 0, EDX, 3, "nrip_save"},
    {0x8000000a, 0, EDX, 4, "tsc_scale"},
    {0x8000000a, 0, EDX, 5, "vmcb_clean"},
    {0x8000000a, 0, EDX, 6, "flushbyasid"},
    {0x8000000a, 0, EDX, 7, "decodeassists"},
    {0x8000000a, 0, EDX, 10, "pausefilter"},
    {0x8000000a, 0, EDX, 12, "pfthreshold"},
    {0x8000000a, 0, EDX, 13, "avic"},
    {0x8000000a, 0, EDX, 15, "v_vmsave_vmload"},
    {0x8000000a, 0, EDX, 16, "vgif"},
    /* word 16: CPUID 7.0 ECX */
    {7, 0, ECX, 1, "avx512vbmi"},
    {7, 0, ECX, 2, "umip"},
    {7, 0, ECX, 3, "pku"},
    {7, 0, ECX, 4, "ospke"},
    {7, 0, ECX, 6, "avx512_vbmi2"},
    {7, 0, ECX, 8, "gfni"},
    {7, 0, ECX, 9, "vaes"},
    {7, 0, ECX, 10, "vpclmulqdq"},
    {7, 0, ECX, 11, "avx512_vnni"},
    {7, 0, ECX, 12, "avx512_bitalg"},
    {7, 0, ECX, 13, "tme"},
    {7, 0, ECX, 14, "avx512_vpopcntdq"},
    {7, 0, ECX, 16, "la57"},
    {7, 0, ECX, 22, "rdpid"},
    {7, 0, ECX, 25, "cldemote"},
    {7, 0, ECX, 27, "movdiri"},
    {7, 0, ECX, 28, "movdir64b"},
    /* word 17: CPUID 0x80000007 EBX */
    {0x80000007, 0, EBX, 0, "overflow_recov"},
    {0x80000007, 0, EBX, 1, "succor"},
    {0x80000007, 0, EBX, 3, "smca"},
    /* word 18: CPUID 7.0 EDX */
    {7, 0, EDX, 2, "avx512_4vnniw"},
    {7, 0, EDX, 3, "avx512_4fmaps"},
    {7, 0, EDX, 10, "md_clear"},
    {7, 0, EDX, 18, "pconfig"},
    {7, 0, EDX, 28, "flush_l1d"},
    {7, 0, EDX, 29, "arch_capabilities"},
};

/* CPUID 0x80000007 EDX's bits by name, for "power management" (x86_power_flags). */
static const char *const power_flags[] = {
    "ts", "fid", "vid",         "ttp",           "tm",        "stc", "100mhzsteps", "hwpstate",
    "",   "cpb", "eff_freq_ro", "proc_feedback", "acc_power",
};

static uint32_t reg_of(const struct cpuid_regs *r, enum reg reg)
{
    switch (reg) {
    case EAX:
        return r->eax;
    case EBX:
        return r->ebx;
    case ECX:
        return r->ecx;
    case EDX:
        return r->edx;
    default:
        return 0;
    }
}

static bool has_flag(const struct flag *f)
{
    struct cpuid_regs r;

    if (f->reg == ALWAYS)
        return true;
    return cpuid_get(f->leaf, f->subleaf, &r) && (reg_of(&r, f->reg) >> f->bit & 1);
}

/* The value of host /proc/cpuinfo's first `key` line ("cpu MHz", "bogomips"), or NULL. */
static char *host_cpuinfo_value(const char *key, char *out, size_t outlen)
{
    FILE *f = fopen("/proc/cpuinfo", "re");
    char line[256];
    char *found = NULL;
    size_t klen = strlen(key);

    if (!f)
        return NULL;
    while (!found && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (!colon || strncmp(line, key, klen) != 0 ||
            strspn(line + klen, " \t") != (size_t)(colon - line) - klen)
            continue;
        snprintf(out, outlen, "%s", colon + 1 + strspn(colon + 1, " "));
        out[strcspn(out, "\n")] = 0;
        found = out;
    }
    fclose(f);
    return found;
}

/* get_model_name: the 48-byte brand string, without the leading blanks Intel pads it with. */
static void model_name(char *out, size_t outlen)
{
    char brand[49] = {0};

    for (uint32_t i = 0; i < 3; i++) {
        struct cpuid_regs r;
        if (!cpuid_get(0x80000002 + i, 0, &r)) {
            snprintf(out, outlen, "unknown");
            return;
        }
        memcpy(brand + 16 * i, &r, 16);
    }
    snprintf(out, outlen, "%s", brand + strspn(brand, " "));
    if (!out[0])
        snprintf(out, outlen, "unknown");
}

static int make_cpuinfo(void)
{
    struct text t = {0};
    struct cpuid_regs r0, r1, r;
    char vendor[13] = {0}, name[64], mhz[32], bogomips[32];
    unsigned family, model;

    cpuid_get(0, 0, &r0);
    memcpy(vendor, &r0.ebx, 4);
    memcpy(vendor + 4, &r0.edx, 4);
    memcpy(vendor + 8, &r0.ecx, 4);
    cpuid_get(1, 0, &r1);
    family = (r1.eax >> 8) & 0xf;
    if (family == 0xf)
        family += (r1.eax >> 20) & 0xff;
    model = (r1.eax >> 4) & 0xf;
    if (family >= 6)
        model += ((r1.eax >> 16) & 0xf) << 4;
    model_name(name, sizeof(name));

    text_printf(&t, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n", vendor,
                family, model);
    text_printf(&t, "model name\t: %s\nstepping\t: %u\n", name, r1.eax & 0xf);
    if (host_cpuinfo_value("cpu MHz", mhz, sizeof(mhz)))
        text_printf(&t, "cpu MHz\t\t: %s\n", mhz);
    if (cpuid_get(0x80000006, 0, &r) && r.ecx >> 16)
        text_printf(&t, "cache size\t: %u KB\n", r.ecx >> 16);
    text_printf(&t,
                "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n"
                "apicid\t\t: 0\ninitial apicid\t: %u\n",
                r1.ebx >> 24);
    text_printf(&t, "fpu\t\t: %s\nfpu_exception\t: %s\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
                r1.edx & 1 ? "yes" : "no", r1.edx & 1 ? "yes" : "no", r0.eax);
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (has_flag(&flags[i]))
            text_printf(&t, " %s", flags[i].name);
    text_printf(&t, "\nbugs\t\t:\n");
    if (host_cpuinfo_value("bogomips", bogomips, sizeof(bogomips)))
        text_printf(&t, "bogomips\t: %s\n", bogomips);
    text_printf(&t, "clflush size\t: %u\ncache_alignment\t: %u\n", ((r1.ebx >> 8) & 0xff) * 8,
                ((r1.ebx >> 8) & 0xff) * 8);
    if (cpuid_get(0x80000008, 0, &r))
        text_printf(&t, "address sizes\t: %u bits physical, %u bits virtual\n", r.eax & 0xff,
                    (r.eax >> 8) & 0xff);
    text_printf(&t, "power management:");
    cpuid_get(0x80000007, 0, &r);
    for (unsigned bit = 0; bit < 32; bit++) {
        if (!(r.edx >> bit & 1))
            continue;
        if (bit < sizeof(power_flags) / sizeof(power_flags[0]) && power_flags[bit][0])
            text_printf(&t, " %s", power_flags[bit]);
        else if (bit >= sizeof(power_flags) / sizeof(power_flags[0]))
            text_printf(&t, " [%u]", bit);
    }
    text_printf(&t, "\n\n");
    return text_to_fd(&t, "cpuinfo");
}

/* The host's /proc/stat with its first CPU's line as the only CPU and as the total. */
static int make_stat(void)
{
    FILE *f = fopen("/proc/stat", "re");
    struct text t = {0};
    char line[4096], cpu0[4096] = "";

    if (!f)
        return -errno;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "cpu0 ", 5) == 0)
            snprintf(cpu0, sizeof(cpu0), "%s", line + 5);
    rewind(f);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "cpu ", 4) == 0)
            text_printf(&t, "cpu  %s", cpu0);
        else if (strncmp(line, "cpu", 3) != 0 || strncmp(line, "cpu0 ", 5) == 0)
            text_printf(&t, "%s", line);
    }
    fclose(f);
    return text_to_fd(&t, "stat");
}

static int make_cpu_list(void)
{
    struct text t = {0};

    text_printf(&t, "0\n");
    return text_to_fd(&t, "cpu");
}

static const struct {
    const char *path;
    int (*make)(void);
} files[] = {
    {"/proc/cpuinfo", make_cpuinfo},         {"/proc/stat", make_stat},
    {SYS_CPU_DIR "/online", make_cpu_list},  {SYS_CPU_DIR "/possible", make_cpu_list},
    {SYS_CPU_DIR "/present", make_cpu_list},
};

/* The row of files for path ("cpu/../cpu/online" is cpu/online, as the lookup walks it:
 * path.h), or -1. */
static int find(const char *path)
{
    char norm[PATH_MAX];

    if (strncmp(path, "/sys/", 5) == 0 && path_walk_lexically(path, norm, sizeof(norm)))
        path = norm;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (strcmp(path, files[i].path) == 0)
            return (int)i;
    return -1;
}

bool proc_cpu_owns(const char *path)
{
    return strncmp(path, SYS_CPU_DIR "/", sizeof(SYS_CPU_DIR)) == 0 && find(path) >= 0;
}

bool proc_cpu_hidden_entry(const char *dir, const char *name)
{
    if (strcmp(dir, SYS_CPU_VULN_DIR) == 0)
        return cpu_vulnerability_hidden(name);
    size_t digits = strspn(name + 3, "0123456789");
    return strncmp(name, "cpu", 3) == 0 && digits && !name[3 + digits] && strcmp(name, "cpu0") != 0;
}

int proc_cpu_open(const char *path, int flags, bool may_write)
{
    int i = find(path);

    if (i < 0)
        return PROCFS_PASSTHROUGH;
    return (flags & O_ACCMODE) != O_RDONLY && (!may_write || strncmp(path, "/proc/", 6) != 0)
               ? -EACCES
               : files[i].make();
}
