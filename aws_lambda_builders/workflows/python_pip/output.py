"""Putting a finished bundle in place at once, so a failed or killed build never leaves half of one.

The bundle is assembled in a staging directory beside the target (same file
system) and swapped in only when the build succeeds: on Linux with one
``renameat2(RENAME_EXCHANGE)``, elsewhere with two renames whose window a
later run repairs. Staging directories carry the builder's process id, so a
later run can tell those of a killed build from those of a running one.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from typing import Optional

_MARK = ".lambda-pip-"
_LEFTOVER = re.compile(r"\.lambda-pip-(?P<kind>staging|previous)-(?P<pid>\d+)-[^.]*$")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _prefix(target: str) -> str:
    return f".{os.path.basename(os.path.normpath(target))}{_MARK}"


def make_staging(target: str) -> str:
    """A new empty directory beside ``target`` to assemble the bundle in."""
    parent = os.path.dirname(os.path.abspath(target))
    os.makedirs(parent, exist_ok=True)
    clean_stale(target)
    return _new_directory(parent, f"{_prefix(target)}staging-{os.getpid()}-")


def replace_directory(staging: str, target: str) -> None:
    """Make ``staging`` the ``target`` directory; the previous one is removed afterwards."""
    target = os.path.abspath(target)
    if not os.path.lexists(target):
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous bundle
        return
    previous = _new_directory(os.path.dirname(target), f"{_prefix(target)}previous-{os.getpid()}-")
    os.rmdir(previous)
    os.rename(target, previous)
    os.rename(staging, target)
    shutil.rmtree(previous, ignore_errors=True)


def _new_directory(parent: str, prefix: str) -> str:
    """A new directory of this user's alone, named ``prefix`` and random characters: ``tempfile.mkdtemp``,
    without its import on an unchanged rebuild."""
    while True:
        path = os.path.join(parent, prefix + os.urandom(6).hex())
        try:
            os.mkdir(path, 0o700)
            return path
        except FileExistsError:
            continue


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
        if not name.startswith(".") or not match or _alive(int(match.group("pid"))):
            continue
        path = os.path.join(parent, name)
        if match.group("kind") == "previous" and name.startswith(_prefix(target)) and not os.path.lexists(target):
            os.rename(path, target)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> Optional[bool]:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
