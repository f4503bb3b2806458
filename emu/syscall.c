/*
 * syscall.c - the dispatcher and the strace-style trace, both expanded from syscall_table.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "emu/linux_abi.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "kernel_model/arch.h"
#include "mmu/uaccess.h"

#define NR_SYSCALLS 512

static const struct syscall_desc table[NR_SYSCALLS] = {
#define SYSCALL(nr, name, fn, sig) [nr] = {#name, fn, sig},
#include "emu/syscall_table.h"
#undef SYSCALL
};

const struct syscall_desc *syscall_lookup(uint64_t nr)
{
    return nr < NR_SYSCALLS && table[nr].fn ? &table[nr] : NULL;
}

static void trace_string(FILE *f, struct proc *p, uint64_t addr, long limit)
{
    char buf[64];
    long n = strncpy_from_user(&p->task, buf, addr, sizeof(buf));
    if (n == -EFAULT) {
        fprintf(f, "%#" PRIx64, addr);
        return;
    }
    if (limit >= 0 && n > limit)
        n = limit;
    fputc('"', f);
    for (long i = 0; i < n && buf[i]; i++) {
        unsigned char c = buf[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 32 || c >= 127)
            fprintf(f, "\\%o", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
    if (n == -ENAMETOOLONG || n >= (long)sizeof(buf) - 1)
        fputs("...", f);
}

static void trace_buffer(FILE *f, struct proc *p, uint64_t addr, long len)
{
    char buf[32];
    long n = len < (long)sizeof(buf) ? len : (long)sizeof(buf);
    if (len < 0 || copy_from_user(&p->task, buf, addr, n)) {
        fprintf(f, "%#" PRIx64, addr);
        return;
    }
    fputc('"', f);
    for (long i = 0; i < n; i++) {
        unsigned char c = buf[i];
        if (c == '\n')
            fputs("\\n", f);
        else if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 32 || c >= 127)
            fprintf(f, "\\%o", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
    if (len > n)
        fputs("...", f);
}

/* One strace line: name(args) = ret. Out-buffers ('b') are printed after the call. */
static void trace_call(struct proc *p, const struct syscall_desc *d, const uint64_t a[6], long ret)
{
    FILE *f = p->emu->strace;
    fprintf(f, "[pid %d] %s(", p->task.pid, d->name);
    for (int i = 0; d->sig[i]; i++) {
        if (i)
            fputs(", ", f);
        switch (d->sig[i]) {
        case 'd':
            fprintf(f, "%d", (int)a[i]);
            break;
        case 'u':
            fprintf(f, "%" PRIu64, a[i]);
            break;
        case 's':
            trace_string(f, p, a[i], -1);
            break;
        case 'b':
            if (ret >= 0)
                trace_buffer(f, p, a[i], ret);
            else
                fprintf(f, "%#" PRIx64, a[i]);
            break;
        case 'B':
            trace_buffer(f, p, a[i], (long)a[i + 1]);
            break;
        default:
            if (a[i] == 0 && (d->sig[i] == 'p'))
                fputs("NULL", f);
            else
                fprintf(f, "%#" PRIx64, a[i]);
            break;
        }
    }
    if (ret < 0 && ret > -4096)
        fprintf(f, ") = -1 %s (%s)\n", strerrorname_np((int)-ret) ?: "E?", strerror((int)-ret));
    else if (ret > 0xffff)
        fprintf(f, ") = %#lx\n", ret);
    else
        fprintf(f, ") = %ld\n", ret);
}

long do_syscall(struct proc *p, uint64_t nr, const uint64_t a[6])
{
    static uint8_t warned[NR_SYSCALLS / 8 + 1];
    const struct syscall_desc *d = syscall_lookup(nr);
    if (!d) {
        size_t slot = nr < NR_SYSCALLS ? nr : NR_SYSCALLS;
        if (!(warned[slot / 8] & (1u << (slot % 8)))) {
            warned[slot / 8] |= 1u << (slot % 8);
            arch_printk("faultline: %s[%d]: unsupported syscall %" PRIu64 ", returning -ENOSYS",
                        p->task.comm, p->task.pid, nr);
        }
        if (p->emu->strace)
            fprintf(p->emu->strace, "[pid %d] syscall_%" PRIu64 "(...) = -1 ENOSYS\n", p->task.pid,
                    nr);
        return -ENOSYS;
    }
    long ret = d->fn(p, a);
    /* pipe_write: EPIPE comes with SIGPIPE (default action: terminate) */
    if (ret == -EPIPE)
        send_sig_self(p, 13 /* SIGPIPE */);
    if (p->emu->strace) {
        if (p->exited)
            fprintf(p->emu->strace, "[pid %d] %s(%d) = ?\n", p->task.pid, d->name, (int)a[0]);
        else
            trace_call(p, d, a, ret);
    }
    return ret;
}
