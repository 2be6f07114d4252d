"""What a build's input file is: a requirements file, a lock (pylock.toml, uv.lock, poetry.lock, Pipfile.lock)
or a pyproject.toml, told by its name unless the caller says (``Config(input_format=...)``, ``--input-format``).

Stdlib only: the whole-build cache key needs it on a rebuild placed from the cache.
"""

from __future__ import annotations

import os
import re
from typing import List, Optional, Sequence

REQUIREMENTS = "requirements"
PYLOCK = "pylock"
UV_LOCK = "uv.lock"
POETRY_LOCK = "poetry.lock"
PIPFILE_LOCK = "Pipfile.lock"
PYPROJECT = "pyproject"

FORMATS = (REQUIREMENTS, PYLOCK, UV_LOCK, POETRY_LOCK, PIPFILE_LOCK, PYPROJECT)
LOCKS = (PYLOCK, UV_LOCK, POETRY_LOCK, PIPFILE_LOCK)

_BY_NAME = {"uv.lock": UV_LOCK, "poetry.lock": POETRY_LOCK, "pipfile.lock": PIPFILE_LOCK, "pyproject.toml": PYPROJECT}
_PYLOCK_NAME = re.compile(r"pylock(\.[^.]+)?\.toml")  # PEP 751: pylock.toml or pylock.<name>.toml


class UnknownInputFormatError(ValueError):
    """An input format that is none of :data:`FORMATS`."""


def input_format(path: str, forced: Optional[str] = None) -> str:
    """The format of the input ``path``: ``forced`` when given, else told by the file's name (a name that is
    none of the lock or project names is a requirements file)."""
    if forced is not None:
        if forced not in FORMATS:
            raise UnknownInputFormatError(f"unknown input format {forced!r}: one of {', '.join(FORMATS)}")
        return forced
    name = os.path.basename(path)
    if _PYLOCK_NAME.fullmatch(name.lower()):
        return PYLOCK
    return _BY_NAME.get(name.lower(), REQUIREMENTS)


def companion_files(path: str, kind: str) -> List[str]:
    """Other files that decide what an input installs: poetry.lock's roots are in the pyproject.toml beside it."""
    if kind == POETRY_LOCK:
        return [os.path.join(os.path.dirname(os.path.abspath(path)), "pyproject.toml")]
    return []


def options_problem(kind: str, extras: Sequence[str], groups: Optional[Sequence[str]]) -> Optional[str]:
    """Why ``--extra``/``--group`` cannot apply to an input of format ``kind`` (None: they can)."""
    if kind == REQUIREMENTS and (extras or groups):
        return ("--extra and --group choose from a pyproject.toml or a lock; a requirements file names its "
                "extras in its requirements (package[extra])")
    return None
