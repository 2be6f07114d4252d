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
from typing import Dict, Iterator, List, Optional, Set, Tuple

from .paths import is_within
from .exceptions import CorruptArchiveError, UnsafeArchiveError


def _checked_destination(archive: str, root: str, member: str) -> str:
    """The absolute path ``member`` would be written to, refusing any escape."""
    if member.startswith(("/", "\\")) or posixpath.isabs(member) or (len(member) > 1 and member[1] == ":"):
        raise UnsafeArchiveError(archive, member, "has an absolute path")
    destination = os.path.normpath(os.path.join(root, member))
    if not is_within(destination, root):
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


def member_sizes(archive: str) -> Dict[str, int]:
    """The uncompressed size of each regular file in a zip or tar archive, by member name; nothing written.

    A tar archive's index is its headers, so a compressed one is read through.
    Raises :class:`CorruptArchiveError` for an archive that cannot be read.
    """
    with _readable(archive):
        if archive.endswith(".zip"):
            with zipfile.ZipFile(archive) as opened:
                return {info.filename: info.file_size for info in opened.infolist() if not info.is_dir()}
        with tarfile.open(archive, "r:*") as opened:
            return {member.name: member.size for member in opened if member.isfile()}


def extract_zipfile(zipfile_path: str, unpack_dir: str) -> None:
    with _readable(zipfile_path):
        _extract_zipfile(zipfile_path, unpack_dir)


def _extract_zipfile(zipfile_path: str, unpack_dir: str) -> None:
    root = os.path.realpath(unpack_dir)
    with zipfile.ZipFile(zipfile_path) as archive:
        _check_zip_members(zipfile_path, archive, root)
        archive.extractall(root)


def _check_zip_members(zipfile_path: str, archive: zipfile.ZipFile, root: str) -> None:
    seen = set()
    for info in archive.infolist():
        destination = _checked_destination(zipfile_path, root, info.filename)
        if destination in seen and not info.is_dir():
            raise UnsafeArchiveError(zipfile_path, info.filename, "appears twice")
        seen.add(destination)
        mode = info.external_attr >> 16
        if mode and (mode & 0o170000) == 0o120000:
            raise UnsafeArchiveError(zipfile_path, info.filename, "is a symbolic link")


_ANY_ROOT = os.path.abspath(os.path.join(os.sep, "unpacked"))  # where members are checked to land


def check_members(archive_path: str) -> None:
    """Refuse (:class:`UnsafeArchiveError`) an archive that unpacking would refuse, reading only its index: a
    member out of the destination, a link out of it, a device, a member twice (the second hides the first)."""
    with _readable(archive_path):
        if archive_path.endswith(".zip"):
            with zipfile.ZipFile(archive_path) as archive:
                _check_zip_members(archive_path, archive, _ANY_ROOT)
            return
        with tarfile.open(archive_path, "r:*") as archive:
            _check_tar_members(archive_path, archive.getmembers(), _ANY_ROOT)


def read_root_file(archive_path: str, filename: str) -> Optional[bytes]:
    """The bytes of ``filename`` where unpacking the archive would put it at its root, without unpacking it.

    The root is the archive's one top-level directory when everything is in
    it, as in an sdist, else the archive's own root. None when no regular file
    of that name is there. The archive is checked as for unpacking first: one
    that would be refused raises :class:`UnsafeArchiveError` all the same.
    """
    with _readable(archive_path):
        if archive_path.endswith(".zip"):
            with zipfile.ZipFile(archive_path) as archive:
                _check_zip_members(archive_path, archive, _ANY_ROOT)
                infos = {info.filename: info for info in archive.infolist()}
                name = _root_member([(info.filename, info.is_dir()) for info in infos.values()], filename)
                return None if name is None else archive.read(infos[name])
        with tarfile.open(archive_path, "r:*") as archive:
            members = archive.getmembers()
            _check_tar_members(archive_path, members, _ANY_ROOT)
            name = _root_member([(member.name, member.isdir()) for member in members], filename)
            found = [member for member in members if member.name == name and member.isfile()]
            if not found:
                return None
            stream = archive.extractfile(found[0])
            return None if stream is None else stream.read()


def _root_member(names: List[Tuple[str, bool]], filename: str) -> Optional[str]:
    """Which of the archive's member names (with whether each is a directory) unpacks to ``filename`` at
    the root (see :func:`read_root_file`)."""
    normalized = [(posixpath.normpath(name).lstrip("/"), name, is_dir) for name, is_dir in names]
    normalized = [entry for entry in normalized if entry[0] not in ("", ".")]
    tops = {path.split("/")[0] for path, _, _ in normalized}
    root = ""
    if len(tops) == 1:
        top = tops.pop()
        if any(path != top or is_dir for path, _, is_dir in normalized):
            root = top + "/"
    matches = [name for path, name, is_dir in normalized if path == root + filename and not is_dir]
    return matches[0] if len(matches) == 1 else None


def _check_tar_members(tarfile_path: str, members: List[tarfile.TarInfo], root: str) -> None:
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
        _check_tar_members(tarfile_path, members, root)
        for member in members:
            # Never carry over the archive's owner or odd permission bits.
            member.mode = (member.mode & 0o755) | (0o755 if member.isdir() else 0o644)
            member.uid = member.gid = 0
            member.uname = member.gname = ""
        if hasattr(tarfile, "data_filter"):
            archive.extractall(root, members=members, filter="data")
        else:  # pragma: no cover - Python without PEP 706; the checks above hold the line
            archive.extractall(root, members=members)
