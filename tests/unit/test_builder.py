"""LambdaBuilder as AWS SAM CLI calls it: the names it imports, the capability it reads, the keywords it passes."""

from __future__ import annotations

import pytest

import aws_lambda_builders
from aws_lambda_builders.builder import LambdaBuilder
from aws_lambda_builders.exceptions import WorkflowNotFoundError
from aws_lambda_builders.workflow import BuildDirectory, BuildInSourceSupport, BuildMode, Capability
from aws_lambda_builders.workflows.python_pip.workflow import PythonPipWorkflow


def test_the_package_gives_the_json_rpc_protocol_version_sam_imports():
    assert aws_lambda_builders.RPC_PROTOCOL_VERSION == "0.3"


def test_the_capability_is_read_by_name():
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    assert builder.capability == Capability(language="python", dependency_manager="pip", application_framework=None)
    assert (builder.capability.language, builder.capability.dependency_manager) == ("python", "pip")
    assert builder.selected_workflow_cls is PythonPipWorkflow


def test_another_capability_is_not_found():
    with pytest.raises(WorkflowNotFoundError) as raised:
        LambdaBuilder(language="nodejs", dependency_manager="npm", application_framework=None)
    assert str(raised.value) == "Unable to find a workflow matching given capability: nodejs, npm, None"
    assert "python" in raised.value.hint and "makefile" in raised.value.hint


def test_build_passes_every_keyword_sam_passes_to_the_workflow_unchanged(tmp_path):
    made = []

    class RecordingWorkflow:
        def __init__(self, *args, **kwargs):
            made.append((args, kwargs))

        def run(self):
            return None

    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)
    builder.selected_workflow_cls = RecordingWorkflow
    builder.build("src", "artifacts", str(tmp_path / "scratch"), "src/requirements.txt", "python3.12",
                  unpatched_runtime="python3.12", executable_search_paths=["/opt/bin"], mode="release",
                  options={"parent_python_packages": "a.b"}, architecture="arm64", dependencies_dir="deps",
                  download_dependencies=False, combine_dependencies=False, is_building_layer=True,
                  experimental_flags=["x"], build_in_source=False)

    (args, kwargs), = made
    assert args == ("src", "artifacts", str(tmp_path / "scratch"), "src/requirements.txt")
    assert kwargs == {"runtime": "python3.12", "unpatched_runtime": "python3.12", "optimizations": None,
                      "options": {"parent_python_packages": "a.b"}, "executable_search_paths": ["/opt/bin"],
                      "mode": "release", "download_dependencies": False, "dependencies_dir": "deps",
                      "combine_dependencies": False, "architecture": "arm64", "is_building_layer": True,
                      "experimental_flags": ["x"], "build_in_source": False}
    assert (tmp_path / "scratch").is_dir()


def test_the_python_workflow_keeps_the_templates_own_runtime_name():
    workflow = PythonPipWorkflow("src", "artifacts", "scratch", "requirements.txt", runtime="python3.12",
                                 unpatched_runtime="python3.12")
    assert workflow.unpatched_runtime == "python3.12"


def test_the_workflow_types_have_aws_lambda_builders_values():
    assert (BuildMode.DEBUG, BuildMode.RELEASE) == ("debug", "release")
    assert [d.value for d in BuildDirectory] == ["scratch", "artifacts", "source"]
    assert BuildInSourceSupport.OPTIONALLY_SUPPORTED.value == [False, True]
