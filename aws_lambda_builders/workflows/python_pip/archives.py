"""Unpacking sdists (zip, tar.gz, tar.bz2) so that no member can land outside the destination.

Archives come from the internet. Every member is checked before anything is
written: no absolute path, no ``..`` that leaves the destination (a sibling
directory whose name shares a prefix included), no link pointing outside it,
no device or FIFO. A refused archive raises :class:`UnsafeArchiveError` naming
the archive and the member.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
import zipfile

from .exceptions import UnsafeArchiveError


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


def extract_zipfile(zipfile_path: str, unpack_dir: str) -> None:
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


def extract_tarfile(tarfile_path: str, unpack_dir: str) -> None:
    root = os.path.realpath(unpack_dir)
    with tarfile.open(tarfile_path, "r:*") as archive:
        members = archive.getmembers()
        seen = set()
        for member in members:
            destination = _checked_destination(tarfile_path, root, member.name)
            if destination in seen and not member.isdir():
                raise UnsafeArchiveError(tarfile_path, member.name, "appears twice")
            seen.add(destination)
            if member.isdev() or member.isfifo():
                raise UnsafeArchiveError(tarfile_path, member.name, "is a device or FIFO")
            if member.issym():
                target = os.path.normpath(os.path.join(os.path.dirname(destination), member.linkname))
                if posixpath.isabs(member.linkname) or not _inside(root, target):
                    raise UnsafeArchiveError(tarfile_path, member.name, "links outside the destination directory")
            elif member.islnk():
                _checked_destination(tarfile_path, root, member.linkname)
        for member in members:
            # Never carry over the archive's owner or odd permission bits.
            member.mode = (member.mode & 0o755) | (0o755 if member.isdir() else 0o644)
            member.uid = member.gid = 0
            member.uname = member.gname = ""
        if hasattr(tarfile, "data_filter"):
            archive.extractall(root, members=members, filter="data")
        else:  # pragma: no cover - Python without PEP 706; the checks above hold the line
            archive.extractall(root, members=members)
