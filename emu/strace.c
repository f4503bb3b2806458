/*
 * strace.c - the --strace trace: one line per syscall, in strace's own notation.
 *
 * Each syscall's row in syscall_table.h gives one letter per argument (struct syscall_desc);
 * this file turns the letters into text. Flag and enum arguments are decoded by name from the
 * tables below, in the order strace prints them, so a line reads like strace's line for the
 * same call (tests/e2e/strace.py compares the two on one program): PROT_READ|PROT_WRITE,
 * MAP_PRIVATE|MAP_ANONYMOUS, AT_FDCWD, O_RDONLY|O_CLOEXEC, MADV_DONTNEED. Bits no table names
 * follow as hex (MAP_PRIVATE|0x40000000); an unknown enum value reads 0x3039 /\* MADV_??? *\/.
 *
 * The values are the x86-64 kernel's (include/uapi), written out here rather than taken from
 * the host's libc headers: they describe the guest's ABI, and the libc's can differ (glibc
 * defines O_LARGEFILE as 0 on 64-bit) or be too old to name a newer flag.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "emu/emu.h"
#include "emu/proc.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "mmu/uaccess.h"

struct sym {
    uint64_t val;
    const char *name;
};
#define SYMS_END                                                                                   \
    {                                                                                              \
        0, NULL                                                                                    \
    }

/* mmap, mprotect: include/uapi/asm-generic/mman-common.h */
static const struct sym prot_syms[] = {
    {0x1, "PROT_READ"}, {0x2, "PROT_WRITE"},           {0x4, "PROT_EXEC"},
    {0x8, "PROT_SEM"},  {0x1000000, "PROT_GROWSDOWN"}, {0x2000000, "PROT_GROWSUP"},
    SYMS_END,
};
static const struct sym map_type_syms[] = {
    {0x1, "MAP_SHARED"},
    {0x2, "MAP_PRIVATE"},
    {0x3, "MAP_SHARED_VALIDATE"},
    SYMS_END,
};
static const struct sym map_flag_syms[] = {
    {0x10, "MAP_FIXED"},
    {0x20, "MAP_ANONYMOUS"},
    {0x40, "MAP_32BIT"},
    {0x4000, "MAP_NORESERVE"},
    {0x8000, "MAP_POPULATE"},
    {0x10000, "MAP_NONBLOCK"},
    {0x100, "MAP_GROWSDOWN"},
    {0x800, "MAP_DENYWRITE"},
    {0x1000, "MAP_EXECUTABLE"},
    {0x2000, "MAP_LOCKED"},
    {0x20000, "MAP_STACK"},
    {0x40000, "MAP_HUGETLB"},
    {0x80000, "MAP_SYNC"},
    {0x4000000, "MAP_UNINITIALIZED"},
    {0x100000, "MAP_FIXED_NOREPLACE"},
    SYMS_END,
};
#define MAP_TYPE_MASK  0xfUL
#define MAP_HUGE_SHIFT 26
#define MAP_HUGE_MASK  0x3fUL
static const struct sym madv_syms[] = {
    {0, "MADV_NORMAL"},          {1, "MADV_RANDOM"},
    {2, "MADV_SEQUENTIAL"},      {3, "MADV_WILLNEED"},
    {4, "MADV_DONTNEED"},        {8, "MADV_FREE"},
    {9, "MADV_REMOVE"},          {10, "MADV_DONTFORK"},
    {11, "MADV_DOFORK"},         {12, "MADV_MERGEABLE"},
    {13, "MADV_UNMERGEABLE"},    {14, "MADV_HUGEPAGE"},
    {15, "MADV_NOHUGEPAGE"},     {16, "MADV_DONTDUMP"},
    {17, "MADV_DODUMP"},         {18, "MADV_WIPEONFORK"},
    {19, "MADV_KEEPONFORK"},     {20, "MADV_COLD"},
    {21, "MADV_PAGEOUT"},        {22, "MADV_POPULATE_READ"},
    {23, "MADV_POPULATE_WRITE"}, {24, "MADV_DONTNEED_LOCKED"},
    {25, "MADV_COLLAPSE"},       {100, "MADV_HWPOISON"},
    {101, "MADV_SOFT_OFFLINE"},  SYMS_END,
};
static const struct sym msync_syms[] = {
    {1, "MS_ASYNC"},
    {4, "MS_SYNC"},
    {2, "MS_INVALIDATE"},
    SYMS_END,
};
static const struct sym mremap_syms[] = {
    {1, "MREMAP_MAYMOVE"},
    {2, "MREMAP_FIXED"},
    {4, "MREMAP_DONTUNMAP"},
    SYMS_END,
};
#define MREMAP_FIXED 2
static const struct sym mlock2_syms[] = {{1, "MLOCK_ONFAULT"}, SYMS_END};
static const struct sym mlockall_syms[] = {
    {1, "MCL_CURRENT"},
    {2, "MCL_FUTURE"},
    {4, "MCL_ONFAULT"},
    SYMS_END,
};

/* open, openat: include/uapi/asm-generic/fcntl.h. A multi-bit flag comes before the flags
 * it contains (O_SYNC before O_DSYNC, O_TMPFILE before O_DIRECTORY), as in strace. */
static const struct sym open_acc_syms[] = {
    {0, "O_RDONLY"},
    {1, "O_WRONLY"},
    {2, "O_RDWR"},
    SYMS_END,
};
static const struct sym open_flag_syms[] = {
    {0100, "O_CREAT"},          {0200, "O_EXCL"},
    {0400, "O_NOCTTY"},         {01000, "O_TRUNC"},
    {02000, "O_APPEND"},        {04000, "O_NONBLOCK"},
    {04010000, "O_SYNC"},       {04000000, "__O_SYNC"},
    {010000, "O_DSYNC"},        {040000, "O_DIRECT"},
    {0100000, "O_LARGEFILE"},   {0400000, "O_NOFOLLOW"},
    {01000000, "O_NOATIME"},    {02000000, "O_CLOEXEC"},
    {010000000, "O_PATH"},      {020200000, "O_TMPFILE"},
    {020000000, "__O_TMPFILE"}, {0200000, "O_DIRECTORY"},
    {020000, "FASYNC"},         SYMS_END,
};
#define O_ACCMODE_BITS 3UL
#define O_CREAT_BIT    0100UL
#define O_TMPFILE_BIT  020000000UL
static const struct sym at_syms[] = {
    {0x100, "AT_SYMLINK_NOFOLLOW"},
    {0x200, "AT_REMOVEDIR"},
    {0x400, "AT_SYMLINK_FOLLOW"},
    {0x800, "AT_NO_AUTOMOUNT"},
    {0x1000, "AT_EMPTY_PATH"},
    {0x8000, "AT_RECURSIVE"},
    SYMS_END,
};
#define AT_FDCWD (-100)
static const struct sym access_syms[] = {{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}, SYMS_END};
static const struct sym whence_syms[] = {
    {0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}, SYMS_END,
};
static const struct sym fcntl_syms[] = {
    {0, "F_DUPFD"},
    {1, "F_GETFD"},
    {2, "F_SETFD"},
    {3, "F_GETFL"},
    {4, "F_SETFL"},
    {5, "F_GETLK"},
    {6, "F_SETLK"},
    {7, "F_SETLKW"},
    {8, "F_SETOWN"},
    {9, "F_GETOWN"},
    {10, "F_SETSIG"},
    {11, "F_GETSIG"},
    {15, "F_SETOWN_EX"},
    {16, "F_GETOWN_EX"},
    {36, "F_OFD_GETLK"},
    {37, "F_OFD_SETLK"},
    {38, "F_OFD_SETLKW"},
    {1024, "F_SETLEASE"},
    {1025, "F_GETLEASE"},
    {1026, "F_NOTIFY"},
    {1030, "F_DUPFD_CLOEXEC"},
    {1031, "F_SETPIPE_SZ"},
    {1032, "F_GETPIPE_SZ"},
    {1033, "F_ADD_SEALS"},
    {1034, "F_GET_SEALS"},
    SYMS_END,
};

/* processes and signals */
static const struct sym sigmask_how_syms[] = {
    {0, "SIG_BLOCK"},
    {1, "SIG_UNBLOCK"},
    {2, "SIG_SETMASK"},
    SYMS_END,
};
static const struct sym clone_syms[] = {
    {0x100, "CLONE_VM"},
    {0x200, "CLONE_FS"},
    {0x400, "CLONE_FILES"},
    {0x800, "CLONE_SIGHAND"},
    {0x1000, "CLONE_PIDFD"},
    {0x2000, "CLONE_PTRACE"},
    {0x4000, "CLONE_VFORK"},
    {0x8000, "CLONE_PARENT"},
    {0x10000, "CLONE_THREAD"},
    {0x20000, "CLONE_NEWNS"},
    {0x40000, "CLONE_SYSVSEM"},
    {0x80000, "CLONE_SETTLS"},
    {0x100000, "CLONE_PARENT_SETTID"},
    {0x200000, "CLONE_CHILD_CLEARTID"},
    {0x400000, "CLONE_DETACHED"},
    {0x800000, "CLONE_UNTRACED"},
    {0x1000000, "CLONE_CHILD_SETTID"},
    {0x2000000, "CLONE_NEWCGROUP"},
    {0x4000000, "CLONE_NEWUTS"},
    {0x8000000, "CLONE_NEWIPC"},
    {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},
    {0x40000000, "CLONE_NEWNET"},
    {0x80000000, "CLONE_IO"},
    SYMS_END,
};
static const struct sym wait_syms[] = {
    {1, "WNOHANG"},
    {2, "WUNTRACED"},
    {8, "WCONTINUED"},
    {0x20000000, "__WNOTHREAD"},
    {0x40000000, "__WALL"},
    {0x80000000, "__WCLONE"},
    SYMS_END,
};
static const struct sym futex_cmd_syms[] = {
    {0, "FUTEX_WAIT"},
    {1, "FUTEX_WAKE"},
    {2, "FUTEX_FD"},
    {3, "FUTEX_REQUEUE"},
    {4, "FUTEX_CMP_REQUEUE"},
    {5, "FUTEX_WAKE_OP"},
    {6, "FUTEX_LOCK_PI"},
    {7, "FUTEX_UNLOCK_PI"},
    {8, "FUTEX_TRYLOCK_PI"},
    {9, "FUTEX_WAIT_BITSET"},
    {10, "FUTEX_WAKE_BITSET"},
    {11, "FUTEX_WAIT_REQUEUE_PI"},
    {12, "FUTEX_CMP_REQUEUE_PI"},
    {13, "FUTEX_LOCK_PI2"},
    SYMS_END,
};
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
static const struct sym arch_prctl_syms[] = {
    {0x1001, "ARCH_SET_GS"},       {0x1002, "ARCH_SET_FS"},
    {0x1003, "ARCH_GET_FS"},       {0x1004, "ARCH_GET_GS"},
    {0x1011, "ARCH_GET_CPUID"},    {0x1012, "ARCH_SET_CPUID"},
    {0x2001, "ARCH_MAP_VDSO_X32"}, {0x2002, "ARCH_MAP_VDSO_32"},
    {0x2003, "ARCH_MAP_VDSO_64"},  SYMS_END,
};

/* time: include/uapi/linux/time.h; the CPU-time clocks are negative (emu/sched.h) */
static const struct sym clock_syms[] = {
    {0, "CLOCK_REALTIME"},          {1, "CLOCK_MONOTONIC"},     {2, "CLOCK_PROCESS_CPUTIME_ID"},
    {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"}, {5, "CLOCK_REALTIME_COARSE"},
    {6, "CLOCK_MONOTONIC_COARSE"},  {7, "CLOCK_BOOTTIME"},      {8, "CLOCK_REALTIME_ALARM"},
    {9, "CLOCK_BOOTTIME_ALARM"},    {11, "CLOCK_TAI"},          SYMS_END,
};
static const char *const cpuclock_names[] = {"CPUCLOCK_PROF", "CPUCLOCK_VIRT", "CPUCLOCK_SCHED"};

static const char *sym_name(const struct sym *t, uint64_t v)
{
    for (; t->name; t++)
        if (t->val == v)
            return t->name;
    return NULL;
}

/* An enum argument: its name, or the number with strace's "unknown" comment. */
static void print_enum(FILE *f, const struct sym *t, uint64_t v, const char *prefix)
{
    const char *name = sym_name(t, v);
    if (name)
        fputs(name, f);
    else
        fprintf(f, "%#" PRIx64 " /* %s??? */", v, prefix);
}

/* Flags: the names of the bits set, in table order, joined by '|', then any bits left over
 * in hex. `sep` says whether something was printed before (so a '|' is due first). Returns
 * whether anything was printed. */
static bool print_flag_bits(FILE *f, const struct sym *t, uint64_t v, bool sep)
{
    for (; t->name && v; t++) {
        if (t->val && (v & t->val) == t->val) {
            fprintf(f, "%s%s", sep ? "|" : "", t->name);
            v &= ~t->val;
            sep = true;
        }
    }
    if (v) {
        fprintf(f, "%s%#" PRIx64, sep ? "|" : "", v);
        sep = true;
    }
    return sep;
}

static void print_flags(FILE *f, const struct sym *t, uint64_t v, const char *zero)
{
    if (!print_flag_bits(f, t, v, false))
        fputs(zero, f);
}

static void print_mmap_flags(FILE *f, uint64_t v)
{
    const char *type = sym_name(map_type_syms, v & MAP_TYPE_MASK);
    bool sep = false;
    if (type) {
        fputs(type, f);
        v &= ~MAP_TYPE_MASK;
        sep = true;
    }
    uint64_t huge = (v >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    v &= ~(MAP_HUGE_MASK << MAP_HUGE_SHIFT);
    sep = print_flag_bits(f, map_flag_syms, v, sep);
    if (huge)
        fprintf(f, "%s%" PRIu64 "<<MAP_HUGE_SHIFT", sep ? "|" : "", huge);
    else if (!sep)
        fputs("0", f);
}

static void print_open_flags(FILE *f, uint64_t v)
{
    /* O_PATH ignores the access mode, and strace leaves it out then */
    if (!(v & 010000000) || (v & O_ACCMODE_BITS)) {
        print_enum(f, open_acc_syms, v & O_ACCMODE_BITS, "O_???");
        print_flag_bits(f, open_flag_syms, v & ~O_ACCMODE_BITS, true);
    } else {
        print_flag_bits(f, open_flag_syms, v, false);
    }
}

static void print_signal(FILE *f, uint64_t v)
{
    int sig = (int)v;
    if (sig > 0 && sig < 32)
        fputs(signal_name(sig), f);
    else if (sig == 32)
        fputs("SIGRTMIN", f);
    else if (sig > 32 && sig <= 64)
        fprintf(f, "SIGRT_%d", sig - 32);
    else
        fprintf(f, "%d", sig);
}

static void print_clock(FILE *f, uint64_t v)
{
    int id = (int)v;
    if (id >= 0) {
        print_enum(f, clock_syms, (uint64_t)id, "CLOCK_");
        return;
    }
    /* ~pid << 3 | thread bit | which (emu/sched.h: CPUCLOCK_*) */
    int which = id & 3;
    if (which < 3)
        fprintf(f, "MAKE_%s_CPUCLOCK(%d, %s)", id & 4 ? "THREAD" : "PROCESS", ~id >> 3,
                cpuclock_names[which]);
    else
        fprintf(f, "%d", id);
}

static void print_futex_op(FILE *f, uint64_t v)
{
    const char *name =
        sym_name(futex_cmd_syms, v & ~(uint64_t)(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
    if (!name) {
        fprintf(f, "%#" PRIx64 " /* FUTEX_??? */", v);
        return;
    }
    fprintf(f, "%s%s%s", name, v & FUTEX_PRIVATE_FLAG ? "_PRIVATE" : "",
            v & FUTEX_CLOCK_REALTIME ? "|FUTEX_CLOCK_REALTIME" : "");
}

static void print_clone_flags(FILE *f, uint64_t v)
{
    bool sep = print_flag_bits(f, clone_syms, v & ~0xffUL, false);
    if (v & 0xff) {
        fputs(sep ? "|" : "", f);
        print_signal(f, v & 0xff);
    } else if (!sep) {
        fputs("0", f);
    }
}

/* An address as strace prints one: NULL for 0. */
static void trace_arg_pointer(FILE *f, uint64_t v)
{
    if (v)
        fprintf(f, "%#" PRIx64, v);
    else
        fputs("NULL", f);
}

/* One byte as strace quotes it: C escapes where there is one, else octal, written in full
 * only where the next byte is an octal digit (so "\1" then "\0012"). */
static void quote_byte(FILE *f, unsigned char c, int next)
{
    switch (c) {
    case '"':
    case '\\':
        fprintf(f, "\\%c", c);
        return;
    case '\f':
        fputs("\\f", f);
        return;
    case '\n':
        fputs("\\n", f);
        return;
    case '\r':
        fputs("\\r", f);
        return;
    case '\t':
        fputs("\\t", f);
        return;
    case '\v':
        fputs("\\v", f);
        return;
    }
    if (c >= 32 && c < 127)
        fputc(c, f);
    else if (next >= '0' && next <= '7')
        fprintf(f, "\\%03o", c);
    else
        fprintf(f, "\\%o", c);
}

static void trace_string(FILE *f, struct proc *p, uint64_t addr)
{
    /* strace prints a path whole, up to PATH_MAX, whatever its -s says */
    static char buf[4096];
    long n = strncpy_from_user(&p->task, buf, addr, sizeof(buf));
    if (n == -EFAULT) {
        fprintf(f, "%#" PRIx64, addr);
        return;
    }
    long len = n >= 0 ? n : (long)sizeof(buf);
    fputc('"', f);
    for (long i = 0; i < len && buf[i]; i++)
        quote_byte(f, (unsigned char)buf[i], i + 1 < len ? (unsigned char)buf[i + 1] : -1);
    fputc('"', f);
    if (n == -ENAMETOOLONG)
        fputs("...", f);
}

/* len bytes at addr; strace shows the first 32 (its default -s). */
static void trace_buffer(FILE *f, struct proc *p, uint64_t addr, long len)
{
    unsigned char buf[32];
    long n = len < (long)sizeof(buf) ? len : (long)sizeof(buf);
    if (len < 0 || copy_from_user(&p->task, buf, addr, n)) {
        fprintf(f, "%#" PRIx64, addr);
        return;
    }
    fputc('"', f);
    for (long i = 0; i < n; i++)
        quote_byte(f, buf[i], i + 1 < n ? buf[i + 1] : -1);
    fputc('"', f);
    if (len > n)
        fputs("...", f);
}

/* Whether strace shows argument i of this call: the mode of an open that cannot create a file
 * and the new address of an mremap without MREMAP_FIXED are left out (the kernel ignores
 * them). */
static bool arg_shown(char letter, const uint64_t a[6], int i)
{
    if (letter == 'O')
        return i > 0 && (a[i - 1] & (O_CREAT_BIT | O_TMPFILE_BIT));
    if (letter == 'R')
        return i > 0 && (a[i - 1] & MREMAP_FIXED);
    return true;
}

static void trace_arg(FILE *f, struct proc *p, char letter, const uint64_t a[6], int i, long ret)
{
    uint64_t v = a[i];
    switch (letter) {
    case 'd':
        fprintf(f, "%d", (int)v);
        break;
    case 'u':
        fprintf(f, "%" PRIu64, v);
        break;
    case 'p':
        trace_arg_pointer(f, v);
        break;
    case 's':
        trace_string(f, p, v);
        break;
    case 'b':
        if (ret >= 0)
            trace_buffer(f, p, v, ret);
        else
            fprintf(f, "%#" PRIx64, v);
        break;
    case 'B':
        trace_buffer(f, p, v, (long)a[i + 1]);
        break;
    case 'o':
        print_open_flags(f, v);
        break;
    case 'O':
    case 'M':
        fprintf(f, "%#03" PRIo64, v & 07777);
        break;
    case 'm':
        print_flags(f, prot_syms, v, "PROT_NONE");
        break;
    case 'f':
        print_mmap_flags(f, v);
        break;
    case 'a':
        print_enum(f, madv_syms, v, "MADV_");
        break;
    case 'y':
        print_flags(f, msync_syms, v, "0");
        break;
    case 'r':
        print_flags(f, mremap_syms, v, "0");
        break;
    case 'R':
        fprintf(f, "%#" PRIx64, v);
        break;
    case 'l':
        print_flags(f, mlock2_syms, v, "0");
        break;
    case 'L':
        print_flags(f, mlockall_syms, v, "0");
        break;
    case 'D':
        if ((int)v == AT_FDCWD)
            fputs("AT_FDCWD", f);
        else
            fprintf(f, "%d", (int)v);
        break;
    case 't':
        print_flags(f, at_syms, v, "0");
        break;
    case 'A':
        print_flags(f, access_syms, v, "F_OK");
        break;
    case 'S':
        print_signal(f, v);
        break;
    case 'h':
        print_enum(f, sigmask_how_syms, v, "SIG_");
        break;
    case 'P':
        print_enum(f, arch_prctl_syms, v, "ARCH_");
        break;
    case 'c':
        print_clock(f, v);
        break;
    case 'w':
        print_enum(f, whence_syms, v, "SEEK_");
        break;
    case 'F':
        print_enum(f, fcntl_syms, v, "F_");
        break;
    case 'C':
        print_clone_flags(f, v);
        break;
    case 'X':
        print_futex_op(f, v);
        break;
    case 'W':
        print_flags(f, wait_syms, v, "0");
        break;
    default: /* 'x' */
        fprintf(f, "%#" PRIx64, v);
        break;
    }
}

void strace_call(struct proc *p, const struct syscall_desc *d, const uint64_t a[6], long ret)
{
    FILE *f = p->emu->strace;
    fprintf(f, "[pid %d] %s(", p->task.pid, d->name);
    for (int i = 0; d->sig[i]; i++) {
        if (!arg_shown(d->sig[i], a, i))
            continue;
        if (i)
            fputs(", ", f);
        trace_arg(f, p, d->sig[i], a, i, ret);
    }
    if (ret == -FL_ERESTARTSYS) /* parked (emu/sched.h): the same call appears again later */
        fputs(") = ? ERESTARTSYS (blocked: restarted when it can proceed)\n", f);
    else if (ret < 0 && ret > -4096)
        fprintf(f, ") = -1 %s (%s)\n", strerrorname_np((int)-ret) ?: "E?", strerror((int)-ret));
    else if (ret > 0xffff)
        fprintf(f, ") = %#lx\n", ret);
    else
        fprintf(f, ") = %ld\n", ret);
}

/* --- signals and exits: strace's "--- SIGSEGV {...} ---" and "+++ exited with 0 +++" --- */

static const struct sym si_code_syms[] = {
    {0, "SI_USER"},
    {0x80, "SI_KERNEL"},
    {(uint64_t)-1, "SI_QUEUE"},
    {(uint64_t)-2, "SI_TIMER"},
    {(uint64_t)-3, "SI_MESGQ"},
    {(uint64_t)-4, "SI_ASYNCIO"},
    {(uint64_t)-5, "SI_SIGIO"},
    {(uint64_t)-6, "SI_TKILL"},
    SYMS_END,
};
static const struct sym segv_syms[] = {
    {1, "SEGV_MAPERR"}, {2, "SEGV_ACCERR"}, {3, "SEGV_BNDERR"}, {4, "SEGV_PKUERR"}, SYMS_END,
};
static const struct sym bus_syms[] = {
    {1, "BUS_ADRALN"},    {2, "BUS_ADRERR"},    {3, "BUS_OBJERR"},
    {4, "BUS_MCEERR_AR"}, {5, "BUS_MCEERR_AO"}, SYMS_END,
};
static const struct sym ill_syms[] = {
    {1, "ILL_ILLOPC"}, {2, "ILL_ILLOPN"}, {3, "ILL_ILLADR"}, {4, "ILL_ILLTRP"}, {5, "ILL_PRVOPC"},
    {6, "ILL_PRVREG"}, {7, "ILL_COPROC"}, {8, "ILL_BADSTK"}, SYMS_END,
};
static const struct sym fpe_syms[] = {
    {1, "FPE_INTDIV"}, {2, "FPE_INTOVF"}, {3, "FPE_FLTDIV"}, {4, "FPE_FLTOVF"}, {5, "FPE_FLTUND"},
    {6, "FPE_FLTRES"}, {7, "FPE_FLTINV"}, {8, "FPE_FLTSUB"}, SYMS_END,
};
static const struct sym trap_syms[] = {
    {1, "TRAP_BRKPT"}, {2, "TRAP_TRACE"}, {3, "TRAP_BRANCH"}, {4, "TRAP_HWBKPT"}, SYMS_END,
};
static const struct sym cld_syms[] = {
    {1, "CLD_EXITED"},  {2, "CLD_KILLED"},    {3, "CLD_DUMPED"}, {4, "CLD_TRAPPED"},
    {5, "CLD_STOPPED"}, {6, "CLD_CONTINUED"}, SYMS_END,
};

/* The si_code names of signo's own codes (the positive ones), NULL if it has none. */
static const struct sym *signal_codes(int signo)
{
    switch (signo) {
    case SIGSEGV:
        return segv_syms;
    case SIGBUS:
        return bus_syms;
    case SIGILL:
        return ill_syms;
    case SIGFPE:
        return fpe_syms;
    case SIGTRAP:
        return trap_syms;
    case SIGCHLD:
        return cld_syms;
    default:
        return NULL;
    }
}

void strace_signal(struct proc *p, const struct fl_siginfo *info)
{
    FILE *f = p->emu->strace;
    int signo = info->si_signo, code = info->si_code;
    const struct sym *own = code > 0 && code != 0x80 ? signal_codes(signo) : NULL;
    bool fault = signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE ||
                 signo == SIGTRAP;
    fprintf(f, "[pid %d] --- ", p->task.pid);
    print_signal(f, (uint64_t)signo);
    fputs(" {si_signo=", f);
    print_signal(f, (uint64_t)signo);
    fputs(", si_code=", f);
    if (own)
        print_enum(f, own, (uint64_t)code, "");
    else if (sym_name(si_code_syms, (uint64_t)(int64_t)code))
        fputs(sym_name(si_code_syms, (uint64_t)(int64_t)code), f);
    else
        fprintf(f, "%d", code);
    if (code == 0 || code == -1 || code == -6) { /* SI_USER, SI_QUEUE, SI_TKILL: the sender */
        fprintf(f, ", si_pid=%d, si_uid=%u", info->u.kill.pid, info->u.kill.uid);
    } else if (code == -2) { /* SI_TIMER */
        fprintf(f, ", si_timerid=%#x, si_overrun=%d, si_int=%d, si_ptr=", info->u.timer.tid,
                info->u.timer.overrun, (int)info->u.timer.value);
        trace_arg_pointer(f, info->u.timer.value);
    } else if (signo == SIGCHLD && own) {
        fprintf(f, ", si_pid=%d, si_uid=%u, si_status=", info->u.chld.pid, info->u.chld.uid);
        if (code == 1)
            fprintf(f, "%d", info->u.chld.status);
        else
            print_signal(f, (uint64_t)info->u.chld.status);
        fprintf(f, ", si_utime=%lld, si_stime=%lld", (long long)info->u.chld.utime,
                (long long)info->u.chld.stime);
    } else if (fault && (own || code == 0x80)) {
        fputs(", si_addr=", f);
        trace_arg_pointer(f, info->u.fault.addr);
    }
    fputs("} ---\n", f);
}

void strace_exit(struct proc *p)
{
    FILE *f = p->emu->strace;
    if (p->term_sig) {
        fprintf(f, "[pid %d] +++ killed by ", p->task.pid);
        print_signal(f, (uint64_t)p->term_sig);
        fputs(" +++\n", f);
    } else {
        fprintf(f, "[pid %d] +++ exited with %d +++\n", p->task.pid, p->exit_code);
    }
}
