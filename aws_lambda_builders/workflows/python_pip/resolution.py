"""Step 1: pip resolves the whole closure of the requirements for the target, and downloads it.

pip is asked for the target (its markers, Python version, ABI and platforms);
when it finds nothing for the target for some requirement, the index is first
asked whether it is the problem (or has no such project at all: a misspelt name,
an error), and otherwise the closure is resolved again on this machine, as the
original packager does, so that the later steps can try to
build what has no wheel and name it missing with what exists.
"""

from __future__ import annotations

import logging
import os
import posixpath
import shutil
import urllib.parse
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from .build_isolation import retry_with_isolation
from .exceptions import NoSuchPackageError, NoSuchProjectError, PackageDownloadError
from .host import Host
from .pip_report import ReportedDistribution
from .pip_runner import PipRunner
from .target import LambdaTarget

LOG = logging.getLogger(__name__)

# Reading an sdist's dependencies with the build backend of the interpreter that runs pip.
NO_ISOLATION = ["--no-build-isolation"]


class Resolution(NamedTuple):
    """What step 1 gave besides the downloads in its directory."""

    local_builds: Dict[str, List[str]]  # each local project directory pip met -> the files built from it
    for_target: bool  # resolved for the target (False: on this machine, after pip found nothing for it)
    # Each download's normalized name and version by file name, as pip's report gives them (empty from a pip
    # that writes none): an sdist is then known without reading its metadata again.
    releases: Dict[str, Tuple[str, str]]


def resolve_closure(pip: PipRunner, host: Host, requirements: str, directory: str, target: LambdaTarget,
                    options: Sequence[str], later_options: Sequence[str], warn: Callable[[str], None]) -> Resolution:
    """Download the closure of ``requirements`` into the empty ``directory``, for ``target`` if pip can.

    ``options`` go to the resolution (pip reads the file's own options itself),
    ``later_options`` (with the file's) to what pip builds on the way.
    """
    reported: List[ReportedDistribution] = []
    try:
        local_builds = resolve(pip, requirements, directory, target, options, later_options, reported)
        return Resolution(local_builds, True, releases_by_file(reported))
    except NoSuchPackageError as error:
        from .index_probe import index_urls, looks_past_indexes

        problem = host.diagnose_index and host.diagnose_index(error.package_name, index_urls(later_options))
        if isinstance(problem, NoSuchProjectError):
            problem.detail = error.detail
            if looks_past_indexes(later_options):  # a --find-links directory may have it: pip will tell
                problem = None
        if problem:
            raise problem from error
        warn(f"pip found nothing for {target.describe()} for {error.package_name}; "
             "resolving on this machine instead, to report what is missing")
        empty(directory)
        reported.clear()
        local_builds = resolve(pip, requirements, directory, None, options, later_options, reported)
        return Resolution(local_builds, False, releases_by_file(reported))


def resolve(pip: PipRunner, requirements: str, directory: str, target: Optional[LambdaTarget],
            options: Sequence[str], later_options: Sequence[str],
            reported: Optional[List[ReportedDistribution]] = None) -> Dict[str, List[str]]:
    """One ``pip download`` of the closure, for ``target`` (None: for this machine); the local builds.

    An sdist's metadata is first prepared without build isolation: pip would
    otherwise install a fresh build backend for every sdist only to read its
    dependencies, which is most of the time a resolution takes. The wheels are
    still built in isolation (step 4). An sdist whose backend this interpreter
    lacks fails that way, and so does one whose version only its build
    requirements compute (pip discards it as "inconsistent"): the resolution
    then runs again with isolation (see :func:`retry_with_isolation`).
    """
    def download(with_options: Sequence[str]) -> Dict[str, List[str]]:
        return dict(pip.download_all_dependencies(requirements, directory, options=with_options, target=target,
                                                  build_options=later_options, reported=reported) or {})

    try:
        return download(list(options) + NO_ISOLATION)
    except (PackageDownloadError, NoSuchPackageError) as error:
        if not retry_with_isolation(error):  # pip's verdict on the requirements: no retry helps
            raise
        LOG.debug("resolution without build isolation failed, retrying with it: %s", error)
        empty(directory)
        if reported is not None:
            reported.clear()
    return download(options)


def releases_by_file(reported: Sequence[ReportedDistribution]) -> Dict[str, Tuple[str, str]]:
    """Each reported archive's (normalized name, version) by its file name, as ``pip download`` saves it."""
    releases = {}
    for distribution in reported:
        if distribution.directory is not None:
            continue
        if distribution.vcs is not None:  # a checkout, which pip saves as <name>-<version>.zip
            filename = f"{distribution.name}-{distribution.version}.zip"
        else:
            filename = posixpath.basename(urllib.parse.unquote(urllib.parse.urlsplit(distribution.url).path))
        releases[filename] = (distribution.name, distribution.version)
    return releases


def empty(directory: str) -> None:
    """Remove what a failed resolution left in ``directory``."""
    for leftover in os.listdir(directory):
        path = os.path.join(directory, leftover)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
