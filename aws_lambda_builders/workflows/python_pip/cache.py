"""The persistent cache: each wheel unpacked once, each sdist built once, whole builds placed again by link.

Layout under ``<cache dir>/v1`` (a new format starts a new directory)::

    trees/<sha256 of a wheel>/       the wheel as installed in a bundle; its files are read-only
    trees/<sha256 of a wheel>.json   the tree's manifest: each file's size, mtime, mode, digest and
                                     compressed size in the wheel (``cache_records.FileFacts``)
    built/<key>/<name>.whl           a wheel built here from an sdist; key: the sdist's sha256,
                                     the target, with or without a C compiler
    builds/<key>.json                a whole build (key: ``cache_key.build_key``): each file, by tree
    locks/<name>.lock                advisory locks

An entry's last use is the mtime of its ``.json``, touched each time it is used,
so that ``prune`` can remove what no build has used for a while.

Why links, and why read-only files: placing a 100 MB bundle by hard link takes
some tens of milliseconds, copying it ten times as long (``link=False`` copies,
for callers that write into their bundles). A linked file in the
bundle *is* the cached file, so cached files are read-only (an edit in the
bundle fails rather than change the cache), this tool never writes through a
link, and every tree is checked against its manifest each time it is used: a
file whose size or mode is not what the manifest says, or whose mtime is not
and whose content does not have the recorded digest (an edit forced through, a
truncated or damaged file), makes the tree damaged, and a damaged
tree is removed and unpacked again from its wheel, never placed. A tree's
digests are those RECORD was checked against as the wheel was unpacked; a
wheel from ``built/`` is checked against its sha256 before it is used. Where
links cannot be made (another file system), or ``link=False``, files are
copied, and each copy's bytes are held to their digest as they are copied: a
copy is checked by nothing afterwards, and damage that kept a file's size,
mtime and mode shows in its bytes alone. ``verify`` reads every cached file
against its digest on demand (``lambda-pip cache verify``) and removes what is
damaged.

Two builds may share a cache: every entry appears by one atomic rename,
complete or not at all; a tree is created or removed under an exclusive lock
and placed under a shared one, so no build sees half an entry or loses a tree
it is placing.

This module holds ``BuildCache`` (whole builds and trees); the rest of the
cache is in modules each with one job: ``cache_records`` (the records: a tree
manifest's ``FileFacts``, a build's ``Placement``, ``CacheContents``),
``cache_files`` (the file plumbing: digests checked as files are read or
copied, links, atomic writes, locks, removal), ``cache_unpack`` (a wheel
unpacked into a tree), ``cache_built`` (wheels built from sdists),
``cache_prune`` and ``cache_verify`` (keeping the cache in bounds, checking it
on demand), ``cache_key`` (what a build's key covers).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Dict, Iterator, List, Optional, Sequence, Tuple

from .cache_files import (
    DamagedEntry,
    debug,
    differs,
    empty_directory,
    file_problem,
    link_files,
    locked,
    make_writable_and_remove,
    names_in,
    remove_file,
    sha256_file,
    touch,
    write_json_atomically,
)
from .cache_location import default_cache_dir
from .cache_records import (
    CacheContents,
    FileFacts,
    PlacedFileFacts,
    Placement,
    ResolutionFacts,
    read_tree_manifest,
    tree_files,
)

if TYPE_CHECKING:
    from .cache_verify import CacheVerification
    from .remote_cache import RemoteCache

__all__ = ["BuildCache", "CacheContents", "DamagedEntry", "FileFacts", "PlacedFileFacts", "Placement",
           "ResolutionFacts", "Reusable", "default_cache_dir", "restore_build"]

# Whether a build's record may be placed (``resolution_age.ResolutionCheck``): a record it refuses is a miss.
Reusable = Callable[[Placement], bool]

# An unchanged rebuild runs this module (with cache_files and cache_records) and little else, for some
# tens of milliseconds, so what it needs only when an entry is written or found damaged (logging, tempfile,
# the installer, the modules that build, prune or verify) is imported there.
FORMAT = "v1"
_ATTEMPTS = 3


def restore_build(cache: "BuildCache", key: str, destination: str, write: Callable[[str], None],
                  reusable: Optional[Reusable] = None) -> Optional[Placement]:
    """Step 8 alone, for a build whose inputs are unchanged: its files placed from the cache, or None (also
    when ``reusable`` refuses the record)."""
    placement = cache.restore(key, destination, reusable)
    if placement is not None:
        write(f"unchanged since a cached build: placed {len(placement.files)} files from {cache.root}")
    return placement


class BuildCache:
    """The cache at ``root``: trees of unpacked wheels, wheels built from sdists, and whole builds."""

    def __init__(self, root: str, link: bool = True, keep_wheels: bool = False) -> None:
        self.root = os.path.abspath(root)
        self._base = os.path.join(self.root, FORMAT)
        # Hard links (the cache's own read-only files, placed in no time) or copies of them.
        self.link = link
        self.keep_wheels = keep_wheels  # each tree's wheel too, for a remote cache (``cache_wheels``)
        self.remote: Optional["RemoteCache"] = None  # built wheels looked up and shared there too (``cache_built``)
        self._sdist_digests: Dict[Tuple[str, int, int], str] = {}

    # --- whole builds ---------------------------------------------------------------------------

    def restore(self, key: str, destination: str, reusable: Optional[Reusable] = None) -> Optional[Placement]:
        """Place the files of the build ``key`` into the (empty) ``destination``; None if there is none, or
        ``reusable`` refuses its record (a resolution too old to reuse: the build runs and records it again).

        A damaged tree makes this a miss (and is removed, so the build that
        follows unpacks it again); ``destination`` is then left empty.
        """
        placement = self._build_entry(key, reusable)
        if placement is None:
            return None
        try:
            self._place(placement, destination)
        except DamagedEntry as error:
            debug("cache: %s; building again", error)
            empty_directory(destination)
            for tree in sorted(set(placement.files.values())):
                self._discard_if_damaged(tree, error.path)
            return None
        touch(self._path("builds", key + ".json"))
        return placement

    def holds(self, key: str, directory: str, reusable: Optional[Reusable] = None) -> Optional[Placement]:
        """The build ``key`` if ``directory`` holds it as placing it by link did, and nothing else (and
        ``reusable``, if given, accepts its record): see :func:`cache_holds.holds`."""
        from .cache_holds import holds

        return holds(self, key, directory, reusable)

    def record(self, key: str) -> Optional[Placement]:
        """The recorded build ``key`` as it is, or None."""
        return self._build_entry(key)

    def _build_entry(self, key: str, reusable: Optional[Reusable] = None) -> Optional[Placement]:
        """The recorded build ``key``, or None (an unreadable record is removed; one ``reusable`` refuses is
        kept, for the build that follows to replace)."""
        path = self._path("builds", key + ".json")
        try:
            with open(path, encoding="utf-8") as f:
                placement = Placement.from_json(json.load(f))
            return placement if reusable is None or reusable(placement) else None
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, IndexError, OSError) as error:
            debug("cache: unreadable build entry %s (%s); building again", path, error)
            remove_file(path)
            return None

    def store(self, key: str, placement: Placement, resolution: Optional[ResolutionFacts] = None) -> None:
        """Record the build ``key`` as the placement of its files (trees must be in the cache), and when its
        closure was resolved (``resolution``; else the placement's own, if it has one)."""
        recorded = Placement(placement.files, resolution or placement.resolution)
        write_json_atomically(self._path("builds", key + ".json"), recorded.to_json())

    # --- trees of unpacked wheels ----------------------------------------------------------------

    def place_wheels(self, wheels: Sequence[str], destination: str, workers: Optional[int] = None) -> Placement:
        """Install ``wheels`` into ``destination`` by linking their trees, unpacking the missing ones at once.

        Later wheels win where two hold the same file, as when they are
        installed one after the other in this order. A tree damaged or removed
        (by another build) between its check and its placing is unpacked again.
        """
        from concurrent.futures import ThreadPoolExecutor

        workers = workers or min(len(wheels), os.cpu_count() or 1) or 1
        problem: Optional[DamagedEntry] = None
        for _ in range(_ATTEMPTS):
            with ThreadPoolExecutor(max_workers=workers) as pool:
                trees = list(pool.map(self.tree_for, wheels))
            try:
                placement = Placement()
                for tree in trees:
                    for relative in self._tree_files(tree):
                        placement.files[relative] = tree
                self._place(placement, destination)
                return placement
            except DamagedEntry as error:
                debug("cache: %s; unpacking again", error)
                problem = error
                empty_directory(destination)
                for tree in sorted(set(trees)):
                    self._discard_if_damaged(tree, error.path)
        raise OSError(errno.EIO, f"the build cache keeps changing while this build places files from it ({problem}); "
                                 "build with --no-cache, or remove the cache", self.root)

    def is_writable(self) -> bool:
        """Whether entries can be written here (a read-only home directory has no cache)."""
        for part in ("trees", "builds", "built", "locks"):
            try:
                os.makedirs(self._path(part), exist_ok=True)
            except OSError:
                return False
            if not os.access(self._path(part), os.W_OK | os.X_OK):
                return False
        return True

    def _place(self, placement: Placement, destination: str) -> None:
        """Link every file of ``placement`` into ``destination``, each tree checked and held while it is read."""
        with contextlib.ExitStack() as locks:
            manifests = {}
            for tree in sorted(set(placement.files.values())):
                locks.enter_context(self._lock("tree-" + tree, shared=True))
                manifests[tree] = self._tree_files(tree)
            link_files([(os.path.join(self._tree_dir(tree), relative), relative, manifests[tree].get(relative))
                         for relative, tree in sorted(placement.files.items())], destination, self.link)
            for tree in manifests:
                touch(self._tree_dir(tree) + ".json")

    def tree_for(self, wheel: str) -> str:
        """The sha256 of ``wheel``, after making sure its unpacked tree is in the cache and sound."""
        digest = sha256_file(wheel)
        if self.keep_wheels:
            from .cache_wheels import keep_wheel

            keep_wheel(self, wheel, digest)
        with self._lock("tree-" + digest, shared=True):
            if self._tree_is_sound(digest):
                touch(self._tree_dir(digest) + ".json")  # in use: not to be pruned before it is placed
                return digest
        with self._lock("tree-" + digest, shared=False):
            if self._tree_is_sound(digest):
                return digest
            self._remove_tree(digest)
            self._unpack(wheel, digest)
        return digest

    def _unpack(self, wheel: str, digest: str) -> None:
        from .cache_unpack import unpack_wheel

        unpack_wheel(wheel, self._path("trees"), digest)

    def _tree_dir(self, digest: str) -> str:
        return self._path("trees", digest)

    def _read_tree_manifest(self, digest: str) -> Dict[str, Any]:
        """The manifest of the tree ``digest`` as written, whatever version wrote it (OSError, ValueError)."""
        return read_tree_manifest(self._tree_dir(digest) + ".json")

    def _tree_files(self, digest: str) -> Dict[str, FileFacts]:
        """Each file of the tree ``digest`` as its manifest records it (DamagedEntry: the manifest cannot be
        read, or another version unpacked the tree)."""
        try:
            return tree_files(self._read_tree_manifest(digest))
        except (OSError, ValueError, AttributeError) as error:
            raise DamagedEntry(f"tree {digest[:12]}: manifest unreadable ({error})") from error

    def has_tree(self, digest: str) -> bool:
        """Whether the tree of the wheel of sha256 ``digest`` is in the cache, sound."""
        with self._lock("tree-" + digest, shared=True):
            return self._tree_is_sound(digest)

    def _tree_is_sound(self, digest: str) -> bool:
        try:
            files = self._tree_files(digest)
        except DamagedEntry:
            return False
        for relative, facts in files.items():
            if differs(os.path.join(self._tree_dir(digest), relative), facts):
                return False
        return True

    def _discard_if_damaged(self, digest: str, suspect: Optional[str] = None) -> None:
        """Remove the tree ``digest`` if it is damaged, or if it holds ``suspect`` (a file found with other
        bytes than its digest's) and that file is still so: another build may have unpacked it again since."""
        with self._lock("tree-" + digest, shared=False):
            if not self._tree_is_sound(digest) or self._holds_damaged(digest, suspect):
                self._remove_tree(digest)

    def _holds_damaged(self, digest: str, suspect: Optional[str]) -> bool:
        tree = self._tree_dir(digest)
        if suspect is None or not suspect.startswith(tree + os.sep):
            return False
        try:
            facts = self._tree_files(digest).get(os.path.relpath(suspect, tree).replace(os.sep, "/"))
        except DamagedEntry:
            return True
        return facts is None or file_problem(suspect, facts) is not None

    def _remove_tree(self, digest: str) -> None:
        remove_file(self._tree_dir(digest) + ".json")
        if os.path.isdir(self._tree_dir(digest)):
            make_writable_and_remove(self._tree_dir(digest))

    def file_facts(self, placement: Placement) -> Dict[str, PlacedFileFacts]:
        """Each placed file's :class:`PlacedFileFacts` (size, mtime and compressed size in its wheel: None
        where the wheel did not hold it as it is, as RECORD), as the trees' manifests have them.

        A bundle's sizes are then sums of numbers already known, without
        walking it; the size and mtime tell whether a file in a bundle is still
        the cached one. (Typed as the 3-tuple each unpacks as, which callers annotate.)
        """
        facts: Dict[str, PlacedFileFacts] = {}
        for relative, _, known in self._recorded(placement):
            if known is not None:
                facts[relative] = PlacedFileFacts(known.size, known.mtime_ns, known.compressed_size)
        return facts

    def _recorded(self, placement: Placement) -> Iterator[Tuple[str, str, Optional[FileFacts]]]:
        """Each placed file, its tree, and what the tree's manifest records of it (None: nothing, or a
        manifest that cannot be read)."""
        manifests: Dict[str, Dict[str, FileFacts]] = {}
        for relative, tree in placement.files.items():
            if tree not in manifests:
                try:
                    manifests[tree] = self._tree_files(tree)
                except DamagedEntry:
                    manifests[tree] = {}
            yield relative, tree, manifests[tree].get(relative)

    # --- wheels built from sdists (cache_built) --------------------------------------------------

    def built_wheel(self, sdist: str, target: str, compile_c: bool) -> Optional[str]:
        """A wheel built earlier from this sdist (same content) for ``target``, checked against its hash."""
        from .cache_built import built_wheel

        return built_wheel(self, sdist, target, compile_c)

    def store_built_wheel(self, sdist: str, target: str, compile_c: bool, wheel: str) -> None:
        """Keep ``wheel``, built from ``sdist`` for ``target``, so that the sdist is not built again."""
        from .cache_built import store_built_wheel

        store_built_wheel(self, sdist, target, compile_c, wheel)

    # --- keeping it in bounds (cache_prune) ------------------------------------------------------

    def contents(self) -> CacheContents:
        """What the cache holds: its builds, unpacked wheels and built wheels, and their bytes."""
        from .cache_prune import contents

        return contents(self)

    def prune(self, unused_for: float, now: Optional[float] = None) -> CacheContents:
        """Remove the entries no build has used for ``unused_for`` seconds; what was removed (see
        :func:`cache_prune.prune`)."""
        from .cache_prune import prune

        return prune(self, unused_for, now)

    # --- checking it on demand (cache_verify) ----------------------------------------------------

    def verify(self) -> "CacheVerification":
        """Hold every entry to the digests recorded as it was written; remove each damaged one (see
        :func:`cache_verify.verify`)."""
        from .cache_verify import verify

        return verify(self)

    def _entries(self, part: str) -> List[str]:
        """The names of the entries in ``part``: a ``.json`` record, a directory beside it, or both."""
        names = [name for name in names_in(self._path(part)) if not name.startswith(".")]
        return sorted({name[:-len(".json")] if name.endswith(".json") else name for name in names})

    # --- plumbing --------------------------------------------------------------------------------

    def _path(self, *parts: str) -> str:
        return os.path.join(self._base, *parts)

    def _lock(self, name: str, shared: bool) -> ContextManager[None]:
        return locked(self._path("locks", name + ".lock"), shared)
