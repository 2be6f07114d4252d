"""Helpers shared by workflows and actions, as aws-lambda-builders has them (copy, find, link, unpack, decode)."""

from __future__ import annotations

import locale
import logging
import os
import shutil
import tarfile
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence, Union

LOG = logging.getLogger(__name__)

StrPath = Union[str, "os.PathLike[str]"]


def copytree(source: str, destination: str, ignore: Optional[Callable[[str, List[str]], Iterable[str]]] = None,
             include: Optional[Callable[[str], bool]] = None, maintain_symlinks: bool = False) -> None:
    """Copy ``source`` into ``destination``, merging into it when it exists (``shutil.copytree`` refuses that).

    ``ignore(directory, names)`` names what to skip at every level (``shutil.ignore_patterns`` works);
    ``include(name)`` keeps only the files it accepts; with ``maintain_symlinks`` a link is copied as a link,
    else the file or directory it points at is copied.
    """
    if not os.path.exists(source):
        LOG.warning("Skipping copy operation since source %s does not exist", source)
        return
    if not os.path.exists(destination):
        os.makedirs(destination)
        try:
            shutil.copystat(source, destination)
        except OSError as error:  # a file system without permissions (Windows shares): the copy still goes on
            LOG.debug("Unable to copy file access times from %s to %s", source, destination, exc_info=error)
    names = os.listdir(source)
    skipped = set(ignore(source, names)) if ignore is not None else set()
    for name in names:
        if name in skipped:
            continue
        new_source = os.path.join(source, name)
        new_destination = os.path.join(destination, name)
        if maintain_symlinks and os.path.islink(new_source):
            create_symlink_or_copy(os.readlink(new_source), new_destination)
            shutil.copystat(new_source, new_destination, follow_symlinks=False)
        elif os.path.isdir(new_source):
            copytree(new_source, new_destination, ignore=ignore, include=include,
                     maintain_symlinks=maintain_symlinks)
        elif include is None or include(name):
            LOG.debug("Copying source file (%s) to destination (%s)", new_source, new_destination)
            shutil.copy2(new_source, new_destination)


def which(cmd: str, mode: int = os.F_OK | os.X_OK,
          executable_search_paths: Optional[Sequence[StrPath]] = None) -> Optional[List[str]]:
    """Every executable named ``cmd`` on ``executable_search_paths`` then ``PATH``, in that order.

    A ``cmd`` with a directory part is returned as is when it is accessible (``None`` otherwise), and so is
    ``None`` for an empty ``PATH``; else the list may be empty.
    """

    def _access_check(path: str) -> bool:
        return os.path.exists(path) and os.access(path, mode) and not os.path.isdir(path)

    if os.path.dirname(cmd):
        return [cmd] if _access_check(cmd) else None
    path_value = os.environ.get("PATH", os.defpath)
    if not path_value:
        return None
    paths = [str(p) for p in (executable_search_paths or [])] + path_value.split(os.pathsep)
    seen = set()
    found = []
    for directory in paths:
        normalised = os.path.normcase(directory)
        if normalised in seen:
            continue
        seen.add(normalised)
        candidate = os.path.join(directory, cmd)
        if _access_check(candidate):
            found.append(candidate)
    return found


def get_goarch(architecture: str) -> str:
    """Go's name for a Lambda architecture."""
    return "arm64" if architecture == "arm64" else "amd64"


def create_symlink_or_copy(source: str, destination: str) -> None:
    """A link at ``destination`` to ``source``, or a copy where links cannot be made (Windows without rights)."""
    try:
        if Path(destination).exists() and Path(destination).is_symlink():
            return
        os.symlink(Path(source).absolute(), Path(destination).absolute())
    except OSError as error:
        LOG.warning(
            "Symbolic link creation failed, falling back to copying files instead. To optimize speed, "
            "consider enabling the necessary settings or privileges on your system to support symbolic links.",
            exc_info=error if LOG.isEnabledFor(logging.DEBUG) else None,
        )
        copytree(source, destination)


def extract_tarfile(tarfile_path: str, unpack_dir: str) -> None:
    """Unpack a tar archive (any compression) into ``unpack_dir``, refusing it whole when a member would
    land outside (``tarfile.ExtractError("Attempted Path Traversal in Tar File")``), before anything is written.

    Links are checked as their targets (a member linking out of ``unpack_dir`` is refused as well).
    """
    root = os.path.abspath(unpack_dir)
    with tarfile.open(tarfile_path, "r:*") as archive:
        for member in archive.getmembers():
            destination = os.path.abspath(os.path.join(unpack_dir, member.name))
            if not _is_within(root, destination):
                raise tarfile.ExtractError("Attempted Path Traversal in Tar File")
            if member.issym() or member.islnk():
                base = root if member.islnk() else os.path.dirname(destination)
                target = os.path.abspath(os.path.join(base, member.linkname))
                if os.path.isabs(member.linkname) or not _is_within(root, target):
                    raise tarfile.ExtractError("Attempted Path Traversal in Tar File")
        if hasattr(tarfile, "data_filter"):  # Python >= 3.12 and the security releases: the same checks again
            archive.extractall(unpack_dir, filter="data")
        else:
            archive.extractall(unpack_dir)  # noqa: S202 - every member was checked above


def _is_within(root: str, path: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def decode(to_decode: bytes, encoding: Optional[str] = None) -> str:
    """Text of a process's output, in the locale's encoding unless told otherwise, without surrounding space."""
    return to_decode.decode(encoding or locale.getpreferredencoding(), errors="replace").strip()
