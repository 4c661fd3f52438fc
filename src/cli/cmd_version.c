/* moat version / moat --version. */
#include <stdio.h>
#include "cli.h"
#include "core/banned.h"

const char cmd_version_usage[] = "usage: moat version\n"
                                 "\n"
                                 "Print moat's version (also: moat --version).\n";

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("moat %s\n", moat_version());
    return EXIT_PASS;
}
