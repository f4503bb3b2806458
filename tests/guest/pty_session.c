/*
 * pty_session - a child's session on a pseudo-terminal, as forkpty(3)/login_tty make it
 * (Python's pty.fork, script, pexpect): setsid, then TIOCSCTTY on the pty's slave, which the
 * new session leader takes as its controlling terminal; /dev/tty then opens it; tcgetsid,
 * tcgetpgrp and /proc/self/stat answer for it (from the master's side too), tcsetpgrp moves its
 * foreground group within the session, TIOCNOTTY gives it up (the leader's: SIGHUP and SIGCONT to
 * the foreground group), and the master's close hangs it up (SIGHUP to the leader); ^C, ^\\ and ^Z
 * written to the master signal its foreground group. The refusals: TIOCSCTTY from a process that
 * leads no session or has a terminal already (EPERM), /dev/tty in a session without one (ENXIO).
 * Under faultline the guest's sessions are not the host's, and until 2026-12-06 TIOCSCTTY went to
 * the host, which refused it (EPERM): forkpty's child exited 1 at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

static const char *res(long r)
{
    static char buf[32];
    if (r < 0)
        return strerrorname_np(errno);
    snprintf(buf, sizeof(buf), "%ld", r);
    return buf;
}

static volatile sig_atomic_t got_hup, got_cont;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        got_hup++;
    else
        got_cont++;
}

/* /proc/self/stat's tty_nr (the terminal, new_encode_dev) and tpgid (its foreground group) */
static void stat_tty(pid_t me)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY), tty_nr = 0, tpgid = 0;
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    struct stat st;

    buf[n > 0 ? n : 0] = 0;
    char *end = strrchr(buf, ')');
    if (end)
        sscanf(end + 2, "%*c %*d %*d %*d %d %d", &tty_nr, &tpgid);
    fstat(0, &st);
    unsigned ma = major(st.st_rdev), mi = minor(st.st_rdev);
    printf("stat: tty_nr is the pty %d, tpgid is me %d\n",
           tty_nr == (int)((mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12)), tpgid == me);
    close(fd);
}

static void on_tstp(int sig)
{
    _exit(100 + sig);
}

/* In the child, on the pty: each line goes to the master, which the parent prints. */
static void child(void)
{
    pid_t me = getpid();
    char name[64];

    printf("isatty %d, ttyname pts %d\n", isatty(0),
           ttyname_r(0, name, sizeof(name)) == 0 && strncmp(name, "/dev/pts/", 9) == 0);
    fgets(name, sizeof(name), stdin); /* the parent has looked from the master's side */
    printf("tcgetsid is me %d, tcgetpgrp is me %d\n", tcgetsid(0) == me, tcgetpgrp(0) == me);
    stat_tty(me);
    int t = open("/dev/tty", O_RDWR);
    printf("/dev/tty: %s, a tty %d, its session is mine %d\n",
           t < 0 ? strerrorname_np(errno) : "opened", isatty(t), tcgetsid(t) == me);
    printf("TIOCSCTTY again: %s\n", res(ioctl(0, TIOCSCTTY, 0))); /* already ours: 0 */

    /* a second group of the session in the foreground, then back (SIGTTOU ignored: a
     * background tcsetpgrp is allowed then; faultline does not send it for these terminals) */
    signal(SIGTTOU, SIG_IGN);
    int said[2], go[2];
    char c;
    if (pipe(said) < 0 || pipe(go) < 0)
        _exit(4);
    pid_t kid = fork();
    if (kid == 0) {
        setpgid(0, 0);
        printf("kid: TIOCSCTTY %s\n", res(ioctl(0, TIOCSCTTY, 0))); /* no leader: EPERM */
        printf("kid: tcgetsid is leader %d\n", tcgetsid(0) == getppid());
        write(said[1], "k", 1);
        read(go[0], &c, 1); /* stay, a group to be the foreground one */
        _exit(0);
    }
    setpgid(kid, kid);
    read(said[0], &c, 1);
    printf("tcsetpgrp kid: %s\n", res(tcsetpgrp(0, kid)));
    printf("tcgetpgrp is kid %d\n", tcgetpgrp(0) == kid);
    write(go[1], "g", 1);
    waitpid(kid, NULL, 0);
    printf("tcsetpgrp me: %s\n", res(tcsetpgrp(0, me)));
    printf("tcsetpgrp 99999: %s\n", res(tcsetpgrp(0, 99999))); /* no such group: EPERM */
    fflush(stdout);

    /* a pty of its own: this leader has a terminal already */
    int m2, s2;
    if (openpty(&m2, &s2, NULL, NULL, NULL) == 0)
        printf("TIOCSCTTY on another: %s\n", res(ioctl(s2, TIOCSCTTY, 0)));
    fflush(stdout);
    _exit(7);
}

int main(void)
{
    int master;
    char buf[4096];
    size_t len = 0;
    ssize_t n;

    alarm(10);
    setvbuf(stdout, NULL, _IONBF, 0); /* nothing buffered twice by the forks */
    /* outside any pty session: the new session has no terminal */
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int t = open("/dev/tty", O_RDWR);
        printf("new session: /dev/tty %s\n", t < 0 ? strerrorname_np(errno) : "opened");
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);

    pid = forkpty(&master, NULL, NULL, NULL);
    if (pid < 0)
        return 2;
    if (pid == 0)
        child();
    /* the master's view of the child's session, once the child has said something */
    while (len < sizeof(buf) - 1 && (n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0) {
        len += (size_t)n;
        if (len && memchr(buf, '\n', len))
            break;
    }
    printf("master: tcgetsid is child %d, tcgetpgrp is child %d\n", tcgetsid(master) == pid,
           tcgetpgrp(master) == pid);
    write(master, "\n", 1); /* go on (echoed) */
    while (len < sizeof(buf) - 1 && (n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    int st;
    waitpid(pid, &st, 0);
    for (size_t i = 0; i < len; i++) /* the tty's \r\n as \n */
        if (buf[i] != '\r')
            putchar(buf[i]);
    printf("child status %d\n", WEXITSTATUS(st));

    /* login_tty's steps by hand in a child, with a pty's slave opened without O_NOCTTY by the
     * leader: the open takes it */
    int m, s;
    char name[64];
    if (openpty(&m, &s, name, NULL, NULL) < 0)
        return 3;
    pid = fork();
    if (pid == 0) {
        setsid();
        int t = open(name, O_RDWR); /* no O_NOCTTY */
        printf("open without O_NOCTTY: tcgetsid is me %d\n", tcgetsid(t) == getpid());
        signal(SIGHUP, on_signal);
        signal(SIGCONT, on_signal);
        printf("TIOCNOTTY: %s\n", res(ioctl(t, TIOCNOTTY)));
        printf("SIGHUP %d, SIGCONT %d\n", (int)got_hup, (int)got_cont); /* its own group's */
        printf("after: tcgetsid %s\n", res(tcgetsid(t)));
        int u = open("/dev/tty", O_RDWR);
        printf("after: /dev/tty %s\n", u < 0 ? strerrorname_np(errno) : "opened");
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);

    /* the master closing hangs the terminal up: its session leader dies of SIGHUP */
    pid = forkpty(&master, NULL, NULL, NULL);
    if (pid == 0) {
        alarm(5);
        write(1, "x\n", 2);
        pause();
        _exit(0);
    }
    read(master, buf, 1);
    close(master);
    waitpid(pid, &st, 0);
    printf("master closed: child %s %d\n", WIFSIGNALED(st) ? "killed by" : "exited",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));

    /* ^C, ^\\ and ^Z written to the master signal the terminal's foreground group */
    static const char keys[] = {3, 28, 26};
    for (int i = 0; i < 3; i++) {
        pid = forkpty(&master, NULL, NULL, NULL);
        if (pid == 0) {
            alarm(5);
            /* the session's group is orphaned (its leader's parent is in another session),
             * so SIGTSTP's default would be discarded: a handler shows it came */
            signal(SIGTSTP, on_tstp);
            write(1, "x\n", 2);
            pause();
            _exit(0);
        }
        read(master, buf, 1);
        write(master, &keys[i], 1);
        waitpid(pid, &st, 0);
        printf("key %d: child %s %d\n", keys[i], WIFEXITED(st) ? "exited" : "killed by",
               WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        close(master);
    }
    return 0;
}
