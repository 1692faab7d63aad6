#!/usr/bin/python3
"""Strip the appended signature from each kernel module named (in place).

The kernel's format: module, signature, struct module_signature (12 bytes,
sig_len big-endian at offset 8), "~Module signature appended~\\n". Modules
without one are left alone. Under TCG the kernel's signature check is most
of a module's load time; an image for tests loads them unsigned.
Usage: strip-module-signatures.py MODULE.ko...
"""
import struct
import sys

MAGIC = b"~Module signature appended~\n"

for p in sys.argv[1:]:
    with open(p, "rb") as f:
        d = f.read()
    if d.endswith(MAGIC):
        n = len(d) - len(MAGIC) - 12
        sig_len = struct.unpack(">I", d[n + 8:n + 12])[0]
        with open(p, "wb") as f:
            f.write(d[:n - sig_len])
