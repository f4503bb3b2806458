/*
 * asm_touch: mmap 16 fresh anonymous pages at 0x300000000 (MAP_FIXED_NOREPLACE) with a raw
 * syscall, store one byte into each page, read them back, print "asm_touch: 16 pages ok" and
 * exit 0. Exit 1 if the mapping did not land at 0x300000000, 2 if a byte read back is wrong.
 *
 * Fault log (faults.py): exactly 16 faults in [0x300000000, 0x300010000): do_anonymous_page,
 * write, user mode. No libc, so nothing else touches that range.
 */
#define SYS_write 1
#define SYS_mmap 9
#define SYS_exit_group 231
#define PROT_RW 3
#define MAP_PRIVATE_ANON_FNR 0x100022 /* MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE */
#define BASE 0x300000000
#define PAGES 16

        .section .rodata
msg:    .ascii "asm_touch: 16 pages ok\n"
        .set msglen, . - msg

        .text
        .globl _start
_start:
        mov     $SYS_mmap, %eax
        movabs  $BASE, %rdi
        mov     $(PAGES * 4096), %esi
        mov     $PROT_RW, %edx
        mov     $MAP_PRIVATE_ANON_FNR, %r10d
        mov     $-1, %r8
        xor     %r9d, %r9d
        syscall
        movabs  $BASE, %rbx
        cmp     %rbx, %rax
        jne     fail_map

        /* store (i + 1) at BASE + i * 4096 + i * 8 */
        xor     %ecx, %ecx
1:      mov     %rcx, %rdx
        shl     $12, %rdx
        lea     (%rdx,%rcx,8), %rdx
        lea     1(%rcx), %eax
        mov     %al, (%rbx,%rdx)
        inc     %ecx
        cmp     $PAGES, %ecx
        jb      1b

        /* read back and check */
        xor     %ecx, %ecx
2:      mov     %rcx, %rdx
        shl     $12, %rdx
        lea     (%rdx,%rcx,8), %rdx
        movzbl  (%rbx,%rdx), %eax
        lea     1(%rcx), %esi
        cmp     %esi, %eax
        jne     fail_data
        inc     %ecx
        cmp     $PAGES, %ecx
        jb      2b

        mov     $SYS_write, %eax
        mov     $1, %edi
        lea     msg(%rip), %rsi
        mov     $msglen, %edx
        syscall
        mov     $SYS_exit_group, %eax
        xor     %edi, %edi
        syscall

fail_map:
        mov     $SYS_exit_group, %eax
        mov     $1, %edi
        syscall
fail_data:
        mov     $SYS_exit_group, %eax
        mov     $2, %edi
        syscall
        hlt

        .section .note.GNU-stack, "", @progbits
