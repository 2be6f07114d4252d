"""``lambda-pip lock``: a pylock.toml of what ships to each Lambda target, from requirements or a pyproject.toml.

For each target, pip resolves the input for that target (its markers, Python, ABI and platforms, as step 1 of
a build does) and downloads the closure into a scratch directory; each file's sha256 is taken from the bytes
pip downloaded. The lock is written beside its place and moved there whole, and read back with
``packaging.pylock`` first: a lock that would not validate is never written.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import tempfile
import urllib.parse
from typing import Callable, List, Optional, Sequence, Tuple

from .build_inputs import prepare_input
from .lock_errors import LockFileError
from .input_formats import LOCKS, input_format
from .local_projects import scratch_requirements
from .pip_report import ReportedDistribution
from .pip_runner import PipRunner
from .pylock_writer import LockedDownload, pylock_text
from .resolution import resolve
from .target import LambdaTarget
from .toml_files import parse_toml
from .utils import Config


def write_lock(requirements: str, targets: Sequence[LambdaTarget], lock_path: str, pip: PipRunner,
               config: Config, command: str, scratch_root: Optional[str] = None,
               say: Callable[[str], None] = lambda line: None) -> List[Tuple[LambdaTarget, List[LockedDownload]]]:
    """Resolve ``requirements`` for each of ``targets`` and write their pylock.toml at ``lock_path``; what each
    target takes."""
    kind = input_format(requirements, config.input_format)
    if kind in LOCKS:
        raise LockFileError(requirements, "is a lock already: lambda-pip lock reads requirements or a pyproject.toml",
                            hint="Build from it with lambda-pip build -r.")
    if os.path.abspath(lock_path) == os.path.abspath(requirements):
        raise LockFileError(lock_path, "is the input itself", hint="Write the lock elsewhere (-o pylock.toml).")
    if scratch_root is not None:
        os.makedirs(scratch_root, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="lambda-pip-lock-", dir=scratch_root)
    pip.temp_dir = scratch
    try:
        resolutions = []
        for number, target in enumerate(targets):
            say(f"resolving for {target.describe()}")
            work = os.path.join(scratch, str(number))
            os.makedirs(os.path.join(work, "downloads"))
            prepared = prepare_input(requirements, kind, target, config.extras, config.groups, work)
            # pip builds a local project where it is: it is given copies, so nothing is written into the user's.
            for_pip = scratch_requirements(prepared.requirements, work, skip=[scratch])
            originals = {copy: source for source, copy in for_pip.copies.items()}
            downloads = _resolve(pip, for_pip.path, os.path.join(work, "downloads"), target, config)
            lock_directory = os.path.dirname(os.path.abspath(lock_path))
            resolutions.append((target, [d._replace(location=os.path.relpath(originals.get(d.location, d.location),
                                                                             lock_directory))
                                         if d.kind == "directory" else d for d in downloads]))
        text = pylock_text(resolutions, command)
        _validate(text, lock_path)
        _write_atomically(lock_path, text)
        return resolutions
    finally:
        pip.temp_dir = None
        shutil.rmtree(scratch, ignore_errors=True)


def _resolve(pip: PipRunner, requirements: str, directory: str, target: LambdaTarget, config: Config
             ) -> List[LockedDownload]:
    """What pip resolves and downloads for ``target`` (a local project by its directory, made relative later)."""
    reported: List[ReportedDistribution] = []
    options = config.pip_options()
    resolve(pip, requirements, directory, target, options, options, reported)
    downloads = []
    for distribution in reported:
        if distribution.directory is not None:
            downloads.append(LockedDownload(distribution.name, distribution.version, "directory",
                                            distribution.directory, None))
            continue
        if distribution.vcs is not None:
            raise LockFileError(requirements, f"{distribution.name} comes from {distribution.url}, which "
                                              "lambda-pip lock cannot pin yet (a VCS checkout)",
                                hint="Name a released version, an archive URL or a local directory instead.")
        filename = posixpath.basename(urllib.parse.unquote(urllib.parse.urlsplit(distribution.url).path))
        with open(os.path.join(directory, filename), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        declared = distribution.hashes.get("sha256")
        if declared and declared != digest:
            raise LockFileError(requirements, f"pip downloaded {filename} with sha256 {digest}, while the index "
                                              f"says {declared}", hint="Try again; if it persists, the index is "
                                                                       "serving a damaged file.")
        kind = "wheel" if filename.endswith(".whl") else "sdist"
        downloads.append(LockedDownload(distribution.name, distribution.version, kind,
                                        _without_credentials(distribution.url), digest, filename))
    return downloads


def _without_credentials(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    return urllib.parse.urlunsplit(parts._replace(netloc=host + (f":{parts.port}" if parts.port else "")))


def _validate(text: str, lock_path: str) -> None:
    try:
        from packaging.pylock import Pylock, PylockValidationError
    except ImportError:  # packaging before 26.1 (Python 3.9): written unchecked
        return
    try:
        Pylock.from_dict(parse_toml(text, lock_path))
    except PylockValidationError as error:  # a defect of ours: never written
        raise LockFileError(lock_path, f"the lock made is not valid ({error}); nothing was written") from error


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=".pylock-", suffix=".toml", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
        # The mode of the lock it replaces, else a new file's (mkstemp's is private to its owner).
        os.chmod(staging, os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o666 & ~_umask())
        os.replace(staging, path)
    except BaseException:
        if os.path.exists(staging):
            os.remove(staging)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
