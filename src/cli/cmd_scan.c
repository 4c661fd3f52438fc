/* moat scan: run the analyzers over a tree, git history or the staged index,
 * apply the baseline and the gate, and write the report. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "core/banned.h"

const char cmd_scan_usage[] =
    "usage: moat scan [PATH] [options]\n"
    "       moat scan --git [REVISION-RANGE] [PATH] [options]\n"
    "       moat scan --staged [PATH] [options]\n"
    "\n"
    "Scan PATH (default: the current directory) with every enabled analyzer in\n"
    "one pass and fail the gate on findings at or above the threshold.\n"
    "\n"
    "Sources:\n"
    "  --git               scan every blob in the git history (all refs, or RANGE)\n"
    "  --since COMMIT      with --git: skip history reachable from COMMIT\n"
    "  --cache FILE        with --git: skip blobs listed in FILE, add new ones to it\n"
    "  --staged            scan what is about to be committed (the git index)\n"
    "  --no-ignore         also scan files that .gitignore excludes\n"
    "  --max-file-size N   skip files larger than N bytes (default 256 MiB;\n"
    "                      suffixes k, M, G)\n"
    "\n"
    "Analyzers:\n"
    "  --only LIST         run only these analyzers (comma-separated): secrets,\n"
    "                      config, deps\n"
    "  --skip LIST         do not run these analyzers\n"
    "  --pedantic          also report hygiene findings\n"
    "  --db FILE           deps: the vulnerability database (default: $MOAT_DB,\n"
    "                      else ~/.local/share/moat/osv.db; see `moat help db`)\n"
    "\n"
    "Gate and report:\n"
    "  --fail-on SEVERITY  fail on findings at or above SEVERITY: info, low,\n"
    "                      medium, high (default), critical\n"
    "  --baseline FILE     do not report findings recorded in FILE\n"
    "  --write-baseline FILE  record every current finding in FILE\n"
    "  -f, --format FMT    text (default), json, sarif or junit\n"
    "  -o, --output FILE   write the report to FILE instead of stdout\n"
    "  --color WHEN        auto (default), always or never\n"
    "  --show-secrets      print secret values unredacted (text to a terminal only)\n"
    "  -j, --threads N     worker threads (default: all cores)\n"
    "\n"
    "Configuration is read from PATH/.moat/config.yml (see docs/config.md).\n"
    "Exit status: 0 the gate passed, 1 it failed, 2 an error or something\n"
    "could not be scanned.\n";

enum {
    OPT_GIT = 256,
    OPT_SINCE,
    OPT_CACHE,
    OPT_STAGED,
    OPT_NO_IGNORE,
    OPT_MAX_FILE,
    OPT_ONLY,
    OPT_SKIP,
    OPT_PEDANTIC,
    OPT_FAIL_ON,
    OPT_BASELINE,
    OPT_WRITE_BASELINE,
    OPT_COLOR,
    OPT_SHOW_SECRETS,
    OPT_DB,
};

static const struct option long_opts[] = {
    { "git", no_argument, NULL, OPT_GIT },
    { "since", required_argument, NULL, OPT_SINCE },
    { "cache", required_argument, NULL, OPT_CACHE },
    { "staged", no_argument, NULL, OPT_STAGED },
    { "no-ignore", no_argument, NULL, OPT_NO_IGNORE },
    { "max-file-size", required_argument, NULL, OPT_MAX_FILE },
    { "only", required_argument, NULL, OPT_ONLY },
    { "skip", required_argument, NULL, OPT_SKIP },
    { "pedantic", no_argument, NULL, OPT_PEDANTIC },
    { "db", required_argument, NULL, OPT_DB },
    { "fail-on", required_argument, NULL, OPT_FAIL_ON },
    { "baseline", required_argument, NULL, OPT_BASELINE },
    { "write-baseline", required_argument, NULL, OPT_WRITE_BASELINE },
    { "format", required_argument, NULL, 'f' },
    { "output", required_argument, NULL, 'o' },
    { "color", required_argument, NULL, OPT_COLOR },
    { "show-secrets", no_argument, NULL, OPT_SHOW_SECRETS },
    { "threads", required_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

struct scan_args {
    struct moat_scan_opts opts;
    const char *only, *skip;
    const char *fail_on;
    const char *baseline, *write_baseline;
    const char *output;
    const char *color;
    enum moat_report_format format;
};

static int usage_error(const char *fmt, ...) MOAT_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("moat: scan: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nsee 'moat help scan'\n", stderr);
    return EXIT_ERROR;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return MOAT_EINVAL;
    switch (*end) {
    case 'k':
    case 'K':
        v <<= 10;
        end++;
        break;
    case 'm':
    case 'M':
        v <<= 20;
        end++;
        break;
    case 'g':
    case 'G':
        v <<= 30;
        end++;
        break;
    }
    if (*end || v == 0 || v > SIZE_MAX)
        return MOAT_EINVAL;
    *out = (size_t)v;
    return 0;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int parse_args(int argc, char **argv, struct scan_args *a)
{
    int c, npos;

    a->opts.root = ".";
    a->opts.source = MOAT_SOURCE_TREE;
    a->format = MOAT_REPORT_TEXT;
    a->color = "auto";
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:j:h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_GIT: a->opts.source = MOAT_SOURCE_GIT; break;
        case OPT_SINCE: a->opts.since = optarg; break;
        case OPT_CACHE: a->opts.cache = optarg; break;
        case OPT_STAGED: a->opts.source = MOAT_SOURCE_STAGED; break;
        case OPT_NO_IGNORE: a->opts.no_ignore = true; break;
        case OPT_MAX_FILE:
            if (parse_size(optarg, &a->opts.max_file_size) != 0)
                return usage_error("--max-file-size: expected a size like 64M, got '%s'", optarg);
            break;
        case OPT_ONLY: a->only = optarg; break;
        case OPT_SKIP: a->skip = optarg; break;
        case OPT_PEDANTIC: a->opts.pedantic = true; break;
        case OPT_DB: a->opts.db_path = optarg; break;
        case OPT_FAIL_ON: a->fail_on = optarg; break;
        case OPT_BASELINE: a->baseline = optarg; break;
        case OPT_WRITE_BASELINE: a->write_baseline = optarg; break;
        case 'f':
            if (moat_report_parse_format(optarg, &a->format) != 0)
                return usage_error("--format: expected text, json, sarif or junit, got '%s'",
                                   optarg);
            break;
        case 'o': a->output = optarg; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") && strcmp(optarg, "always") && strcmp(optarg, "never"))
                return usage_error("--color: expected auto, always or never, got '%s'", optarg);
            a->color = optarg;
            break;
        case OPT_SHOW_SECRETS: a->opts.show_secrets = true; break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1024)
                return usage_error("--threads: expected a number from 1 to 1024, got '%s'", optarg);
            a->opts.threads = (int)n;
            break;
        }
        case 'h': cli_usage("scan", stdout); return EXIT_PASS + 100;
        default: return usage_error("%s", "invalid option");
        }
    }
    npos = argc - optind;
    if (a->opts.source == MOAT_SOURCE_GIT && npos == 2) {
        a->opts.git_range = argv[optind];
        a->opts.root = argv[optind + 1];
    } else if (a->opts.source == MOAT_SOURCE_GIT && npos == 1 && !is_dir(argv[optind])) {
        a->opts.git_range = argv[optind];
    } else if (npos == 1) {
        a->opts.root = argv[optind];
    } else if (npos > 1) {
        return usage_error("unexpected argument '%s'", argv[optind + 1]);
    }
    if ((a->opts.since || a->opts.cache) && a->opts.source != MOAT_SOURCE_GIT)
        return usage_error("%s", "--since and --cache need --git");
    return 0;
}

/* --show-secrets reveals values only to the person at a terminal, never into
 * a file, a pipe or a CI log. */
static int check_show_secrets(const struct scan_args *a)
{
    if (!a->opts.show_secrets)
        return 0;
    if (a->output || a->format != MOAT_REPORT_TEXT || !isatty(STDOUT_FILENO))
        return usage_error("%s", "--show-secrets prints only in the text format to a terminal");
    return 0;
}

static int select_analyzers(struct scan_args *a, const struct moat_config *cfg)
{
    struct moat_err err = { 0 };
    unsigned bits = moat_scan_available_analyzers(), sel;

    bits = (bits & ~cfg->analyzers_off) | (cfg->analyzers_on & bits);
    if (a->only) {
        if (moat_scan_parse_analyzers(a->only, &sel, &err) != 0)
            return cli_error("--only", &err, MOAT_EINVAL);
        bits = sel;
    }
    if (a->skip) {
        if (moat_scan_parse_analyzers(a->skip, &sel, &err) != 0)
            return cli_error("--skip", &err, MOAT_EINVAL);
        bits &= ~sel;
    }
    if (!bits)
        return usage_error("%s", "no analyzer left to run");
    a->opts.analyzers = bits;
    return 0;
}

/* Where the repository's configuration lives: PATH itself, or the directory
 * of a single file. */
static char *config_root(const char *root)
{
    const char *slash;

    if (is_dir(root))
        return strdup(root);
    slash = strrchr(root, '/');
    return slash ? strndup(root, (size_t)(slash - root)) : strdup(".");
}

/* cfg paths are relative to the repository: join them to its root. */
static char *join_path(const char *dir, const char *p)
{
    char *s = NULL;

    if (p[0] == '/')
        return strdup(p);
    if (asprintf(&s, "%s/%s", dir, p) < 0)
        return NULL;
    return s;
}

static bool want_color(const struct scan_args *a)
{
    if (!strcmp(a->color, "always"))
        return true;
    if (!strcmp(a->color, "never") || a->output || a->format != MOAT_REPORT_TEXT)
        return false;
    return isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
}

int cmd_scan(int argc, char **argv)
{
    struct scan_args a = { 0 };
    struct moat_err err = { 0 };
    struct moat_config *cfg = NULL;
    struct moat_scan *scan = NULL;
    struct moat_baseline *base = NULL;
    struct moat_findings fs;
    struct moat_scan_stats stats = { 0 };
    struct moat_report rep = { 0 };
    const struct moat_rule_meta *const *rules;
    char *croot = NULL, *cfg_baseline = NULL;
    FILE *out = stdout;
    enum moat_sev fail_on = MOAT_SEV_HIGH;
    int rc, status = EXIT_ERROR;

    moat_findings_init(&fs);
    if ((rc = parse_args(argc, argv, &a)) != 0) {
        status = rc == EXIT_PASS + 100 ? EXIT_PASS : rc;
        goto out;
    }
    if (check_show_secrets(&a) != 0)
        goto out;
    croot = config_root(a.opts.root);
    if (!croot || (rc = moat_config_load(croot, &cfg, &err)) != 0) {
        status = cli_error("config", &err, rc);
        goto out;
    }
    a.opts.config = cfg;
    if (cfg->has_fail_on)
        fail_on = cfg->fail_on;
    if (a.fail_on && moat_sev_parse(a.fail_on, &fail_on) != 0) {
        status = usage_error("--fail-on: expected info, low, medium, high or critical, got '%s'",
                             a.fail_on);
        goto out;
    }
    if (select_analyzers(&a, cfg) != 0)
        goto out;
    if (!a.baseline && cfg->baseline)
        a.baseline = cfg_baseline = join_path(croot, cfg->baseline);
    if (a.baseline && !a.write_baseline) {
        rc = moat_baseline_load(a.baseline, &base, &err);
        if (rc == MOAT_ENOENT && cfg_baseline) {
            base = NULL; /* the configured baseline is not written yet */
        } else if (rc != 0) {
            status = cli_error("baseline", &err, rc);
            goto out;
        }
    }
    if ((rc = moat_scan_new(&a.opts, &scan, &err)) != 0) {
        status = cli_error("scan", &err, rc);
        goto out;
    }
    if ((rc = moat_scan_run(scan, &fs, &stats, &err)) != 0) {
        status = cli_error("scan", &err, rc);
        goto out;
    }
    if (a.write_baseline) {
        if ((rc = moat_baseline_write(&fs, a.write_baseline, &err)) != 0) {
            status = cli_error("baseline", &err, rc);
            goto out;
        }
        fprintf(stderr, "moat: wrote %zu findings to the baseline %s\n", fs.n, a.write_baseline);
        if ((rc = moat_baseline_load(a.write_baseline, &base, &err)) != 0) {
            status = cli_error("baseline", &err, rc);
            goto out;
        }
    }
    if (base)
        moat_baseline_apply(base, &fs);
    if (a.output && !(out = fopen(a.output, "w"))) {
        fprintf(stderr, "moat: scan: %s: %s\n", a.output, strerror(errno));
        goto out;
    }
    rep.findings = &fs;
    rep.nrules = moat_scan_rules(scan, &rules);
    rep.rules = rules;
    rep.stats = &stats;
    rep.root = a.opts.root;
    rep.fail_on = fail_on;
    rep.gate_failed = moat_gate_count(&fs, fail_on) > 0;
    rep.color = want_color(&a);
    rep.show_secrets = a.opts.show_secrets;
    if ((rc = moat_report_write(a.format, &rep, out, &err)) != 0) {
        status = cli_error("report", &err, rc);
        goto out;
    }
    if (rep.gate_failed)
        status = EXIT_FAIL;
    else if (stats.errors) {
        fprintf(stderr, "moat: scan: %zu item(s) could not be scanned (see the warnings above)\n",
                stats.errors);
        status = EXIT_ERROR;
    } else
        status = EXIT_PASS;
out:
    if (out && out != stdout && fclose(out) != 0) {
        fprintf(stderr, "moat: scan: %s: %s\n", a.output, strerror(errno));
        status = EXIT_ERROR;
    }
    moat_findings_release(&fs);
    moat_baseline_free(base);
    moat_scan_free(scan);
    moat_config_free(cfg);
    free(croot);
    free(cfg_baseline);
    return status;
}
