/*
 * exec_script.c - #! scripts (fs/binfmt_script.c): the interpreter named on a script's first
 * line runs instead, with the script's path as its argument. Shared by execve and by the first
 * process of a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/exec.h"

/* The new argv: interp, [arg], the script's name as the caller gave it, argv[1..]. */
int load_script(const char *host, const char *name, char **argv, char ***out_argv, char *interp,
                size_t interp_len)
{
    char buf[BINPRM_BUF_SIZE + 1];
    int fd = open(host, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, BINPRM_BUF_SIZE);
    close(fd);
    if (n < 2 || buf[0] != '#' || buf[1] != '!')
        return 0;
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    char *cp = buf + 2;
    while (*cp == ' ' || *cp == '\t')
        cp++;
    if (!*cp)
        return -ENOEXEC;
    char *end = cp;
    while (*end && *end != ' ' && *end != '\t')
        end++;
    char *arg = NULL;
    if (*end) {
        *end++ = 0;
        while (*end == ' ' || *end == '\t')
            end++;
        /* the rest of the line, trailing blanks dropped, is one argument */
        size_t l = strlen(end);
        while (l && (end[l - 1] == ' ' || end[l - 1] == '\t'))
            end[--l] = 0;
        if (l)
            arg = end;
    }
    snprintf(interp, interp_len, "%s", cp);
    size_t argc = 0;
    while (argv && argv[argc])
        argc++;
    char **v = calloc(argc + 4, sizeof(*v));
    if (!v)
        return -ENOMEM;
    size_t k = 0;
    v[k++] = strdup(interp);
    if (arg)
        v[k++] = strdup(arg);
    v[k++] = strdup(name);
    for (size_t i = 1; i < argc; i++)
        v[k++] = strdup(argv[i]);
    *out_argv = v;
    return 1;
}
