/* moat hook install: make `moat scan --staged` run before every commit. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "core/banned.h"

const char cmd_hook_usage[] =
    "usage: moat hook install [--force] [PATH]\n"
    "\n"
    "Install a git pre-commit hook in the repository at PATH (default: the\n"
    "current directory) that runs 'moat scan --staged' and blocks the commit\n"
    "when the gate fails.\n"
    "\n"
    "  --force   replace an existing pre-commit hook (a backup is kept)\n";

int cmd_hook(int argc, char **argv)
{
    static const struct option opts[] = {
        { "force", no_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct moat_err err = { 0 };
    const char *root = ".";
    bool force = false;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'F') {
            force = true;
        } else if (c == 'h') {
            fputs(cmd_hook_usage, stdout);
            return EXIT_PASS;
        } else {
            fputs(cmd_hook_usage, stderr);
            return EXIT_ERROR;
        }
    }
    if (optind >= argc || strcmp(argv[optind], "install") != 0) {
        fputs(cmd_hook_usage, stderr);
        return EXIT_ERROR;
    }
    if (optind + 1 < argc)
        root = argv[optind + 1];
    if (optind + 2 < argc) {
        fputs(cmd_hook_usage, stderr);
        return EXIT_ERROR;
    }
    if ((rc = moat_hook_install(root, force, &err)) != 0)
        return cli_error("hook install", &err, rc);
    printf("moat: installed the pre-commit hook in %s\n", root);
    return EXIT_PASS;
}
