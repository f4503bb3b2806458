/*
 * write_ro [nohandler]: read a PROT_READ page (maps the zero page, so the PTE is present), then
 * write to it. The write is an access error on a present page: error code 7 (PROT|WRITE|USER),
 * bad_area_access_error, SIGSEGV with si_code SEGV_ACCERR.
 *
 * By default a SIGSEGV handler (SA_SIGINFO|SA_RESETHAND) reports the signal on stdout and
 * returns; the write then runs again, faults again, and with the default action restored the
 * process dies of SIGSEGV (status 139). With "nohandler" the first fault kills it.
 *
 * Fault log (faults.py): in the page, one do_anonymous_page read (error 4), then one (nohandler)
 * or two (handler) bad_area_access_error rows at the written address; the last row of the run is
 * one of them. faultline prints "write_ro[PID]: segfault at ADDR ip .. sp .. error 7" for the
 * unhandled one, as Linux's show_signal_msg does.
 */
#define _GNU_SOURCE
#include <signal.h>

#include "guest.h"

static volatile unsigned char *target;

/* Async-signal-safe: format by hand, write(2) directly. */
static void on_segv(int sig, siginfo_t *si, void *ucontext)
{
    (void)ucontext;
    char msg[] = "caught signal 00 si_code 0 si_addr ok?\n";
    msg[14] = '0' + sig / 10;
    msg[15] = '0' + sig % 10;
    msg[25] = '0' + (si->si_code % 10);
    msg[sizeof(msg) - 3] = (si->si_addr == (void *)target) ? 'Y' : 'N';
    write(1, msg, sizeof(msg) - 1);
}

int main(int argc, char **argv)
{
    int handler = !(argc > 1 && strcmp(argv[1], "nohandler") == 0);
    unsigned char *p = guest_map(0x220000000UL, GUEST_PAGE, PROT_READ);
    target = p + 0x10;
    guest_note("write_ro", "base", p);
    guest_note("write_ro", "target", (void *)target);

    if (handler) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGSEGV, &sa, NULL) != 0)
            guest_die("sigaction");
    }
    printf("read %d\n", target[0]);
    printf("writing to a read-only page (%s)\n", handler ? "handler" : "no handler");
    fflush(stdout);
    target[0] = 1;
    printf("survived the write: wrong\n");
    return 1;
}
