"""Atomic replacement of the output directory, and the repair of what a killed build left."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from aws_lambda_builders.workflows.python_pip import output
from aws_lambda_builders.workflows.python_pip.output import clean_stale, make_staging, replace_directory


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_staging_is_a_new_empty_directory_beside_the_target(tmp_path):
    staging = make_staging(str(tmp_path / "out"))

    assert os.path.dirname(staging) == str(tmp_path)
    assert os.path.basename(staging).startswith(f".out.lambda-pip-staging-{os.getpid()}-")
    assert os.listdir(staging) == []


def test_replacing_a_missing_target_moves_the_staging_there(tmp_path):
    staging = make_staging(str(tmp_path / "out"))
    open(os.path.join(staging, "new.py"), "w").close()

    replace_directory(staging, str(tmp_path / "out"))

    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert os.listdir(tmp_path / "out") == ["new.py"]


@pytest.mark.parametrize("atomic_exchange", [True, False])
def test_replacing_an_existing_target_swaps_it_whole(tmp_path, monkeypatch, atomic_exchange):
    if not atomic_exchange:
        monkeypatch.setattr(output, "_exchange", lambda first, second: False)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.py").write_text("")
    staging = make_staging(str(tmp_path / "out"))
    open(os.path.join(staging, "new.py"), "w").close()

    replace_directory(staging, str(tmp_path / "out"))

    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert os.listdir(tmp_path / "out") == ["new.py"]


def test_leftovers_of_a_killed_build_are_removed(tmp_path):
    pid = _dead_pid()
    (tmp_path / "out").mkdir()
    (tmp_path / f".out.lambda-pip-staging-{pid}-abc").mkdir()

    clean_stale(str(tmp_path / "out"))

    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_previous_bundle_caught_between_two_renames_is_restored(tmp_path):
    pid = _dead_pid()
    previous = tmp_path / f".out.lambda-pip-previous-{pid}-abc"
    previous.mkdir()
    (previous / "old.py").write_text("")

    clean_stale(str(tmp_path / "out"))

    assert sorted(os.listdir(tmp_path)) == ["out"]
    assert os.listdir(tmp_path / "out") == ["old.py"]


def test_staging_of_a_running_build_is_left_alone(tmp_path):
    mine = tmp_path / f".out.lambda-pip-staging-{os.getpid()}-abc"
    mine.mkdir()
    unrelated = tmp_path / ".out.something-else"
    unrelated.mkdir()

    clean_stale(str(tmp_path / "out"))

    assert mine.is_dir() and unrelated.is_dir()
