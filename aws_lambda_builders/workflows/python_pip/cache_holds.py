"""Whether a directory already is a cached build, placed by link and untouched since (``BuildCache.holds``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

from .cache_files import differs, files_under, touch
from .cache_records import Placement

if TYPE_CHECKING:
    from .cache import BuildCache, Reusable


def holds(cache: "BuildCache", key: str, directory: str, reusable: Optional["Reusable"] = None) -> Optional[Placement]:
    """The build ``key`` if ``directory`` holds it as placing it by link did, and nothing else (and
    ``reusable``, if given, accepts its record).

    Each file must be a link to its cached file, which must be sound: the
    same inode is then the same bytes. Copies are never taken for the build
    (an edit may keep a copy's size and mtime), nor is a directory with a
    file more or less: the caller then places the build again.
    """
    placement = cache._build_entry(key, reusable) if cache.link else None
    if placement is None:
        return None
    for relative, tree, facts in cache._recorded(placement):
        cached = os.path.join(cache._tree_dir(tree), relative)
        try:
            if facts is None or differs(cached, facts) or not os.path.samestat(
                    os.lstat(cached), os.lstat(os.path.join(directory, relative))):
                return None
        except OSError:
            return None
    try:
        if files_under(directory) != set(placement.files):
            return None
    except OSError:
        return None
    touch(cache._path("builds", key + ".json"))
    for tree in set(placement.files.values()):
        touch(cache._tree_dir(tree) + ".json")
    return placement
