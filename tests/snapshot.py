"""A record of everything under a directory, to prove that a build changed nothing outside its output.

``tree_snapshot(root)`` maps each path under ``root`` (relative, ``/``-separated)
to what it is: a file's mode and sha256, a directory's mode, a symlink's target.
Two snapshots compare equal exactly when no file, directory or link was added,
removed, rewritten, re-pointed or had its permissions changed. Modification
times are left out: reading a file does not change them, and a rewrite with
other bytes shows in the digest.
"""

from __future__ import annotations

import hashlib
import os
import stat
from typing import Dict, Iterable, Tuple

Entry = Tuple[str, int, str]  # (kind, permission bits, sha256 or link target)


def tree_snapshot(root: "os.PathLike[str] | str", skip: Iterable["os.PathLike[str] | str"] = ()) -> Dict[str, Entry]:
    """Every entry under ``root`` (``root`` itself as ``"."``), without descending into ``skip``."""
    root = os.fspath(root)
    skipped = {os.path.abspath(os.fspath(path)) for path in skip}
    entries: Dict[str, Entry] = {}
    pending = [root]
    while pending:
        path = pending.pop()
        if os.path.abspath(path) in skipped:
            continue
        info = os.lstat(path)
        relative = os.path.relpath(path, root).replace(os.sep, "/")
        mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            entries[relative] = ("link", mode, os.readlink(path))
        elif stat.S_ISDIR(info.st_mode):
            entries[relative] = ("dir", mode, "")
            pending.extend(os.path.join(path, name) for name in os.listdir(path))
        elif stat.S_ISREG(info.st_mode):
            with open(path, "rb") as f:
                entries[relative] = ("file", mode, hashlib.sha256(f.read()).hexdigest())
        else:
            entries[relative] = ("other", mode, "")
    return entries


def changes(before: Dict[str, Entry], after: Dict[str, Entry]) -> Dict[str, Tuple[object, object]]:
    """What differs between two snapshots: ``{path: (before, after)}``, None for a side without it."""
    return {path: (before.get(path), after.get(path)) for path in sorted(set(before) | set(after))
            if before.get(path) != after.get(path)}


def files_in(root: "os.PathLike[str] | str") -> Dict[str, bytes]:
    """Every regular file under ``root``: relative path (with ``/``) -> its bytes (links followed)."""
    found = {}
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, root).replace(os.sep, "/")] = f.read()
    return found
