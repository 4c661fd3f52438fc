#!/usr/bin/env python3
# Regenerates the archive fixtures of tests/unit/scan/test_archive.c (run it
# from this directory; needs zip(1) for the encrypted one). Every "secret" in
# them is fake and made up for these tests.
import gzip
import bz2
import io
import lzma
import os
import subprocess
import tarfile
import zipfile

FAKE_AWS = "AKIAQ7RZ3XK9WD2MB5TF"  # AKIA + 16 made-up characters, not a real key
DATE = (2020, 1, 1, 0, 0, 0)


def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            if name.endswith("/"):
                info.external_attr = 0o40755 << 16
            z.writestr(info, data)
    return out.getvalue()


def tar_bytes(members, mode="w:gz"):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode, format=tarfile.GNU_FORMAT) as t:
        for m in members:
            name, kind, data = m
            info = tarfile.TarInfo(name)
            info.mtime = 0
            if kind == "file":
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = data
                t.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = data
                t.addfile(info)
    return out.getvalue()


def gz(data):
    return gzip.compress(data, mtime=0)


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


write("plain.zip", zip_bytes([
    ("config/", b""),
    ("config/app.env", ("AWS_ACCESS_KEY_ID=%s\n" % FAKE_AWS).encode()),
    ("README.txt", b"hello from a zip\n"),
]))

write("app.jar", zip_bytes([
    ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\nMain-Class: demo.Main\r\n"),
    ("BOOT-INF/classes/application.properties", b"db.password=fake-not-a-real-password\n"),
]))

write("bundle.tar.gz", tar_bytes([
    ("./etc/app.conf", "file", b"conf\n"),
    ("/abs/path.txt", "file", b"absolute\n"),
    ("../escape.txt", "file", b"dotdot\n"),
    ("dir", "dir", None),
    ("link", "symlink", "etc/app.conf"),
    ("hard", "hardlink", "./etc/app.conf"),
    ("bad\x1bname\n.txt", "file", b"control\n"),
    ("./", "dir", None),
    ("empty.txt", "file", b""),
]))

inner = zip_bytes([
    ("secret.txt", b"token=fake-inner-token\n"),
    ("notes.txt", b"nothing here\n"),
])
write("nested.tar.gz", tar_bytes([("lib/inner.zip", "file", inner)]))

write("note.txt.gz", gz(("a note with %s in it\n" % FAKE_AWS).encode()))
write("small.tar.bz2", tar_bytes([("b.txt", "file", b"from bzip2\n")], "w:bz2"))
write("small.tar.xz", tar_bytes([("x.txt", "file", b"from xz\n")], "w:xz"))

# a zip cut short in the middle of its second member's data
two = zip_bytes([
    ("first.txt", b"first member, whole\n"),
    ("second.txt", bytes(range(256)) * 64),
], zipfile.ZIP_STORED)
write("truncated.zip", two[: len(two) * 2 // 3])

# 2 MB of zeros compress to a few KB; the tests lower the limits to 1 MB
zeros = bytes(2 << 20)
write("bomb.zip", zip_bytes([("zeros.bin", zeros), ("small.txt", b"after the bomb\n")]))
# all zeros would read as an empty tar; letters stay a plain compressed file
write("letters.txt.gz", gz(b"A" * (2 << 20)))
write("many.tar.gz", tar_bytes([("part%d.bin" % i, "file", bytes(300 << 10)) for i in range(5)]))
big = zip_bytes([("fill.bin", bytes(700 << 10))])
write("shared.zip", zip_bytes([("one.zip", big), ("two.zip", big), ("after.txt", b"late\n")]))

# four levels: the innermost zip is nested in three others and not opened
level = zip_bytes([("deep.txt", b"too deep to be seen\n")])
for name in ("l3.zip", "l2.zip", "l1.zip"):
    level = zip_bytes([(name, level)])
write("deep.zip", level)

# an empty zip is its end-of-central-directory record alone
write("empty.zip", b"PK\x05\x06" + bytes(18))
# zip magic, then noise
write("garbage.zip", b"PK\x03\x04" + bytes((i * 73 + 11) % 256 for i in range(400)))

if os.path.exists("encrypted.zip"):
    os.remove("encrypted.zip")
with open("secret.txt", "wb") as f:
    f.write(("key=%s\n" % FAKE_AWS).encode())
subprocess.run(["zip", "-q", "-X", "-P", "fake-password", "encrypted.zip", "secret.txt"],
               check=True)
os.remove("secret.txt")
