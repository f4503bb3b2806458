/*
 * text.h - the text of a generated /proc or /sys file, handed to the guest in a memfd.
 *
 * A file such as /proc/PID/maps is made whole when it is opened, as a seq_file read at offset 0
 * would make it; the guest then reads, seeks and maps the memfd like any file.
 */
#ifndef FL_EMU_TEXT_H
#define FL_EMU_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A growable text buffer; zero-initialise it. */
struct text {
    char *buf;
    size_t len, cap;
    bool failed; /* out of memory: text_to_fd says -ENOMEM */
};

/* Append printf-formatted text. */
void text_printf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append len bytes as they are (binary files such as auxv). */
void text_append(struct text *t, const void *data, size_t len);

/* A read-only host fd holding the text, positioned at 0 (a memfd), or -errno. Frees the text. */
int text_to_fd(struct text *t, const char *name);

#endif
