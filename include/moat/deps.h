/* Dependencies: the offline OSV vulnerability store (`moat db`) and SBOMs
 * (`moat sbom`). The deps analyzer of `moat scan` reads the same store. */
#ifndef MOAT_DEPS_H
#define MOAT_DEPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "err.h"

#define MOAT_DB_ENV "MOAT_DB" /* overrides the store's path */

/* The store's path: $MOAT_DB, else $XDG_DATA_HOME/moat/osv.db, else
 * $HOME/.local/share/moat/osv.db. Returns a malloc'd string, or NULL when
 * none of those is set. */
char *moat_db_default_path(void);

struct moat_db_import_stats {
    size_t files;      /* input files read (a zip member counts as one) */
    size_t advisories; /* advisories read */
    size_t added;      /* new ids */
    size_t updated;    /* ids whose `modified` was newer than the stored one */
    size_t unchanged;  /* ids already stored at the same or a newer `modified` */
    size_t skipped;    /* records that were not valid OSV (warned about) */
};

/* Import OSV advisories into the store at db_path (created if missing):
 * each input is a .json file with one advisory, a .jsonl file (optionally
 * .gz) with one per line, a directory of .json files, or a .zip of them.
 * Re-importing is idempotent; the newest `modified` of an id wins. The store
 * is replaced atomically. Returns 0, MOAT_ENOENT, MOAT_EPARSE (nothing valid
 * in an input), MOAT_ETOOBIG, MOAT_EIO. */
MOAT_NODISCARD int moat_db_import(const char *db_path, const char *const *inputs, size_t ninputs,
                                  struct moat_db_import_stats *stats, struct moat_err *err);

struct moat_db_eco_count {
    char ecosystem[32];
    size_t advisories; /* advisories naming a package of this ecosystem */
};

struct moat_db_status {
    size_t advisories; /* distinct ids */
    size_t withdrawn;
    size_t packages; /* distinct (ecosystem, name) keys */
    struct moat_db_eco_count eco[32];
    size_t neco;
    char newest[32]; /* newest `modified`, ISO 8601 */
};

/* Returns 0, MOAT_ENOENT (no store yet), MOAT_EPARSE (corrupt store). */
MOAT_NODISCARD int moat_db_status(const char *db_path, struct moat_db_status *out,
                                  struct moat_err *err);

enum moat_sbom_format {
    MOAT_SBOM_CYCLONEDX, /* CycloneDX 1.5 JSON */
    MOAT_SBOM_SPDX,      /* SPDX 2.3 JSON */
};

/* Write an SBOM of every package locked under root (a directory or one
 * lockfile). Lockfiles that fail to parse are warned about and left out.
 * Returns 0, MOAT_EINVAL, MOAT_EIO. */
MOAT_NODISCARD int moat_sbom_write(const char *root, enum moat_sbom_format fmt, FILE *out,
                                   struct moat_err *err);

#endif
