"""A ``poetry.lock`` read for one Lambda target: the releases ``poetry install`` would install there.

poetry.lock (lock-version 2.0, 2.1; 1.1 read too) lists every ``[[package]]`` of every environment the project
supports, each with its own ``[package.dependencies]``, but not the project itself: what the project asks for
is in the ``pyproject.toml`` beside the lock (PEP 621 ``[project]``, ``[tool.poetry.dependencies]``, the
groups of ``[tool.poetry.group.<name>]`` and PEP 735 ``[dependency-groups]``). The graph is walked here from
those requirements, following each edge whose markers (and poetry's ``python`` constraint) hold on the target.
The main dependencies are always installed, a group only when asked (the project is not: it is the function).

poetry.lock names files without their URLs: each :class:`LockedFile` has ``url=None``, and pip finds the file
on its configured index by its digest. A package from a private index (``source.type = "legacy"``) is found
the same way, so that index must be one pip is configured with (``PIP_INDEX_URL``, ``PIP_EXTRA_INDEX_URL``).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from .lock_entries import file_url, local_path, marker_holds, target_python, vcs_reference
from .lock_errors import LockFileError
from .locked import LockedFile, LockedInput, LockedRelease
from .toml_files import load_toml

Package = Dict[str, Any]
_CONSTRAINT = re.compile(r"(\^|~=|~|===|==|!=|<=|>=|<|>|=)?\s*([^\s,<>=!~^|]+)")


class _Edge(NamedTuple):
    """One dependency as poetry writes it: a version constraint (poetry's syntax or PEP 440), markers, a
    ``python`` constraint, extras, and whether only an extra of its owner brings it."""

    name: str
    constraint: Optional[str] = None
    markers: Optional[str] = None
    python: Optional[str] = None
    extras: Tuple[str, ...] = ()
    optional: bool = False


def read_poetry_lock(path: str, environment: Mapping[str, str], extras: Sequence[str] = (),
                     groups: Sequence[str] = ()) -> LockedInput:
    """The releases the poetry.lock at ``path`` installs on the target whose PEP 508 environment is
    ``environment``: the main dependencies of the pyproject.toml beside it, its ``extras`` and ``groups``."""
    document = load_toml(path)
    lock_version = str(document.get("metadata", {}).get("lock-version", ""))
    if lock_version.split(".")[0] not in ("1", "2"):
        raise LockFileError(path, f"lock-version {lock_version or '(none)'} is not one lambda-pip reads (1.1-2.1)",
                            hint="Lock again with Poetry 1.x or 2.x (`poetry lock`).")
    pyproject = os.path.join(os.path.dirname(os.path.abspath(path)), "pyproject.toml")
    if not os.path.isfile(pyproject):
        raise LockFileError(path, f"poetry.lock needs its pyproject.toml beside it ({pyproject} is not there): "
                                  "the lock does not say what the project itself depends on",
                            hint="Put the project's pyproject.toml next to poetry.lock.")
    try:
        walk = _Walk(path, document, environment, extras, groups)
        python = document.get("metadata", {}).get("python-versions")
        if python and not walk.python_allowed(python):
            raise LockFileError(path, f"the lock is for Python {python}, and the target runs Python "
                                      f"{environment['python_version']}",
                                hint="Widen the project's Python range and run `poetry lock` again, or build for a "
                                     "runtime the lock covers.")
        chosen = walk.walk(_roots(path, load_toml(pyproject), extras, groups))
        releases = tuple(walk.release(package) for _, package in sorted(chosen.items()))
    except (AttributeError, KeyError, TypeError, ValueError) as error:  # a table or a key of the wrong shape
        raise LockFileError(path, f"poetry.lock or its pyproject.toml is not what lambda-pip understands "
                                  f"({type(error).__name__}: {error})",
                            hint="Check pyproject.toml and lock again with `poetry lock`.") from error
    return LockedInput(path, releases)


def _normal(name: str) -> str:
    return str(canonicalize_name(name))


def _edges(name: str, value: Any) -> List[_Edge]:
    """The edges of one ``name = value`` dependency (a constraint, a table, or a list of tables)."""
    return [_Edge(_normal(name), item) if isinstance(item, str) else
            _Edge(_normal(name), item.get("version"), item.get("markers"), item.get("python"),
                  tuple(item.get("extras", ())), bool(item.get("optional", False)))
            for item in (value if isinstance(value, list) else [value])]


def _pep508_edge(text: str) -> _Edge:
    requirement = Requirement(text)
    return _Edge(_normal(requirement.name), str(requirement.specifier) or None,
                 str(requirement.marker) if requirement.marker else None, None, tuple(sorted(requirement.extras)))


def _roots(path: str, pyproject: Dict[str, Any], extras: Sequence[str], groups: Sequence[str]) -> List[_Edge]:
    """What the project asks for on any target: its main dependencies, and those of the extras and groups asked."""
    project, poetry = pyproject.get("project", {}), pyproject.get("tool", {}).get("poetry", {})
    declared = [e for n, v in poetry.get("dependencies", {}).items() if n != "python" for e in _edges(n, v)]
    roots = [_pep508_edge(r) for r in project.get("dependencies", [])] + [e for e in declared if not e.optional]
    by_extra = {_normal(k): [_pep508_edge(r) for r in v] for k, v in project.get("optional-dependencies", {}).items()}
    for extra, names in poetry.get("extras", {}).items():
        wanted = {_normal(n) for n in names}
        by_extra.setdefault(_normal(extra), []).extend(e for e in declared if e.name in wanted)
    by_group: Dict[str, List[_Edge]] = {"main": []}
    tables = dict(poetry.get("group", {}), **({"dev": {"dependencies": poetry["dev-dependencies"]}}
                                              if "dev-dependencies" in poetry else {}))
    for group, table in tables.items():
        by_group.setdefault(_normal(group), []).extend(
            e for n, v in table.get("dependencies", {}).items() for e in _edges(n, v))
    pep735 = pyproject.get("dependency-groups", {})
    for group in pep735:
        by_group.setdefault(_normal(group), []).extend(_pep735(path, pep735, group, ()))
    for kind, wanted_names, available in (("extra", extras, by_extra), ("group", groups, by_group)):
        unknown = sorted({str(w) for w in wanted_names if _normal(w) not in available})
        if unknown:
            have = ", ".join(sorted(k for k in available if k != "main")) or "none"
            raise LockFileError(path, f"the project has no {kind} {', '.join(unknown)} (pyproject.toml has: {have})",
                                hint=f"Ask for one of the {kind}s pyproject.toml has, or add it there and run "
                                     "`poetry lock` again.")
        roots += [e for w in dict.fromkeys(map(_normal, wanted_names)) for e in available[w]]
    own = _normal(str(project.get("name") or poetry.get("name") or ""))
    return _own_extras_expanded(roots, own, by_extra) if own else roots


def _own_extras_expanded(roots: List[_Edge], own: str, by_extra: Dict[str, List[_Edge]]) -> List[_Edge]:
    """``roots`` with each dependency of the project on itself (``all = ["myproject[yaml]"]``) replaced by
    those extras' dependencies, its markers joined to theirs: never a package of that name."""
    expanded: List[_Edge] = []
    pending, seen = list(roots), set()
    while pending:
        edge = pending.pop(0)
        if edge.name != own:
            expanded.append(edge)
            continue
        for extra in map(_normal, edge.extras):
            if (extra, edge.markers) in seen:
                continue
            seen.add((extra, edge.markers))
            for inner in by_extra.get(extra, []):
                markers = inner.markers if not edge.markers else (
                    f"({inner.markers}) and ({edge.markers})" if inner.markers else edge.markers)
                pending.append(inner._replace(markers=markers))
    return expanded


def _pep735(path: str, table: Dict[str, Any], group: str, seen: Tuple[str, ...]) -> List[_Edge]:
    """A PEP 735 group's requirements, with those of the groups it includes."""
    if _normal(group) in seen:
        raise LockFileError(path, f"pyproject.toml's dependency group {group} includes itself")
    named = {_normal(k): k for k in table}
    return [e for item in table[named[_normal(group)]]
            for e in (_pep735(path, table, item["include-group"], seen + (_normal(group),)) if isinstance(item, dict)
                      else [_pep508_edge(item)])]


def _specifiers(constraint: str) -> List[SpecifierSet]:
    """A poetry constraint (``^1.2``, ``~1.2``, ``>=3.8,<3.11``, ``3.9.* || 3.11.*``) as PEP 440 alternatives."""
    alternatives = []
    for alternative in re.split(r"\|\|?", constraint):
        parts = []
        for operator, version in _CONSTRAINT.findall(alternative):
            if operator in ("^", "~"):  # ^1.2.3: >=1.2.3,<2.0.0 (^0.2: <0.3); ~1.2.3: >=1.2.3,<1.3.0
                release = Version(version).release
                bump = (next((i for i, n in enumerate(release) if n), len(release) - 1) if operator == "^"
                        else min(1, len(release) - 1))
                parts += [f">={version}", "<" + ".".join(map(str, release[:bump] + (release[bump] + 1,)))]
            elif version != "*":
                parts.append(("==" if operator in ("", "=") else operator) + version)
        alternatives.append(SpecifierSet(",".join(parts)))
    return alternatives


class _Walk:
    """The packages of one poetry.lock by normalized name, and the walk from the project on one target."""

    def __init__(self, path: str, document: Dict[str, Any], environment: Mapping[str, str],
                 extras: Sequence[str], groups: Sequence[str]) -> None:
        self.path = path
        self.directory = os.path.dirname(os.path.abspath(path))
        self.environment = environment
        self.extras = sorted({_normal(e) for e in extras}) or [""]  # the project's: 2.1's markers name them
        self.groups = {"main"} | {_normal(g) for g in groups}
        self.by_name: Dict[str, List[Package]] = {}
        for package in document.get("package", []):
            self.by_name.setdefault(_normal(package["name"]), []).append(package)
        self.old_files = {_normal(k): v for k, v in document.get("metadata", {}).get("files", {}).items()}  # 1.1

    def python_allowed(self, constraint: str) -> bool:
        return any(s.contains(target_python(self.environment), prereleases=True) for s in _specifiers(constraint))

    def walk(self, roots: List[_Edge]) -> Dict[str, Package]:
        """Every package reached from the project's ``roots`` on the target, by name: one version of each."""
        chosen: Dict[str, Package] = {}
        walked: Dict[int, Set[str]] = {}  # id(package) -> its extras followed ("" for its own dependencies)
        stack = [(self._package(edge, "pyproject.toml", chosen), edge.extras)
                 for edge in roots if self._applies("pyproject.toml", edge, [""])]
        while stack:
            package, extras = stack.pop()
            name = _normal(package["name"])
            if chosen.setdefault(name, package) is not package:
                raise LockFileError(self.path, f"{name} is reached in two versions on the target "
                                               f"({chosen[name]['version']} and {package['version']})",
                                    hint="Lock again with `poetry lock`.")
            done = walked.setdefault(id(package), set())
            if {""} | set(map(_normal, extras)) <= done:
                continue
            done |= {""} | set(map(_normal, extras))
            active = sorted(done - {""}) or [""]
            brought = {r.name for extra, required in package.get("extras", {}).items() if _normal(extra) in active
                       for r in map(_pep508_edge, required)
                       if marker_holds(self.path, name, r.markers, self.environment)}
            for dependency, value in package.get("dependencies", {}).items():
                for edge in _edges(dependency, value):
                    if (not edge.optional or edge.name in brought) and self._applies(name, edge, active):
                        stack.append((self._package(edge, name, chosen), edge.extras))
        return chosen

    def release(self, package: Package) -> LockedRelease:
        """What a reached package installs: its files (found on the index by digest), or its location."""
        name, version = _normal(package["name"]), str(package["version"])
        source = package.get("source", {})
        kind, url = source.get("type"), source.get("url", "")
        files = package.get("files") or self.old_files.get(name) or []
        hashes = {f["file"]: (str(f["hash"]),) if f.get("hash") else () for f in files}
        if kind == "directory":
            return LockedRelease(name, version, direct=local_path(self.directory, url))
        if kind == "git":
            commit = source.get("resolved_reference") or source.get("reference") or "HEAD"
            return LockedRelease(name, version, direct=vcs_reference(url, commit, source.get("subdirectory")))
        if kind in ("file", "url"):  # one archive, by its location
            filename = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            digests = hashes.get(filename) or tuple(h for v in hashes.values() for h in v)
            archive = LockedFile(filename, file_url(self.directory, url) if kind == "file" else url, digests)
            return (LockedRelease(name, version, wheels=(archive,)) if filename.endswith(".whl")
                    else LockedRelease(name, version, sdist=archive))
        wheels = tuple(LockedFile(f, None, h) for f, h in hashes.items() if f.endswith(".whl"))
        sdist = next((LockedFile(f, None, h) for f, h in hashes.items() if not f.endswith(".whl")), None)
        return LockedRelease(name, version, wheels=wheels, sdist=sdist)

    def _applies(self, owner: str, edge: _Edge, extras: List[str]) -> bool:
        if edge.python and not self.python_allowed(edge.python):
            return False
        return any(marker_holds(self.path, f"{owner} -> {edge.name}", edge.markers, self.environment, extra)
                   for extra in extras)

    def _package(self, edge: _Edge, owner: str, chosen: Dict[str, Package]) -> Package:
        """The locked package an edge means: the only one of its name, else the one chosen already, else the one
        whose version its constraint allows and whose markers (lock-version 2.1) hold on the target."""
        candidates = self.by_name.get(edge.name, [])
        if len(candidates) > 1 and edge.name in chosen:
            candidates = [p for p in candidates if p is chosen[edge.name]] or candidates
        if len(candidates) > 1 and edge.constraint:
            candidates = [p for p in candidates if any(s.contains(str(p["version"]), prereleases=True)
                                                       for s in _specifiers(edge.constraint))]
        if len(candidates) > 1:
            candidates = [p for p in candidates if self._marked_for_target(p)]
        if len(candidates) != 1:
            found = ", ".join(str(p["version"]) for p in self.by_name.get(edge.name, [])) or "none"
            wanted = f"{edge.name} {edge.constraint}" if edge.constraint else edge.name
            raise LockFileError(self.path, f"{owner} depends on {wanted} on the target, and the lock has "
                                           f"{len(candidates) or 'no'} package(s) that fit (versions: {found})",
                                hint="Run `poetry lock` again (the lock may be older than pyproject.toml).")
        return candidates[0]

    def _marked_for_target(self, package: Package) -> bool:
        """Whether the lock says ``package`` is for the target: its ``python-versions``, and its ``markers``
        (lock-version 2.1: one for all its groups, or one per group, a group without one being unconditional)."""
        markers = package.get("markers")
        by_group = markers if isinstance(markers, dict) else {g: markers for g in package.get("groups", ["main"])}
        groups = [g for g in package.get("groups", list(by_group)) if _normal(g) in self.groups]
        python = str(package.get("python-versions", "*"))
        return (python == "*" or self.python_allowed(python)) and any(
            marker_holds(self.path, package["name"], by_group.get(g), self.environment, extra)
            for g in groups for extra in self.extras)
