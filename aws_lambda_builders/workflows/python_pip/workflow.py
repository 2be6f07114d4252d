"""The Python/pip workflow behind ``LambdaBuilder``: dependencies, then the function's own source.

It keeps aws-lambda-builders' contract for SAM-style callers: dependencies go
into ``artifacts_dir`` (or ``dependencies_dir``, copied into the artifacts when
``combine_dependencies``), the source is copied beside them without the clutter
of a working tree, a missing requirements file means a source-only build, and
every failure is a ``WorkflowFailedError`` naming its cause.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from typing import Any, Dict, List, Optional

from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.exceptions import WorkflowFailedError

from .exceptions import PackagerError, UnsafeOutputError
from .orchestrator import BuildRequest, build
from .output import check_output, protected_paths
from .source_copy import EXCLUDED_FILES, SourceEntry, copy_entries, copy_file_replacing, plan_source_copy
from .utils import UI, Config

LOG = logging.getLogger(__name__)

# The option (``options`` of ``LambdaBuilder.build``) that puts the function's files under a package path.
PARENT_PYTHON_PKGS_KEY = "parent_python_packages"


class PythonPipWorkflow:
    NAME = "PythonPipBuilder"
    EXCLUDED_FILES = EXCLUDED_FILES

    def __init__(self, source_dir: str, artifacts_dir: str, scratch_dir: str, manifest_path: str,
                 runtime: Optional[str] = None, optimizations: Optional[Dict[str, Any]] = None,
                 options: Optional[Dict[str, Any]] = None, executable_search_paths: Optional[List[str]] = None,
                 mode: Optional[str] = None, download_dependencies: bool = True,
                 dependencies_dir: Optional[str] = None, combine_dependencies: bool = True,
                 architecture: str = X86_64, is_building_layer: bool = False,
                 experimental_flags: Optional[List[str]] = None, build_in_source: Optional[bool] = None,
                 ui: Optional[UI] = None, config: Optional[Config] = None, unpatched_runtime: Optional[str] = None,
                 **kwargs: Any) -> None:
        self.source_dir = source_dir
        self.artifacts_dir = artifacts_dir
        self.scratch_dir = scratch_dir
        self.manifest_path = manifest_path
        self.runtime = runtime or "python%d.%d" % sys.version_info[:2]
        self.unpatched_runtime = unpatched_runtime  # the template's own spelling of the runtime, kept as given
        self.options = options or {}
        self.executable_search_paths = executable_search_paths or []
        self.download_dependencies = download_dependencies
        self.dependencies_dir = dependencies_dir
        self.combine_dependencies = combine_dependencies
        self.architecture = architecture
        self.is_building_layer = is_building_layer
        self.ui = ui
        self.config = config

    def _python(self) -> str:
        """An interpreter of the runtime's version on the search paths, else the running one."""
        for directory in self.executable_search_paths:
            candidate = os.path.join(directory, self.runtime)
            if os.access(candidate, os.X_OK):
                return candidate
        return sys.executable

    def _fail(self, action: str, reason: object) -> WorkflowFailedError:
        return WorkflowFailedError(workflow_name=self.NAME, action_name=action, reason=str(reason))

    def run(self) -> None:
        """The dependencies through the one build (``orchestrator.build``), then the source beside them."""
        builds_dependencies = self.download_dependencies and os.path.isfile(self.manifest_path)
        dependencies_target = self.dependencies_dir or self.artifacts_dir
        config = self.config or Config()
        # Every output, before anything is read or written (the build checks its own again).
        cache = config.build_cache()
        protected = protected_paths(requirements=self.manifest_path, source=self.source_dir, scratch=self.scratch_dir,
                                    python=self._python(), cache=cache.root if cache is not None else None,
                                    pip_options=config.pip_options())
        for output in filter(None, (self.artifacts_dir, self.dependencies_dir)):
            try:
                check_output(output, protected)
            except PackagerError as error:
                raise self._fail("CheckOutput", error) from error
        try:  # the source is walked before pip runs: a source that cannot be copied fails the build at once
            source = plan_source_copy(self.source_dir, skip=[self.artifacts_dir, self.scratch_dir]
                                      + ([self.dependencies_dir] if self.dependencies_dir else []))
        except PackagerError as error:  # a link out of the source, a file that cannot be read
            raise self._fail("CopySource", error) from error
        os.makedirs(self.scratch_dir, exist_ok=True)
        if builds_dependencies:
            self._build_dependencies(dependencies_target, config)
        elif self.download_dependencies:
            LOG.warning("requirements.txt file not found. Continuing the build without dependencies.")
            os.makedirs(self.artifacts_dir, exist_ok=True)
        if self.dependencies_dir and self.combine_dependencies and os.path.isdir(self.dependencies_dir) \
                and os.path.realpath(self.dependencies_dir) != os.path.realpath(self.artifacts_dir):
            try:
                shutil.copytree(self.dependencies_dir, self.artifacts_dir, dirs_exist_ok=True,
                                copy_function=copy_file_replacing)
            except OSError as error:
                raise self._fail("CopyDependencies", error) from error
        try:
            copy_entries(self.source_dir, source, self._source_destination(source))
        except (PackagerError, OSError) as error:  # a file that cannot be read or written
            raise self._fail("CopySource", error) from error

    def _source_destination(self, source: List[SourceEntry]) -> str:
        """Where the function's own files go: the artifacts directory, or the package path that
        ``options["parent_python_packages"]`` names (``"a.b"``: ``a/b/``, SAM's ParentPackageMode), unless
        that directory would exist already (aws-lambda-builders then leaves the files where they are)."""
        value = self.options.get(PARENT_PYTHON_PKGS_KEY) if isinstance(self.options, dict) else None
        if not isinstance(value, str) or not value:
            return self.artifacts_dir
        parts = value.split(".")
        if not all(part.isidentifier() for part in parts):
            LOG.warning("%s %r is not a dotted package name: the source is copied to the top of the artifacts",
                        PARENT_PYTHON_PKGS_KEY, value)
            return self.artifacts_dir
        target = os.path.join(self.artifacts_dir, *parts)
        below = os.path.join(*parts)
        if os.path.lexists(target) or any(entry.path == below or entry.path.startswith(below + os.sep)
                                          for entry in source):
            LOG.warning("Skipping creating package %s as it would overwrite existing folder", target)
            return self.artifacts_dir
        return target

    def _build_dependencies(self, output: str, config: Config) -> None:
        request = BuildRequest(requirements=os.path.abspath(self.manifest_path), output=output, runtime=self.runtime,
                               architecture=self.architecture, python=self._python(), config=config,
                               scratch_dir=self.scratch_dir, protect=[self.source_dir])
        try:
            result = build(request, self.ui)
        except UnsafeOutputError as error:
            raise self._fail("CheckOutput", error) from error
        except (PackagerError, OSError) as error:
            raise self._fail("ResolveDependencies", error) from error
        if result.missing is not None:
            raise self._fail("ResolveDependencies", result.missing)
