"""Copying a function's own source beside its dependencies, without the clutter of a working tree."""

from __future__ import annotations

import fnmatch
import os
import shutil
import stat
from typing import Iterable, Sequence

# What a project directory holds that has no place in a Lambda function.
EXCLUDED_FILES = (
    ".aws-sam", ".chalice", ".git", ".hg", ".svn", ".gitignore",
    "*.pyc", "__pycache__", ".Python", "*.egg-info",
    "pip-log.txt", "pip-delete-this-directory.txt",
    "htmlcov", ".tox", ".nox", ".coverage", ".coverage.*", ".cache", ".pytest_cache", "coverage.xml",
    ".python-version", ".mypy_cache", ".dmypy.json", ".pyre", ".ruff_cache",
    ".env", ".venv", "venv", "venv.bak", "env.bak", "ENV", "env",
    ".vscode", ".idea", ".DS_Store",
)


def copy_source(source_dir: str, destination: str, excludes: Sequence[str] = EXCLUDED_FILES,
                skip: Iterable[str] = ()) -> None:
    """Copy ``source_dir`` into ``destination`` (merging), leaving out ``excludes`` and the paths in ``skip``.

    ``skip`` holds directories that may lie inside the source (the build's own
    output or scratch directory), which must never be copied into themselves.
    """
    skipped = {os.path.realpath(p) for p in skip}

    def ignore(directory: str, names: Sequence[str]) -> set:
        return {name for name in names
                if any(fnmatch.fnmatch(name, pattern) for pattern in excludes)
                or os.path.realpath(os.path.join(directory, name)) in skipped}

    shutil.copytree(source_dir, destination, ignore=ignore, dirs_exist_ok=True, symlinks=False,
                    copy_function=copy_file_replacing)


def copy_file_replacing(source: str, destination: str) -> str:
    """``shutil.copy2``, but a file already at ``destination`` is unlinked first, not written through.

    Bundle files may be hard links into the build cache: writing into one
    would change the cached file and every other bundle that links it.
    """
    if os.path.lexists(destination) and not os.path.isdir(destination):
        os.unlink(destination)
    copied = shutil.copy2(source, destination)
    os.chmod(copied, stat.S_IMODE(os.stat(copied).st_mode) | stat.S_IWUSR)  # a copy is the user's to edit
    return copied
