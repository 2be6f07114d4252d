"""Opt-in ways to make a bundle smaller, each measured: what the runtime already has, and dead weight.

The Lambda Python runtimes ship boto3, botocore, s3transfer and jmespath (and
what they need); a bundle that carries its own copies spends most of its size
budget on them. Bytecode caches, test suites inside packages and install-time
metadata are not needed to run either.
"""

from __future__ import annotations

import csv
import fnmatch
import os
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Iterable, List, Sequence, Set

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .dist_info import name_and_version_from_directory, parse_headers, read_headers
from .paths import is_within
from .target import LambdaTarget

if TYPE_CHECKING:
    from .orchestrator import SizeOptions

RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")
INSTALL_TIME_METADATA = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
TEST_DIRECTORIES = ("tests", "test")


@dataclass
class Distribution:
    name: str
    version: str
    dist_info: str  # directory name in the bundle
    files: List[str]  # paths relative to the bundle, from RECORD
    requires: Set[str]  # normalized names, markers judged for the target


def installed_distributions(bundle: str, target: LambdaTarget) -> Dict[str, Distribution]:
    found: Dict[str, Distribution] = {}
    environment = dict(target.marker_environment(), extra="")
    for entry in sorted(os.listdir(bundle)):
        if not entry.endswith(".dist-info"):
            continue
        metadata = read_headers(os.path.join(bundle, entry), "METADATA")
        if metadata is None:  # not installed from a wheel: its directory name is all there is
            name, version = name_and_version_from_directory(entry)
            metadata = parse_headers(f"Name: {name}\nVersion: {version}\n")
        requires: Set[str] = set()
        for line in metadata.get_all("Requires-Dist") or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker is None or requirement.marker.evaluate(environment):
                requires.add(canonicalize_name(requirement.name))
        record = os.path.join(bundle, entry, "RECORD")
        files = []
        if os.path.isfile(record):
            with open(record, encoding="utf-8", errors="replace", newline="") as f:
                files = [row[0] for row in csv.reader(f) if row]
        name = canonicalize_name(metadata["Name"] or name_and_version_from_directory(entry)[0])
        found[name] = Distribution(name, metadata["Version"], entry, files, requires)
    return found


def runtime_provided_closure(distributions: Dict[str, Distribution], wanted: Iterable[str] = ()) -> Set[str]:
    """The runtime-provided distributions present, and those only they need (unless ``wanted`` by name)."""
    keep = {canonicalize_name(n) for n in wanted} - set(RUNTIME_PROVIDED)
    removed = {name for name in RUNTIME_PROVIDED if name in distributions}
    changed = True
    while changed:
        changed = False
        for name in distributions:
            if name in removed or name in keep:
                continue
            dependents = {d for d, dist in distributions.items() if name in dist.requires}
            if dependents and dependents <= removed:
                removed.add(name)
                changed = True
    return removed


def remove_distributions(bundle: str, distributions: Dict[str, Distribution], names: Iterable[str]) -> int:
    """Delete the files of ``names`` (from their RECORD) and their dist-info; return the bytes freed."""
    bundle = os.path.abspath(bundle)
    freed = 0
    for name in sorted(names):
        dist = distributions[name]
        for relative in dist.files:
            path = os.path.normpath(os.path.join(bundle, relative))
            if is_within(path, bundle) and os.path.isfile(path):
                freed += _remove_file(path)
        info = os.path.join(bundle, dist.dist_info)
        if os.path.isdir(info):
            freed += _remove_tree_except(info, dist.dist_info, keep=())
            shutil.rmtree(info)
    _remove_empty_directories(bundle)
    return freed


def slim(bundle: str, keep: Sequence[str] = ()) -> int:
    """Drop bytecode caches, test directories inside packages and install-time metadata; return bytes freed."""
    def doomed(relative: str, is_dir: bool) -> bool:
        parts = relative.split("/")
        if is_dir:
            return parts[-1] == "__pycache__" or (len(parts) > 1 and parts[-1] in TEST_DIRECTORIES
                                                  and not parts[0].endswith(".dist-info"))
        return relative.endswith(".pyc") or (parts[0].endswith(".dist-info") and len(parts) == 2
                                             and parts[1] in INSTALL_TIME_METADATA)

    return _remove_where(bundle, doomed, keep)


def exclude(bundle: str, patterns: Sequence[str], keep: Sequence[str] = ()) -> int:
    """Drop every path matching one of the ``patterns`` (globs on bundle-relative paths)."""
    return _remove_where(bundle, lambda relative, is_dir: _matches(relative, patterns), keep)


def _matches(relative: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(os.path.basename(relative), p) for p in patterns)


def _remove_where(bundle: str, doomed, keep: Sequence[str]) -> int:
    freed = 0
    for root, dirs, files in os.walk(bundle, topdown=True):
        relative_root = os.path.relpath(root, bundle).replace(os.sep, "/")
        prefix = "" if relative_root == "." else relative_root + "/"
        for name in list(dirs):
            relative = prefix + name
            if doomed(relative, True) and not _matches(relative, keep):
                freed += _remove_tree_except(os.path.join(root, name), relative, keep)
                dirs.remove(name)
        for name in files:
            relative = prefix + name
            if doomed(relative, False) and not _matches(relative, keep):
                freed += _remove_file(os.path.join(root, name))
    _remove_empty_directories(bundle)
    return freed


def _remove_tree_except(directory: str, relative: str, keep: Sequence[str]) -> int:
    """Remove a directory's files, but those a ``--keep`` glob protects; return the bytes freed."""
    freed = 0
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            inner = relative + "/" + os.path.relpath(path, directory).replace(os.sep, "/")
            if not _matches(inner, keep):
                freed += _remove_file(path)
    return freed


def _remove_file(path: str) -> int:
    """Remove the file ``path``; the bytes freed, as the bundle counts them.

    Every name counts with its size: the bundle unzips each as a file of its
    own, so a file hard-linked from the build cache frees its size in the
    bundle though the cache's copy stays on disk (the cache's own sizes,
    ``cache_files.bytes_under``, count each inode once). Compiled bytecode
    counts too, though a zip leaves it out (``size_budget.measure``): ``--slim``
    says what it took from the directory.
    """
    size = os.path.getsize(path)
    os.remove(path)
    return size


def _remove_empty_directories(bundle: str) -> None:
    for root, _dirs, _files in os.walk(bundle, topdown=False):
        if root != bundle and not os.listdir(root):
            os.rmdir(root)


def reduce_size(libraries: str, options: "SizeOptions", requirements: str, target: LambdaTarget) -> Dict[str, int]:
    """Apply the opt-in size reductions to the libraries; what each one freed, in bytes, by option name.

    What the runtime provides is left out only where nothing the requirements
    file names itself needs it.
    """
    savings: Dict[str, int] = {}
    if options.exclude_runtime_provided:
        from .requirements_file import read_requirements_file

        distributions = installed_distributions(libraries, target)
        wanted = [_requirement_name(line.requirement.split(";")[0])
                  for line in read_requirements_file(requirements).requirements]
        names = runtime_provided_closure(distributions, wanted=wanted)
        savings["exclude-runtime-provided"] = remove_distributions(libraries, distributions, names)
    if options.slim:
        savings["slim"] = slim(libraries, keep=options.keep)
    if options.exclude:
        savings["exclude"] = exclude(libraries, options.exclude, keep=options.keep)
    return savings


def _requirement_name(requirement: str) -> str:
    try:
        return Requirement(requirement).name
    except InvalidRequirement:
        return requirement
