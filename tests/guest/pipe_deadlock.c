/*
 * pipe_deadlock: read from a pipe whose only writer is the reader itself. Natively this blocks
 * forever; under faultline the reader is parked and, with no other process able to run, the
 * run ends with "every guest process is blocked" instead of hanging (emu/sched.h).
 */
#include "guest.h"

int main(void)
{
    int fds[2];
    char c;
    if (pipe(fds) != 0)
        guest_die("pipe");
    printf("reading an empty pipe nobody else can write\n");
    fflush(stdout);
    ssize_t n = read(fds[0], &c, 1);
    printf("read returned %zd\n", n);
    return 0;
}
