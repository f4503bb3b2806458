/*
 * personality: personality(2) keeps the persona (setarch -R, gdb's disabling of address
 * randomization call it). One line per step:
 *   query    personality(0xffffffff) says PER_LINUX (0) and changes nothing
 *   set      setting ADDR_NO_RANDOMIZE returns the old persona; a query then says 0x40000
 *   proc     /proc/self/personality shows it (%08x)
 *   fork     a forked child inherits it
 *   exec     execve keeps it (the child execs itself with "show")
 *   back     setting PER_LINUX again returns 0x40000
 *   linux32  under PER_LINUX32 (setarch linux32) uname's machine is i686, in an exec'd child
 *            too; back under PER_LINUX it is x86_64 again
 */
#include <sys/personality.h>
#include <sys/utsname.h>

#include "guest.h"

static void proc_line(const char *what)
{
    char buf[64];
    guest_read_file("/proc/self/personality", buf, sizeof(buf));
    printf("%s proc %s", what, buf);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "show") == 0) {
        printf("exec query %#x\n", (unsigned)personality(0xffffffff));
        proc_line("exec");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "uname") == 0) {
        struct utsname u;
        uname(&u);
        printf("exec linux32 machine %s\n", u.machine);
        return 0;
    }
    printf("query %#x\n", (unsigned)personality(0xffffffff));
    printf("query again %#x\n", (unsigned)personality(0xffffffff));
    printf("set returns %#x\n", (unsigned)personality(PER_LINUX | ADDR_NO_RANDOMIZE));
    printf("query %#x\n", (unsigned)personality(0xffffffff));
    proc_line("parent");
    pid_t pid = fork();
    if (pid == 0) {
        printf("fork query %#x\n", (unsigned)personality(0xffffffff));
        _exit(0);
    }
    guest_reap(pid);
    printf("exec status %d\n", guest_run_self(argv[0], "show"));
    printf("back returns %#x\n", (unsigned)personality(PER_LINUX));
    printf("query %#x\n", (unsigned)personality(0xffffffff));

    struct utsname u;
    uname(&u);
    printf("linux machine %s\n", u.machine);
    printf("linux32 returns %#x\n", (unsigned)personality(PER_LINUX32));
    uname(&u);
    printf("linux32 machine %s\n", u.machine);
    printf("exec status %d\n", guest_run_self(argv[0], "uname"));
    personality(PER_LINUX);
    uname(&u);
    printf("linux machine %s\n", u.machine);
    return 0;
}
