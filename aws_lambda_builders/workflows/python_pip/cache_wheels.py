"""Wheels kept by their sha256 in the build cache, for a remote cache to share (``remote_cache``).

``wheels/<sha256>/<file name>``: the wheel a tree was unpacked from, as it was downloaded or built, kept only
when a remote cache is in use (``BuildCache(keep_wheels=True)``), so that what a build placed can be sent to
the remote store after it. An entry appears by one rename; one whose bytes are not its digest's is not used.
"""

from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING, Optional

from .cache_files import names_in, remove_leftovers, scratch_directory, sha256_file

if TYPE_CHECKING:
    from .cache import BuildCache


def keep_wheel(cache: "BuildCache", wheel: str, digest: str) -> None:
    """Keep ``wheel`` (whose sha256 is ``digest``) unless it is kept already."""
    entry = cache._path("wheels", digest)
    if os.path.isdir(entry):
        return
    with cache._lock("wheel-" + digest, shared=False):
        if os.path.isdir(entry):
            return
        os.makedirs(os.path.dirname(entry), exist_ok=True)
        remove_leftovers(os.path.dirname(entry), f".{digest[:16]}-")
        scratch = scratch_directory(prefix=f".{digest[:16]}-", dir=os.path.dirname(entry))
        try:
            shutil.copyfile(wheel, os.path.join(scratch, os.path.basename(wheel)))
            os.rename(scratch, entry)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise


def kept_wheel(cache: "BuildCache", digest: str) -> Optional[str]:
    """The kept wheel of sha256 ``digest``, checked against it; None when there is none (or it is damaged)."""
    entry = cache._path("wheels", digest)
    names = [name for name in names_in(entry) if name.endswith(".whl")]
    if len(names) != 1:
        return None
    path = os.path.join(entry, names[0])
    try:
        return path if sha256_file(path) == digest else None
    except OSError:
        return None
