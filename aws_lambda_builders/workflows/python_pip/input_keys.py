"""What of a lock or a pyproject.toml the whole-build cache key covers (``cache_key``).

The file's bytes (and poetry.lock's pyproject.toml beside it), the extras and groups asked for: two builds
of the same lock for the same target install the same files, as locked. An input that installs a local
directory has no key (what is in the directory can change while the lock does not), as a requirements file's.

Stdlib (and ``toml_files``) only: it runs on a rebuild placed from the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, List, Optional, Sequence

from .input_formats import PIPFILE_LOCK, POETRY_LOCK, PYLOCK, UV_LOCK, companion_files
from .lock_errors import LockFileError


def input_key_facts(path: str, kind: str, extras: Sequence[str], groups: Optional[Sequence[str]]
                    ) -> Optional[List[Any]]:
    """What decides the input ``path`` of format ``kind``; None when it installs a local directory."""
    if installs_local_directory(path, kind):
        return None
    files = [path] + [companion for companion in companion_files(path, kind) if os.path.isfile(companion)]
    return [kind, [_digest(file) for file in files], sorted(extras), None if groups is None else sorted(groups)]


def installs_local_directory(path: str, kind: str) -> bool:
    """Whether the input names a local directory (or a local file other than a lock's hashed one)."""
    if kind == PIPFILE_LOCK:
        with open(path, "rb") as f:
            try:
                document = json.loads(f.read().decode("utf-8"))
            except ValueError as error:
                raise LockFileError(path, f"not valid JSON: {error}", hint="Run `pipenv lock` again.") from error
        if not isinstance(document, dict):
            raise LockFileError(path, "not a Pipfile.lock: its JSON is not an object", hint="Run `pipenv lock` again.")
        return any(isinstance(entry, dict) and (entry.get("path") not in (None, ".") or
                                                "file" in entry and "://" not in str(entry["file"]))
                   for section, entries in document.items() if section != "_meta" and isinstance(entries, dict)
                   for entry in entries.values())
    from .toml_files import load_toml

    document = load_toml(path)
    if kind == PYLOCK:
        return any("directory" in package for package in _tables(document.get("packages")))
    if kind == UV_LOCK:
        return any(location != "." for package in _tables(document.get("package"))
                   for key, location in _table(package.get("source")).items() if key in ("editable", "directory"))
    if kind == POETRY_LOCK:
        return any(_table(package.get("source")).get("type") in ("directory", "file")
                   for package in _tables(document.get("package")))
    return False


def _tables(value: Any) -> List[Dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _table(value: Any) -> Dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _digest(path: str) -> List[str]:
    with open(path, "rb") as f:
        return [os.path.abspath(path), hashlib.sha256(f.read()).hexdigest()]
