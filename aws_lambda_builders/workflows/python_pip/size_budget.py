"""How big the deployment is against Lambda's limits, and what takes the room.

Limits (LAMBDA.md): 50 MB zipped for a direct upload; 250 MB unzipped
(262,144,000 bytes) for the function and all its layers together: AWS's MB
is 2^20 bytes, so they are 50 MiB and 250 MiB, as the report shows them (``units``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, Iterable, List, Mapping, Optional, Tuple

from .units import MIB, format_size
from .zip_archive import bundle_files, write_zip, zip_size

if TYPE_CHECKING:
    from .cache_records import PlacedFileFacts, Placement

# The zip level of a size estimate: fast, and some 15% above the real zip's size.
ESTIMATE_LEVEL = 1
ZIPPED_LIMIT = 50 * MIB  # 52,428,800 bytes
UNZIPPED_LIMIT = 250 * MIB  # 262,144,000 bytes


class SizeReport:
    """A bundle's sizes against the limits, and its largest top-level entries."""

    def __init__(self, unzipped: int, zipped: Optional[int], largest: Optional[List[Tuple[str, int]]] = None,
                 zipped_is_estimate: bool = False) -> None:
        self.unzipped = unzipped
        self.zipped = zipped
        self.largest: List[Tuple[str, int]] = largest or []  # top-level entry -> bytes
        self.zipped_is_estimate = zipped_is_estimate  # computed without writing the zip: about its size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SizeReport) and vars(other) == vars(self)

    def __repr__(self) -> str:
        return "SizeReport(%s)" % ", ".join(f"{name}={value!r}" for name, value in vars(self).items())

    @property
    def unzipped_headroom(self) -> int:
        return UNZIPPED_LIMIT - self.unzipped

    @property
    def zipped_headroom(self) -> Optional[int]:
        return None if self.zipped is None else ZIPPED_LIMIT - self.zipped

    @property
    def over_unzipped_limit(self) -> bool:
        return self.unzipped > UNZIPPED_LIMIT

    def lines(self) -> List[str]:
        out = [f"unzipped {format_size(self.unzipped)} of {UNZIPPED_LIMIT // MIB} MiB "
               f"({_headroom(self.unzipped_headroom)})"]
        if self.zipped is not None:
            about = "about " if self.zipped_is_estimate else ""
            out.append(f"zipped {about}{format_size(self.zipped)} of {ZIPPED_LIMIT // MIB} MiB for a direct upload "
                       f"({_headroom(ZIPPED_LIMIT - self.zipped)})" + (", --zip for the exact size"
                                                                        if self.zipped_is_estimate else ""))
        out += [f"  {format_size(size):>10}  {name}" for name, size in self.largest]
        return out

    def to_dict(self) -> Dict[str, object]:
        """Exact byte counts, each named for its unit."""
        return {"unzipped_bytes": self.unzipped, "zipped_bytes": self.zipped,
                "zipped_is_estimate": self.zipped_is_estimate, "unzipped_limit_bytes": UNZIPPED_LIMIT,
                "zipped_limit_bytes": ZIPPED_LIMIT, "largest": [{"name": n, "bytes": s} for n, s in self.largest]}


def _headroom(left: int) -> str:
    return f"{format_size(left)} left" if left >= 0 else f"{format_size(-left)} over"


def measure(directory: str, zipped: Optional[int] = None, top: int = 5, zipped_is_estimate: bool = False,
            files: Optional[Iterable[Tuple[str, int]]] = None, packages_under: str = "") -> SizeReport:
    """Sizes of a bundle directory; ``largest`` groups files by their top-level package or module.

    ``packages_under`` (``python`` for a layer) is the directory that holds the
    packages: its files are grouped by the entry they are in within it
    (``python/numpy``), so that a layer's report names its packages.
    ``files`` (archive name, size) spares the walk when the caller knows them.
    Sizes are those the zip holds and Lambda unzips: every file the zip takes
    (``zip_archive.bundle_files``, no bytecode) in full, each name once, even
    when it is a hard link into the build cache, whose own sizes
    (``cache_files.bytes_under``) count each inode once instead.
    """
    by_entry: Dict[str, int] = {}
    total = 0
    if files is None:
        files = ((name, os.path.getsize(path)) for path, name in bundle_files(directory))
    for name, size in files:
        total += size
        entry = _package_entry(name, packages_under)
        by_entry[entry] = by_entry.get(entry, 0) + size
    largest = sorted(by_entry.items(), key=lambda item: (-item[1], item[0]))[:top]
    return SizeReport(total, zipped, largest, zipped_is_estimate)


def _package_entry(name: str, packages_under: str) -> str:
    """The entry of the size report an archive name counts in: its top-level one, or the one it is in under
    ``packages_under``."""
    parts = name.split("/")
    if packages_under and len(parts) > 2 and parts[0] == packages_under:
        return "/".join(parts[:2])
    return parts[0]


def bundle_sizes(root: str, libraries: str, facts: Mapping[str, "PlacedFileFacts"],
                 placed_as_is: Optional["Placement"], zip_staging: Optional[str] = None,
                 allow_oversize: bool = False) -> SizeReport:
    """The bundle's size report (with ``zip_staging``, the zip written there); raises when it is too large.

    ``facts`` are what the cache knows of the files it placed; ``placed_as_is``
    is the cache's build when the bundle is exactly what it placed: then the
    sizes are sums of what the cache knows, without a walk.
    """
    placed = placed_files(root, libraries, facts) if placed_as_is is not None and \
        len(facts) == len(placed_as_is.files) else None
    entries = None if placed is None else [(path, name) for path, name, _ in placed]
    if zip_staging is not None:
        zipped = write_zip(root, zip_staging)
    else:
        zipped = zipped_size(root, libraries, facts, entries)
    packages_under = os.path.relpath(libraries, root).replace(os.sep, "/") if libraries != root else ""
    report = measure(root, zipped, zipped_is_estimate=zip_staging is None,
                     files=None if placed is None else [(name, size) for _, name, size in placed],
                     packages_under=packages_under)
    if report.over_unzipped_limit and not allow_oversize:
        from .exceptions import BundleTooLargeError

        raise BundleTooLargeError(report.unzipped, [name for name, _ in report.largest])
    return report


def placed_files(root: str, libraries: str, facts: Mapping[str, "PlacedFileFacts"]) -> List[Tuple[str, str, int]]:
    """``(path, archive name, size)`` of the placed files that ``bundle_files`` would find in ``root``."""
    prefix = os.path.relpath(libraries, root).replace(os.sep, "/") + "/" if libraries != root else ""
    return [(os.path.join(libraries, relative), prefix + relative, known.size) for relative, known
            in sorted(facts.items())
            if not relative.endswith(".pyc") and "__pycache__" not in relative.split("/")[:-1]]


def zipped_size(root: str, libraries: str, facts: Mapping[str, "PlacedFileFacts"],
                entries: Optional[List[Tuple[str, str]]]) -> int:
    """About the size the deployment zip would have, computed without writing it.

    A file placed from the cache, and unchanged since, counts with the size it
    had compressed in its wheel (about the zip's own); any other file is
    compressed here at the fast level, which gives some 15% more than the real
    zip: an estimate on the safe side of the 50 MiB limit. With ``entries``
    (the bundle is what the cache placed) nothing is walked or checked.
    """
    known: Dict[str, int] = {}
    for relative, placed in facts.items():
        if placed.compressed_size is None:
            continue
        path = os.path.join(libraries, relative)
        if entries is None:
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if info.st_size != placed.size or info.st_mtime_ns != placed.mtime_ns:
                continue
        known[path] = placed.compressed_size
    return zip_size(root, ESTIMATE_LEVEL, known, entries)
