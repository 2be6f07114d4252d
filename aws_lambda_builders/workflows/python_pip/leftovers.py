"""Directories named for the process that owns them, so that what a killed build left is told from a running one.

A build that is SIGKILLed cannot remove its staging, scratch or pip's
temporary directories. Each carries its owner's process id in its name
(``<prefix><pid>-<random>``); a later build removes those whose owner is dead
and leaves those of builds still running alone.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import Callable, Optional, Pattern


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user counts: it may not be signalled, but it runs).

    A number no process can have (a name someone made up) counts as alive:
    what it names is not known to be a dead build's, so it is left alone.
    """
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def abandoned(path: str, pid: int, alive: Callable[[int], bool] = process_alive) -> bool:
    """Whether the leftover at ``path``, named for process ``pid``, may be removed: that process is gone, and
    the entry is this user's (in a shared temporary directory, another user's entries are theirs)."""
    if alive(pid):
        return False
    getuid = getattr(os, "getuid", None)
    try:
        return getuid is None or os.lstat(path).st_uid == getuid()
    except OSError:
        return False


def new_directory(parent: str, prefix: str, mode: int = 0o700) -> str:
    """A new directory named ``prefix`` and random characters, of this user's alone unless ``mode`` says
    otherwise (the umask applies): ``tempfile.mkdtemp``, without its import on an unchanged rebuild."""
    while True:
        path = os.path.join(parent, prefix + os.urandom(6).hex())
        try:
            os.mkdir(path, mode)
            return path
        except FileExistsError:
            continue


def new_owned_directory(parent: str, prefix: str) -> str:
    """A new directory in ``parent`` named ``<prefix><this pid>-<random>``, which :func:`remove_dead` can match."""
    return new_directory(parent, f"{prefix}{os.getpid()}-")


def owned_pattern(prefix: str) -> Pattern[str]:
    """The names :func:`new_owned_directory` gives with ``prefix``, the owner's pid as group ``pid``."""
    return re.compile(re.escape(prefix) + r"(?P<pid>\d+)-[0-9a-z_]+$")


def remove_dead(parent: str, pattern: Pattern[str],
                alive: Callable[[int], bool] = process_alive) -> None:
    """Remove the entries of ``parent`` whose name matches ``pattern`` and whose owner (group ``pid``) is dead."""
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return
    for name in names:
        owner = _owner(pattern, name)
        if owner is None or not abandoned(os.path.join(parent, name), owner, alive):
            continue
        shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _owner(pattern: Pattern[str], name: str) -> Optional[int]:
    match = pattern.match(name)
    return int(match.group("pid")) if match else None
