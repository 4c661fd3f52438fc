#!/usr/bin/env python3
"""Makes packed/ from good/ and bad/ (deterministic: fixed timestamps):
all.zip (every good advisory, a README member and one invalid member),
advisories.jsonl.gz (every good advisory, one per line) and truncated.jsonl.gz
(the same, cut short)."""
import glob, gzip, io, json, os, zipfile

here = os.path.dirname(os.path.abspath(__file__))
good = sorted(glob.glob(os.path.join(here, "good", "*.json")))
os.makedirs(os.path.join(here, "packed"), exist_ok=True)

with zipfile.ZipFile(os.path.join(here, "packed", "all.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for p in good:
        info = zipfile.ZipInfo(os.path.basename(p), date_time=(2024, 1, 1, 0, 0, 0))
        z.writestr(info, open(p, "rb").read(), zipfile.ZIP_DEFLATED)
    z.writestr(zipfile.ZipInfo("README.txt", (2024, 1, 1, 0, 0, 0)), b"not an advisory\n")
    z.writestr(zipfile.ZipInfo("BAD-1.json", (2024, 1, 1, 0, 0, 0)),
               open(os.path.join(here, "bad", "two-key-event.json"), "rb").read())

lines = b"".join(json.dumps(json.load(open(p)), sort_keys=True).encode() + b"\n" for p in good)
def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()
open(os.path.join(here, "packed", "advisories.jsonl.gz"), "wb").write(gz(lines))
full = gz(lines)
open(os.path.join(here, "packed", "truncated.jsonl.gz"), "wb").write(full[: len(full) // 2])
