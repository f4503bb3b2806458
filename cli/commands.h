/*
 * commands.h - the subcommands of the faultline executable. Each takes the arguments after its
 * own name (argv[0] is the subcommand) and returns the process exit status.
 */
#ifndef FL_COMMANDS_H
#define FL_COMMANDS_H

int cmd_run(int argc, char **argv);   /* faultline run [options] -- PROG [ARGS...] */
int cmd_tui(int argc, char **argv);   /* faultline tui [options] -- PROG [ARGS...] */
int cmd_query(int argc, char **argv); /* faultline query [--csv|--json|--table] DB [SQL] */
int cmd_stats(int argc, char **argv); /* faultline stats DB [--run N] [--pid P] */
/* faultline compare [run options] -- PROG [ARGS...]: native vs model fault counts and output */
int cmd_compare(int argc, char **argv);

#endif
