"""What the lock readers (``uv_lock``, ``poetry_lock``, ``pipfile_lock``) read alike: an entry's PEP 508 marker
evaluated on the Lambda target, and a VCS checkout or a local file written as the reference pip takes."""

from __future__ import annotations

import os
import pathlib
import re
import urllib.parse
from typing import AbstractSet, Mapping, Optional, Union

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

from .lock_errors import LockFileError

# An scp-like git location (``git@github.com:org/repo.git``), which pip takes only as an ssh:// URL.
_SCP_LIKE = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?!//)(?P<path>.*)$")


def marker_holds(path: str, owner: str, marker: Optional[str], environment: Mapping[str, str],
                 extra: Union[str, AbstractSet[str]] = "") -> bool:
    """Whether ``marker`` (written in the lock at ``path`` for ``owner``) holds on the target, whose PEP 508
    environment is ``environment``, with ``extra`` the extra (or the set of extras) being installed.

    No marker holds. A marker that compares a value the target does not define (Lambda gives no
    ``platform_release``) does not hold, as in ``pinning``; one that is not PEP 508 is the lock's error.
    """
    if not marker:
        return True
    try:
        parsed = Marker(marker)
    except InvalidMarker as error:
        raise LockFileError(path, f"{owner}: the marker {marker!r} is not a PEP 508 marker ({error})") from error
    try:
        return bool(parsed.evaluate(dict(environment, extra=extra)))  # extra as a set: packaging 26.4
    except (UndefinedComparison, UndefinedEnvironmentName, ValueError, TypeError):
        return False


def target_python(environment: Mapping[str, str]) -> str:
    """The target's full Python version (``3.12.0``), which a lock's Python constraint must contain."""
    return environment.get("python_full_version") or environment["python_version"] + ".0"


def vcs_reference(url: str, commit: str, subdirectory: Optional[str] = None) -> str:
    """A git checkout as pip's ``git+<url>@<commit>[#subdirectory=<dir>]``."""
    if "://" not in url:
        scp = _SCP_LIKE.match(url)
        if scp:
            url = f"ssh://{scp['user']}@{scp['host']}/{scp['path']}"
    if not url.startswith("git+"):
        url = "git+" + url
    return f"{url}@{commit}" + (f"#subdirectory={subdirectory}" if subdirectory else "")


def local_path(directory: str, location: str) -> str:
    """``location`` (as a lock writes it: relative to the lock's directory, or absolute) as an absolute path."""
    if location.startswith("file:"):
        location = urllib.parse.unquote(urllib.parse.urlparse(location).path)
    return os.path.normpath(os.path.join(directory, os.path.expanduser(location)))


def file_url(directory: str, location: str) -> str:
    """A local file the lock names (relative to ``directory`` or absolute) as the file:// URL pip downloads."""
    return pathlib.Path(local_path(directory, location)).as_uri()
