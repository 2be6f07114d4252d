"""Pipfile.lock read for one target: hand-written locks in the shape pipenv 2024+ writes (pipfile-spec 6)."""

from __future__ import annotations

import json

import pytest

from aws_lambda_builders.workflows.python_pip.lock_errors import LockFileError
from aws_lambda_builders.workflows.python_pip.locked import LockedRelease
from aws_lambda_builders.workflows.python_pip.pipfile_lock import read_pipfile_lock
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget

PY311_ARM = LambdaTarget("python3.11", "arm64").marker_environment()
PY311_X86 = LambdaTarget("python3.11", "x86_64").marker_environment()
PY313_X86 = LambdaTarget("python3.13", "x86_64").marker_environment()

LOCK = {
    "_meta": {
        "hash": {"sha256": "363cb107b274ad55133a438e7c200c78161eb1bfc9b74e90a20acd992804c49e"},
        "pipfile-spec": 6,
        "requires": {"python_version": "3.11"},
        "sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}],
    },
    "default": {
        "attrs": {"hashes": ["sha256:aaaa", "sha256:bbbb"], "index": "pypi",
                  "markers": "python_version < '3.12'", "version": "==25.3.0"},
        "localpkg": {"editable": True, "path": "./libs/localpkg"},
        "my-function": {"editable": True, "path": "."},
        "PySocks": {"hashes": ["sha256:cccc"], "markers": "python_version >= '2.7'", "version": "==1.7.1"},
        "requests": {"extras": ["socks"], "hashes": ["sha256:dddd", "sha256:eeee"], "index": "pypi",
                     "markers": "python_version >= '3.9'", "version": "==2.32.5"},
        "six": {"hashes": ["sha256:ffff"], "markers": "platform_machine == 'aarch64'", "version": "==1.17.0"},
        "tools": {"git": "https://github.com/example/tools.git",
                  "ref": "0123456789abcdef0123456789abcdef01234567"},
        "wheelhouse-pkg": {"file": "https://downloads.example/wheelhouse_pkg-0.3-py3-none-any.whl",
                           "hashes": ["sha256:1212"]},
    },
    "develop": {
        "iniconfig": {"hashes": ["sha256:1111"], "index": "pypi", "markers": "python_version >= '3.8'",
                      "version": "==2.1.0"},
        "requests": {"hashes": ["sha256:dddd", "sha256:eeee"], "version": "==2.32.5"},
    },
    "tests": {
        "pluggy": {"hashes": ["sha256:2222"], "index": "pypi", "markers": "python_version >= '3.9'",
                   "version": "==1.6.0"},
    },
}


def write_lock(tmp_path, lock=LOCK):
    path = tmp_path / "Pipfile.lock"
    path.write_text(lock if isinstance(lock, str) else json.dumps(lock, indent=4))
    return str(path)


def versions(locked):
    return {release.name: release.version for release in locked.releases}


def with_entry(category, name, entry):
    lock = json.loads(json.dumps(LOCK))
    lock[category][name] = entry
    return lock


def test_python_version_markers_select_attrs_on_python311_and_not_on_python313(tmp_path):
    path = write_lock(tmp_path)

    assert versions(read_pipfile_lock(path, PY311_X86))["attrs"] == "25.3.0"
    assert "attrs" not in versions(read_pipfile_lock(path, PY313_X86))


def test_platform_machine_markers_select_six_on_arm64_only(tmp_path):
    path = write_lock(tmp_path)

    assert versions(read_pipfile_lock(path, PY311_ARM))["six"] == "1.17.0"
    assert "six" not in versions(read_pipfile_lock(path, PY311_X86))


def test_a_release_is_its_name_version_and_hashes_without_files(tmp_path):
    requests = {r.name: r for r in read_pipfile_lock(write_lock(tmp_path), PY311_X86).releases}["requests"]

    assert requests == LockedRelease("requests", "2.32.5", hashes=("sha256:dddd", "sha256:eeee"))


def test_default_only_unless_a_group_is_asked_dev_being_develop(tmp_path):
    path = write_lock(tmp_path)

    assert not {"iniconfig", "pluggy"} & set(versions(read_pipfile_lock(path, PY311_X86)))
    assert versions(read_pipfile_lock(path, PY311_X86, groups=["dev"]))["iniconfig"] == "2.1.0"
    with_tests = versions(read_pipfile_lock(path, PY311_X86, groups=["tests"]))
    assert with_tests["pluggy"] == "1.6.0" and "iniconfig" not in with_tests


def test_a_package_in_two_categories_at_one_version_is_one_release(tmp_path):
    locked = read_pipfile_lock(write_lock(tmp_path), PY311_X86, groups=["dev"])

    assert [r.name for r in locked.releases].count("requests") == 1


def test_a_package_locked_at_two_versions_in_the_categories_asked_is_an_error(tmp_path):
    path = write_lock(tmp_path, with_entry("develop", "requests", {"hashes": ["sha256:9999"], "version": "==2.31.0"}))

    with pytest.raises(LockFileError) as error:
        read_pipfile_lock(path, PY311_X86, groups=["dev"])

    assert "requests is locked as requests==2.32.5 in default and as requests==2.31.0 in develop" in str(error.value)


def test_an_unknown_group_is_an_error_listing_the_locks_categories(tmp_path):
    path = write_lock(tmp_path)

    with pytest.raises(LockFileError) as error:
        read_pipfile_lock(path, PY311_X86, groups=["docs"])

    assert str(error.value) == f"{path}: it has no category 'docs' (it has: dev, tests)"


def test_extras_are_an_error_pipfile_lock_has_none(tmp_path):
    with pytest.raises(LockFileError) as error:
        read_pipfile_lock(write_lock(tmp_path), PY311_X86, extras=["socks"])

    assert "Pipfile.lock has no extras (asked for: socks)" in str(error.value)
    assert "pipenv lock" in error.value.hint


def test_a_local_path_is_its_absolute_directory_and_the_project_itself_is_not_installed(tmp_path):
    locked = read_pipfile_lock(write_lock(tmp_path), PY311_X86)
    releases = {r.name: r for r in locked.releases}

    assert releases["localpkg"] == LockedRelease("localpkg", None, direct=str(tmp_path / "libs" / "localpkg"))
    assert "my-function" not in releases
    assert [r.name for r in locked.releases] == ["attrs", "localpkg", "pysocks", "requests", "tools",
                                                 "wheelhouse-pkg"]


def test_a_local_archive_is_its_file_url_with_its_hashes(tmp_path):
    path = write_lock(tmp_path, with_entry("default", "archived", {"path": "dist/archived-1.0.tar.gz",
                                                                   "hashes": ["sha256:3434"], "version": "==1.0"}))

    archived = {r.name: r for r in read_pipfile_lock(path, PY311_X86).releases}["archived"]

    assert archived == LockedRelease("archived", "1.0", direct=(tmp_path / "dist" / "archived-1.0.tar.gz").as_uri(),
                                     direct_hashes=("sha256:3434",))


def test_a_git_entry_is_a_checkout_of_its_ref_and_a_file_entry_its_url(tmp_path):
    releases = {r.name: r for r in read_pipfile_lock(write_lock(tmp_path), PY311_X86).releases}

    assert releases["tools"].direct == "git+https://github.com/example/tools.git@0123456789abcdef0123456789abcdef01234567"
    assert releases["wheelhouse-pkg"].direct == "https://downloads.example/wheelhouse_pkg-0.3-py3-none-any.whl"
    assert releases["wheelhouse-pkg"].direct_hashes == ("sha256:1212",)


def test_an_unpinned_entry_is_an_error_where_its_markers_hold_and_skipped_where_not(tmp_path):
    # pipenv writes `"version": "*"` and no hashes for a package whose markers did not hold where it locked.
    path = write_lock(tmp_path, with_entry("default", "six", {"markers": "platform_machine == 'aarch64'",
                                                              "version": "*"}))

    assert "six" not in versions(read_pipfile_lock(path, PY311_X86))
    with pytest.raises(LockFileError) as error:
        read_pipfile_lock(path, PY311_ARM)

    assert "six (in default): not pinned (version '*')" in str(error.value)


@pytest.mark.parametrize("text, problem", [
    ('{"default": {', "not valid JSON"),
    ('["default"]', "not a Pipfile.lock: it has no table of default packages"),
    ('{"default": {"six": "==1.17.0"}}', "six (in default): the entry is not a table"),
    ('{"default": {"six": {"version": "==1.17.0", "markers": "python_version >>> 3"}}}',
     "six (in default): the marker 'python_version >>> 3' is not a PEP 508 marker"),
])
def test_a_malformed_lock_is_a_lock_file_error_naming_the_file_and_the_problem(tmp_path, text, problem):
    path = write_lock(tmp_path, text)

    with pytest.raises(LockFileError) as error:
        read_pipfile_lock(path, PY311_X86)

    assert str(error.value).startswith(f"{path}: ")
    assert problem in str(error.value)
