/*
 * run_options.h - the options `faultline run` and `faultline tui` share.
 */
#ifndef FL_RUN_OPTIONS_H
#define FL_RUN_OPTIONS_H

#include "emu/proc.h"

struct run_options {
    struct fl_options opt;
    const char *prog;   /* the program to run: as given, or where PATH had it (prog_found) */
    char *prog_found;   /* a name without '/' found in PATH, as execvp finds it */
    char **guest_argv;  /* PROG ARGS... (points into argv) */
    char *options_json; /* the options as a JSON object, for the log's runs row */
    char **env_owned;   /* storage behind opt.envp */
};

/* Parse `run [options] -- PROG [ARGS...]` (argv[0] is the subcommand name). Returns -1 when the
 * run should go ahead, else the exit status to return at once (0 for --help and --cpu help, 2
 * for bad usage,
 * with a one-line message on stderr). */
int parse_run_options(int argc, char **argv, struct run_options *ro);
void free_run_options(struct run_options *ro);
/* "64M", "1G", "4096", "512k": bytes, or -1 if malformed. */
long long parse_size(const char *s);

#endif
