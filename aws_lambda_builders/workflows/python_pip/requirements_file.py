"""What a requirements file says besides its requirements: index options and hashes.

pip reads the file itself in the first download, but the later passes
(a wheel per package, a build per sdist) name packages one by one; the index
options of the file (``-i``, ``--extra-index-url``, ``-f``, ``--trusted-host``,
``--pre``, ``--only-binary`` ...) and its ``--hash`` pins must follow them
there. This module reads them, following ``-r`` and ``-c`` includes as pip does.

It decodes a file as pip does (a byte-order mark, else a PEP 263 ``coding``
line, else the locale's encoding), so that a file pip would read is read, and
one pip would crash on is refused here, naming its line, before pip runs.
"""

from __future__ import annotations

import codecs
import os
import re
import shlex
import sys
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Set, Tuple

from .exceptions import HashMismatchError, RequirementsFileEncodingError, RequirementsFileNotFoundError

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
    editable: bool = False  # named with -e/--editable


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
    if not os.path.isfile(path):
        raise RequirementsFileNotFoundError(path)
    result.files.append(path)
    for number, raw in logical_lines(decode_requirements_file(path).splitlines()):
        line = _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), _COMMENT.sub("", raw)).strip()
        if not line:
            continue
        editable = _EDITABLE.match(line)
        if editable:  # a project pip installs from where it is: a requirement all the same
            lines = result.constraints if constraints else result.requirements
            lines.append(RequirementLine(path, number, editable.group("location").strip(), editable=True))
            continue
        if line.startswith("-"):
            _read_option_line(line, path, number, result, seen)
            continue
        requirement, hashes = _split_hashes(line)
        lines = result.constraints if constraints else result.requirements
        lines.append(RequirementLine(path, number, requirement, hashes))


def _read_option_line(line: str, path: str, number: int, result: RequirementsFile, seen: Set[str]) -> None:
    base = os.path.dirname(path)
    words = shlex.split(line)
    while words:
        word = words.pop(0)
        name, _, inline = word.partition("=")
        if name in _INCLUDES:
            value = inline or (words.pop(0) if words else "")
            included = os.path.normpath(os.path.join(base, value))
            if not os.path.isfile(included):
                raise RequirementsFileNotFoundError(included, named_as=value, named_on=(path, number),
                                                    resolved_against=resolved_against_file(path))
            _read(included, result, seen, constraints=_INCLUDES[name])
        elif name in _VALUE_OPTIONS:
            value = inline or (words.pop(0) if words else "")
            if _VALUE_OPTIONS[name] == "--find-links" and os.path.exists(os.path.join(base, value)):
                value = os.path.normpath(os.path.join(base, value))  # pip's rule for a relative path
            _add(result, (_VALUE_OPTIONS[name], value))
        elif name in _FLAG_OPTIONS:
            _add(result, (name,))


def resolved_against_file(path: str) -> str:
    """Where pip resolves the relative paths of ``-r``, ``-c`` and ``-f`` in the file ``path``, said for a user."""
    return f"{os.path.dirname(path)}, the directory of {os.path.basename(path)}"


def resolved_against_cwd(cwd: Optional[str] = None) -> str:
    """Where pip resolves a relative path that a requirement line names (the directory it runs in), said for a user."""
    return f"{cwd or os.getcwd()}, the current directory"


# pip's ``auto_decode``: a byte-order mark (in pip's order), then a coding declaration on one of the first two lines.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF32, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
)
_CODING = re.compile(rb"coding[:=]\s*([-\w.]+)")


def has_requirement_lines(path: str) -> bool:
    """Whether a line of the file is neither blank nor a comment: aws-lambda-builders' look, through the
    builtin ``open(path, "r")``; a file the locale's encoding cannot read is decoded as pip decodes it."""
    try:
        with open(path, "r") as requirements:  # noqa: PLW1514 - aws-lambda-builders' call, which callers replace
            return any(_is_requirement_line(line) for line in requirements)
    except UnicodeDecodeError:
        return any(_is_requirement_line(line) for line in decode_requirements_file(path).splitlines())


def _is_requirement_line(line: str) -> bool:
    stripped = line.strip().lstrip("\ufeff")
    return bool(stripped) and not stripped.startswith("#")


def decode_requirements_file(path: str) -> str:
    """The text of a requirements file, decoded as pip decodes it.

    A UTF-8 (or UTF-16, UTF-32) byte-order mark is honoured and removed, and so
    is a ``# -*- coding: NAME -*-`` line among the first two; any other file is
    read in the locale's encoding, as pip reads it. Raises
    :class:`RequirementsFileEncodingError` naming the first line that does not
    decode, which pip would fail on with a traceback.
    """
    with open(path, "rb") as f:
        data = f.read()
    return decode_requirements(data, path)


def decode_requirements(data: bytes, path: str) -> str:
    """:func:`decode_requirements_file` for bytes already read from ``path``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            data, declared = data[len(bom):], encoding
            break
    else:
        declared = next((match.group(1).decode("ascii") for line in data.split(b"\n")[:2]
                         if line[:1] == b"#" for match in [_CODING.search(line)] if match), "")
    if not declared and data.isascii():  # the same text in every locale's encoding pip may use
        return data.decode("ascii")
    if not declared:
        import locale  # here: an unchanged rebuild of an ASCII file does without it

        declared = locale.getpreferredencoding(False) or sys.getdefaultencoding()
    encoding = declared
    try:
        return data.decode(encoding)
    except LookupError as error:
        raise RequirementsFileEncodingError(path, 1, encoding,
                                            f"{encoding!r} is not an encoding Python knows") from error
    except UnicodeDecodeError as error:
        number = data[:error.start].count(b"\n") + 1
        raise RequirementsFileEncodingError(path, number, encoding,
                                            f"byte 0x{data[error.start]:02x} is not {encoding}") from error


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
        line = line.rstrip("\r\n")
        if not pending:
            start = number
        if line.endswith("\\") and not line.lstrip().startswith("#"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def check_pinned_download(path: str, name: str, identifier: str, pinned: Dict[str, Set[str]]) -> None:
    """Hold a file downloaded for the project ``name`` to the ``--hash`` pins (``pinned``, by project, as
    :meth:`RequirementsFile.hashes_by_name` gives them), as pip holds the files of its first download: when
    none of its digests is pinned, the file is removed and :class:`HashMismatchError` says what it has.
    Each algorithm's digest is computed once."""
    allowed = pinned.get(name, set())
    algorithms = ({pin.split(":", 1)[0] for pin in allowed} & {"sha256", "sha384", "sha512"}) | {"sha256"}
    digests = {algorithm: _hex_digest(path, algorithm) for algorithm in sorted(algorithms)}
    if any(f"{algorithm}:{digest}" in allowed for algorithm, digest in digests.items()):
        return
    os.remove(path)
    raise HashMismatchError([identifier], f"{os.path.basename(path)} has sha256:{digests['sha256']}, "
                                          "which is not pinned")


def _hex_digest(path: str, algorithm: str) -> str:
    from .digests import file_hash

    return file_hash(path, algorithm).hexdigest()
