"""Errors of a lock or a pyproject.toml given as a build's input: it cannot be read, or does not pin what it
installs."""

from __future__ import annotations

import os
from typing import Sequence

from .exceptions import PackagerError


class LockFileError(PackagerError):
    """A lock file that cannot be read or does not say what to install on the target."""

    def __init__(self, path: str, problem: str, hint: str = "") -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem
        self.hint = hint or f"Fix {os.path.basename(path)} (or make it again with the tool that wrote it)."


class LockHashMissingError(LockFileError):
    """A lock that pins files by their digests, except the one chosen for the target: it is not installed."""

    def __init__(self, path: str, identifiers: Sequence[str]) -> None:
        self.identifiers = list(identifiers)
        super().__init__(path, f"no hash for {', '.join(self.identifiers)}, while the lock has hashes for its "
                               "other files: refusing to install an unverified file",
                         hint="Lock again so that every file has its hash.")
