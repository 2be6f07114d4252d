"""The Python/pip workflow's actions: install the dependencies (through the packager), copy the function's
source and the dependencies into the artifacts, and move the source under a parent package path."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from aws_lambda_builders.actions import ActionFailedError, BaseAction, CleanUpAction, CopySourceAction, Purpose
from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.exceptions import MisMatchRuntimeError, RuntimeValidatorError

from .exceptions import MissingPipError, PackagerError, explain
from .source_copy import SourceEntry, copy_entries, copy_file_replacing, plan_source_copy
from .utils import OSUtils

if TYPE_CHECKING:
    from .packager import DependencyBuilder, PipRunner, PythonPipDependencyBuilder, SubprocessPip

LOG = logging.getLogger(__name__)

# The option (``options`` of ``LambdaBuilder.build``) that puts the function's files under a package path.
PARENT_PYTHON_PKGS_KEY = "parent_python_packages"

# The packager's classes, bound here (callers patch them on this module) when an action first needs them:
# importing the workflows package registers this workflow on every `lambda-pip` run, and importing the
# packager with it would cost each of those runs some 50 ms; the pip action imports it when it runs.
_PACKAGER_NAMES = ("DependencyBuilder", "PythonPipDependencyBuilder", "SubprocessPip", "PipRunner")


def _bind_packager() -> None:
    from . import packager

    for name in _PACKAGER_NAMES:
        globals().setdefault(name, getattr(packager, name))  # a name patched by a caller stays patched


def __getattr__(name: str) -> Any:
    if name in _PACKAGER_NAMES:
        _bind_packager()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class PythonPipBuildAction(BaseAction):
    """Installs the requirements' dependencies for the Lambda target with pip (the packager's one build)."""

    NAME = "ResolveDependencies"
    DESCRIPTION = "Installing dependencies from PIP"
    PURPOSE = Purpose.RESOLVE_DEPENDENCIES
    LANGUAGE = "python"

    def __init__(self, artifacts_dir: str, scratch_dir: str, manifest_path: str, runtime: str,
                 dependencies_dir: Optional[str], binaries: Dict[str, Any], architecture: str = X86_64) -> None:
        self.artifacts_dir = artifacts_dir
        self.manifest_path = manifest_path
        self.scratch_dir = scratch_dir
        self.runtime = runtime
        self.dependencies_dir = dependencies_dir
        self.binaries = binaries
        self.architecture = architecture
        self._os_utils = OSUtils()
        self.ui: Any = None  # the workflow's progress receiver and options, when it was given them
        self.config: Any = None

    def execute(self) -> None:
        _bind_packager()
        os_utils = self._os_utils
        pip, python = self._find_runtime_with_pip()
        pip_runner = PipRunner(python_exe=python, pip=pip)
        dependency_builder = DependencyBuilder(osutils=os_utils, python_exe=python, pip_runner=pip_runner,
                                               runtime=self.runtime, architecture=self.architecture)
        package_builder = PythonPipDependencyBuilder(osutils=os_utils, runtime=self.runtime, python_exe=python,
                                                     dependency_builder=dependency_builder)
        given = {name: value for name, value in (("ui", self.ui), ("config", self.config)) if value is not None}
        try:
            package_builder.build_dependencies(artifacts_dir_path=self.dependencies_dir or self.artifacts_dir,
                                              scratch_dir_path=self.scratch_dir,
                                              requirements_path=self.manifest_path, **given)
        except PackagerError as ex:
            raise ActionFailedError(str(ex), hint=ex.hint) from ex

    def _find_runtime_with_pip(self) -> Tuple["SubprocessPip", str]:
        """pip in the first interpreter of the search that validates and has pip."""
        _bind_packager()
        binary_object = self.binaries.get(self.LANGUAGE)
        if not binary_object:
            raise ActionFailedError("Failed to fetch Python binaries from the PATH.")
        tried = []
        for python_path in binary_object.resolver.exec_paths:
            try:
                valid_python_path = binary_object.validator.validate(python_path)
                if valid_python_path:
                    pip = SubprocessPip(osutils=self._os_utils, python_exe=valid_python_path)
                    return pip, valid_python_path
            except (MisMatchRuntimeError, RuntimeValidatorError, MissingPipError) as ex:
                LOG.debug("Python runtime path '%s' does not match the workflow: %s", python_path, ex)
                tried.append(f"  {python_path}: {ex}")
        raise ActionFailedError("Failed to find a Python runtime containing pip on the PATH.", hint="\n".join(
            ["Tried:"] + tried + ["Install pip in the Python that runs the build (python -m ensurepip), or put a "
                                  "Python of the function's runtime with pip on the PATH."]))


class PythonCreateParentPackagesAction(BaseAction):
    """Moves the function's own files under the package path ``options["parent_python_packages"]`` names
    (``"a.b"``: ``a/b/``, SAM's ParentPackageMode); the dependencies stay at the top."""

    NAME = "CreateParentPackages"
    DESCRIPTION = "Creating parent Python packages"
    PURPOSE = Purpose.COPY_SOURCE
    LANGUAGE = "python"

    def __init__(self, source_dir: str, dest_dir: str, options: Optional[Dict[str, Any]] = None) -> None:
        self.source_dir = source_dir
        self.dest_dir = dest_dir
        self.options = options or {}

    def execute(self) -> None:
        value = self.options.get(PARENT_PYTHON_PKGS_KEY) if isinstance(self.options, dict) else None
        if not isinstance(value, str) or not value:
            return
        parts = value.split(".")
        if not all(part.isidentifier() for part in parts):  # "../x", "/tmp": never a path out of the artifacts
            LOG.warning("%s %r is not a dotted package name: the source stays at the top of the artifacts",
                        PARENT_PYTHON_PKGS_KEY, value)
            return
        target = Path(self.dest_dir).joinpath(*parts)
        try:
            target.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            LOG.warning("Skipping creating package %s as it would overwrite existing folder", target)
            return
        for item in Path(self.source_dir).glob(pattern="*"):
            copied = Path(self.dest_dir) / item.name
            if copied.exists():
                copied.rename(target / item.name)
            else:
                LOG.debug("%s was not copied into the artifacts (excluded): not moved", item.name)


class CopyFunctionSourceAction(CopySourceAction):
    """aws-lambda-builders' source copy, without its hazards: a link out of the source, an unreadable
    file or a special file fails the build before pip runs (``plan``), outputs inside the source are
    not copied into themselves, and the clutter of a working tree (``EXCLUDED_FILES``) is left out."""

    def __init__(self, source_dir: str, dest_dir: str, excludes: Optional[Sequence[str]] = None,
                 skip: Sequence[Optional[str]] = ()) -> None:
        super().__init__(source_dir, dest_dir, excludes=excludes)
        self._skip = [path for path in skip if path]
        self._entries: Optional[List[SourceEntry]] = None

    def plan(self) -> List[SourceEntry]:
        """What is copied, walked once; raises ``PackagerError`` for a source that cannot be copied."""
        if self._entries is None:
            self._entries = plan_source_copy(self.source_dir, skip=self._skip)
        return self._entries

    def execute(self) -> None:
        try:
            copy_entries(self.source_dir, self.plan(), self.dest_dir)
        except (PackagerError, OSError) as error:  # a file that cannot be read or written
            raise ActionFailedError(explain(error)) from error


class CopyDependenciesIntoArtifactsAction(CopySourceAction):
    """The dependencies directory merged into the artifacts, each file replaced rather than written
    through: a dependency may be a hard link into the build cache."""

    def execute(self) -> None:
        if not os.path.isdir(self.source_dir) or (
                os.path.isdir(self.dest_dir) and os.path.samefile(self.source_dir, self.dest_dir)):
            LOG.debug("No dependencies to copy from %s", self.source_dir)
            return
        try:
            shutil.copytree(self.source_dir, self.dest_dir, dirs_exist_ok=True, copy_function=copy_file_replacing)
        except OSError as error:
            raise ActionFailedError(explain(error)) from error


class DependenciesCleanUpAction(CleanUpAction):
    """aws-lambda-builders empties ``dependencies_dir`` here, before pip runs. The build that follows
    replaces that directory as a whole, and only once it has succeeded (staged beside it, then swapped):
    emptying it first would only lose the last good dependencies when the build fails, and the check
    that leaves a directory as it is when nothing changed. So nothing is removed here; the build does it."""

    def execute(self) -> None:
        LOG.debug("Clean up action: %s is replaced as a whole by the build that follows", self.target_dir)
