/*
 * fork_cow: copy-on-write across fork, checked natively (output) and in the fault log
 * (tests/e2e/processes/fork_faults.py).
 *
 * Before the fork the parent writes page A (do_anonymous_page), reads page Z (the zero page)
 * and writes page S, three pages of one private anonymous VMA. Then:
 *   child:  writes A   -> do_wp_page>wp_page_copy (the frame is mapped by both: copied)
 *           writes Z   -> do_wp_page>wp_page_copy (the zero page is never reused)
 *           reads S    -> no fault (the PTE stays present, read-only)
 *           exits 5
 *   parent: waits for the child (wait4: status 5), then
 *           writes A   -> do_wp_page>wp_page_reuse (the child's copy left the old frame to it)
 *           writes Z   -> do_wp_page>wp_page_copy
 *           reads S    -> no fault: S was written by nobody after the fork and stays one frame
 * Each process checks that it sees its own values (the copies really are separate).
 */
#include <sys/wait.h>

#include "guest.h"

int main(void)
{
    /* One VMA: A's write gives it an anon_vma, without which copy_page_range copies no PTE at
     * all (a VMA only ever read keeps no zero-page PTEs in the child: it faults afresh) */
    volatile unsigned char *a = guest_map(0x240000000UL, 3 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    volatile unsigned char *z = a + GUEST_PAGE;
    volatile unsigned char *s = a + 2 * GUEST_PAGE;
    guest_note("fork_cow", "a", (void *)a);
    guest_note("fork_cow", "z", (void *)z);
    guest_note("fork_cow", "s", (void *)s);
    a[8] = 1;
    int zero = z[8];
    s[8] = 3;
    printf("before fork: a=%d z=%d s=%d\n", a[8], zero, s[8]);
    fflush(stdout);

    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        a[8] = 10;
        z[8] = 20;
        printf("child: a=%d z=%d s=%d ppid-ok=%s\n", a[8], z[8], s[8],
               getppid() > 0 ? "yes" : "no");
        fflush(stdout);
        _exit(5);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        guest_die("waitpid");
    printf("parent: child exited=%d code=%d\n", WIFEXITED(status), WEXITSTATUS(status));
    printf("parent sees: a=%d z=%d s=%d\n", a[8], z[8], s[8]);
    a[8] = 100;
    z[8] = 200;
    printf("parent: a=%d z=%d s=%d\n", a[8], z[8], s[8]);
    return 0;
}
