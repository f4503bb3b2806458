/*
 * x86_only.c - links only the x86 parts of Debian's static Unicorn and Capstone.
 *
 * Debian builds libunicorn.a and libcapstone.a for every architecture they know. Their entry
 * points reach each architecture through one table (Unicorn's uc_open and uc_context_reg_*,
 * Capstone's cs_open and cs_option), so a static link pulls in all of them: 15 more Unicorn
 * CPUs and 11 more Capstone decoders, three quarters of faultline's text. Being in the same
 * file as the x86 code, their pages also come into faultline's resident memory when the host
 * kernel maps neighbours of a page faultline uses (fault-around).
 *
 * This object defines the symbols by which those tables name the other architectures, so the
 * linker takes none of their archive members. It must be given to the linker as an object file
 * ahead of the archives (CMakeLists.txt: FL_ENGINE_LIBS), and CMakeLists.txt first checks that a
 * program linked with it builds: an archive whose other architectures are reached some other
 * way would define these symbols twice, and faultline then links the whole archives.
 *
 * Nothing calls these: faultline opens only UC_ARCH_X86 and CS_ARCH_X86. Should anything do,
 * Unicorn's entries stop the program, and Capstone's report CS_ERR_ARCH from cs_open.
 */
#include <stdio.h>
#include <stdlib.h>

static void unicorn_arch_left_out(const char *fn)
{
    fprintf(stderr, "faultline: %s: this build links only Unicorn's x86 CPU\n", fn);
    abort();
}

/* Unicorn 2.1: uc_init_ARCH sets up an engine; reg_read_ARCH and reg_write_ARCH serve
 * uc_context_reg_read/write. */
#define UNICORN_ARCH_LEFT_OUT(arch)                                                                \
    void uc_init_##arch(void)                                                                      \
    {                                                                                              \
        unicorn_arch_left_out("uc_init_" #arch);                                                   \
    }                                                                                              \
    int reg_read_##arch(void)                                                                      \
    {                                                                                              \
        unicorn_arch_left_out("reg_read_" #arch);                                                  \
        return 0;                                                                                  \
    }                                                                                              \
    int reg_write_##arch(void)                                                                     \
    {                                                                                              \
        unicorn_arch_left_out("reg_write_" #arch);                                                 \
        return 0;                                                                                  \
    }

UNICORN_ARCH_LEFT_OUT(aarch64)
UNICORN_ARCH_LEFT_OUT(arm)
UNICORN_ARCH_LEFT_OUT(m68k)
UNICORN_ARCH_LEFT_OUT(mips)
UNICORN_ARCH_LEFT_OUT(mips64)
UNICORN_ARCH_LEFT_OUT(mips64el)
UNICORN_ARCH_LEFT_OUT(mipsel)
UNICORN_ARCH_LEFT_OUT(ppc)
UNICORN_ARCH_LEFT_OUT(ppc64)
UNICORN_ARCH_LEFT_OUT(riscv32)
UNICORN_ARCH_LEFT_OUT(riscv64)
UNICORN_ARCH_LEFT_OUT(s390x)
UNICORN_ARCH_LEFT_OUT(sparc)
UNICORN_ARCH_LEFT_OUT(sparc64)
UNICORN_ARCH_LEFT_OUT(tricore)

/* Capstone 4: ARCH_global_init sets up a handle (cs_open returns what it returns: 2 is
 * CS_ERR_ARCH), ARCH_option serves cs_option on it, which cannot happen without one. */
#define CAPSTONE_ARCH_LEFT_OUT(arch)                                                               \
    int arch##_global_init(void)                                                                   \
    {                                                                                              \
        return 2;                                                                                  \
    }                                                                                              \
    int arch##_option(void)                                                                        \
    {                                                                                              \
        return 2;                                                                                  \
    }

CAPSTONE_ARCH_LEFT_OUT(AArch64)
CAPSTONE_ARCH_LEFT_OUT(ARM)
CAPSTONE_ARCH_LEFT_OUT(EVM)
CAPSTONE_ARCH_LEFT_OUT(M680X)
CAPSTONE_ARCH_LEFT_OUT(M68K)
CAPSTONE_ARCH_LEFT_OUT(Mips)
CAPSTONE_ARCH_LEFT_OUT(PPC)
CAPSTONE_ARCH_LEFT_OUT(Sparc)
CAPSTONE_ARCH_LEFT_OUT(SystemZ)
CAPSTONE_ARCH_LEFT_OUT(TMS320C64x)
CAPSTONE_ARCH_LEFT_OUT(XCore)
