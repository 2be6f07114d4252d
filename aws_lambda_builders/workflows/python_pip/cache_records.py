"""The build cache's records: what a tree's manifest says of each file, what a build placed, what the cache holds.

A tree's manifest (``trees/<sha256 of a wheel>.json``) is the JSON document
``{"layout": ..., "wheel": <file name>, "files": {<relative path>: [size,
mtime_ns, mode, digest, compressed size], ...}}``; each file's list is a
:class:`FileFacts` as :meth:`FileFacts.to_json` writes it. A build's record
(``builds/<key>.json``) is a :class:`Placement`, with the :class:`ResolutionFacts` of the build that
recorded it.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

TREE_LAYOUT = "2"  # bumped with any change to how wheel_install lays a wheel out
_tuple_new = tuple.__new__


class FileFacts(NamedTuple):
    """One file of an unpacked wheel as its tree's manifest records it.

    On disk it is the list ``[size, mtime_ns, mode, digest, compressed_size]``
    (:meth:`to_json`). Manifests of an older layout, written before compressed
    sizes were recorded, have the first four values only: the compressed size
    is then unknown. A list without a digest is read with an empty one, which
    no file's bytes have.
    """

    size: int  # bytes
    mtime_ns: int  # as the tree's file had it when unpacked
    mode: int  # permission bits (read-only: the cache's files are never written through a link)
    digest: str = ""  # RECORD's form, ``sha256=<urlsafe base64, unpadded>``, which the bytes were held to
    compressed_size: Optional[int] = None  # what the file takes deflated in a ZIP; None: not known

    @classmethod
    def from_json(cls, values: Any) -> "FileFacts":
        """The facts of a manifest's list (ValueError: not a list of at least size, mtime and mode)."""
        if type(values) is list and len(values) == 5 and type(values[3]) is str and type(values[4]) is int:
            return _tuple_new(cls, values)  # as to_json writes it: read for each file of each rebuild, so fast
        if not isinstance(values, list) or len(values) < 3:
            raise ValueError(f"not a file's facts: {values!r}")
        digest = str(values[3]) if len(values) > 3 else ""
        compressed = values[4] if len(values) > 4 and isinstance(values[4], int) else None
        return cls(values[0], values[1], values[2], digest, compressed)

    def to_json(self) -> List[object]:
        return [self.size, self.mtime_ns, self.mode, self.digest, self.compressed_size]


class PlacedFileFacts(NamedTuple):
    """What :meth:`BuildCache.file_facts` tells of a placed file, without reading it (unpacks as a 3-tuple)."""

    size: int
    mtime_ns: int
    compressed_size: Optional[int]  # None where the wheel did not hold the file as it is (RECORD)


def tree_layout() -> str:
    """What decides how a wheel is unpacked: this tool's version (its install rules)."""
    from aws_lambda_builders import __version__

    return f"{TREE_LAYOUT}-{__version__}"


def read_tree_manifest(path: str) -> Dict[str, Any]:
    """The tree manifest at ``path`` as written, whatever version wrote it (OSError, ValueError)."""
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ValueError("no file list")
    return manifest


def tree_files(manifest: Dict[str, Any]) -> Dict[str, FileFacts]:
    """Each file of a manifest of this version's layout, by relative path (ValueError: another layout, or
    a file whose facts cannot be read)."""
    if manifest.get("layout") != tree_layout():
        raise ValueError(f"unpacked by another version ({manifest.get('layout')})")
    facts = FileFacts.from_json
    return {relative: facts(values) for relative, values in manifest["files"].items()}


def tree_manifest(wheel: str, files: Dict[str, FileFacts]) -> Dict[str, object]:
    """The JSON document of the manifest of a tree unpacked now from the wheel named ``wheel``."""
    return {"layout": tree_layout(), "wheel": wheel,
            "files": {relative: facts.to_json() for relative, facts in files.items()}}


class ResolutionFacts(NamedTuple):
    """When a recorded build's closure was resolved, and which of its distributions no requirement pins.

    A build with nothing unpinned (``pinning.unpinned_distributions``) installs the same versions whenever it
    is resolved; one with unpinned distributions may install newer ones once they are released, so its record
    is reused only while it is young enough (``resolution_age``).
    """

    resolved_at: float  # seconds since the epoch, when pip was asked
    unpinned: Tuple[str, ...] = ()  # names of the installed distributions no requirement pins (empty: fully pinned)

    def to_json(self) -> Dict[str, object]:
        return {"resolved_at": self.resolved_at, "unpinned": list(self.unpinned)}

    @classmethod
    def from_json(cls, data: Any) -> Optional["ResolutionFacts"]:
        """The facts :meth:`to_json` wrote, or None for a record without them (one written before they were)."""
        if not isinstance(data, dict) or not isinstance(data.get("resolved_at"), (int, float)):
            return None
        return cls(float(data["resolved_at"]), tuple(str(name) for name in data.get("unpinned") or ()))


class Placement:
    """What a build placed in a bundle from the cache: each file (relative path) and the tree it is from;
    read from a build's record, also when that build's closure was resolved (``resolution``)."""

    def __init__(self, files: Optional[Dict[str, str]] = None, resolution: Optional[ResolutionFacts] = None) -> None:
        self.files: Dict[str, str] = {} if files is None else files  # relative path -> sha256 of its tree
        self.resolution = resolution  # None: not recorded (a placement made now, or an older record)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Placement) and other.files == self.files

    def __repr__(self) -> str:
        return f"Placement({len(self.files)} files from {len(set(self.files.values()))} trees)"

    def to_json(self) -> Dict[str, object]:
        trees = sorted(set(self.files.values()))
        index = {tree: number for number, tree in enumerate(trees)}
        document: Dict[str, object] = {"trees": trees,
                                       "files": [[path, index[tree]] for path, tree in sorted(self.files.items())]}
        if self.resolution is not None:
            document["resolution"] = self.resolution.to_json()
        return document

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Placement":
        """The placement :meth:`to_json` wrote, from the JSON document read back."""
        trees = list(data["trees"])
        return cls({path: trees[number] for path, number in data["files"]},
                   ResolutionFacts.from_json(data.get("resolution")))


class CacheContents(NamedTuple):
    """Counts of entries of each kind, and their bytes (a file linked twice counted once)."""

    builds: int
    trees: int
    built: int
    size: int
