"""Unpacking sdists (zip, tar.gz, tar.bz2) so that no member can land outside the destination.

Archives come from the internet. Every member is checked before anything is
written: no absolute path, no ``..`` that leaves the destination (a sibling
directory whose name shares a prefix included), no link pointing outside it,
no device or FIFO. A refused archive raises :class:`UnsafeArchiveError` naming
the archive and the member.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import tarfile
import zipfile
import zlib
from typing import Iterator, List, Set

from .exceptions import CorruptArchiveError, UnsafeArchiveError


def _inside(root: str, path: str) -> bool:
    return os.path.commonpath([root, path]) == root


def _checked_destination(archive: str, root: str, member: str) -> str:
    """The absolute path ``member`` would be written to, refusing any escape."""
    if member.startswith(("/", "\\")) or posixpath.isabs(member) or (len(member) > 1 and member[1] == ":"):
        raise UnsafeArchiveError(archive, member, "has an absolute path")
    destination = os.path.normpath(os.path.join(root, member))
    if not _inside(root, destination):
        raise UnsafeArchiveError(archive, member, "points outside the destination directory")
    return destination


@contextlib.contextmanager
def _readable(archive: str) -> Iterator[None]:
    """Turn the archive modules' own errors into one that names the archive."""
    try:
        yield
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as error:
        # The decompressors raise OSError without an errno; the file system always sets one.
        if isinstance(error, OSError) and error.errno is not None:
            raise
        raise CorruptArchiveError(archive, str(error) or type(error).__name__) from error


def extract_zipfile(zipfile_path: str, unpack_dir: str) -> None:
    with _readable(zipfile_path):
        _extract_zipfile(zipfile_path, unpack_dir)


def _extract_zipfile(zipfile_path: str, unpack_dir: str) -> None:
    root = os.path.realpath(unpack_dir)
    with zipfile.ZipFile(zipfile_path) as archive:
        seen = set()
        for info in archive.infolist():
            destination = _checked_destination(zipfile_path, root, info.filename)
            if destination in seen and not info.is_dir():
                raise UnsafeArchiveError(zipfile_path, info.filename, "appears twice")
            seen.add(destination)
            mode = info.external_attr >> 16
            if mode and (mode & 0o170000) == 0o120000:
                raise UnsafeArchiveError(zipfile_path, info.filename, "is a symbolic link")
        archive.extractall(root)


def _walk(archive: str, member: str, start: List[str], path: str, links: Set[str]) -> List[str]:
    """Follow ``path`` from the directory ``start`` one component at a time, as archive paths.

    Refuses to leave the root and to pass through a symbolic link the archive
    itself made, whose real target the text of a path would not show.
    """
    current = list(start)
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not current:
                raise UnsafeArchiveError(archive, member, "points outside the destination directory")
            current.pop()
            continue
        if "/".join(current) in links:
            raise UnsafeArchiveError(archive, member, "goes through a symbolic link of the archive")
        current.append(part)
    return current


def extract_tarfile(tarfile_path: str, unpack_dir: str) -> None:
    with _readable(tarfile_path):
        _extract_tarfile(tarfile_path, unpack_dir)


def _extract_tarfile(tarfile_path: str, unpack_dir: str) -> None:
    root = os.path.realpath(unpack_dir)
    with tarfile.open(tarfile_path, "r:*") as archive:
        members = archive.getmembers()
        seen: Set[str] = set()
        links: Set[str] = set()
        for member in members:
            destination = _checked_destination(tarfile_path, root, member.name)
            parts = _walk(tarfile_path, member.name, [], member.name, links)
            if destination in seen and not member.isdir():
                raise UnsafeArchiveError(tarfile_path, member.name, "appears twice")
            seen.add(destination)
            if member.isdev() or member.isfifo():
                raise UnsafeArchiveError(tarfile_path, member.name, "is a device or FIFO")
            if member.issym() or member.islnk():
                if posixpath.isabs(member.linkname):
                    raise UnsafeArchiveError(tarfile_path, member.name, "links to an absolute path")
                # A symlink is relative to its directory; a hardlink names another member.
                start = parts[:-1] if member.issym() else []
                _walk(tarfile_path, member.name, start, member.linkname, links)
                if member.issym():
                    links.add("/".join(parts))
        for member in members:
            # Never carry over the archive's owner or odd permission bits.
            member.mode = (member.mode & 0o755) | (0o755 if member.isdir() else 0o644)
            member.uid = member.gid = 0
            member.uname = member.gname = ""
        if hasattr(tarfile, "data_filter"):
            archive.extractall(root, members=members, filter="data")
        else:  # pragma: no cover - Python without PEP 706; the checks above hold the line
            archive.extractall(root, members=members)
