/*
 * prctl_caps - prctl's capability options as setpriv(1) uses them (security/commoncap.c's
 * cap_task_prctl), one line per step, natively and under faultline alike:
 *   keepcaps    PR_GET/SET_KEEPCAPS: 0 or 1 only, a securebit, inherited by fork, cleared by
 *               execve (the child re-executes itself with "after-exec")
 *   securebits  PR_GET/SET_SECUREBITS: a locked bit cannot change or be unlocked, no unknown bits
 *   bounding    PR_CAPBSET_READ/DROP: an unknown capability is EINVAL; a dropped one reads 0,
 *               in a child and after execve too, and /proc/self/status's CapBnd follows
 *   ambient     PR_CAP_AMBIENT: IS_SET, RAISE (only a permitted and inheritable capability),
 *               LOWER, CLEAR_ALL, and their argument checks; CapAmb follows
 * faultline answered all of them EINVAL until 2026-12-07, and `setpriv --nnp CMD` failed with
 * "keep process capabilities failed". Meant to run as root (or with CAP_SETPCAP), as the tests
 * do; without it the refusals are compared instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define CAP_CHOWN   0
#define CAP_NET_RAW 13

static void show(const char *what, long r)
{
    printf("%-40s %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

/* A set from /proc/self/status ("CapBnd"): is capability cap in it? -1 if not found. */
static int status_has(const char *key, int cap)
{
    char line[256];
    int r = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, key, strlen(key)) == 0 && line[strlen(key)] == ':')
            r = (int)(strtoull(line + strlen(key) + 1, NULL, 16) >> cap & 1);
    if (f)
        fclose(f);
    return r;
}

static void after_exec(void)
{
    show("after exec: PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    show("after exec: PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    show("after exec: PR_CAPBSET_READ net_raw", prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0));
    printf("after exec: CapBnd has net_raw: %d\n", status_has("CapBnd", CAP_NET_RAW));
}

/* capset: add cap to the inheritable set (allowed for a permitted capability with
 * CAP_SETPCAP). */
static long inheritable_add(int cap)
{
    uint32_t d[6];
    if (guest_capget(d))
        return -1;
    d[2] |= 1u << cap;
    return guest_capset(d);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "after-exec") == 0) {
        after_exec();
        return 0;
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    show("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    show("PR_SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
    show("PR_SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    show("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    show("PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    show("PR_SET_SECUREBITS an unknown bit", prctl(PR_SET_SECUREBITS, 0x100010, 0, 0, 0));

    show("PR_CAPBSET_READ chown", prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
    show("PR_CAPBSET_READ 63", prctl(PR_CAPBSET_READ, 63, 0, 0, 0));
    show("PR_CAPBSET_DROP 63", prctl(PR_CAPBSET_DROP, 63, 0, 0, 0));
    show("PR_CAPBSET_DROP net_raw", prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0));
    show("PR_CAPBSET_READ net_raw", prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0));
    show("PR_CAPBSET_READ chown", prctl(PR_CAPBSET_READ, CAP_CHOWN, 0, 0, 0));
    printf("CapBnd has net_raw: %d, chown: %d\n", status_has("CapBnd", CAP_NET_RAW),
           status_has("CapBnd", CAP_CHOWN));

    show("PR_CAP_AMBIENT IS_SET chown", prctl(PR_CAP_AMBIENT, 1, CAP_CHOWN, 0, 0));
    show("PR_CAP_AMBIENT IS_SET 63", prctl(PR_CAP_AMBIENT, 1, 63, 0, 0));
    show("PR_CAP_AMBIENT IS_SET, arg4 set", prctl(PR_CAP_AMBIENT, 1, CAP_CHOWN, 1, 0));
    show("PR_CAP_AMBIENT op 9", prctl(PR_CAP_AMBIENT, 9, CAP_CHOWN, 0, 0));
    show("PR_CAP_AMBIENT RAISE, not inheritable", prctl(PR_CAP_AMBIENT, 2, CAP_CHOWN, 0, 0));
    show("capset: chown inheritable", inheritable_add(CAP_CHOWN));
    show("PR_CAP_AMBIENT RAISE chown", prctl(PR_CAP_AMBIENT, 2, CAP_CHOWN, 0, 0));
    show("PR_CAP_AMBIENT IS_SET chown", prctl(PR_CAP_AMBIENT, 1, CAP_CHOWN, 0, 0));
    printf("CapAmb has chown: %d\n", status_has("CapAmb", CAP_CHOWN));
    show("PR_CAP_AMBIENT LOWER chown", prctl(PR_CAP_AMBIENT, 3, CAP_CHOWN, 0, 0));
    show("PR_CAP_AMBIENT IS_SET chown", prctl(PR_CAP_AMBIENT, 1, CAP_CHOWN, 0, 0));
    show("PR_CAP_AMBIENT RAISE chown", prctl(PR_CAP_AMBIENT, 2, CAP_CHOWN, 0, 0));
    show("PR_CAP_AMBIENT CLEAR_ALL, arg3 set", prctl(PR_CAP_AMBIENT, 4, 1, 0, 0));
    show("PR_CAP_AMBIENT CLEAR_ALL", prctl(PR_CAP_AMBIENT, 4, 0, 0, 0));
    show("PR_CAP_AMBIENT IS_SET chown", prctl(PR_CAP_AMBIENT, 1, CAP_CHOWN, 0, 0));

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        show("child: PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
        show("child: PR_CAPBSET_READ net_raw", prctl(PR_CAPBSET_READ, CAP_NET_RAW, 0, 0, 0));
        /* lock KEEP_CAPS set: it cannot be cleared, nor the lock undone */
        show("child: lock keepcaps", prctl(PR_SET_SECUREBITS, 0x30, 0, 0, 0));
        show("child: PR_SET_KEEPCAPS 0", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
        show("child: unlock", prctl(PR_SET_SECUREBITS, 0x10, 0, 0, 0));
        show("child: PR_GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    c = fork();
    if (c == 0) {
        execl("/proc/self/exe", argv[0], "after-exec", (char *)NULL);
        _exit(99);
    }
    waitpid(c, NULL, 0);
    return 0;
}
