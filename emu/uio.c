/*
 * uio.c - guest iovec arrays: importing them and copying through them (see uio.h).
 */
#include <stdlib.h>

#include "emu/uio.h"
#include "mmu/uaccess.h"

/* Copy n bytes between buf and the guest segments at the cursor (out: to the guest); returns
 * the bytes copied, less than n only if a fault stopped it. */
static size_t iter_copy(struct proc *p, struct uiov_iter *it, char *buf, size_t n, bool out)
{
    size_t done = 0;

    while (done < n && it->seg < it->cnt) {
        const struct uiov *v = &it->iov[it->seg];
        size_t chunk = v->len - it->off;
        size_t left;

        if (chunk > n - done)
            chunk = n - done;
        left = out ? copy_to_user(&p->task, v->base + it->off, buf + done, chunk)
                   : copy_from_user(&p->task, buf + done, v->base + it->off, chunk);
        done += chunk - left;
        it->off += chunk - left;
        if (left)
            break;
        if (it->off == v->len) {
            it->seg++;
            it->off = 0;
        }
    }
    return done;
}

size_t iter_fault_in(struct proc *p, const struct uiov_iter *it, size_t n, bool write)
{
    struct uiov_iter at = *it;
    while (n && at.seg < at.cnt) {
        const struct uiov *v = &at.iov[at.seg];
        size_t c = v->len - at.off < n ? v->len - at.off : n;
        if (fault_in_user(&p->task, v->base + at.off, c, write))
            return n;
        n -= c;
        at.seg++;
        at.off = 0;
    }
    return n;
}

size_t iter_copy_out(struct proc *p, struct uiov_iter *it, const char *buf, size_t n)
{
    return iter_copy(p, it, (char *)buf, n, true);
}

size_t iter_copy_in(struct proc *p, struct uiov_iter *it, char *buf, size_t n)
{
    return iter_copy(p, it, buf, n, false);
}

long import_iovec(struct proc *p, uint64_t uvec, int cnt, uint64_t max_total, struct uiov **iov,
                  uint64_t *total)
{
    return rw_copy_check_uvector(p, uvec, cnt, max_total, true, iov, total);
}

long rw_copy_check_uvector(struct proc *p, uint64_t uvec, long cnt, uint64_t max_total, bool local,
                           struct uiov **iov, uint64_t *total)
{
    if (cnt < 0 || cnt > FL_UIO_MAXIOV)
        return -EINVAL;
    struct uiov *v = calloc(cnt ? cnt : 1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    if (get_user_struct(p, v, uvec, cnt * sizeof(*v))) {
        free(v);
        return -EFAULT;
    }
    uint64_t sum = 0;
    for (long i = 0; i < cnt; i++) {
        if ((int64_t)v[i].len < 0 || (local && !access_ok(v[i].base, v[i].len))) {
            long e = (int64_t)v[i].len < 0 ? -EINVAL : -EFAULT;
            free(v);
            return e;
        }
        if (v[i].len > max_total - sum)
            v[i].len = max_total - sum;
        sum += v[i].len;
    }
    *iov = v;
    *total = sum;
    return 0;
}
