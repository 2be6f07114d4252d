"""What a build's input is, told by its name, and what of it the cache key covers."""

from __future__ import annotations

import json

import pytest

from aws_lambda_builders.workflows.python_pip.cache_key import key_for_build
from aws_lambda_builders.workflows.python_pip.input_formats import UnknownInputFormatError, input_format
from aws_lambda_builders.workflows.python_pip.input_keys import input_key_facts, installs_local_directory


@pytest.mark.parametrize("name,kind", [
    ("requirements.txt", "requirements"), ("requirements/prod.in", "requirements"),
    ("pylock.toml", "pylock"), ("pylock.lambda.toml", "pylock"), ("pylock.a.b.toml", "requirements"),
    ("uv.lock", "uv.lock"), ("poetry.lock", "poetry.lock"), ("Pipfile.lock", "Pipfile.lock"),
    ("pyproject.toml", "pyproject"), ("deps.lock", "requirements"),
])
def test_the_format_is_told_by_the_files_name(name, kind):
    assert input_format(f"/project/{name}") == kind


def test_a_format_given_wins_over_the_name_and_an_unknown_one_is_refused():
    assert input_format("/project/locked.toml", "pylock") == "pylock"
    with pytest.raises(UnknownInputFormatError, match="unknown input format 'yarn'"):
        input_format("/project/x", "yarn")


def test_the_key_of_a_lock_follows_its_bytes_its_extras_and_its_groups(tmp_path):
    lock = tmp_path / "pylock.toml"
    lock.write_text('lock-version = "1.0"\ncreated-by = "t"\n')
    key = key_for_build(str(lock), "python3.12", "x86_64", "/usr/bin/python3", [])
    assert key == key_for_build(str(lock), "python3.12", "x86_64", "/usr/bin/python3", [])
    assert key != key_for_build(str(lock), "python3.12", "x86_64", "/usr/bin/python3", [], extras=["yaml"])
    assert key != key_for_build(str(lock), "python3.12", "x86_64", "/usr/bin/python3", [], groups=[])
    lock.write_text('lock-version = "1.0"\ncreated-by = "u"\n')
    assert key != key_for_build(str(lock), "python3.12", "x86_64", "/usr/bin/python3", [])


def test_poetry_locks_key_covers_the_pyproject_beside_it(tmp_path):
    (tmp_path / "poetry.lock").write_text("[metadata]\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "f"\ndependencies = ["six"]\n')
    before = input_key_facts(str(tmp_path / "poetry.lock"), "poetry.lock", (), None)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "f"\ndependencies = ["six", "idna"]\n')
    assert input_key_facts(str(tmp_path / "poetry.lock"), "poetry.lock", (), None) != before


@pytest.mark.parametrize("kind,name,text", [
    ("pylock", "pylock.toml", '[[packages]]\nname = "mine"\ndirectory = { path = "../mine" }\n'),
    ("uv.lock", "uv.lock", '[[package]]\nname = "mine"\nsource = { editable = "packages/mine" }\n'),
    ("poetry.lock", "poetry.lock", '[[package]]\nname = "mine"\n[package.source]\ntype = "directory"\n'
                                   'url = "../mine"\n'),
    ("Pipfile.lock", "Pipfile.lock", json.dumps({"_meta": {}, "default": {"mine": {"path": "../mine"}}})),
])
def test_an_input_that_installs_a_local_directory_has_no_key(tmp_path, kind, name, text):
    (tmp_path / name).write_text(text)
    assert installs_local_directory(str(tmp_path / name), kind)
    assert key_for_build(str(tmp_path / name), "python3.12", "x86_64", "/usr/bin/python3", []) is None


def test_a_uv_projects_own_root_is_not_a_local_directory_it_installs(tmp_path):
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "function"\nsource = { virtual = "." }\n'
                                      '[[package]]\nname = "six"\nsource = { registry = "https://pypi.org/simple" }\n')
    assert not installs_local_directory(str(tmp_path / "uv.lock"), "uv.lock")


@pytest.mark.parametrize("text,groups", [
    ('[project]\nname = "f"\ndependencies = ["mine @ file:///src/mine"]\n', None),
    ('[project]\nname = "f"\ndependencies = ["six @ git+https://example.com/six.git@main"]\n', None),
    ('[project]\nname = "f"\ndependencies = []\n[dependency-groups]\nlocal = ["mine @ file:///src/mine"]\n',
     ["local"]),
])
def test_a_pyproject_is_keyed_as_a_requirements_file_a_local_or_vcs_requirement_has_no_key(tmp_path, text, groups):
    (tmp_path / "pyproject.toml").write_text(text)
    assert key_for_build(str(tmp_path / "pyproject.toml"), "python3.12", "x86_64", "/usr/bin/python3", [],
                         groups=groups) is None


def test_a_pyprojects_key_follows_its_requirements(tmp_path):
    project = tmp_path / "pyproject.toml"
    project.write_text('[project]\nname = "f"\ndependencies = ["six==1.16.0"]\n')
    key = key_for_build(str(project), "python3.12", "x86_64", "/usr/bin/python3", [])
    assert key is not None
    project.write_text('[project]\nname = "f"\ndependencies = ["six==1.17.0"]\n')
    assert key_for_build(str(project), "python3.12", "x86_64", "/usr/bin/python3", []) != key


def test_a_malformed_pipfile_lock_is_an_input_error_naming_it(tmp_path):
    from aws_lambda_builders.workflows.python_pip.lock_errors import LockFileError

    for text in ('{"default": {', "[1, 2]"):
        (tmp_path / "Pipfile.lock").write_text(text)
        with pytest.raises(LockFileError, match="Pipfile.lock: not"):
            key_for_build(str(tmp_path / "Pipfile.lock"), "python3.12", "x86_64", "/usr/bin/python3", [])
