"""Workflows as aws-lambda-builders defines them: the types that describe one (what it builds, ``Capability``;
how, ``BuildMode``; where, ``BuildDirectory``; whether in the source, ``BuildInSourceSupport``) and
``BaseWorkflow``, which registers each workflow class and runs its actions."""

from __future__ import annotations

import functools
import logging
import os
from collections import namedtuple
from enum import Enum
from typing import Any, Callable, Dict, List, Optional, Tuple

from aws_lambda_builders.actions import ActionFailedError
from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.binary_path import BinaryPath
from aws_lambda_builders.exceptions import (MisMatchRuntimeError, RuntimeValidatorError, WorkflowFailedError,
                                            WorkflowUnknownError, explain)
from aws_lambda_builders.path_resolver import PathResolver
from aws_lambda_builders.registry import DEFAULT_REGISTRY
from aws_lambda_builders.validator import RuntimeValidator

LOG = logging.getLogger(__name__)

# What a workflow builds: ("python", "pip", None) for this package's one workflow.
Capability = namedtuple("Capability", ["language", "dependency_manager", "application_framework"])


class BuildMode:
    """A build for debugging or for release (callers pass ``mode``; the Python/pip workflow builds the same)."""

    DEBUG = "debug"
    RELEASE = "release"


class BuildDirectory(Enum):
    """Where a workflow builds by default."""

    SCRATCH = "scratch"
    ARTIFACTS = "artifacts"
    SOURCE = "source"


class BuildInSourceSupport(Enum):
    """The values of ``build_in_source`` a workflow accepts."""

    NOT_SUPPORTED = [False]
    OPTIONALLY_SUPPORTED = [False, True]
    EXCLUSIVELY_SUPPORTED = [True]


def sanitize(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wraps ``run``: every binary the workflow needs is found and validated before any action runs."""

    @functools.wraps(func)
    def wrapper(self: "BaseWorkflow", *args: Any, **kwargs: Any) -> Any:
        valid_paths: Dict[str, str] = {}
        invalid_paths: Dict[str, List[str]] = {}
        validation_errors: List[str] = []
        for binary, binary_checker in self.binaries.items():
            invalid_paths[binary] = []
            try:
                exec_paths = (binary_checker.resolver.exec_paths if not binary_checker.path_provided
                              else _as_list(binary_checker.binary_path))
            except ValueError as ex:
                raise WorkflowFailedError(workflow_name=self.NAME, action_name="Resolver", reason=str(ex)) from ex
            for executable_path in exec_paths:
                try:
                    valid_path = binary_checker.validator.validate(executable_path)
                    if valid_path:
                        valid_paths[binary] = valid_path
                except MisMatchRuntimeError as ex:
                    LOG.debug("Invalid executable for %s at %s", binary, executable_path, exc_info=ex)
                    invalid_paths[binary].append(executable_path)
                except RuntimeValidatorError as ex:
                    LOG.debug("Runtime validation error for %s", binary, exc_info=ex)
                    if str(ex) not in validation_errors:
                        validation_errors.append(str(ex))
                if valid_paths.get(binary, None):
                    binary_checker.binary_path = valid_paths[binary]
                    break
        if validation_errors:
            raise WorkflowFailedError(workflow_name=self.NAME, action_name="Validation",
                                      reason="\n".join(validation_errors))
        if len(self.binaries) != len(valid_paths):
            validation_failed_binaries = set(self.binaries.keys()).difference(valid_paths.keys())
            for validation_failed_binary in validation_failed_binaries:
                message = ("Binary validation failed for {0}, searched for {0} in following locations  : "
                           "{1} which did not satisfy constraints for runtime: {2}. Do you have {0} for "
                           "runtime: {2} on your PATH?").format(validation_failed_binary,
                                                                 invalid_paths[validation_failed_binary],
                                                                 self.runtime)
                validation_errors.append(message)
            raise WorkflowFailedError(workflow_name=self.NAME, action_name="Validation",
                                      reason="\n".join(validation_errors))
        return func(self, *args, **kwargs)

    return wrapper


def _as_list(paths: Any) -> List[str]:
    """A path given by the caller as a list of one (aws-lambda-builders iterates the string's characters)."""
    return [paths] if isinstance(paths, str) else list(paths or [])


class _WorkflowMetaClass(type):
    """Registers each workflow class, once its definition is checked, in ``DEFAULT_REGISTRY``."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], class_dict: Dict[str, Any]) -> "_WorkflowMetaClass":
        cls = type.__new__(mcs, name, bases, class_dict)
        if cls.__name__ == "BaseWorkflow" or getattr(cls, "__TESTING__", False):
            return cls
        if not isinstance(cls.NAME, str):  # type: ignore[attr-defined]
            raise ValueError("Workflow must provide a valid name")
        if not isinstance(cls.CAPABILITY, Capability):  # type: ignore[attr-defined]
            raise ValueError("Workflow '{}' must register valid capabilities".format(cls.NAME))  # type: ignore
        if not isinstance(cls.BUILD_IN_SOURCE_SUPPORT, BuildInSourceSupport):  # type: ignore[attr-defined]
            raise ValueError("Workflow '{}' must define supported values for build in source"
                             .format(cls.NAME))  # type: ignore[attr-defined]
        if not isinstance(cls.DEFAULT_BUILD_DIR, BuildDirectory):  # type: ignore[attr-defined]
            raise ValueError("Workflow '{}' must define default build directory"
                             .format(cls.NAME))  # type: ignore[attr-defined]
        LOG.debug("Registering workflow '%s' with capability '%s'", cls.NAME, cls.CAPABILITY)  # type: ignore
        DEFAULT_REGISTRY[cls.CAPABILITY] = cls  # type: ignore[attr-defined]
        return cls


class BaseWorkflow(metaclass=_WorkflowMetaClass):
    """A build as a list of actions run in order, after the binaries they need are validated (``run``).

    Subclasses name themselves (``NAME``), say what they build (``CAPABILITY``) and where
    (``DEFAULT_BUILD_DIR``, ``BUILD_IN_SOURCE_SUPPORT``), and fill ``actions`` in their constructor.
    """

    __TESTING__ = False
    NAME: Any = None
    CAPABILITY: Any = None
    SUPPORTED_MANIFESTS: List[str] = []
    BUILD_IN_SOURCE_SUPPORT: Any = None
    DEFAULT_BUILD_DIR: Any = None

    def __init__(self, source_dir: str, artifacts_dir: str, scratch_dir: str, manifest_path: str,
                 runtime: Optional[str] = None, executable_search_paths: Optional[List[str]] = None,
                 optimizations: Optional[Dict[str, Any]] = None, options: Optional[Dict[str, Any]] = None,
                 mode: Optional[str] = BuildMode.RELEASE, download_dependencies: bool = True,
                 dependencies_dir: Optional[str] = None, combine_dependencies: bool = True,
                 architecture: str = X86_64, is_building_layer: bool = False,
                 experimental_flags: Optional[List[str]] = None, build_in_source: Optional[bool] = None,
                 unpatched_runtime: Optional[str] = None) -> None:
        self.source_dir = source_dir
        self.artifacts_dir = artifacts_dir
        self.scratch_dir = scratch_dir
        self.manifest_path = manifest_path
        self.runtime = runtime
        self.optimizations = optimizations
        self.options = options
        self.executable_search_paths = executable_search_paths
        self.mode = mode
        self.download_dependencies = download_dependencies
        self.dependencies_dir = dependencies_dir
        self.combine_dependencies = combine_dependencies
        self.architecture = architecture
        self.is_building_layer = is_building_layer
        self.unpatched_runtime = unpatched_runtime  # the template's own spelling of the runtime
        self.experimental_flags = experimental_flags if experimental_flags else []
        self.build_dir = self._select_build_dir(build_in_source)
        self.actions: List[Any] = []
        self._binaries: Dict[str, BinaryPath] = {}

    def _select_build_dir(self, build_in_source: Optional[bool]) -> str:
        """The source directory when building in it is asked for and supported, else the default one."""
        should_build_in_source = build_in_source
        if build_in_source not in self.BUILD_IN_SOURCE_SUPPORT.value:
            should_build_in_source = self.DEFAULT_BUILD_DIR == BuildDirectory.SOURCE
            if build_in_source is not None:
                LOG.warning('Workflow %s does not support value "%s" for building in source. Using default value '
                            '"%s".', self.NAME, build_in_source, should_build_in_source)
        if should_build_in_source:
            return self.source_dir
        return {BuildDirectory.SCRATCH: self.scratch_dir, BuildDirectory.ARTIFACTS: self.artifacts_dir,
                BuildDirectory.SOURCE: self.source_dir}[self.DEFAULT_BUILD_DIR]

    def is_supported(self) -> bool:
        """Whether the manifest is one this workflow reads (any manifest when it names none)."""
        if self.SUPPORTED_MANIFESTS:
            return os.path.basename(self.manifest_path) in self.SUPPORTED_MANIFESTS
        return True

    def get_resolvers(self) -> List[PathResolver]:
        return [PathResolver(runtime=self.runtime, binary=self.CAPABILITY.language,
                             executable_search_paths=self.executable_search_paths)]

    def get_validators(self) -> List[RuntimeValidator]:
        return [RuntimeValidator(runtime=self.runtime, architecture=self.architecture)]

    @property
    def binaries(self) -> Dict[str, BinaryPath]:
        if not self._binaries:
            resolvers = self.get_resolvers()
            validators = self.get_validators()
            self._binaries = {resolver.binary: BinaryPath(resolver=resolver, validator=validator,
                                                          binary=resolver.binary)
                              for resolver, validator in zip(resolvers, validators)}
        return self._binaries

    @binaries.setter
    def binaries(self, binaries: Dict[str, BinaryPath]) -> None:
        self._binaries = binaries

    @sanitize
    def run(self) -> None:
        """Every action in order; the first failure stops the build as a ``WorkflowFailedError`` (an
        ``ActionFailedError``) or a ``WorkflowUnknownError`` (anything else)."""
        LOG.debug("Running workflow '%s'", self.NAME)
        if not self.actions:
            raise WorkflowFailedError(workflow_name=self.NAME, action_name=None,
                                      reason="Workflow does not have any actions registered")
        for action in self.actions:
            action_info = "{}:{}".format(self.NAME, action.NAME)
            function_name = ""
            if self.options and "build_logical_id" in self.options:
                function_name = "{}:".format(self.options["build_logical_id"])
            LOG.info("%s Running %s", function_name, action_info)
            try:
                action.execute()
                LOG.debug("%s succeeded", action_info)
            except ActionFailedError as ex:
                LOG.debug("%s failed", action_info, exc_info=ex)
                raise WorkflowFailedError(workflow_name=self.NAME, action_name=action.NAME,
                                          reason=explain(ex)) from ex
            except Exception as ex:
                LOG.debug("%s raised unhandled exception", action_info, exc_info=ex)
                raise WorkflowUnknownError(workflow_name=self.NAME, action_name=action.NAME, reason=str(ex)) from ex

    def __repr__(self) -> str:
        return "Workflow={}\nActions=\n\t{}".format(self.NAME, "\n\t".join(map(str, self.actions)))
