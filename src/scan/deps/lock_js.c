/* The table of JavaScript, Rust, Go, Ruby and PHP lockfile parsers. */
#include "deps.h"
#include "core/banned.h"

const struct deps_format *const deps_formats_js[] = {
    NULL,
};
