/* moat db: fill and inspect the offline OSV vulnerability store that the
 * deps analyzer of `moat scan` reads (`import`, `status`). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <moat/deps.h>
#include "cli.h"
#include "core/banned.h"

const char cmd_db_usage[] =
    "usage: moat db import [--db PATH] FILE|DIR...\n"
    "       moat db status [--db PATH]\n"
    "\n"
    "The offline OSV vulnerability database that `moat scan` checks dependencies\n"
    "against.\n"
    "\n"
    "  import      add OSV advisories: .json files, .jsonl or .jsonl.gz files (one\n"
    "              advisory per line), directories of .json files, or zips of them\n"
    "              (osv.dev's all.zip); the newest `modified` of each id wins\n"
    "  status      show the store's path, counts per ecosystem and newest advisory;\n"
    "              checks every checksum\n"
    "\n"
    "  --db PATH   the store (default: $MOAT_DB, else $XDG_DATA_HOME/moat/osv.db,\n"
    "              else ~/.local/share/moat/osv.db)\n";

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "moat: db: %s\n", msg);
    fputs(cmd_db_usage, stderr);
    return EXIT_ERROR;
}

static int do_import(const char *path, char **inputs, size_t n)
{
    struct moat_db_import_stats st;
    struct moat_err err = { 0, "" };
    int rc;

    if (n == 0)
        return usage_error("import: name at least one FILE or DIR");
    if ((rc = moat_db_import(path, (const char *const *)inputs, n, &st, &err)) != 0)
        return cli_error("db import", &err, rc);
    printf("%s: %zu advisories read from %zu files: %zu added, %zu updated, %zu unchanged, "
           "%zu invalid skipped\n",
           path, st.advisories, st.files, st.added, st.updated, st.unchanged, st.skipped);
    return EXIT_PASS;
}

static int do_status(const char *path)
{
    struct moat_db_status st;
    struct moat_err err = { 0, "" };
    int rc;

    if ((rc = moat_db_status(path, &st, &err)) != 0)
        return cli_error("db status", &err, rc);
    printf("store:       %s\n", path);
    printf("advisories:  %zu (%zu withdrawn, never reported)\n", st.advisories, st.withdrawn);
    printf("packages:    %zu\n", st.packages);
    printf("newest:      %s\n", st.newest[0] ? st.newest : "-");
    printf("ecosystems:\n");
    for (size_t i = 0; i < st.neco; i++)
        printf("  %-20s %zu\n", st.eco[i].ecosystem, st.eco[i].advisories);
    return EXIT_PASS;
}

int cmd_db(int argc, char **argv)
{
    static const struct option opts[] = {
        { "db", required_argument, NULL, 'd' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *sub = NULL, *db = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    size_t nrest = 0;
    char *path = NULL;
    int c, status;

    if (!rest)
        return usage_error("out of memory");
    /* options may come before or after the subcommand: collect the
     * operands in order, the first one being the subcommand */
    optind = 1;
    while (optind < argc) {
        if ((c = getopt_long(argc, argv, "+h", opts, NULL)) == -1) {
            rest[nrest++] = argv[optind++];
            continue;
        }
        if (c == 'd') {
            db = optarg;
        } else if (c == 'h') {
            fputs(cmd_db_usage, stdout);
            status = EXIT_PASS;
            goto out;
        } else {
            status = usage_error(NULL);
            goto out;
        }
    }
    if (nrest == 0) {
        status = usage_error("name a subcommand: import or status");
        goto out;
    }
    sub = rest[0];
    if (db && !*db) {
        status = usage_error("--db: empty path");
        goto out;
    }
    path = db ? strdup(db) : moat_db_default_path();
    if (db && !path) {
        status = usage_error("out of memory");
        goto out;
    }
    if (!path && !db) {
        fprintf(stderr, "moat: db: no database path: set MOAT_DB or HOME, or pass --db PATH\n");
        status = EXIT_ERROR;
        goto out;
    }
    if (strcmp(sub, "import") == 0) {
        status = do_import(path, rest + 1, nrest - 1);
    } else if (strcmp(sub, "status") == 0) {
        status = nrest > 1 ? usage_error("status takes no operands") : do_status(path);
    } else {
        fprintf(stderr, "moat: db: unknown subcommand '%s'\n", sub);
        status = usage_error(NULL);
    }
out:
    free(path);
    free(rest);
    return status;
}
