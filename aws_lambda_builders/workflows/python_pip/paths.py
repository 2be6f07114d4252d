"""Paths as the API takes them (``path_argument``), and the one question the safety checks all ask of
them: is this path inside that directory (``is_within``)?"""

from __future__ import annotations

import os
from typing import List

from .exceptions import InvalidPathError


def is_within(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` or lies under it.

    Both are compared as given, component by component (``/a/bc`` is not in
    ``/a/b``): pass absolute paths, normalized, or resolved with
    ``os.path.realpath`` when links must not lead out.
    """
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # on Windows, paths on two drives: neither holds the other
        return False


def path_argument(name: str, value: object) -> str:
    """A path argument of the API as a ``str``, or :class:`InvalidPathError` naming the argument.

    A bytes path (or a path-like object giving one) is refused too: every other path of the build
    is a ``str``, and os.path refuses to mix the two deep inside the build.
    """
    try:
        path = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    except TypeError:  # an __fspath__ that gives neither str nor bytes
        path = None
    if not isinstance(path, str):
        raise InvalidPathError(name, value)
    return path


def path_arguments(**named: object) -> List[str]:
    """:func:`path_argument` of each named argument, in the order given."""
    return [path_argument(name, value) for name, value in named.items()]
