"""What a requirements file says besides its requirements: index options and hashes.

pip reads the file itself in the first download, but the later passes
(a wheel per package, a build per sdist) name packages one by one; the index
options of the file (``-i``, ``--extra-index-url``, ``-f``, ``--trusted-host``,
``--pre``, ``--only-binary`` ...) and its ``--hash`` pins must follow them
there. This module reads them, following ``-r`` and ``-c`` includes as pip does.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple

from .exceptions import RequirementsFileNotFoundError

# Options that take a value, by every spelling pip accepts in a requirements file.
_VALUE_OPTIONS = {
    "-i": "--index-url", "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links", "--find-links": "--find-links",
    "--trusted-host": "--trusted-host",
    "--only-binary": "--only-binary", "--no-binary": "--no-binary",
}
_FLAG_OPTIONS = {"--pre", "--prefer-binary", "--no-index"}
_INCLUDES = {"-r": False, "--requirement": False, "-c": True, "--constraint": True}
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s+|=)(?P<location>.+)$")


class RequirementLine(NamedTuple):
    path: str
    number: int
    requirement: str  # the requirement itself, options such as --hash removed
    hashes: Tuple[str, ...] = ()  # "sha256:<hex>" as written


class RequirementsFile:
    """What a requirements file holds, with every file it includes read in."""

    def __init__(self, requirements: Optional[List[RequirementLine]] = None,
                 constraints: Optional[List[RequirementLine]] = None, options: Optional[List[Tuple[str, ...]]] = None,
                 files: Optional[List[str]] = None) -> None:
        self.requirements: List[RequirementLine] = requirements or []
        self.constraints: List[RequirementLine] = constraints or []  # from -c files: not requirements
        self.options: List[Tuple[str, ...]] = options or []  # ("--index-url", URL), ("--pre",)
        self.files: List[str] = files or []  # every file read: the one given and its includes

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RequirementsFile) and vars(other) == vars(self)

    def __repr__(self) -> str:
        return "RequirementsFile(%s)" % ", ".join(f"{name}={value!r}" for name, value in vars(self).items())

    @property
    def pip_options(self) -> List[str]:
        """The file's global options, as pip command-line arguments."""
        return [word for option in self.options for word in option]

    def hashes_by_name(self) -> Dict[str, Set[str]]:
        """The allowed ``algorithm:hex`` digests of each pinned project (PEP 503 name).

        Constraints files pin hashes too, and pip holds downloads to them.
        """
        pinned: Dict[str, Set[str]] = {}
        for line in self.requirements + self.constraints:
            name = _name_of(line.requirement)
            if line.hashes and name:
                pinned.setdefault(name, set()).update(line.hashes)
        return pinned


def read_requirements_file(path: str) -> RequirementsFile:
    result = RequirementsFile()
    _read(os.path.abspath(path), result, set(), constraints=False)
    return result


_ARCHIVE = re.compile(r"\.(whl|zip|tar\.gz|tar\.bz2|tgz|tar)$")


def names_a_location(line: RequirementLine) -> bool:
    """Whether ``line`` is a path, URL or VCS link rather than a name: pip reads those itself."""
    text = line.requirement
    return (text.startswith((".", "/", "~", "\\")) or "://" in text or "/" in text.split(";")[0]
            or _ARCHIVE.search(text.split(";")[0].strip()) is not None
            or os.path.exists(os.path.join(os.path.dirname(line.path), text)))


def invalid_requirement(line: RequirementLine) -> Optional[str]:
    """Why ``line`` is no requirement pip could read, or None.

    Paths, URLs and VCS links are left to pip, which knows them; everything
    else must be a PEP 508 requirement.
    """
    if names_a_location(line):
        return None
    from packaging.requirements import InvalidRequirement, Requirement  # only here: the cache check must start fast

    try:
        Requirement(line.requirement)
    except InvalidRequirement as error:
        return str(error).splitlines()[0]
    return None


def _read(path: str, result: RequirementsFile, seen: Set[str], constraints: bool) -> None:
    if path in seen:
        return
    seen.add(path)
    base = os.path.dirname(path)
    if not os.path.isfile(path):
        raise RequirementsFileNotFoundError(path)
    result.files.append(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, raw in logical_lines(f):
            line = _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), _COMMENT.sub("", raw)).strip()
            if not line:
                continue
            editable = _EDITABLE.match(line)
            if editable:  # a project pip installs from where it is: a requirement all the same
                lines = result.constraints if constraints else result.requirements
                lines.append(RequirementLine(path, number, editable.group("location").strip()))
                continue
            if line.startswith("-"):
                _read_option_line(line, base, result, seen)
                continue
            requirement, hashes = _split_hashes(line)
            lines = result.constraints if constraints else result.requirements
            lines.append(RequirementLine(path, number, requirement, hashes))


def _read_option_line(line: str, base: str, result: RequirementsFile, seen: Set[str]) -> None:
    words = shlex.split(line)
    while words:
        word = words.pop(0)
        name, _, inline = word.partition("=")
        if name in _INCLUDES:
            value = inline or (words.pop(0) if words else "")
            _read(os.path.normpath(os.path.join(base, value)), result, seen, constraints=_INCLUDES[name])
        elif name in _VALUE_OPTIONS:
            value = inline or (words.pop(0) if words else "")
            if _VALUE_OPTIONS[name] == "--find-links" and os.path.exists(os.path.join(base, value)):
                value = os.path.normpath(os.path.join(base, value))  # pip's rule for a relative path
            _add(result, (_VALUE_OPTIONS[name], value))
        elif name in _FLAG_OPTIONS:
            _add(result, (name,))


def _add(result: RequirementsFile, option: Tuple[str, ...]) -> None:
    if option not in result.options:
        result.options.append(option)


def _split_hashes(line: str) -> Tuple[str, Tuple[str, ...]]:
    hashes = tuple(re.findall(r"--hash[=\s]+(\S+)", line))
    return re.split(r"\s--hash", line, maxsplit=1)[0].strip(), hashes


def _name_of(requirement: str) -> Optional[str]:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    try:
        return canonicalize_name(Requirement(requirement).name)
    except InvalidRequirement:
        return None


def logical_lines(lines: Iterable[str]) -> Iterator[Tuple[int, str]]:
    """Lines with backslash continuations joined, as pip reads them, numbered by their first line."""
    pending, start = "", 0
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\n")
        if not pending:
            start = number
        if line.endswith("\\") and not line.lstrip().startswith("#"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending
