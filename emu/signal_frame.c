/*
 * signal_frame.c - the x86-64 rt_sigframe: building it on the guest stack to enter a handler,
 * and reading it back in rt_sigreturn (arch/x86/kernel/signal.c, arch/x86/kernel/fpu/signal.c,
 * arch/x86/include/asm/sigframe.h, arch/x86/include/uapi/asm/sigcontext.h).
 *
 * The layout is Linux's byte for byte, because glibc's and musl's handlers read it through
 * their own ucontext_t (uc_mcontext.gregs[REG_RIP], REG_ERR, REG_TRAPNO, REG_CR2, uc_sigmask)
 * and their restorers (__restore_rt: `mov $15, %eax; syscall`) hand it back unchanged. The FPU
 * state is saved in the legacy 512-byte FXSAVE format (no XSAVE header: sw_reserved.magic1 is 0,
 * which Linux's sigreturn also accepts); neither libc's handler code needs more, and the
 * interrupted code gets its XMM registers back even if the handler used SSE.
 *
 * Every access goes through copy_to_user/copy_from_user, so writing the frame faults like the
 * kernel's (a fresh stack page is a kernel-mode do_anonymous_page fault in the log) and a frame
 * that cannot be written is a SIGSEGV, as in signal_setup_done.
 */
#include <stddef.h>
#include <string.h>

#include "emu/signal.h"
#include "kernel_model/mm.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define UC_FP_XSTATE         0x1
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4
#define SS_ONSTACK           1
#define SS_DISABLE           2
#define SS_AUTODISARM        ((int32_t)(1U << 31))
#define MINSIGSTKSZ          2048
#define X86_EFLAGS_CF        0x00000001
#define X86_EFLAGS_PF        0x00000004
#define X86_EFLAGS_AF        0x00000010
#define X86_EFLAGS_ZF        0x00000040
#define X86_EFLAGS_SF        0x00000080
#define X86_EFLAGS_TF        0x00000100
#define X86_EFLAGS_DF        0x00000400
#define X86_EFLAGS_OF        0x00000800
#define X86_EFLAGS_RF        0x00010000
#define X86_EFLAGS_AC        0x00040000
/* FIX_EFLAGS: the flags a frame may change on sigreturn */
#define FIX_EFLAGS                                                                                 \
    (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_SF |               \
     X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | X86_EFLAGS_CF | X86_EFLAGS_RF)
#define USER_CS 0x33
#define USER_DS 0x2b

/* struct sigcontext_64 (uapi/asm/sigcontext.h): general registers in this order. */
struct sigcontext64 {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t di, si, bp, bx, dx, ax, cx, sp, ip, flags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* guest address of the FXSAVE area, 0 when no FPU context */
    uint64_t reserved1[8];
};

struct stack64 {
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
};

/* The kernel's struct ucontext (uapi/asm-generic/ucontext.h): 304 bytes. */
struct ucontext64 {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct stack64 uc_stack;
    struct sigcontext64 uc_mcontext;
    uint64_t uc_sigmask;
};

/* struct rt_sigframe (asm/sigframe.h, 64-bit): the handler's return address first. */
struct rt_sigframe64 {
    uint64_t pretcode;
    struct ucontext64 uc;
    struct fl_siginfo info;
};

/* struct _fpstate_64: the FXSAVE image. */
struct fxsave64 {
    uint16_t cwd, swd;
    uint8_t ftw, pad0;
    uint16_t fop;
    uint64_t rip, rdp;
    uint32_t mxcsr, mxcsr_mask;
    uint8_t st_space[8][16];
    uint8_t xmm_space[16][16];
    uint32_t reserved2[12];
    uint32_t sw_reserved[12];
};

_Static_assert(sizeof(struct sigcontext64) == 256, "struct sigcontext is 256 bytes");
_Static_assert(sizeof(struct ucontext64) == 304, "struct ucontext is 304 bytes");
_Static_assert(offsetof(struct rt_sigframe64, info) == 312, "siginfo follows the ucontext");
_Static_assert(sizeof(struct fl_siginfo) == 128, "siginfo_t is 128 bytes");
_Static_assert(sizeof(struct fxsave64) == 512, "the FXSAVE area is 512 bytes");

static const int gregs_ids[18] = {
    UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10,    UC_X86_REG_R11, UC_X86_REG_R12,
    UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,    UC_X86_REG_RDI, UC_X86_REG_RSI,
    UC_X86_REG_RBP, UC_X86_REG_RBX, UC_X86_REG_RDX,    UC_X86_REG_RAX, UC_X86_REG_RCX,
    UC_X86_REG_RSP, UC_X86_REG_RIP, UC_X86_REG_EFLAGS,
};

/* struct sigcontext64 starts with the 18 registers of gregs_ids, in that order. */
static void read_gregs(struct mmu *m, struct sigcontext64 *sc)
{
    uint64_t *slot = &sc->r8;
    void *ptrs[18];
    for (int i = 0; i < 18; i++)
        ptrs[i] = &slot[i];
    uc_reg_read_batch(m->uc, (int *)gregs_ids, ptrs, 18);
}

static void write_gregs(struct mmu *m, const struct sigcontext64 *sc)
{
    const uint64_t *slot = &sc->r8;
    void *const ptrs[18] = {
        (void *)&slot[0],  (void *)&slot[1],  (void *)&slot[2],  (void *)&slot[3],
        (void *)&slot[4],  (void *)&slot[5],  (void *)&slot[6],  (void *)&slot[7],
        (void *)&slot[8],  (void *)&slot[9],  (void *)&slot[10], (void *)&slot[11],
        (void *)&slot[12], (void *)&slot[13], (void *)&slot[14], (void *)&slot[15],
        (void *)&slot[16], (void *)&slot[17],
    };
    uc_reg_write_batch(m->uc, (int *)gregs_ids, ptrs, 18);
}

/* copy_fpstate_to_sigframe, legacy FXSAVE format. The abridged tag word has one bit per
 * register (1 = not empty); Unicorn reads and writes the full two-bit-per-register word. */
static void save_fxstate(struct mmu *m, struct fxsave64 *fx)
{
    memset(fx, 0, sizeof(*fx));
    fx->cwd = (uint16_t)mmu_reg_read(m, UC_X86_REG_FPCW);
    fx->swd = (uint16_t)mmu_reg_read(m, UC_X86_REG_FPSW);
    uint64_t tag = mmu_reg_read(m, UC_X86_REG_FPTAG);
    for (int i = 0; i < 8; i++)
        if (((tag >> (2 * i)) & 3) != 3)
            fx->ftw |= (uint8_t)(1u << i);
    fx->mxcsr = (uint32_t)mmu_reg_read(m, UC_X86_REG_MXCSR);
    fx->mxcsr_mask = 0xffff;
    /* Unicorn reads an x87 register as the 10-byte image (mantissa, then sign and exponent),
     * which is what FXSAVE stores in the first 10 bytes of each 16-byte slot */
    for (int i = 0; i < 8; i++)
        mmu_reg_read_raw(m, UC_X86_REG_ST0 + i, fx->st_space[i]);
    for (int i = 0; i < 16; i++)
        mmu_reg_read_raw(m, UC_X86_REG_XMM0 + i, fx->xmm_space[i]);
}

static void restore_fxstate(struct mmu *m, const struct fxsave64 *fx)
{
    mmu_reg_write(m, UC_X86_REG_FPCW, fx->cwd);
    mmu_reg_write(m, UC_X86_REG_FPSW, fx->swd);
    uint64_t tag = 0;
    for (int i = 0; i < 8; i++)
        if (!(fx->ftw & (1u << i)))
            tag |= 3ULL << (2 * i);
    mmu_reg_write(m, UC_X86_REG_FPTAG, tag);
    /* the kernel refuses reserved MXCSR bits (mxcsr_feature_mask); keep the defined ones */
    mmu_reg_write(m, UC_X86_REG_MXCSR, fx->mxcsr & 0xffff);
    for (int i = 0; i < 8; i++)
        mmu_reg_write_raw(m, UC_X86_REG_ST0 + i, fx->st_space[i]);
    for (int i = 0; i < 16; i++)
        mmu_reg_write_raw(m, UC_X86_REG_XMM0 + i, fx->xmm_space[i]);
}

void fpu_get_fxsave(struct mmu *m, void *fxsave)
{
    save_fxstate(m, fxsave);
}

void fpu_set_fxsave(struct mmu *m, const void *fxsave)
{
    restore_fxstate(m, fxsave);
}

/* fpu__clear: the handler starts with a clean FPU (default control words, empty stack, zeroed
 * vector registers), as after handle_signal in Linux 4.20. */
static void clear_fpu(struct mmu *m)
{
    struct fxsave64 fx;
    memset(&fx, 0, sizeof(fx));
    fx.cwd = FPU_CW_DEFAULT;
    fx.mxcsr = MXCSR_DEFAULT;
    restore_fxstate(m, &fx);
}

static bool on_sig_stack(const struct proc *p, uint64_t sp)
{
    return p->altstack_size && sp > p->altstack_sp && sp - p->altstack_sp <= p->altstack_size;
}

static int32_t sas_ss_flags(const struct proc *p, uint64_t sp)
{
    if (!p->altstack_size)
        return SS_DISABLE;
    return on_sig_stack(p, sp) ? SS_ONSTACK : 0;
}

int setup_rt_frame(struct proc *p, int signo, const struct fl_siginfo *info,
                   const struct k_sigaction *ka, uint64_t oldmask)
{
    struct mmu *m = p->mmu;
    struct rt_sigframe64 frame;
    memset(&frame, 0, sizeof(frame));
    read_gregs(m, &frame.uc.uc_mcontext);
    uint64_t sp = frame.uc.uc_mcontext.sp;
    bool onsigstack = on_sig_stack(p, sp);

    /* get_sigframe: skip the red zone, switch to the altstack for SA_ONSTACK unless already on
     * it, put the FPU state below (64-byte aligned), then the frame, aligned so that the
     * handler starts as after a call: (sp + 8) % 16 == 0. */
    sp -= 128;
    if ((ka->flags & FL_SA_ONSTACK) && sas_ss_flags(p, sp) == 0)
        sp = p->altstack_sp + p->altstack_size;
    uint64_t fp_addr = (sp - sizeof(struct fxsave64)) & ~63ULL;
    uint64_t frame_addr = ((fp_addr - sizeof(frame)) & ~15ULL) - 8;
    /* a frame that would overflow the altstack it was on is refused: the task dies of SIGSEGV
     * (a handler that faults again and again on its altstack, with SA_NODEFER, ends there,
     * where the next frame went back to the top of the stack and it never ended) */
    if (onsigstack && !on_sig_stack(p, frame_addr))
        return -1;

    /* x86-64 has no vDSO fallback for the return address: without SA_RESTORER the frame is
     * refused, as __setup_rt_frame does (err |= -EFAULT). */
    if (!(ka->flags & FL_SA_RESTORER))
        return -1;
    frame.pretcode = ka->restorer;
    frame.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
    frame.uc.uc_link = 0;
    /* __save_altstack: the stack and its flags as sigaltstack set them, then an
     * auto-disarming stack is off until rt_sigreturn puts it back from here */
    frame.uc.uc_stack.ss_sp = p->altstack_sp;
    frame.uc.uc_stack.ss_flags = p->altstack_flags;
    frame.uc.uc_stack.ss_size = p->altstack_size;
    struct sigcontext64 *sc = &frame.uc.uc_mcontext;
    sc->cs = USER_CS;
    sc->ss = USER_DS;
    sc->err = p->thread_error_code;
    sc->trapno = p->thread_trap_nr;
    sc->oldmask = oldmask;
    sc->cr2 = p->thread_cr2;
    sc->fpstate = fp_addr;
    frame.uc.uc_sigmask = oldmask;
    /* siginfo is copied only for SA_SIGINFO handlers; the slot exists either way */
    if (ka->flags & FL_SA_SIGINFO)
        frame.info = *info;

    struct fxsave64 fx;
    save_fxstate(m, &fx);
    if (copy_to_user(&p->task, fp_addr, &fx, sizeof(fx)) ||
        copy_to_user(&p->task, frame_addr, &frame, sizeof(frame)))
        return -1;
    if (p->altstack_flags & SS_AUTODISARM) { /* sas_ss_reset */
        p->altstack_sp = p->altstack_size = 0;
        p->altstack_flags = SS_DISABLE;
    }

    /* Enter the handler: handler(signo, &info, &uc) with the frame as its stack. */
    struct sigcontext64 regs = *sc;
    regs.di = (uint64_t)signo;
    regs.si = frame_addr + offsetof(struct rt_sigframe64, info);
    regs.dx = frame_addr + offsetof(struct rt_sigframe64, uc);
    regs.ax = 0;
    regs.sp = frame_addr;
    regs.ip = ka->handler;
    regs.flags &= ~(uint64_t)(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
    write_gregs(m, &regs);
    clear_fpu(m);
    return 0;
}

void restore_rt_sigframe(struct proc *p)
{
    struct mmu *m = p->mmu;
    uint64_t frame_addr = mmu_reg_read(m, UC_X86_REG_RSP) - 8;
    struct rt_sigframe64 frame;
    if (copy_from_user(&p->task, &frame, frame_addr, sizeof(frame))) {
        force_sigsegv(p, 0); /* signal_fault: badframe */
        return;
    }
    const uint64_t kill_stop = sigmask_of(9) | sigmask_of(19);
    p->blocked = frame.uc.uc_sigmask & ~kill_stop;
    p->orig_rax = (uint64_t)-1; /* restore_sigcontext: no syscall checks (what a tracer reads) */

    /* restore_sigcontext: all general registers, only the FIX_EFLAGS bits of rflags */
    struct sigcontext64 regs = frame.uc.uc_mcontext;
    uint64_t flags = mmu_reg_read(m, UC_X86_REG_EFLAGS);
    regs.flags = (flags & ~(uint64_t)FIX_EFLAGS) | (regs.flags & FIX_EFLAGS);
    uint64_t fp_addr = regs.fpstate;
    write_gregs(m, &regs);
    if (fp_addr) {
        struct fxsave64 fx;
        if (copy_from_user(&p->task, &fx, fp_addr, sizeof(fx))) {
            force_sigsegv(p, 0);
            return;
        }
        restore_fxstate(m, &fx);
    } else {
        clear_fpu(m);
    }

    /* restore_altstack: errors other than EFAULT are squashed, so what do_sigaltstack refuses
     * changes nothing: a change while running on the stack, a mode other than 0, SS_ONSTACK
     * or SS_DISABLE (SS_AUTODISARM aside), a stack below MINSIGSTKSZ */
    const struct stack64 *ss = &frame.uc.uc_stack;
    int32_t mode = ss->ss_flags & ~SS_AUTODISARM;
    if (!on_sig_stack(p, regs.sp) && (mode == 0 || mode == SS_ONSTACK || mode == SS_DISABLE)) {
        if (mode == SS_DISABLE) {
            p->altstack_sp = 0;
            p->altstack_size = 0;
            p->altstack_flags = ss->ss_flags;
        } else if (ss->ss_size >= MINSIGSTKSZ) {
            p->altstack_sp = ss->ss_sp;
            p->altstack_size = ss->ss_size;
            p->altstack_flags = ss->ss_flags;
        }
    }

    /* The return to user mode (IRET) with the frame's cs and ss: anything but the 64-bit user
     * code segment, or with UC_STRICT_RESTORE_SS a stack segment other than the user data
     * segment, makes it fault, and Linux's bad_iret sends SIGSEGV (SI_KERNEL). Without the
     * strict flag, force_valid_ss puts in a valid ss. (__USER32_CS would go on in 32-bit code,
     * which the engine does not run: SIGSEGV too.) */
    if ((frame.uc.uc_mcontext.cs | 3) != USER_CS ||
        ((frame.uc.uc_flags & UC_STRICT_RESTORE_SS) && (frame.uc.uc_mcontext.ss | 3) != USER_DS))
        force_sigsegv(p, 0);
}
