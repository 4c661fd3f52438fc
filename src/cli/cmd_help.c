/* moat help [COMMAND]: the command list, generated from the command table,
 * or one command's help page. */
#include <stdio.h>
#include "cli.h"
#include "core/banned.h"

const char cmd_help_usage[] = "usage: moat help [COMMAND]\n"
                              "\n"
                              "Show the list of commands, or the help page of COMMAND.\n";

void cli_usage(const char *name, FILE *f)
{
    const struct cli_cmd *c = name ? cli_find(name) : NULL;

    if (c) {
        fputs(c->usage, f);
        return;
    }
    fprintf(f, "usage: moat [-v|-q] [--version] COMMAND [ARGS]\n\n"
               "moat keeps attackers out of the path from commit to production.\n\n"
               "Commands:\n");
    for (c = cli_cmds; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nGlobal options:\n"
               "  -v            more log output (twice: trace); also MOAT_LOG=debug\n"
               "  -q            only errors in the log\n"
               "  --version     print the version\n"
               "\nExit status: 0 the gate passed, 1 the gate failed, 2 a usage or runtime\n"
               "error, or something asked for could not be scanned.\n"
               "\nRun 'moat help COMMAND' for a command's options.\n");
}

int cmd_help(int argc, char **argv)
{
    /* argc 0: called for --help. */
    if (argc > 2) {
        fputs(cmd_help_usage, stderr);
        return EXIT_ERROR;
    }
    if (argc == 2 && !cli_find(argv[1])) {
        fprintf(stderr, "moat: help: unknown command '%s'\n", argv[1]);
        return EXIT_ERROR;
    }
    cli_usage(argc == 2 ? argv[1] : NULL, stdout);
    return EXIT_PASS;
}
