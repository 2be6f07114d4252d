"""LambdaBuilder as AWS SAM CLI calls it: the names it imports, the capability it reads, the keywords it passes."""

from __future__ import annotations

import logging
from unittest import mock

import pytest

import aws_lambda_builders
from aws_lambda_builders.builder import _SUPPORTED_WORKFLOWS, LambdaBuilder
from aws_lambda_builders.exceptions import WorkflowFailedError, WorkflowNotFoundError
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


# --------------------------------------------------------------------------- the seams aws-lambda-builders' tests patch


@mock.patch("aws_lambda_builders.builder.get_workflow")
@mock.patch("aws_lambda_builders.builder.importlib")
def test_the_default_workflow_modules_are_imported_then_the_workflow_selected(importlib_mock, get_workflow_mock):
    order = []
    importlib_mock.import_module.side_effect = lambda name: order.append(("import", name))
    selected = mock.Mock(NAME="Selected")
    get_workflow_mock.side_effect = lambda capability: order.append(("get", capability)) or selected

    builder = LambdaBuilder("python", "pip", None)

    assert builder.supported_workflows == _SUPPORTED_WORKFLOWS == ["aws_lambda_builders.workflows"]
    capability = Capability(language="python", dependency_manager="pip", application_framework=None)
    assert order == [("import", "aws_lambda_builders.workflows"), ("get", capability)]
    get_workflow_mock.assert_called_once_with(capability)
    assert builder.selected_workflow_cls is selected


@mock.patch("aws_lambda_builders.builder.get_workflow")
@mock.patch("aws_lambda_builders.builder.importlib")
def test_the_given_workflow_modules_are_imported_in_order(importlib_mock, get_workflow_mock):
    builder = LambdaBuilder("python", "pip", None, supported_workflows=["a.b", "c.d"])

    assert builder.supported_workflows == ["a.b", "c.d"]
    assert importlib_mock.import_module.call_args_list == [mock.call("a.b"), mock.call("c.d")]


@mock.patch("aws_lambda_builders.builder.get_workflow")
@mock.patch("aws_lambda_builders.builder.importlib")
def test_an_empty_list_of_workflow_modules_imports_nothing(importlib_mock, get_workflow_mock):
    builder = LambdaBuilder("python", "pip", None, supported_workflows=[])

    assert builder.supported_workflows == []
    importlib_mock.import_module.assert_not_called()
    get_workflow_mock.assert_called_once_with(builder.capability)


def test_the_selected_workflow_is_logged_at_debug(caplog):
    with caplog.at_level(logging.DEBUG, logger="aws_lambda_builders.builder"):
        builder = LambdaBuilder("python", "pip", None)

    [record] = [r for r in caplog.records if r.msg == "Found workflow '%s' to support capabilities '%s'"]
    assert record.levelno == logging.DEBUG
    assert record.args == ("PythonPipBuilder", builder.capability)


def make_builder(workflow_cls):
    with mock.patch("aws_lambda_builders.builder.get_workflow", return_value=workflow_cls), \
            mock.patch("aws_lambda_builders.builder.importlib"):
        return LambdaBuilder("python", "pip", None)


@mock.patch("aws_lambda_builders.builder.os")
def test_build_makes_a_missing_scratch_dir_once_and_returns_the_run(os_mock):
    os_mock.path.exists.return_value = False
    workflow_cls = mock.Mock()
    workflow_cls.return_value.run.return_value = None
    builder = make_builder(workflow_cls)

    assert builder.build("source", "artifacts", "scratch", "manifest", "python3.12") is None

    os_mock.path.exists.assert_called_once_with("scratch")
    os_mock.makedirs.assert_called_once_with("scratch")
    workflow_cls.return_value.run.assert_called_once_with()


@mock.patch("aws_lambda_builders.builder.os")
def test_build_does_not_make_an_existing_scratch_dir(os_mock):
    os_mock.path.exists.return_value = True
    builder = make_builder(mock.Mock())

    builder.build("source", "artifacts", "scratch", "manifest")

    os_mock.path.exists.assert_called_once_with("scratch")
    os_mock.makedirs.assert_not_called()


@mock.patch("aws_lambda_builders.builder.os")
def test_build_passes_its_defaults_to_the_workflow_as_keywords(os_mock):
    workflow_cls = mock.Mock()
    builder = make_builder(workflow_cls)

    builder.build("source", "artifacts", "scratch", "manifest")

    workflow_cls.assert_called_once_with(
        "source", "artifacts", "scratch", "manifest", runtime=None, unpatched_runtime=None, optimizations=None,
        options=None, executable_search_paths=None, mode=None, download_dependencies=True, dependencies_dir=None,
        combine_dependencies=True, architecture="x86_64", is_building_layer=False, experimental_flags=None,
        build_in_source=None)


def test_build_propagates_the_workflows_failure():
    workflow_cls = mock.Mock()
    workflow_cls.return_value.run.side_effect = WorkflowFailedError(workflow_name="W", action_name="A", reason="r")
    builder = make_builder(workflow_cls)

    with mock.patch("aws_lambda_builders.builder.os"), pytest.raises(WorkflowFailedError):
        builder.build("source", "artifacts", "scratch", "manifest")


def test_clear_workflows_clears_the_default_registry():
    builder = LambdaBuilder("python", "pip", None)
    with mock.patch("aws_lambda_builders.builder.DEFAULT_REGISTRY") as registry_mock:
        builder._clear_workflows()

    registry_mock.clear.assert_called_once_with()
