"""Wheels the build cache keeps from sdists it built: ``built/<key>/<name>.whl``, each with its record
``built/<key>.json`` (the wheel's name and sha256), held to that sha256 before it is used.

The key is the sdist's sha256 (its content, whatever its name or place), the
target, and whether a C compiler built it.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import TYPE_CHECKING, Optional

from .cache_files import (
    debug,
    remove_file,
    remove_leftovers,
    scratch_directory,
    sha256_file,
    touch,
    write_json_atomically,
)

if TYPE_CHECKING:
    from .cache import BuildCache


def built_wheel(cache: "BuildCache", sdist: str, target: str, compile_c: bool) -> Optional[str]:
    """A wheel built earlier from this sdist (same content) for ``target``, checked against its hash; from the
    remote cache (``cache.remote``) when the local one lacks it."""
    entry = _built_entry(cache, sdist, target, compile_c)
    if not os.path.exists(entry + ".json") and not _from_remote(cache, sdist, target, compile_c, entry):
        return None
    try:
        with cache._lock("built-" + os.path.basename(entry), shared=True):
            with open(entry + ".json", encoding="utf-8") as f:
                recorded = json.load(f)
            wheel = os.path.join(entry, os.path.basename(recorded["wheel"]))
            if sha256_file(wheel) == recorded["sha256"]:
                touch(entry + ".json")
                return wheel
    except (OSError, ValueError, KeyError, TypeError) as error:
        debug("cache: unreadable built wheel %s (%s)", entry, error)
    debug("cache: damaged built wheel %s; building again", entry)
    with cache._lock("built-" + os.path.basename(entry), shared=False):
        remove_file(entry + ".json")
        shutil.rmtree(entry, ignore_errors=True)
    return None


def store_built_wheel(cache: "BuildCache", sdist: str, target: str, compile_c: bool, wheel: str) -> None:
    """Keep ``wheel``, built from ``sdist`` for ``target``, so that the sdist is not built again (by any runner
    of the remote cache either)."""
    entry = _built_entry(cache, sdist, target, compile_c)
    _store_locally(cache, entry, wheel)
    if cache.remote is not None:
        cache.remote.publish_built(os.path.basename(entry), wheel)


def _store_locally(cache: "BuildCache", entry: str, wheel: str) -> None:
    with cache._lock("built-" + os.path.basename(entry), shared=False):
        os.makedirs(os.path.dirname(entry), exist_ok=True)
        remove_leftovers(os.path.dirname(entry), f".{os.path.basename(entry)}-")
        scratch = scratch_directory(prefix=f".{os.path.basename(entry)}-", dir=os.path.dirname(entry))
        try:
            shutil.copy2(wheel, os.path.join(scratch, os.path.basename(wheel)))
            remove_file(entry + ".json")
            shutil.rmtree(entry, ignore_errors=True)
            os.rename(scratch, entry)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        write_json_atomically(entry + ".json", {"wheel": os.path.basename(wheel), "sha256": sha256_file(wheel)})


def _from_remote(cache: "BuildCache", sdist: str, target: str, compile_c: bool, entry: str) -> bool:
    """Bring the entry from the remote cache into the local one; whether it did."""
    if cache.remote is None:
        return False
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lambda-pip-remote-") as scratch:
        wheel = cache.remote.fetch_built(os.path.basename(entry), scratch)
        if wheel is None:
            return False
        _store_locally(cache, entry, wheel)
    return True


def _built_entry(cache: "BuildCache", sdist: str, target: str, compile_c: bool) -> str:
    return cache._path("built", f"{_sdist_digest(cache, sdist)}-{target}-{'c' if compile_c else 'no-c'}")


def _sdist_digest(cache: "BuildCache", sdist: str) -> str:
    """The sdist's sha256, once per file as it is: a build looks an sdist up, then stores its wheel."""
    info = os.stat(sdist)
    identity = (os.path.abspath(sdist), info.st_size, info.st_mtime_ns)
    if identity not in cache._sdist_digests:
        cache._sdist_digests[identity] = sha256_file(sdist)
    return cache._sdist_digests[identity]
