"""The Python/pip workflow behind ``LambdaBuilder``: dependencies, then the function's own source.

It keeps aws-lambda-builders' contract for SAM-style callers: the same
actions in the same order (install the dependencies into ``artifacts_dir`` or
``dependencies_dir``, copy those into the artifacts when
``combine_dependencies``, copy the source beside them without the clutter of a
working tree, move it under ``options["parent_python_packages"]``), a missing
requirements file means a source-only build, and every failure is a
``WorkflowFailedError`` naming its cause. Before any action runs, every output
is checked against the user's files (the source, the requirements, the home
directory...), and the source is walked, so a build that would destroy a file
or could not copy the source fails before pip starts.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any, List, Optional

from aws_lambda_builders.exceptions import WorkflowFailedError
from aws_lambda_builders.path_resolver import PathResolver
from aws_lambda_builders.workflow import BaseWorkflow, BuildDirectory, BuildInSourceSupport, Capability

from .actions import (PARENT_PYTHON_PKGS_KEY, CopyDependenciesIntoArtifactsAction, CopyFunctionSourceAction,
                      DependenciesCleanUpAction, PythonCreateParentPackagesAction, PythonPipBuildAction)
from .exceptions import PackagerError, explain
from .interpreters import running_interpreter
from .output import check_output, protected_paths
from .source_copy import EXCLUDED_FILES
from .utils import UI, Config, OSUtils
from .validator import PythonRuntimeValidator

LOG = logging.getLogger(__name__)

__all__ = ["PythonPipWorkflow", "PARENT_PYTHON_PKGS_KEY", "PythonPipBuildAction", "PythonRuntimeValidator"]


class PythonPipWorkflow(BaseWorkflow):
    NAME = "PythonPipBuilder"
    CAPABILITY = Capability(language="python", dependency_manager="pip", application_framework=None)
    EXCLUDED_FILES = EXCLUDED_FILES
    PYTHON_VERSION_THREE = "3"
    DEFAULT_BUILD_DIR = BuildDirectory.SCRATCH
    BUILD_IN_SOURCE_SUPPORT = BuildInSourceSupport.NOT_SUPPORTED

    def __init__(self, source_dir: str, artifacts_dir: str, scratch_dir: str, manifest_path: str,
                 runtime: Optional[str] = None, osutils: Optional[OSUtils] = None, ui: Optional[UI] = None,
                 config: Optional[Config] = None, **kwargs: Any) -> None:
        """``runtime`` defaults to the running Python's; ``ui`` and ``config`` reach the packager's build
        (progress, pip options, the build cache); every other keyword is ``BaseWorkflow``'s."""
        runtime = runtime or "python%d.%d" % sys.version_info[:2]
        super().__init__(source_dir, artifacts_dir, scratch_dir, manifest_path, runtime=runtime, **kwargs)
        self.ui = ui
        self.config = config
        osutils = osutils or OSUtils()
        self._use_pip = False
        if not self.download_dependencies and not self.dependencies_dir:
            LOG.info("download_dependencies is False and dependencies_dir is None. Copying the source files into "
                     "the artifacts directory. ")
        self._source_copy = CopyFunctionSourceAction(source_dir, artifacts_dir, excludes=self.EXCLUDED_FILES,
                                                     skip=[artifacts_dir, scratch_dir, self.dependencies_dir])
        self.actions = self._make_actions(osutils, runtime)

    def _make_actions(self, osutils: OSUtils, runtime: str) -> List[Any]:
        if not osutils.file_exists(self.manifest_path):
            LOG.warning("requirements.txt file not found. Continuing the build without dependencies.")
            return [self._source_copy]
        actions: List[Any] = []
        if self.download_dependencies:
            self._use_pip = True
            if self.dependencies_dir:
                actions.append(DependenciesCleanUpAction(self.dependencies_dir))
            build = PythonPipBuildAction(self.artifacts_dir, self.scratch_dir, self.manifest_path, runtime,
                                         self.dependencies_dir, binaries=self.binaries,
                                         architecture=self.architecture)
            build.ui, build.config = self.ui, self.config
            actions.append(build)
        if self.dependencies_dir and self.combine_dependencies:
            actions.append(CopyDependenciesIntoArtifactsAction(self.dependencies_dir, self.artifacts_dir))
        actions.append(self._source_copy)
        return actions

    @property  # type: ignore[override]
    def actions(self) -> List[Any]:
        """The actions, and last the move of the source under the parent package path when one is asked."""
        if isinstance(self.options, dict) and PARENT_PYTHON_PKGS_KEY in self.options:
            return self._actions + [PythonCreateParentPackagesAction(self.source_dir, self.artifacts_dir,
                                                                     self.options)]
        return self._actions

    @actions.setter
    def actions(self, actions: List[Any]) -> None:
        self._actions = actions

    def get_resolvers(self) -> List[PathResolver]:
        """Interpreters named as the runtime (``python3.12``) on the search paths, the one running this
        package, then ``python3.12``, ``python`` and ``python3`` on the search paths and ``PATH``."""
        major = self.runtime.replace(self.CAPABILITY.language, "").split(".")[0]  # type: ignore[union-attr]
        additional = [self.CAPABILITY.language + major] if major == self.PYTHON_VERSION_THREE else None
        return [_WithRunningInterpreter(runtime=self.runtime, binary=self.CAPABILITY.language,
                                        additional_binaries=additional,
                                        executable_search_paths=self.executable_search_paths)]

    def get_validators(self) -> List[Any]:
        if self._use_pip:
            return [PythonRuntimeValidator(runtime=self.runtime, architecture=self.architecture)]
        return super().get_validators()

    def run(self) -> None:
        """Checks every output and walks the source, then validates the interpreter and runs the actions."""
        self._check_outputs()
        os.makedirs(self.scratch_dir, exist_ok=True)
        super().run()

    def _check_outputs(self) -> None:
        config = self.config or Config()
        cache = config.build_cache()
        protected = protected_paths(requirements=self.manifest_path, source=self.source_dir,
                                    scratch=self.scratch_dir, python=sys.executable,
                                    cache=cache.root if cache is not None else None, pip_options=config.pip_options())
        for output in filter(None, (self.artifacts_dir, self.dependencies_dir)):
            try:
                check_output(output, protected)
            except PackagerError as error:
                raise WorkflowFailedError(workflow_name=self.NAME, action_name="CheckOutput",
                                          reason=explain(error)) from error
        try:
            self._source_copy.plan()
        except PackagerError as error:  # a link out of the source, a file that cannot be read
            raise WorkflowFailedError(workflow_name=self.NAME, action_name=self._source_copy.NAME,
                                      reason=explain(error)) from error


class _WithRunningInterpreter(PathResolver):
    """The interpreters pip may run in, in order: one named as the runtime (``python3.12``) in the caller's
    ``executable_search_paths``, the interpreter running this package, then ``PathResolver``'s candidates.

    pip resolves and downloads for the target, whatever interpreter runs it, so
    the running one serves every runtime (a python3.13 function builds on a
    machine without python3.13), as it does for ``lambda-pip build``; the build
    finds an interpreter of the target's version itself for the sdists it
    compiles. Trying ``PATH``'s interpreters first would run each of them (a
    pyenv shim takes a tenth of a second) on every build.
    """

    def _which(self) -> List[str]:
        named = [os.path.join(str(directory), self.runtime) for directory in self.executable_search_paths or []
                 if self.runtime and os.access(os.path.join(str(directory), self.runtime), os.X_OK)]
        running = [path for path in [running_interpreter()] if path]  # none in a frozen application
        try:
            found = super()._which()
        except ValueError:  # "Path resolution ... was not successful": only when nothing at all is left
            if not named and not running:
                raise
            found = []
        return named + running + found
