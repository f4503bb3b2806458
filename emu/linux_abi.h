/*
 * linux_abi.h - guest ABI values the syscall layer uses. The mm ones live with the model
 * (kernel_model/mman.h) because do_mmap takes them as the syscall does.
 */
#ifndef FL_LINUX_ABI_H
#define FL_LINUX_ABI_H

#include "kernel_model/mman.h"

#endif
