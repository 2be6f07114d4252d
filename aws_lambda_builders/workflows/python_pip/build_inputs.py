"""A build's input turned into what the nine steps read: a requirements file, and for a lock what it installs.

- A requirements file is read as it is.
- A pyproject.toml's dependencies (with the extras and groups asked for) become a requirements file,
  resolved for the target like any other (``pyproject_input``).
- A lock is read for the target (``pylock_input``, ``uv_lock``, ``poetry_lock``, ``pipfile_lock``) and each
  release's file for the target becomes a line with the lock's hashes, downloaded by pip with ``--no-deps``
  (``locked``): installed as locked, not resolved again. Its local projects and VCS checkouts, which no hash
  can pin, are in a second file, which pip builds.
"""

from __future__ import annotations

import os
from types import MappingProxyType
from typing import List, Mapping, NamedTuple, Optional, Sequence

from .input_formats import PIPFILE_LOCK, POETRY_LOCK, PYLOCK, PYPROJECT, REQUIREMENTS, UV_LOCK
from .locked import LockedInput, lock_has_hashes, locked_lines
from .requirements_file import RequirementLine, RequirementsFile, read_requirements_file
from .target import LambdaTarget


class PreparedInput(NamedTuple):
    """What the steps read for one input."""

    requirements: str  # the requirements file pip reads (the user's own, or one written for the input)
    lock: Optional[str] = None  # the lock's path: its releases are downloaded as locked (None: resolved)
    sources: Optional[str] = None  # a lock's local projects and VCS checkouts, built by pip (None: it has none)
    unavailable: Mapping[str, str] = MappingProxyType({})  # a lock's releases with no file for the target: why
    digests_only: Sequence[str] = ()  # the names of a lock's releases pinned by digests alone

    @property
    def is_empty(self) -> bool:
        return self.lock is not None and not (has_lines(self.requirements) or self.sources or self.unavailable)


def prepare_input(path: str, kind: str, target: LambdaTarget, extras: Sequence[str], groups: Optional[Sequence[str]],
                  directory: str) -> PreparedInput:
    """``path`` (of format ``kind``, ``input_formats``) for ``target``; files written go into ``directory``."""
    if kind == REQUIREMENTS:
        return PreparedInput(path)
    if kind == PYPROJECT:
        from .pyproject_input import pyproject_requirements

        return PreparedInput(_write(directory, "pyproject-requirements.txt",
                                    pyproject_requirements(path, extras, groups or (), target)))
    locked = read_lock(path, kind, target, extras, groups)
    with open(path, encoding="utf-8", errors="replace") as f:
        locked = locked._replace(hashed=lock_has_hashes(f.read()))
    lines = locked_lines(locked, target)
    sources = _write(directory, "lock-sources.txt", lines.sources) if lines.sources else None
    return PreparedInput(_write(directory, "lock-files.txt", lines.files), path, sources, lines.missing,
                         lines.digests_only)


def read_lock(path: str, kind: str, target: LambdaTarget, extras: Sequence[str],
              groups: Optional[Sequence[str]]) -> LockedInput:
    """The releases the lock ``path`` installs on ``target``. ``groups`` None: a pylock.toml's default groups,
    no group of the other locks (their default groups are for development, not for a function)."""
    environment = target.marker_environment()
    if kind == PYLOCK:
        from .pylock_input import read_pylock

        return read_pylock(path, target, extras, groups)
    if kind == UV_LOCK:
        from .uv_lock import read_uv_lock

        return read_uv_lock(path, environment, extras, groups or ())
    if kind == POETRY_LOCK:
        from .poetry_lock import read_poetry_lock

        return read_poetry_lock(path, environment, extras, groups or ())
    if kind == PIPFILE_LOCK:
        from .pipfile_lock import read_pipfile_lock

        return read_pipfile_lock(path, environment, extras, groups or ())
    raise ValueError(f"not a lock format: {kind!r}")


def input_requirements(path: str, kind: str, extras: Sequence[str], groups: Optional[Sequence[str]]
                       ) -> RequirementsFile:
    """The requirements of an input as they were resolved (a lock's are all pinned by the lock: none)."""
    if kind == REQUIREMENTS:
        return read_requirements_file(path)
    if kind == PYPROJECT:
        from .pyproject_input import pyproject_requirements

        return RequirementsFile([RequirementLine(path, number, line) for number, line in
                                 enumerate(pyproject_requirements(path, extras, groups or ()), start=1)])
    return RequirementsFile()


def without_requirement(path: str, name: str) -> Optional[str]:
    """Remove the line of the release named ``name`` from a file :func:`prepare_input` wrote; its identifier
    (``name==version``), or None when the file has no such line."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines):
        requirement = Requirement(line.split(" --hash=", 1)[0])
        if canonicalize_name(requirement.name) == canonicalize_name(name):
            del lines[number]
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(kept + "\n" for kept in lines))
            versions = [spec.version for spec in requirement.specifier if spec.operator == "=="]
            return f"{canonicalize_name(requirement.name)}=={versions[0]}" if versions else requirement.name
    return None


def _write(directory: str, name: str, lines: List[str]) -> str:
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))
    return path


def has_lines(path: str) -> bool:
    """Whether a file :func:`prepare_input` wrote has a line."""
    with open(path, encoding="utf-8") as f:
        return any(line.strip() for line in f)
