"""Step 1 for a lock: pip downloads the file the lock chose for each release, checked against the lock's hashes,
with ``--no-deps`` (the lock already is the closure), for the target; then builds its local projects.

A release the lock pins by digests alone (Pipfile.lock) is looked for on the index among its files with those
digests: when the index has no file of that release for the target, pip finds nothing, and the release is
missing; when it has one whose digest the lock does not pin, pip refuses it as it refuses any mismatch, and the
error says that the lock may not cover the target.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from .build_inputs import PreparedInput, has_lines, without_requirement
from .exceptions import HashMismatchError, NoSuchPackageError
from .pip_report import ReportedDistribution
from .pip_runner import PipRunner
from .resolution import Resolution, empty, releases_by_file, resolve
from .target import LambdaTarget


def download_locked(pip: PipRunner, prepared: PreparedInput, files: str, sources: Optional[str], directory: str,
                    target: LambdaTarget, options: Sequence[str], later_options: Sequence[str]
                    ) -> Tuple[Resolution, Dict[str, str]]:
    """Download the lock's files (``files``, the requirements file pip reads for them) and build its local
    projects (``sources``) into the empty ``directory``; the resolution, and the releases with no file for the
    target (identifier -> why)."""
    reported: List[ReportedDistribution] = []
    unavailable = dict(prepared.unavailable)
    no_deps = list(options) + ["--no-deps"]
    local_builds: Dict[str, List[str]] = {}
    while has_lines(files):
        try:
            local_builds.update(resolve(pip, files, directory, target, no_deps, later_options, reported))
            break
        except HashMismatchError as error:
            detail = error.detail
            if error.packages and set(error.packages) <= set(prepared.digests_only):
                detail += (f"\nThe lock names no file for {', '.join(error.packages)}, only digests: the file the "
                           f"index has for {target.describe()} is none of them. Either the lock was made on another "
                           "platform than the target's (lock it for the target too), or the index serves another "
                           "file than the one locked.")
            raise HashMismatchError(error.packages, detail, pinned_by=f"the lock {prepared.lock}") from error
        except NoSuchPackageError as error:
            removed = without_requirement(files, error.package_name)
            if removed is None:  # not a release of the lock: pip's verdict stands
                raise
            unavailable[removed] = f"the index has no file of it for {target.describe()}"
            empty(directory)
            reported.clear()
    if sources is not None:
        local_builds.update(resolve(pip, sources, directory, target, no_deps, later_options, reported))
    return Resolution(local_builds, True, releases_by_file(reported)), unavailable

