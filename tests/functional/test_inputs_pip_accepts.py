"""Inputs pip accepts are accepted, with the real pip against the local index, and the user's project is never
written into.

The command line runs in-process. Each test builds from a project directory of
its own (the requirements file and, where there is one, a local project) and
proves with ``tree_snapshot`` that the build left it byte for byte as it was.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import List, Optional

import pytest

from aws_lambda_builders import cli
from tests.builders import make_sdist
from tests.functional.package_index import PACKAGES
from tests.snapshot import changes, tree_snapshot

pytestmark = pytest.mark.usefixtures("offline_pip")


def build(tmp_path: Path, package_index, requirements: bytes, *options: str, scratch: Optional[Path] = None):
    """Build ``requirements`` from the project directory ``tmp_path/project`` (the current directory).

    A ``scratch`` directory given is made first (it may be in the project, whose snapshot it is then part of).
    """
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    (project / "requirements.txt").write_bytes(requirements)
    if scratch is not None:
        scratch.mkdir(exist_ok=True)
    scratch = scratch or tmp_path / "scratch"
    stream = io.StringIO()
    before = tree_snapshot(project)
    code = cli.main(["build", "-r", str(project / "requirements.txt"), "-o", str(tmp_path / "out"),
                     "--runtime", "python3.12", "--architecture", "arm64", "-i", package_index.url,
                     "--scratch-dir", str(scratch), "-q", *options], stream=stream)
    assert changes(before, tree_snapshot(project)) == {}, "the build wrote into the user's project"
    # not even made when an input is refused at once
    assert not scratch.exists() or list(scratch.iterdir()) == [], "the build left files in the scratch directory"
    return code, stream.getvalue()


def distributions(tmp_path: Path) -> List[str]:
    return sorted(p.name for p in (tmp_path / "out").glob("*.dist-info"))


@pytest.mark.parametrize("requirement", ["scm-versioned==3.1", "scm-versioned"])
def test_sdist_whose_version_only_its_build_requirements_compute_is_resolved(tmp_path, package_index, requirement):
    # Without build isolation its setup.py cannot import build-time-version and says 0.0.0: pip discards it.
    code, text = build(tmp_path, package_index, f"{requirement}\n".encode())

    assert code == 0, text
    assert distributions(tmp_path) == ["scm_versioned-3.1.dist-info"]


@pytest.mark.parametrize("line", ["-e ./local-pure", "./local-pure", "--editable=local-pure"])
def test_pyproject_only_local_project_is_built_through_pep517_from_a_copy(tmp_path, package_index, monkeypatch, line):
    project = tmp_path / "project"
    shutil.copytree(PACKAGES / "local-pure", project / "local-pure")
    (project / "local-pure" / ".git").mkdir()
    (project / "local-pure" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    monkeypatch.chdir(project)  # pip resolves a requirement's relative path against the current directory

    code, text = build(tmp_path, package_index, f"{line}\npep517-sdist\n".encode())

    assert code == 0, text
    assert distributions(tmp_path) == [
        "local_pure-0.3.dist-info", "pep517_sdist-1.2.dist-info", "pure_lib-2.1.dist-info"]
    assert (tmp_path / "out" / "local_pure" / "__init__.py").is_file()


def test_local_project_in_an_included_file_is_found_relative_to_the_current_directory(tmp_path, package_index,
                                                                                      monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(PACKAGES / "local-pure", project / "libs" / "local-pure")
    (project / "deps").mkdir()
    (project / "deps" / "local.txt").write_text("./libs/local-pure\n")
    monkeypatch.chdir(project)

    code, text = build(tmp_path, package_index, b"-r deps/local.txt\n")

    assert code == 0, text
    assert distributions(tmp_path) == ["local_pure-0.3.dist-info", "pure_lib-2.1.dist-info"]


def test_requirements_file_with_a_utf8_byte_order_mark_builds(tmp_path, package_index):
    code, text = build(tmp_path, package_index, b"\xef\xbb\xbfpure-app\n# caf\xc3\xa9\n")

    assert code == 0, text
    assert distributions(tmp_path) == ["pure_app-1.0.dist-info", "pure_lib-2.1.dist-info"]


def test_latin1_byte_in_a_comment_is_refused_before_pip_naming_file_and_line(tmp_path, package_index):
    code, text = build(tmp_path, package_index, b"pure-app\n# caf\xe9\n")

    assert code == 5
    assert f"{tmp_path / 'project' / 'requirements.txt'}, line 2" in text
    assert "Save the file as UTF-8" in text and "Exception" not in text
    assert not (tmp_path / "out").exists()


def test_missing_local_path_says_where_it_was_resolved_from(tmp_path, package_index, monkeypatch):
    shutil.copytree(PACKAGES / "local-pure", tmp_path / "project" / "local-pure")
    monkeypatch.chdir(tmp_path)  # not the project's directory: ./local-pure is not here

    code, text = build(tmp_path, package_index, b"pure-app\n./local-pure\n")

    assert code == 5
    assert f"./local-pure (resolved against {tmp_path}, the current directory) does not exist" in text
    assert f"run from {tmp_path / 'project'}" in text


def test_editable_project_holding_its_own_scratch_directory_is_built_without_copying_the_scratch(
        tmp_path, package_index, monkeypatch):
    # -e . with --scratch-dir .scratch: the copy of the project once went on copying itself into its scratch.
    project = tmp_path / "project"
    shutil.copytree(PACKAGES / "local-pure", project)
    monkeypatch.chdir(project)

    code, text = build(tmp_path, package_index, b"-e .\n", scratch=project / ".scratch")

    assert code == 0, text
    assert distributions(tmp_path) == ["local_pure-0.3.dist-info", "pure_lib-2.1.dist-info"]


def test_local_project_with_a_link_back_up_is_refused_naming_the_link(tmp_path, package_index, monkeypatch):
    # pkg/local_pure/up -> .. was once copied 40 levels deep, then failed with kilobytes of shutil.Error.
    project = tmp_path / "project"
    shutil.copytree(PACKAGES / "local-pure", project / "local-pure")
    (project / "local-pure" / "local_pure" / "up").symlink_to("..")
    monkeypatch.chdir(project)

    code, text = build(tmp_path, package_index, b"./local-pure\n")

    link = project / "local-pure" / "local_pure" / "up"
    assert code == 5, text
    assert text.strip() == (
        f"error: Refusing to copy the local project {project / 'local-pure'}: {link} is a link to .. "
        f"({project / 'local-pure'}), a directory that holds the link itself once followed, so copying it would "
        "never end. Remove the link, or point it at a directory that does not lead back to it.")
    assert not (tmp_path / "out").exists()


def test_local_project_in_a_monorepo_builds_with_links_out_of_it(tmp_path, package_index, monkeypatch):
    # README.md -> ../../README.md: a link out of the local project is part of it, copied as what it points to.
    project = tmp_path / "project"
    local = project / "libs" / "local-pure"
    shutil.copytree(PACKAGES / "local-pure", local)
    (project / "README.md").write_text("The monorepo's readme.\n")
    (local / "README.md").symlink_to("../../README.md")
    pyproject = (local / "pyproject.toml").read_text()
    (local / "pyproject.toml").write_text(pyproject.replace('version = "0.3"', 'version = "0.3"\nreadme = "README.md"'))
    monkeypatch.chdir(project)

    code, text = build(tmp_path, package_index, b"./libs/local-pure\n")

    assert code == 0, text
    metadata = (tmp_path / "out" / "local_pure-0.3.dist-info" / "METADATA").read_text()
    assert "The monorepo's readme." in metadata


# Says how each run of it was started (its arguments, its stdin); leaves a file in its temporary directory, as
# careless setup.py files do.
REPORTING_SETUP_PY = """\
import json, os, sys, tempfile
from setuptools import setup
tempfile.mkstemp(prefix="left-by-setup-")
with open(os.environ["SETUP_PY_REPORT"], "a") as report:
    stdin = os.fstat(0)
    report.write(json.dumps({"argv": sys.argv[1:], "stdin": [stdin.st_dev, stdin.st_ino]}) + "\\n")
setup(name="legacy-pkg", version="0.9.1", py_modules=["legacy"])
"""


def test_sdist_without_pkg_info_is_read_in_the_scratch_directory_without_stdin(tmp_path, package_index, monkeypatch):
    # Its setup.py egg_info once ran in an unnamed tmpXXXX of the system's temporary directory, on the terminal.
    # lambda-pip runs it only for a pip that reports nothing (before 22.2): such a pip is what this build has.
    from aws_lambda_builders.workflows.python_pip import pip_runner

    monkeypatch.setattr(pip_runner, "read_report", lambda path: None)
    links = tmp_path / "links"
    links.mkdir()
    make_sdist(str(links), "legacy-pkg", "0.9.1", pkg_info=False,
               files={"setup.py": REPORTING_SETUP_PY, "legacy.py": ""})
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(system_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setenv("SETUP_PY_REPORT", str(tmp_path / "report.jsonl"))
    read_end, write_end = os.pipe()  # a stdin that never ends: a setup.py reading it would wait forever
    never_ending = [os.fstat(read_end).st_dev, os.fstat(read_end).st_ino]
    saved_stdin = os.dup(0)
    os.dup2(read_end, 0)
    try:
        code, text = build(tmp_path, package_index, b"legacy-pkg==0.9.1\n", "-f", str(links))
    finally:
        os.dup2(saved_stdin, 0)
        for fd in (saved_stdin, read_end, write_end):
            os.close(fd)

    assert code == 0, text
    assert distributions(tmp_path) == ["legacy_pkg-0.9.1.dist-info"]
    runs = [json.loads(line) for line in (tmp_path / "report.jsonl").read_text().splitlines()]
    assert any(run["argv"][:2] == ["--no-user-cfg", "egg_info"] for run in runs), runs  # lambda-pip's own run
    assert not any(run["stdin"] == never_ending for run in runs), runs  # pip gives its own a closed pipe
    assert os.listdir(system_tmp) == []
