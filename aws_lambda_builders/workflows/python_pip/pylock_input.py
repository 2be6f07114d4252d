"""pylock.toml (PEP 751) read for one Lambda target, with ``packaging.pylock``.

``packaging`` validates the lock and selects its packages for the target's environment (markers, extras,
dependency groups, ``requires-python``). The file each selected package ships is then chosen by
``locked.choose_file`` like every other lock's, so that a package with no file for the target is reported
missing with what the lock offers, rather than ending the selection.
"""

from __future__ import annotations

import os
import re
import urllib.parse
import urllib.request
from typing import Any, Optional, Sequence, cast

from .lock_errors import LockFileError
from .locked import LockedFile, LockedInput, LockedRelease, hash_pairs
from .target import LambdaTarget
from .toml_files import load_toml


def read_pylock(path: str, target: LambdaTarget, extras: Sequence[str] = (),
                groups: Optional[Sequence[str]] = None) -> LockedInput:
    """The releases ``path`` installs on ``target``. ``groups`` None: the lock's ``default-groups``."""
    try:
        from packaging.pylock import Pylock, PylockSelectError, PylockUnsupportedVersionError, PylockValidationError
        from packaging.utils import parse_wheel_filename
    except ImportError as error:  # packaging before 26.1 (on Python 3.9, the newest there is)
        raise LockFileError(path, "reading pylock.toml needs packaging 26.1 or later (Python 3.10 or later)",
                            hint="Run lambda-pip on Python 3.10 or later, with packaging>=26.1.") from error
    document = load_toml(path)
    try:
        lock = Pylock.from_dict(document)
    except (PylockValidationError, PylockUnsupportedVersionError) as error:
        raise LockFileError(path, f"not a valid pylock.toml: {error}{_named(document, str(error))}") from error
    # Every tag of the lock's own wheels is acceptable to the selection, after the target's: it then selects
    # the packages (by markers) and never stops at one with no file for the target (``choose_file`` decides).
    tags = list(target.tag_preference)
    for package in lock.packages:
        for wheel in package.wheels or ():
            try:
                tags.extend(parse_wheel_filename(wheel.filename)[3])
            except ValueError:
                continue
    try:
        selected = [package for package, _ in lock.select(environment=cast(Any, target.marker_environment()),
                                                          tags=tags, extras=extras, dependency_groups=groups)]
    except PylockSelectError as error:
        if lock.environments and "environments" in str(error):
            made_for = "; ".join(str(marker) for marker in lock.environments)
            raise LockFileError(path, f"was made for other targets than {target.describe()} ({made_for})",
                                hint=f"Lock again for {target.describe()} too (lambda-pip lock --runtime "
                                     f"{target.runtime} --architecture {target.architecture} ...).") from error
        raise LockFileError(path, f"does not install on {target.describe()}: {error}") from error
    base = os.path.dirname(os.path.abspath(path))
    return LockedInput(path, tuple(sorted((_release(package, base) for package in selected),
                                          key=lambda r: r.name)))


def _named(document: Any, message: str) -> str:
    """The name of the package a validation error points at (``packages[3]``), for a person."""
    found = re.search(r"packages\[(\d+)\]", message)
    packages = document.get("packages") if isinstance(document, dict) else None
    if found and isinstance(packages, list) and int(found.group(1)) < len(packages):
        package = packages[int(found.group(1))]
        if isinstance(package, dict) and "name" in package:
            return f" (package {package['name']} {package.get('version', '')})".replace(" )", ")")
    return ""


def _release(package: Any, base: str) -> LockedRelease:
    version = str(package.version) if package.version is not None else None
    if package.vcs is not None:
        vcs = package.vcs
        location = vcs.url or _file_url(vcs.path, base)
        direct = f"{vcs.type}+{location}@{vcs.commit_id}" + _subdirectory(vcs.subdirectory)
        return LockedRelease(package.name, version, direct=direct)
    if package.directory is not None:
        directory = os.path.normpath(os.path.join(base, package.directory.path))
        return LockedRelease(package.name, version, direct=directory)
    if package.archive is not None:
        archive = package.archive
        return LockedRelease(package.name, version, direct=(archive.url or _file_url(archive.path, base))
                             + _subdirectory(archive.subdirectory), direct_hashes=hash_pairs(dict(archive.hashes)))
    wheels = tuple(_file(wheel, base) for wheel in package.wheels or ())
    sdist = _file(package.sdist, base) if package.sdist is not None else None
    return LockedRelease(package.name, version, wheels=wheels, sdist=sdist)


def _file(distribution: Any, base: str) -> LockedFile:
    url = distribution.url or _file_url(distribution.path, base)
    return LockedFile(distribution.filename, url, hash_pairs(dict(distribution.hashes)))


def _file_url(path: Optional[str], base: str) -> str:
    return "file:" + urllib.request.pathname2url(os.path.normpath(os.path.join(base, path or "")))


def _subdirectory(subdirectory: Optional[str]) -> str:
    return f"#subdirectory={urllib.parse.quote(subdirectory)}" if subdirectory else ""

