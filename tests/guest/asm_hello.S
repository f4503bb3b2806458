/*
 * asm_hello: no libc, no stack use beyond what the kernel set up. write(1, msg, len) and
 * exit_group(7) with raw syscalls. Tests the ELF loader and the syscall entry alone.
 */
#define SYS_write 1
#define SYS_exit_group 231

        .section .rodata
msg:    .ascii "hello from assembly\n"
        .set msglen, . - msg

        .text
        .globl _start
_start:
        mov     $SYS_write, %eax
        mov     $1, %edi
        lea     msg(%rip), %rsi
        mov     $msglen, %edx
        syscall
        cmp     $msglen, %rax
        jne     1f
        mov     $SYS_exit_group, %eax
        mov     $7, %edi
        syscall
1:      mov     $SYS_exit_group, %eax   /* short or failed write */
        mov     $1, %edi
        syscall
        hlt

        .section .note.GNU-stack, "", @progbits
