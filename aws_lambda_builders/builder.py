"""``LambdaBuilder``: the in-process entry point SAM-style tools call, as aws-lambda-builders has it.

The workflow modules named in ``supported_workflows`` are imported (which
registers their classes) and the one registered for the capability is built.
Only the Python/pip workflow is here; asking for another raises
``WorkflowNotFoundError``.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any, Dict, List, Optional

from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.registry import DEFAULT_REGISTRY, get_workflow
from aws_lambda_builders.workflow import Capability

LOG = logging.getLogger(__name__)

_SUPPORTED_WORKFLOWS = ["aws_lambda_builders.workflows"]


class LambdaBuilder:
    def __init__(self, language: str, dependency_manager: str, application_framework: Optional[str],
                 supported_workflows: Optional[List[str]] = None) -> None:
        self.supported_workflows = _SUPPORTED_WORKFLOWS if supported_workflows is None else supported_workflows
        for workflow_module in self.supported_workflows:
            LOG.debug("Loading workflow module '%s'", workflow_module)
            importlib.import_module(workflow_module)  # registers the module's workflow classes
        self.capability = Capability(language=language, dependency_manager=dependency_manager,
                                     application_framework=application_framework)
        self.selected_workflow_cls = get_workflow(self.capability)
        LOG.debug("Found workflow '%s' to support capabilities '%s'", self.selected_workflow_cls.NAME,
                  self.capability)

    def build(self, source_dir: str, artifacts_dir: str, scratch_dir: str, manifest_path: str,
              runtime: Optional[str] = None, unpatched_runtime: Optional[str] = None,
              optimizations: Optional[Dict[str, Any]] = None, options: Optional[Dict[str, Any]] = None,
              executable_search_paths: Optional[List[str]] = None, mode: Optional[str] = None,
              download_dependencies: bool = True, dependencies_dir: Optional[str] = None,
              combine_dependencies: bool = True, architecture: str = X86_64, is_building_layer: bool = False,
              experimental_flags: Optional[List[str]] = None, build_in_source: Optional[bool] = None) -> None:
        """Build the function in ``source_dir`` into ``artifacts_dir`` with the selected workflow.

        Every keyword is passed to the workflow as given (``unpatched_runtime`` is the runtime as the
        template wrote it; for a Python runtime it is ``runtime``). ``optimizations`` is not supported.
        """
        if not os.path.exists(scratch_dir):
            os.makedirs(scratch_dir)
        workflow = self.selected_workflow_cls(
            source_dir, artifacts_dir, scratch_dir, manifest_path, runtime=runtime,
            unpatched_runtime=unpatched_runtime, optimizations=optimizations, options=options,
            executable_search_paths=executable_search_paths, mode=mode,
            download_dependencies=download_dependencies, dependencies_dir=dependencies_dir,
            combine_dependencies=combine_dependencies, architecture=architecture,
            is_building_layer=is_building_layer, experimental_flags=experimental_flags,
            build_in_source=build_in_source)
        return workflow.run()

    def _clear_workflows(self) -> None:
        DEFAULT_REGISTRY.clear()
