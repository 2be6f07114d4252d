"""scratch_requirements: local projects copied into scratch, and requirements files that name the copies."""

from __future__ import annotations

import os

import pytest

from aws_lambda_builders.workflows.python_pip.exceptions import LocalRequirementNotFoundError
from aws_lambda_builders.workflows.python_pip.local_projects import local_location, scratch_requirements
from aws_lambda_builders.workflows.python_pip.requirements_file import read_requirements_file


def project(path):
    (path / "pkg").mkdir(parents=True)
    (path / "pyproject.toml").write_text("[project]\nname = 'pkg'\nversion = '1'\n")
    (path / "pkg" / "__init__.py").write_text("")
    return path


def test_a_file_without_local_projects_is_given_to_pip_as_it_is(tmp_path):
    (tmp_path / "requirements.txt").write_text("pure-app\n")

    found = scratch_requirements(str(tmp_path / "requirements.txt"), str(tmp_path / "scratch"), str(tmp_path))

    assert found.path == str(tmp_path / "requirements.txt") and found.copies == {}
    assert not (tmp_path / "scratch").exists()


def test_local_projects_are_copied_without_vcs_virtualenvs_or_build_outputs(tmp_path):
    source = project(tmp_path / "app" / "pkg")
    for clutter in (".git/HEAD", "build/lib/x.py", "dist/pkg-1.tar.gz", "pkg.egg-info/PKG-INFO",
                    "pkg/__pycache__/x.pyc", ".venv/pyvenv.cfg", "myenv/pyvenv.cfg"):
        (source / clutter).parent.mkdir(parents=True, exist_ok=True)
        (source / clutter).write_text("")
    (source / "pkg" / "build").mkdir()  # a package's own directory named build is kept
    (tmp_path / "app" / "requirements.txt").write_text("-e ./pkg\n")

    found = scratch_requirements(str(tmp_path / "app" / "requirements.txt"), str(tmp_path / "scratch"),
                                 str(tmp_path / "app"))

    copy = found.copies[str(source)]
    assert sorted(os.path.relpath(os.path.join(d, n), copy) for d, ds, fs in os.walk(copy) for n in ds + fs) == [
        "pkg", "pkg/__init__.py", "pkg/build", "pyproject.toml"]


def test_the_copy_is_named_not_editable_and_keeps_extras_markers_and_options(tmp_path):
    project(tmp_path / "a")
    project(tmp_path / "b")
    (tmp_path / "requirements.txt").write_text(
        "# local ones\n-e ./a[fast]\n./b ; python_version >= '3.8'  # a comment\npure-app==1.0 \\\n    --hash=sha256:00\n")

    found = scratch_requirements(str(tmp_path / "requirements.txt"), str(tmp_path / "scratch"), str(tmp_path))

    text = open(found.path, encoding="utf-8-sig").read()
    a, b = found.copies[str(tmp_path / "a")], found.copies[str(tmp_path / "b")]
    assert text == (f"# local ones\n{a}[fast]\n{b}; python_version >= '3.8'\n"
                    "pure-app==1.0 \\\n    --hash=sha256:00\n")


def test_includes_and_find_links_keep_resolving_against_the_file_that_names_them(tmp_path):
    project(tmp_path / "pkg")
    (tmp_path / "deps" / "wheels").mkdir(parents=True)
    (tmp_path / "deps" / "base.txt").write_text("-f wheels\n./pkg\n")
    (tmp_path / "deps" / "pins.txt").write_text("pure-lib==2.1\n")
    (tmp_path / "requirements.txt").write_text("-r deps/base.txt\n--constraint=deps/pins.txt\n")

    found = scratch_requirements(str(tmp_path / "requirements.txt"), str(tmp_path / "scratch"), str(tmp_path))

    pip_reads = read_requirements_file(found.path)
    assert [line.requirement for line in pip_reads.requirements] == [found.copies[str(tmp_path / "pkg")]]
    assert [line.requirement for line in pip_reads.constraints] == ["pure-lib==2.1"]
    assert pip_reads.options == [("--find-links", str(tmp_path / "deps" / "wheels"))]
    assert all(path.startswith(str(tmp_path / "scratch")) for path in pip_reads.files)


def test_a_relative_path_resolves_against_the_current_directory_as_pip_does(tmp_path):
    project(tmp_path / "app" / "pkg")
    (tmp_path / "app" / "requirements.txt").write_text("./pkg\n")

    assert local_location("./pkg", False, str(tmp_path / "app")).directory == str(tmp_path / "app" / "pkg")
    assert local_location("./pkg", False, str(tmp_path)) is None
    assert local_location("pkg", False, str(tmp_path / "app")) is None  # a name, to pip
    assert local_location("pkg", True, str(tmp_path / "app")) is not None  # -e pkg: a directory
    url = (tmp_path / "app" / "pkg").as_uri()
    assert local_location(f"pkg @ {url}", False, str(tmp_path)).directory == str(tmp_path / "app" / "pkg")


def test_a_missing_local_path_says_where_it_was_resolved_and_where_it_is(tmp_path):
    project(tmp_path / "app" / "pkg")
    (tmp_path / "app" / "requirements.txt").write_text("pure-app\n./pkg\n")

    with pytest.raises(LocalRequirementNotFoundError) as error:
        scratch_requirements(str(tmp_path / "app" / "requirements.txt"), str(tmp_path / "scratch"), str(tmp_path))

    message = str(error.value)
    assert f"{tmp_path / 'app' / 'requirements.txt'}, line 2: ./pkg" in message
    assert f"./pkg (resolved against {tmp_path}, the current directory) does not exist" in message
    assert f"It is there relative to requirements.txt ({tmp_path / 'app' / 'pkg'})" in message
    assert not (tmp_path / "scratch").exists()
