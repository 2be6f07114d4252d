"""Whether a bundle holds what its input installs on the target: the ``-r`` of ``lambda-pip check``.

The input is read for the target as a build reads it (``build_inputs``), and each shortfall is a sentence
that names the input, the requirement or release, and what the bundle has instead:

- A requirements file, or a pyproject.toml with the extras and dependency groups asked for: every
  requirement whose markers apply to the target has a dist-info in the bundle at a version its specifier
  allows. Each extra it names is followed: ``psycopg[binary]`` also needs every requirement that psycopg's
  installed METADATA declares under ``extra == "binary"`` (markers judged for the target with that extra),
  at a version its specifier allows, and so on through the extras those requirements name in turn.
- A lock: every release it installs on the target has a dist-info at exactly the locked version; a local
  directory or VCS reference that the lock gives no version only needs its name there. The lock already
  lists what every extra pulls in, so it has no extra to follow.

Not checked: the plain (not extra) ``Requires-Dist`` of the installed distributions. A build installs the
closure pip resolved; a bundle built with ``--exclude-runtime-provided`` leaves out boto3 on purpose, which
others there require; and an input names what the function asked for, not what its dependencies need.
An extra that a distribution does not declare is not reported either (pip only warns of it).
"""

from __future__ import annotations

import os
from typing import Dict, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .build_inputs import input_requirements, read_lock
from .dist_info import SUFFIX, name_and_version, requires_dist
from .input_formats import LOCKS, REQUIREMENTS, input_format
from .locked import LockedInput
from .target import LambdaTarget


class InstalledDistribution(NamedTuple):
    """What the check reads of one dist-info in the bundle."""

    name: str  # the normalized name
    version: str  # "" when METADATA has none
    requires: Tuple[str, ...]  # its Requires-Dist, as written


class RequestedRequirement(NamedTuple):
    """One requirement of the input, and where it is written, for a person."""

    requirement: str  # PEP 508, as the input writes it (a requirements file's options removed)
    source: str  # "requirements.txt:3", "pyproject.toml"


def installed_distributions(libraries: str) -> Dict[str, InstalledDistribution]:
    """The distributions whose dist-info is in ``libraries`` (``bundle_check.library_root``), by normalized name."""
    found: Dict[str, InstalledDistribution] = {}
    for entry in sorted(os.listdir(libraries)):
        path = os.path.join(libraries, entry)
        if entry.endswith(SUFFIX) and os.path.isdir(path):
            name, version = name_and_version(path)
            found[canonicalize_name(name)] = InstalledDistribution(canonicalize_name(name), version,
                                                                   tuple(requires_dist(path)))
    return found


def input_problems(path: str, forced_format: Optional[str], target: LambdaTarget, extras: Sequence[str],
                   groups: Optional[Sequence[str]], installed: Mapping[str, InstalledDistribution]) -> List[str]:
    """What the input ``path`` installs on ``target`` that ``installed`` lacks, one sentence each.

    ``forced_format``, ``extras`` and ``groups`` are a build's (``input_formats``, ``build_inputs.read_lock``).
    Raises ``LockFileError`` for a lock or a pyproject.toml that cannot be read, or that has no such extra
    or group, and ``RequirementsFileNotFoundError`` for a requirements file that is not there.
    """
    kind = input_format(path, forced_format)
    if kind in LOCKS:
        return lock_problems(read_lock(path, kind, target, extras, groups), installed)
    lines = input_requirements(path, kind, extras, groups).requirements
    requested = [RequestedRequirement(line.requirement, f"{os.path.basename(line.path)}:{line.number}"
                                      if kind == REQUIREMENTS else os.path.basename(line.path)) for line in lines]
    return requirement_problems(requested, installed, target.marker_environment())


def lock_problems(locked: LockedInput, installed: Mapping[str, InstalledDistribution]) -> List[str]:
    """The releases of ``locked`` that are not installed at their locked version."""
    lock = os.path.basename(locked.path)
    problems = []
    for release in locked.releases:
        found = installed.get(canonicalize_name(release.name))
        if found is None:
            problems.append(f"{release.identifier} ({lock}) has no dist-info in the bundle")
        elif release.version is not None and not same_version(found.version, release.version):
            problems.append(f"{release.identifier} ({lock}) is installed at {found.version or '(no version)'}, "
                            f"not the locked {release.version}")
    return problems


def requirement_problems(requested: Sequence[RequestedRequirement], installed: Mapping[str, InstalledDistribution],
                         environment: Mapping[str, str]) -> List[str]:
    """The requirements that apply in ``environment`` (the target's markers) with nothing installed for them,
    or a version their specifier does not allow, and what the extras they name need (see the module)."""
    problems = []
    for line in requested:
        try:
            requirement = Requirement(line.requirement)
        except InvalidRequirement:
            continue  # a local path or a bare URL: its name is only known after building it
        if requirement.marker and not requirement.marker.evaluate(dict(environment)):
            continue
        found = installed.get(canonicalize_name(requirement.name))
        if found is None:
            problems.append(f"{requirement} ({line.source}) has no dist-info in the bundle")
            continue
        if requirement.specifier and not requirement.specifier.contains(found.version, prereleases=True):
            problems.append(f"{requirement} ({line.source}) is installed at {found.version}, "
                            "which does not satisfy it")
        problems += [f"{requirement} ({line.source}) {shortfall}"
                     for shortfall in extra_shortfalls(requirement, installed, environment)]
    return problems


def extra_shortfalls(requirement: Requirement, installed: Mapping[str, InstalledDistribution],
                     environment: Mapping[str, str]) -> List[str]:
    """What the extras of ``requirement`` need that is not installed, or not at a version allowed: the
    requirements each extra adds to the installed distribution's METADATA, and their own extras in turn."""
    top = canonicalize_name(requirement.name)
    pending = [(top, canonicalize_name(extra)) for extra in sorted(requirement.extras)]
    seen: Set[Tuple[str, str]] = set(pending)
    shortfalls = []
    while pending:
        owner, extra = pending.pop(0)
        distribution = installed.get(owner)
        if distribution is None:
            continue  # said already: the requirement itself, or the extra's dependency, has no dist-info
        whose = "its" if owner == top else f"{owner}'s"
        for dependency in extra_requirements(distribution, extra, environment):
            name = canonicalize_name(dependency.name)
            found = installed.get(name)
            if found is None:
                shortfalls.append(f'needs {dependency.name} ({whose} extra "{extra}"), '
                                  "which has no dist-info in the bundle")
                continue
            if dependency.specifier and not dependency.specifier.contains(found.version, prereleases=True):
                shortfalls.append(f'needs {dependency.name}{dependency.specifier} ({whose} extra "{extra}"), '
                                  f"which is installed at {found.version}")
            for wanted in sorted(canonicalize_name(e) for e in dependency.extras):
                if (name, wanted) not in seen:
                    seen.add((name, wanted))
                    pending.append((name, wanted))
    return shortfalls


def extra_requirements(distribution: InstalledDistribution, extra: str,
                       environment: Mapping[str, str]) -> List[Requirement]:
    """The requirements ``extra`` adds to ``distribution`` in ``environment``: those of its Requires-Dist
    whose markers hold with that extra and not without it (an unparseable line is skipped, as pip does)."""
    added = []
    with_extra, without = dict(environment, extra=extra), dict(environment, extra="")
    for line in distribution.requires:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        marker = requirement.marker
        if marker is not None and marker.evaluate(with_extra) and not marker.evaluate(without):
            added.append(requirement)
    return added


def same_version(installed: str, locked: str) -> bool:
    """Whether two versions are the same release by PEP 440 (``2.0`` is ``2.0.0``); else as written."""
    try:
        return Version(installed) == Version(locked)
    except InvalidVersion:
        return installed == locked
