/*
 * cpuinfo - do the files that describe the machine's CPUs agree with the CPU the program runs
 * on? A program that sizes its thread pool by one of them, or picks a code path by grepping
 * /proc/cpuinfo's flags, must get the same answer as from CPUID and sched_getaffinity.
 *
 * Checks, printing one line each (the same natively and under faultline, whatever the CPU):
 * - the number of CPUs: sched_getaffinity, sysconf(_SC_NPROCESSORS_ONLN/_CONF) (glibc reads
 *   /sys/devices/system/cpu/online and possible), /proc/cpuinfo's processor entries,
 *   /proc/stat's cpuN lines, the cpuN directories of /sys/devices/system/cpu and its "online"
 *   list opened relative to the directory (lscpu does both);
 * - /proc/cpuinfo's vendor_id, cpu family, model, stepping, model name and address sizes
 *   against CPUID leaves 0, 1, 0x80000002-4 and 0x80000008;
 * - for each flag in the list below, named as Linux names it, that /proc/cpuinfo shows it
 *   exactly when CPUID has its bit, but for two that a kernel hides on CPUs with a broken
 *   implementation while CPUID still has them (clear_cpu_cap): rdrand (AMD families 15h and
 *   16h) and rdseed (AMD Zen 5 with older microcode; this VM's 6.18 kernel hides it): cpuinfo
 *   may lack those;
 * - AT_HWCAP against CPUID.1:EDX.
 * With the argument "flags", prints the flags line instead (tests/e2e/cpu_model.py).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

static char info[1 << 16];

/* The value of the first "key<tabs>: value" line of /proc/cpuinfo, or "" */
static const char *field(const char *key, char *out, size_t len)
{
    size_t klen = strlen(key);
    out[0] = 0;
    for (char *l = info; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, klen) || (l[klen] != '\t' && l[klen] != ':'))
            continue;
        char *v = strstr(l, ": ");
        size_t n = v ? strcspn(v + 2, "\n") : 0;
        if (v && n < len) {
            memcpy(out, v + 2, n);
            out[n] = 0;
        }
        break;
    }
    return out;
}

static int count_lines(const char *path, const char *prefix, int digit_after)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    int n = 0;
    size_t plen = strlen(prefix);
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, prefix, plen) &&
            (!digit_after || (line[plen] >= '0' && line[plen] <= '9')))
            n++;
    fclose(f);
    return n;
}

/* The cpuN entries of /sys/devices/system/cpu and the CPUs its "online" list names, opened
 * with openat on the directory's fd. */
static void sysfs_cpus(int *dirs, int *online)
{
    DIR *d = opendir("/sys/devices/system/cpu");
    struct dirent *e;
    char list[256] = "";
    *dirs = *online = -1;
    if (!d)
        return;
    for (*dirs = 0; (e = readdir(d));)
        if (!strncmp(e->d_name, "cpu", 3) && e->d_name[3] >= '0' && e->d_name[3] <= '9')
            (*dirs)++;
    int fd = openat(dirfd(d), "online", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, list, sizeof(list) - 1);
    if (fd >= 0)
        close(fd);
    closedir(d);
    if (n <= 0)
        return;
    list[n] = 0;
    *online = 0;
    for (char *s = list; *s && *s != '\n';) { /* "0", "0-3", "0,2-5" */
        char *end;
        long lo = strtol(s, &end, 10), hi = lo;
        if (*end == '-')
            hi = strtol(end + 1, &end, 10);
        *online += (int)(hi - lo + 1);
        s = *end == ',' ? end + 1 : end;
    }
}

static const struct {
    const char *name;
    unsigned leaf, sub, reg, bit; /* reg: 0 EAX, 1 EBX, 2 ECX, 3 EDX */
    int may_drop;                 /* a kernel may hide it for an erratum (see the top) */
} flags[] = {
    {"fpu", 1, 0, 3, 0},
    {"tsc", 1, 0, 3, 4},
    {"cx8", 1, 0, 3, 8},
    {"cmov", 1, 0, 3, 15},
    {"clflush", 1, 0, 3, 19},
    {"mmx", 1, 0, 3, 23},
    {"fxsr", 1, 0, 3, 24},
    {"sse", 1, 0, 3, 25},
    {"sse2", 1, 0, 3, 26},
    {"ht", 1, 0, 3, 28},
    {"pni", 1, 0, 2, 0},
    {"pclmulqdq", 1, 0, 2, 1},
    {"ssse3", 1, 0, 2, 9},
    {"fma", 1, 0, 2, 12},
    {"cx16", 1, 0, 2, 13},
    {"sse4_1", 1, 0, 2, 19},
    {"sse4_2", 1, 0, 2, 20},
    {"movbe", 1, 0, 2, 22},
    {"popcnt", 1, 0, 2, 23},
    {"aes", 1, 0, 2, 25},
    {"xsave", 1, 0, 2, 26},
    {"avx", 1, 0, 2, 28},
    {"f16c", 1, 0, 2, 29},
    {"rdrand", 1, 0, 2, 30, 1},
    {"fsgsbase", 7, 0, 1, 0},
    {"bmi1", 7, 0, 1, 3},
    {"avx2", 7, 0, 1, 5},
    {"bmi2", 7, 0, 1, 8},
    {"erms", 7, 0, 1, 9},
    {"avx512f", 7, 0, 1, 16},
    {"rdseed", 7, 0, 1, 18, 1},
    {"adx", 7, 0, 1, 19},
    {"clflushopt", 7, 0, 1, 23},
    {"sha_ni", 7, 0, 1, 29},
    {"syscall", 0x80000001, 0, 3, 11},
    {"nx", 0x80000001, 0, 3, 20},
    {"rdtscp", 0x80000001, 0, 3, 27},
    {"lm", 0x80000001, 0, 3, 29},
    {"lahf_lm", 0x80000001, 0, 2, 0},
    {"abm", 0x80000001, 0, 2, 5},
    {"sse4a", 0x80000001, 0, 2, 6},
};

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
            return 1;
    return 0;
}

/*
 * /proc/self/auxv: the vector the process started with (glibc's getauxval reads its copy on the
 * stack; it answers AT_HWCAP and AT_HWCAP2 from its own CPU feature bits instead), and AT_HWCAP
 * is CPUID.1:EDX, as the kernel takes it.
 */
static void check_auxv(unsigned cpuid1_edx)
{
    unsigned long auxv[128];
    int fd = open("/proc/self/auxv", O_RDONLY), differ = 0, seen = 0;
    ssize_t n = fd < 0 ? -1 : read(fd, auxv, sizeof(auxv));
    if (fd >= 0)
        close(fd);
    if (n <= 0 || n % 16) {
        printf("auxv: cannot read /proc/self/auxv\n");
        return;
    }
    for (ssize_t i = 0; i < n / 8 && auxv[i] != AT_NULL; i += 2) {
        seen++;
        if (auxv[i] == AT_HWCAP)
            printf("AT_HWCAP: %s\n",
                   auxv[i + 1] == cpuid1_edx ? "CPUID.1:EDX" : "differs from CPUID.1:EDX");
        else if (auxv[i] != AT_HWCAP2 && getauxval(auxv[i]) != auxv[i + 1])
            differ++;
    }
    printf("auxv: %s\n", differ || seen < 10 ? "not the vector the process started with"
                                             : "as the process started");
}

int main(int argc, char **argv)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char v[4096];
    unsigned r[4], max, maxext, a, b, c, d;
    if (!f) {
        perror("/proc/cpuinfo");
        return 1;
    }
    info[fread(info, 1, sizeof(info) - 1, f)] = 0;
    fclose(f);
    if (argc > 1 && !strcmp(argv[1], "flags")) {
        printf("%s\n", field("flags", v, sizeof(v)));
        return 0;
    }

    /* the number of CPUs, five ways */
    cpu_set_t set;
    sched_getaffinity(0, sizeof(set), &set);
    int affinity = CPU_COUNT(&set);
    long onln = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
    int procs = count_lines("/proc/cpuinfo", "processor", 0);
    int stat_cpus = count_lines("/proc/stat", "cpu", 1);
    int dirs, online;
    sysfs_cpus(&dirs, &online);
    if (affinity == onln && onln == conf && conf == procs && procs == stat_cpus &&
        stat_cpus == dirs && dirs == online)
        printf("cpu count: the same everywhere\n");
    else
        printf("cpu count: affinity %d, online %ld, configured %ld, cpuinfo %d, stat %d, sysfs "
               "dirs %d, sysfs online %d\n",
               affinity, onln, conf, procs, stat_cpus, dirs, online);

    /* identity */
    char vendor[13] = {0}, brand[49] = {0}, want[64];
    __cpuid(0, max, r[0], r[2], r[1]);
    memcpy(vendor, r, 12);
    printf("vendor_id: %s\n", strcmp(field("vendor_id", v, sizeof(v)), vendor) ? v : "as CPUID");
    __cpuid(1, a, b, c, d);
    unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
    if (family == 0xf)
        family += (a >> 20) & 0xff;
    if (family >= 6)
        model += ((a >> 16) & 0xf) << 4;
    snprintf(want, sizeof(want), "%u", family);
    printf("cpu family: %s\n", strcmp(field("cpu family", v, sizeof(v)), want) ? v : "as CPUID");
    snprintf(want, sizeof(want), "%u", model);
    printf("model: %s\n", strcmp(field("model", v, sizeof(v)), want) ? v : "as CPUID");
    snprintf(want, sizeof(want), "%u", a & 0xf);
    printf("stepping: %s\n", strcmp(field("stepping", v, sizeof(v)), want) ? v : "as CPUID");
    check_auxv(d);
    __cpuid(0x80000000, maxext, b, c, d);
    if (maxext >= 0x80000004) {
        for (unsigned i = 0; i < 3; i++) {
            __cpuid(0x80000002 + i, r[0], r[1], r[2], r[3]);
            memcpy(brand + 16 * i, r, 16);
        }
        const char *name = brand + strspn(brand, " ");
        /* Linux may strip trailing blanks too */
        size_t n = strlen(field("model name", v, sizeof(v)));
        printf("model name: %s\n",
               n && !strncmp(v, name, n) && strspn(name + n, " ") == strlen(name + n)
                   ? "the brand string"
                   : v);
    }
    if (maxext >= 0x80000008) {
        __cpuid(0x80000008, a, b, c, d);
        snprintf(want, sizeof(want), "%u bits physical, %u bits virtual", a & 0xff,
                 (a >> 8) & 0xff);
        printf("address sizes: %s\n",
               strcmp(field("address sizes", v, sizeof(v)), want) ? v : "as CPUID");
    }

    /* flags */
    field("flags", v, sizeof(v));
    int wrong = 0;
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        unsigned top = flags[i].leaf >= 0x80000000 ? maxext : max, bit = 0;
        if (flags[i].leaf <= top) {
            __cpuid_count(flags[i].leaf, flags[i].sub, r[0], r[1], r[2], r[3]);
            bit = r[flags[i].reg] >> flags[i].bit & 1;
        }
        unsigned shown = (unsigned)has_word(v, flags[i].name);
        if (shown != bit && !(flags[i].may_drop && bit && !shown)) {
            printf("flag %s: cpuinfo %s, CPUID %s\n", flags[i].name, shown ? "has it" : "has not",
                   bit ? "has it" : "has not");
            wrong++;
        }
    }
    if (!wrong)
        printf("flags: %zu checked, as CPUID\n", sizeof(flags) / sizeof(flags[0]));
    return 0;
}
