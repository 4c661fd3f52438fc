/* moat rules: list the rules moat checks, or (--patterns) the secret rules'
 * regular expressions, one per line, to run the same patterns elsewhere. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "core/banned.h"

const char cmd_rules_usage[] =
    "usage: moat rules [--patterns] [PATH]\n"
    "\n"
    "List every rule of the enabled analyzers: id, severity, analyzer and title,\n"
    "including custom rules from PATH/.moat/config.yml (default: current dir).\n"
    "\n"
    "  --patterns   print the built-in secret rules' regular expressions, one per\n"
    "               line (ASCII semantics; usable with rg -f or grep -P -f)\n";

int cmd_rules(int argc, char **argv)
{
    static const struct option opts[] = {
        { "patterns", no_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct moat_scan_opts so = { .root = ".", .analyzers = moat_scan_available_analyzers() };
    struct moat_err err = { 0 };
    struct moat_config *cfg = NULL;
    struct moat_scan *scan = NULL;
    const struct moat_rule_meta *const *rules;
    bool patterns = false;
    int c, rc, status = EXIT_ERROR;
    size_t n;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'p') {
            patterns = true;
        } else if (c == 'h') {
            fputs(cmd_rules_usage, stdout);
            return EXIT_PASS;
        } else {
            fputs(cmd_rules_usage, stderr);
            return EXIT_ERROR;
        }
    }
    if (patterns) {
        const char *id, *re;
        for (size_t i = 0; (re = moat_secrets_pattern(i, &id)); i++)
            printf("%s\n", re);
        return EXIT_PASS;
    }
    if (optind < argc)
        so.root = argv[optind];
    if ((rc = moat_config_load(so.root, &cfg, &err)) != 0) {
        status = cli_error("config", &err, rc);
        goto out;
    }
    so.config = cfg;
    if ((rc = moat_scan_new(&so, &scan, &err)) != 0) {
        status = cli_error("rules", &err, rc);
        goto out;
    }
    n = moat_scan_rules(scan, &rules);
    for (size_t i = 0; i < n; i++)
        printf("%-40s %-9s %-8s %s\n", rules[i]->id, moat_sev_name(rules[i]->sev),
               rules[i]->analyzer, rules[i]->title);
    printf("%zu rules\n", n);
    status = EXIT_PASS;
out:
    moat_scan_free(scan);
    moat_config_free(cfg);
    return status;
}
