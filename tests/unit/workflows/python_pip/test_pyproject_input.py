"""A pyproject.toml's dependencies, extras and dependency groups as requirement lines."""

from __future__ import annotations

import pytest

from aws_lambda_builders.workflows.python_pip.lock_errors import LockFileError
from aws_lambda_builders.workflows.python_pip.pyproject_input import pyproject_requirements

PROJECT = """
[project]
name = "function"
version = "1.0"
dependencies = ["requests>=2", "tomli; python_version < '3.11'"]

[project.optional-dependencies]
Fast_JSON = ["orjson"]

[dependency-groups]
test = ["pytest"]
ci = [{include-group = "test"}, "coverage"]
"""


def write(tmp_path, text):
    path = tmp_path / "pyproject.toml"
    path.write_text(text)
    return str(path)


def test_the_dependencies_then_the_extras_then_the_groups_with_their_includes(tmp_path):
    path = write(tmp_path, PROJECT)
    assert pyproject_requirements(path) == ["requests>=2", "tomli; python_version < '3.11'"]
    assert pyproject_requirements(path, extras=["fast-json"], groups=["ci"]) == [
        "requests>=2", "tomli; python_version < '3.11'", "orjson", "pytest", "coverage"]


def test_an_extra_or_a_group_the_project_lacks_is_refused_with_what_it_has(tmp_path):
    path = write(tmp_path, PROJECT)
    with pytest.raises(LockFileError, match=r"no extra 'yaml' \(it has: fast-json\)"):
        pyproject_requirements(path, extras=["yaml"])
    with pytest.raises(LockFileError, match=r"no dependency group 'docs' \(it has: ci, test\)"):
        pyproject_requirements(path, groups=["docs"])


def test_dynamic_dependencies_and_a_poetry_only_project_say_what_to_build_from(tmp_path):
    with pytest.raises(LockFileError, match="dependencies are dynamic"):
        pyproject_requirements(write(tmp_path, '[project]\nname = "f"\ndynamic = ["dependencies"]\n'))
    with pytest.raises(LockFileError) as raised:
        pyproject_requirements(write(tmp_path, '[tool.poetry.dependencies]\npython = "^3.11"\n'))
    assert "poetry.lock" in raised.value.hint


def test_a_file_that_is_not_toml_names_itself(tmp_path):
    path = write(tmp_path, "[project\n")
    with pytest.raises(LockFileError, match=f"^{path}: not valid TOML"):
        pyproject_requirements(path)


def test_the_projects_own_extras_stand_for_their_requirements_with_their_markers(tmp_path):
    path = write(tmp_path, """
[project]
name = "My_Function"
version = "1"
dependencies = ["requests"]
[project.optional-dependencies]
yaml = ["pyyaml"]
json = ["orjson; platform_machine == 'x86_64'"]
all = ["my-function[yaml,json]", "my-function[yaml]; python_version < '3.12'"]
""")
    assert pyproject_requirements(path, extras=["all"]) == [
        "requests", "orjson; platform_machine == 'x86_64'", "pyyaml",
        'pyyaml; python_version < "3.12"']


def test_a_target_outside_the_projects_requires_python_is_refused(tmp_path):
    from aws_lambda_builders.architecture import X86_64
    from aws_lambda_builders.workflows.python_pip.target import LambdaTarget

    path = write(tmp_path, '[project]\nname = "f"\nrequires-python = ">=3.12"\ndependencies = ["six"]\n')
    assert pyproject_requirements(path, target=LambdaTarget("python3.12", X86_64)) == ["six"]
    with pytest.raises(LockFileError, match=r"requires Python >=3.12; python3.11 on x86_64 runs 3.11.0"):
        pyproject_requirements(path, target=LambdaTarget("python3.11", X86_64))
