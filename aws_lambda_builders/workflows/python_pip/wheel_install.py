"""Installing a wheel into a Lambda bundle: its libraries at the root, nothing else.

Lambda puts the bundle root on ``sys.path``, so both ``purelib`` and
``platlib`` (including a wheel's ``<name>-<version>.data/purelib|platlib``)
go there, with the ``.dist-info`` beside them. Scripts, headers and data files
have no place to live on Lambda and are left out. The wheel is checked against
its RECORD (PEP 427) with pypa's ``installer``: names before a byte is written,
each file's size and hash as it is written (one pass over the bytes, not two);
the files of a wheel that fails are removed again.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import io
import logging
import os
import pathlib
import shutil
import zipfile
from typing import (TYPE_CHECKING, BinaryIO, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Set,
                    Tuple, Union)

from installer import install
from packaging.utils import canonicalize_name
from installer.destinations import WheelDestination
from installer.exceptions import InstallerError
from installer.records import Hash, RecordEntry
from installer.sources import WheelFile
from installer.utils import Scheme, construct_record_file, copyfileobj_with_hashing

from .digests import record_digest
from .exceptions import InvalidWheelError

if TYPE_CHECKING:
    from .cache import BuildCache, Placement
    from .utils import OSUtils

LIBRARY_SCHEMES = ("purelib", "platlib")
_CHUNK = 1 << 16
INSTALLER_NAME = b"lambda-pip\n"
LOG = logging.getLogger(__name__)


class BundleDestination(WheelDestination):
    """Writes a wheel's library files under ``root``; drops scripts, headers and data."""

    def __init__(self, root: str, hash_algorithm: str = "sha256") -> None:
        self.root = os.path.abspath(root)
        self.hash_algorithm = hash_algorithm
        self.written: List[str] = []
        self.written_files: Dict[str, WrittenFile] = {}
        self._inside = os.path.join(self.root, "")
        self._made: Set[str] = set()  # directories made so far: thousands of files share a few hundred

    def _path(self, path: str) -> str:
        target = os.path.normpath(os.path.join(self.root, path))
        if not target.startswith(self._inside):
            raise ValueError(f"{path} would be written outside {self.root}")
        return target

    def write_script(self, name: str, module: str, attr: str, section: str) -> RecordEntry:
        # Console scripts cannot be run on Lambda: nothing is written, and the record of what was
        # left out (no hash, no size) is left out of RECORD by finalize_installation.
        return RecordEntry(name, None, None)

    def write_file(self, scheme: Scheme, path: Union[str, "os.PathLike[str]"], stream: BinaryIO,
                   is_executable: bool) -> RecordEntry:
        path = os.fspath(path)
        if scheme not in LIBRARY_SCHEMES:
            return RecordEntry(path, None, None)  # left out of the bundle and of RECORD
        target = self._path(path)
        parent = os.path.dirname(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        if os.path.lexists(target):
            os.unlink(target)  # never write through a link into what it points at
        with open(target, "wb") as f:
            self.written.append(target)
            if isinstance(stream, _RecordCheckedStream) and stream.algorithm == self.hash_algorithm:
                size = _copy(stream, f)
                digest = stream.digest  # RECORD's, which the bytes were just held to: not hashed twice
            else:
                digest, size = copyfileobj_with_hashing(stream, f, self.hash_algorithm)
        if is_executable:
            os.chmod(target, os.stat(target).st_mode | 0o111)
        self.written_files[target] = WrittenFile(f"{self.hash_algorithm}={digest}",
                                                 getattr(stream, "compressed_size", None))
        return RecordEntry(path, Hash(self.hash_algorithm, digest), size)

    def finalize_installation(self, scheme: Scheme, record_file_path: str,
                              records: Iterable[Tuple[Scheme, RecordEntry]]) -> None:
        kept = [(s, r) for s, r in records if s in LIBRARY_SCHEMES]
        record_stream = construct_record_file(kept)
        with record_stream:
            self.write_file(scheme, record_file_path, record_stream, is_executable=False)


def spelled_data_dir(member_names: Iterable[str], distribution: str) -> Optional[str]:
    """The wheel's ``<name>-<version>.data`` directory as spelled in the archive, if it has one.

    Index servers and new tools normalize wheel file names (``foo_bar-1.0-...``)
    while the archive keeps the project's spelling (``Foo_Bar-1.0.data``), so
    the directory is matched by normalized name, not derived from the file name.
    """
    wanted = canonicalize_name(distribution)
    for top in sorted({name.split("/", 1)[0] for name in member_names}):
        if top.endswith(".data") and canonicalize_name(top.rsplit("-", 1)[0]) == wanted:
            return top
    return None


def hoist_library_schemes(osutils: "OSUtils", data_dir: str, root: str) -> None:
    """After a wheel is unzipped into ``root`` (aws-lambda-builders' installation): its ``.data`` directory's
    ``purelib`` and ``platlib`` trees merged into ``root`` and removed; the rest of ``.data`` stays."""
    if not osutils.directory_exists(data_dir):
        return
    for entry in osutils.get_directory_contents(data_dir):
        if entry in LIBRARY_SCHEMES:
            tree = osutils.joinpath(data_dir, entry)
            osutils.copytree(tree, root)
            osutils.rmtree(tree)


class _ArchiveSpelledWheel(WheelFile):
    """A wheel whose ``.data`` directory is found as spelled inside the archive.

    ``installer`` derives it from the file name and, when the spellings differ,
    would copy the ``.data`` tree into the bundle as plain files.
    """

    @property
    def data_dir(self) -> str:
        # installer asks for it once per member: found once, not once per member over all members
        if not hasattr(self, "_spelled_data_dir"):
            self._spelled_data_dir = spelled_data_dir(self._zipfile.namelist(), self.distribution) or super().data_dir
        return self._spelled_data_dir

    def get_contents(self):
        """Each member's stream checks the member against RECORD as it is read: the bytes pass once."""
        for elements, stream, is_executable in super().get_contents():
            if "__pycache__" in elements[0].split("/")[:-1]:
                # installer would skip it with a warning; skipped here, as warnings.catch_warnings
                # is not safe in the threads that unpack wheels side by side
                LOG.debug("%s: skipping %s, bytecode a wheel should not hold", self.distribution, elements[0])
                continue
            record = RecordEntry.from_elements(*elements) if elements[1] else None
            checked = _RecordCheckedStream(stream, record, elements[0])
            checked.compressed_size = self._zipfile.getinfo(elements[0]).compress_size
            yield elements, checked, is_executable


class _RecordCheckedStream(io.RawIOBase):
    """A member's stream that raises at its end if the bytes read do not have RECORD's hash and size."""

    def __init__(self, stream: BinaryIO, record: Optional[RecordEntry], name: str) -> None:
        self.compressed_size: Optional[int] = None  # what the member takes in the wheel's ZIP
        self._stream = stream
        self._name = name
        expected = record.hash_ if record is not None else None
        self._hash = hashlib.new(expected.name) if expected else None
        self._expected_digest = expected.value if expected else ""
        self._expected_size = record.size if record is not None else None
        self._size = 0
        self.algorithm = expected.name if expected else None
        self.digest = ""  # RECORD's digest (urlsafe base64), once every byte has been read and matched it

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if self._hash is None:
            return data
        self._hash.update(data)
        self._size += len(data)
        if not data or size < 0:
            digest = record_digest(self._hash.digest())
            if digest != self._expected_digest or self._size != self._expected_size:
                raise ValueError(f"hash / size of {self._name} didn't match RECORD")
            self.digest = digest
        return data


def _copy(source: BinaryIO, destination: BinaryIO) -> int:
    """Copy to the end of ``source``; the number of bytes."""
    size = 0
    while True:
        chunk = source.read(_CHUNK)
        if not chunk:
            return size
        destination.write(chunk)
        size += len(chunk)


def _check_record_lists_only_present_files(source: WheelFile, name: str) -> None:
    """``installer`` checks that every file is in RECORD; PEP 427 also wants every RECORD entry in the
    wheel, and a member that appears twice could hide a second content behind the first's hash."""
    names = source._zipfile.namelist()
    present = set(names)
    if len(present) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InvalidWheelError(name, f"the archive holds {', '.join(twice)} more than once")
    record = source.read_dist_info("RECORD")
    for row in csv.reader(io.StringIO(record)):
        if row and row[0] and row[0] not in present:
            raise InvalidWheelError(name, f"its RECORD lists {row[0]}, which the wheel does not contain")


def install_wheel(wheel_path: str, root: str) -> List[str]:
    """Install the wheel at ``wheel_path`` into the bundle directory ``root``.

    Returns the files written. Raises :class:`InvalidWheelError` naming the
    wheel and the problem when it is not a valid wheel or fails its RECORD.
    """
    return list(install_wheel_files(wheel_path, root))


class WrittenFile(NamedTuple):
    """A file installed from a wheel: its digest (``sha256=<urlsafe b64>``), as RECORD has it, and the
    bytes it took compressed in the wheel (None for a file the wheel did not hold as it is, RECORD)."""

    digest: str
    compressed_size: Optional[int]


def install_wheel_files(wheel_path: str, root: str) -> Dict[str, WrittenFile]:
    """:func:`install_wheel`, returning each file written with what is known of it."""
    name = os.path.basename(wheel_path)
    destination = BundleDestination(root)
    try:
        with _ArchiveSpelledWheel.open(pathlib.Path(wheel_path)) as source:
            _check_record_lists_only_present_files(source, name)
            source.validate_record(validate_contents=False)
            install(source, destination, {"INSTALLER": INSTALLER_NAME})
    except (InstallerError, ValueError, KeyError, zipfile.BadZipFile) as error:
        for path in destination.written:  # a refused wheel leaves nothing behind
            with contextlib.suppress(OSError):
                os.unlink(path)
        raise InvalidWheelError(name, str(error) or type(error).__name__) from error
    return destination.written_files


def install_wheels(wheels: Sequence[str], destination: str, cache: Optional["BuildCache"],
                   warn: Callable[[str], None]) -> Optional["Placement"]:
    """Install ``wheels`` into the empty ``destination`` in order (a later one wins a file two hold).

    With the cache, their unpacked trees are placed (see ``BuildCache.place_wheels``)
    and the placement returned; a cache that fails is said (``warn``) and the
    wheels are unpacked here instead, unless it failed because the bundle's own
    disk is full. None: the cache placed nothing.
    """
    if cache is not None:
        try:
            return cache.place_wheels(list(wheels), destination)
        except OSError as error:
            if error.errno == errno.ENOSPC and _same_device(cache.root, destination):  # the bundle's disk is full
                raise
            warn(f"the build cache failed ({error}): installing without it")
            shutil.rmtree(destination)
            os.makedirs(destination)
    for wheel in wheels:
        install_wheel(wheel, destination)
    return None


def _same_device(first: str, second: str) -> bool:
    try:
        return os.stat(first).st_dev == os.stat(second).st_dev
    except OSError:
        return False
