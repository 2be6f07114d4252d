"""Finding Python interpreters of a given version on this machine (PATH, pyenv, those given)."""

from __future__ import annotations

import os
import platform
import stat
import sys

import pytest

from aws_lambda_builders.workflows.python_pip import interpreters
from aws_lambda_builders.workflows.python_pip.interpreters import (
    Interpreter,
    candidate_paths,
    find_interpreters,
    interpreter_for,
    probe,
)

RUNNING = (sys.version_info[0], sys.version_info[1])


@pytest.fixture(autouse=True)
def fresh_probe():
    probe.cache_clear()
    yield
    probe.cache_clear()


@pytest.fixture
def no_other_pythons(tmp_path, monkeypatch):
    """An empty PATH and an empty pyenv: only the interpreters a test passes exist."""
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    empty_pyenv = tmp_path / "empty-pyenv"
    empty_pyenv.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    monkeypatch.setenv("PYENV_ROOT", str(empty_pyenv))


def executable(path, body="#!/bin/sh\nexit 0\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


# -- probe ----------------------------------------------------------------------------------

def test_probe_of_the_running_python_gives_its_version_and_machine():
    found = probe(sys.executable)
    assert found == Interpreter(os.path.realpath(sys.executable), RUNNING, platform.machine())
    assert found.describe() == "%d.%d at %s" % (RUNNING + (os.path.realpath(sys.executable),))


def test_probe_of_a_nonexistent_path_is_none(tmp_path):
    assert probe(str(tmp_path / "no-such-python")) is None


def test_probe_of_a_program_that_fails_is_none(tmp_path):
    assert probe(executable(tmp_path / "python3", "#!/bin/sh\nexit 1\n")) is None


def test_probe_of_a_program_that_fails_after_printing_a_good_answer_is_none(tmp_path):
    script = executable(tmp_path / "python3", "#!/bin/sh\necho cpython 3 12 x86_64\nexit 1\n")
    assert probe(script) is None


def test_probe_of_a_program_printing_garbage_is_none(tmp_path):
    assert probe(executable(tmp_path / "python3", "#!/bin/sh\necho hello there\n")) is None


def test_probe_of_a_program_printing_four_words_that_are_not_a_version_is_none(tmp_path):
    script = executable(tmp_path / "python3", "#!/bin/sh\necho cpython three twelve x86_64\n")
    assert probe(script) is None


def test_probe_of_another_implementation_is_none(tmp_path):
    script = executable(tmp_path / "pypy3", "#!/bin/sh\necho pypy 3 10 x86_64\n")
    assert probe(script) is None


def test_probe_reads_what_the_interpreter_reports(tmp_path):
    script = executable(tmp_path / "python3.12", "#!/bin/sh\necho cpython 3 12 aarch64\n")
    assert probe(script) == Interpreter(os.path.realpath(script), (3, 12), "aarch64")


def test_probe_is_remembered_until_the_cache_is_cleared(tmp_path):
    path = tmp_path / "python3"
    executable(path, "#!/bin/sh\necho cpython 3 12 x86_64\n")
    assert probe(str(path)).version == (3, 12)
    executable(path, "#!/bin/sh\necho cpython 3 13 x86_64\n")
    assert probe(str(path)).version == (3, 12)
    probe.cache_clear()
    assert probe(str(path)).version == (3, 13)


# -- candidate_paths ------------------------------------------------------------------------------

def test_candidate_paths_lists_preferred_then_path_then_pyenv_cpython_versions(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    on_path_13 = executable(bin_dir / "python3.13")
    on_path_9 = executable(bin_dir / "python3.9")
    executable(bin_dir / "python3")  # not a versioned name: not looked up
    pyenv = tmp_path / "pyenv"
    cpython = executable(pyenv / "versions" / "3.12.4" / "bin" / "python3")
    executable(pyenv / "versions" / "pypy3.10-7.3" / "bin" / "python3")
    executable(pyenv / "versions" / "miniconda3" / "bin" / "python3")
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))

    assert candidate_paths(["/opt/first/python", "/opt/second/python"]) == [
        "/opt/first/python", "/opt/second/python", on_path_9, on_path_13, cpython]


def test_candidate_paths_lists_newer_pyenv_patch_versions_first(tmp_path, monkeypatch, no_other_pythons):
    pyenv = tmp_path / "pyenv"
    older = executable(pyenv / "versions" / "3.12.1" / "bin" / "python3")
    newer = executable(pyenv / "versions" / "3.12.4" / "bin" / "python3")
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    assert candidate_paths() == [newer, older]


def test_candidate_paths_without_anything_is_empty(no_other_pythons):
    assert candidate_paths() == []


def test_candidate_paths_default_to_pyenv_in_home(tmp_path, monkeypatch):
    monkeypatch.delenv("PYENV_ROOT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    cpython = executable(tmp_path / ".pyenv" / "versions" / "3.10.2" / "bin" / "python3")
    assert candidate_paths() == [cpython]


# -- interpreter_for / find_interpreters ---------------------------------------------------------------

def test_interpreter_for_the_running_version_returns_the_given_interpreter(no_other_pythons):
    found = interpreter_for(RUNNING, [sys.executable])
    assert found is not None
    assert found.path == os.path.realpath(sys.executable)
    assert found.version == RUNNING


def test_interpreter_for_a_version_nobody_has_is_none(no_other_pythons):
    assert interpreter_for((3, 99), [sys.executable]) is None


def test_interpreter_for_skips_other_versions_and_stops_at_the_first_match(tmp_path, monkeypatch,
                                                                          no_other_pythons):
    py311 = executable(tmp_path / "a" / "python", "#!/bin/sh\necho cpython 3 11 x86_64\n")
    py312 = executable(tmp_path / "b" / "python", "#!/bin/sh\necho cpython 3 12 x86_64\n")
    later = executable(tmp_path / "c" / "python", "#!/bin/sh\necho cpython 3 12 aarch64\n")
    probed = []
    real_probe = interpreters.probe
    monkeypatch.setattr(interpreters, "probe", lambda path: probed.append(path) or real_probe(path))

    found = interpreter_for((3, 12), [py311, py312, later])

    assert found == Interpreter(os.path.realpath(py312), (3, 12), "x86_64")
    assert probed == [py311, py312]


def test_interpreter_for_finds_a_pyenv_version(tmp_path, monkeypatch, no_other_pythons):
    pyenv = tmp_path / "pyenv"
    cpython = executable(pyenv / "versions" / "3.13.1" / "bin" / "python3", "#!/bin/sh\necho cpython 3 13 x86_64\n")
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    assert interpreter_for((3, 13), [sys.executable]) == Interpreter(os.path.realpath(cpython), (3, 13), "x86_64")


def test_find_interpreters_lists_each_interpreter_once(tmp_path, no_other_pythons):
    link = tmp_path / "python-link"
    link.symlink_to(sys.executable)
    broken = str(tmp_path / "missing-python")

    found = find_interpreters([sys.executable, broken, sys.executable, str(link)])

    assert found == [probe(sys.executable)]


def test_find_interpreters_keeps_the_order_found(tmp_path, no_other_pythons):
    py312 = executable(tmp_path / "a" / "python", "#!/bin/sh\necho cpython 3 12 x86_64\n")
    py310 = executable(tmp_path / "b" / "python", "#!/bin/sh\necho cpython 3 10 x86_64\n")
    garbage = executable(tmp_path / "c" / "python", "#!/bin/sh\necho nope\n")
    assert [i.version for i in find_interpreters([py312, garbage, py310, py312])] == [(3, 12), (3, 10)]


def test_the_running_interpreter_is_this_python_unless_frozen(monkeypatch, tmp_path):
    assert interpreters.running_interpreter() == sys.executable
    link = tmp_path / "python"
    link.symlink_to(sys.executable)
    assert interpreters.is_running_interpreter(str(link))
    assert not interpreters.is_running_interpreter(str(tmp_path / "no-such-python"))

    monkeypatch.setattr(sys, "frozen", True, raising=False)  # a PyInstaller application: its executable is no Python
    assert interpreters.running_interpreter() is None
    assert not interpreters.is_running_interpreter(sys.executable)
