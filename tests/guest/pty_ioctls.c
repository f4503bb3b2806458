/*
 * pty_ioctls.c - the pty ioctls stress-ng --pty makes beyond termios and window sizes: the
 * locked termios (TIOCGLCKTRMIOS/TIOCSLCKTRMIOS), the line discipline (TIOCGETD/TIOCSETD),
 * packet mode (TIOCPKT/TIOCGPKT) and the queue sizes (TIOCINQ, TIOCOUTQ). Until 2026-12-07
 * faultline answered the first six with ENOTTY. No fault rows of interest.
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <termios.h>

#include "guest.h"

static const char *res(int r)
{
    return r == 0 ? "ok" : errno == ENOTTY ? "ENOTTY" : strerror(errno);
}

int main(void)
{
    int leader = posix_openpt(O_RDWR | O_NOCTTY);
    if (leader < 0 || grantpt(leader) || unlockpt(leader))
        guest_die("posix_openpt");
    int follower = open(ptsname(leader), O_RDWR | O_NOCTTY);
    if (follower < 0)
        guest_die("open follower");

    struct termios lck;
    memset(&lck, 0x55, sizeof(lck));
    int r = ioctl(follower, TIOCGLCKTRMIOS, &lck);
    printf("TIOCGLCKTRMIOS: %s, iflag %#x cflag %#x\n", res(r), r ? 0 : lck.c_iflag,
           r ? 0 : lck.c_cflag);
    printf("TIOCSLCKTRMIOS: %s\n", res(ioctl(follower, TIOCSLCKTRMIOS, &lck)));

    int ldisc = -1;
    r = ioctl(follower, TIOCGETD, &ldisc);
    printf("TIOCGETD: %s, %d\n", res(r), ldisc);
    printf("TIOCSETD same: %s\n", res(ioctl(follower, TIOCSETD, &ldisc)));

    int pkt = 1, got = -1;
    printf("TIOCPKT on: %s\n", res(ioctl(leader, TIOCPKT, &pkt)));
    r = ioctl(leader, TIOCGPKT, &got);
    printf("TIOCGPKT: %s, %d\n", res(r), got);
    pkt = 0;
    printf("TIOCPKT off: %s\n", res(ioctl(leader, TIOCPKT, &pkt)));

    if (write(leader, "abc\n", 4) != 4)
        guest_die("write");
    usleep(50000); /* the line reaches the follower's queue */
    int inq = -1, outq = -1;
    r = ioctl(follower, TIOCINQ, &inq);
    printf("TIOCINQ: %s, %d\n", res(r), inq);
    r = ioctl(follower, TIOCOUTQ, &outq);
    printf("TIOCOUTQ: %s, %d\n", res(r), outq);

    /* on a file that is no tty: ENOTTY */
    int fd = open("/proc/self/stat", O_RDONLY);
    printf("TIOCGLCKTRMIOS on a file: %s\n", res(ioctl(fd, TIOCGLCKTRMIOS, &lck)));
    return 0;
}
