"""PythonRuntimeValidator (§4.5): the runtime table first, then the interpreter's version through
``subprocess.Popen``, the exact command, and what it accepts besides (the running interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys
from unittest import mock

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.exceptions import (MisMatchRuntimeError, UnsupportedArchitectureError,
                                            UnsupportedRuntimeError)
from aws_lambda_builders.validator import RuntimeValidator
from aws_lambda_builders.workflows.python_pip.utils import OSUtils
from aws_lambda_builders.workflows.python_pip.validator import PythonRuntimeValidator

PYTHON = "/usr/bin/python3.9-not-this-interpreter"


class FakeProcess:
    def __init__(self, returncode):
        self.returncode = returncode
        self.communicate = mock.Mock(return_value=(b"", b""))


def test_the_attributes():
    validator = PythonRuntimeValidator(runtime="python3.9", architecture=ARM64)

    assert isinstance(validator, RuntimeValidator)
    assert (validator.runtime, validator.architecture, validator.language) == ("python3.9", ARM64, "python")
    assert validator._valid_runtime_path is None
    assert validator.validated_runtime_path is None


def test_a_matching_interpreter_is_run_once_exactly_and_returned():
    validator = PythonRuntimeValidator(runtime="python3.9", architecture=X86_64)
    process = FakeProcess(0)
    with mock.patch("subprocess.Popen", return_value=process) as popen_mock:
        assert validator.validate(runtime_path=PYTHON) == PYTHON

    popen_mock.assert_called_once_with(validator._validate_python_cmd(PYTHON), cwd=os.getcwd(),
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       env=OSUtils().original_environ())
    process.communicate.assert_called_once_with()
    assert validator.validated_runtime_path == PYTHON


def test_the_environment_is_osutils_original_environ():
    with mock.patch("subprocess.Popen", return_value=FakeProcess(0)) as popen_mock, \
            mock.patch.object(OSUtils, "original_environ", return_value={"ONLY": "this"}):
        PythonRuntimeValidator(runtime="python3.9", architecture=X86_64).validate(PYTHON)

    assert popen_mock.call_args.kwargs["env"] == {"ONLY": "this"}


def test_a_mismatched_interpreter_is_a_mismatch_error_with_the_exact_text():
    validator = PythonRuntimeValidator(runtime="python3.9", architecture=X86_64)
    with mock.patch("subprocess.Popen", return_value=FakeProcess(1)):
        with pytest.raises(MisMatchRuntimeError) as raised:
            validator.validate(runtime_path=PYTHON)

    assert str(raised.value) == (
        "python executable found in your path does not match runtime. \n Expected version: python3.9, Found a "
        "different version at {}. \n Possibly related: https://github.com/awslabs/aws-lambda-builders/issues/30"
        .format(PYTHON))
    assert validator.validated_runtime_path is None


@pytest.mark.parametrize("runtime, major, minor", [("python3.9", 3, 9), ("python3.12", 3, 12), ("python3.14", 3, 14)])
def test_the_version_command_is_exact(runtime, major, minor):
    cmd = PythonRuntimeValidator(runtime=runtime, architecture=X86_64)._validate_python_cmd(runtime_path=PYTHON)

    assert cmd == [PYTHON, "-c", "import sys; assert sys.version_info.major == {} and sys.version_info.minor == {}"
                   .format(major, minor)]


@pytest.mark.parametrize("runtime", ["python2.6", "python2.7", "python2.8", "python3.7", "python4.0"])
def test_an_unsupported_runtime_fails_before_running_anything(runtime):
    validator = PythonRuntimeValidator(runtime=runtime, architecture=X86_64)
    with mock.patch("subprocess.Popen") as popen_mock:
        with pytest.raises(UnsupportedRuntimeError) as raised:
            validator.validate(runtime_path=PYTHON)

    assert str(raised.value) == "Runtime {} is not supported".format(runtime)
    popen_mock.assert_not_called()


def test_an_invalid_architecture_fails_before_running_anything():
    validator = PythonRuntimeValidator(runtime="python3.12", architecture="invalid_arch")
    with mock.patch("subprocess.Popen") as popen_mock:
        with pytest.raises(UnsupportedArchitectureError) as raised:
            validator.validate(runtime_path=PYTHON)

    assert str(raised.value) == "Architecture invalid_arch is not supported for runtime python3.12"
    popen_mock.assert_not_called()


@pytest.mark.parametrize("architecture", [X86_64, ARM64])
@pytest.mark.parametrize("runtime", ["python3.8", "python3.9", "python3.10", "python3.11", "python3.12",
                                     "python3.13", "python3.14"])
def test_the_supported_runtimes_on_both_architectures(runtime, architecture):
    with mock.patch("subprocess.Popen", return_value=FakeProcess(0)):
        assert PythonRuntimeValidator(runtime=runtime, architecture=architecture).validate(PYTHON) == PYTHON


def test_python_3_15_is_supported():
    # differs from aws-lambda-builders 1.63: python3.15 (Lambda's preview runtime) is in the table
    with mock.patch("subprocess.Popen", return_value=FakeProcess(0)):
        assert PythonRuntimeValidator(runtime="python3.15", architecture=ARM64).validate(PYTHON) == PYTHON


def test_the_running_interpreter_is_accepted_without_running_it():
    # differs from aws-lambda-builders: the interpreter running this package is valid for any Python runtime
    other = "python3.8" if sys.version_info[:2] != (3, 8) else "python3.9"
    validator = PythonRuntimeValidator(runtime=other, architecture=X86_64)
    with mock.patch("subprocess.Popen", return_value=FakeProcess(1)) as popen_mock:
        assert validator.validate(sys.executable) == sys.executable

    popen_mock.assert_not_called()
    assert validator.validated_runtime_path == sys.executable


def test_the_running_interpreter_still_needs_a_supported_runtime():
    with pytest.raises(UnsupportedRuntimeError):
        PythonRuntimeValidator(runtime="python2.7", architecture=X86_64).validate(sys.executable)


def test_each_path_is_run_once_per_validator_and_its_answer_kept():
    # differs from aws-lambda-builders: a path asked about again is not run again
    validator = PythonRuntimeValidator(runtime="python3.9", architecture=X86_64)
    with mock.patch("subprocess.Popen", side_effect=[FakeProcess(1), FakeProcess(0)]) as popen_mock:
        for _ in range(2):
            with pytest.raises(MisMatchRuntimeError):
                validator.validate(PYTHON)
        assert validator.validate("/other/python") == "/other/python"
        assert validator.validate("/other/python") == "/other/python"

    assert [c.args[0][0] for c in popen_mock.call_args_list] == [PYTHON, "/other/python"]


def test_a_real_interpreter_of_another_version_is_a_mismatch(tmp_path):
    other = "python3.8" if sys.version_info[:2] != (3, 8) else "python3.9"
    link = tmp_path / "python"
    link.write_text("#!/bin/sh\nexit 1\n")
    link.chmod(0o755)

    with pytest.raises(MisMatchRuntimeError):
        PythonRuntimeValidator(runtime=other, architecture=X86_64).validate(str(link))
