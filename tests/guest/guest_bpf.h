/*
 * guest_bpf.h - classic BPF programs for the guests that attach them (seccomp filters, socket
 * filters): include/uapi/linux/filter.h's structures and macros, spelled out because not every
 * libc's compiler wrapper ships the kernel headers (musl-gcc does not).
 */
#ifndef GUEST_BPF_H
#define GUEST_BPF_H

#include <stdint.h>

struct sock_filter {
    uint16_t code;
    uint8_t jt, jf;
    uint32_t k;
};
struct sock_fprog {
    unsigned short len;
    struct sock_filter *filter;
};
#define BPF_STMT(code, k)                                                                          \
    {                                                                                              \
        (uint16_t)(code), 0, 0, k                                                                  \
    }
#define BPF_JUMP(code, k, jt, jf)                                                                  \
    {                                                                                              \
        (uint16_t)(code), jt, jf, k                                                                \
    }

#endif
