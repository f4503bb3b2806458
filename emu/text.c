/*
 * text.c - the text of a generated /proc or /sys file, handed to the guest in a memfd.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "emu/text.h"

/* Room for `more` bytes past the text; false (the text marked failed) when out of memory. */
static bool text_reserve(struct text *t, size_t more)
{
    if (t->failed)
        return false;
    if (t->cap - t->len >= more)
        return true;
    size_t cap = t->cap ? 2 * t->cap : 4096;
    while (cap - t->len < more)
        cap *= 2;
    char *b = realloc(t->buf, cap);
    if (!b) {
        t->failed = true;
        return false;
    }
    t->buf = b;
    t->cap = cap;
    return true;
}

void text_printf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    while (!t->failed) {
        size_t room = t->cap - t->len;
        va_start(ap, fmt);
        n = vsnprintf(t->buf ? t->buf + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < room) {
            t->len += n;
            return;
        }
        text_reserve(t, (size_t)n + 1); /* and the NUL vsnprintf writes */
    }
}

void text_append(struct text *t, const void *data, size_t len)
{
    if (!text_reserve(t, len))
        return;
    memcpy(t->buf + t->len, data, len);
    t->len += len;
}

int text_to_fd(struct text *t, const char *name)
{
    int fd = -ENOMEM;

    if (!t->failed) {
        fd = memfd_create(name, MFD_CLOEXEC);
        if (fd < 0) {
            fd = -errno;
        } else {
            size_t done = 0;
            while (done < t->len) {
                ssize_t n = write(fd, t->buf + done, t->len - done);
                if (n < 0) {
                    close(fd);
                    fd = -EIO;
                    break;
                }
                done += n;
            }
            if (fd >= 0)
                lseek(fd, 0, SEEK_SET);
        }
    }
    free(t->buf);
    return fd;
}
