"""A ``uv.lock`` read for one Lambda target: the releases ``uv sync`` would install there, as :class:`LockedRelease`.

uv.lock (version 1) is not a list but a graph: every ``[[package]]`` names its ``dependencies`` (with the marker
under which each applies), its ``optional-dependencies`` by extra and, for a workspace member, its
``dev-dependencies`` by group. It is walked here from the function's own project, the package at the lock's
own directory (``source = { virtual | editable | directory = "." }``), which is not installed: the Lambda
bundle is its dependencies. A workspace whose root is no project (only ``[manifest] members``) installs every
member and what they need, as ``uv sync`` does there.

An edge is followed when its marker holds in the target's environment. Where the lock forks (one name, several
versions for several environments), the edge names the version (and source) it means, and its marker tells the
target's; an edge that does not is settled by the packages' ``resolution-markers``.

Extras and groups are the caller's: uv installs the group ``dev`` by default (``default-groups``), but a Lambda
bundle has no use for development tools, so no group is installed unless asked.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from .lock_entries import file_url, local_path, marker_holds, target_python, vcs_reference
from .lock_errors import LockFileError
from .locked import LockedFile, LockedInput, LockedRelease
from .toml_files import load_toml

Package = Dict[str, Any]
_LOCAL = ("virtual", "editable", "directory")  # sources that are a project directory


def read_uv_lock(path: str, environment: Mapping[str, str], extras: Sequence[str] = (),
                 groups: Sequence[str] = ()) -> LockedInput:
    """The releases the uv.lock at ``path`` installs on the target whose PEP 508 environment is ``environment``,
    with the root project's ``extras`` and dependency ``groups`` (sorted by name, the root left out)."""
    document = load_toml(path)
    if document.get("version") != 1:
        raise LockFileError(path, f"uv.lock version {document.get('version')!r} is not one lambda-pip reads (1)",
                            hint="Lock again with a uv release that writes version 1 (`uv lock`).")
    _check_python(path, document.get("requires-python"), environment)
    try:
        graph = _Graph(path, document, environment, extras, groups)
        root = graph.root(document)
        entries = list(root.get("dependencies", []))
        entries += _selected(path, root, "optional-dependencies", "provides-extras", extras, "extra")
        entries += _selected(path, root, "dev-dependencies", "requires-dev", groups, "group")
        releases = [graph.release(package) for package in graph.walk(root, entries).values() if package is not root]
    except (AttributeError, KeyError, TypeError, ValueError) as error:  # a table or a key of the wrong shape
        raise LockFileError(path, f"not a uv.lock lambda-pip understands ({type(error).__name__}: {error})",
                            hint="Lock again with `uv lock`.") from error
    return LockedInput(path, tuple(sorted((r for r in releases if r is not None), key=lambda r: r.name)))


def _check_python(path: str, requires: Any, environment: Mapping[str, str]) -> None:
    """uv writes markers simplified under ``requires-python``: they say nothing true of a Python outside it."""
    if not requires:
        return
    try:
        allowed = SpecifierSet(str(requires)).contains(target_python(environment), prereleases=True)
    except InvalidSpecifier as error:
        raise LockFileError(path, f"requires-python {requires!r} is not a version specifier") from error
    if not allowed:
        raise LockFileError(path, f"the lock is for Python {requires}, and the target runs Python "
                                  f"{environment['python_version']}",
                            hint="Widen requires-python in pyproject.toml to the Lambda runtime's Python and run "
                                 "`uv lock` again, or build for a runtime the lock covers.")


def _selected(path: str, root: Package, table: str, declared: str, wanted: Sequence[str], kind: str) -> List[Any]:
    """The root's dependency entries for the ``wanted`` extras (or groups); an unknown one is an error."""
    available: Dict[str, List[Any]] = {canonicalize_name(k): v for k, v in root.get(table, {}).items()}
    metadata = root.get("metadata", {}).get(declared, [])
    known = set(available) | {canonicalize_name(k) for k in metadata}
    unknown = sorted({str(w) for w in wanted if canonicalize_name(w) not in known})
    if unknown:
        have = ", ".join(sorted(known)) or "none"
        raise LockFileError(path, f"{root.get('name', 'the project')} has no {kind} {', '.join(unknown)} "
                                  f"(the lock has: {have})",
                            hint=f"Ask for one of the {kind}s the lock has, or add it to pyproject.toml and run "
                                 "`uv lock` again.")
    return [entry for w in dict.fromkeys(canonicalize_name(w) for w in wanted) for entry in available.get(w, [])]


class _Graph:
    """The packages of one uv.lock by normalized name, and the walk from its root on one target."""

    def __init__(self, path: str, document: Dict[str, Any], environment: Mapping[str, str],
                 extras: Sequence[str], groups: Sequence[str]) -> None:
        self.path = path
        self.directory = os.path.dirname(os.path.abspath(path))
        self.environment = environment
        self.by_name: Dict[str, List[Package]] = {}
        packages = document.get("package", [])
        if not isinstance(packages, list) or not all(isinstance(p, dict) and "name" in p for p in packages):
            raise LockFileError(path, "its [[package]] entries are not tables with a name")
        for package in packages:
            self.by_name.setdefault(canonicalize_name(package["name"]), []).append(package)
        self.extras = extras
        self.groups = groups
        self.conflict_items: Set[str] = set()  # uv's markers name a conflicting extra as `extra-<n>-<pkg>-<extra>`

    def root(self, document: Dict[str, Any]) -> Package:
        """The package at the lock's directory, or a virtual one depending on every workspace member."""
        roots = [p for ps in self.by_name.values() for p in ps if self._local(p) == "."]
        manifest = document.get("manifest", {})
        if roots:
            root = roots[0]
        elif manifest.get("members"):
            members = [self._package({"name": m}, "the workspace") for m in manifest["members"]]
            root = {"name": "the workspace", "source": {"virtual": "."},
                    "dependencies": [{"name": m["name"], "extra": list(self.extras)} for m in members]
                    + list(manifest.get("requirements", [])),
                    "optional-dependencies": {e: [] for m in members for e in m.get("optional-dependencies", {})},
                    "metadata": {"provides-extras": [e for m in members
                                                     for e in m.get("metadata", {}).get("provides-extras", [])]},
                    "dev-dependencies": manifest.get("dependency-groups", {})}
        else:
            raise LockFileError(self.path, "it names no project at its own directory and no workspace members",
                                hint="Give the uv.lock of the function's project (run `uv lock` where its "
                                     "pyproject.toml is).")
        name = str(canonicalize_name(root["name"]))
        self.conflict_items = {f"{kind}-{len(name)}-{name}-{canonicalize_name(w)}"
                               for kind, wanted in (("extra", self.extras), ("group", self.groups)) for w in wanted}
        return root

    def walk(self, root: Package, entries: List[Any]) -> Dict[str, Package]:
        """Every package reached from ``root`` through ``entries``, by name: one version of each."""
        chosen: Dict[str, Package] = {}
        walked: Dict[int, Set[str]] = {}  # id(package) -> the extras (and "" for its own dependencies) followed
        stack: List[Tuple[Package, List[Any]]] = [(root, entries)]
        while stack:
            package, todo = stack.pop()
            name = canonicalize_name(package["name"])
            if chosen.setdefault(name, package) is not package:
                raise LockFileError(self.path, f"{name} is reached in two versions on the target "
                                               f"({chosen[name].get('version')} and {package.get('version')})",
                                    hint="Lock again with `uv lock`; uv.lock chooses one version per target.")
            for entry in todo:
                if not isinstance(entry, dict) or "name" not in entry:
                    raise LockFileError(self.path, f"{package['name']}: a dependency is not a table with a name")
                if not self._holds(f"{package['name']} -> {entry['name']}", entry.get("marker")):
                    continue
                target = self._package(entry, package["name"])
                done = walked.setdefault(id(target), set())
                for extra in [""] + [canonicalize_name(e) for e in entry.get("extra", [])]:
                    if extra not in done:
                        done.add(extra)
                        more = (target.get("dependencies", []) if not extra
                                else target.get("optional-dependencies", {}).get(extra, []))
                        stack.append((target, list(more)))
        return chosen

    def release(self, package: Package) -> Optional[LockedRelease]:
        """What a reached package installs: nothing for a virtual one, else its files or its location."""
        name, version = str(canonicalize_name(package["name"])), package.get("version")
        source = package.get("source", {})
        if "virtual" in source:
            return None
        local = self._local(package)
        if local is not None:
            return LockedRelease(name, version, direct=local_path(self.directory, local))
        if "git" in source:
            location, _, commit = str(source["git"]).partition("#")
            base, _, query = location.partition("?")
            subdirectory = urllib.parse.parse_qs(query).get("subdirectory", [None])[0]
            return LockedRelease(name, version, direct=vcs_reference(base, commit, subdirectory))
        base_url, files_at = None, self.directory
        if "path" in source:
            base_url = file_url(self.directory, source["path"])
        elif "url" in source:
            base_url = source["url"]
        elif "registry" in source and "://" not in str(source["registry"]):
            files_at = local_path(self.directory, source["registry"])  # a --find-links directory
        wheels = tuple(self._file(package, wheel, base_url, files_at) for wheel in package.get("wheels", []))
        sdist = package.get("sdist")
        return LockedRelease(name, version, wheels=wheels,
                             sdist=self._file(package, sdist, base_url, files_at) if sdist is not None else None)

    def _file(self, package: Package, entry: Dict[str, Any], base_url: Optional[str], files_at: str) -> LockedFile:
        url = entry.get("url") or (file_url(files_at, entry["path"]) if "path" in entry else base_url)
        if not url:
            raise LockFileError(self.path, f"{package['name']} {package.get('version')}: a file has no url or path")
        filename = entry.get("filename") or urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        return LockedFile(filename, url, (str(entry["hash"]),) if entry.get("hash") else ())

    def _package(self, entry: Dict[str, Any], owner: str) -> Package:
        """The package a dependency entry means: by name, then by the version and source it gives (a fork)."""
        name = canonicalize_name(entry["name"])
        candidates = [p for p in self.by_name.get(name, [])
                      if all(key not in entry or p.get(key) == entry[key] for key in ("version", "source"))]
        if len(candidates) > 1:  # an edge that does not say which: the version resolved for the target's fork
            candidates = [p for p in candidates if not p.get("resolution-markers")
                          or any(self._holds(name, m) for m in p["resolution-markers"])]
        if len(candidates) != 1:
            found = ", ".join(str(p.get("version")) for p in self.by_name.get(name, [])) or "none"
            raise LockFileError(self.path, f"{owner} depends on {name} {entry.get('version', '')}".rstrip()
                                + f", which the lock has {len(candidates) or 'no'} matching package(s) for "
                                  f"(versions: {found})",
                                hint="Lock again with `uv lock`.")
        return candidates[0]

    def _holds(self, owner: str, marker: Optional[str]) -> bool:
        extra = next(iter(self.conflict_items)) if len(self.conflict_items) == 1 else frozenset(self.conflict_items)
        return marker_holds(self.path, owner, marker, self.environment, extra or "")

    @staticmethod
    def _local(package: Package) -> Optional[str]:
        source = package.get("source", {})
        for key in _LOCAL:
            if key in source:
                return os.path.normpath(str(source[key]))
        return None
