/*
 * prctl_nnp: PR_SET_NO_NEW_PRIVS / PR_GET_NO_NEW_PRIVS (setpriv --nnp, sandboxes). One line
 * per step:
 *   get      0 at start; arguments past the first must be 0 (EINVAL otherwise)
 *   set      only arg2 == 1 with the rest 0 is accepted (EINVAL otherwise)
 *   status   /proc/self/status's NoNewPrivs line follows it
 *   fork     a forked child inherits it
 *   exec     execve keeps it (the child execs itself with "show")
 */
#include <errno.h>
#include <sys/prctl.h>

#include "guest.h"

static void status_line(const char *what)
{
    char buf[4096];
    guest_read_file("/proc/self/status", buf, sizeof(buf));
    char *l = strstr(buf, "NoNewPrivs:");
    if (!l) {
        printf("%s status: no NoNewPrivs line\n", what);
        return;
    }
    printf("%s status %.*s\n", what, (int)strcspn(l, "\n"), l);
}

static void call(const char *what, int op, unsigned long a2, unsigned long a3)
{
    errno = 0;
    int r = prctl(op, a2, a3, 0, 0);
    printf("%s = %d%s\n", what, r, r < 0 ? (errno == EINVAL ? " EINVAL" : " other error") : "");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "show") == 0) {
        call("exec get", PR_GET_NO_NEW_PRIVS, 0, 0);
        status_line("exec");
        return 0;
    }
    call("get", PR_GET_NO_NEW_PRIVS, 0, 0);
    call("get with arg2", PR_GET_NO_NEW_PRIVS, 1, 0);
    status_line("start");
    call("set 0", PR_SET_NO_NEW_PRIVS, 0, 0);
    call("set 2", PR_SET_NO_NEW_PRIVS, 2, 0);
    call("set 1 with arg3", PR_SET_NO_NEW_PRIVS, 1, 1);
    call("get", PR_GET_NO_NEW_PRIVS, 0, 0);
    call("set 1", PR_SET_NO_NEW_PRIVS, 1, 0);
    call("get", PR_GET_NO_NEW_PRIVS, 0, 0);
    call("set 1 again", PR_SET_NO_NEW_PRIVS, 1, 0);
    status_line("set");
    pid_t pid = fork();
    if (pid == 0) {
        call("fork get", PR_GET_NO_NEW_PRIVS, 0, 0);
        _exit(0);
    }
    guest_reap(pid);
    printf("exec status %d\n", guest_run_self(argv[0], "show"));
    return 0;
}
