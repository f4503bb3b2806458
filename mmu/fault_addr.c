/*
 * fault_addr.c - the exact faulting address (what the CPU puts in CR2).
 *
 * Unicorn 2.1 hands the TLB-fill hook only the page of the access (address & TARGET_PAGE_MASK;
 * the byte address stays in a private field). The run loop has the precise registers, so the
 * address is recomputed the way the CPU formed it: decode the instruction at RIP with Capstone,
 * evaluate each memory operand (segment base + base + index * scale + displacement, RIP-relative
 * from the next instruction) and the implicit stack accesses (push, call, pop, ret, leave), and
 * take the one that touches the faulting page. An access that starts on the page before and
 * crosses into the faulting page faults at the page start, as on hardware.
 *
 * Decoding costs about a microsecond, so the decoded operands are cached per instruction
 * address, checked against the instruction's bytes (code can change under the same address).
 *
 * The decoding also tells the access type the CPU would report. Unicorn performs a
 * read-modify-write instruction (add to memory, xchg, lock cmpxchg, inc...) as a load and then a
 * store, so its first TLB miss is a read; a CPU walks the page tables for such an instruction
 * with write intent, and a not-present page takes one fault with the W bit set: the
 * destination of such an instruction (is_rmw) and the memory operand of a LOCK-prefixed one.
 */
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_model/mm.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define MAX_OPS    4
#define CACHE_SIZE 4096

struct mem_operand {
    int seg, base, index; /* Unicorn register ids, 0 for none; base may be UC_X86_REG_RIP */
    int scale;
    int64_t disp;
    unsigned size;
    bool rmw; /* read and written by the instruction */
};

struct decoded {
    uint64_t rip;
    uint8_t bytes[16];
    uint8_t len;
    uint8_t nops;
    int8_t stack; /* implicit stack access: -1 none, 0 at rsp (pop/ret), 1 at rsp-8 (push/call),
                     2 at rbp (leave) */
    struct mem_operand op[MAX_OPS];
};

static csh cs_handle;
static bool cs_ready;
static struct decoded *cache;

static int uc_reg_of(x86_reg r)
{
    switch (r) {
    case X86_REG_RAX:
    case X86_REG_EAX:
        return UC_X86_REG_RAX;
    case X86_REG_RBX:
    case X86_REG_EBX:
        return UC_X86_REG_RBX;
    case X86_REG_RCX:
    case X86_REG_ECX:
        return UC_X86_REG_RCX;
    case X86_REG_RDX:
    case X86_REG_EDX:
        return UC_X86_REG_RDX;
    case X86_REG_RSI:
    case X86_REG_ESI:
        return UC_X86_REG_RSI;
    case X86_REG_RDI:
    case X86_REG_EDI:
        return UC_X86_REG_RDI;
    case X86_REG_RBP:
    case X86_REG_EBP:
        return UC_X86_REG_RBP;
    case X86_REG_RSP:
    case X86_REG_ESP:
        return UC_X86_REG_RSP;
    case X86_REG_R8:
    case X86_REG_R8D:
        return UC_X86_REG_R8;
    case X86_REG_R9:
    case X86_REG_R9D:
        return UC_X86_REG_R9;
    case X86_REG_R10:
    case X86_REG_R10D:
        return UC_X86_REG_R10;
    case X86_REG_R11:
    case X86_REG_R11D:
        return UC_X86_REG_R11;
    case X86_REG_R12:
    case X86_REG_R12D:
        return UC_X86_REG_R12;
    case X86_REG_R13:
    case X86_REG_R13D:
        return UC_X86_REG_R13;
    case X86_REG_R14:
    case X86_REG_R14D:
        return UC_X86_REG_R14;
    case X86_REG_R15:
    case X86_REG_R15D:
        return UC_X86_REG_R15;
    case X86_REG_RIP:
        return UC_X86_REG_RIP;
    case X86_REG_FS:
        return UC_X86_REG_FS_BASE;
    case X86_REG_GS:
        return UC_X86_REG_GS_BASE;
    default:
        return 0;
    }
}

/*
 * Instructions that read and write their destination operand. Listed rather than taken from
 * Capstone's operand access flags, which in Capstone 4 are wrong both ways for some
 * instructions (test's memory operand reads as written; cmpxchg's as only read).
 */
static bool is_rmw(unsigned id)
{
    switch (id) {
    case X86_INS_ADD:
    case X86_INS_ADC:
    case X86_INS_SUB:
    case X86_INS_SBB:
    case X86_INS_AND:
    case X86_INS_OR:
    case X86_INS_XOR:
    case X86_INS_INC:
    case X86_INS_DEC:
    case X86_INS_NEG:
    case X86_INS_NOT:
    case X86_INS_XADD:
    case X86_INS_XCHG:
    case X86_INS_CMPXCHG: /* writes its destination even when the comparison fails */
    case X86_INS_CMPXCHG8B:
    case X86_INS_CMPXCHG16B:
    case X86_INS_SHL:
    case X86_INS_SHR:
    case X86_INS_SAL:
    case X86_INS_SAR:
    case X86_INS_ROL:
    case X86_INS_ROR:
    case X86_INS_RCL:
    case X86_INS_RCR:
    case X86_INS_SHLD:
    case X86_INS_SHRD:
    case X86_INS_BTS:
    case X86_INS_BTR:
    case X86_INS_BTC:
        return true;
    default:
        return false;
    }
}

static bool decode(struct mmu *m, uint64_t rip, struct decoded *d)
{
    uint8_t code[16];
    size_t n = 0;
    /* the bytes of the instruction, up to the first page that is not mapped */
    while (n < sizeof(code)) {
        unsigned err;
        uint8_t *p = mmu_kernel_translate(m->tsk, rip + n, false, &err);
        if (!p)
            break;
        size_t room = PAGE_SIZE - ((rip + n) & ~PAGE_MASK);
        size_t c = room < sizeof(code) - n ? room : sizeof(code) - n;
        memcpy(code + n, p, c);
        n += c;
    }
    if (!n)
        return false;
    if (!cs_ready) {
        if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs_handle) != CS_ERR_OK)
            return false;
        cs_option(cs_handle, CS_OPT_DETAIL, CS_OPT_ON);
        cs_ready = true;
    }
    cs_insn *insn;
    if (cs_disasm(cs_handle, code, n, rip, 1, &insn) != 1)
        return false;
    memset(d, 0, sizeof(*d));
    d->rip = rip;
    d->len = (uint8_t)insn->size;
    memcpy(d->bytes, code, insn->size);
    d->stack = -1;
    switch (insn->id) {
    case X86_INS_PUSH:
    case X86_INS_PUSHFQ:
    case X86_INS_CALL:
        d->stack = 1;
        break;
    case X86_INS_POP:
    case X86_INS_POPFQ:
    case X86_INS_RET:
        d->stack = 0;
        break;
    case X86_INS_LEAVE:
        d->stack = 2;
        break;
    default:
        break;
    }
    cs_x86 *x = &insn->detail->x86;
    bool rmw_insn = x->prefix[0] == X86_PREFIX_LOCK || is_rmw(insn->id);
    for (int i = 0; i < x->op_count && d->nops < MAX_OPS; i++) {
        if (x->operands[i].type != X86_OP_MEM || insn->id == X86_INS_LEA)
            continue;
        struct mem_operand *o = &d->op[d->nops++];
        o->seg = uc_reg_of(x->operands[i].mem.segment);
        o->base = uc_reg_of(x->operands[i].mem.base);
        o->index = uc_reg_of(x->operands[i].mem.index);
        o->scale = x->operands[i].mem.scale;
        o->disp = x->operands[i].mem.disp;
        o->size = x->operands[i].size ? x->operands[i].size : 1;
        /* the destination (Intel order: operand 0) of a read-modify-write; either of xchg */
        o->rmw = rmw_insn && (i == 0 || insn->id == X86_INS_XCHG);
    }
    cs_free(insn, 1);
    return true;
}

/* Does [ea, ea+size) touch the page at `page`? Then where does the fault land? */
static bool lands_on(uint64_t ea, unsigned size, uint64_t page, uint64_t *out)
{
    if ((ea & PAGE_MASK) == page) {
        *out = ea;
        return true;
    }
    if (ea < page && ea + size > page) {
        *out = page;
        return true;
    }
    return false;
}

/* The instruction at rip, decoded or taken from the cache (when its bytes are unchanged); NULL
 * when it cannot be read or decoded. */
static const struct decoded *decoded_at(struct mmu *m, uint64_t rip, struct decoded *local)
{
    if (!cache)
        cache = calloc(CACHE_SIZE, sizeof(*cache));
    struct decoded *d = cache ? &cache[(rip ^ (rip >> 12)) % CACHE_SIZE] : local;
    if (!cache)
        local->rip = 0; /* nothing cached: decode */
    uint8_t now[16];
    bool hit = d->rip == rip && d->len && !copy_from_user_nofault(m->tsk, now, rip, d->len) &&
               !memcmp(now, d->bytes, d->len);
    if (!hit && !decode(m, rip, d)) {
        d->rip = 0;
        return NULL;
    }
    return d;
}

/* Where memory operand o of the instruction d points with m's registers as they are now. */
static uint64_t operand_ea(struct mmu *m, const struct decoded *d, const struct mem_operand *o)
{
    uint64_t ea = (uint64_t)o->disp;
    if (o->base == UC_X86_REG_RIP)
        ea += d->rip + d->len;
    else if (o->base)
        ea += mmu_reg_read(m, o->base);
    if (o->index)
        ea += mmu_reg_read(m, o->index) * (uint64_t)o->scale;
    if (o->seg == UC_X86_REG_FS_BASE || o->seg == UC_X86_REG_GS_BASE)
        ea += mmu_reg_read(m, o->seg);
    return ea;
}

/* The implicit stack access of d (push, call, pop, ret, leave), false if it has none. */
static bool stack_ea(struct mmu *m, const struct decoded *d, uint64_t *ea)
{
    if (d->stack < 0)
        return false;
    uint64_t sp = mmu_reg_read(m, d->stack == 2 ? UC_X86_REG_RBP : UC_X86_REG_RSP);
    *ea = d->stack == 1 ? sp - 8 : sp;
    return true;
}

uint64_t mmu_exact_fault_addr(struct mmu *m, uint64_t rip, uint64_t page, bool fetch, bool *rmw)
{
    uint64_t out, ea;
    *rmw = false;
    if (fetch)
        return (rip & PAGE_MASK) == page ? rip : page;
    struct decoded local;
    const struct decoded *d = decoded_at(m, rip, &local);
    if (!d)
        return page;
    for (int i = 0; i < d->nops; i++) {
        if (lands_on(operand_ea(m, d, &d->op[i]), d->op[i].size, page, &out)) {
            *rmw = d->op[i].rmw;
            return out;
        }
    }
    if (stack_ea(m, d, &ea) && lands_on(ea, 8, page, &out))
        return out;
    return page;
}

int mmu_insn_touches(struct mmu *m, uint64_t rip, uint64_t start, uint64_t len)
{
    struct decoded local;
    const struct decoded *d = decoded_at(m, rip, &local);
    if (!d)
        return -1;
    uint64_t ea;
    for (int i = 0; i < d->nops; i++) {
        ea = operand_ea(m, d, &d->op[i]);
        if (ea < start + len && start < ea + d->op[i].size)
            return 1;
    }
    return stack_ea(m, d, &ea) && ea < start + len && start < ea + 8;
}

bool mmu_access_is_stack(struct mmu *m, uint64_t rip, uint64_t page)
{
    uint64_t out, ea;
    struct decoded local;
    const struct decoded *d = decoded_at(m, rip, &local);
    if (!d)
        return false;
    for (int i = 0; i < d->nops; i++)
        if (lands_on(operand_ea(m, d, &d->op[i]), d->op[i].size, page, &out))
            /* SS is the segment of an operand based on RSP or RBP, unless FS or GS overrides
             * it (64-bit mode ignores the other overrides) */
            return !d->op[i].seg &&
                   (d->op[i].base == UC_X86_REG_RSP || d->op[i].base == UC_X86_REG_RBP);
    return stack_ea(m, d, &ea) && lands_on(ea, 8, page, &out);
}
