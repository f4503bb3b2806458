/*
 * cmd_compare.c - `faultline compare [run options] -- PROG [ARGS...]`: run PROG natively and under
 * faultline, and put the real kernel's page-fault counts next to the model's.
 *
 * The native run is a forked child that execs PROG (its faults before the exec are taken off its
 * count: run_native), with the environment after -E/-U, without address-space randomization
 * (personality ADDR_NO_RANDOMIZE, as `setarch -R`: the model's layout, docs/kernel-model.md) and on
 * one CPU, as the guest has (native_pin_one_cpu); wait4 returns its rusage, whose ru_minflt and
 * ru_majflt are what the host kernel counted for it. The faultline run happens in this process,
 * without a fault log (faultline run writes one), and takes the model's counts as a guest parent's
 * wait4 would get them: every thread of the program and the children it reaped. Both runs get stdin
 * from /dev/null and have their stdout captured in an unlinked temporary file; stderr passes
 * through. The native run goes first, so the faultline run meets the same warm host page cache a
 * second native run would.
 *
 * Prints a table on stdout and exits 0 when the two stdouts are byte-identical and the exit
 * statuses agree, 1 when they do not, 2 for bad usage, 126/127 when PROG cannot be run.
 *
 * --pages (before the --) adds a third run, native and without address randomization, whose
 * faults are sampled one by one, and compares them with the model's page by page
 * (compare_pages.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/compare_pages.h"
#include "cli/native_faults.h"
#include "cli/run_options.h"
#include "emu/cputime.h"
#include "emu/emu.h"

/* What one run produced. */
struct run_outcome {
    bool ran;             /* false: it could not be started (message in err) */
    int status;           /* exit status, 128+N when killed by signal N */
    unsigned long minflt; /* minor faults (kernel: wait4's ru_minflt; model: the same count,
                             wait_rusage_faults) */
    unsigned long majflt; /* major faults */
    int out_fd;           /* the captured stdout, an unlinked file */
    char err[512];
};

/* An unlinked temporary file for a run's stdout, or -1. */
static int capture_file(void)
{
    char tmpl[] = "/tmp/faultline-compare-XXXXXX";
    int fd = mkstemp(tmpl);

    if (fd >= 0)
        unlink(tmpl);
    return fd;
}

/* execvp's search, made before the fork: PROG itself when it names a path, else the first
 * executable regular file of that name in this process's PATH (posix_spawnp's PATH, and the
 * same default). Returns a malloc'd path, or NULL with errno set (ENOENT if none). */
static char *find_program(const char *prog)
{
    if (strchr(prog, '/'))
        return strdup(prog);
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/bin:/usr/bin";
    for (const char *dir = path;; dir++) {
        const char *end = strchrnul(dir, ':');
        int dlen = (int)(end - dir);
        char *cand = NULL;
        struct stat st;
        if (asprintf(&cand, "%.*s%s%s", dlen, dir, dlen ? "/" : "", prog) < 0)
            return NULL;
        if (!stat(cand, &st) && S_ISREG(st.st_mode) && !access(cand, X_OK))
            return cand;
        free(cand);
        if (!*end)
            break;
        dir = end;
    }
    errno = ENOENT;
    return NULL;
}

/*
 * Run PROG natively: stdin /dev/null, stdout to r->out_fd, environment envp.
 *
 * The child is forked, and its rusage counts every fault it takes, also those before its
 * execve: its copy-on-write faults after the fork, and a posix_spawn child's on the stack
 * glibc maps for it (1 or 2 in every run, which made the kernel's column that much higher than
 * the model's, whose count starts at its exec). So the child reads its own counts with
 * getrusage right before the execve and sends them through a close-on-exec pipe; they are taken
 * off the total. Nothing between the two faults: the path was searched for in this process, the
 * write and the execve run on the stack getrusage has just used.
 */
static void run_native(char **argv, char **envp, struct run_outcome *r)
{
    struct rusage ru;
    pid_t pid;
    int st, sync[2];
    char *path = find_program(argv[0]);

    if (!path) {
        snprintf(r->err, sizeof(r->err), "cannot run %s natively: %s", argv[0], strerror(errno));
        return;
    }
    if (pipe2(sync, O_CLOEXEC)) {
        snprintf(r->err, sizeof(r->err), "pipe: %s", strerror(errno));
        free(path);
        return;
    }
    /*
     * The model lays processes out without randomization. A randomized native run places the
     * libraries, heap and stack elsewhere on every run, which moves the 64 KiB fault-around
     * windows over the libraries' pages and the heap's and stack's data across page boundaries:
     * its count then varies from run to run (a fork-heavy bash script by 3-4%). The personality
     * is inherited across the fork and kept by execve; this process's own is put back at once.
     */
    int old_pers = personality(0xffffffff);
    if (old_pers != -1)
        personality((unsigned long)old_pers | ADDR_NO_RANDOMIZE);
    /* and on one CPU, as the guest runs: how many threads a program starts, its GC, its
     * arenas depend on it (the affinity is inherited too, and put back the same way) */
    cpu_set_t cpus;
    bool pinned = native_pin_one_cpu(&cpus);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        signal(SIGPIPE, SIG_DFL); /* the model's run ignores it in this process */
        if (null < 0 || dup2(null, 0) < 0 || dup2(r->out_fd, 1) < 0)
            _exit(127);
        /* both written first: getrusage's own copy-on-write fault on `before` would come
         * after it took the count, and the store into counts after it too */
        struct rusage before;
        long counts[3];
        memset(&before, 0, sizeof(before));
        memset(counts, 0, sizeof(counts));
        getrusage(RUSAGE_SELF, &before);
        counts[0] = before.ru_minflt;
        counts[1] = before.ru_majflt;
        if (write(sync[1], counts, 2 * sizeof(long)) != 2 * sizeof(long))
            _exit(127);
        execve(path, argv, envp);
        counts[2] = errno;
        if (write(sync[1], &counts[2], sizeof(long)) != sizeof(long))
            _exit(127);
        _exit(127);
    }
    int fork_errno = errno;
    if (pinned)
        native_unpin(&cpus);
    if (old_pers != -1)
        personality((unsigned long)old_pers);
    close(sync[1]);
    free(path);
    if (pid < 0) {
        close(sync[0]);
        snprintf(r->err, sizeof(r->err), "cannot run %s natively: fork: %s", argv[0],
                 strerror(fork_errno));
        return;
    }
    long counts[3] = {0, 0, 0};
    size_t got = 0;
    while (got < sizeof(counts)) {
        ssize_t n = read(sync[0], (char *)counts + got, sizeof(counts) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(sync[0]);
    while (wait4(pid, &st, 0, &ru) < 0) {
        if (errno != EINTR) {
            snprintf(r->err, sizeof(r->err), "wait4: %s", strerror(errno));
            return;
        }
    }
    if (got != 2 * sizeof(long)) { /* the exec failed (its errno came third) or never ran */
        snprintf(r->err, sizeof(r->err), "cannot run %s natively: %s", argv[0],
                 got == sizeof(counts) ? strerror((int)counts[2]) : "the child died first");
        return;
    }
    r->ran = true;
    r->status = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
    r->minflt = ru.ru_minflt - (unsigned long)counts[0];
    r->majflt = ru.ru_majflt - (unsigned long)counts[1];
}

/*
 * Run PROG under faultline in this process. faultline's own fds 0 and 1 are pointed at /dev/null
 * and r->out_fd while the machine is created and runs (the guest's stdio are dups of them), then
 * put back.
 */
static void run_model(const struct run_options *ro, struct run_outcome *r,
                      struct page_collector *pages)
{
    struct fl_options opt = ro->opt;
    struct emu_result res = {0};
    int saved_in = dup(0), saved_out = dup(1), devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

    opt.quiet = true;
    if (saved_in < 0 || saved_out < 0 || devnull < 0) {
        snprintf(r->err, sizeof(r->err), "cannot redirect stdio: %s", strerror(errno));
        goto out;
    }
    fflush(stdout);
    dup2(devnull, 0);
    dup2(r->out_fd, 1);
    signal(SIGPIPE, SIG_IGN);

    struct emu *e = emu_create(&opt, r->err, sizeof(r->err));
    if (e) {
        struct proc *p = emu_spawn(e, ro->prog, ro->guest_argv, opt.envp, r->err, sizeof(r->err));
        if (p) {
            emu_run(e, &res);
            page_collector_stop(pages);
            r->ran = res.stop == EMU_EXITED;
            if (!r->ran)
                snprintf(r->err, sizeof(r->err), "the faultline run did not finish: %s",
                         res.message[0] ? res.message : "stopped by a limit or interrupted");
            r->status = res.term_sig ? 128 + res.term_sig : res.exit_code;
            wait_rusage_faults(p, &r->minflt, &r->majflt);
        }
        emu_destroy(e);
    }
    dup2(saved_in, 0);
    dup2(saved_out, 1);
out:
    if (saved_in >= 0)
        close(saved_in);
    if (saved_out >= 0)
        close(saved_out);
    if (devnull >= 0)
        close(devnull);
}

/* Whether the two captured files hold the same bytes; their lengths go to *size_a, *size_b. */
static bool same_output(int a, int b, off_t *size_a, off_t *size_b)
{
    static char ba[65536], bb[65536];
    struct stat sa, sb;

    if (fstat(a, &sa) || fstat(b, &sb))
        return false;
    *size_a = sa.st_size;
    *size_b = sb.st_size;
    if (sa.st_size != sb.st_size)
        return false;
    for (off_t off = 0; off < sa.st_size;) {
        ssize_t na = pread(a, ba, sizeof(ba), off), nb = pread(b, bb, sizeof(bb), off);
        if (na <= 0 || na != nb || memcmp(ba, bb, na))
            return false;
        off += na;
    }
    return true;
}

static const char *verdict(bool same)
{
    return same ? "same" : "DIFFERENT";
}

/* Take compare's own --pages out of the options (before the --); whether it was there. */
static bool take_pages_option(int *argc, char **argv)
{
    bool found = false;
    for (int i = 1; i < *argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "--pages")) {
            memmove(&argv[i], &argv[i + 1], (size_t)(*argc - i) * sizeof(*argv));
            (*argc)--;
            i--;
            found = true;
        }
    }
    return found;
}

int cmd_compare(int argc, char **argv)
{
    struct run_options ro;
    struct run_outcome nat = {.out_fd = -1}, mod = {.out_fd = -1};
    bool pages = take_pages_option(&argc, argv);
    int rc = parse_run_options(argc, argv, &ro);
    bool same_out, same_status;
    off_t size = 0, msize = 0;
    struct page_collector *collector = NULL;
    struct fault_samples samples = {0};

    if (rc >= 0) {
        free_run_options(&ro);
        return rc;
    }
    if (strstr(ro.options_json, "\"db\":"))
        fprintf(stderr, "faultline compare: no fault log is written, --db is ignored (use "
                        "faultline run for a log)\n");
    ro.opt.no_log = true;
    nat.out_fd = capture_file();
    mod.out_fd = capture_file();
    if (nat.out_fd < 0 || mod.out_fd < 0) {
        fprintf(stderr, "faultline compare: cannot create a temporary file: %s\n", strerror(errno));
        rc = 1;
        goto out;
    }
    run_native(ro.guest_argv, ro.opt.envp, &nat);
    if (!nat.ran) {
        fprintf(stderr, "faultline compare: %s\n", nat.err);
        rc = 127;
        goto out;
    }
    if (pages && !(collector = page_collector_start())) {
        fprintf(stderr, "faultline compare: out of memory\n");
        rc = 1;
        goto out;
    }
    run_model(&ro, &mod, collector);
    if (!mod.ran) {
        fprintf(stderr, "faultline compare: %s: %s\n", ro.prog, mod.err);
        rc = 126;
        goto out;
    }
    same_out = same_output(nat.out_fd, mod.out_fd, &size, &msize);
    same_status = nat.status == mod.status;
    printf("%s\n%-14s %12s %12s\n", ro.prog, "", "kernel", "model");
    printf("%-14s %12lu %12lu\n", "minor faults", nat.minflt, mod.minflt);
    printf("%-14s %12lu %12lu\n", "major faults", nat.majflt, mod.majflt);
    printf("%-14s %12lu %12lu\n", "all faults", nat.minflt + nat.majflt, mod.minflt + mod.majflt);
    printf("%-14s %12d %12d   %s\n", "exit status", nat.status, mod.status, verdict(same_status));
    printf("%-14s %12lld %12lld   %s\n", "stdout bytes", (long long)size, (long long)msize,
           verdict(same_out));
    rc = same_out && same_status ? 0 : 1;
    if (pages) {
        char err[512];
        int status, sink = capture_file();
        fflush(stdout);
        if (sink < 0 || native_fault_run(ro.guest_argv, ro.opt.envp, sink, &samples, &status, err,
                                         sizeof(err))) {
            fprintf(stderr, "faultline compare: --pages: %s\n",
                    sink < 0 ? "cannot create a temporary file" : err);
            rc = 1;
        } else if (compare_pages_report(stdout, &samples, collector)) {
            fprintf(stderr, "faultline compare: --pages: out of memory\n");
            rc = 1;
        }
        if (sink >= 0)
            close(sink);
    }
out:
    page_collector_free(collector);
    free(samples.v);
    if (nat.out_fd >= 0)
        close(nat.out_fd);
    if (mod.out_fd >= 0)
        close(mod.out_fd);
    free_run_options(&ro);
    return rc;
}
