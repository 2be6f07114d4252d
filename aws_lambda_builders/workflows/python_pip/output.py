"""Where a bundle may go, and putting it there at once, so a failed or killed build never leaves half of one.

Every entry point first asks ``check_output`` whether the output path is one a
build may replace: never a directory that holds what the build reads or keeps
(the requirements, the source, the cache, the scratch space, the interpreter),
the current or home directory, ``/``, or something that is not a directory.
The bundle is then assembled in a staging directory beside the target (same
file system) and swapped in only when the build succeeds: on Linux with one
``renameat2(RENAME_EXCHANGE)``, elsewhere with two renames whose window a later
run repairs. Staging names carry the builder's process id, so a later run can
tell those of a killed build from those of a running one.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import sys
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from .exceptions import UnsafeOutputError
from .leftovers import abandoned, new_directory
from .paths import is_within

_MARK = ".lambda-pip-"
# What only a working tree holds: lambda-pip leaves these out of every bundle it makes.
_VERSION_CONTROL = (".git", ".hg", ".svn")
# A bundle is the user's as any new directory is (0o777 less the umask), not private as mkdtemp's are.
_BUNDLE_MODE = 0o777
_LEFTOVER = re.compile(r"\.lambda-pip-(?P<kind>staging|previous)-(?P<pid>\d+)-[^.]*(?:\.partial)?$")


class ProtectedPath(NamedTuple):
    """A path a build must never delete, and what it is to the user (``"requirements file"``)."""

    path: str
    what: str


def protected_paths(requirements: Optional[str] = None, source: Optional[str] = None,
                    scratch: Optional[str] = None, cache: Optional[str] = None,
                    python: Optional[str] = None, pip_options: Sequence[str] = ()) -> List[ProtectedPath]:
    """What replacing an output must not delete: the build's inputs and places, and the user's own.

    Besides those given, always the current and the home directory, the
    temporary directories (the default scratch space and everyone's files) and
    the Python running the build; with ``requirements``, every file it
    includes, every local project, archive and ``--find-links`` directory it
    (or ``pip_options``) names.
    """
    protected = [ProtectedPath(os.getcwd(), "current directory"),
                 ProtectedPath(os.path.expanduser("~"), "home directory"),
                 ProtectedPath(sys.prefix, "Python installation running lambda-pip")]
    for name in ("TMPDIR", "TEMP", "TMP"):
        if os.environ.get(name):
            protected.append(ProtectedPath(os.environ[name], f"temporary directory (${name})"))
    protected += [ProtectedPath(path, "temporary directory") for path in ("/tmp", "/var/tmp")]
    for path, what in ((requirements, "requirements file"), (source, "function's source"),
                       (scratch, "scratch directory"), (cache, "build cache"), (python, "Python interpreter")):
        if path:
            protected.append(ProtectedPath(path, what))
    if requirements and os.path.isfile(requirements):
        from .local_requirements import build_inputs

        protected += [ProtectedPath(path, what) for path, what in build_inputs(requirements, pip_options)]
    return protected


def check_output(output: str, protected: Iterable[ProtectedPath], zip_path: Optional[str] = None) -> str:
    """The real directory a build may replace for ``output``, or :class:`UnsafeOutputError`.

    A symlink to a directory is written through (the directory it points to is
    replaced, the link stays); any other existing non-directory is refused, as
    is ``/`` and any directory that is or holds a protected path. ``zip_path``,
    the deployment zip, may not be the output or lie inside it.
    """
    given = os.path.normpath(os.path.abspath(output))
    if os.path.islink(given) and not os.path.isdir(given):
        raise UnsafeOutputError(output, f"it is a symbolic link to {os.readlink(given)}, which is not a directory")
    if os.path.lexists(given) and not os.path.isdir(given):
        raise UnsafeOutputError(output, "it exists and is not a directory")
    real = os.path.realpath(given)
    if os.path.dirname(real) == real:
        raise UnsafeOutputError(output, "it is the root of the file system")
    protected = list(protected)
    found = {entry: _locations(entry.path) for entry in protected}
    for (_, what), locations in found.items():
        if {given, real} & locations:
            raise UnsafeOutputError(output, f"it is the {what}")
    for (path, what), locations in found.items():
        if any(is_within(location, directory) for location in locations for directory in (given, real)):
            raise UnsafeOutputError(output, f"it holds the {what} ({path})")
    same = _same_directory(real, found)
    if same is not None:
        path, what, exactly = same
        raise UnsafeOutputError(output, f"it is the {what}" if exactly else f"it holds the {what} ({path})")
    for metadata in _VERSION_CONTROL:
        if os.path.lexists(os.path.join(real, metadata)):
            raise UnsafeOutputError(output, f"it is a version-controlled working tree (it holds {metadata}), "
                                            "never a bundle lambda-pip made")
    if zip_path is not None:
        _check_zip(output, real, zip_path, protected)
    return real


def _check_zip(output: str, real_output: str, zip_path: str, protected: List[ProtectedPath]) -> None:
    """The zip goes outside the output, and replaces nothing but an earlier zip."""
    zip_real = os.path.realpath(os.path.abspath(zip_path))
    if _holds({real_output}, zip_path):
        raise UnsafeOutputError(output, f"it would be inside the output directory {output}", zip_path)
    if os.path.isdir(zip_real):
        raise UnsafeOutputError(output, "it is a directory", zip_path)
    for path, what in protected:
        if zip_real in _locations(path):
            raise UnsafeOutputError(output, f"it is the {what}", zip_path)
    import zipfile  # here: an unchanged rebuild writes no zip

    if os.path.lexists(zip_real) and not zipfile.is_zipfile(zip_real):
        raise UnsafeOutputError(output, "it exists and is not a zip archive", zip_path)


def _holds(directories: Set[str], path: str) -> bool:
    """Whether one of ``directories`` is or holds ``path``, wherever ``path`` is found (see ``_locations``)."""
    return any(is_within(location, directory) for location in _locations(path) for directory in directories)


def _same_directory(directory: str, found: Dict[ProtectedPath, Set[str]]) -> Optional[Tuple[str, str, bool]]:
    """The protected path (its path, what it is, and whether it is ``directory`` itself rather than under it)
    that is or lies under ``directory`` by the file system's own account (device and inode), where names do
    not tell: a case-insensitive file system (``MyProj`` is ``myproj``), a bind mount. Each directory is
    looked at once."""
    try:
        wanted = os.stat(directory)
    except OSError:
        return None  # an output that does not exist yet holds nothing
    seen: Dict[str, bool] = {}
    for (path, what), locations in found.items():
        for location in locations:
            exactly, candidate = True, location
            while True:
                if candidate not in seen:
                    try:
                        seen[candidate] = os.path.samestat(wanted, os.stat(candidate))
                    except OSError:
                        seen[candidate] = False
                if seen[candidate]:
                    return path, what, exactly
                parent = os.path.dirname(candidate)
                if parent == candidate:
                    break
                exactly, candidate = False, parent
    return None


def _locations(path: str) -> Set[str]:
    """Everywhere a path is, for the safety checks: as written (``proj/req.txt`` is in ``proj`` even when
    it is a link to elsewhere), where its last component really is (a virtual environment's ``bin/python``
    link is in that environment), and what it resolves to."""
    path = os.path.normpath(os.path.abspath(path))
    return {path, os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path)),
            os.path.realpath(path)}


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _prefix(target: str) -> str:
    return f".{os.path.basename(os.path.normpath(target))}{_MARK}"


def make_staging(target: str) -> str:
    """A new empty directory beside ``target`` to assemble the bundle in (0o777 less the umask)."""
    parent = os.path.dirname(os.path.abspath(target))
    os.makedirs(parent, exist_ok=True)
    clean_stale(target)
    return new_directory(parent, f"{_prefix(target)}staging-{os.getpid()}-", mode=_BUNDLE_MODE)


def staging_file(target: str) -> str:
    """A path beside the file ``target`` to write its new content at before it replaces it.

    Nothing is created; a killed build's leftover is removed by the next one.
    """
    parent = os.path.dirname(os.path.abspath(target))
    os.makedirs(parent, exist_ok=True)
    clean_stale(target)
    return os.path.join(parent, f"{_prefix(target)}staging-{os.getpid()}-{os.urandom(6).hex()}")


def replace_directory(staging: str, target: str) -> None:
    """Make ``staging`` the ``target`` directory, with the permissions ``target`` had; the previous one is
    removed afterwards."""
    target = os.path.abspath(target)
    if not os.path.lexists(target):
        os.rename(staging, target)
        return
    os.chmod(staging, stat.S_IMODE(os.stat(target).st_mode))
    if _exchange(staging, target):
        remove(staging)  # now holds the previous bundle
        return
    previous = new_directory(os.path.dirname(target), f"{_prefix(target)}previous-{os.getpid()}-")
    os.rmdir(previous)
    os.rename(target, previous)
    os.rename(staging, target)
    remove(previous)


def remove(path: str) -> None:
    """Remove a leftover of ours, whatever it is (a directory tree, a file, a link); gone already is fine."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _exchange(first: str, second: str) -> bool:
    """Swap two paths atomically where the system can (Linux 3.15+, glibc 2.28+)."""
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), second)


def clean_stale(target: str) -> None:
    """Remove what killed builds left beside ``target``, restoring a previous bundle caught mid-swap.

    Any leftover of a dead lambda-pip process in that directory goes, including
    the staging of a staging (the command line assembles a whole function in one,
    and the dependencies are swapped into it through another).
    """
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        return
    for name in sorted(os.listdir(parent)):
        match = _LEFTOVER.search(name)
        path = os.path.join(parent, name)
        if not name.startswith(".") or not match or not abandoned(path, int(match.group("pid"))):
            continue
        if match.group("kind") == "previous" and name.startswith(_prefix(target)) and not os.path.lexists(target):
            os.rename(path, target)
        else:
            remove(path)
