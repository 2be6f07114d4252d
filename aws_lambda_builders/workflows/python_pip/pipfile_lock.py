"""A ``Pipfile.lock`` read for one Lambda target: the releases ``pipenv sync`` would install there.

Pipfile.lock (JSON, pipfile-spec 6) is already flat: each category (``default``, ``develop``, and any other
that newer pipenv writes, such as ``tests``) maps every package it installs to its pinned ``version``, its
``hashes`` and the ``markers`` under which it applies. The target installs ``default`` and each category asked
for as a group (``dev`` is ``develop``), less the entries whose markers do not hold there.

The lock names no file, only digests: a release is its name, version and hashes, and pip chooses among the
index's files the one that matches (an entry's ``index`` is a source of ``_meta``, which must be one pip is
configured with). A local project (``path``) is its directory, unless it is the function's own (``"."``),
which is not installed; ``git`` is a checkout at its ``ref``, ``file`` an archive's URL.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Mapping, Optional, Sequence

from packaging.utils import canonicalize_name

from .lock_entries import file_url, local_path, marker_holds, vcs_reference
from .lock_errors import LockFileError
from .locked import LockedInput, LockedRelease

_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
_NOT_CATEGORIES = ("_meta", "default")


def read_pipfile_lock(path: str, environment: Mapping[str, str], extras: Sequence[str] = (),
                      groups: Sequence[str] = ()) -> LockedInput:
    """The releases the Pipfile.lock at ``path`` installs on the target whose PEP 508 environment is
    ``environment``: its ``default`` packages and those of the categories ``groups`` names."""
    if extras:
        raise LockFileError(path, f"Pipfile.lock has no extras (asked for: {', '.join(extras)}): pipenv locks a "
                                  "package's extras into the package's dependencies",
                            hint="Name the extras in the Pipfile (`requests = {extras = [\"socks\"]}`), run "
                                 "`pipenv lock`, and ask for none here.")
    document = _load_json(path)
    categories = ["default"] + [_category(path, document, group) for group in groups]
    chosen: Dict[str, LockedRelease] = {}
    where: Dict[str, str] = {}
    for category in dict.fromkeys(categories):
        entries = document.get(category, {})
        if not isinstance(entries, dict):
            raise LockFileError(path, f"its {category!r} is not a table of packages")
        for name, entry in entries.items():
            owner = f"{name} (in {category})"
            if not isinstance(entry, dict):
                raise LockFileError(path, f"{owner}: the entry is not a table", hint="Run `pipenv lock` again.")
            if not marker_holds(path, owner, entry.get("markers"), environment):
                continue
            release = _release(path, owner, str(canonicalize_name(name)), entry)
            if release is None:
                continue
            if chosen.setdefault(release.name, release) != release:
                raise LockFileError(path, f"{release.name} is locked as {chosen[release.name].identifier} in "
                                          f"{where[release.name]} and as {release.identifier} in {category}",
                                    hint="Install the categories one at a time, or lock them to one version.")
            where.setdefault(release.name, category)
    return LockedInput(path, tuple(chosen[name] for name in sorted(chosen)))


def _load_json(path: str) -> Dict[str, Any]:
    try:
        with open(path, "rb") as f:
            document = json.load(f)
    except (ValueError, UnicodeDecodeError) as error:  # json.JSONDecodeError is a ValueError
        raise LockFileError(path, f"not valid JSON: {error}", hint="Run `pipenv lock` again.") from error
    if not isinstance(document, dict) or not isinstance(document.get("default", {}), dict):
        raise LockFileError(path, "not a Pipfile.lock: it has no table of default packages",
                            hint="Give the Pipfile.lock that `pipenv lock` writes.")
    return document


def _category(path: str, document: Dict[str, Any], group: str) -> str:
    """The lock's category for a group asked for: ``dev`` is ``develop``, any other is its own name."""
    category = "develop" if group in ("dev", "develop") else group
    if category in _NOT_CATEGORIES or category not in document:
        have = sorted(("dev" if c == "develop" else c) for c in document if c not in _NOT_CATEGORIES)
        raise LockFileError(path, f"it has no category {group!r} (it has: {', '.join(have) or 'none'})",
                            hint="Ask for one of the lock's categories, or add it to the Pipfile and run "
                                 "`pipenv lock` again.")
    return category


def _release(path: str, owner: str, name: str, entry: Dict[str, Any]) -> Optional[LockedRelease]:
    """The release one entry installs; None for the function's own project (``path = "."``)."""
    pinned = _pinned(entry.get("version"))
    hashes = tuple(str(h) for h in entry.get("hashes", []))
    directory = os.path.dirname(os.path.abspath(path))
    if "path" in entry:
        location = local_path(directory, str(entry["path"]))
        if location == directory:
            return None
        if location.endswith(_ARCHIVES):
            return LockedRelease(name, pinned, direct=file_url(directory, location), direct_hashes=hashes)
        return LockedRelease(name, pinned, direct=location)
    if "git" in entry:
        if not entry.get("ref"):
            raise LockFileError(path, f"{owner}: the git checkout has no ref (commit)", hint="Run `pipenv lock` again.")
        return LockedRelease(name, pinned, direct=vcs_reference(str(entry["git"]), str(entry["ref"]),
                                                                 entry.get("subdirectory")))
    if "file" in entry:
        location = str(entry["file"])
        url = location if "://" in location else file_url(directory, location)
        return LockedRelease(name, pinned, direct=url, direct_hashes=hashes)
    if pinned is None:
        raise LockFileError(path, f"{owner}: not pinned (version {entry.get('version', '(none)')!r}), though its "
                                  "markers hold on the target. pipenv writes so a package whose markers did not "
                                  "hold where it locked",
                            hint="Lock on (or for) the Lambda target's platform and Python, so that pipenv pins it.")
    return LockedRelease(name, pinned, hashes=hashes)


def _pinned(version: Any) -> Optional[str]:
    """The version of ``==1.2`` (or ``===1.2``); None for anything that pins nothing (``*``)."""
    text = str(version or "").strip()
    for operator in ("===", "=="):
        if text.startswith(operator) and "*" not in text:
            return text[len(operator):].strip()
    return None

