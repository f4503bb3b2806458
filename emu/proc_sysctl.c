/*
 * proc_sysctl.c - /proc/sys/vm files served from the model (see proc_sysctl.h).
 *
 * One row per sysctl, as kernel/sysctl.c's vm_table: the variable, its handler's kind and
 * bounds, and what a write changes besides (overcommit_ratio and overcommit_kbytes each clear
 * the other: overcommit_ratio_handler, overcommit_kbytes_handler).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cred.h"
#include "emu/proc_sysctl.h"
#include "emu/text.h"
#include "emu/uio.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"

enum sysctl_kind {
    DOINTVEC,        /* proc_dointvec: any int */
    DOINTVEC_MINMAX, /* proc_dointvec_minmax: -EINVAL outside [min, max] */
    DOULONGVEC,      /* proc_doulongvec_minmax without bounds: a negative value is skipped */
};

struct vm_sysctl {
    const char *name;
    enum sysctl_kind kind;
    int *ival;
    unsigned long *ulval;
    int min, max;
    void (*written)(void); /* after a successful write */
};

static void ratio_written(void)
{
    sysctl_overcommit_kbytes = 0;
}

static void kbytes_written(void)
{
    sysctl_overcommit_ratio = 0;
}

static int page_cluster_value;

static const struct vm_sysctl vm_table[] = {
    {"overcommit_memory", DOINTVEC_MINMAX, &sysctl_overcommit_memory, NULL, 0, 2, NULL},
    {"overcommit_ratio", DOINTVEC, &sysctl_overcommit_ratio, NULL, 0, 0, ratio_written},
    {"overcommit_kbytes", DOULONGVEC, NULL, &sysctl_overcommit_kbytes, 0, 0, kbytes_written},
    {"user_reserve_kbytes", DOULONGVEC, NULL, &sysctl_user_reserve_kbytes, 0, 0, NULL},
    {"admin_reserve_kbytes", DOULONGVEC, NULL, &sysctl_admin_reserve_kbytes, 0, 0, NULL},
    /* 4.20 bounds it below only; 1 << page_cluster needs it under 32 (Linux 6.2's maximum) */
    {"page-cluster", DOINTVEC_MINMAX, &page_cluster_value, NULL, 0, 31, NULL},
};

#define VM_DIR "/proc/sys/vm/"

static const struct vm_sysctl *find(const char *path)
{
    if (strncmp(path, VM_DIR, sizeof(VM_DIR) - 1))
        return NULL;
    for (size_t i = 0; i < sizeof(vm_table) / sizeof(vm_table[0]); i++)
        if (!strcmp(path + sizeof(VM_DIR) - 1, vm_table[i].name))
            return &vm_table[i];
    return NULL;
}

bool proc_sysctl_owns(const char *path)
{
    return find(path) != NULL;
}

int proc_sysctl_open(struct proc *p, const char *path, int flags)
{
    const struct vm_sysctl *s = find(path);
    uint32_t uid[4];
    struct text t = {0};

    task_uids(p, uid);
    if ((flags & O_ACCMODE) != O_RDONLY && uid[CRED_E] != 0)
        return -EACCES;
    page_cluster_value = (int)page_cluster;
    if (s->ival)
        text_printf(&t, "%d\n", *s->ival);
    else
        text_printf(&t, "%lu\n", *s->ulval);
    return text_to_fd(&t, s->name);
}

/* proc_get_long: an optional '-', digits in C's bases (simple_strtoul with base 0), then the end
 * of the buffer or whitespace; at most 21 characters. Advances *q and *left past it. */
static int get_long(const char **q, size_t *left, unsigned long *val, bool *neg)
{
    char tmp[22];
    size_t len = *left < sizeof(tmp) - 1 ? *left : sizeof(tmp) - 1;
    char *end;

    memcpy(tmp, *q, len);
    tmp[len] = 0;
    char *d = tmp;
    *neg = *d == '-' && *left > 1;
    d += *neg;
    if (!isdigit((unsigned char)*d))
        return -EINVAL;
    *val = strtoul(d, &end, 0);
    len = (size_t)(end - tmp);
    if (len == sizeof(tmp) - 1) /* too long to know where it ends */
        return -EINVAL;
    if (len < *left && *end != ' ' && *end != '\t' && *end != '\n')
        return -EINVAL;
    *q += len;
    *left -= len;
    return 0;
}

static void skip_spaces(const char **q, size_t *left)
{
    while (*left && isspace((unsigned char)**q))
        (*q)++, (*left)--;
}

long proc_sysctl_write(struct proc *p, const char *path, uint64_t ubuf, uint64_t count, int64_t pos)
{
    const struct vm_sysctl *s = find(path);
    char buf[4096];

    if (pos > 0) /* proc_first_pos_non_zero_ignore */
        return (long)count;
    size_t left = count < sizeof(buf) - 1 ? count : sizeof(buf) - 1;
    if (get_user_struct(p, buf, ubuf, left))
        return -EFAULT;
    buf[left] = 0;
    const char *q = buf;
    unsigned long val;
    bool neg;

    skip_spaces(&q, &left);
    if (!left) /* nothing written: "write && first" */
        return -EINVAL;
    if (get_long(&q, &left, &val, &neg))
        return -EINVAL;
    if (s->kind == DOULONGVEC) {
        if (!neg) /* __do_proc_doulongvec_minmax skips a negative value */
            *s->ulval = val;
    } else {
        if (val > (unsigned long)INT_MAX + neg) /* do_proc_dointvec_conv */
            return -EINVAL;
        long v = neg ? -(long)val : (long)val;
        if (s->kind == DOINTVEC_MINMAX && (v < s->min || v > s->max))
            return -EINVAL;
        *s->ival = (int)v;
    }
    skip_spaces(&q, &left);
    if (s->ival == &page_cluster_value)
        page_cluster = (unsigned)page_cluster_value;
    if (s->written)
        s->written();
    return (long)(count < sizeof(buf) - 1 ? count : sizeof(buf) - 1) - (long)left;
}
