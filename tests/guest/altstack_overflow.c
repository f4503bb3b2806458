/*
 * altstack_overflow.c - a SIGSEGV handler on an altstack (SA_ONSTACK, SA_NODEFER) that faults
 * again at once, so each signal nests one frame deeper on the altstack.
 *
 * Linux's get_sigframe refuses the frame that would overflow the altstack the task is on, and
 * the task dies of SIGSEGV (status 139) once the stack is full. Until faultline checked that
 * too, the frame went below the stack, the next one (from an sp off the altstack) went back to
 * its top, and the program faulted forever. The handler is assembly that uses no stack, so the
 * point where the stack is full does not depend on the frame's size (the host's XSAVE area
 * is larger than faultline's FXSAVE one): sp is on the altstack until a frame does not fit.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>

#include "guest.h"

static char alt[32768] __attribute__((aligned(64)));

void fault_again(int sig);
__asm__(".text\n"
        ".globl fault_again\n"
        "fault_again:\n"
        "    movl $1, 0\n" /* a store to address 0: SIGSEGV again, nested */
        "    ret\n");

int main(void)
{
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
    if (sigaltstack(&ss, NULL))
        guest_die("sigaltstack");
    struct sigaction sa = {.sa_handler = fault_again, .sa_flags = SA_ONSTACK | SA_NODEFER};
    if (sigaction(SIGSEGV, &sa, NULL))
        guest_die("sigaction");
    printf("faulting\n");
    fflush(stdout);
    *(volatile int *)0 = 1;
    printf("still here\n");
    return 1;
}
