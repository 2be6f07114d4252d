"""pyproject.toml as a build's input: the project's dependencies (PEP 621), the extras asked for
(``optional-dependencies``) and the dependency groups asked for (PEP 735, with ``packaging.dependency_groups``),
as requirement lines resolved for the target like a requirements file's.

The project itself is the function's code: its dependencies are installed, not the project.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

from packaging.utils import canonicalize_name

from .lock_errors import LockFileError
from .toml_files import load_toml


def pyproject_requirements(path: str, extras: Sequence[str] = (), groups: Sequence[str] = ()) -> List[str]:
    """The PEP 508 requirements of the project in ``path``, with its extras and dependency groups named."""
    document = load_toml(path)
    project: Dict[str, Any] = document.get("project") or {}
    if "dependencies" in (project.get("dynamic") or []):
        raise LockFileError(path, "the project's dependencies are dynamic: the file does not say what they are",
                            hint="Build from the requirements or the lock file your build backend writes.")
    if not project and "poetry" in document.get("tool", {}):
        raise LockFileError(path, "its dependencies are Poetry's own ([tool.poetry]), with no [project] table",
                            hint="Build from poetry.lock (with this pyproject.toml beside it), or run `poetry lock`.")
    requirements = list(_strings(path, project.get("dependencies", []), "project.dependencies"))
    optional = {canonicalize_name(name): value for name, value in (project.get("optional-dependencies") or {}).items()}
    for extra in extras:
        if canonicalize_name(extra) not in optional:
            raise LockFileError(path, f"the project has no extra {extra!r} "
                                      f"(it has: {', '.join(sorted(optional)) or 'none'})")
        requirements += _strings(path, optional[canonicalize_name(extra)], f"optional-dependencies.{extra}")
    if groups:
        requirements += _group_requirements(path, document.get("dependency-groups") or {}, groups)
    return requirements


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

