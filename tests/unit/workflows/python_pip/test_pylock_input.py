"""pylock.toml read for a Lambda target with packaging.pylock: markers, extras, groups, and every kind of source."""

from __future__ import annotations

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.lock_errors import LockFileError
from aws_lambda_builders.workflows.python_pip.pylock_input import read_pylock
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget

DIGEST = "a" * 64
LOCK = f"""
lock-version = "1.0"
created-by = "tests"
requires-python = ">=3.10"
extras = ["yaml"]
dependency-groups = ["dev"]
default-groups = []

[[packages]]
name = "tomli"
version = "2.0.1"
marker = "python_version < '3.12'"
wheels = [{{ url = "https://files.example/tomli-2.0.1-py3-none-any.whl", hashes = {{ sha256 = "{DIGEST}" }} }}]

[[packages]]
name = "arm-only"
version = "1.0"
marker = "platform_machine == 'aarch64'"
sdist = {{ url = "https://files.example/arm_only-1.0.tar.gz", hashes = {{ sha256 = "{DIGEST}" }} }}

[[packages]]
name = "pyyaml"
version = "6.0"
marker = "'yaml' in extras"
wheels = [{{ path = "wheels/PyYAML-6.0-cp311-cp311-manylinux_2_17_x86_64.whl", hashes = {{ sha256 = "{DIGEST}" }} }}]

[[packages]]
name = "pytest"
version = "8.0"
marker = "'dev' in dependency_groups"
wheels = [{{ url = "https://files.example/pytest-8.0-py3-none-any.whl", hashes = {{ sha256 = "{DIGEST}" }} }}]

[[packages]]
name = "mine"
directory = {{ path = "../mine", editable = true }}

[[packages]]
name = "theirs"
vcs = {{ type = "git", url = "https://example.com/theirs.git", commit-id = "0123abcd" }}
"""


def lock(tmp_path, text=LOCK):
    path = tmp_path / "app" / "pylock.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return str(path)


def names(locked):
    return [(release.name, release.version) for release in locked.releases]


def test_packages_are_selected_by_the_targets_markers(tmp_path):
    path = lock(tmp_path)
    assert names(read_pylock(path, LambdaTarget("python3.11", X86_64))) == [
        ("mine", None), ("theirs", None), ("tomli", "2.0.1")]
    assert names(read_pylock(path, LambdaTarget("python3.13", ARM64))) == [
        ("arm-only", "1.0"), ("mine", None), ("theirs", None)]


def test_extras_and_groups_asked_for_are_selected_and_unknown_ones_refused(tmp_path):
    path = lock(tmp_path)
    selected = read_pylock(path, LambdaTarget("python3.13", X86_64), extras=["yaml"], groups=["dev"])
    assert ("pyyaml", "6.0") in names(selected) and ("pytest", "8.0") in names(selected)
    with pytest.raises(LockFileError, match="Undeclared extras: json"):
        read_pylock(path, LambdaTarget("python3.13", X86_64), extras=["json"])


def test_sources_become_files_urls_a_directory_and_a_vcs_reference(tmp_path):
    releases = {r.name: r for r in read_pylock(lock(tmp_path), LambdaTarget("python3.11", X86_64),
                                               extras=["yaml"]).releases}
    wheel = releases["pyyaml"].wheels[0]
    assert wheel.filename == "PyYAML-6.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    assert wheel.url == f"file:{tmp_path}/app/wheels/PyYAML-6.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    assert wheel.hashes == (f"sha256:{DIGEST}",)
    assert releases["mine"].direct == str(tmp_path / "mine")
    assert releases["theirs"].direct == "git+https://example.com/theirs.git@0123abcd"


def test_a_lock_for_other_pythons_and_an_invalid_lock_name_the_problem(tmp_path):
    with pytest.raises(LockFileError, match="does not install on python3.10 on x86_64: .*>=3.11"):
        read_pylock(lock(tmp_path, LOCK.replace('">=3.10"', '">=3.11"')), LambdaTarget("python3.10", X86_64))
    unhashed = LOCK.replace(f'hashes = {{ sha256 = "{DIGEST}" }}', "hashes = { }", 1)
    with pytest.raises(LockFileError, match=r"not a valid pylock.toml: .*\(package tomli 2.0.1\)"):
        read_pylock(lock(tmp_path, unhashed), LambdaTarget("python3.11", X86_64))
