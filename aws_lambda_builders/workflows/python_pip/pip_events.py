"""What pip is doing, read from its output line by line while it runs: the events progress shows.

pip's JSON report says what a build downloaded once pip has finished; while it
works, only its output says what it is at. These are the lines pip (19 to 25)
prints when its output is not a terminal, each read into a ``PipEvent``; any
other line is none.
"""

from __future__ import annotations

import os
import re
from typing import Callable, NamedTuple, Optional

# What pip is at, in the order a build meets them.
RESOLVING = "resolving"  # a requirement pip is looking for (its name, or the path or URL given)
DOWNLOADING = "downloading"  # a file pip fetches (detail: its size as pip writes it, "62 kB")
CACHED = "cached"  # a file pip takes from its own HTTP cache instead
SAVED = "saved"  # a file ``pip download`` has written to its destination
BUILDING = "building"  # a wheel pip starts building from an sdist or project (name as pip writes it)
BUILT = "built"  # that build finished (detail: "done", or pip's status for a failure)


class PipEvent(NamedTuple):
    kind: str
    name: str  # a project name, a file name, or what the requirement said
    detail: str = ""


_COLLECTING = re.compile(r"^Collecting (?P<what>\S+)")
_DOWNLOADING = re.compile(r"^\s*Downloading (?P<file>\S+) \((?P<size>[^)]*)\)")
_CACHED = re.compile(r"^\s*Using cached (?P<file>\S+)(?: \((?P<size>[^)]*)\))?")
_SAVED = re.compile(r"^Saved (?P<path>.+?)\s*$")
_BUILDING = re.compile(r"^\s*Building wheel for (?P<name>\S+) \([^)]*\)(?:: started)?\s*$")
_BUILT = re.compile(r"^\s*Building wheel for (?P<name>\S+) \([^)]*\): finished with status '(?P<status>[^']*)'")
_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_SIZE = re.compile(r"^(?P<number>\d+(?:\.\d+)?) ?(?P<unit>bytes|kB|MB|GB)$")
_DECIMAL = {"bytes": 1, "kB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3}  # pip's units are decimal


def pip_event(line: str) -> Optional[PipEvent]:
    """The event a line of pip's output reports, or None."""
    match = _COLLECTING.match(line)
    if match:
        what = match.group("what")
        name = _NAME.match(what)
        # "requests>=2", "urllib3<3,>=1.21.1": the project's name; a path or URL as given
        return PipEvent(RESOLVING, name.group(0) if name and not what.startswith((".", "/")) and ":" not in what
                        else what)
    match = _DOWNLOADING.match(line)
    if match:
        if match.group("file").endswith(".metadata"):  # PEP 658: only the metadata, while resolving
            return None
        return PipEvent(DOWNLOADING, _file_name(match.group("file")), match.group("size"))
    match = _CACHED.match(line)
    if match:
        if match.group("file").endswith(".metadata"):
            return None
        return PipEvent(CACHED, _file_name(match.group("file")), match.group("size") or "")
    match = _SAVED.match(line)
    if match:
        return PipEvent(SAVED, os.path.basename(match.group("path")))
    match = _BUILT.match(line)
    if match:
        return PipEvent(BUILT, match.group("name"), match.group("status"))
    match = _BUILDING.match(line)
    if match:
        return PipEvent(BUILDING, match.group("name"))
    return None


def size_in_bytes(detail: str) -> Optional[int]:
    """The size pip wrote (``62 kB``, ``1.2 MB``: decimal units) in bytes, about; None for anything else."""
    match = _SIZE.match(detail.strip())
    if not match:
        return None
    return round(float(match.group("number")) * _DECIMAL[match.group("unit")])


def _file_name(url_or_name: str) -> str:
    """``requests-2.31.0-py3-none-any.whl`` from itself or from a URL pip shows."""
    return url_or_name.rstrip("/").rsplit("/", 1)[-1].split("#", 1)[0]


def line_reader(receiver: Callable[[PipEvent], None]) -> Callable[[bytes], None]:
    """A receiver of pip's output lines (bytes) that passes each event in them to ``receiver``."""

    def read(line: bytes) -> None:
        event = pip_event(line.decode("utf-8", "replace"))
        if event is not None:
            receiver(event)

    return read
