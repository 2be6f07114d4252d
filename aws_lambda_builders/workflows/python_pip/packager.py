"""Builds a Lambda function's Python dependencies into a directory: the Chalice packager.

The public names here are those of aws-lambda-builders' ``python_pip.packager``,
so its callers switch without changes; this module only gives them their old
places. The nine steps are ``dependency_builder.DependencyBuilder``'s, and every
build goes through the one orchestrator, ``orchestrator.build``.
"""

from __future__ import annotations

import logging
import subprocess  # noqa: F401 - a seam of aws-lambda-builders' packager: tests patch subprocess.Popen/run
from typing import Optional, TypedDict

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.utils import extract_tarfile

from .cache import Placement
from .compat import pip_import_string, pip_no_compile_c_env_vars, pip_no_compile_c_shim
from .dependency_builder import STEPS, DependencyBuilder
from .exceptions import (
    ConflictingRequirementsError,
    DiskFullError,
    HashMismatchError,
    IndexAuthenticationError,
    IndexNotFoundError,
    IndexUnreachableError,
    InvalidPathError,
    InvalidRequirementLineError,
    InvalidSourceDistributionNameError,
    InvalidWheelError,
    MissingDependencyError,
    NoSuchPackageError,
    PackageDownloadError,
    PackagerError,
    RequirementsFileNotFoundError,
    UnreadableProjectError,
    UnreadableSourceError,
    UnsafeArchiveError,
    UnsafeOutputError,
    UnsafeProjectLinkError,
    UnsafeSourceLinkError,
    UnsupportedArchitectureError,
    UnsupportedPackageError,
    UnsupportedPythonVersion,
)
from .package import LocalProject, Package
from .paths import path_argument
from .pip_runner import PipRunner, SubprocessPip
from .sdist import SDistMetadataFetcher, SDistMetadataFinder
from .target import LambdaTarget
from .utils import UI, Config, OSUtils

LOG = logging.getLogger(__name__)

# aws-lambda-builders' text, kept for callers that format it; the packager's own message is
# ``MissingDependencyError``'s hint.
MISSING_DEPENDENCIES_TEMPLATE = (
    "\n"
    "Could not install dependencies:\n"
    "%s\n"
    "You will have to build these yourself and vendor them in\n"
    "the vendor folder.\n"
)

__all__ = [
    "ARM64",
    "X86_64",
    "DependencyBuilder",
    "ConflictingRequirementsError",
    "DiskFullError",
    "HashMismatchError",
    "IndexAuthenticationError",
    "IndexNotFoundError",
    "IndexUnreachableError",
    "InvalidRequirementLineError",
    "InvalidSourceDistributionNameError",
    "InvalidWheelError",
    "LocalProject",
    "MISSING_DEPENDENCIES_TEMPLATE",
    "OSUtils",
    "MissingDependencyError",
    "NoSuchPackageError",
    "Package",
    "PackageDownloadError",
    "PackagerError",
    "PipRunner",
    "PythonPipDependencyBuilder",
    "RequirementsFileNotFoundError",
    "SDistMetadataFetcher",
    "SDistMetadataFinder",
    "STEPS",
    "SubprocessPip",
    "UnreadableProjectError",
    "UnreadableSourceError",
    "UnsafeArchiveError",
    "UnsafeOutputError",
    "UnsafeProjectLinkError",
    "UnsafeSourceLinkError",
    "InvalidPathError",
    "UnsupportedArchitectureError",
    "UnsupportedPackageError",
    "UnsupportedPythonVersion",
    "extract_tarfile",
    "get_lambda_abi",
    "pip_import_string",
    "pip_no_compile_c_env_vars",
    "pip_no_compile_c_shim",
    "path_argument",
]


def get_lambda_abi(runtime: str) -> str:
    """The CPython ABI tag of a Lambda runtime: ``python3.12`` -> ``cp312``."""
    return LambdaTarget(runtime).abi


class _BuildSitePackagesOptions(TypedDict, total=False):
    """The optional arguments of ``DependencyBuilder.build_site_packages``."""

    ui: UI
    config: Config


class PythonPipDependencyBuilder:
    """The facade build tools call: one method, ``build_dependencies``."""

    def __init__(self, runtime: str, python_exe: Optional[str], osutils: Optional[OSUtils] = None,
                 dependency_builder: Optional["DependencyBuilder"] = None, architecture: str = X86_64) -> None:
        self.osutils = osutils or OSUtils()
        if dependency_builder is None:
            # aws-lambda-builders' call, arguments in this order (callers assert it): DependencyBuilder
            # takes a runtime name in its python_exe place and a path in its runtime place the right way round.
            dependency_builder = DependencyBuilder(self.osutils, python_exe, runtime, architecture=architecture)
        self._dependency_builder = dependency_builder

    @property
    def placement(self) -> Optional[Placement]:
        """What the last build placed from the cache, file by file; None when the cache was off."""
        return getattr(self._dependency_builder, "placement", None)

    def build_dependencies(self, artifacts_dir_path: str, scratch_dir_path: str, requirements_path: str,
                           ui: Optional[UI] = None, config: Optional[Config] = None) -> None:
        """Build the dependencies listed in ``requirements_path`` into ``artifacts_dir_path``.

        ``scratch_dir_path`` holds the downloads and builds while they last;
        ``ui`` receives progress and ``config`` adds pip options (index URLs,
        find-links, trusted hosts) to every pip call.
        Raises :class:`MissingDependencyError` after installing all the rest
        when some dependency has no build for the target.
        """
        # Only what was given: a dependency builder of aws-lambda-builders' shape takes neither.
        extra: _BuildSitePackagesOptions = {}
        if ui is not None:
            extra["ui"] = ui
        if config is not None:
            extra["config"] = config
        self._dependency_builder.build_site_packages(requirements_path, artifacts_dir_path, scratch_dir_path,
                                                     **extra)
