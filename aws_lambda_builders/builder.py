"""``LambdaBuilder``: the in-process entry point SAM-style tools call, as aws-lambda-builders has it.

Only the Python/pip workflow is here; asking for another raises
``WorkflowNotFoundError``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.exceptions import WorkflowNotFoundError
from aws_lambda_builders.workflow import Capability
from aws_lambda_builders.workflows.python_pip.workflow import PythonPipWorkflow

_WORKFLOWS = {("python", "pip", None): PythonPipWorkflow}


class LambdaBuilder:
    def __init__(self, language: str, dependency_manager: str, application_framework: Optional[str],
                 supported_workflows: Optional[List[str]] = None) -> None:
        self.capability = Capability(language=language, dependency_manager=dependency_manager,
                                     application_framework=application_framework)
        key = (language, dependency_manager, application_framework or None)
        if key not in _WORKFLOWS:
            raise WorkflowNotFoundError(language=language, dependency_manager=dependency_manager,
                                        application_framework=application_framework)
        self.selected_workflow_cls = _WORKFLOWS[key]

    def build(self, source_dir: str, artifacts_dir: str, scratch_dir: str, manifest_path: str,
              runtime: Optional[str] = None, unpatched_runtime: Optional[str] = None,
              optimizations: Optional[Dict[str, Any]] = None, options: Optional[Dict[str, Any]] = None,
              executable_search_paths: Optional[List[str]] = None, mode: Optional[str] = None,
              download_dependencies: bool = True, dependencies_dir: Optional[str] = None,
              combine_dependencies: bool = True, architecture: str = X86_64, is_building_layer: bool = False,
              experimental_flags: Optional[List[str]] = None, build_in_source: Optional[bool] = None) -> None:
        """Build the function in ``source_dir`` into ``artifacts_dir`` (see ``PythonPipWorkflow``).

        ``unpatched_runtime`` is the runtime as the template wrote it (SAM passes it); for a Python runtime it
        is ``runtime``, and the workflow keeps it. The scratch directory is made by the workflow once the
        outputs are known to be safe, not before (aws-lambda-builders makes it first).
        """
        workflow = self.selected_workflow_cls(
            source_dir, artifacts_dir, scratch_dir, manifest_path, runtime=runtime,
            unpatched_runtime=unpatched_runtime, optimizations=optimizations, options=options,
            executable_search_paths=executable_search_paths, mode=mode,
            download_dependencies=download_dependencies, dependencies_dir=dependencies_dir,
            combine_dependencies=combine_dependencies, architecture=architecture,
            is_building_layer=is_building_layer, experimental_flags=experimental_flags,
            build_in_source=build_in_source)
        return workflow.run()
