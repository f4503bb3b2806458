/*
 * guest_uffd.h - userfaultfd's user-space interface (include/uapi/linux/userfaultfd.h) for the
 * guests that use it: the musl builds have no <linux/userfaultfd.h>, so the numbers and layouts
 * are written out here once.
 */
#ifndef GUEST_UFFD_H
#define GUEST_UFFD_H

#include <stdint.h>

#define NR_userfaultfd               323
#define UFFD_API                     0xAAULL
#define UFFD_EVENT_PAGEFAULT         0x12
#define UFFD_PAGEFAULT_FLAG_WRITE    1ULL
#define UFFD_FEATURE_SIGBUS          (1ULL << 7)
#define UFFD_FEATURE_THREAD_ID       (1ULL << 8)
#define UFFDIO_REGISTER_MODE_MISSING 1ULL
#define UFFDIO_API                   0xc018aa3fUL
#define UFFDIO_REGISTER              0xc020aa00UL
#define UFFDIO_UNREGISTER            0x8010aa01UL
#define UFFDIO_WAKE                  0x8010aa02UL
#define UFFDIO_COPY                  0xc028aa03UL
#define UFFDIO_ZEROPAGE              0xc020aa04UL

struct uffd_msg {
    uint8_t event, reserved1;
    uint16_t reserved2;
    uint32_t reserved3;
    uint64_t flags, address;
    uint32_t ptid, pad;
};
struct uffdio_api {
    uint64_t api, features, ioctls;
};
struct uffdio_register {
    uint64_t start, len, mode, ioctls;
};
struct uffdio_copy {
    uint64_t dst, src, len, mode;
    int64_t copy;
};
struct uffdio_zeropage {
    uint64_t start, len, mode;
    int64_t zeropage;
};

#endif
