/*
 * path_fault: path arguments that run into an unmapped page, and the faults Linux's
 * strncpy_from_user takes on them (lib/strncpy_from_user.c in 4.20 and now): it reads the path
 * a word at a time, and when a word faults it starts again on that word byte by byte, so a path
 * that reaches the hole without a NUL takes two faults there (the word's, then the byte's) and
 * fails with EFAULT, while one whose NUL lies just before the hole takes one fault (the last
 * word reaches past the NUL into the hole) and is copied. faultline took one fault for the
 * first and none for the second.
 *
 * A page at 0x2a0000000 and an unmapped one after it (hole=), then stat(2) of: the hole itself;
 * 40 'a's ending at the hole; "ab" whose NUL is the last byte before the hole. Markers between
 * the cases (stderr); stdout has the errno names only.
 */
#include <sys/stat.h>

#include "guest.h"

static void try_stat(const char *what, const char *path)
{
    struct stat st;
    errno = 0;
    int r = stat(path, &st);
    printf("stat %s: %d %s\n", what, r, r < 0 ? guest_errno_name(errno) : "");
}

int main(void)
{
    unsigned char *m = guest_map(0x2a0000000UL, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    memset(m, 'a', GUEST_PAGE);
    if (munmap(m + GUEST_PAGE, GUEST_PAGE))
        guest_die("munmap");
    char *hole = (char *)m + GUEST_PAGE;
    guest_note("path_fault", "hole", hole);
    guest_marker("path_fault", "a", 0);
    try_stat("of the hole", hole);
    guest_marker("path_fault", "b", 1);
    try_stat("running into the hole", hole - 40);
    guest_marker("path_fault", "c", 2);
    hole[-3] = 'a';
    hole[-2] = 'b';
    hole[-1] = 0;
    try_stat("ending right before the hole", hole - 3);
    guest_marker("path_fault", "d", 3);
    return 0;
}
