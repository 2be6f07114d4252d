"""A wheel laid out in the build cache: ``trees/<sha256>/``, its files read-only, and its manifest
``trees/<sha256>.json`` (each file's :class:`FileFacts`), both appearing by one rename each.

Imported only when a wheel is new to the cache, with the installer it runs.
"""

from __future__ import annotations

import os
import stat
from typing import Dict

from .cache_files import make_writable_and_remove, remove_leftovers, scratch_directory, write_json_atomically
from .cache_records import FileFacts, tree_manifest

_READ_ONLY = ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def unpack_wheel(wheel: str, trees: str, digest: str) -> None:
    """Install ``wheel`` as the tree ``<trees>/<digest>``, then write its manifest (the caller holds the
    tree's exclusive lock, and has removed what was there)."""
    from .wheel_install import install_wheel_files  # installer is needed only when a wheel is new
    from .zip_archive import COMPRESSION_LEVEL, deflated_size

    os.makedirs(trees, exist_ok=True)
    remove_leftovers(trees, f".{digest[:16]}-")  # of a killed build: this one holds the lock now
    scratch = scratch_directory(prefix=f".{digest[:16]}-", dir=trees)
    try:
        written = install_wheel_files(wheel, scratch)
        files: Dict[str, FileFacts] = {}
        for path, installed in written.items():
            info = os.lstat(path)
            mode = stat.S_IMODE(info.st_mode) & _READ_ONLY
            os.chmod(path, mode)  # changes neither size nor mtime
            relative = os.path.relpath(path, scratch).replace(os.sep, "/")
            # A file the wheel did not hold as it is (RECORD, INSTALLER) is measured now, once, so that
            # the zipped size of a bundle placed from here is known without reading any file.
            compressed = installed.compressed_size
            if compressed is None:
                compressed = deflated_size(path, COMPRESSION_LEVEL)
            files[relative] = FileFacts(info.st_size, info.st_mtime_ns, mode, installed.digest, compressed)
        os.rename(scratch, os.path.join(trees, digest))
    except BaseException:
        make_writable_and_remove(scratch)
        raise
    write_json_atomically(os.path.join(trees, digest) + ".json", tree_manifest(os.path.basename(wheel), files))
