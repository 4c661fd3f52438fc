#!/usr/bin/env python3
"""Write tests/data/secrets/<rule>.hit and <rule>.miss.

Every credential here is fake: random characters in the rule's format,
checksummed where the format has a checksum (GitHub and npm CRC32, age
bech32, PGP CRC24, PyPI macaroon structure), and key bodies that are
well-formed DER or OpenSSH structures filled with random bytes. Negatives are
look-alikes: wrong checksum, wrong length, placeholders, documentation
examples, templates. The output is deterministic (fixed seed), so re-running
this script changes nothing unless the examples below change.

Run from the repository root: python3 tests/unit/secrets/gen_fixtures.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from examples import EXAMPLES  # noqa: E402

OUT = "tests/data/secrets"


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".hit") or name.endswith(".miss"):
            os.unlink(os.path.join(OUT, name))
    for rule_id, (hits, misses) in sorted(EXAMPLES.items()):
        for ext, items in (("hit", hits), ("miss", misses)):
            blocks = any("\n" in x for x in items)
            with open(os.path.join(OUT, "%s.%s" % (rule_id, ext)), "w") as f:
                if blocks:
                    f.write("%%\n" + "\n%%\n".join(items) + "\n")
                else:
                    f.write("\n".join(items) + "\n")
    print("%d rules" % len(EXAMPLES))


if __name__ == "__main__":
    main()
