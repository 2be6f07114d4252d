"""Digests of files: RECORD's form (``sha256=<urlsafe base64, unpadded>``, PEP 376/427) and hex.

pypa's ``installer`` has RECORD's encoding only inside helpers that do more:
``Hash.validate`` hashes bytes held in memory all at once, and
``copyfileobj_with_hashing`` copies a stream (the wheel installer uses it). It
is also some 60 ms to import, while the cache's checks run on every unchanged
rebuild; this module needs only the standard library's ``base64`` and
``hashlib``, which those already import.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, BinaryIO, Optional

if TYPE_CHECKING:
    from hashlib import _Hash

CHUNK = 1 << 20  # bytes read at a time


def record_digest(raw: bytes) -> str:
    """A raw digest (``hasher.digest()``) as RECORD writes it after ``<algorithm>=``: urlsafe base64, no ``=``."""
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def stream_hash(stream: BinaryIO, algorithm: str, copy_to: Optional[BinaryIO] = None) -> "_Hash":
    """The ``algorithm`` hash of what is left to read in ``stream``, read once in 1 MiB chunks; with
    ``copy_to``, each chunk is written there as it is read."""
    hasher = hashlib.new(algorithm)
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        hasher.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return hasher


def file_hash(path: str, algorithm: str) -> "_Hash":
    """The ``algorithm`` hash of the file at ``path`` (``.hexdigest()`` for ``--hash``, or
    :func:`record_digest` of ``.digest()`` for RECORD)."""
    with open(path, "rb") as f:
        return stream_hash(f, algorithm)
