/* libmoat: the umbrella header.
 *
 * Ownership rule: the caller owns what it passes in and what _new/_dup/_detach
 * return. A const char * result is borrowed until its owner changes.
 * Exceptions are stated in the prototype's comment. */
#ifndef MOAT_MOAT_H
#define MOAT_MOAT_H

#include "err.h"
#include "buf.h"
#include "log.h"
#include "findings.h"
#include "config.h"
#include "scan.h"
#include "report.h"
#include "deps.h"

/* moat's version, from git describe at build time. */
const char *moat_version(void);

#endif
