/* moat sbom: write a CycloneDX or SPDX SBOM of every package the
 * repository's lockfiles and manifests lock. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "core/banned.h"

const char cmd_sbom_usage[] =
    "usage: moat sbom [PATH] [--format cyclonedx|spdx] [-o FILE]\n"
    "\n"
    "Write an SBOM of the packages locked under PATH (default: the current\n"
    "directory): every lockfile and manifest `moat scan` reads for its deps\n"
    "analyzer, with purls, hashes where the lockfile has them, and dependency\n"
    "relations. A package locked by several files is listed once.\n"
    "\n"
    "  -f, --format FMT   cyclonedx (CycloneDX 1.5 JSON, default) or spdx\n"
    "                     (SPDX 2.3 JSON)\n"
    "  -o, --output FILE  write to FILE instead of stdout\n"
    "\n"
    "SOURCE_DATE_EPOCH, when set, is used as the creation time.\n";

int cmd_sbom(int argc, char **argv)
{
    static const struct option opts[] = {
        { "format", required_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    enum moat_sbom_format fmt = MOAT_SBOM_CYCLONEDX;
    const char *root = ".", *output = NULL;
    struct moat_err err = { 0 };
    FILE *out = stdout;
    int c, rc, status = EXIT_ERROR;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "cyclonedx") == 0) {
                fmt = MOAT_SBOM_CYCLONEDX;
            } else if (strcmp(optarg, "spdx") == 0) {
                fmt = MOAT_SBOM_SPDX;
            } else {
                fprintf(stderr, "moat: sbom: --format: expected cyclonedx or spdx, got '%s'\n",
                        optarg);
                return EXIT_ERROR;
            }
            break;
        case 'o': output = optarg; break;
        case 'h': fputs(cmd_sbom_usage, stdout); return EXIT_PASS;
        default: fputs(cmd_sbom_usage, stderr); return EXIT_ERROR;
        }
    }
    if (optind < argc)
        root = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "moat: sbom: unexpected argument '%s'\n", argv[optind]);
        return EXIT_ERROR;
    }
    if (output && !(out = fopen(output, "w"))) {
        fprintf(stderr, "moat: sbom: %s: cannot open for writing\n", output);
        return EXIT_ERROR;
    }
    if ((rc = moat_sbom_write(root, fmt, out, &err)) != 0)
        status = cli_error("sbom", &err, rc);
    else
        status = EXIT_PASS;
    if (output && fclose(out) != 0 && status == EXIT_PASS)
        status =
            cli_error("sbom", &(struct moat_err){ MOAT_EIO, "cannot write the SBOM" }, MOAT_EIO);
    return status;
}
