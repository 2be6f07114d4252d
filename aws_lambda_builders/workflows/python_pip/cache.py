"""The persistent cache: each wheel unpacked once, each sdist built once, whole builds placed again by link.

Layout under ``<cache dir>/v1`` (a new format starts a new directory)::

    trees/<sha256 of a wheel>/       the wheel as installed in a bundle; its files are read-only
    trees/<sha256 of a wheel>.json   the tree's manifest: each file's size, mtime, mode, digest and
                                     compressed size in the wheel
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
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import os
import shutil
import stat
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Set, Tuple

if TYPE_CHECKING:
    from .cache_verify import CacheVerification

try:
    import fcntl
except ImportError:  # Windows: entries still appear atomically; concurrent builds may unpack a wheel twice
    fcntl = None  # type: ignore[assignment]

# An unchanged rebuild runs this module and little else, for some tens of milliseconds, so what it
# needs only when an entry is written or found damaged (logging, tempfile) is imported there.
FORMAT = "v1"
_READ_ONLY = ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
_ATTEMPTS = 3
TREE_LAYOUT = "2"  # bumped with any change to how wheel_install lays a wheel out


def default_cache_dir(environ: Optional[Dict[str, str]] = None) -> str:
    """``$LAMBDA_PIP_CACHE_DIR``, else the user's cache directory as the platform names it."""
    environ = dict(os.environ if environ is None else environ)
    if environ.get("LAMBDA_PIP_CACHE_DIR"):
        return environ["LAMBDA_PIP_CACHE_DIR"]
    if sys.platform == "win32":
        base = environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
        return os.path.join(base, "lambda-pip", "Cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/lambda-pip")
    return os.path.join(environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lambda-pip")


class Placement:
    """What a build placed in a bundle from the cache: each file (relative path) and the tree it is from."""

    def __init__(self, files: Optional[Dict[str, str]] = None) -> None:
        self.files: Dict[str, str] = {} if files is None else files  # relative path -> sha256 of its tree

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Placement) and other.files == self.files

    def __repr__(self) -> str:
        return f"Placement({len(self.files)} files from {len(set(self.files.values()))} trees)"

    def to_json(self) -> Dict[str, object]:
        trees = sorted(set(self.files.values()))
        index = {tree: number for number, tree in enumerate(trees)}
        return {"trees": trees, "files": [[path, index[tree]] for path, tree in sorted(self.files.items())]}

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Placement":
        """The placement :meth:`to_json` wrote, from the JSON document read back."""
        trees = list(data["trees"])
        return cls({path: trees[number] for path, number in data["files"]})


def restore_build(cache: "BuildCache", key: str, destination: str, write: Callable[[str], None]) -> Optional[Placement]:
    """Step 8 alone, for a build whose inputs are unchanged: its files placed from the cache, or None."""
    placement = cache.restore(key, destination)
    if placement is not None:
        write(f"unchanged since a cached build: placed {len(placement.files)} files from {cache.root}")
    return placement


class DamagedEntry(Exception):
    """A cache entry that is not what it was when written; it is rebuilt, never used.

    ``path``: the cached file whose bytes were found not to have their digest as
    it was copied, which a check of sizes, mtimes and modes alone cannot see.
    """

    def __init__(self, message: str, path: Optional[str] = None) -> None:
        super().__init__(message)
        self.path = path


class BuildCache:
    """The cache at ``root``: trees of unpacked wheels, wheels built from sdists, and whole builds."""

    def __init__(self, root: str, link: bool = True) -> None:
        self.root = os.path.abspath(root)
        self._base = os.path.join(self.root, FORMAT)
        # Hard links (the cache's own read-only files, placed in no time) or copies of them.
        self.link = link
        self._sdist_digests: Dict[Tuple[str, int, int], str] = {}

    # --- whole builds ---------------------------------------------------------------------------

    def restore(self, key: str, destination: str) -> Optional[Placement]:
        """Place the files of the build ``key`` into the (empty) ``destination``; None if there is none.

        A damaged tree makes this a miss (and is removed, so the build that
        follows unpacks it again); ``destination`` is then left empty.
        """
        placement = self._build_entry(key)
        if placement is None:
            return None
        try:
            self._place(placement, destination)
        except DamagedEntry as error:
            _debug("cache: %s; building again", error)
            _empty(destination)
            for tree in sorted(set(placement.files.values())):
                self._discard_if_damaged(tree, error.path)
            return None
        _touch(self._path("builds", key + ".json"))
        return placement

    def holds(self, key: str, directory: str) -> Optional[Placement]:
        """The build ``key`` if ``directory`` holds it as placing it by link did, and nothing else.

        Each file must be a link to its cached file, which must be sound: the
        same inode is then the same bytes. Copies are never taken for the build
        (an edit may keep a copy's size and mtime), nor is a directory with a
        file more or less: the caller then places the build again.
        """
        placement = self._build_entry(key) if self.link else None
        if placement is None:
            return None
        for relative, tree, facts in self._recorded(placement):
            cached = os.path.join(self._tree_dir(tree), relative)
            try:
                if facts is None or _differs(cached, facts) or not os.path.samestat(
                        os.lstat(cached), os.lstat(os.path.join(directory, relative))):
                    return None
            except OSError:
                return None
        try:
            if _files_under(directory) != set(placement.files):
                return None
        except OSError:
            return None
        _touch(self._path("builds", key + ".json"))
        for tree in set(placement.files.values()):
            _touch(self._tree_dir(tree) + ".json")
        return placement

    def _build_entry(self, key: str) -> Optional[Placement]:
        """The recorded build ``key``, or None (an unreadable record is removed)."""
        path = self._path("builds", key + ".json")
        try:
            with open(path, encoding="utf-8") as f:
                return Placement.from_json(json.load(f))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, IndexError, OSError) as error:
            _debug("cache: unreadable build entry %s (%s); building again", path, error)
            _remove(path)
            return None

    def store(self, key: str, placement: Placement) -> None:
        """Record the build ``key`` as the placement of its files (trees must be in the cache)."""
        _write_json_atomically(self._path("builds", key + ".json"), placement.to_json())

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
                    for relative in self._tree_manifest(tree)["files"]:
                        placement.files[relative] = tree
                self._place(placement, destination)
                return placement
            except DamagedEntry as error:
                _debug("cache: %s; unpacking again", error)
                problem = error
                _empty(destination)
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
                manifests[tree] = self._tree_manifest(tree)["files"]
            _link_files([(os.path.join(self._tree_dir(tree), relative), relative, manifests[tree].get(relative))
                         for relative, tree in sorted(placement.files.items())], destination, self.link)
            for tree in manifests:
                _touch(self._tree_dir(tree) + ".json")

    def tree_for(self, wheel: str) -> str:
        """The sha256 of ``wheel``, after making sure its unpacked tree is in the cache and sound."""
        digest = _sha256_file(wheel)
        with self._lock("tree-" + digest, shared=True):
            if self._tree_is_sound(digest):
                _touch(self._tree_dir(digest) + ".json")  # in use: not to be pruned before it is placed
                return digest
        with self._lock("tree-" + digest, shared=False):
            if self._tree_is_sound(digest):
                return digest
            self._remove_tree(digest)
            self._unpack(wheel, digest)
        return digest

    def _unpack(self, wheel: str, digest: str) -> None:
        from .wheel_install import install_wheel_files  # installer is needed only when a wheel is new
        from .zip_archive import COMPRESSION_LEVEL, deflated_size

        trees = self._path("trees")
        os.makedirs(trees, exist_ok=True)
        _remove_leftovers(trees, f".{digest[:16]}-")  # of a killed build: this one holds the lock now
        scratch = _mkdtemp(prefix=f".{digest[:16]}-", dir=trees)
        try:
            written = install_wheel_files(wheel, scratch)
            files = {}
            for path, facts in written.items():
                info = os.lstat(path)
                mode = stat.S_IMODE(info.st_mode) & _READ_ONLY
                os.chmod(path, mode)  # changes neither size nor mtime
                relative = os.path.relpath(path, scratch).replace(os.sep, "/")
                # A file the wheel did not hold as it is (RECORD, INSTALLER) is measured now, once, so that
                # the zipped size of a bundle placed from here is known without reading any file.
                compressed = facts.compressed_size
                if compressed is None:
                    compressed = deflated_size(path, COMPRESSION_LEVEL)
                files[relative] = [info.st_size, info.st_mtime_ns, mode, facts.digest, compressed]
            os.rename(scratch, self._tree_dir(digest))
        except BaseException:
            _make_writable_and_remove(scratch)
            raise
        _write_json_atomically(self._tree_dir(digest) + ".json",
                               {"layout": _tree_layout(), "wheel": os.path.basename(wheel), "files": files})

    def _tree_dir(self, digest: str) -> str:
        return self._path("trees", digest)

    def _read_tree_manifest(self, digest: str) -> Dict[str, Any]:
        """The manifest of the tree ``digest`` as written, whatever version wrote it (OSError, ValueError)."""
        with open(self._tree_dir(digest) + ".json", encoding="utf-8") as f:
            manifest = json.load(f)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise ValueError("no file list")
        return manifest

    def _tree_manifest(self, digest: str) -> Dict[str, Dict[str, list]]:
        try:
            manifest = self._read_tree_manifest(digest)
            if manifest.get("layout") != _tree_layout():
                raise ValueError(f"unpacked by another version ({manifest.get('layout')})")
            return manifest
        except (OSError, ValueError, AttributeError) as error:
            raise DamagedEntry(f"tree {digest[:12]}: manifest unreadable ({error})") from error

    def _tree_is_sound(self, digest: str) -> bool:
        try:
            manifest = self._tree_manifest(digest)
        except DamagedEntry:
            return False
        for relative, facts in manifest["files"].items():
            if _differs(os.path.join(self._tree_dir(digest), relative), facts):
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
            facts = self._tree_manifest(digest)["files"].get(os.path.relpath(suspect, tree).replace(os.sep, "/"))
        except DamagedEntry:
            return True
        return facts is None or _file_problem(suspect, facts) is not None

    def _remove_tree(self, digest: str) -> None:
        _remove(self._tree_dir(digest) + ".json")
        if os.path.isdir(self._tree_dir(digest)):
            _make_writable_and_remove(self._tree_dir(digest))

    def file_facts(self, placement: Placement) -> Dict[str, Tuple[int, int, Optional[int]]]:
        """Each placed file's size, mtime and compressed size in its wheel (None where the wheel did not
        hold it as it is, as RECORD), as the trees' manifests have them.

        A bundle's sizes are then sums of numbers already known, without
        walking it; the size and mtime tell whether a file in a bundle is still
        the cached one.
        """
        facts: Dict[str, Tuple[int, int, Optional[int]]] = {}
        for relative, _, known in self._recorded(placement):
            if known:
                compressed = known[4] if len(known) > 4 and isinstance(known[4], int) else None
                facts[relative] = (known[0], known[1], compressed)
        return facts

    def _recorded(self, placement: Placement) -> Iterator[Tuple[str, str, Optional[list]]]:
        """Each placed file, its tree, and what the tree's manifest records of it (None: nothing, or a
        manifest that cannot be read)."""
        manifests: Dict[str, Dict[str, list]] = {}
        for relative, tree in placement.files.items():
            if tree not in manifests:
                try:
                    manifests[tree] = self._tree_manifest(tree)["files"]
                except DamagedEntry:
                    manifests[tree] = {}
            yield relative, tree, manifests[tree].get(relative)

    # --- wheels built from sdists ----------------------------------------------------------------

    def built_wheel(self, sdist: str, target: str, compile_c: bool) -> Optional[str]:
        """A wheel built earlier from this sdist (same content) for ``target``, checked against its hash."""
        entry = self._built_entry(sdist, target, compile_c)
        if not os.path.exists(entry + ".json"):
            return None
        try:
            with self._lock("built-" + os.path.basename(entry), shared=True):
                with open(entry + ".json", encoding="utf-8") as f:
                    recorded = json.load(f)
                wheel = os.path.join(entry, os.path.basename(recorded["wheel"]))
                if _sha256_file(wheel) == recorded["sha256"]:
                    _touch(entry + ".json")
                    return wheel
        except (OSError, ValueError, KeyError, TypeError) as error:
            _debug("cache: unreadable built wheel %s (%s)", entry, error)
        _debug("cache: damaged built wheel %s; building again", entry)
        with self._lock("built-" + os.path.basename(entry), shared=False):
            _remove(entry + ".json")
            shutil.rmtree(entry, ignore_errors=True)
        return None

    def store_built_wheel(self, sdist: str, target: str, compile_c: bool, wheel: str) -> None:
        """Keep ``wheel``, built from ``sdist`` for ``target``, so that the sdist is not built again."""
        entry = self._built_entry(sdist, target, compile_c)
        with self._lock("built-" + os.path.basename(entry), shared=False):
            os.makedirs(os.path.dirname(entry), exist_ok=True)
            _remove_leftovers(os.path.dirname(entry), f".{os.path.basename(entry)}-")
            scratch = _mkdtemp(prefix=f".{os.path.basename(entry)}-", dir=os.path.dirname(entry))
            try:
                shutil.copy2(wheel, os.path.join(scratch, os.path.basename(wheel)))
                _remove(entry + ".json")
                shutil.rmtree(entry, ignore_errors=True)
                os.rename(scratch, entry)
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
            _write_json_atomically(entry + ".json", {"wheel": os.path.basename(wheel), "sha256": _sha256_file(wheel)})

    def _built_entry(self, sdist: str, target: str, compile_c: bool) -> str:
        return self._path("built", f"{self._sdist_digest(sdist)}-{target}-{'c' if compile_c else 'no-c'}")

    def _sdist_digest(self, sdist: str) -> str:
        """The sdist's sha256, once per file as it is: a build looks an sdist up, then stores its wheel."""
        info = os.stat(sdist)
        identity = (os.path.abspath(sdist), info.st_size, info.st_mtime_ns)
        if identity not in self._sdist_digests:
            self._sdist_digests[identity] = _sha256_file(sdist)
        return self._sdist_digests[identity]

    # --- keeping it in bounds ---------------------------------------------------------------------

    def contents(self) -> "CacheContents":
        """What the cache holds: its builds, unpacked wheels and built wheels, and their bytes."""
        return CacheContents(len(self._entries("builds")), len(self._entries("trees")),
                             len(self._entries("built")), _bytes_under(self._base))

    def prune(self, unused_for: float, now: Optional[float] = None) -> "CacheContents":
        """Remove the entries no build has used for ``unused_for`` seconds; what was removed.

        An unpacked wheel that a build kept here still places is kept with it.
        Each entry is removed under its own lock, after its last use is read
        again: one that a running build is placing waits, and one it has just
        used stays. A build that finds an entry gone makes it again.
        """
        now = time.time() if now is None else now
        cutoff = now - unused_for
        removed = CacheContents(0, 0, 0, 0)
        kept_trees: Set[str] = set()
        for key in self._entries("builds"):
            record = self._path("builds", key + ".json")
            if _unused_since(record, cutoff):
                removed = removed._replace(builds=removed.builds + 1, size=removed.size + _bytes_under(record))
                _remove(record)
            else:
                placement = self._build_entry(key)
                kept_trees |= set(placement.files.values()) if placement is not None else set()
        for tree in self._entries("trees"):
            if tree in kept_trees:
                continue
            with self._lock("tree-" + tree, shared=False):
                if _unused_since(self._tree_dir(tree) + ".json", cutoff):
                    size = _bytes_under(self._tree_dir(tree)) + _bytes_under(self._tree_dir(tree) + ".json")
                    self._remove_tree(tree)
                    removed = removed._replace(trees=removed.trees + 1, size=removed.size + size)
        for entry in self._entries("built"):
            with self._lock("built-" + entry, shared=False):
                if _unused_since(self._path("built", entry + ".json"), cutoff):
                    size = _bytes_under(self._path("built", entry)) + _bytes_under(self._path("built", entry + ".json"))
                    _remove(self._path("built", entry + ".json"))
                    shutil.rmtree(self._path("built", entry), ignore_errors=True)
                    removed = removed._replace(built=removed.built + 1, size=removed.size + size)
        self._remove_leftovers_older_than(min(cutoff, now - 3600))
        return removed

    def _remove_leftovers_older_than(self, cutoff: float) -> None:
        """Remove what killed builds left half written (never what is younger than an hour: a build's at work)."""
        for part in ("trees", "built"):
            for name in _names(self._path(part)):
                path = self._path(part, name)
                if not name.startswith(".") or not _unused_since(path, cutoff):
                    continue
                if os.path.isdir(path):
                    _make_writable_and_remove(path)
                else:
                    _remove(path)

    # --- checking it on demand -------------------------------------------------------------------

    def verify(self) -> "CacheVerification":
        """Hold every entry to the digests recorded as it was written; remove each damaged one (see
        :func:`cache_verify.verify`)."""
        from .cache_verify import verify

        return verify(self)

    def _entries(self, part: str) -> List[str]:
        """The names of the entries in ``part``: a ``.json`` record, a directory beside it, or both."""
        names = [name for name in _names(self._path(part)) if not name.startswith(".")]
        return sorted({name[:-len(".json")] if name.endswith(".json") else name for name in names})

    # --- plumbing --------------------------------------------------------------------------------

    def _path(self, *parts: str) -> str:
        return os.path.join(self._base, *parts)

    @contextlib.contextmanager
    def _lock(self, name: str, shared: bool) -> Iterator[None]:
        if fcntl is None:
            yield
            return
        directory = self._path("locks")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, name + ".lock"), "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class CacheContents(NamedTuple):
    """Counts of entries of each kind, and their bytes (a file linked twice counted once)."""

    builds: int
    trees: int
    built: int
    size: int


def _touch(path: str) -> None:
    """Record a use of the entry ``path`` (its mtime); a cache that cannot be written is used all the same."""
    with contextlib.suppress(OSError):
        os.utime(path)


def _unused_since(path: str, cutoff: float) -> bool:
    try:
        return os.lstat(path).st_mtime < cutoff
    except FileNotFoundError:  # a tree whose record a killed build never wrote is as old as its directory
        directory = path[:-len(".json")] if path.endswith(".json") else None
        return directory is not None and os.path.isdir(directory) and os.lstat(directory).st_mtime < cutoff


def _names(directory: str) -> List[str]:
    try:
        return os.listdir(directory)
    except FileNotFoundError:
        return []


def _bytes_under(path: str) -> int:
    """The bytes of the file ``path`` or of the files under the directory ``path``, each inode once."""
    files = ([os.path.join(directory, name) for directory, _, names in os.walk(path) for name in names]
             if os.path.isdir(path) else [path])
    seen: Set[Tuple[int, int]] = set()
    total = 0
    for file in files:
        with contextlib.suppress(OSError):
            info = os.lstat(file)
            if (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_size
    return total


def _tree_layout() -> str:
    """What decides how a wheel is unpacked: this tool's version (its install rules)."""
    from aws_lambda_builders import __version__

    return f"{TREE_LAYOUT}-{__version__}"


def _files_under(directory: str) -> Set[str]:
    """Every entry under ``directory`` but its sub-directories, by relative path with ``/``; an empty
    directory counts as an entry (as ``<dir>/``), so that nothing there goes unnoticed."""
    found = set()
    pending = [("", directory)]
    while pending:
        prefix, path = pending.pop()
        empty = True
        with os.scandir(path) as entries:
            for entry in entries:
                empty = False
                if entry.is_dir(follow_symlinks=False):
                    pending.append((prefix + entry.name + "/", entry.path))
                else:
                    found.add(prefix + entry.name)
        if empty and prefix:
            found.add(prefix)
    return found


def _differs(path: str, facts: Sequence[object]) -> bool:
    """Whether the file at ``path`` is not the one the manifest describes.

    Size and mode must be the same. A different mtime alone sends the file to
    its digest: a cache restored by CI keeps contents but not always mtimes to
    the nanosecond, and such a tree is as good as it was.
    """
    try:
        info = os.lstat(path)
    except OSError:
        return True
    if not stat.S_ISREG(info.st_mode) or info.st_size != facts[0] or stat.S_IMODE(info.st_mode) != facts[2]:
        return True
    return info.st_mtime_ns != facts[1] and not _has_digest(path, str(facts[3]) if len(facts) > 3 else "")


def _has_digest(path: str, digest: str) -> bool:
    """Whether the file's content has ``digest`` (RECORD's form: ``sha256=<urlsafe base64, unpadded>``)."""
    return _copy_checked(path, None, digest)


def _copy_checked(source: str, target: Optional[str], digest: str) -> bool:
    """Whether the bytes of ``source`` have ``digest`` (RECORD's form), read once; with ``target``, they are
    copied there as they are read (with the source's mtime and mode), and a mismatch raises ``DamagedEntry``
    and leaves no ``target``."""
    algorithm, _, expected = digest.partition("=")
    known = algorithm in hashlib.algorithms_guaranteed and bool(expected)
    hasher = hashlib.new(algorithm if known else "sha256")
    with open(source, "rb") as f, open(target, "xb") if target else contextlib.nullcontext() as out:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            hasher.update(chunk)
            if out is not None:
                out.write(chunk)
    sound = known and base64.urlsafe_b64encode(hasher.digest()).decode("ascii").rstrip("=") == expected
    if target is not None:
        if not sound:
            os.unlink(target)
            raise DamagedEntry(f"{source} does not have the digest recorded for it ({digest or 'none'})", source)
        shutil.copystat(source, target)
    return sound


def _octal(mode: object) -> str:
    return format(mode, "o") if isinstance(mode, int) else repr(mode)


def _file_problem(path: str, facts: Sequence[object]) -> Optional[str]:
    """What is wrong with the cached file ``path`` by its manifest ``facts``, its bytes read; None: nothing."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_size != facts[0]:
            return f"{info.st_size} bytes, not {facts[0]}"
        if stat.S_IMODE(info.st_mode) != facts[2]:
            return f"mode {stat.S_IMODE(info.st_mode):o}, not {_octal(facts[2])}"
        if not _has_digest(path, str(facts[3]) if len(facts) > 3 else ""):
            return "its bytes do not have the digest RECORD gives"
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    return None


def _link_files(files: Sequence[Tuple[str, str, Optional[Sequence[object]]]], destination: str,
                link: bool = True) -> None:
    """Link (or copy) each ``(cached path, relative path, manifest facts)`` into ``destination``.

    A copy keeps the cached file's mtime, and is writable: it is the user's.
    Its bytes are held to their digest as they are copied, since nothing checks
    them later: a cached file damaged with its size, mtime and mode kept raises
    ``DamagedEntry`` here rather than reach the bundle.
    """
    made = set()
    can_link = link
    for source, relative, facts in files:
        if facts is None or _differs(source, facts):
            raise DamagedEntry(f"{source} is not as the cache left it")
        if os.path.isabs(relative) or ".." in relative.split("/"):
            raise DamagedEntry(f"{relative} would be placed outside the bundle")
        target = os.path.join(destination, relative)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        if can_link:
            try:
                os.link(source, target)
                continue
            except FileExistsError:  # two names for one file on a case-insensitive file system: the later wins
                os.unlink(target)
                os.link(source, target)
                continue
            except OSError as error:
                if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
                    raise
                can_link = False
        if os.path.lexists(target):
            os.unlink(target)
        _copy_checked(source, target, str(facts[3]) if len(facts) > 3 else "")
        os.chmod(target, stat.S_IMODE(os.stat(source).st_mode) | stat.S_IWUSR)


def _empty(directory: str) -> None:
    for name in os.listdir(directory) if os.path.isdir(directory) else ():
        path = os.path.join(directory, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def _sha256_file(path: str) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _debug(message: str, *args: object) -> None:
    import logging

    logging.getLogger(__name__).debug(message, *args)


def _mkdtemp(prefix: str, dir: str) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=prefix, dir=dir)


def _write_json_atomically(path: str, data: object) -> None:
    import tempfile

    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".json", dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            json.dump(data, f, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise


def _remove_leftovers(directory: str, prefix: str) -> None:
    """Remove what a killed process left while writing an entry (the caller holds the entry's lock)."""
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if name.startswith(prefix):
            _make_writable_and_remove(path) if os.path.isdir(path) else _remove(path)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _make_writable_and_remove(directory: str) -> None:
    """Remove a tree of read-only files (Windows refuses to delete those)."""
    def retry(function, path, _):
        os.chmod(path, stat.S_IWUSR | stat.S_IRUSR)
        function(path)

    if sys.version_info >= (3, 12):
        shutil.rmtree(directory, onexc=retry)
    else:
        shutil.rmtree(directory, onerror=retry)
