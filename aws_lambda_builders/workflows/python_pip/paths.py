"""The one question about paths that the safety checks all ask: is this path inside that directory?"""

from __future__ import annotations

import os


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
