"""PythonPipBuildAction (§4.3): what ``execute`` builds and calls, in which form, through the module's seams; how
``_find_runtime_with_pip`` chooses an interpreter and what it says when there is none."""

from __future__ import annotations

from unittest import mock

import pytest

from aws_lambda_builders.actions import ActionFailedError, Purpose
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.binary_path import BinaryPath
from aws_lambda_builders.exceptions import MisMatchRuntimeError, UnsupportedRuntimeError
from aws_lambda_builders.workflows.python_pip import actions as actions_module
from aws_lambda_builders.workflows.python_pip.actions import PythonPipBuildAction
from aws_lambda_builders.workflows.python_pip.exceptions import MissingPipError, PackagerError
from aws_lambda_builders.workflows.python_pip.utils import OSUtils

SEAMS = "aws_lambda_builders.workflows.python_pip.actions."


def python_binary(paths=("/usr/bin/python3.12",), validate=None):
    resolver = mock.Mock()
    resolver.exec_paths = list(paths)
    validator = mock.Mock()
    validator.validate.side_effect = validate if validate is not None else (lambda path: path)
    return BinaryPath(resolver=resolver, validator=validator, binary="python")


def make_action(dependencies_dir=None, binaries=None, **kwargs):
    return PythonPipBuildAction("artifacts", "scratch_dir", "manifest", "runtime", dependencies_dir,
                                binaries if binaries is not None else {"python": python_binary()}, **kwargs)


def test_the_class_attributes():
    assert PythonPipBuildAction.NAME == "ResolveDependencies"
    assert PythonPipBuildAction.DESCRIPTION == "Installing dependencies from PIP"
    assert PythonPipBuildAction.PURPOSE == Purpose.RESOLVE_DEPENDENCIES
    assert PythonPipBuildAction.LANGUAGE == "python"


def test_the_constructor_keeps_its_arguments_and_validates_nothing():
    binaries = {"python": mock.Mock()}
    with mock.patch("subprocess.Popen") as popen_mock:
        action = PythonPipBuildAction("artifacts", "scratch_dir", "manifest", "runtime", "deps", binaries,
                                      architecture=ARM64)

    popen_mock.assert_not_called()
    assert (action.artifacts_dir, action.scratch_dir, action.manifest_path, action.runtime, action.dependencies_dir,
            action.binaries, action.architecture) == ("artifacts", "scratch_dir", "manifest", "runtime", "deps",
                                                       binaries, ARM64)
    assert isinstance(action._os_utils, OSUtils)
    assert make_action().architecture == X86_64


@pytest.mark.parametrize("name", ["DependencyBuilder", "PythonPipDependencyBuilder", "SubprocessPip", "PipRunner"])
def test_the_packager_classes_are_names_of_the_actions_module(name):
    from aws_lambda_builders.workflows.python_pip import packager

    assert getattr(actions_module, name) is getattr(packager, name)


# --------------------------------------------------------------------------- execute


@mock.patch(SEAMS + "PythonPipDependencyBuilder")
@mock.patch(SEAMS + "DependencyBuilder")
@mock.patch(SEAMS + "PipRunner")
@mock.patch(SEAMS + "PythonPipBuildAction._find_runtime_with_pip")
def test_execute_builds_through_the_packager_with_keyword_calls(find_mock, runner_mock, builder_mock,
                                                                package_builder_mock):
    pip, python = mock.Mock(), "/usr/bin/python3.12"
    find_mock.return_value = (pip, python)
    action = make_action(architecture=ARM64)

    action.execute()

    find_mock.assert_called_once_with()
    runner_mock.assert_called_once_with(python_exe=python, pip=pip)
    builder_mock.assert_called_once_with(osutils=action._os_utils, python_exe=python,
                                         pip_runner=runner_mock.return_value, runtime="runtime", architecture=ARM64)
    package_builder_mock.assert_called_once_with(osutils=action._os_utils, runtime="runtime", python_exe=python,
                                                 dependency_builder=builder_mock.return_value)
    package_builder_mock.return_value.build_dependencies.assert_called_once_with(
        artifacts_dir_path="artifacts", scratch_dir_path="scratch_dir", requirements_path="manifest")


@mock.patch(SEAMS + "PythonPipDependencyBuilder")
@mock.patch(SEAMS + "DependencyBuilder")
@mock.patch(SEAMS + "PythonPipBuildAction._find_runtime_with_pip", return_value=(mock.Mock(), "python"))
def test_execute_installs_into_the_dependencies_dir_when_given(find_mock, builder_mock, package_builder_mock):
    make_action(dependencies_dir="deps").execute()

    package_builder_mock.return_value.build_dependencies.assert_called_once_with(
        artifacts_dir_path="deps", scratch_dir_path="scratch_dir", requirements_path="manifest")


@mock.patch(SEAMS + "PythonPipDependencyBuilder")
@mock.patch(SEAMS + "DependencyBuilder")
@mock.patch(SEAMS + "PythonPipBuildAction._find_runtime_with_pip", return_value=(mock.Mock(), "python"))
def test_a_packager_error_is_an_action_failure_with_its_text(find_mock, builder_mock, package_builder_mock):
    package_builder_mock.return_value.build_dependencies.side_effect = PackagerError("Invalid requirement: 'x=1'")

    with pytest.raises(ActionFailedError) as raised:
        make_action().execute()

    assert str(raised.value) == "Invalid requirement: 'x=1'"


@mock.patch(SEAMS + "PythonPipDependencyBuilder")
@mock.patch(SEAMS + "DependencyBuilder")
@mock.patch(SEAMS + "PythonPipBuildAction._find_runtime_with_pip", return_value=(mock.Mock(), "python"))
def test_a_packager_errors_hint_follows_its_text(find_mock, builder_mock, package_builder_mock):
    # the text is the packager's, as aws-lambda-builders has it; its hint (what to do) rides along
    error = PackagerError("No such package")
    error.hint = "Check the name on PyPI."
    package_builder_mock.return_value.build_dependencies.side_effect = error

    with pytest.raises(ActionFailedError) as raised:
        make_action().execute()

    assert (str(raised.value), raised.value.hint) == ("No such package", "Check the name on PyPI.")


@mock.patch(SEAMS + "PythonPipDependencyBuilder")
@mock.patch(SEAMS + "DependencyBuilder")
@mock.patch(SEAMS + "PythonPipBuildAction._find_runtime_with_pip", return_value=(mock.Mock(), "python"))
def test_other_exceptions_propagate(find_mock, builder_mock, package_builder_mock):
    package_builder_mock.return_value.build_dependencies.side_effect = RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        make_action().execute()


@mock.patch(SEAMS + "PythonPipDependencyBuilder")
@mock.patch(SEAMS + "PythonPipBuildAction._find_runtime_with_pip")
def test_no_interpreter_stops_before_any_builder_is_made(find_mock, package_builder_mock):
    find_mock.side_effect = ActionFailedError("Failed to find a Python runtime containing pip on the PATH.")

    with pytest.raises(ActionFailedError) as raised:
        make_action().execute()

    assert str(raised.value) == "Failed to find a Python runtime containing pip on the PATH."
    package_builder_mock.assert_not_called()


def test_the_real_runner_and_facade_constructors_accept_the_tests_arguments():
    # PipRunner and PythonPipDependencyBuilder start no process and take runtime="runtime" and mocks, as
    # aws-lambda-builders' tests pass them
    with mock.patch(SEAMS + "PythonPipBuildAction._find_runtime_with_pip", return_value=(mock.Mock(), "python")), \
            mock.patch(SEAMS + "DependencyBuilder") as builder_mock, \
            mock.patch("subprocess.Popen") as popen_mock, \
            mock.patch(SEAMS + "PythonPipDependencyBuilder.build_dependencies") as build_mock:
        make_action().execute()

    popen_mock.assert_not_called()
    builder_mock.assert_called_once()
    build_mock.assert_called_once_with(artifacts_dir_path="artifacts", scratch_dir_path="scratch_dir",
                                       requirements_path="manifest")


def test_the_real_dependency_builder_of_a_lambda_runtime_starts_no_process():
    action = PythonPipBuildAction("artifacts", "scratch_dir", "manifest", "python3.12", None,
                                  {"python": python_binary()})
    with mock.patch(SEAMS + "PythonPipBuildAction._find_runtime_with_pip", return_value=(mock.Mock(), "python")), \
            mock.patch("subprocess.Popen") as popen_mock, \
            mock.patch(SEAMS + "PythonPipDependencyBuilder.build_dependencies") as build_mock:
        action.execute()

    popen_mock.assert_not_called()
    build_mock.assert_called_once()


# --------------------------------------------------------------------------- _find_runtime_with_pip


@mock.patch(SEAMS + "SubprocessPip")
def test_the_first_valid_interpreter_with_pip_is_chosen(pip_mock):
    python = python_binary(["/a/python", "/b/python"])
    action = make_action(binaries={"python": python})

    assert action._find_runtime_with_pip() == (pip_mock.return_value, "/a/python")
    pip_mock.assert_called_once_with(osutils=action._os_utils, python_exe="/a/python")
    python.validator.validate.assert_called_once_with("/a/python")


@mock.patch(SEAMS + "SubprocessPip")
def test_the_validated_path_is_the_one_used(pip_mock):
    python = python_binary(["/a/python"], validate=lambda path: "/resolved/python")

    assert make_action(binaries={"python": python})._find_runtime_with_pip() == (pip_mock.return_value,
                                                                                 "/resolved/python")
    pip_mock.assert_called_once_with(osutils=mock.ANY, python_exe="/resolved/python")


@mock.patch(SEAMS + "SubprocessPip")
def test_mismatched_unsupported_pipless_and_falsy_interpreters_are_skipped(pip_mock):
    python = python_binary(["/mismatch", "/unsupported", "/falsy", "/no-pip", "/good"], validate=[
        MisMatchRuntimeError(language="python", required_runtime="python3.12", runtime_path="/mismatch"),
        UnsupportedRuntimeError(runtime="runtime"), None, "/no-pip", "/good"])
    pip_mock.side_effect = [MissingPipError(python_path="/no-pip"), mock.sentinel.pip]

    assert make_action(binaries={"python": python})._find_runtime_with_pip() == (mock.sentinel.pip, "/good")
    assert [c.kwargs["python_exe"] for c in pip_mock.call_args_list] == ["/no-pip", "/good"]


@mock.patch(SEAMS + "SubprocessPip")
def test_no_interpreter_with_pip_fails_exactly(pip_mock):
    pip_mock.side_effect = MissingPipError(python_path="/a")
    python = python_binary(["/a"])

    with pytest.raises(ActionFailedError) as raised:
        make_action(binaries={"python": python})._find_runtime_with_pip()

    assert str(raised.value) == "Failed to find a Python runtime containing pip on the PATH."
    # the hint names each interpreter tried and why it was not used (SAM shows the message and the hint)
    assert raised.value.hint.splitlines()[:2] == ["Tried:", f"  /a: {MissingPipError(python_path='/a')}"]


@mock.patch(SEAMS + "SubprocessPip")
def test_an_unexpected_validator_error_propagates(pip_mock):
    python = python_binary(["/a"], validate=OSError("cannot run"))

    with pytest.raises(OSError, match="cannot run"):
        make_action(binaries={"python": python})._find_runtime_with_pip()
    pip_mock.assert_not_called()


@pytest.mark.parametrize("binaries", [{}, {"python": None}, {"node": mock.Mock()}])
def test_no_python_binary_fails_exactly(binaries):
    with pytest.raises(ActionFailedError) as raised:
        make_action(binaries=binaries)._find_runtime_with_pip()

    assert str(raised.value) == "Failed to fetch Python binaries from the PATH."


def test_execute_lets_the_interpreter_failure_through_as_is():
    with pytest.raises(ActionFailedError) as raised:
        make_action(binaries={})._find_runtime_with_pip()
    with pytest.raises(ActionFailedError) as raised_by_execute:
        make_action(binaries={}).execute()

    assert str(raised_by_execute.value) == str(raised.value) == "Failed to fetch Python binaries from the PATH."
