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
import subprocess
from email.message import Message
from email.parser import FeedParser
from typing import Iterator, Optional, Sequence, Tuple

from .archives import read_root_file
from .child_processes import builder_watch_shim, kill_process_group, pip_temp_environment, start_child
from .exceptions import InvalidSourceDistributionNameError, UnsupportedPackageError
from .seams import packager_name
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


class SDistMetadataFetcher:
    """Reads the name and version of an sdist (aws-lambda-builders' ``SDistMetadataFetcher``).

    The ``PKG-INFO`` at the archive's root is read first, without unpacking or
    running anything. Only an sdist without a usable one is unpacked and read in
    aws-lambda-builders' order, through its methods (callers replace them):
    ``setup.py egg_info``'s ``PKG-INFO`` (:meth:`_get_pkg_info_filepath`), then,
    if that holds setuptools' placeholders, the unpacked ``PKG-INFO``
    (:meth:`_get_fallback_pkg_info_filepath`). That happens in a directory made
    in ``temp_dir`` (the packager passes its build's scratch directory, so that
    what a killed build leaves goes with it), else in the system's temporary
    directory. ``setup.py`` runs without a terminal (stdin from the null
    device), with its temporary files (``TMPDIR``) in a directory of its own there, in a process
    group of its own that is killed whole when the build is interrupted or dies.
    """

    # Runs a setup.py the way pip did before PEP 517.
    _SETUPTOOLS_SHIM = _SETUPTOOLS_SHIM

    def __init__(self, python_exe: Optional[str] = None, osutils: Optional[OSUtils] = None, *,
                 temp_dir: Optional[str] = None) -> None:
        if python_exe is not None and not isinstance(python_exe, (str, os.PathLike)):
            # Older aws-lambda-builders: SDistMetadataFetcher(osutils). (Its tests pass the OSUtils class.)
            if osutils is None and not isinstance(python_exe, type):
                osutils = python_exe
            python_exe = None
        self._osutils = osutils or OSUtils()
        self.python_exe = os.fspath(python_exe) if python_exe is not None else sys.executable
        self.temp_dir = temp_dir

    def get_package_name_and_version(self, sdist_path: str) -> Tuple[str, str]:
        """Name and version from the archive's ``PKG-INFO``, else from the unpacked sdist (see the class)."""
        found = self._read_from_archive(sdist_path)
        if found is not None:
            return found
        with self._tempdir() as tempdir:
            package_dir = self._unpack_sdist_into_dir(sdist_path, tempdir)
            name, version = self._get_name_version(self._get_pkg_info_filepath(package_dir))
            if self._is_default_setuptools_values(name, version):
                fallback = self._get_fallback_pkg_info_filepath(package_dir)
                if self._osutils.file_exists(fallback):
                    fallback_name, fallback_version = self._get_name_version(fallback)
                    if not self._is_default_setuptools_values(fallback_name, fallback_version):
                        name, version = fallback_name, fallback_version
            if not name or not version or name.lower() == "unknown":  # a version 0.0.0 may be the project's own
                raise UnsupportedPackageError(self._osutils.basename(package_dir))
        return name, version

    def _read_from_archive(self, sdist_path: str) -> Optional[Tuple[str, str]]:
        """The name and version of the ``PKG-INFO`` at the archive's root, unless absent or setuptools'
        placeholders. The archive's members are checked as for unpacking (``archives``) all the same."""
        if not (sdist_path.endswith(SDIST_SUFFIXES) and os.path.isfile(sdist_path)):
            return None
        pkg_info = read_root_file(sdist_path, "PKG-INFO")
        if pkg_info is None:
            return None
        metadata = _parse_pkg_info(pkg_info.decode("utf-8", "replace"))
        name, version = metadata["Name"], metadata["Version"]
        return None if self._is_default_setuptools_values(name, version) else (name, version)

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
        """Unpack the sdist (a tar archive through ``packager.extract_tarfile``) and return its one top
        directory, or ``unpack_dir`` when the archive has no single one."""
        if sdist_path.endswith(".zip"):
            self._osutils.extract_zipfile(sdist_path, unpack_dir)
        elif sdist_path.endswith((".tar.gz", ".tar.bz2")):
            packager_name("extract_tarfile")(sdist_path, unpack_dir)
        else:
            raise InvalidSourceDistributionNameError(sdist_path)
        contents = self._osutils.get_directory_contents(unpack_dir)
        if len(contents) == 1 and self._osutils.directory_exists(self._osutils.joinpath(unpack_dir, contents[0])):
            return self._osutils.joinpath(unpack_dir, contents[0])
        return unpack_dir

    def _get_pkg_info_filepath(self, package_dir: str) -> str:
        """The ``PKG-INFO`` that ``setup.py egg_info`` writes, else the sdist's own, else one of an
        ``*.egg-info`` directory the sdist holds; :class:`UnsupportedPackageError` when there is none."""
        setup_py = self._osutils.joinpath(package_dir, "setup.py")
        self._log_setuptools_presence()
        egg_info_dir = self._osutils.joinpath(package_dir, "egg-info")
        self._osutils.makedirs(egg_info_dir)
        returncode, stderr = self._run_setup_py(
            setup_py, ["--no-user-cfg", "egg_info", "--egg-base", "egg-info"], package_dir)
        if returncode != 0:
            LOG.debug("setup.py egg_info failed in %s: %s", package_dir, (stderr or b"").decode("utf-8", "replace"))
        info_contents = self._osutils.get_directory_contents(egg_info_dir)
        if info_contents:
            pkg_info_path = self._osutils.joinpath(egg_info_dir, info_contents[0], "PKG-INFO")
        else:
            pkg_info_path = self._get_fallback_pkg_info_filepath(package_dir)
        if self._osutils.file_exists(pkg_info_path):
            return pkg_info_path
        for entry in self._osutils.get_directory_contents(package_dir):
            candidate = self._osutils.joinpath(package_dir, entry)
            if entry.endswith(".egg-info") and self._osutils.directory_exists(candidate):
                pkg_info_path = self._osutils.joinpath(candidate, "PKG-INFO")
                if self._osutils.file_exists(pkg_info_path):
                    return pkg_info_path
        package = self._osutils.basename(package_dir)
        LOG.warning("Unable to retrieve name/version for package %s: no PKG-INFO, and setup.py egg_info made none",
                    package)
        raise UnsupportedPackageError(package)

    def _log_setuptools_presence(self) -> None:
        """Whether the interpreter has setuptools, for the debug log only (egg_info needs it)."""
        try:
            result = subprocess.run([self.python_exe, "-c", "import setuptools"], capture_output=True, timeout=10,
                                    check=False)
        except (OSError, subprocess.SubprocessError) as error:
            LOG.debug("could not ask %s for setuptools: %s", self.python_exe, error)
            return
        LOG.debug("setuptools in %s: %s", self.python_exe, "yes" if result.returncode == 0 else "no")

    def _get_fallback_pkg_info_filepath(self, package_dir: str) -> str:
        return self._osutils.joinpath(package_dir, "PKG-INFO")

    def _parse_pkg_info_file(self, filepath: str) -> Message:
        return _parse_pkg_info(self._osutils.get_file_contents(filepath, binary=False))

    def _get_name_version(self, pkg_info_filepath: str) -> Tuple[str, str]:
        metadata = self._parse_pkg_info_file(pkg_info_filepath)
        return metadata["Name"], metadata["Version"]

    def _is_default_setuptools_values(self, name: Optional[str], version: Optional[str]) -> bool:
        """setuptools' placeholders: the name ``UNKNOWN`` or the version ``0.0.0`` (or none at all)."""
        return not name or not version or name.lower() == "unknown" or version == "0.0.0"

    def _run_setup_py(self, setup_py: str, args: Sequence[str], cwd: str) -> Tuple[int, bytes]:
        """Run ``setup.py`` as pip runs its children: no stdin, its temporary files in ``temp_dir``, in a
        process group of its own that dies with the build (see :class:`SubprocessPip`)."""
        setup_temp = tempfile.mkdtemp(prefix="setup-py-", dir=self.temp_dir)
        try:
            env = self._osutils.original_environ()
            env.update(pip_temp_environment(setup_temp))
            command = [self.python_exe, "-c", builder_watch_shim(os.getpid()) + self._SETUPTOOLS_SHIM % setup_py,
                       *args]
            process = start_child(self._osutils, command, env, cwd=cwd)
            try:
                _, stderr = process.communicate()
            except BaseException:  # Ctrl-C, SIGTERM: setup.py and what it started may not outlive the build
                kill_process_group(process)
                process.wait()
                raise
            return process.returncode, stderr
        finally:
            shutil.rmtree(setup_temp, ignore_errors=True)


def _parse_pkg_info(text: str) -> Message:
    parser = FeedParser()
    parser.feed(text)
    return parser.close()


# aws-lambda-builders' older name for the same class.
SDistMetadataFinder = SDistMetadataFetcher
