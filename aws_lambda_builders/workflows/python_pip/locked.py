"""What a lock file says to install, read for one Lambda target, and the choice of the file each release ships.

Every lock format (``pylock_input``, ``uv_lock``, ``poetry_lock``, ``pipfile_lock``) is read into
:class:`LockedRelease` records, already selected for the target's environment (its markers, the extras and
dependency groups asked for). Which file of a release loads on the target is decided here, by the target's
tags alone (:func:`choose_file`), and each choice becomes a line pip downloads with ``--no-deps`` and the
lock's hashes (:func:`requirement_line`): pip checks every download against them before it unpacks or builds
anything, so a lock is installed, not resolved again.
"""

from __future__ import annotations

import os
import re
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from .lock_errors import LockHashMissingError
from .target import LambdaTarget

# The digests pip's --hash accepts (and the lock formats use).
HASH_ALGORITHMS = ("sha256", "sha384", "sha512")


class LockedFile(NamedTuple):
    """One distribution file a lock names for a release."""

    filename: str
    url: Optional[str]  # where it is (a file:// URL for a local one); None: pip finds it on the configured index
    hashes: Tuple[str, ...] = ()  # "<algorithm>:<hex digest>", as pip's --hash takes them; () when the lock has none


class LockedRelease(NamedTuple):
    """One release a lock installs on the target.

    A release has files (``wheels``, ``sdist``), or digests only (``hashes``: Pipfile.lock names no file),
    or one direct reference (``direct``): a local project's directory (built as a wheel, never installed
    editable), a VCS URL, or an archive's URL.
    """

    name: str  # the normalized name
    version: Optional[str]
    wheels: Tuple[LockedFile, ...] = ()
    sdist: Optional[LockedFile] = None
    hashes: Tuple[str, ...] = ()  # digests of files the lock does not name (pip picks among the index's files)
    direct: Optional[str] = None  # a local directory's absolute path, or a URL pip takes as it is
    direct_hashes: Tuple[str, ...] = ()  # an archive URL's digests

    @property
    def identifier(self) -> str:
        return f"{self.name}=={self.version}" if self.version else self.name

    @property
    def has_hashes(self) -> bool:
        return bool(self.hashes or self.direct_hashes or any(f.hashes for f in self.files))

    @property
    def files(self) -> Tuple[LockedFile, ...]:
        return self.wheels + ((self.sdist,) if self.sdist is not None else ())


class LockedInput(NamedTuple):
    """A lock read for one target: the releases it installs there, and where it is.

    ``hashed``: whether the lock pins any file by its digest, for any target (None: told by the releases
    selected; ``build_inputs`` tells it from the whole file, :func:`lock_has_hashes`).
    """

    path: str
    releases: Tuple[LockedRelease, ...]
    hashed: Optional[bool] = None


class LockedLines(NamedTuple):
    """What pip downloads for a lock: the files, which it checks against the lock's hashes; the sources it
    cannot check (a local directory, a VCS checkout), which it builds; and why each release with no file for
    the target is missing."""

    files: List[str]
    sources: List[str]
    missing: Dict[str, str]  # identifier -> what the lock offers, and why none of it loads on the target
    digests_only: List[str]  # the names of the releases pinned by digests alone (pip picks their files)


def choose_file(release: LockedRelease, target: LambdaTarget) -> Optional[LockedFile]:
    """The file of ``release`` that ships to ``target``: its wheel with the target's most preferred tag (the
    newest manylinux level up to the runtime's glibc, the target's own ABI before abi3 before pure Python),
    else its sdist (built for the target by the later steps), else None."""
    preference = target.tag_preference
    best: Optional[Tuple[int, LockedFile]] = None
    for wheel in release.wheels:
        try:
            tags = parse_wheel_filename(wheel.filename)[3]
        except InvalidWheelFilename:
            continue
        ranks = [preference[tag] for tag in tags if tag in preference]
        if ranks and (best is None or min(ranks) < best[0]):
            best = (min(ranks), wheel)
    if best is not None:
        return best[1]
    return release.sdist


def locked_lines(locked: LockedInput, target: LambdaTarget) -> LockedLines:
    """The requirement lines that install ``locked`` on ``target`` (see the module's docstring).

    Raises :class:`LockHashMissingError` when the lock has hashes but not for a file chosen here.
    """
    lines = LockedLines([], [], {}, [])
    any_hashes = locked.hashed if locked.hashed is not None else any(r.has_hashes for r in locked.releases)
    unverified = []
    for release in sorted(locked.releases, key=lambda r: r.name):
        if release.direct is not None:
            if release.direct_hashes:
                lines.files.append(_line(release.name, f"@ {release.direct}", release.direct_hashes))
            elif os.path.isabs(release.direct) or not _is_archive_url(release.direct):
                lines.sources.append(release.direct if os.path.isabs(release.direct)
                                      else f"{release.name} @ {release.direct}")
            elif any_hashes:
                unverified.append(release.identifier)
            else:
                lines.files.append(f"{release.name} @ {release.direct}")
            continue
        if not release.files:  # digests only: pip picks the index's file for the target among them
            if any_hashes and not release.hashes:
                unverified.append(release.identifier)
            lines.files.append(_line(release.name, f"=={release.version}", release.hashes))
            lines.digests_only.append(release.name)
            continue
        chosen = choose_file(release, target)
        if chosen is None:
            lines.missing[release.identifier] = unavailable_reason(release, target)
            continue
        if any_hashes and not chosen.hashes:
            unverified.append(release.identifier)
        if chosen.url is not None:
            lines.files.append(_line(release.name, f"@ {chosen.url}", chosen.hashes))
        else:  # a file the lock names without its URL (poetry.lock): pip finds it on the index by its digest
            lines.files.append(_line(release.name, f"=={release.version}", chosen.hashes))
    if unverified:
        raise LockHashMissingError(locked.path, unverified)
    return lines


def unavailable_reason(release: LockedRelease, target: LambdaTarget) -> str:
    """Why a locked release has no file for ``target``: what the target needs, and every file the lock has."""
    wanted = (f"the lock has no file for {target.describe()} (needs {target.abi} or abi3, "
              f"manylinux_{target.glibc[0]}_{target.glibc[1]}_{target.machine} or older, or pure Python)")
    offered = sorted(f.filename for f in release.files)
    return wanted + ("; it offers only " + ", ".join(offered) if offered else "")


def _line(name: str, reference: str, hashes: Sequence[str]) -> str:
    return " ".join([f"{name} {reference}" if reference.startswith("@") else f"{name}{reference}"]
                    + [f"--hash={digest}" for digest in hashes])


def _is_archive_url(url: str) -> bool:
    return not url.split(":", 1)[0].startswith(("git+", "hg+", "svn+", "bzr+"))


def hash_pairs(hashes: Dict[str, str]) -> Tuple[str, ...]:
    """A lock's ``{algorithm: digest}`` as pip's ``algorithm:digest`` words (those pip checks)."""
    return tuple(f"{algorithm}:{digest}" for algorithm, digest in sorted(hashes.items())
                 if algorithm in HASH_ALGORITHMS)


_DIGEST = re.compile(r"(sha256|sha384|sha512)\W{1,6}[0-9a-fA-F]{64}")


def lock_has_hashes(text: str) -> bool:
    """Whether a lock's text pins any file by a digest pip checks, for whichever target (every format writes
    the algorithm's name before the digest: ``sha256:<hex>``, ``sha256 = "<hex>"``)."""
    return _DIGEST.search(text) is not None
