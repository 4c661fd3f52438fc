/* moat's entry point: global options, the command table, and the mapping
 * from library errors to exit statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include "cli.h"
#include "core/banned.h"

const struct cli_cmd cli_cmds[] = {
#define CMD(name, fn, summary) { name, fn, summary, fn##_usage },
#include "commands.def"
#undef CMD
    { NULL, NULL, NULL, NULL },
};

const struct cli_cmd *cli_find(const char *name)
{
    for (const struct cli_cmd *c = cli_cmds; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int cli_error(const char *what, const struct moat_err *err, int rc)
{
    if (err && err->msg[0])
        fprintf(stderr, "moat: %s: %s\n", what, err->msg);
    else
        fprintf(stderr, "moat: %s: %s\n", what, moat_strerror(rc));
    return EXIT_ERROR;
}

/* Secrets pass through this process's memory: keep them out of core dumps. */
static void no_core_dumps(void)
{
    struct rlimit rl = { 0, 0 };

    if (setrlimit(RLIMIT_CORE, &rl) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        fprintf(stderr, "moat: warning: could not disable core dumps\n");
}

int main(int argc, char **argv)
{
    const char *env = getenv("MOAT_LOG");
    const struct cli_cmd *cmd;
    int i = 1;

    no_core_dumps();
    if (env) {
        enum moat_log_level lvl;
        if (moat_log_parse_level(env, &lvl) == 0)
            moat_log_set_level(lvl);
    }
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V"))
            return cmd_version(0, NULL);
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return cmd_help(0, NULL);
        if (!strcmp(argv[i], "-v")) {
            moat_log_set_level(moat_log_level == MOAT_LOG_INFO ? MOAT_LOG_DEBUG : MOAT_LOG_TRACE);
            continue;
        }
        if (!strcmp(argv[i], "-q")) {
            moat_log_set_level(MOAT_LOG_ERROR);
            continue;
        }
        fprintf(stderr, "moat: unknown option '%s'; see 'moat help'\n", argv[i]);
        return EXIT_ERROR;
    }
    if (i >= argc) {
        cli_usage(NULL, stderr);
        return EXIT_ERROR;
    }
    if (!(cmd = cli_find(argv[i]))) {
        fprintf(stderr, "moat: unknown command '%s'; see 'moat help'\n", argv[i]);
        return EXIT_ERROR;
    }
    return cmd->fn(argc - i, argv + i);
}
