"""Copying a function's own source beside its dependencies: its code, without the clutter of a working tree,
and nothing from outside it.

Two passes. ``plan_source_copy`` walks the source and decides every entry
before anything is written: what is left out (by name, by where it is, or
because it is a virtual environment), and whether each symlink may be
followed. A link is copied as what it points to only when its fully resolved
target is inside the source; a link that leads outside, to nothing, or back
into a directory it is in is refused. ``copy_source`` then copies what the plan
holds, so a refused source writes nothing.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import shutil
import stat
from typing import Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from .paths import is_within
from .exceptions import DiskFullError, SourceDirectoryNotFoundError, UnreadableSourceError, UnsafeSourceLinkError

# What tools put at the top of a project directory and has no place in a Lambda function. Only at
# the top: a package of the function may well be called ``env`` or ``venv``, or hold a ``.cache``.
TOP_LEVEL_EXCLUDES = (
    ".aws-sam", ".chalice", ".gitignore", ".Python", "*.egg-info",
    "pip-log.txt", "pip-delete-this-directory.txt",
    "htmlcov", ".tox", ".nox", ".coverage", ".coverage.*", ".cache", ".pytest_cache", "coverage.xml",
    ".python-version", ".mypy_cache", ".dmypy.json", ".pyre", ".ruff_cache",
    ".env", ".venv", "venv", "venv.bak", "env.bak", "ENV", "env",
    ".vscode", ".idea",
)

# What is never code, wherever it is: bytecode, Finder metadata and version control metadata.
EXCLUDED_EVERYWHERE = ("__pycache__", "*.pyc", ".DS_Store", ".git", ".hg", ".svn")

# Every name pattern left out (aws-lambda-builders' ``PythonPipWorkflow.EXCLUDED_FILES``); those of
# TOP_LEVEL_EXCLUDES only at the top of the source.
EXCLUDED_FILES = TOP_LEVEL_EXCLUDES + EXCLUDED_EVERYWHERE

# A directory holding this file is a virtual environment (PEP 405), left out at any depth.
VIRTUAL_ENVIRONMENT_MARKER = "pyvenv.cfg"


class SourceEntry(NamedTuple):
    """One file or directory to copy: where it goes (relative to the source) and what is read for it."""

    path: str  # relative to the source, with the platform's separator
    origin: str  # the real path read: the entry itself, or what a link in the source resolves to
    is_directory: bool


def is_excluded(name: str, at_top: bool) -> bool:
    """Whether an entry called ``name`` is left out of the copy; ``at_top``: it is directly in the source."""
    patterns = EXCLUDED_FILES if at_top else EXCLUDED_EVERYWHERE
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def copy_source(source_dir: str, destination: str, skip: Iterable[str] = ()) -> None:
    """Copy ``source_dir`` into ``destination`` (merging with what is there), leaving out the clutter.

    ``skip`` holds paths that may lie inside the source and are the build's
    own (its output, staging or scratch directory, its zip): never copied into
    themselves or into the next bundle. Raises ``UnsafeSourceLinkError`` or
    ``UnreadableSourceError`` before writing anything when the source cannot be
    copied safely; a file that cannot be written raises ``DiskFullError`` or
    the ``OSError`` naming it.
    """
    copy_entries(source_dir, plan_source_copy(source_dir, skip), destination)


def copy_entries(source_dir: str, entries: Iterable[SourceEntry], destination: str) -> None:
    """Copy what ``plan_source_copy(source_dir)`` decided into ``destination``."""
    os.makedirs(destination, exist_ok=True)
    for entry in entries:
        target = os.path.join(destination, entry.path)
        if entry.is_directory:
            os.makedirs(target, exist_ok=True)
            continue
        try:
            copy_file_replacing(entry.origin, target)
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise DiskFullError(target) from error
            if error.filename == entry.origin:  # reading the source failed, not writing the copy
                raise UnreadableSourceError(os.path.join(source_dir, entry.path), error.strerror or str(error)) \
                    from error
            raise


def plan_source_copy(source_dir: str, skip: Iterable[str] = ()) -> List[SourceEntry]:
    """Every file and directory ``copy_source`` copies, each directory before what it holds.

    Raises ``SourceDirectoryNotFoundError`` when there is no such directory,
    ``UnsafeSourceLinkError`` for a link that may not be followed, and
    ``UnreadableSourceError`` for a directory that cannot be listed or an entry
    that is not a regular file or directory (a named pipe, a socket, a device).
    """
    if not os.path.isdir(source_dir):
        raise SourceDirectoryNotFoundError(source_dir)
    root = os.path.realpath(source_dir)
    skipped = {os.path.realpath(path) for path in skip}
    entries: List[SourceEntry] = []
    # (directory relative to the source, its real path, the real directories entered down to it)
    pending: List[Tuple[str, str, Tuple[str, ...]]] = [("", root, (root,))]
    while pending:
        relative, real_directory, entered = pending.pop()
        try:
            names = os.listdir(real_directory)
        except OSError as error:
            raise UnreadableSourceError(os.path.join(source_dir, relative), error.strerror or str(error)) from error
        for name in names:
            if is_excluded(name, at_top=not relative):
                continue
            path = os.path.join(relative, name)
            entry = _entry(source_dir, path, os.path.join(real_directory, name), root, entered, skipped)
            if entry is None:
                continue
            if entry.is_directory:
                if os.path.isfile(os.path.join(entry.origin, VIRTUAL_ENVIRONMENT_MARKER)):
                    continue
                pending.append((path, entry.origin, entered + (entry.origin,)))
            entries.append(entry)
    entries.sort(key=lambda entry: entry.path.split(os.sep))
    return entries


def _entry(source_dir: str, path: str, location: str, root: str, entered: Sequence[str],
           skipped: Set[str]) -> Optional[SourceEntry]:
    """What is copied for ``path`` (found at the real ``location``): None when it is skipped."""
    shown = os.path.join(source_dir, path)
    try:
        info = os.lstat(location)
    except OSError as error:
        raise UnreadableSourceError(shown, error.strerror or str(error)) from error
    origin = location
    if stat.S_ISLNK(info.st_mode):
        origin = os.path.realpath(location)
        if origin in skipped:
            return None
        info = _followed_link(shown, location, origin, root, entered)
    elif origin in skipped:
        return None
    if stat.S_ISDIR(info.st_mode):
        return SourceEntry(path, origin, True)
    if stat.S_ISREG(info.st_mode):
        return SourceEntry(path, origin, False)
    raise UnreadableSourceError(shown, "it is not a regular file (a named pipe, a socket or a device)",
                                "Move it out of the source.")


def _followed_link(shown: str, location: str, target: str, root: str, entered: Sequence[str]) -> os.stat_result:
    """What the link at ``location`` resolves to (the real path ``target``), when it may be copied as that.

    ``entered`` holds the real directories the walk is in: a directory link to
    one of them, or to a directory above one, would be copied without end.
    """
    written = os.readlink(location)
    pointed = written if written == target else f"{written} ({target})"
    if not is_within(target, root):
        raise UnsafeSourceLinkError(
            shown, pointed, f"outside the source {root}",
            "Nothing from outside the source is copied into the function: replace the link by a copy of what it "
            "points to, or move its target inside the source and link to it there.")
    left_out = _left_out_part(target, root)
    if left_out is not None:
        raise UnsafeSourceLinkError(
            shown, pointed, f"into {left_out}, which is left out of the function",
            "Links may not bring back what the copy leaves out (secrets in .env, VCS data, virtual "
            "environments): copy what the function needs to a file of its own in the source.")
    try:
        info = os.stat(location)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UnsafeSourceLinkError(shown, pointed, "which is a loop of links that never reaches a file",
                                        "Remove the link, or point it at a file or directory of the source.") from error
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            raise UnsafeSourceLinkError(shown, pointed, "which does not exist",
                                        "Remove the link, or create what it points to inside the source.") from error
        raise UnreadableSourceError(shown, error.strerror or str(error)) from error
    if stat.S_ISDIR(info.st_mode) and any(is_within(directory, target) for directory in entered):
        raise UnsafeSourceLinkError(
            shown, pointed, "a directory that holds the link itself once followed, so copying it would never end",
            "Remove the link, or point it at a directory that does not lead back to it.")
    return info


def _left_out_part(target: str, root: str) -> Optional[str]:
    """The part of the source that ``target`` (inside it) lies in and that the copy leaves out, else None."""
    parts = os.path.relpath(target, root).split(os.sep)
    directory = root
    for depth, name in enumerate(parts if parts != ["."] else []):
        if is_excluded(name, at_top=depth == 0):
            return os.path.join(*parts[:depth + 1])
        directory = os.path.join(directory, name)
        if depth < len(parts) - 1 and os.path.isfile(os.path.join(directory, VIRTUAL_ENVIRONMENT_MARKER)):
            return os.path.join(*parts[:depth + 1])
    return None


def copy_file_replacing(source: str, destination: str) -> str:
    """``shutil.copy2``, but a file already at ``destination`` is unlinked first, not written through.

    Bundle files may be hard links into the build cache: writing into one
    would change the cached file and every other bundle that links it.
    """
    if os.path.lexists(destination) and not os.path.isdir(destination):
        os.unlink(destination)
    copied = shutil.copy2(source, destination)
    os.chmod(copied, stat.S_IMODE(os.stat(copied).st_mode) | stat.S_IWUSR)  # a copy is the user's to edit
    return copied
