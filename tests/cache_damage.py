"""Damage a cached file as no check of sizes, mtimes and modes can see: other bytes, the same facts.

A disk that returns other bytes, or an edit forced through a read-only file
whose mtime was then set back, leaves a file whose size, mtime and mode are
those the cache recorded; only its bytes tell.
"""

from __future__ import annotations

import os
import stat


def damage_keeping_size_mtime_and_mode(path: str) -> None:
    """Change the first byte of ``path``, then put back its mode and mtime."""
    before = os.stat(path)
    os.chmod(path, stat.S_IMODE(before.st_mode) | stat.S_IWUSR)
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        assert data, f"{path} is empty: nothing to damage"
        data[0] ^= 0x20  # "d" -> "D", "i" -> "I": same length, other bytes
        f.seek(0)
        f.write(data)
    os.chmod(path, stat.S_IMODE(before.st_mode))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns, after.st_mode) == (before.st_size, before.st_mtime_ns, before.st_mode)
