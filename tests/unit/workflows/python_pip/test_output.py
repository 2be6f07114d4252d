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


def test_the_root_of_the_file_system_is_never_an_output():
    with pytest.raises(output.UnsafeOutputError, match="root of the file system"):
        output.check_output("/", [])


def test_an_output_is_refused_when_it_is_or_holds_a_protected_path(tmp_path):
    protected = [output.ProtectedPath(str(tmp_path / "project" / "requirements.txt"), "requirements file")]

    with pytest.raises(output.UnsafeOutputError, match=r"it holds the requirements file \("):
        output.check_output(str(tmp_path), protected)
    with pytest.raises(output.UnsafeOutputError, match="it is the requirements file"):
        output.check_output(str(tmp_path / "project" / "requirements.txt"), protected)
    assert output.check_output(str(tmp_path / "project" / "build"), protected) == str(tmp_path / "project" / "build")


def test_a_symlink_to_a_directory_is_resolved_and_one_to_anything_else_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "file").write_text("")
    os.symlink("real", tmp_path / "to-dir")
    os.symlink("file", tmp_path / "to-file")
    os.symlink("nowhere", tmp_path / "dangling")

    assert output.check_output(str(tmp_path / "to-dir"), []) == str(tmp_path / "real")
    for name in ("to-file", "dangling", "file"):
        with pytest.raises(output.UnsafeOutputError, match="not a directory"):
            output.check_output(str(tmp_path / name), [])


def test_a_protected_path_reached_through_a_symlink_is_still_protected(tmp_path):
    (tmp_path / "project").mkdir()
    os.symlink("project", tmp_path / "alias")

    with pytest.raises(output.UnsafeOutputError, match="it is the function's source"):
        output.check_output(str(tmp_path / "project"), [output.ProtectedPath(str(tmp_path / "alias"),
                                                                             "function's source")])


@pytest.mark.parametrize("zip_name", ["out", "out/f.zip", "out/deep/f.zip"])
def test_a_zip_at_or_inside_the_output_is_refused(tmp_path, zip_name):
    with pytest.raises(output.UnsafeOutputError, match="outside the output directory"):
        output.check_output(str(tmp_path / "out"), [], zip_path=str(tmp_path / zip_name))


def test_protected_paths_always_hold_the_current_and_home_directories(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    paths = {what: path for path, what in output.protected_paths(requirements="r.txt")}

    assert paths["current directory"] == str(tmp_path)
    assert paths["home directory"] == str(tmp_path / "home")
    assert paths["requirements file"] == "r.txt"


def test_replacing_keeps_the_permissions_of_the_previous_output(tmp_path):
    (tmp_path / "out").mkdir()
    os.chmod(tmp_path / "out", 0o750)
    staging = make_staging(str(tmp_path / "out"))

    replace_directory(staging, str(tmp_path / "out"))

    assert os.stat(tmp_path / "out").st_mode & 0o777 == 0o750


def test_a_leftover_file_of_a_killed_build_is_removed(tmp_path):
    pid = _dead_pid()
    (tmp_path / f".f.zip.lambda-pip-staging-{pid}-abc").write_text("")
    (tmp_path / f".f.zip.lambda-pip-staging-{pid}-abd.partial").write_text("")

    clean_stale(str(tmp_path / "f.zip"))

    assert os.listdir(tmp_path) == []


def test_a_staging_name_with_a_made_up_process_id_is_left_alone(tmp_path):
    (tmp_path / ".out.lambda-pip-staging-99999999999999999999-abc").mkdir()

    clean_stale(str(tmp_path / "out"))

    assert os.listdir(tmp_path) == [".out.lambda-pip-staging-99999999999999999999-abc"]


def test_a_protected_path_named_otherwise_is_still_found(tmp_path, monkeypatch):
    """On a case-insensitive file system or through a bind mount, names differ for the same directory."""
    (tmp_path / "project" / "src").mkdir(parents=True)
    (tmp_path / "Project").mkdir()
    same = os.stat(tmp_path / "project")
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: same if str(path) == str(tmp_path / "Project")
                        else real_stat(path, *a, **k))
    protected = [output.ProtectedPath(str(tmp_path / "project" / "src" / "app.py"), "function's source")]

    with pytest.raises(output.UnsafeOutputError, match="it holds the function's source"):
        output.check_output(str(tmp_path / "Project"), protected)
    with pytest.raises(output.UnsafeOutputError, match="it is the current directory"):
        output.check_output(str(tmp_path / "Project"), [output.ProtectedPath(str(tmp_path / "project"),
                                                                             "current directory")])
