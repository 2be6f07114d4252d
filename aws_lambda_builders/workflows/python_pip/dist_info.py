"""What a distribution's ``.dist-info`` says of it: core metadata (METADATA) and the wheel it came from (WHEEL).

Both files are RFC 822 headers, read here with the standard library's
``HeaderParser`` as UTF-8 with undecodable bytes replaced, so that one garbled
file costs a wrong character, not the reading of the bundle.
``importlib.metadata.Distribution.at(path)`` reads the same files but would
not do here: it decodes strictly (a stray byte raises ``UnicodeDecodeError``),
reads ``PKG-INFO`` where METADATA is missing (the bundle's readers fall back to
the directory's name), and answers a missing header differently from one
Python to the next (None, a warning, ``KeyError``).
"""

from __future__ import annotations

import os
from email.message import Message
from email.parser import HeaderParser
from typing import List, Optional, Tuple

SUFFIX = ".dist-info"


def parse_headers(text: str) -> Message:
    """The headers of a dist-info file's text (METADATA, WHEEL): ``message["Name"]``, ``get_all("Tag")``."""
    return HeaderParser().parsestr(text)


def read_headers(dist_info_path: str, name: str) -> Optional[Message]:
    """The headers of the file ``name`` (``"METADATA"``, ``"WHEEL"``) in the dist-info directory
    ``dist_info_path``; None when there is no such file."""
    path = os.path.join(dist_info_path, name)
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        return HeaderParser().parse(f)


def name_and_version_from_directory(dist_info_path: str) -> Tuple[str, str]:
    """``(name, version)`` as the directory's name spells them (``<name>-<version>.dist-info``); the
    version is ``""`` when the name has none. All there is of a dist-info without METADATA."""
    name, _, version = os.path.basename(dist_info_path)[: -len(SUFFIX)].partition("-")
    return name, version


def name_and_version(dist_info_path: str) -> Tuple[str, str]:
    """``(Name, Version)`` from the dist-info's METADATA (``""`` for a missing Version); from the
    directory's name when METADATA is missing or names nothing."""
    metadata = read_headers(dist_info_path, "METADATA")
    if metadata is not None and metadata.get("Name"):
        return metadata["Name"], metadata.get("Version", "")
    return name_and_version_from_directory(dist_info_path)


def requires_dist(dist_info_path: str) -> List[str]:
    """The ``Requires-Dist`` values of the dist-info's METADATA, as written (markers and all); none when
    there is no METADATA or it declares no requirement."""
    metadata = read_headers(dist_info_path, "METADATA")
    return (metadata.get_all("Requires-Dist") or []) if metadata is not None else []


def wheel_file_tags(dist_info_path: str) -> List[str]:
    """The ``Tag`` values of the dist-info's WHEEL file, as written (compressed tag sets such as
    ``py2.py3-none-any`` not expanded); none when there is no WHEEL file or it names no tag."""
    wheel = read_headers(dist_info_path, "WHEEL")
    return (wheel.get_all("Tag") or []) if wheel is not None else []
