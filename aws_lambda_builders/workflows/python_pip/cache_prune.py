"""Keeping the build cache in bounds: what it holds, and removing what no build has used for a while.

An entry's last use is the mtime of its ``.json``, touched each time a build uses it.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import TYPE_CHECKING, Optional, Set

from .cache_files import bytes_under, make_writable_and_remove, names_in, remove_file
from .cache_records import CacheContents

if TYPE_CHECKING:
    from .cache import BuildCache


def contents(cache: "BuildCache") -> CacheContents:
    """What the cache holds: its builds, unpacked wheels and built wheels, and their bytes."""
    return CacheContents(len(cache._entries("builds")), len(cache._entries("trees")),
                         len(cache._entries("built")), bytes_under(cache._base))


def prune(cache: "BuildCache", unused_for: float, now: Optional[float] = None) -> CacheContents:
    """Remove the entries no build has used for ``unused_for`` seconds; what was removed.

    An unpacked wheel that a build kept here still places is kept with it, and a wheel kept for the remote
    cache (``cache_wheels``) with its unpacked tree.
    Each entry is removed under its own lock, after its last use is read
    again: one that a running build is placing waits, and one it has just
    used stays. A build that finds an entry gone makes it again.
    """
    now = time.time() if now is None else now
    cutoff = now - unused_for
    removed = CacheContents(0, 0, 0, 0)
    kept_trees: Set[str] = set()
    for key in cache._entries("builds"):
        record = cache._path("builds", key + ".json")
        if _unused_since(record, cutoff):
            removed = removed._replace(builds=removed.builds + 1, size=removed.size + bytes_under(record))
            remove_file(record)
        else:
            placement = cache._build_entry(key)
            kept_trees |= set(placement.files.values()) if placement is not None else set()
    for tree in cache._entries("trees"):
        if tree in kept_trees:
            continue
        with cache._lock("tree-" + tree, shared=False):
            if _unused_since(cache._tree_dir(tree) + ".json", cutoff):
                size = bytes_under(cache._tree_dir(tree)) + bytes_under(cache._tree_dir(tree) + ".json")
                cache._remove_tree(tree)
                removed = removed._replace(trees=removed.trees + 1, size=removed.size + size)
    for entry in cache._entries("built"):
        with cache._lock("built-" + entry, shared=False):
            if _unused_since(cache._path("built", entry + ".json"), cutoff):
                size = bytes_under(cache._path("built", entry)) + bytes_under(cache._path("built", entry + ".json"))
                remove_file(cache._path("built", entry + ".json"))
                shutil.rmtree(cache._path("built", entry), ignore_errors=True)
                removed = removed._replace(built=removed.built + 1, size=removed.size + size)
    for digest in cache._entries("wheels"):  # a kept wheel goes with its tree (``cache_wheels``)
        with cache._lock("wheel-" + digest, shared=False):
            if not os.path.isdir(cache._tree_dir(digest)):
                removed = removed._replace(size=removed.size + bytes_under(cache._path("wheels", digest)))
                shutil.rmtree(cache._path("wheels", digest), ignore_errors=True)
    _remove_leftovers_older_than(cache, min(cutoff, now - 3600))
    return removed


def _remove_leftovers_older_than(cache: "BuildCache", cutoff: float) -> None:
    """Remove what killed builds left half written (never what is younger than an hour: a build's at work)."""
    for part in ("trees", "built", "wheels"):
        for name in names_in(cache._path(part)):
            path = cache._path(part, name)
            if not name.startswith(".") or not _unused_since(path, cutoff):
                continue
            if os.path.isdir(path):
                make_writable_and_remove(path)
            else:
                remove_file(path)


def _unused_since(path: str, cutoff: float) -> bool:
    try:
        return os.lstat(path).st_mtime < cutoff
    except FileNotFoundError:  # a tree whose record a killed build never wrote is as old as its directory
        directory = path[:-len(".json")] if path.endswith(".json") else None
        return directory is not None and os.path.isdir(directory) and os.lstat(directory).st_mtime < cutoff
