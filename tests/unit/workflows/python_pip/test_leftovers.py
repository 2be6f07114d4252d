"""Directories named with their owner's pid: those of dead owners are removed, those of live ones kept."""

from __future__ import annotations

import os
import subprocess
import sys

from aws_lambda_builders.workflows.python_pip.leftovers import (
    abandoned,
    new_owned_directory,
    owned_pattern,
    process_alive,
    remove_dead,
)


def dead_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_an_owned_directory_carries_this_process_id(tmp_path):
    path = new_owned_directory(str(tmp_path), "lambda-pip-build-")

    name = os.path.basename(path)
    assert name.startswith(f"lambda-pip-build-{os.getpid()}-")
    assert owned_pattern("lambda-pip-build-").match(name).group("pid") == str(os.getpid())
    assert os.path.isdir(path) and os.stat(path).st_mode & 0o777 == 0o700


def test_directories_of_dead_owners_are_removed_and_the_rest_kept(tmp_path):
    dead = dead_pid()
    (tmp_path / f"lambda-pip-build-{dead}-abc123").mkdir()
    (tmp_path / f"lambda-pip-build-{dead}-abc123" / "pip-unpack-x").mkdir()
    (tmp_path / f"lambda-pip-build-{os.getpid()}-def456").mkdir()  # a build running now: this one
    (tmp_path / f"lambda-pip-build-{dead}").mkdir()  # not a name we give
    (tmp_path / f"lambda-pip-scratch-{dead}-abc123").mkdir()  # another prefix
    (tmp_path / "users-own-dir").mkdir()

    remove_dead(str(tmp_path), owned_pattern("lambda-pip-build-"))

    assert sorted(os.listdir(tmp_path)) == sorted([
        f"lambda-pip-build-{os.getpid()}-def456", f"lambda-pip-build-{dead}", f"lambda-pip-scratch-{dead}-abc123",
        "users-own-dir"])


def test_a_parent_that_does_not_exist_has_nothing_to_remove(tmp_path):
    remove_dead(str(tmp_path / "nope"), owned_pattern("lambda-pip-build-"))

    assert not (tmp_path / "nope").exists()


def test_a_made_up_process_id_is_left_alone_and_breaks_nothing(tmp_path):
    (tmp_path / "lambda-pip-build-99999999999999999999-abc").mkdir()

    remove_dead(str(tmp_path), owned_pattern("lambda-pip-build-"))

    assert process_alive(99999999999999999999)
    assert os.listdir(tmp_path) == ["lambda-pip-build-99999999999999999999-abc"]


def test_a_leftover_of_another_user_is_theirs(tmp_path, monkeypatch):
    (tmp_path / "lambda-pip-build-1234-abc").mkdir()
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)

    assert not abandoned(str(tmp_path / "lambda-pip-build-1234-abc"), 1234, alive=lambda pid: False)
    remove_dead(str(tmp_path), owned_pattern("lambda-pip-build-"), alive=lambda pid: False)
    assert os.listdir(tmp_path) == ["lambda-pip-build-1234-abc"]


def test_process_alive():
    assert process_alive(os.getpid())
    assert process_alive(os.getppid())
    assert not process_alive(dead_pid())
