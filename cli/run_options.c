/*
 * run_options.c - parsing of the run options (the same names qemu-user, strace and perf users
 * know where there is one: -L/--sysroot, -E/-U, --strace).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/run_options.h"
#include "mmu/cpu_model.h"
#include "kernel_model/huge_mm.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

extern char **environ;

#define DEFAULT_RAM (2ULL << 30)
/* Resident only as far as code is translated into it; dropping all of it is what costs (the
 * code translated again, and Unicorn 2.1.1 zeroing the whole buffer for a moment). A make -j2
 * of five files took 3.6 s with 32M, 2.5 s with 64M, 1.8 s with 128M, 1.9 s with 256M. */
#define DEFAULT_CODE_CACHE (128ULL << 20)

static void run_usage(FILE *f, const char *cmd)
{
    fprintf(f,
            "usage: faultline %s [options] [--] PROG [ARGS...]\n"
            "\n"
            "  --db PATH            fault log to append the run to (default faultline.db)\n"
            "  --no-log             do not write a fault log\n"
            "  --ram SIZE           guest-physical RAM, e.g. 512M, 4G (default 2G): the limit\n"
            "                       of resident frames, page tables and page cache included\n"
            "  --swap SIZE          swap space, e.g. 64M (default 0: no swap)\n"
            "  --swap-file PATH     keep the swap space in PATH (default: an unlinked temp file)\n"
            "  --reclaim POLICY     page replacement: clock (default, second chance), lru,\n"
            "                       fifo, or linux (Linux 4.20's active/inactive lists)\n"
            "  --thp MODE           transparent huge pages: always, madvise or never (default:\n"
            "                       the host's /sys/kernel/mm/transparent_hugepage/enabled;\n"
            "                       never with a --ram under 512M, as Linux boots)\n"
            "  --code-cache SIZE    host memory for translated code, shared by every guest\n"
            "                       process (default 128M; all of it is dropped when\n"
            "                       nearly full)\n"
            "  --cpu MODEL          the CPU the guest sees in CPUID (default epyc-rome;\n"
            "                       `--cpu help` lists them)\n"
            "  --fault-around BYTES fault-around window for file reads (default 65536, 0: off)\n"
            "  --page-cluster N     swap readahead reads up to 2^N pages around a swap fault\n"
            "                       (vm.page-cluster: default 3, 0: off)\n"
            "  --swappiness N       vm.swappiness, 0 to 100 (default 60): how much --reclaim\n"
            "                       linux leans to anonymous pages against page cache\n"
            "  --overcommit MODE    vm.overcommit_memory: guess (default: refuse one request\n"
            "                       larger than RAM and swap), always, or never (refuse what\n"
            "                       would commit more than --overcommit-ratio percent of RAM,\n"
            "                       default 50, plus swap: /proc/meminfo's CommitLimit)\n"
            "  --overcommit-ratio PCT  vm.overcommit_ratio\n"
            "  --major-faults=RULE  which page-cache misses are major: host (default: only\n"
            "                       pages the host's own page cache lacks, as the real\n"
            "                       kernel would count) or model (every page the model\n"
            "                       reads: a log that does not depend on the host's cache)\n"
            "  --timeout SECONDS    stop the guest after this much wall time (exit 124)\n"
            "  --max-insns N        stop the guest after N instructions (exit 124; slow:\n"
            "                       counts every instruction)\n"
            "  --icount             record the instruction count in every fault row\n"
            "                       (counted per translated block: 1.2-2.2x slower)\n"
            "  --strace[=FILE]      trace syscalls in strace's format to stderr or FILE\n"
            "  -L, --sysroot DIR    look up absolute guest paths under DIR first\n"
            "  -E VAR=VALUE         set VAR in the guest's environment\n"
            "  -U VAR               remove VAR from the guest's environment\n",
            cmd);
    if (!strcmp(cmd, "compare")) /* compare's own (cli/cmd_compare.c) */
        fputs("  --pages              also pair the faults page by page, per mapping, against a\n"
              "                       native run without address randomization\n",
              f);
    fputs("  -q, --quiet          no summary line on stderr\n"
          "  -h, --help           this text\n",
          f);
}

/* A whole decimal number from min to max, or -1. */
static long parse_bounded(const char *s, long min, long max)
{
    char *end;
    long v = strtol(s, &end, 10);
    return end == s || *end || v < min || v > max ? -1 : v;
}

long long parse_size(const char *s)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (tolower((unsigned char)*end)) {
    case 0:
        break;
    case 'k':
        shift = 10;
        break;
    case 'm':
        shift = 20;
        break;
    case 'g':
        shift = 30;
        break;
    default:
        return -1;
    }
    if (*end && end[1] && !(tolower((unsigned char)end[1]) == 'b' && !end[2]) &&
        !(tolower((unsigned char)end[1]) == 'i' && tolower((unsigned char)end[2]) == 'b' &&
          !end[3]))
        return -1;
    if (v > (1ULL << 50) >> shift)
        return -1;
    return (long long)(v << shift);
}

/* Apply -E/-U edits to a copy of the host environment. */
static int env_edit(char ***envp, const char *edit, int set)
{
    size_t n = 0, keylen = set ? (size_t)(strchr(edit, '=') - edit) : strlen(edit);
    char **env = *envp;
    while (env[n])
        n++;
    for (size_t i = 0; i < n; i++) {
        if (!strncmp(env[i], edit, keylen) && env[i][keylen] == '=') {
            free(env[i]);
            if (set) {
                env[i] = strdup(edit);
            } else {
                memmove(&env[i], &env[i + 1], (n - i) * sizeof(*env));
            }
            return 0;
        }
    }
    if (!set)
        return 0;
    env = realloc(env, (n + 2) * sizeof(*env));
    if (!env)
        return -1;
    env[n] = strdup(edit);
    env[n + 1] = NULL;
    *envp = env;
    return 0;
}

static char *json_escape_append(char *out, const char *key, const char *val)
{
    size_t len = strlen(out), need = len + strlen(key) + 2 * strlen(val) + 16;
    out = realloc(out, need);
    char *p = out + len;
    p += sprintf(p, "%s\"%s\":\"", len > 1 ? "," : "", key);
    for (const char *v = val; *v; v++) {
        if (*v == '"' || *v == '\\')
            *p++ = '\\';
        *p++ = (unsigned char)*v < 32 ? ' ' : *v;
    }
    strcpy(p, "\"");
    return out;
}

/*
 * execvp's search for a name without a slash: the first executable regular file of that name in
 * faultline's own PATH (as strace, perf and gdb look it up; the guest's argv[0] stays as typed).
 * NULL when there is none, and the name is then reported as missing.
 */
static char *find_in_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin"; /* confstr(_CS_PATH), execvp's default */
    for (;;) {
        const char *colon = strchrnul(path, ':');
        int dlen = (int)(colon - path);
        char *cand = NULL;
        /* an empty entry is the current directory */
        if (asprintf(&cand, "%.*s/%s", dlen ? dlen : 1, dlen ? path : ".", name) < 0)
            return NULL;
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
            return cand;
        free(cand);
        if (!*colon)
            return NULL;
        path = colon + 1;
    }
}

int parse_run_options(int argc, char **argv, struct run_options *ro)
{
    static const struct option longopts[] = {
        {"db", required_argument, 0, 'd'},
        {"no-log", no_argument, 0, 'n'},
        {"ram", required_argument, 0, 'r'},
        {"fault-around", required_argument, 0, 'f'},
        {"timeout", required_argument, 0, 't'},
        {"max-insns", required_argument, 0, 'i'},
        {"icount", no_argument, 0, 'c'},
        {"strace", optional_argument, 0, 's'},
        {"sysroot", required_argument, 0, 'L'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {"major-faults", required_argument, 0, 'M'},
        {"swap", required_argument, 0, 'S'},
        {"swap-file", required_argument, 0, 'W'},
        {"reclaim", required_argument, 0, 'R'},
        {"code-cache", required_argument, 0, 'C'},
        {"cpu", required_argument, 0, 'P'},
        {"thp", required_argument, 0, 'T'},
        {"page-cluster", required_argument, 0, 'G'},
        {"swappiness", required_argument, 0, 'K'},
        {"overcommit", required_argument, 0, 'O'},
        {"overcommit-ratio", required_argument, 0, 'Y'},
        {0, 0, 0, 0},
    };
    const char *cmd = argv[0];
    memset(ro, 0, sizeof(*ro));
    struct fl_options *opt = &ro->opt;
    opt->db_path = "faultline.db";
    opt->ram_bytes = DEFAULT_RAM;
    opt->code_cache_bytes = DEFAULT_CODE_CACHE;
    opt->cpu_model = cpu_model_by_name(CPU_MODEL_DEFAULT);
    opt->fault_around_bytes = 65536;
    opt->page_cluster = 3;
    opt->swappiness = 60;
    opt->overcommit_ratio = 50;
    opt->thp = -1;

    size_t n = 0;
    while (environ[n])
        n++;
    ro->env_owned = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        ro->env_owned[i] = strdup(environ[i]);
    ro->options_json = strdup("{");

    optind = 1;
    opterr = 0;
    int c;
    long long v;
    char *end;
    while ((c = getopt_long(argc, argv, "+L:E:U:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            opt->db_path = optarg;
            ro->options_json = json_escape_append(ro->options_json, "db", optarg);
            break;
        case 'n':
            opt->no_log = true;
            break;
        case 'r':
            v = parse_size(optarg);
            if (v < (1 << 20)) {
                fprintf(stderr,
                        "faultline %s: --ram %s: expected a size of at least 1M, like "
                        "512M or 4G\n",
                        cmd, optarg);
                return 2;
            }
            opt->ram_bytes = v;
            ro->options_json = json_escape_append(ro->options_json, "ram", optarg);
            break;
        case 'C':
            v = parse_size(optarg);
            if (v < (1 << 20) || v > (1LL << 31)) {
                fprintf(stderr,
                        "faultline %s: --code-cache %s: expected a size from 1M to 2G, like 64M\n",
                        cmd, optarg);
                return 2;
            }
            opt->code_cache_bytes = v;
            ro->options_json = json_escape_append(ro->options_json, "code_cache", optarg);
            break;
        case 'P':
            if (!strcmp(optarg, "help")) {
                cpu_model_list(stdout);
                return 0;
            }
            if ((opt->cpu_model = cpu_model_by_name(optarg)) < 0) {
                fprintf(stderr,
                        "faultline %s: --cpu %s: no such CPU model (`--cpu help` lists them)\n",
                        cmd, optarg);
                return 2;
            }
            ro->options_json = json_escape_append(ro->options_json, "cpu", optarg);
            break;
        case 'f':
            v = parse_size(optarg);
            if (v < 0 || (v && (v & (v - 1))) || (v && v < 4096) || v > (1 << 21)) {
                fprintf(stderr,
                        "faultline %s: --fault-around %s: expected 0 or a power of two "
                        "from 4096 to 2M\n",
                        cmd, optarg);
                return 2;
            }
            opt->fault_around_bytes = v;
            ro->options_json = json_escape_append(ro->options_json, "fault_around", optarg);
            break;
        case 'G':
            if ((v = parse_bounded(optarg, 0, 31)) < 0) {
                fprintf(stderr, "faultline %s: --page-cluster %s: expected a number from 0 to 31\n",
                        cmd, optarg);
                return 2;
            }
            opt->page_cluster = (unsigned)v;
            ro->options_json = json_escape_append(ro->options_json, "page_cluster", optarg);
            break;
        case 'K':
            if ((v = parse_bounded(optarg, 0, 100)) < 0) {
                fprintf(stderr, "faultline %s: --swappiness %s: expected a number from 0 to 100\n",
                        cmd, optarg);
                return 2;
            }
            opt->swappiness = (int)v;
            ro->options_json = json_escape_append(ro->options_json, "swappiness", optarg);
            break;
        case 'O':
            if (!strcmp(optarg, "guess") || !strcmp(optarg, "0")) {
                opt->overcommit = OVERCOMMIT_GUESS;
            } else if (!strcmp(optarg, "always") || !strcmp(optarg, "1")) {
                opt->overcommit = OVERCOMMIT_ALWAYS;
            } else if (!strcmp(optarg, "never") || !strcmp(optarg, "2")) {
                opt->overcommit = OVERCOMMIT_NEVER;
            } else {
                fprintf(stderr,
                        "faultline %s: --overcommit %s: expected guess, always or never (0, 1 "
                        "or 2)\n",
                        cmd, optarg);
                return 2;
            }
            ro->options_json = json_escape_append(ro->options_json, "overcommit", optarg);
            break;
        case 'Y':
            if ((v = parse_bounded(optarg, 0, 10000)) < 0) {
                fprintf(stderr,
                        "faultline %s: --overcommit-ratio %s: expected a percentage from 0 to "
                        "10000\n",
                        cmd, optarg);
                return 2;
            }
            opt->overcommit_ratio = (int)v;
            ro->options_json = json_escape_append(ro->options_json, "overcommit_ratio", optarg);
            break;
        case 'M':
            if (!strcmp(optarg, "host")) {
                opt->major_faults = MAJOR_FAULTS_HOST;
            } else if (!strcmp(optarg, "model")) {
                opt->major_faults = MAJOR_FAULTS_MODEL;
            } else {
                fprintf(stderr, "faultline %s: --major-faults %s: expected host or model\n", cmd,
                        optarg);
                return 2;
            }
            ro->options_json = json_escape_append(ro->options_json, "major_faults", optarg);
            break;
        case 'S':
            v = parse_size(optarg);
            if (v < 0 || (v > 0 && v < 2 * 4096)) {
                fprintf(stderr, "faultline %s: --swap %s: expected 0 or a size of at least 8k\n",
                        cmd, optarg);
                return 2;
            }
            opt->swap_bytes = v;
            ro->options_json = json_escape_append(ro->options_json, "swap", optarg);
            break;
        case 'W':
            opt->swap_file = optarg;
            ro->options_json = json_escape_append(ro->options_json, "swap_file", optarg);
            break;
        case 'R':
            if (!strcmp(optarg, "clock")) {
                opt->reclaim = RECLAIM_CLOCK;
            } else if (!strcmp(optarg, "lru")) {
                opt->reclaim = RECLAIM_LRU;
            } else if (!strcmp(optarg, "fifo")) {
                opt->reclaim = RECLAIM_FIFO;
            } else if (!strcmp(optarg, "linux")) {
                opt->reclaim = RECLAIM_LINUX;
            } else {
                fprintf(stderr, "faultline %s: --reclaim %s: expected clock, lru, fifo or linux\n",
                        cmd, optarg);
                return 2;
            }
            ro->options_json = json_escape_append(ro->options_json, "reclaim", optarg);
            break;
        case 'T':
            if (!strcmp(optarg, "always")) {
                opt->thp = THP_ALWAYS;
            } else if (!strcmp(optarg, "madvise")) {
                opt->thp = THP_MADVISE;
            } else if (!strcmp(optarg, "never")) {
                opt->thp = THP_NEVER;
            } else {
                fprintf(stderr, "faultline %s: --thp %s: expected always, madvise or never\n", cmd,
                        optarg);
                return 2;
            }
            ro->options_json = json_escape_append(ro->options_json, "thp", optarg);
            break;
        case 't':
            opt->time_limit = strtod(optarg, &end);
            if (*end || opt->time_limit <= 0) {
                fprintf(stderr, "faultline %s: --timeout %s: expected seconds > 0\n", cmd, optarg);
                return 2;
            }
            ro->options_json = json_escape_append(ro->options_json, "timeout", optarg);
            break;
        case 'i':
            opt->max_insns = strtoull(optarg, &end, 10);
            if (*end || !opt->max_insns) {
                fprintf(stderr, "faultline %s: --max-insns %s: expected a count > 0\n", cmd,
                        optarg);
                return 2;
            }
            ro->options_json = json_escape_append(ro->options_json, "max_insns", optarg);
            break;
        case 'c':
            opt->icount = true;
            ro->options_json = json_escape_append(ro->options_json, "icount", "1");
            break;
        case 's':
            opt->strace_path = optarg ? optarg : "-";
            break;
        case 'L':
            /* absolute, so guest paths can be matched against it (strip_sysroot) */
            opt->sysroot = realpath(optarg, NULL);
            if (!opt->sysroot) {
                fprintf(stderr, "faultline %s: --sysroot %s: %s\n", cmd, optarg, strerror(errno));
                return 2;
            }
            ro->options_json = json_escape_append(ro->options_json, "sysroot", optarg);
            break;
        case 'E':
            if (!strchr(optarg, '=') || optarg[0] == '=') {
                fprintf(stderr, "faultline %s: -E %s: expected VAR=VALUE\n", cmd, optarg);
                return 2;
            }
            env_edit(&ro->env_owned, optarg, 1);
            break;
        case 'U':
            env_edit(&ro->env_owned, optarg, 0);
            break;
        case 'q':
            opt->quiet = true;
            break;
        case 'h':
            run_usage(stdout, cmd);
            return 0;
        default:
            if (optopt && optopt < 256)
                fprintf(stderr, "faultline %s: option -%c %s (try 'faultline %s --help')\n", cmd,
                        optopt, strchr("LEU", optopt) ? "needs an argument" : "is not known", cmd);
            else
                fprintf(stderr, "faultline %s: bad option '%s' (try 'faultline %s --help')\n", cmd,
                        argv[optind - 1], cmd);
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr,
                "faultline %s: no program given (usage: faultline %s [options] -- PROG "
                "[ARGS...])\n",
                cmd, cmd);
        return 2;
    }
    ro->prog = argv[optind];
    if (!strchr(ro->prog, '/') && (ro->prog_found = find_in_path(ro->prog)))
        ro->prog = ro->prog_found;
    ro->guest_argv = &argv[optind];
    opt->envp = ro->env_owned;
    size_t l = strlen(ro->options_json);
    ro->options_json = realloc(ro->options_json, l + 2);
    strcpy(ro->options_json + l, "}");
    return -1;
}

void free_run_options(struct run_options *ro)
{
    free(ro->prog_found);
    for (size_t i = 0; ro->env_owned && ro->env_owned[i]; i++)
        free(ro->env_owned[i]);
    free(ro->env_owned);
    free(ro->options_json);
}
