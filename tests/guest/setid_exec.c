/*
 * setid_exec.c - set-user-ID and set-group-ID programs at execve (fs/exec.c's bprm_fill_uid,
 * security/commoncap.c's cap_bprm_set_creds, setup_new_exec).
 *
 * Run as root, it copies itself into DIR with set-id bits (root's and 4755; group 4242's and
 * 2755; 65534's and 4755; 2745, set-group-ID without group execute, which is no set-group-ID;
 * and 0755), and forked children run the copies: mostly after dropping to uid and gid 65534,
 * one as root, one with no_new_privs, two ptraced (by root, and by a tracer of uid 65534, which
 * has no CAP_SYS_PTRACE, so the set-id exec is downgraded), one made with CLONE_FS (its
 * fs_struct shared with another process: downgraded too). Each child sets a parent-death signal
 * and ADDR_NO_RANDOMIZE first; the program it runs ("report") prints its ids, its capability
 * sets, AT_SECURE, its dumpability, its parent-death signal and its personality, which a set-id
 * exec changes. Until 2026-12-07 faultline ignored the bits: every copy ran with its caller's
 * ids, AT_SECURE 0, dumpable.
 *
 * `setid_exec preload DIR LIB`: uid 65534 runs a copy of /usr/bin/id with LD_PRELOAD=LIB (a
 * library whose constructor prints a line), once as 0755 and once owned by root and 4755:
 * the set-user-ID one runs with AT_SECURE, so ld.so ignores the preload.
 *
 * `setid_exec nosuid DIR`: both of the above in DIR on a nosuid mount, where neither set-id bits
 * nor file capabilities count (tests/guest/nosuid_compare.sh makes one).
 *
 * Run by a user other than root, or in a directory on a nosuid mount (not one for "nosuid"), it
 * says so and exits 0.
 *
 * `setid_exec fcaps DIR`: copies with file capabilities (CAP_NET_RAW permitted and effective,
 * permitted, inheritable; and on a set-user-ID root copy) run by uid 65534, by root, without
 * CAP_NET_RAW in the bounding set (EPERM), with no_new_privs, traced.
 *
 *     setid_exec ids DIR | fcaps DIR | nosuid DIR | preload DIR LIB | report LABEL
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define NOBODY 65534
#define GROUP  4242

static void report(const char *label)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    int sig = -1;
    prctl(PR_GET_PDEATHSIG, &sig);
    printf("%s: uid %u %u %u gid %u %u %u AT_SECURE %lu dumpable %d pdeathsig %d "
           "personality %#x\n",
           label, r, e, s, gr, ge, gs, getauxval(AT_SECURE), prctl(PR_GET_DUMPABLE), sig,
           (unsigned)personality(0xffffffff));
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) ||
            !strncmp(line, "CapInh:", 7) || !strncmp(line, "CapPrm:", 7) ||
            !strncmp(line, "CapEff:", 7) || !strncmp(line, "CapAmb:", 7))
            printf("  %s", line);
    if (f)
        fclose(f);
}

static int copy_file(const char *from, const char *to, uid_t uid, gid_t gid, mode_t mode)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    char buf[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            return -1;
    if (in < 0 || out < 0)
        return -1;
    close(in);
    close(out);
    /* chown clears the set-id bits: chmod after it */
    return chown(to, uid, gid) || chmod(to, mode) ? -1 : 0;
}

static void drop_to_nobody(void)
{
    if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
        setresuid(NOBODY, NOBODY, NOBODY)) {
        perror("drop");
        _exit(100);
    }
}

static void run(const char *dir, const char *prog, const char *label)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, prog);
    char *argv[] = {(char *)prog, "report", (char *)label, NULL};
    prctl(PR_SET_PDEATHSIG, SIGUSR1);
    personality(ADDR_NO_RANDOMIZE);
    execv(path, argv);
    printf("%s: execv: %s\n", label, strerror(errno));
    fflush(stdout);
    _exit(1);
}

static void wait_child(pid_t pid, const char *label)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        printf("%s: waitpid: %s\n", label, strerror(errno));
    else if (!WIFEXITED(st) || WEXITSTATUS(st))
        printf("%s: status %#x\n", label, st);
}

enum how { AS_NOBODY, AS_ROOT, NNP, TRACED_BY_ROOT, TRACED_BY_NOBODY, NO_BSET_NET_RAW, SHARED_FS };

struct shared_fs_run {
    const char *dir, *prog, *label;
};

/* a child made with CLONE_FS: its fs_struct shared with its parent's (check_unsafe_exec's
 * LSM_UNSAFE_SHARE) */
static int shared_fs_child(void *arg)
{
    struct shared_fs_run *r = arg;
    drop_to_nobody();
    run(r->dir, r->prog, r->label);
    return 1;
}

/* A child runs dir/prog as `how` says. */
static void child(const char *dir, const char *prog, enum how how, const char *label)
{
    fflush(stdout);
    if (how == SHARED_FS) {
        static char stack[1 << 16] __attribute__((aligned(16)));
        struct shared_fs_run r = {dir, prog, label};
        pid_t pid = clone(shared_fs_child, stack + sizeof(stack), CLONE_FS | SIGCHLD, &r);
        if (pid < 0) {
            perror("clone");
            exit(100);
        }
        wait_child(pid, label);
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(100);
    }
    if (pid == 0) {
        if (how == TRACED_BY_NOBODY) { /* the tracer drops its ids, then forks the tracee */
            drop_to_nobody();
            pid_t t = fork();
            if (t == 0) {
                ptrace(PTRACE_TRACEME, 0, 0, 0);
                run(dir, prog, label);
            }
            int st;
            if (waitpid(t, &st, 0) == t && WIFSTOPPED(st))
                ptrace(PTRACE_DETACH, t, 0, 0);
            wait_child(t, label);
            _exit(0);
        }
        if (how == TRACED_BY_ROOT)
            ptrace(PTRACE_TRACEME, 0, 0, 0);
        if (how == NO_BSET_NET_RAW && prctl(PR_CAPBSET_DROP, 13 /* CAP_NET_RAW */, 0, 0, 0))
            perror("PR_CAPBSET_DROP");
        if (how != AS_ROOT)
            drop_to_nobody();
        if (how == NNP && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
            perror("PR_SET_NO_NEW_PRIVS");
        run(dir, prog, label);
    }
    if (how == TRACED_BY_ROOT) {
        int st;
        if (waitpid(pid, &st, 0) == pid && WIFSTOPPED(st))
            ptrace(PTRACE_DETACH, pid, 0, 0);
    }
    wait_child(pid, label);
}

/* The directory may hold set-id programs that work: root runs this, on a mount without
 * nosuid. */
static int want_nosuid; /* the "nosuid" mode: DIR must be on a nosuid mount */

static int usable(const char *dir)
{
    struct statvfs sv;
    if (geteuid() != 0) {
        printf("not root: set-id programs not tried\n");
        return 0;
    }
    if (statvfs(dir, &sv) || !(sv.f_flag & ST_NOSUID) != !want_nosuid) {
        printf("%s: %s: set-id programs not tried\n", dir,
               want_nosuid ? "not a nosuid mount" : "nosuid mount");
        return 0;
    }
    /* uid 65534 must reach the copies */
    if (chmod(dir, 0755)) {
        perror("chmod");
        exit(100);
    }
    return 1;
}

static int ids(const char *dir)
{
    if (!usable(dir))
        return 0;
    static const struct {
        const char *name;
        uid_t uid;
        gid_t gid;
        mode_t mode;
    } copies[] = {
        {"suid_root", 0, 0, 04755},
        {"sgid_group", 0, GROUP, 02755},
        {"suid_nobody", NOBODY, NOBODY, 04755},
        {"sgid_noxgrp", 0, GROUP, 02745},
        {"plain", 0, 0, 0755},
    };
    char path[4096];
    for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, copies[i].name);
        if (copy_file("/proc/self/exe", path, copies[i].uid, copies[i].gid, copies[i].mode)) {
            perror(path);
            return 100;
        }
    }
    /* commit_creds clears the parent-death signal of a task whose ids change */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int sig = -1;
        prctl(PR_SET_PDEATHSIG, SIGUSR1);
        drop_to_nobody();
        prctl(PR_GET_PDEATHSIG, &sig);
        printf("parent-death signal after setresuid(65534): %d\n", sig);
        fflush(stdout);
        _exit(0);
    }
    wait_child(pid, "setresuid");
    child(dir, "plain", AS_NOBODY, "uid 65534 runs a 0755 program");
    child(dir, "suid_root", AS_NOBODY, "uid 65534 runs a 4755 program of root's");
    child(dir, "sgid_group", AS_NOBODY, "uid 65534 runs a 2755 program of group 4242's");
    child(dir, "sgid_noxgrp", AS_NOBODY, "uid 65534 runs a 2745 program of group 4242's");
    child(dir, "suid_nobody", AS_ROOT, "root runs a 4755 program of uid 65534's");
    child(dir, "suid_root", AS_ROOT, "root runs a 4755 program of root's");
    child(dir, "suid_root", NNP, "uid 65534 with no_new_privs runs a 4755 program of root's");
    child(dir, "suid_root", TRACED_BY_ROOT, "uid 65534 traced by root runs a 4755 program");
    child(dir, "suid_root", TRACED_BY_NOBODY, "uid 65534 traced by uid 65534 runs a 4755 program");
    child(dir, "suid_root", SHARED_FS,
          "uid 65534 sharing its fs_struct with its parent runs a 4755 program of root's");
    return 0;
}

/* A copy of this program with file capabilities: CAP_NET_RAW permitted and/or inheritable,
 * effective or not (a revision 2 security.capability xattr, as setcap writes it). */
static int copy_fcaps(const char *dir, const char *name, uid_t uid, mode_t mode, uint32_t fp,
                      uint32_t fi, int eff)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (copy_file("/proc/self/exe", path, uid, 0, mode))
        return -1;
    uint32_t xattr[5] = {0x02000000u | (eff ? 1 : 0), fp, fi, 0, 0}; /* little-endian host */
    return setxattr(path, "security.capability", xattr, sizeof(xattr), 0);
}

static int fcaps(const char *dir)
{
    if (!usable(dir))
        return 0;
    const uint32_t net_raw = 1u << 13;
    if (copy_fcaps(dir, "fcap_ep", 0, 0755, net_raw, 0, 1) ||
        copy_fcaps(dir, "fcap_p", 0, 0755, net_raw, 0, 0) ||
        copy_fcaps(dir, "fcap_i", 0, 0755, 0, net_raw, 1) ||
        copy_fcaps(dir, "fcap_suid_p", 0, 04755, net_raw, 0, 0)) {
        if (errno == ENOTSUP) {
            printf("%s: no security.capability here: file capabilities not tried\n", dir);
            return 0;
        }
        perror("file capabilities");
        return 100;
    }
    child(dir, "fcap_ep", AS_NOBODY, "uid 65534 runs a program with cap_net_raw+ep");
    child(dir, "fcap_p", AS_NOBODY, "uid 65534 runs a program with cap_net_raw+p");
    child(dir, "fcap_i", AS_NOBODY, "uid 65534 runs a program with cap_net_raw+ie");
    child(dir, "fcap_ep", NO_BSET_NET_RAW,
          "uid 65534 without cap_net_raw in its bounding set runs one with cap_net_raw+ep");
    child(dir, "fcap_suid_p", AS_NOBODY,
          "uid 65534 runs a 4755 program of root's with cap_net_raw+p");
    child(dir, "fcap_p", AS_ROOT, "root runs a program with cap_net_raw+p");
    child(dir, "fcap_ep", NNP, "uid 65534 with no_new_privs runs a program with cap_net_raw+ep");
    child(dir, "fcap_ep", TRACED_BY_NOBODY,
          "uid 65534 traced by uid 65534 runs a program with cap_net_raw+ep");
    return 0;
}

/* uid 65534 runs copies of id(1) with LD_PRELOAD */
static int preload(const char *dir, const char *lib)
{
    if (!usable(dir))
        return 0;
    char plain[4096], suid[4096], env[4200];
    snprintf(plain, sizeof(plain), "%s/id_plain", dir);
    snprintf(suid, sizeof(suid), "%s/id_suid", dir);
    if (copy_file("/usr/bin/id", plain, 0, 0, 0755) ||
        copy_file("/usr/bin/id", suid, 0, 0, 04755)) {
        perror("copy /usr/bin/id");
        return 100;
    }
    snprintf(env, sizeof(env), "LD_PRELOAD=%s", lib);
    const char *progs[] = {plain, suid};
    for (int i = 0; i < 2; i++) {
        printf("%s:\n", i ? "4755 id of root's" : "0755 id");
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            drop_to_nobody();
            char *argv[] = {"id", NULL}, *envp[] = {env, "LC_ALL=C", NULL};
            execve(progs[i], argv, envp);
            printf("execve: %s\n", strerror(errno));
            fflush(stdout);
            _exit(1);
        }
        wait_child(pid, progs[i] + strlen(dir) + 1);
    }
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (argc == 3 && !strcmp(argv[1], "report")) {
        report(argv[2]);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "nosuid")) { /* both, where the bits count for nothing */
        want_nosuid = 1;
        int r = ids(argv[2]);
        return r ? r : fcaps(argv[2]);
    }
    if (argc == 3 && !strcmp(argv[1], "ids"))
        return ids(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "fcaps"))
        return fcaps(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "preload"))
        return preload(argv[2], argv[3]);
    fprintf(stderr, "usage: setid_exec ids|fcaps|nosuid DIR | preload DIR LIB | report LABEL\n");
    return 2;
}
