"""A downloaded distribution (``Package``), known by its normalized name and version, and a local project
that gave no wheel (``LocalProject``), which stands in the missing set like one."""

from __future__ import annotations

import os
import sys
import zipfile
from typing import Optional, Tuple

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from .seams import packager_name
from .utils import OSUtils


def _normalize_version(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


class LocalProject:
    """A local directory requirement that gave no wheel; it stands in the missing set like a Package."""

    dist_type = "directory"

    def __init__(self, path: str) -> None:
        self.filename = path
        self.name = canonicalize_name(os.path.basename(os.path.normpath(path)))
        self.identifier = path

    def __repr__(self) -> str:
        return f"{self.identifier}(directory)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalProject) and self.identifier == other.identifier

    def __hash__(self) -> int:
        return hash(self.identifier)


class UnavailableRelease:
    """A release a lock installs with no file for the target; it stands in the missing set like a Package."""

    dist_type = "locked"

    def __init__(self, identifier: str) -> None:
        self.identifier = self.filename = identifier
        self.name = canonicalize_name(identifier.split("==", 1)[0])

    def __repr__(self) -> str:
        return f"{self.identifier}(locked)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnavailableRelease) and self.identifier == other.identifier

    def __hash__(self) -> int:
        return hash(self.identifier)


class Package:
    """A downloaded distribution (wheel or sdist), equal to any other of the same release."""

    def __init__(self, directory: str, filename: str, python_exe: Optional[str] = None,
                 osutils: Optional[OSUtils] = None, *, temp_dir: Optional[str] = None,
                 release: Optional[Tuple[str, str]] = None) -> None:
        self.dist_type = "wheel" if filename.endswith(".whl") else "sdist"
        self._directory = directory
        self.filename = filename
        self._osutils = osutils or OSUtils()
        self.python_exe = python_exe or sys.executable
        # Where an sdist without PKG-INFO is unpacked to run its setup.py: the build's scratch directory.
        self._temp_dir = temp_dir
        # ``release``: its name and version as pip reported them, for an sdist not to be read again.
        if release is not None and self.dist_type == "sdist":
            self._name, self._version = str(canonicalize_name(release[0])), _normalize_version(release[1])
        else:
            self._name, self._version = self._calculate_name_and_version()

    @property
    def name(self) -> str:
        """The PEP 503 normalized name."""
        return self._name

    @property
    def version(self) -> str:
        return self._version

    @property
    def identifier(self) -> str:
        return f"{self._name}=={self._version}"

    @property
    def data_dir(self) -> str:
        """``<normalized name>-<version>.data`` (aws-lambda-builders' name), or the wheel's ``.data`` directory
        as the wheel here spells it when that differs (``Foo_Bar-1.0.data``), so that it is found."""
        path = os.path.join(self._directory, self.filename)
        if self.dist_type == "wheel" and os.path.isfile(path):
            try:
                with zipfile.ZipFile(path) as wheel:
                    from .wheel_install import spelled_data_dir  # here: the installer's module is heavy

                    spelled = spelled_data_dir(wheel.namelist(), self._name)
            except zipfile.BadZipFile:
                spelled = None
            if spelled:
                return spelled
        return f"{self._normalize_name(self._name)}-{self._version}.data"

    def _normalize_name(self, name: str) -> str:
        """The PEP 503 normalized name (``Foo_Bar.baz`` -> ``foo-bar-baz``)."""
        return str(canonicalize_name(name))

    def __str__(self) -> str:
        return f"{self.identifier}({self.dist_type})"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Package) and self.identifier == other.identifier

    def __hash__(self) -> int:
        return hash(self.identifier)

    def _calculate_name_and_version(self) -> Tuple[str, str]:
        if self.dist_type == "wheel":
            try:
                parsed_name, parsed_version, _, _ = parse_wheel_filename(self.filename)
                return str(parsed_name), str(parsed_version)
            except InvalidWheelFilename:
                name, version = self.filename.split("-")[:2]
        else:
            # By its name on ``packager``, where callers replace it; ``temp_dir`` only when there is one.
            details = {} if self._temp_dir is None else {"temp_dir": self._temp_dir}
            fetcher = packager_name("SDistMetadataFetcher")(self.python_exe, osutils=self._osutils, **details)
            sdist_path = self._osutils.joinpath(self._directory, self.filename)
            name, version = fetcher.get_package_name_and_version(sdist_path)
        return self._normalize_name(name), _normalize_version(version)
