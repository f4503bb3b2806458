/*
 * main.c - faultline's entry point: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "emu/host_signals.h"

static void usage(FILE *f)
{
    fputs("usage: faultline COMMAND [ARGS...]\n"
          "\n"
          "commands:\n"
          "  run [options] -- PROG [ARGS...]   run an x86-64 Linux program on the modeled MMU,\n"
          "                                    logging every page fault to SQLite\n"
#ifdef HAVE_TUI
          "  tui [options] -- PROG [ARGS...]   the same, live in a terminal UI with stepping\n"
#endif
          "  query [--csv|--json|--table] DB [SQL]\n"
          "                                    run read-only SQL on a fault log (no SQL: schema)\n"
          "  stats DB [--run N] [--pid P]      a perf-stat-like report of a fault log\n"
          "  compare [--pages] [options] -- PROG [ARGS...]\n"
          "                                    run PROG natively and under faultline; print the\n"
          "                                    kernel's and the model's fault counts side by side\n"
          "                                    and whether stdout and exit status agree; --pages:\n"
          "                                    also page by page (perf events, no ASLR natively)\n"
          "  help                              this text; `faultline run --help` for options\n"
          "  version                           print the version\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    /* before faultline sets any action of its own: the guest inherits what faultline did */
    host_signals_save_inherited();
    const char *cmd = argv[1];
    if (!strcmp(cmd, "run"))
        return cmd_run(argc - 1, argv + 1);
#ifdef HAVE_TUI
    if (!strcmp(cmd, "tui"))
        return cmd_tui(argc - 1, argv + 1);
#endif
    if (!strcmp(cmd, "query"))
        return cmd_query(argc - 1, argv + 1);
    if (!strcmp(cmd, "stats"))
        return cmd_stats(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("faultline %s\n", FAULTLINE_VERSION);
        return 0;
    }
    fprintf(stderr, "faultline: unknown command '%s' (try 'faultline help')\n", cmd);
    return 2;
}
