"""How the packager reaches pip inside a chosen interpreter."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from aws_lambda_builders.exceptions import LambdaBuilderError
from aws_lambda_builders.workflows.python_pip.compat import (
    pip_import_string,
    pip_no_compile_c_env_vars,
    pip_no_compile_c_shim,
)
from aws_lambda_builders.workflows.python_pip.exceptions import (
    MissingPipError,
    PackagerError,
    UnusableInterpreterError,
)


def fake_python(tmp_path, body):
    """An executable standing in for a python interpreter."""
    path = tmp_path / "python"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def test_import_string_for_installed_pip():
    import pip

    major, minor = (int(p) for p in pip.__version__.split(".")[:2])
    assert (major, minor) >= (19, 3)
    assert pip_import_string(sys.executable) == "from pip._internal.cli.main import main"


def test_import_string_works_in_a_child_process():
    import subprocess

    code = pip_import_string(sys.executable) + "; print(callable(main))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).stdout.strip() == b"True"


@pytest.mark.parametrize("version,expected", [
    ("9.0.3", "from pip import main"),
    ("10.0.1", "from pip._internal import main"),
    ("19.2.3", "from pip._internal import main"),
    ("19.3", "from pip._internal.cli.main import main"),
    ("24.0", "from pip._internal.cli.main import main"),
    ("24.1b1", "from pip._internal.cli.main import main"),  # pip publishes pre-releases
    ("25.1.dev0", "from pip._internal.cli.main import main"),
])
def test_import_string_follows_pip_version(tmp_path, version, expected):
    assert pip_import_string(fake_python(tmp_path, f"echo {version}")) == expected


def test_python_without_pip_raises_missing_pip_error(tmp_path):
    python = fake_python(tmp_path, "echo 'No module named pip' >&2; exit 1")
    with pytest.raises(MissingPipError) as raised:
        pip_import_string(python)
    assert python in str(raised.value)


def test_nonexistent_python_raises_missing_pip_error(tmp_path):
    python = str(tmp_path / "no-such-python")
    with pytest.raises(MissingPipError) as raised:
        pip_import_string(python)
    assert python in str(raised.value)


@pytest.mark.parametrize("program, why", [
    ("/usr/bin/true", "asked for pip's version, it printed nothing"),
    ("/usr/bin/false", "asked for pip's version, it exited with status 1 and printed nothing"),
])
def test_a_program_that_is_no_python_is_named_without_a_traceback(program, why):
    with pytest.raises(UnusableInterpreterError) as raised:
        pip_import_string(program)
    assert str(raised.value).startswith(f"{program} is not a Python interpreter with pip: {why}. Pass --python")
    assert isinstance(raised.value, MissingPipError)  # callers that catch the original's error catch this one


def test_an_interpreter_that_fails_otherwise_says_how(tmp_path):
    python = fake_python(tmp_path, "echo 'Fatal Python error: init_fs_encoding' >&2; exit 1")
    with pytest.raises(UnusableInterpreterError) as raised:
        pip_import_string(python)
    assert "exited with status 1 (Fatal Python error: init_fs_encoding)" in str(raised.value)


def test_a_file_that_cannot_be_run_is_named(tmp_path):
    text = tmp_path / "python"
    text.write_text("not a program")
    with pytest.raises(UnusableInterpreterError) as raised:
        pip_import_string(str(text))
    assert f"{text} is not a Python interpreter with pip: it cannot be run (Permission denied)" in str(raised.value)


def test_missing_pip_error_is_a_builder_and_packager_error():
    assert issubclass(MissingPipError, LambdaBuilderError)
    assert issubclass(MissingPipError, PackagerError)


def test_no_compile_c_points_cc_at_a_compiler_that_cannot_work():
    assert pip_no_compile_c_env_vars == {"CC": "/var/false"}
    assert not os.access("/var/false", os.X_OK)
    assert pip_no_compile_c_shim == ""


def test_the_running_interpreters_pip_is_asked_in_this_process(monkeypatch):
    """SAM's build action probes pip in the interpreter it chose, usually this one: no child for that."""
    import subprocess

    from aws_lambda_builders.workflows.python_pip import utils

    def no_child(*args, **kwargs):
        raise AssertionError(f"a child was started: {args}")

    monkeypatch.setattr(utils.OSUtils, "popen", no_child)
    monkeypatch.setattr(subprocess, "Popen", no_child)

    assert pip_import_string(sys.executable) == "from pip._internal.cli.main import main"


def test_a_frozen_application_is_asked_in_a_child(monkeypatch, tmp_path):
    """In a PyInstaller build (SAM CLI's installers) sys.executable is no Python: it is run like any other."""
    python = fake_python(tmp_path, "echo 19.2")
    monkeypatch.setattr(sys, "executable", python)
    monkeypatch.setattr(sys, "frozen", True, raising=False)

    assert pip_import_string(python) == "from pip._internal import main"
