"""Name and version of a source distribution, read from its metadata rather than its file name.

sdist file names are ambiguous (``foo-bar-1.0.tar.gz``) and old ones are not
normalized, so the metadata decides: the ``PKG-INFO`` every modern sdist carries
at its root (setuptools, flit, hatch, poetry and other PEP 517 backends write
it), else what ``setup.py egg_info`` produces for old setuptools/distutils ones.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from email.parser import HeaderParser
from typing import Iterator, Optional, Sequence, Tuple

from .archives import extract_tarfile, read_root_file
from .child_processes import builder_watch_shim, kill_process_group, pip_temp_environment, start_child
from .exceptions import InvalidSourceDistributionNameError, UnsupportedPackageError
from .utils import OSUtils

LOG = logging.getLogger(__name__)

SDIST_SUFFIXES = (".tar.gz", ".tar.bz2", ".zip")

# Runs a setup.py the way pip did before PEP 517, for sdists without PKG-INFO.
_SETUPTOOLS_SHIM = (
    "import setuptools, tokenize;__file__=%r;"
    "f=getattr(tokenize, 'open', open)(__file__);"
    "code=f.read().replace('\\r\\n', '\\n');"
    "f.close();"
    "exec(compile(code, __file__, 'exec'))"
)


def read_name_and_version(pkg_info_text: str) -> Optional[Tuple[str, str]]:
    """``(Name, Version)`` from core metadata, or None when absent or setuptools' ``UNKNOWN`` name.

    A version of ``0.0.0`` is kept, as a last resort: setuptools writes it when
    it could not tell, but a project may also really be at 0.0.0.
    """
    metadata = HeaderParser().parsestr(pkg_info_text)
    name, version = metadata.get("Name"), metadata.get("Version")
    if not name or not version or name.strip().lower() == "unknown":
        return None
    return name.strip(), version.strip()


class SDistMetadataFetcher:
    """Reads the name and version of an sdist (aws-lambda-builders' ``SDistMetadataFetcher``).

    An sdist without usable ``PKG-INFO`` is unpacked, and its ``setup.py egg_info``
    run, in a directory made in ``temp_dir``: the packager passes its build's
    scratch directory, so that what a killed build leaves goes with it. Without
    it, the system's temporary directory is used. ``setup.py`` runs without a
    terminal (stdin from the null device), with its own temporary files
    (``TMPDIR``) in that directory, and in a process group of its own that is
    killed whole when the build is interrupted or dies.
    """

    def __init__(self, python_exe: Optional[str] = None, osutils: Optional[OSUtils] = None, *,
                 temp_dir: Optional[str] = None) -> None:
        if python_exe is not None and not isinstance(python_exe, (str, os.PathLike)) and osutils is None:
            python_exe, osutils = None, python_exe  # older aws-lambda-builders: SDistMetadataFetcher(osutils)
        self._osutils = osutils or OSUtils()
        self.python_exe = os.fspath(python_exe) if python_exe is not None else sys.executable
        self.temp_dir = temp_dir

    def get_package_name_and_version(self, sdist_path: str) -> Tuple[str, str]:
        """Name and version from the sdist's ``PKG-INFO``, read from the archive where it can be (without
        writing its hundreds of files), else from the unpacked sdist and, failing that, ``setup.py``."""
        if sdist_path.endswith(SDIST_SUFFIXES):
            pkg_info = read_root_file(sdist_path, "PKG-INFO")
            found = read_name_and_version(pkg_info.decode("utf-8", "replace")) if pkg_info is not None else None
            if found is not None and found[1] != "0.0.0":
                return found
        with self._tempdir() as tempdir:
            unpack_dir, setup_temp = (self._osutils.joinpath(tempdir, name) for name in ("sdist", "tmp"))
            self._osutils.makedirs(unpack_dir)
            self._osutils.makedirs(setup_temp)
            package_dir = self._unpack_sdist_into_dir(sdist_path, unpack_dir)
            found = self._from_pkg_info(self._osutils.joinpath(package_dir, "PKG-INFO"))
            if found is None or found[1] == "0.0.0":  # 0.0.0 may be setuptools' placeholder
                found = self._from_egg_info(package_dir, setup_temp) or found
        if found is None:
            raise UnsupportedPackageError(self._osutils.basename(sdist_path))
        return found

    @contextlib.contextmanager
    def _tempdir(self) -> Iterator[str]:
        """A new directory in ``temp_dir`` (else the system's temporary directory), removed afterwards."""
        if self.temp_dir is None:
            with self._osutils.tempdir() as tempdir:
                yield tempdir
            return
        tempdir = tempfile.mkdtemp(prefix="sdist-metadata-", dir=self.temp_dir)
        try:
            yield tempdir
        finally:
            shutil.rmtree(tempdir, ignore_errors=True)

    def _unpack_sdist_into_dir(self, sdist_path: str, unpack_dir: str) -> str:
        if sdist_path.endswith(".zip"):
            self._osutils.extract_zipfile(sdist_path, unpack_dir)
        elif sdist_path.endswith((".tar.gz", ".tar.bz2")):
            extract_tarfile(sdist_path, unpack_dir)
        else:
            raise InvalidSourceDistributionNameError(
                f"{sdist_path} is not a source distribution: expected a "
                f"{', '.join(SDIST_SUFFIXES)} file"
            )
        contents = self._osutils.get_directory_contents(unpack_dir)
        if len(contents) == 1 and self._osutils.directory_exists(self._osutils.joinpath(unpack_dir, contents[0])):
            return self._osutils.joinpath(unpack_dir, contents[0])
        return unpack_dir

    def _from_pkg_info(self, path: str) -> Optional[Tuple[str, str]]:
        if not self._osutils.file_exists(path):
            return None
        return read_name_and_version(self._osutils.get_file_contents(path, binary=True).decode("utf-8", "replace"))

    def _from_egg_info(self, package_dir: str, temp_dir: Optional[str] = None) -> Optional[Tuple[str, str]]:
        setup_py = self._osutils.joinpath(package_dir, "setup.py")
        if not self._osutils.file_exists(setup_py):
            return None
        egg_base = self._osutils.joinpath(package_dir, "egg-info")
        self._osutils.makedirs(egg_base)
        returncode, stderr = self._run_setup_py(setup_py, ["--no-user-cfg", "egg_info", "--egg-base", egg_base],
                                                package_dir, temp_dir)
        if returncode != 0:
            LOG.debug("setup.py egg_info failed in %s: %s", package_dir, stderr.decode("utf-8", "replace"))
        for entry in sorted(self._osutils.get_directory_contents(egg_base)):
            found = self._from_pkg_info(os.path.join(egg_base, entry, "PKG-INFO"))
            if found is not None:
                return found
        return None

    def _run_setup_py(self, setup_py: str, args: Sequence[str], cwd: str,
                      temp_dir: Optional[str]) -> Tuple[int, bytes]:
        """Run ``setup.py`` as pip runs its children: no stdin, its temporary files in ``temp_dir``, in a
        process group of its own that dies with the build (see :class:`SubprocessPip`)."""
        env = self._osutils.original_environ()
        if temp_dir is not None:
            env.update(pip_temp_environment(temp_dir))
        command = [self.python_exe, "-c", builder_watch_shim(os.getpid()) + _SETUPTOOLS_SHIM % setup_py, *args]
        process = start_child(self._osutils, command, env, cwd=cwd)
        try:
            _, stderr = process.communicate()
        except BaseException:  # Ctrl-C, SIGTERM: setup.py and what it started may not outlive the build
            kill_process_group(process)
            process.wait()
            raise
        return process.returncode, stderr


# aws-lambda-builders' older name for the same class.
SDistMetadataFinder = SDistMetadataFetcher
