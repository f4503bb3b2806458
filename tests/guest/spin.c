/* spin [handler] - a guest that computes without a system call: only a signal or faultline's
 * limits (--timeout, --max-insns) end it. With "handler", SIGINT runs a handler that ends the
 * loop ("caught SIGINT", status 0); without, SIGINT's default action kills it. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void on_sigint(int sig)
{
    (void)sig;
    caught = 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "handler")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sigint;
        sigaction(SIGINT, &sa, NULL);
    }
    for (volatile unsigned long i = 0; !caught; i++)
        ;
    static const char msg[] = "caught SIGINT\n";
    write(1, msg, sizeof(msg) - 1);
    return 0;
}
