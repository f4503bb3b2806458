/*
 * cred.c - a task's user and group ids and the calls that read and change them (kernel/sys.c's
 * set*id, kernel/groups.c, security/commoncap.c's cap_task_fix_setuid).
 *
 * A task starts with faultline's ids (the host's). Until 2026-12-07 the guest could not change
 * them at all (EPERM for any other id), so a server started as root that gives up its
 * privileges for its workers failed where it runs natively: nginx's workers ("setgid(65534)
 * failed"), memcached -u nobody ("failed to assume identity"). Now the ids are the task's own
 * once a set*id call changes one, under Linux's rules (CAP_SETUID and CAP_SETGID from the
 * task's capability sets, which a uid change adjusts as commoncap does), and a system call runs
 * with the task's fsuid, fsgid and groups on faultline's thread (cred_enter), so the host
 * checks file access and owns new files as Linux would for the task. Only the file-system ids
 * reach the host; what is between guests, the model checks with the task's ids: signals
 * (kill_ok_by_cred), System V IPC (emu/sysv_ipc.h), POSIX message queues, and the right to
 * inspect another process (ptrace_may_access: with the dumpability a change of ids takes away,
 * as commit_creds does, and that exec and PR_SET_DUMPABLE give back, but not for an image the
 * task could not read). execve honours an image's set-user-ID and set-group-ID bits and its
 * file capabilities (cred_prepare_exec, cred_exec; until 2026-12-07 every program ran as if
 * from a nosuid mount). Not done: more than CRED_NGROUPS groups.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "emu/cred.h"
#include "emu/proc.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"

#define INVALID_ID ((uint32_t)-1)
#define CAP_SETGID 6
#define CAP_SETUID 7
/* CAP_FS_MASK: CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, LINUX_IMMUTABLE, MKNOD,
 * MAC_OVERRIDE: what an fsuid leaving 0 takes from the effective set */
#define CAP_FS_MASK            (0x1full | 1ull << 9 | 1ull << 27 | 1ull << 32)
#define SECBIT_NO_SETUID_FIXUP (1u << 2)
#define SECBIT_KEEP_CAPS       (1u << 4)
/* personality flags a set-id exec clears: READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE,
 * ADDR_COMPAT_LAYOUT, MMAP_PAGE_ZERO */
#define PER_CLEAR_ON_SETID (0x0400000u | 0x0040000u | 0x0200000u | 0x0100000u)

/* faultline's own ids and groups, read once (they never change while guests run) */
static struct {
    bool read;
    uint32_t uid[4], gid[4];
    int ngroups;
    uint32_t groups[CRED_NGROUPS];
} host;

static void host_read(void)
{
    if (host.read)
        return;
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    host.uid[CRED_R] = r, host.uid[CRED_E] = e, host.uid[CRED_S] = s;
    host.uid[CRED_FS] = (uint32_t)setfsuid(-1); /* an invalid id: no change, the current one */
    host.gid[CRED_R] = gr, host.gid[CRED_E] = ge, host.gid[CRED_S] = gs;
    host.gid[CRED_FS] = (uint32_t)setfsgid(-1);
    gid_t g[CRED_NGROUPS];
    int n = getgroups(CRED_NGROUPS, g);
    host.ngroups = n < 0 ? 0 : n;
    for (int i = 0; i < host.ngroups; i++)
        host.groups[i] = g[i];
    host.read = true;
}

void task_uids(const struct proc *p, uint32_t u[4])
{
    host_read();
    memcpy(u, p && p->ids_own ? p->uids : host.uid, 4 * sizeof(uint32_t));
}

void task_gids(const struct proc *p, uint32_t g[4])
{
    host_read();
    memcpy(g, p && p->ids_own ? p->gids : host.gid, 4 * sizeof(uint32_t));
}

int task_groups(const struct proc *p, uint32_t *list, int max)
{
    host_read();
    bool own = p && p->groups_own;
    int n = own ? p->ngroups : host.ngroups;
    if (list)
        memcpy(list, own ? p->groups : host.groups, (size_t)(n < max ? n : max) * sizeof(*list));
    return n;
}

/* the task's own copy, to change */
static void ids_own(struct proc *p)
{
    if (!p->ids_own) {
        task_uids(p, p->uids);
        task_gids(p, p->gids);
        p->ids_own = true;
    }
}

static bool is_one_of(uint32_t id, const uint32_t ids[4], int n)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* cap_emulate_setxuid and the fsuid fixup of cap_task_fix_setuid (security/commoncap.c): a task
 * that no longer has uid 0 anywhere loses its permitted and effective sets (unless
 * SECBIT_KEEP_CAPS), one whose euid leaves 0 its effective set, one whose euid becomes 0 gets its
 * permitted set as effective; an fsuid leaving 0 drops the file-system capabilities, one
 * becoming 0 raises them again from the permitted set. */
static void fix_setuid(struct proc *p, const uint32_t old[4], bool fs_only)
{
    const uint32_t *new = p->uids;
    if (p->securebits & SECBIT_NO_SETUID_FIXUP)
        return;
    uint64_t eff, prm, inh;
    if (!task_caps(p, &eff, &prm, &inh))
        return;
    if (fs_only) {
        if (old[CRED_FS] == 0 && new[CRED_FS] != 0)
            eff &= ~CAP_FS_MASK;
        if (old[CRED_FS] != 0 && new[CRED_FS] == 0)
            eff |= prm & CAP_FS_MASK;
    } else {
        if (is_one_of(0, old, 3) && !is_one_of(0, new, 3)) {
            if (!(p->securebits & SECBIT_KEEP_CAPS))
                prm = eff = 0;
            p->cap_amb = 0;
        }
        if (old[CRED_E] == 0 && new[CRED_E] != 0)
            eff = 0;
        if (old[CRED_E] != 0 && new[CRED_E] == 0)
            eff = prm;
    }
    p->caps_own = true;
    p->cap_eff = eff, p->cap_prm = prm, p->cap_inh = inh;
}

/* __sys_setuid / __sys_setgid: with the capability all three ids and fsuid; without, only the
 * effective (and fs) id, to the real or saved one */
static long set_id(struct proc *p, uint32_t *ids, uint32_t id, int cap)
{
    if (id == INVALID_ID)
        return -EINVAL;
    if (guest_capable(p, cap))
        ids[CRED_R] = ids[CRED_S] = id;
    else if (id != ids[CRED_R] && id != ids[CRED_S])
        return -EPERM;
    ids[CRED_E] = ids[CRED_FS] = id;
    return 0;
}

/* __sys_setreuid / __sys_setregid: the real id to the real or effective one, the effective to
 * any of the three; the saved id follows the effective when the real one is set or the
 * effective one becomes other than the real one */
static long set_re_id(struct proc *p, uint32_t *ids, uint32_t r, uint32_t e, int cap)
{
    uint32_t old[4];
    memcpy(old, ids, sizeof(old));
    bool capable = guest_capable(p, cap);
    if (r != INVALID_ID && !capable && r != old[CRED_R] && r != old[CRED_E])
        return -EPERM;
    if (e != INVALID_ID && !capable && !is_one_of(e, old, 3))
        return -EPERM;
    if (r != INVALID_ID)
        ids[CRED_R] = r;
    if (e != INVALID_ID)
        ids[CRED_E] = e;
    if (r != INVALID_ID || (e != INVALID_ID && e != old[CRED_R]))
        ids[CRED_S] = ids[CRED_E];
    ids[CRED_FS] = ids[CRED_E];
    return 0;
}

/* __sys_setresuid / __sys_setresgid: each id given, without the capability, one of the three */
static long set_res_id(struct proc *p, uint32_t *ids, const uint64_t a[6], int cap)
{
    uint32_t want[3] = {(uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]};
    if (!guest_capable(p, cap))
        for (int i = 0; i < 3; i++)
            if (want[i] != INVALID_ID && !is_one_of(want[i], ids, 3))
                return -EPERM;
    for (int i = 0; i < 3; i++)
        if (want[i] != INVALID_ID)
            ids[i] = want[i];
    ids[CRED_FS] = ids[CRED_E];
    return 0;
}

/* __sys_setfsuid / __sys_setfsgid: the old fsuid whatever happens; the new one if it is one of
 * the four or the task is capable */
static long set_fs_id(struct proc *p, uint32_t *ids, uint32_t id, int cap)
{
    uint32_t old = ids[CRED_FS];
    if (id != INVALID_ID && (is_one_of(id, ids, 4) || guest_capable(p, cap)))
        ids[CRED_FS] = id;
    return old;
}

/* fs.suid_dumpable, the host's (0 by default: a task whose ids changed is not dumpable) */
static unsigned char suid_dumpable(void)
{
    char c = '0';
    int fd = open("/proc/sys/fs/suid_dumpable", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &c, 1) != 1)
            c = '0';
        close(fd);
    }
    return c == '1' ? SUID_DUMP_USER : c == '2' ? SUID_DUMP_ROOT : SUID_DUMP_DISABLE;
}

/* commit_creds: a task whose effective or file-system uid or gid changed stops being dumpable
 * (as fs.suid_dumpable says), which keeps other users from ptracing it or reading its memory
 * (ptrace_may_access), and loses its parent-death signal (kept until 2026-12-07); ou and og are
 * its ids before. */
static void commit_creds(struct proc *p, const uint32_t ou[4], const uint32_t og[4])
{
    uint32_t u[4], g[4];
    task_uids(p, u);
    task_gids(p, g);
    if (u[CRED_E] != ou[CRED_E] || u[CRED_FS] != ou[CRED_FS] || g[CRED_E] != og[CRED_E] ||
        g[CRED_FS] != og[CRED_FS]) {
        if (p->task.mm)
            p->task.mm->dumpable = suid_dumpable();
        p->pdeath_signal = 0;
    }
}

/* Run one of the above on p's own uids, then adjust its capabilities as commoncap does. */
#define UID_CALL(call, fs_only)                                                                    \
    do {                                                                                           \
        uint32_t old[4], oldg[4];                                                                  \
        task_uids(p, old);                                                                         \
        task_gids(p, oldg);                                                                        \
        ids_own(p);                                                                                \
        long r = (call);                                                                           \
        if (r < 0 || (fs_only && r == (long)p->uids[CRED_FS]))                                     \
            return r;                                                                              \
        fix_setuid(p, old, fs_only);                                                               \
        commit_creds(p, old, oldg);                                                                \
        return r;                                                                                  \
    } while (0)

/* The same for the gids (no capability changes). */
#define GID_CALL(call)                                                                             \
    do {                                                                                           \
        uint32_t oldu[4], old[4];                                                                  \
        task_uids(p, oldu);                                                                        \
        task_gids(p, old);                                                                         \
        ids_own(p);                                                                                \
        long r = (call);                                                                           \
        if (r >= 0)                                                                                \
            commit_creds(p, oldu, old);                                                            \
        return r;                                                                                  \
    } while (0)

long sys_setuid(struct proc *p, const uint64_t a[6])
{
    UID_CALL(set_id(p, p->uids, (uint32_t)a[0], CAP_SETUID), false);
}

long sys_setreuid(struct proc *p, const uint64_t a[6])
{
    UID_CALL(set_re_id(p, p->uids, (uint32_t)a[0], (uint32_t)a[1], CAP_SETUID), false);
}

long sys_setresuid(struct proc *p, const uint64_t a[6])
{
    UID_CALL(set_res_id(p, p->uids, a, CAP_SETUID), false);
}

long sys_setfsuid(struct proc *p, const uint64_t a[6])
{
    UID_CALL(set_fs_id(p, p->uids, (uint32_t)a[0], CAP_SETUID), true);
}

long sys_setgid(struct proc *p, const uint64_t a[6])
{
    GID_CALL(set_id(p, p->gids, (uint32_t)a[0], CAP_SETGID));
}

long sys_setregid(struct proc *p, const uint64_t a[6])
{
    GID_CALL(set_re_id(p, p->gids, (uint32_t)a[0], (uint32_t)a[1], CAP_SETGID));
}

long sys_setresgid(struct proc *p, const uint64_t a[6])
{
    GID_CALL(set_res_id(p, p->gids, a, CAP_SETGID));
}

long sys_setfsgid(struct proc *p, const uint64_t a[6])
{
    GID_CALL(set_fs_id(p, p->gids, (uint32_t)a[0], CAP_SETGID));
}

long sys_getuid(struct proc *p, const uint64_t a[6])
{
    uint32_t u[4];
    task_uids(p, u);
    return u[CRED_R];
}

long sys_geteuid(struct proc *p, const uint64_t a[6])
{
    uint32_t u[4];
    task_uids(p, u);
    return u[CRED_E];
}

long sys_getgid(struct proc *p, const uint64_t a[6])
{
    uint32_t g[4];
    task_gids(p, g);
    return g[CRED_R];
}

long sys_getegid(struct proc *p, const uint64_t a[6])
{
    uint32_t g[4];
    task_gids(p, g);
    return g[CRED_E];
}

/* getresuid/getresgid(ruid, euid, suid): the three ids, each an int the guest points to. */
static long put_ids(struct proc *p, const uint64_t a[6], const uint32_t ids[4])
{
    for (int i = 0; i < 3; i++)
        if (copy_to_user(&p->task, a[i], &ids[i], sizeof(ids[i])))
            return -EFAULT;
    return 0;
}

long sys_getresuid(struct proc *p, const uint64_t a[6])
{
    uint32_t u[4];
    task_uids(p, u);
    return put_ids(p, a, u);
}

long sys_getresgid(struct proc *p, const uint64_t a[6])
{
    uint32_t g[4];
    task_gids(p, g);
    return put_ids(p, a, g);
}

/* setgroups(size, list) (kernel/groups.c): with CAP_SETGID, the task's groups from then on
 * (sorted, as groups_sort keeps them); at most CRED_NGROUPS here (Linux: NGROUPS_MAX, 65536),
 * more is EINVAL */
long sys_setgroups(struct proc *p, const uint64_t a[6])
{
    int size = (int)a[0];
    uint32_t want[CRED_NGROUPS];

    if (!guest_capable(p, CAP_SETGID))
        return -EPERM;
    if (size < 0 || size > CRED_NGROUPS)
        return -EINVAL;
    if (size && get_user_struct(p, want, a[1], (size_t)size * sizeof(uint32_t)))
        return -EFAULT;
    for (int i = 1; i < size; i++) /* insertion sort: a handful of groups */
        for (int j = i; j > 0 && want[j - 1] > want[j]; j--) {
            uint32_t t = want[j];
            want[j] = want[j - 1], want[j - 1] = t;
        }
    memcpy(p->groups, want, (size_t)size * sizeof(uint32_t));
    p->ngroups = size;
    /* faultline's own groups again (root's initgroups, say) need no setgroups per call */
    host_read();
    bool same = size == host.ngroups;
    for (int i = 0; i < size && same; i++) {
        same = false;
        for (int j = 0; j < host.ngroups && !same; j++)
            same = want[i] == host.groups[j];
    }
    p->groups_own = !same;
    return 0;
}

/* getgroups(size, list): size 0 asks for the count; a smaller non-zero size is EINVAL. */
long sys_getgroups(struct proc *p, const uint64_t a[6])
{
    int size = (int)a[0];
    uint32_t groups[CRED_NGROUPS];

    if (size < 0)
        return -EINVAL;
    int n = task_groups(p, groups, CRED_NGROUPS);
    if (size == 0)
        return n;
    if (size < n)
        return -EINVAL;
    if (n && put_user_struct(p, a[1], groups, (size_t)n * sizeof(uint32_t)))
        return -EFAULT;
    return n;
}

bool kill_ok_by_cred(const struct proc *p, const struct proc *t, int signo)
{
    uint32_t u[4], tu[4];
    if (p->task.tgid == t->task.tgid)
        return true;
    task_uids(p, u);
    task_uids(t, tu);
    if (u[CRED_E] == tu[CRED_S] || u[CRED_E] == tu[CRED_R] || u[CRED_R] == tu[CRED_S] ||
        u[CRED_R] == tu[CRED_R] || guest_capable(p, 5 /* CAP_KILL */))
        return true;
    /* SIGCONT goes to any process of the sender's session */
    return signo == SIGCONT && guest_sid((struct proc *)t) == guest_sid((struct proc *)p);
}

long ptrace_may_access(const struct proc *p, const struct proc *t, bool fscreds)
{
    if (p->task.tgid == t->task.tgid)
        return 0;
    uint32_t u[4], g[4], tu[4], tg[4];
    task_uids(p, u);
    task_gids(p, g);
    task_uids(t, tu);
    task_gids(t, tg);
    uint32_t cu = u[fscreds ? CRED_FS : CRED_R], cg = g[fscreds ? CRED_FS : CRED_R];
    bool ptrace_cap = guest_capable(p, 19 /* CAP_SYS_PTRACE */);
    bool same = cu == tu[CRED_R] && cu == tu[CRED_E] && cu == tu[CRED_S] && cg == tg[CRED_R] &&
                cg == tg[CRED_E] && cg == tg[CRED_S];
    if (!same && !ptrace_cap)
        return -EPERM;
    if (t->task.mm && t->task.mm->dumpable != SUID_DUMP_USER && !ptrace_cap)
        return -EPERM;
    /* cap_ptrace_access_check: the target's permitted set within the caller's (its effective
     * one for fscreds) */
    uint64_t eff, prm, inh, teff, tprm, tinh;
    if (!ptrace_cap && task_caps(p, &eff, &prm, &inh) && task_caps(t, &teff, &tprm, &tinh) &&
        (tprm & ~(fscreds ? eff : prm)))
        return -EPERM;
    return 0;
}

/* bprm_fill_uid's mnt_may_suid: the host file system the image is on is not mounted nosuid */
static bool mnt_may_suid(const char *file)
{
    struct statvfs sv;
    return statvfs(file, &sv) != 0 || !(sv.f_flag & ST_NOSUID);
}

/* check_unsafe_exec's LSM_UNSAFE_SHARE: the task's fs_struct (CLONE_FS) is shared with a task
 * of another thread group */
static bool fs_shared_outside(const struct proc *p)
{
    for (const struct proc *q = p->emu ? p->emu->procs : NULL; q; q = q->next)
        if (q != p && !q->exited && q->fs_id == p->fs_id && q->task.tgid != p->task.tgid)
            return true;
    return false;
}

/* include/uapi/linux/capability.h: the security.capability xattr */
#define VFS_CAP_REVISION_MASK   0xff000000u
#define VFS_CAP_REVISION_1      0x01000000u
#define VFS_CAP_REVISION_2      0x02000000u
#define VFS_CAP_REVISION_3      0x03000000u
#define VFS_CAP_FLAGS_EFFECTIVE 0x000001u

/* get_vfs_caps_from_disk: the file's capabilities, little-endian words on disk: magic_etc, then
 * permitted and inheritable pairs (one pair for revision 1, two for 2 and 3), then for revision
 * 3 the root id of the user namespace they belong to, which must be the initial one's root
 * here. 1 with them, 0 for none (no xattr, or another namespace's), -EINVAL for a bad one. */
static int vfs_caps_from_disk(const char *file, uint32_t *magic, uint64_t *fp, uint64_t *fi)
{
    uint8_t raw[32];
    ssize_t size = getxattr(file, "security.capability", raw, sizeof(raw));
    if (size < 0)
        return errno == ENODATA || errno == ENOTSUP || errno == ERANGE ? 0 : -errno;
    uint32_t w[8] = {0};
    for (ssize_t i = 0; i + 4 <= size && i < 32; i += 4)
        w[i / 4] = raw[i] | (uint32_t)raw[i + 1] << 8 | (uint32_t)raw[i + 2] << 16 |
                   (uint32_t)raw[i + 3] << 24;
    if (size < 4)
        return -EINVAL;
    *magic = w[0];
    switch (w[0] & VFS_CAP_REVISION_MASK) {
    case VFS_CAP_REVISION_1:
        if (size != 12)
            return -EINVAL;
        *fp = w[1], *fi = w[2];
        return 1;
    case VFS_CAP_REVISION_2:
        if (size != 20)
            return -EINVAL;
        break;
    case VFS_CAP_REVISION_3:
        if (size != 24)
            return -EINVAL;
        if (w[5] != 0) /* rootid_owns_currentns */
            return 0;
        break;
    default:
        return -EINVAL;
    }
    *fp = w[1] | (uint64_t)w[3] << 32;
    *fi = w[2] | (uint64_t)w[4] << 32;
    return 1;
}

long cred_prepare_exec(const struct proc *p, const char *file, struct exec_cred *bc)
{
    uint32_t ou[4], og[4];
    task_uids(p, ou);
    task_gids(p, og);
    memset(bc, 0, sizeof(*bc));
    memcpy(bc->uids, ou, sizeof(ou));
    memcpy(bc->gids, og, sizeof(og));
    uint32_t *u = bc->uids, *g = bc->gids;

    /* bprm_fill_uid: the set-id bits of the file, unless nosuid or no_new_privs */
    struct stat st;
    bool setid_bits = false, may_suid = mnt_may_suid(file);
    if (!p->no_new_privs && stat(file, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)) &&
        may_suid) {
        if (st.st_mode & S_ISUID) {
            u[CRED_E] = st.st_uid;
            setid_bits = true;
        }
        if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) {
            g[CRED_E] = st.st_gid;
            setid_bits = true;
        }
    }
    if (setid_bits)
        bc->per_clear = PER_CLEAR_ON_SETID;

    /* cap_bprm_set_creds */
    uint64_t sets[5]; /* inheritable, permitted, effective, bounding, ambient: the caller's */
    bool have_sets = task_cap_sets(p, sets);
    if (!have_sets)
        memset(sets, 0, sizeof(sets));
    bool noroot = p->securebits & 1 /* SECBIT_NOROOT */;
    uint64_t prm = 0, amb = sets[4];
    bool effective = false, has_fcap = false;
    /* get_file_caps (not on a nosuid mount): pP' = (X & fP) | (pI & fI); a file that wants
     * its capabilities effective and gets fewer than it names is refused (EPERM), a malformed
     * xattr is EINVAL */
    uint32_t magic = 0;
    uint64_t fp = 0, fi = 0;
    int fc = may_suid ? vfs_caps_from_disk(file, &magic, &fp, &fi) : 0;
    if (fc < 0)
        return fc;
    if (fc > 0) {
        effective = magic & VFS_CAP_FLAGS_EFFECTIVE;
        has_fcap = true;
        prm = (sets[3] & fp) | (sets[0] & fi);
        if (effective && (fp & ~prm))
            return -EPERM;
    }
    /* handle_privileged_root, but not for a set-user-ID root program with file capabilities
     * run by another user */
    if (!noroot && !(has_fcap && u[CRED_E] == 0 && u[CRED_R] != 0)) {
        if (u[CRED_R] == 0 || u[CRED_E] == 0)
            prm = sets[3] | sets[0];
        if (u[CRED_E] == 0)
            effective = true;
    }
    bool gained = prm & ~sets[1];
    if (gained)
        bc->per_clear = PER_CLEAR_ON_SETID;
    /* __is_setuid, __is_setgid: the new effective id is not the caller's real one */
    bool is_setid = u[CRED_E] != ou[CRED_R] || g[CRED_E] != og[CRED_R];
    /* bprm->unsafe other than LSM_UNSAFE_PTRACE (no_new_privs, a shared fs_struct), or a
     * tracer that had no CAP_SYS_PTRACE when it attached (ptracer_capable) */
    bool unsafe = p->no_new_privs || fs_shared_outside(p) || (p->ptracer && !p->pt_cap_sys_ptrace);
    if ((is_setid || gained) && unsafe) {
        /* downgrade: no more than the task had, and maybe less */
        if (!guest_capable(p, CAP_SETUID) || p->no_new_privs) {
            u[CRED_E] = u[CRED_R];
            g[CRED_E] = g[CRED_R];
        }
        prm &= sets[1];
    }
    u[CRED_S] = u[CRED_FS] = u[CRED_E];
    g[CRED_S] = g[CRED_FS] = g[CRED_E];
    if (is_setid || has_fcap) /* file capabilities or set-id cancel the ambient set */
        amb = 0;
    prm |= amb;
    bc->inh = sets[0], bc->prm = prm, bc->eff = effective ? prm : amb, bc->amb = amb;
    /* cap_elevated, which setup_new_exec merges into secureexec: set-id, or a task without
     * real uid 0 that gets effective capabilities from the file or a permitted set beyond its
     * ambient one (__cap_grew) */
    bc->secureexec = is_setid || (u[CRED_R] != 0 && (effective || (prm & ~amb)));
    /* A task that changed none of what the sets come from and whose ids stay as they are gets
     * what faultline's own exec gave it, which is what they would give again. Until
     * 2026-12-07 a root program got faultline's sets whatever its caller had dropped (`capsh
     * --drop=cap_net_raw -- -c CMD` ran CMD with CAP_NET_RAW), and one started with a real uid
     * of 0 but another effective uid had every capability effective. */
    bool own = p->ids_own || p->caps_own || p->bset_own || p->cap_amb || noroot || has_fcap;
    bc->own = have_sets && (own || memcmp(u, ou, sizeof(ou)) || memcmp(g, og, sizeof(og)));
    return 0;
}

void cred_exec(struct proc *p, const struct exec_cred *bc, bool unreadable)
{
    uint32_t ou[4], og[4];
    task_uids(p, ou);
    task_gids(p, og);
    uint64_t eff, prm = ~0ull, inh;
    bool had_sets = task_caps(p, &eff, &prm, &inh);
    /* setup_new_exec, with the caller's ids still: dumpable if its effective ids were its real
     * ones (and the image readable: would_dump) */
    bool user = ou[CRED_E] == ou[CRED_R] && og[CRED_E] == og[CRED_R] && !unreadable;
    if (bc->secureexec)
        p->pdeath_signal = 0;
    p->personality &= ~bc->per_clear; /* flush_old_exec */
    if (bc->own) {
        ids_own(p);
        memcpy(p->uids, bc->uids, sizeof(p->uids));
        memcpy(p->gids, bc->gids, sizeof(p->gids));
        p->caps_own = true;
        p->cap_prm = bc->prm, p->cap_eff = bc->eff, p->cap_inh = bc->inh, p->cap_amb = bc->amb;
    } else {
        p->caps_own = false;
    }
    if (p->task.mm)
        p->task.mm->dumpable = user ? SUID_DUMP_USER : suid_dumpable();
    /* install_exec_creds' commit_creds: a change of effective or fs ids, or a permitted
     * capability the caller lacked, makes it undumpable and clears the parent-death signal */
    uint32_t u[4], g[4];
    task_uids(p, u);
    task_gids(p, g);
    if (u[CRED_E] != ou[CRED_E] || u[CRED_FS] != ou[CRED_FS] || g[CRED_E] != og[CRED_E] ||
        g[CRED_FS] != og[CRED_FS] || (had_sets && bc->own && (bc->prm & ~prm))) {
        if (p->task.mm)
            p->task.mm->dumpable = suid_dumpable();
        p->pdeath_signal = 0;
    }
}

long cred_faccessat(const struct proc *p, int dirfd, const char *path, int mode, int flags)
{
    uint32_t u[4], g[4];
    task_uids(p, u);
    task_gids(p, g);
    /* faccessat2 is 5.8's: the plain call where it does the same (4.20 had only that one) */
    if (!(flags & AT_EACCESS) && u[CRED_R] == host.uid[CRED_R] && g[CRED_R] == host.gid[CRED_R])
        return flags ? host_ret(syscall(SYS_faccessat2, dirfd, path, mode, flags))
                     : host_ret(syscall(SYS_faccessat, dirfd, path, mode));
    if (flags & AT_EACCESS) /* the fs ids cred_enter put on this thread */
        return host_ret(syscall(SYS_faccessat2, dirfd, path, mode, flags));
    /* the real ids as the fs ids for one check; a real uid other than 0 has no capabilities
     * then (do_faccessat clears them), as an fsuid other than 0 has none of the file ones */
    setfsgid(g[CRED_R]);
    setfsuid(u[CRED_R]);
    long r = host_ret(syscall(SYS_faccessat2, dirfd, path, mode, flags | AT_EACCESS));
    setfsgid(g[CRED_FS]); /* back to what cred_enter put on the thread */
    setfsuid(u[CRED_FS]);
    return r;
}

void cred_enter(const struct proc *p, struct cred_host_save *s)
{
    *s = (struct cred_host_save){0};
    if (!p->ids_own && !p->groups_own)
        return;
    host_read();
    if (p->ids_own && p->gids[CRED_FS] != host.gid[CRED_FS]) {
        setfsgid(p->gids[CRED_FS]);
        s->fsgid = true;
    }
    if (p->groups_own) {
        gid_t g[CRED_NGROUPS];
        for (int i = 0; i < p->ngroups; i++)
            g[i] = p->groups[i];
        /* the raw call: this thread's groups only, not glibc's every-thread setgroups */
        s->groups = syscall(SYS_setgroups, p->ngroups, g) == 0;
    }
    /* the fsuid last: leaving 0 takes the capability to change the others */
    if (p->ids_own && p->uids[CRED_FS] != host.uid[CRED_FS]) {
        setfsuid(p->uids[CRED_FS]);
        s->fsuid = true;
    }
}

void cred_as_faultline(const struct proc *p, struct cred_host_save *s, bool own)
{
    if (own)
        cred_leave(s);
    else
        cred_enter(p, s);
}

void cred_leave(struct cred_host_save *s)
{
    if (s->fsuid)
        setfsuid(host.uid[CRED_FS]);
    if (s->groups) {
        gid_t g[CRED_NGROUPS];
        for (int i = 0; i < host.ngroups; i++)
            g[i] = host.groups[i];
        syscall(SYS_setgroups, host.ngroups, g);
    }
    if (s->fsgid)
        setfsgid(host.gid[CRED_FS]);
}
