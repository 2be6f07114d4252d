"""Local directory requirements (``./pkg``, ``-e ./pkg``), built from copies in the scratch directory.

pip builds a project directory where it is: setuptools leaves ``build/`` and
``*.egg-info`` in it, and ``pip download`` of an editable one zips it up as if
it were an sdist. A build must write nothing into the user's project, and a
Lambda bundle has no use for an editable install. So each local directory
requirement is copied into the scratch directory (without version control,
virtual environments and build outputs), and pip is given copies of the
requirements files in which those lines name the copies, as plain
requirements. Every other line is kept as written. Paths resolve as pip
resolves them: a requirement's against the current directory, an include's
(``-r``, ``-c``) and a ``-f`` directory's against the file that names them;
the copies name includes and ``-f`` directories by absolute path.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import shlex
import shutil
import stat
import urllib.parse
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from .exceptions import DiskFullError, LocalRequirementNotFoundError, UnreadableProjectError, UnsafeProjectLinkError
from .paths import is_within
from .requirements_file import (
    RequirementLine,
    decode_requirements_file,
    read_requirements_file,
    resolved_against_cwd,
)
from .local_requirements import local_location, looks_like_path, strip_extras
from .source_copy import VIRTUAL_ENVIRONMENT_MARKER


# What a project directory holds that a build does not read, or must not see (stale build outputs).
EXCLUDED = (".git", ".hg", ".svn", ".bzr", "__pycache__", "*.egg-info", ".eggs", ".tox", ".nox",
            ".mypy_cache", ".pytest_cache", ".ruff_cache", "*.pyc")
EXCLUDED_AT_ROOT = ("build", "dist")

_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s+|=)")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_INCLUDES = ("-r", "--requirement", "-c", "--constraint")
_FIND_LINKS = ("-f", "--find-links")


class ScratchRequirements(NamedTuple):
    """The requirements file to give pip, and the local projects copied for it."""

    path: str
    copies: Dict[str, str]  # the user's project directory -> its copy


def missing_local_path(line: RequirementLine, cwd: str) -> Optional[LocalRequirementNotFoundError]:
    """The error for a line that names a local path (not a URL, not a name) which is not there, else None."""
    text = line.requirement
    if "://" in text or " @ " in text or text.lower().startswith("file:"):
        return None
    location = strip_extras(text if line.editable else text.split(";")[0].strip())[0]
    if not (looks_like_path(location) or line.editable) or os.path.exists(os.path.join(cwd, location)):
        return None
    if line.editable and not looks_like_path(location) and "+" in location.split(":")[0]:
        return None  # a VCS link without a scheme's slashes: pip's to judge
    beside_file = os.path.normpath(os.path.join(os.path.dirname(line.path), location))
    hint = ""
    if os.path.exists(beside_file) and os.path.dirname(line.path) != os.path.normpath(cwd):
        hint = (f"It is there relative to {os.path.basename(line.path)} ({beside_file}), but pip resolves a "
                f"requirement's path against the directory it runs in: run from {os.path.dirname(line.path)}, "
                "or write the path absolute.")
    return LocalRequirementNotFoundError(line.path, line.number, text, os.path.normpath(os.path.join(cwd, location)),
                                         resolved_against_cwd(cwd), hint)


def copy_project(source: str, destination: str, skip: Iterable[str] = ()) -> None:
    """Copy the local project ``source`` to ``destination`` for pip to build, without VCS data, virtual
    environments and build outputs.

    ``skip`` holds the build's own paths (its scratch directory, output, staging
    directory, cache), left out when they lie inside the project; so is
    ``destination``. Symbolic links are copied as what they point to, inside
    the project or out of it (a monorepo's ``README.md -> ../README.md``); a
    link to nothing is left out. A directory link that leads back into a
    directory being copied (``up -> ..``) would be copied without end: it
    raises :class:`UnsafeProjectLinkError` naming it. A file or directory that
    cannot be read raises :class:`UnreadableProjectError`, a full disk
    :class:`DiskFullError`; another failure to write is the ``OSError`` naming
    the file.
    """
    root = os.path.realpath(source)
    skipped = [os.path.realpath(path) for path in skip] + [os.path.realpath(destination)]
    os.makedirs(destination)
    # (directory relative to the project, its real path, the real directories entered down to it)
    pending: List[Tuple[str, str, Tuple[str, ...]]] = [("", root, (root,))]
    while pending:
        relative, real_directory, entered = pending.pop()
        try:
            names = sorted(os.listdir(real_directory))
        except OSError as error:
            raise UnreadableProjectError(source, os.path.join(source, relative), error.strerror or str(error)) \
                from error
        for name in names:
            if _is_excluded(name, at_root=not relative):
                continue
            path = os.path.join(relative, name)
            origin = _project_entry(source, path, os.path.join(real_directory, name), entered, skipped)
            if origin is None:
                continue
            copy = os.path.join(destination, path)
            if os.path.isdir(origin):
                if not os.path.isfile(os.path.join(origin, VIRTUAL_ENVIRONMENT_MARKER)):
                    os.mkdir(copy)
                    pending.append((path, origin, entered + (origin,)))
            else:
                _copy_project_file(source, os.path.join(source, path), origin, copy)


def _is_excluded(name: str, at_root: bool) -> bool:
    """Whether an entry called ``name`` of a local project is left out of its copy (``at_root``: at its top)."""
    return (any(fnmatch.fnmatch(name, pattern) for pattern in EXCLUDED)
            or (at_root and name in EXCLUDED_AT_ROOT))


def _project_entry(source: str, path: str, location: str, entered: Sequence[str],
                   skipped: Sequence[str]) -> Optional[str]:
    """The real path copied for ``path`` of the project (found at ``location``); None when it is left out."""
    shown = os.path.join(source, path)
    try:
        info = os.lstat(location)
    except OSError as error:
        raise UnreadableProjectError(source, shown, error.strerror or str(error)) from error
    origin = location
    if stat.S_ISLNK(info.st_mode):
        origin = os.path.realpath(location)
        try:
            info = os.stat(location)
        except OSError as error:  # to nothing, or a loop of links: there is nothing to copy
            _debug("left out of the copy of %s: %s, a link to %s (%s)", source, shown, os.readlink(location),
                   error.strerror)
            return None
        if stat.S_ISDIR(info.st_mode) and any(is_within(directory, origin) for directory in entered):
            written = os.readlink(location)
            raise UnsafeProjectLinkError(
                source, shown, written if written == origin else f"{written} ({origin})",
                "a directory that holds the link itself once followed, so copying it would never end",
                "Remove the link, or point it at a directory that does not lead back to it.")
    if any(is_within(origin, own) for own in skipped):
        return None  # the build's own scratch, output or cache
    if not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
        _debug("left out of the copy of %s: %s, not a regular file", source, shown)
        return None  # a named pipe, a socket or a device: nothing a build reads
    return origin


def _copy_project_file(source: str, shown: str, origin: str, copy: str) -> None:
    try:
        shutil.copy2(origin, copy)
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise DiskFullError(copy) from error
        if error.filename == origin:  # reading the project failed, not writing the copy
            raise UnreadableProjectError(source, shown, error.strerror or str(error)) from error
        raise


def scratch_requirements(requirements_path: str, scratch: str, cwd: Optional[str] = None,
                         skip: Iterable[str] = ()) -> ScratchRequirements:
    """The requirements file pip should read: the user's own when it names no local directory, else copies.

    With local directories, each is copied under ``scratch/projects`` and every
    file of the tree (the one given and its includes) is rewritten under
    ``scratch/requirements``. Raises :class:`LocalRequirementNotFoundError` for
    a local path that is not there, saying where it was looked for. ``skip``
    holds the build's own paths, never copied with a project that holds them
    (see :func:`copy_project`).
    """
    cwd = os.path.abspath(cwd or os.getcwd())
    requirements = read_requirements_file(requirements_path)
    locations = []
    for line in requirements.requirements + requirements.constraints:
        missing = missing_local_path(line, cwd)
        if missing is not None:
            raise missing
        locations.append(local_location(line.requirement, line.editable, cwd))
    if not any(locations):
        return ScratchRequirements(requirements_path, {})
    copies: Dict[str, str] = {}
    for location in filter(None, locations):
        if location.directory not in copies:
            copy = os.path.join(scratch, "projects", f"{len(copies)}-{os.path.basename(location.directory)}")
            copy_project(location.directory, copy, skip=[scratch, *skip])
            copies[location.directory] = copy
    names = {path: os.path.join(scratch, "requirements", f"{number}-{os.path.basename(path)}")
             for number, path in enumerate(requirements.files)}
    os.makedirs(os.path.join(scratch, "requirements"))
    for path in requirements.files:
        # With a byte-order mark, which pip honours before any coding line the file kept.
        with open(names[path], "w", encoding="utf-8-sig") as f:
            f.write(rewrite_requirements(decode_requirements_file(path), path, names, copies, cwd))
    return ScratchRequirements(names[os.path.abspath(requirements_path)], copies)


def rewrite_requirements(text: str, path: str, names: Dict[str, str], copies: Dict[str, str], cwd: str) -> str:
    """The text of requirements file ``path`` for pip in the scratch directory.

    A line naming a local directory names its copy (in ``copies``), not
    editable; an include names its rewritten copy (in ``names``); a ``-f``
    directory relative to the file is made absolute. Other lines are kept.
    """
    out: List[str] = []
    for physical, logical in _logical_spans(text.splitlines()):
        line = _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), _COMMENT.sub("", logical)).strip()
        rewritten = None
        if line.startswith("-") and not _EDITABLE.match(line):
            rewritten = _rewrite_options(_COMMENT.sub("", logical).strip(), path, names)
        elif line:
            rewritten = _rewrite_requirement(line, copies, cwd)
        out += [rewritten] if rewritten is not None else physical
    return "".join(text + "\n" for text in out)


def _rewrite_requirement(line: str, copies: Dict[str, str], cwd: str) -> Optional[str]:
    editable = _EDITABLE.match(line)
    text = line[editable.end():] if editable else line
    words = text.split(" ")  # pip's break_args_options: the requirement, then its options
    split = next((n for n, word in enumerate(words) if word.startswith("-")), len(words))
    requirement, options = " ".join(words[:split]).strip(), " ".join(words[split:])
    location = local_location(requirement, bool(editable), cwd)
    if location is None or location.directory not in copies:
        return None
    copy = copies[location.directory]
    if " @ " in location.rewrite:
        from urllib.request import pathname2url  # with http.client: only where a copy is named by URL

        copy = urllib.parse.urljoin("file:", pathname2url(copy))
    return (location.rewrite.format(copy) + (" " + options if options else "")).strip()


def _rewrite_options(line: str, path: str, names: Dict[str, str]) -> Optional[str]:
    """An option line with its include and ``-f`` paths absolute; None when it has none to change."""
    words = shlex.split(line)
    changed = False
    base = os.path.dirname(path)
    for number, word in enumerate(words):
        flag, equals, inline = word.partition("=")
        if flag not in _INCLUDES + _FIND_LINKS:
            continue
        if not equals and number + 1 >= len(words):
            continue
        value = inline if equals else words[number + 1]
        expanded = _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), value)
        resolved = os.path.normpath(os.path.join(base, expanded))
        if flag in _INCLUDES:
            new = names.get(resolved, value)
        else:
            new = resolved if "://" not in expanded and os.path.exists(resolved) else value
        if new != value:
            changed = True
            if equals:
                words[number] = f"{flag}={new}"
            else:
                words[number + 1] = new
    return shlex.join(words) if changed else None


def _logical_spans(lines: Sequence[str]) -> List[Tuple[List[str], str]]:
    """Each logical line (continuations joined as pip joins them) with the physical lines it spans."""
    spans: List[Tuple[List[str], str]] = []
    pending: List[str] = []
    for line in lines:
        pending.append(line)
        if line.endswith("\\") and not line.lstrip().startswith("#"):
            continue
        spans.append((pending, "".join(p[:-1] + " " if p.endswith("\\") else p for p in pending)))
        pending = []
    if pending:
        spans.append((pending, "".join(p.rstrip("\\") for p in pending)))
    return spans


def _debug(message: str, *args: object) -> None:
    import logging  # not on the path of an unchanged rebuild, which reads requirements through this module

    logging.getLogger(__name__).debug(message, *args)
