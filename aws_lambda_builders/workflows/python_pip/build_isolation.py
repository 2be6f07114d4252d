"""Whether a resolution that failed without build isolation should be run again with it.

Step 1 prepares an sdist's metadata with the build backend of the interpreter
that runs pip (``--no-build-isolation``), which is most of what a resolution
saves. Without isolation, an sdist's build requirements are not installed:
its backend may be missing (pip then fails the build), or a plugin that
computes the version, as setuptools_scm does, is missing and the version comes
out ``0.0.0``. pip then discards the sdist ("has inconsistent version") and
reports the requirement as not found, or finds the requirements conflicting.
A true absence from the index is told apart by the versions pip lists: when
one of them satisfies the requirement, pip found it and discarded it.
"""

from __future__ import annotations

import re

from .exceptions import ConflictingRequirementsError, NoSuchPackageError, PackageDownloadError

# "ERROR: Could not find a version that satisfies the requirement scm-versioned==3.1 (from versions: 3.1)"
_NOT_FOUND = re.compile(r"Could not find a version that satisfies the requirement (?P<requirement>.+?) "
                        r"\(from versions: (?P<versions>[^)]*)\)")
_FROM_PARENT = re.compile(r" \(from [^()]*\)$")
# pip's warning for a pinned sdist whose metadata says another version, and its reason for discarding one.
_INCONSISTENT = re.compile(r"Requested .+, but installing version |has inconsistent (?:name|version)")


def isolation_may_change(pip_output: str) -> bool:
    """Whether pip's report of a failure without build isolation shows an sdist it discarded.

    Either pip says so (an inconsistent name or version), or a version it
    lists for a requirement it could not satisfy does satisfy it. A
    requirement that cannot be read counts as such: running again costs time,
    a wrong "not found" costs the build.
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version

    if _INCONSISTENT.search(pip_output):
        return True
    for match in _NOT_FOUND.finditer(pip_output):
        try:
            specifier = Requirement(_FROM_PARENT.sub("", match.group("requirement").strip())).specifier
        except InvalidRequirement:
            return True
        for listed in match.group("versions").split(","):
            try:
                if specifier.contains(Version(listed.strip()), prereleases=True):
                    return True
            except InvalidVersion:
                continue
    return False


def retry_with_isolation(error: Exception) -> bool:
    """Whether the resolution that raised ``error`` without build isolation should run again with it.

    Any failure of pip that the packager does not name (a backend this
    interpreter lacks, a build that failed) is retried, as before; a package
    not found or a conflict only when pip's output shows a discarded sdist; a
    hash mismatch, an index error, an unsafe archive never.
    """
    if type(error) is PackageDownloadError:
        return True
    if isinstance(error, (NoSuchPackageError, ConflictingRequirementsError)):
        return isolation_may_change(getattr(error, "stderr", "") or getattr(error, "detail", ""))
    return False
