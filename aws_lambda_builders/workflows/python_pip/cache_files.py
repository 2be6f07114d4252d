"""The build cache's file plumbing: cached files held to their manifest and their digest, placed by link or
checked copy; entries written atomically, locked, and removed read-only files and all.

Only what every use of the cache needs is imported here (an unchanged rebuild runs this module); what
writing an entry needs alone (tempfile) is imported where it is used.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import stat
import sys
from typing import Iterator, List, Optional, Sequence, Set, Tuple

from .cache_records import FileFacts
from .digests import file_hash, record_digest, stream_hash

try:
    import fcntl
except ImportError:  # Windows: entries still appear atomically; concurrent builds may unpack a wheel twice
    fcntl = None  # type: ignore[assignment]


class DamagedEntry(Exception):
    """A cache entry that is not what it was when written; it is rebuilt, never used.

    ``path``: the cached file whose bytes were found not to have their digest as
    it was copied, which a check of sizes, mtimes and modes alone cannot see.
    """

    def __init__(self, message: str, path: Optional[str] = None) -> None:
        super().__init__(message)
        self.path = path


# --- cached files held to their manifest --------------------------------------------------------

def differs(path: str, facts: FileFacts) -> bool:
    """Whether the file at ``path`` is not the one the manifest describes.

    Size and mode must be the same. A different mtime alone sends the file to
    its digest: a cache restored by CI keeps contents but not always mtimes to
    the nanosecond, and such a tree is as good as it was.
    """
    try:
        info = os.lstat(path)
    except OSError:
        return True
    if not stat.S_ISREG(info.st_mode) or info.st_size != facts.size or stat.S_IMODE(info.st_mode) != facts.mode:
        return True
    return info.st_mtime_ns != facts.mtime_ns and not has_digest(path, facts.digest)


def file_problem(path: str, facts: FileFacts) -> Optional[str]:
    """What is wrong with the cached file ``path`` by its manifest ``facts``, its bytes read; None: nothing."""
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_size != facts.size:
            return f"{info.st_size} bytes, not {facts.size}"
        if stat.S_IMODE(info.st_mode) != facts.mode:
            return f"mode {stat.S_IMODE(info.st_mode):o}, not {_octal(facts.mode)}"
        if not has_digest(path, facts.digest):
            return "its bytes do not have the digest RECORD gives"
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    return None


def _octal(mode: object) -> str:
    return format(mode, "o") if isinstance(mode, int) else repr(mode)


def has_digest(path: str, digest: str) -> bool:
    """Whether the file's content has ``digest`` (RECORD's form: ``sha256=<urlsafe base64, unpadded>``)."""
    return copy_checked(path, None, digest)


def copy_checked(source: str, target: Optional[str], digest: str) -> bool:
    """Whether the bytes of ``source`` have ``digest`` (RECORD's form), read once; with ``target``, they are
    copied there as they are read (with the source's mtime and mode), and a mismatch raises ``DamagedEntry``
    and leaves no ``target``."""
    algorithm, _, expected = digest.partition("=")
    known = algorithm in hashlib.algorithms_guaranteed and bool(expected)
    with open(source, "rb") as f, open(target, "xb") if target else contextlib.nullcontext() as out:
        hasher = stream_hash(f, algorithm if known else "sha256", copy_to=out)
    sound = known and record_digest(hasher.digest()) == expected
    if target is not None:
        if not sound:
            os.unlink(target)
            raise DamagedEntry(f"{source} does not have the digest recorded for it ({digest or 'none'})", source)
        shutil.copystat(source, target)
    return sound


def sha256_file(path: str) -> str:
    """The file's sha256 in hex: how the cache keys wheels and sdists by their bytes."""
    return file_hash(path, "sha256").hexdigest()


# --- placing them --------------------------------------------------------------------------------

def link_files(files: Sequence[Tuple[str, str, Optional[FileFacts]]], destination: str, link: bool = True) -> None:
    """Link (or copy) each ``(cached path, relative path, manifest facts)`` into ``destination``.

    A copy keeps the cached file's mtime, and is writable: it is the user's.
    Its bytes are held to their digest as they are copied, since nothing checks
    them later: a cached file damaged with its size, mtime and mode kept raises
    ``DamagedEntry`` here rather than reach the bundle.
    """
    made = set()
    can_link = link
    for source, relative, facts in files:
        if facts is None or differs(source, facts):
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
        copy_checked(source, target, facts.digest)
        os.chmod(target, stat.S_IMODE(os.stat(source).st_mode) | stat.S_IWUSR)


def files_under(directory: str) -> Set[str]:
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


def empty_directory(directory: str) -> None:
    for name in os.listdir(directory) if os.path.isdir(directory) else ():
        path = os.path.join(directory, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


# --- entries: used, written, locked, measured, removed -------------------------------------------

def touch(path: str) -> None:
    """Record a use of the entry ``path`` (its mtime); a cache that cannot be written is used all the same."""
    with contextlib.suppress(OSError):
        os.utime(path)


def names_in(directory: str) -> List[str]:
    try:
        return os.listdir(directory)
    except FileNotFoundError:
        return []


def bytes_under(path: str) -> int:
    """The bytes of the file ``path`` or of the files under the directory ``path``, each inode once.

    What the cache takes on disk, as ``du`` counts it: a file with two names is
    counted once, a link is not followed, and a file gone meanwhile (another
    build pruning) counts nothing. Not a bundle's size: a bundle counts every
    name in full, hard-linked from here or not, since each is a file of its own
    once unzipped (``size_budget.measure``, and ``slimming``'s bytes freed).
    """
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


@contextlib.contextmanager
def locked(path: str, shared: bool) -> Iterator[None]:
    """Hold the advisory lock file ``path``, shared or exclusive (nothing to hold where there is no fcntl)."""
    if fcntl is None:
        yield
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def debug(message: str, *args: object) -> None:
    """Log for whoever debugs the cache, under the cache's logger (``...python_pip.cache``) whichever module
    of it speaks."""
    import logging

    logging.getLogger(f"{__package__}.cache").debug(message, *args)


def scratch_directory(prefix: str, dir: str) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=prefix, dir=dir)


def write_json_atomically(path: str, data: object) -> None:
    import tempfile

    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".", suffix=".json", dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            json.dump(data, f, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        remove_file(temporary)
        raise


def remove_leftovers(directory: str, prefix: str) -> None:
    """Remove what a killed process left while writing an entry (the caller holds the entry's lock)."""
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if name.startswith(prefix):
            make_writable_and_remove(path) if os.path.isdir(path) else remove_file(path)


def remove_file(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def make_writable_and_remove(directory: str) -> None:
    """Remove a tree of read-only files (Windows refuses to delete those)."""
    def retry(function, path, _):
        os.chmod(path, stat.S_IWUSR | stat.S_IRUSR)
        function(path)

    if sys.version_info >= (3, 12):
        shutil.rmtree(directory, onexc=retry)
    else:
        shutil.rmtree(directory, onerror=retry)
