/* The command-line front end's internal header: the command table and the
 * few helpers commands share. The CLI uses only the public <moat/...> API. */
#ifndef MOAT_CLI_H
#define MOAT_CLI_H

#include <moat/moat.h>

/* Exit statuses, documented in docs/cli/moat.md. */
enum {
    EXIT_PASS = 0,  /* the gate passed */
    EXIT_FAIL = 1,  /* the gate failed */
    EXIT_ERROR = 2, /* usage or runtime error, or something could not be scanned */
};

struct cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *usage; /* the command's help page: usage line and options */
};

/* Each cmd_<name>.c defines the function and its usage text. */
#define CMD(name, fn, summary)                                                                     \
    int fn(int argc, char **argv);                                                                 \
    extern const char fn##_usage[];
#include "commands.def"
#undef CMD

extern const struct cli_cmd cli_cmds[];
const struct cli_cmd *cli_find(const char *name);
/* Print a command's usage (its help page) to f. */
void cli_usage(const char *name, FILE *f);
/* Print "moat: <what>: <msg>" to stderr and return EXIT_ERROR. */
int cli_error(const char *what, const struct moat_err *err, int rc);

#endif
