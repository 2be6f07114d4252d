"""pyproject.toml as a build's input: the project's dependencies (PEP 621), the extras asked for
(``optional-dependencies``) and the dependency groups asked for (PEP 735, with ``packaging.dependency_groups``),
as requirement lines resolved for the target like a requirements file's.

The project itself is the function's code: its dependencies are installed, not the project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence

from packaging.utils import canonicalize_name

from .lock_errors import LockFileError
from .toml_files import load_toml

if TYPE_CHECKING:
    from .target import LambdaTarget


def pyproject_requirements(path: str, extras: Sequence[str] = (), groups: Sequence[str] = (),
                           target: Optional["LambdaTarget"] = None) -> List[str]:
    """The PEP 508 requirements of the project in ``path``, with its extras and dependency groups named.

    A requirement of the project on itself (an extra ``all = ["myproject[yaml]"]``) stands for those extras
    of its own, never a package of that name on an index. With a ``target``, the project's
    ``requires-python`` must hold for the target's Python.
    """
    document = load_toml(path)
    project: Dict[str, Any] = document.get("project") or {}
    if target is not None and project.get("requires-python"):
        _check_requires_python(path, str(project["requires-python"]), target)
    if "dependencies" in (project.get("dynamic") or []):
        raise LockFileError(path, "the project's dependencies are dynamic: the file does not say what they are",
                            hint="Build from the requirements or the lock file your build backend writes.")
    if not project and "poetry" in document.get("tool", {}):
        raise LockFileError(path, "its dependencies are Poetry's own ([tool.poetry]), with no [project] table",
                            hint="Build from poetry.lock (with this pyproject.toml beside it), or run `poetry lock`.")
    requirements = list(_strings(path, project.get("dependencies", []), "project.dependencies"))
    declared = project.get("optional-dependencies") or {}
    optional: Dict[str, Any] = {canonicalize_name(name): value for name, value in declared.items()}
    for extra in extras:
        if canonicalize_name(extra) not in optional:
            raise LockFileError(path, f"the project has no extra {extra!r} "
                                      f"(it has: {', '.join(sorted(optional)) or 'none'})")
        requirements += _strings(path, optional[canonicalize_name(extra)], f"optional-dependencies.{extra}")
    if groups:
        requirements += _group_requirements(path, document.get("dependency-groups") or {}, groups)
    return _own_extras_expanded(path, requirements, str(project.get("name", "")), optional)


def _own_extras_expanded(path: str, requirements: List[str], name: str, optional: Mapping[str, Any]) -> List[str]:
    """``requirements`` with each requirement of the project on itself replaced by those extras' requirements
    (with its marker joined to theirs), once each."""
    from packaging.requirements import InvalidRequirement, Requirement

    own = canonicalize_name(name) if name else None
    expanded: List[str] = []
    pending = list(requirements)
    seen = set()
    while pending:
        line = pending.pop(0)
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            expanded.append(line)  # pip says what is wrong with it
            continue
        if own is None or canonicalize_name(requirement.name) != own:
            expanded.append(line)
            continue
        for extra in sorted(canonicalize_name(e) for e in requirement.extras):
            if extra not in optional:
                raise LockFileError(path, f"{line!r} names the project's extra {extra!r}, which it does not have")
            if (extra, str(requirement.marker)) in seen:
                continue
            seen.add((extra, str(requirement.marker)))
            for included in _strings(path, optional[extra], f"optional-dependencies.{extra}"):
                pending.append(_with_marker(included, requirement.marker))
    return expanded


def _with_marker(line: str, marker: Any) -> str:
    """``line`` that applies only where ``marker`` holds too."""
    if marker is None:
        return line
    from packaging.requirements import Requirement

    requirement = Requirement(line)
    joined = f"({requirement.marker}) and ({marker})" if requirement.marker else str(marker)
    requirement.marker = None
    return f"{requirement}; {joined}"


def _check_requires_python(path: str, specifier: str, target: "LambdaTarget") -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    version = target.marker_environment()["python_full_version"]
    try:
        allowed = SpecifierSet(specifier)
    except InvalidSpecifier as error:
        raise LockFileError(path, f"its requires-python {specifier!r} is not valid: {error}") from error
    if not allowed.contains(version, prereleases=True):
        raise LockFileError(path, f"the project requires Python {specifier}; {target.describe()} runs {version}",
                            hint="Build for a runtime the project supports, or widen requires-python.")


def _group_requirements(path: str, table: Dict[str, Any], groups: Sequence[str]) -> List[str]:
    from packaging.dependency_groups import resolve_dependency_groups

    known = {canonicalize_name(name) for name in table}
    unknown = [group for group in groups if canonicalize_name(group) not in known]
    if unknown:
        raise LockFileError(path, f"no dependency group {', '.join(map(repr, unknown))} "
                                  f"(it has: {', '.join(sorted(known)) or 'none'})")
    try:
        return list(resolve_dependency_groups(table, *groups))
    except (ValueError, TypeError, LookupError) as error:
        raise LockFileError(path, f"its [dependency-groups] table is not valid: {error}") from error


def _strings(path: str, values: Any, where: str) -> List[str]:
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise LockFileError(path, f"{where} is not a list of requirement strings")
    return values

