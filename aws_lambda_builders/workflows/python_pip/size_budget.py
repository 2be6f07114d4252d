"""How big the deployment is against Lambda's limits, and what takes the room.

Limits (LAMBDA.md): 50 MB zipped for a direct upload; 250 MB unzipped
(262,144,000 bytes) for the function and all its layers together.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Tuple

from .zip_archive import bundle_files

ZIPPED_LIMIT = 50 * 1024 * 1024
UNZIPPED_LIMIT = 262_144_000


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
        out = [f"unzipped {megabytes(self.unzipped)} of 250 MB ({megabytes(self.unzipped_headroom)} left)"]
        if self.zipped is not None:
            about = "about " if self.zipped_is_estimate else ""
            out.append(f"zipped {about}{megabytes(self.zipped)} of 50 MB for a direct upload "
                       f"({megabytes(ZIPPED_LIMIT - self.zipped)} left)" + (", --zip for the exact size"
                                                                      if self.zipped_is_estimate else ""))
        out += [f"  {megabytes(size):>10}  {name}" for name, size in self.largest]
        return out

    def to_dict(self) -> Dict[str, object]:
        return {"unzipped": self.unzipped, "zipped": self.zipped, "zipped_is_estimate": self.zipped_is_estimate,
                "unzipped_limit": UNZIPPED_LIMIT,
                "zipped_limit": ZIPPED_LIMIT, "largest": [{"name": n, "bytes": s} for n, s in self.largest]}


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def measure(directory: str, zipped: Optional[int] = None, top: int = 5, zipped_is_estimate: bool = False,
            files: Optional[Iterable[Tuple[str, int]]] = None) -> SizeReport:
    """Sizes of a bundle directory; ``largest`` groups files by their top-level package or module.

    ``files`` (archive name, size) spares the walk when the caller knows them.
    """
    by_entry: Dict[str, int] = {}
    total = 0
    if files is None:
        files = ((name, os.path.getsize(path)) for path, name in bundle_files(directory))
    for name, size in files:
        total += size
        top_level = name.split("/", 1)[0]
        by_entry[top_level] = by_entry.get(top_level, 0) + size
    largest = sorted(by_entry.items(), key=lambda item: (-item[1], item[0]))[:top]
    return SizeReport(total, zipped, largest, zipped_is_estimate)
