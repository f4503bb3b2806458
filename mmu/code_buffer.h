/* code_buffer.h - give back the memory of a new engine's empty translated-code buffer. */
#ifndef FAULTLINE_MMU_CODE_BUFFER_H
#define FAULTLINE_MMU_CODE_BUFFER_H

#define CODE_BUFFER_SNAPSHOT_MAX 16

/* The host's rwx anonymous mappings (translated-code buffers) at one moment. */
struct code_buffer_snapshot {
    int n, overflow;
    unsigned long start[CODE_BUFFER_SNAPSHOT_MAX], end[CODE_BUFFER_SNAPSHOT_MAX];
};

/* Record the code buffers that exist now, before an engine is created. */
void code_buffer_snapshot(struct code_buffer_snapshot *snap);

/* Return to the host the pages of every code buffer that appeared since `before`. Only for a
 * buffer that holds no translated code and reads as zeroes (Unicorn 2.1.1 right after
 * uc_ctl_flush_tb): its contents stay the same, its memory stops being resident. */
void code_buffer_release_new(const struct code_buffer_snapshot *before);

#endif
