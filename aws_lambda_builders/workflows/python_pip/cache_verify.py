"""Checking the build cache on demand: every cached file held to the digest recorded when it was written.

A build checks a tree it places by each file's size, mtime and mode; damage
that keeps all three (an edit forced through with its mtime set back, a disk
that returns other bytes) shows in the bytes alone. ``verify`` reads them
(``lambda-pip cache verify``) and removes each damaged entry, under the lock
``prune`` takes for it.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from .cache import BuildCache
from .cache_files import bytes_under, file_problem, files_under, remove_file, sha256_file
from .cache_records import CacheContents, FileFacts, Placement


class DamagedCacheEntry(NamedTuple):
    """An entry ``verify`` found damaged, and removed."""

    kind: str  # "tree" (an unpacked wheel), "built" (a wheel built from an sdist), "build" (a build's record)
    name: str  # its name in the cache: the wheel's sha256, the built wheel's key, the build's key
    wheel: str  # the wheel's file name ("" for a build, or when the entry's record cannot say)
    problems: List[str]  # each file found not as written, and how


class CacheVerification(NamedTuple):
    """What ``verify`` checked (entries of each kind and the bytes read; the files held to a digest), the
    damaged entries it found, and what removing them freed (as ``prune`` reports it)."""

    checked: CacheContents
    files: int
    damaged: List[DamagedCacheEntry]
    removed: CacheContents

    @property
    def sound(self) -> bool:
        return not self.damaged

    def to_dict(self) -> Dict[str, object]:
        return {"sound": self.sound, "checked": {**self.checked._asdict(), "files": self.files},
                "damaged": [entry._asdict() for entry in self.damaged], "removed": self.removed._asdict()}


def verify(cache: BuildCache) -> "CacheVerification":
    """Check every entry against the digests recorded as it was written; remove each damaged one.

    Every file of every unpacked wheel is read and held to its RECORD
    digest, even one whose size, mtime and mode are all as recorded (an
    edit forced through and its mtime set back, a disk that returns other
    bytes): the check a build makes as it places a tree cannot see those.
    Every wheel built from an sdist is held to its recorded sha256, and every
    build's record must place only files that the trees the cache still
    holds list. Each entry is checked and removed under the lock ``prune``
    takes for it, so that no build places it meanwhile; a build that finds
    it gone makes it again. Checking is not a use: no entry's last use changes.
    """
    checked = removed = CacheContents(0, 0, 0, 0)
    files = 0
    damaged: List[DamagedCacheEntry] = []
    for tree in cache._entries("trees"):
        with cache._lock("tree-" + tree, shared=False):
            wheel, problems, count, size = _tree_problems(cache, tree)
            if problems:
                freed = bytes_under(cache._tree_dir(tree)) + bytes_under(cache._tree_dir(tree) + ".json")
                cache._remove_tree(tree)
                removed = removed._replace(trees=removed.trees + 1, size=removed.size + freed)
        checked = checked._replace(trees=checked.trees + 1, size=checked.size + size)
        files += count
        if problems:
            damaged.append(DamagedCacheEntry("tree", tree, wheel, problems))
    for entry in cache._entries("built"):
        with cache._lock("built-" + entry, shared=False):
            wheel, problems, size = _built_problems(cache, entry)
            if problems:
                freed = sum(bytes_under(cache._path("built", name)) for name in (entry, entry + ".json"))
                removed = removed._replace(built=removed.built + 1, size=removed.size + freed)
                remove_file(cache._path("built", entry + ".json"))
                shutil.rmtree(cache._path("built", entry), ignore_errors=True)
        checked = checked._replace(built=checked.built + 1, size=checked.size + size)
        files += 1
        if problems:
            damaged.append(DamagedCacheEntry("built", entry, wheel, problems))
    for key in cache._entries("builds"):
        problems = _build_problems(cache, key, {entry.name for entry in damaged if entry.kind == "tree"})
        if problems:
            freed = bytes_under(cache._path("builds", key + ".json"))
            remove_file(cache._path("builds", key + ".json"))
            removed = removed._replace(builds=removed.builds + 1, size=removed.size + freed)
            damaged.append(DamagedCacheEntry("build", key, "", problems))
        checked = checked._replace(builds=checked.builds + 1)
    return CacheVerification(checked, files, damaged, removed)

def _tree_problems(cache: BuildCache, digest: str) -> Tuple[str, List[str], int, int]:
    """The tree's wheel, what is wrong with the tree, and how many files and bytes were read."""
    try:
        manifest = cache._read_tree_manifest(digest)
    except FileNotFoundError:
        return "", ["its manifest is missing"], 0, 0
    except (OSError, ValueError) as error:
        return "", [f"its manifest cannot be read ({error})"], 0, 0
    wheel = str(manifest.get("wheel", ""))
    directory = cache._tree_dir(digest)
    if not os.path.isdir(directory):
        return wheel, ["its files are missing"], 0, 0
    problems, count, size = [], 0, 0
    for relative, values in sorted(manifest["files"].items()):
        path = os.path.join(directory, relative)
        if not isinstance(values, list) or len(values) < 4:
            problem: Optional[str] = "its manifest entry is malformed"
        else:
            facts = FileFacts.from_json(values)
            problem = file_problem(path, facts)
            count, size = count + 1, size + (facts.size if isinstance(facts.size, int) else 0)
        if problem:
            problems.append(f"{relative}: {problem}")
    try:
        unlisted = files_under(directory) - set(manifest["files"])
    except OSError as error:
        unlisted, problems = set(), problems + [f"its directory cannot be read ({error.strerror})"]
    problems += [f"{relative}: not in its manifest" for relative in sorted(unlisted)]
    return wheel, problems, count, size

def _built_problems(cache: BuildCache, entry: str) -> Tuple[str, List[str], int]:
    """The built wheel's name, what is wrong with the entry, and the bytes read."""
    try:
        with open(cache._path("built", entry + ".json"), encoding="utf-8") as f:
            recorded = json.load(f)
        wheel, expected = os.path.basename(recorded["wheel"]), recorded["sha256"]
    except FileNotFoundError:
        return "", ["its record is missing"], 0
    except (OSError, ValueError, KeyError, TypeError) as error:
        return "", [f"its record cannot be read ({error})"], 0
    path = os.path.join(cache._path("built", entry), wheel)
    try:
        size = os.lstat(path).st_size
        if sha256_file(path) != expected:
            return wheel, [f"{wheel}: its bytes do not have the recorded sha256"], size
    except FileNotFoundError:
        return wheel, [f"{wheel}: missing"], 0
    except OSError as error:
        return wheel, [f"{wheel}: cannot be read ({error.strerror})"], 0
    return wheel, [], size

def _build_problems(cache: BuildCache, key: str, removed_trees: Set[str]) -> List[str]:
    """What is wrong with the record of the build ``key``: unreadable, or placing what the cache lacks
    (``removed_trees``: the trees just found damaged and removed)."""
    try:
        with open(cache._path("builds", key + ".json"), encoding="utf-8") as f:
            placement = Placement.from_json(json.load(f))
    except FileNotFoundError:
        return []  # removed meanwhile (prune): nothing left to check
    except (ValueError, KeyError, TypeError, IndexError, OSError) as error:
        return [f"its record cannot be read ({error})"]
    problems, listed = [], {}
    for tree in sorted(set(placement.files.values())):
        try:
            listed[tree] = set(cache._read_tree_manifest(tree)["files"]) if os.path.isdir(
                cache._tree_dir(tree)) else None
        except (OSError, ValueError):
            listed[tree] = None
        if listed[tree] is None:
            why = "was damaged" if tree in removed_trees else "the cache does not hold"
            problems.append(f"places files of the unpacked wheel {tree[:12]}, which {why}")
    problems += [f"places {relative}, which the unpacked wheel {tree[:12]} does not hold"
                 for relative, tree in sorted(placement.files.items())
                 if listed[tree] is not None and relative not in listed[tree]]  # type: ignore[operator]
    return problems
