"""Reading a TOML file (a lock, a pyproject.toml): ``tomllib`` from Python 3.11, its backport ``tomli`` before."""

from __future__ import annotations

import sys
from typing import Any, Dict

from .lock_errors import LockFileError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the Python 3.9/3.10 runs of the tests take it
    import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]


def load_toml(path: str) -> Dict[str, Any]:
    """The document in ``path``; :class:`LockFileError` says where it is not TOML."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as error:
        raise LockFileError(path, f"not valid TOML: {error}") from error
    except UnicodeDecodeError as error:
        raise LockFileError(path, f"not UTF-8 text: {error}") from error


def parse_toml(text: str, path: str) -> Dict[str, Any]:
    """The document ``text`` (of ``path``, named in the error)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise LockFileError(path, f"not valid TOML: {error}") from error
