"""Whether a build's requirements pin everything it installed: whether pip, asked again, could pick anything else.

A requirements file where every line is ``name==version`` (or held to a
``--hash``), with the whole closure listed, resolves to the same distributions
next month as today: its build may be placed from the cache for as long as its
key is unchanged. ``requests``, or ``pure-app==1.0`` whose dependency
``pure-lib>=2`` is listed nowhere, may resolve to a newer release tomorrow (one
that fixes a vulnerability): such a build's resolution is reused only while it
is young (``resolution_age``).

The decision is a pure function of the parsed requirements (``requirements_file``:
``-r`` includes read in, ``-c`` constraints apart), the distributions the build
installed and the target's marker environment. It errs on the side of resolving
again: a distribution counts as pinned only when a line that applies to the target
(its marker true there) names it with ``==V`` or ``===V`` where ``V`` is the version
installed, or names it at an archive URL held to a hash. Everything else (a range,
``==1.*``, a pin the build did not install, a bare URL whose name is not written,
a constraint from ``PIP_CONSTRAINT`` or pip's configuration, which this module does
not see) leaves it unpinned. Local paths, editable projects, VCS links and URLs
without a hash are never recorded in the cache at all (``cache_key``), so they
never come here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence

from .cache_key import is_mutable_location
from .requirements_file import RequirementLine

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.requirements import Requirement


def unpinned_distributions(lines: Sequence[RequirementLine], installed: Mapping[str, str],
                           environment: Mapping[str, str]) -> List[str]:
    """The PEP 503 names (sorted) of the installed distributions no line pins.

    ``lines`` are the requirements and constraints together (a constraint pins as
    a requirement does); ``installed`` maps each installed distribution's name to
    its version; ``environment`` is the target's PEP 508 marker environment.
    An empty list: the build is fully pinned.
    """
    from packaging.utils import canonicalize_name

    pins = _pins(lines, environment)
    names = {canonicalize_name(name): version for name, version in installed.items()}
    return sorted(name for name, version in names.items() if not any(pin.holds(version) for pin in pins.get(name, [])))


def installed_distributions(paths: Iterable[str]) -> Dict[str, str]:
    """Each distribution's name and version, by the ``<name>-<version>.dist-info`` directories among ``paths``
    (the relative paths of the files a build placed)."""
    from .dist_info import SUFFIX, name_and_version_from_directory

    found: Dict[str, str] = {}
    for path in paths:
        top = path.replace("\\", "/").split("/", 1)[0]
        name, version = name_and_version_from_directory(top) if top.endswith(SUFFIX) else ("", "")
        if name and version:
            found[name] = version
    return found


class _Pin(NamedTuple):
    """What one applicable line fixes of a distribution: a version (``==``), a string (``===``), or a file (a hashed
    URL: any version)."""

    version: Optional[str] = None
    arbitrary: Optional[str] = None

    def holds(self, installed: str) -> bool:
        if self.arbitrary is not None:
            return installed == self.arbitrary
        if self.version is None:
            return True
        from packaging.version import InvalidVersion, Version

        try:
            return Version(installed) == Version(self.version)
        except InvalidVersion:
            return False


def _pins(lines: Sequence[RequirementLine], environment: Mapping[str, str]) -> Dict[str, List[_Pin]]:
    """The pins of every line that applies to the target, by PEP 503 name."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    pins: Dict[str, List[_Pin]] = {}
    for line in lines:
        if line.editable:
            continue
        try:
            requirement = Requirement(line.requirement)
        except InvalidRequirement:  # a bare path or URL: its name is not written
            continue
        if requirement.marker is not None and not _applies(requirement.marker, environment):
            continue
        pin = _pin(requirement, line.hashes)
        if pin is not None:
            pins.setdefault(canonicalize_name(requirement.name), []).append(pin)
    return pins


def _pin(requirement: "Requirement", hashes: Sequence[str]) -> Optional[_Pin]:
    if requirement.url:
        return None if is_mutable_location(f"{requirement.name} @ {requirement.url}", hashes) else _Pin()
    for specifier in requirement.specifier:
        if specifier.operator == "===":
            return _Pin(arbitrary=specifier.version)
        if specifier.operator == "==" and not specifier.version.endswith(".*"):
            return _Pin(version=specifier.version)
    return None


def _applies(marker: "Marker", environment: Mapping[str, str]) -> bool:
    """Whether ``marker`` holds on the target; a marker that cannot be evaluated there does not."""
    from packaging.markers import UndefinedEnvironmentName

    try:
        return bool(marker.evaluate(dict(environment, extra="")))
    except (UndefinedEnvironmentName, ValueError):
        return False
