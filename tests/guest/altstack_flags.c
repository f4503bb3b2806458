/*
 * altstack_flags: what sigaltstack and a handler's uc_stack say about the signal stack, as
 * Linux's do_sigaltstack and __save_altstack say it. A handler's uc_stack holds the flags
 * sigaltstack was given (0 for a process that never set one), not whether the handler runs on
 * the stack; SS_AUTODISARM turns the stack off for the handler (a nested signal and sigaltstack
 * see SS_DISABLE) and rt_sigreturn turns it back on; a new thread starts without one
 * (copy_process: sas_ss_reset), a forked child keeps its parent's.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <ucontext.h>

#include "guest.h"

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char stk[65536];
static volatile int depth, nest;

static const char *where(const void *sp)
{
    return sp == stk ? "stk" : sp ? "elsewhere" : "none";
}

static void show_now(const char *who)
{
    stack_t cur;
    if (sigaltstack(NULL, &cur))
        guest_die("sigaltstack");
    printf("%s: sigaltstack flags %#x sp %s size %zu\n", who, (unsigned)cur.ss_flags,
           where(cur.ss_sp), cur.ss_size);
}

static void handler(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    int d = depth;
    (void)sig, (void)si;
    printf("  handler depth %d: uc_stack flags %#x sp %s size %zu\n", d,
           (unsigned)uc->uc_stack.ss_flags, where(uc->uc_stack.ss_sp), uc->uc_stack.ss_size);
    show_now("  handler");
    if (d < nest) {
        depth = d + 1;
        raise(SIGUSR2);
        depth = d;
    }
}

static void *thread_main(void *arg)
{
    (void)arg;
    show_now("thread");
    raise(SIGUSR1);
    return NULL;
}

static void set_stack(int flags)
{
    stack_t ss = {.ss_sp = stk, .ss_size = sizeof(stk), .ss_flags = flags};
    if (sigaltstack(&ss, NULL))
        guest_die("sigaltstack");
}

int main(void)
{
    struct sigaction sa = {.sa_sigaction = handler,
                           .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER};
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);

    printf("no stack set\n");
    raise(SIGUSR1);
    printf("a stack, flags 0, a nested signal\n");
    set_stack(0);
    nest = 1;
    raise(SIGUSR1);
    show_now("after");
    printf("a stack with SS_AUTODISARM, a nested signal\n");
    set_stack(SS_AUTODISARM);
    raise(SIGUSR1);
    show_now("after");
    nest = 0;
    printf("a new thread\n");
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    printf("a forked child\n");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show_now("child");
        raise(SIGUSR1);
        fflush(stdout);
        _exit(0);
    }
    guest_reap(pid);
    printf("disabled\n");
    set_stack(SS_DISABLE);
    raise(SIGUSR1);
    show_now("after");
    return 0;
}
