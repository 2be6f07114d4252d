"""What a requirement line names on this machine: a local project directory or archive, resolved as pip
resolves it, and every file and directory a build reads besides its requirements file.

Light on purpose: an unchanged rebuild asks ``build_inputs`` which paths its
output may not hold, before it does anything else.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from typing import List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .requirements_file import read_requirements_file

_EXTRAS = re.compile(r"^(.+)(\[[^\]]+\])$")  # pip's _strip_extras


class LocalLocation(NamedTuple):
    """What a requirement line names, when it names a local directory."""

    directory: str  # absolute
    rewrite: str  # the line with "{}" where the directory's path goes, not editable


def looks_like_path(text: str) -> bool:
    """pip's test of a requirement that is meant as a path (``_looks_like_path``)."""
    return os.sep in text or (os.altsep is not None and os.altsep in text) or text.startswith(".")


def local_location(requirement: str, editable: bool, cwd: str) -> Optional[LocalLocation]:
    """The local directory ``requirement`` names as pip reads it (against ``cwd``), or None.

    A path (``./pkg``, ``pkg/`` or absolute, with extras and markers), an
    editable directory (``-e pkg``), or a ``file:`` URL of a directory.
    """
    text, marker = requirement, ""
    if editable:
        location, extras = strip_extras(text)
        if location.lower().startswith("file:"):
            path = file_url_path(location)
            return LocalLocation(path, "{}" + extras) if path and os.path.isdir(path) else None
        path = os.path.join(cwd, location)
        return LocalLocation(os.path.normpath(path), "{}" + extras) if os.path.isdir(path) else None
    name, at, url = text.partition(" @ ")
    if at and url.strip().lower().startswith("file:"):  # name @ file:///dir
        url, _, marker = url.partition(";")
        path = file_url_path(url.strip())
        if path and os.path.isdir(path):
            return LocalLocation(path, name.strip() + " @ {}" + (";" + marker if marker else ""))
        return None
    if text.lower().startswith("file:"):
        url, _, marker = text.partition("; ")
        path = file_url_path(url.strip())
        if path and os.path.isdir(path):
            return LocalLocation(path, "{}" + ("; " + marker if marker else ""))
        return None
    location, _, marker = text.partition(";")
    location, extras = strip_extras(location.strip())
    path = os.path.join(cwd, location)
    if looks_like_path(location) and os.path.isdir(path):
        return LocalLocation(os.path.normpath(path), "{}" + extras + (";" + marker if marker else ""))
    return None


def build_inputs(requirements_path: str, pip_options: Sequence[str] = (), cwd: Optional[str] = None,
                 environ: Optional[Mapping[str, str]] = None) -> List[Tuple[str, str]]:
    """What a build reads besides the requirements file itself, as ``(path, what it is)``.

    Every file it includes (``-r``, ``-c``), every local project or archive a
    requirement names (resolved as pip resolves it), and every local
    ``--find-links`` directory (of ``pip_options``, the files and
    ``PIP_FIND_LINKS``). Replacing an output that holds one would delete an
    input of the build.
    """
    from .cache_key import find_links

    cwd = os.path.abspath(cwd or os.getcwd())
    environ = os.environ if environ is None else environ
    requirements = read_requirements_file(requirements_path)
    inputs = [(path, "included requirements file") for path in requirements.files[1:]]
    for line in requirements.requirements + requirements.constraints:
        location = local_location(line.requirement, line.editable, cwd)
        if location is not None:
            inputs.append((location.directory, f"local project {line.requirement}"))
            continue
        written = strip_extras(line.requirement.split(";")[0].strip())[0]
        archive = file_url_path(written) if written.lower().startswith("file:") else os.path.join(cwd, written)
        if archive and looks_like_path(line.requirement) and os.path.exists(archive):
            inputs.append((os.path.normpath(archive), f"local archive {line.requirement}"))
    for link in find_links(list(pip_options) + requirements.pip_options, environ):
        if "://" not in link and link:
            inputs.append((os.path.join(cwd, link), "--find-links directory"))
    return inputs


def strip_extras(text: str) -> Tuple[str, str]:
    match = _EXTRAS.match(text)
    return (match.group(1), match.group(2)) if match else (text, "")


def file_url_path(url: str) -> Optional[str]:
    parsed = urllib.parse.urlsplit(url)
    if parsed.netloc not in ("", "localhost"):
        return None
    return os.path.normpath(urllib.parse.unquote(parsed.path))
