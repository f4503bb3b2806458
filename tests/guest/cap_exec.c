/*
 * cap_exec - the capability sets a root process's program starts with (cap_bprm_set_creds in
 * security/commoncap.c, no file capabilities): its permitted set is its old bounding set plus
 * its inheritable set plus its ambient set, its effective set that when the effective uid is 0
 * and only the ambient set when just the real uid is, and with SECBIT_NOROOT set uid 0 gives
 * nothing beyond the ambient set. Each case runs in a child that sets itself up and re-executes
 * this program, which prints what it has.
 *
 * Until 2026-12-07 faultline gave a root program its own (faultline's) sets at every execve,
 * whatever the caller had dropped: `capsh --drop=cap_net_raw -- -c CMD` ran CMD with
 * CAP_NET_RAW permitted and effective though the bounding set no longer held it, and a program
 * started with a real uid of 0 but another effective uid had every capability effective.
 * Meant to run as root, as the tests do; as another user it says so and stops.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define CAP_CHOWN     0
#define CAP_NET_ADMIN 12
#define CAP_NET_RAW   13
#define NOBODY        65534

static const int shown[] = {CAP_CHOWN, CAP_NET_ADMIN, CAP_NET_RAW};
static const char *const names[] = {"chown", "net_admin", "net_raw"};

/* capget's three sets: eff, prm, inh */
static int caps_get(uint64_t s[3])
{
    uint32_t d[6];
    if (guest_capget(d))
        return -1;
    for (int i = 0; i < 3; i++)
        s[i] = d[i] | (uint64_t)d[i + 3] << 32;
    return 0;
}

static int caps_set(const uint64_t s[3])
{
    uint32_t d[6];
    for (int i = 0; i < 3; i++)
        d[i] = (uint32_t)s[i], d[i + 3] = (uint32_t)(s[i] >> 32);
    return guest_capset(d);
}

/* One /proc/self/status set ("CapPrm") as a number, 0 if missing. */
static uint64_t status_set(const char *key)
{
    char line[256];
    uint64_t v = 0;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
            v = strtoull(line + strlen(key) + 1, NULL, 16);
    if (f)
        fclose(f);
    return v;
}

/* The exec'd side: which of the shown capabilities each set holds. */
static void report(const char *what)
{
    uint64_t s[3] = {0};
    if (caps_get(s))
        perror("capget");
    uid_t r, e, sv;
    getresuid(&r, &e, &sv);
    printf("%s: uid %u %u %u\n", what, r, e, sv);
    const char *set_names[] = {"eff", "prm", "inh"};
    for (int i = 0; i < 3; i++) {
        printf("%s: %s", what, set_names[i]);
        for (int c = 0; c < 3; c++)
            printf(" %s=%d", names[c], (int)(s[i] >> shown[c] & 1));
        printf("\n");
    }
    const char *keys[] = {"CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"};
    for (int k = 0; k < 5; k++) {
        uint64_t v = status_set(keys[k]);
        printf("%s: %s", what, keys[k]);
        for (int c = 0; c < 3; c++)
            printf(" %s=%d", names[c], (int)(v >> shown[c] & 1));
        printf("\n");
    }
    /* the sets agree with each other: capget's and the status file's */
    if (s[0] != status_set("CapEff") || s[1] != status_set("CapPrm") ||
        s[2] != status_set("CapInh"))
        printf("%s: capget and /proc/self/status disagree\n", what);
}

static void check(const char *what, long r)
{
    if (r < 0) {
        printf("%s failed\n", what);
        fflush(stdout);
        _exit(1);
    }
}

/* Run one case: the child sets itself up and re-executes this program as "after NAME". */
static void run_case(const char *self, const char *name)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        uint64_t s[3];
        check("capget", caps_get(s));
        if (strcmp(name, "bset") == 0) {
            /* dropped from the bounding set: not permitted after execve */
            check("drop net_raw", prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));
        } else if (strcmp(name, "bset-inheritable") == 0) {
            /* dropped from the bounding set but inheritable: permitted again */
            s[2] |= 1ull << CAP_NET_ADMIN;
            check("capset", caps_set(s));
            check("drop net_raw", prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));
            check("drop net_admin", prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0));
            /* and no longer made inheritable once out of the bounding set */
            s[2] |= 1ull << CAP_NET_RAW;
            printf("capset net_raw inheritable, not bounding: %s\n",
                   caps_set(s) ? "refused" : "done");
        } else if (strcmp(name, "bset-ambient") == 0) {
            s[2] |= 1ull << CAP_NET_ADMIN;
            check("capset", caps_set(s));
            check("ambient raise", prctl(PR_CAP_AMBIENT, 2, CAP_NET_ADMIN, 0, 0));
            check("drop net_admin", prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0));
        } else if (strcmp(name, "real-root") == 0) {
            /* the effective uid given up, the real one kept: permitted but not effective */
            check("setresuid", setresuid(0, NOBODY, 0));
        } else if (strcmp(name, "noroot") == 0) {
            /* SECBIT_NOROOT: uid 0 is no reason for capabilities */
            check("securebits", prctl(PR_SET_SECUREBITS, 1, 0, 0, 0));
        } else if (strcmp(name, "noroot-ambient") == 0) {
            s[2] |= 1ull << CAP_CHOWN;
            check("capset", caps_set(s));
            check("ambient raise", prctl(PR_CAP_AMBIENT, 2, CAP_CHOWN, 0, 0));
            check("securebits", prctl(PR_SET_SECUREBITS, 1, 0, 0, 0));
        }
        fflush(stdout);
        execl(self, self, "after", name, (char *)NULL);
        _exit(99);
    }
    int st;
    waitpid(c, &st, 0);
    printf("%s: status %d\n", name, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "after") == 0) {
        report(argv[2]);
        return 0;
    }
    if (getuid() != 0) {
        printf("not root\n");
        return 0;
    }
    /* /proc/self/exe: the same program whatever the current directory */
    const char *self = "/proc/self/exe";
    const char *cases[] = {"plain",     "bset",   "bset-inheritable", "bset-ambient",
                           "real-root", "noroot", "noroot-ambient"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        run_case(self, cases[i]);
    return 0;
}
