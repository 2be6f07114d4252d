"""A pylock.toml (PEP 751) for one or several Lambda targets, from what pip resolved and downloaded for each.

Pure: it takes each target's resolution as records and returns the TOML text. A release every target
resolved alike has no marker; one only some targets take (or another version of it) is marked with those
targets' environments, and the lock's ``environments`` lists every target it was made for, so that it is
never installed for another (``packaging.pylock`` refuses it, and so does ``lambda-pip build``).
"""

from __future__ import annotations

import json
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from .target import LambdaTarget


class LockedDownload(NamedTuple):
    """One file (or local project) pip resolved for a target."""

    name: str  # normalized
    version: str
    kind: str  # "wheel", "sdist" or "directory"
    location: str  # the file's URL; a directory's path relative to the lock
    sha256: Optional[str]  # the file's digest (None for a directory)
    filename: str = ""


def target_marker(target: LambdaTarget) -> str:
    """The PEP 508 marker that holds on ``target`` and on no other Lambda target."""
    return (f"python_version == '{target.python_version[0]}.{target.python_version[1]}' "
            f"and platform_machine == '{target.machine}' and sys_platform == 'linux'")


class _Release(NamedTuple):
    targets: List[LambdaTarget]  # the targets that take it
    files: Dict[str, LockedDownload]  # by file name (a directory by its path)


def pylock_text(resolutions: Sequence[Tuple[LambdaTarget, Sequence[LockedDownload]]], command: str) -> str:
    """The pylock.toml of ``resolutions`` (each target with what pip took for it), headed by ``command``."""
    targets = [target for target, _ in resolutions]
    releases: Dict[Tuple[str, str], _Release] = {}
    for target, downloads in resolutions:
        for download in downloads:
            release = releases.setdefault((download.name, download.version), _Release([], {}))
            if target not in release.targets:
                release.targets.append(target)
            release.files[download.filename or download.location] = download
    lines = [f"# Written by {command}", "# for " + ", ".join(t.describe() for t in targets) + ".",
             'lock-version = "1.0"',
             "environments = [" + ", ".join(_string(target_marker(t)) for t in targets) + "]",
             'created-by = "lambda-pip"', ""]
    for (name, version), release in sorted(releases.items()):
        downloads = sorted(release.files.values(), key=lambda d: (d.kind, d.filename or d.location))
        lines += ["[[packages]]", f"name = {_string(name)}"]
        if not any(d.kind == "directory" for d in downloads):
            lines.append(f"version = {_string(version)}")
        if len(release.targets) < len(targets):
            lines.append("marker = " + _string(" or ".join(f"({target_marker(t)})" for t in release.targets)))
        lines += _files(downloads)
        lines.append("")
    return "\n".join(lines)


def _files(downloads: Iterable[LockedDownload]) -> List[str]:
    downloads = list(downloads)
    directories = [d for d in downloads if d.kind == "directory"]
    if directories:
        return [f"directory = {{ path = {_string(directories[0].location)} }}"]
    lines = []
    for sdist in [d for d in downloads if d.kind == "sdist"][:1]:
        lines.append(f"sdist = {_file(sdist)}")
    wheels = [d for d in downloads if d.kind == "wheel"]
    if wheels:
        lines.append("wheels = [")
        lines += [f"    {_file(wheel)}," for wheel in wheels]
        lines.append("]")
    return lines


def _file(download: LockedDownload) -> str:
    return f"{{ url = {_string(download.location)}, hashes = {{ sha256 = {_string(download.sha256 or '')} }} }}"


def _string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (``\\"``, ``\\\\``, ``\\n``, ``\\uXXXX``)."""
    return json.dumps(value, ensure_ascii=False)
