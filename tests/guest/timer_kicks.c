/*
 * timer_kicks: a program that copies and compares memory and does floating-point sums while a
 * 1 ms interval timer keeps interrupting it, first with SIGALRM ignored, then with a handler
 * that itself uses memset and floating point. Every interruption stops the CPU wherever the
 * program happens to be (in glibc's memcpy, between a compare and its branch); the program
 * must not notice: the copies compare equal, the sums agree, and it is not killed (a stop that
 * corrupted RFLAGS once set TF and ended it with SIGTRAP in memcpy).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
    char scratch[256];
    memset(scratch, sig + (int)handled, sizeof(scratch));
    volatile double d = scratch[7] * 1.5;
    (void)d;
    handled++;
}

static unsigned long work(int rounds)
{
    size_t len = 1 << 20;
    unsigned char *a = malloc(len), *b = malloc(len);
    unsigned long bad = 0;
    double first = 0;
    if (!a || !b)
        exit(100);
    for (size_t i = 0; i < len; i++)
        a[i] = (unsigned char)(i * 7);
    for (int r = 0; r < rounds; r++) {
        memcpy(b, a, len);
        if (memcmp(a, b, len))
            bad++;
        double s = 0;
        for (size_t i = 0; i < len; i += 64)
            s += b[i] * 0.5;
        if (r == 0)
            first = s;
        else if (s != first)
            bad++;
    }
    free(a);
    free(b);
    return bad;
}

static void every_ms(int on)
{
    struct itimerval it = {{0, on ? 1000 : 0}, {0, on ? 1000 : 0}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
    signal(SIGALRM, SIG_IGN);
    every_ms(1);
    unsigned long bad = work(150);
    every_ms(0);
    printf("ignored: %lu bad rounds\n", bad);

    signal(SIGALRM, on_alarm);
    every_ms(1);
    bad = work(150);
    every_ms(0);
    printf("handled: %lu bad rounds, interrupted: %s\n", bad, handled > 0 ? "yes" : "no");
    return 0;
}
