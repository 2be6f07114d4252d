"""scratch_requirements: local projects copied into scratch, and requirements files that name the copies."""

from __future__ import annotations

import errno
import os

import pytest

from aws_lambda_builders.workflows.python_pip import local_projects
from aws_lambda_builders.workflows.python_pip.exceptions import (
    DiskFullError,
    LocalRequirementNotFoundError,
    UnreadableProjectError,
    UnsafeProjectLinkError,
    UnsafeSourceLinkError,
)
from aws_lambda_builders.workflows.python_pip.local_projects import copy_project, local_location, scratch_requirements
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
        "# local ones\n-e ./a[fast]\n./b ; python_version >= '3.8'  # a comment\n"
        "pure-app==1.0 \\\n    --hash=sha256:00\n")

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


def copied(copy):
    return sorted(os.path.relpath(os.path.join(d, n), copy) for d, ds, fs in os.walk(copy) for n in ds + fs)


def test_a_scratch_directory_inside_the_project_is_not_copied_into_itself(tmp_path):
    app = project(tmp_path / "app")
    (app / "requirements.txt").write_text("-e .\n")
    (app / ".scratch").mkdir()

    found = scratch_requirements(str(app / "requirements.txt"), str(app / ".scratch" / "build" / "inputs"), str(app),
                                 skip=[str(app / ".scratch" / "build")])  # as the packager calls it

    assert copied(found.copies[str(app)]) == [".scratch", "pkg", "pkg/__init__.py", "pyproject.toml",
                                              "requirements.txt"]


def test_the_builds_own_paths_inside_the_project_are_left_out_of_the_copy(tmp_path):
    app = project(tmp_path / "app")
    for own in ("out/bundle.py", ".out.staging-1/x.py", "cache/entry", "elsewhere/scratch/file"):
        (app / own).parent.mkdir(parents=True, exist_ok=True)
        (app / own).write_text("")
    (app / "cached").symlink_to("cache")  # a link into one of them is left out too

    copy_project(str(app), str(tmp_path / "copy"),
                 skip=[str(app / "out"), str(app / ".out.staging-1"), str(app / "cache"), str(app / "elsewhere")])

    assert copied(tmp_path / "copy") == ["pkg", "pkg/__init__.py", "pyproject.toml"]


@pytest.mark.parametrize("link, points_to", [("pkg/up", ".."), ("pkg/self", "."), ("pkg/parent", "../..")])
def test_a_directory_link_back_into_the_project_is_refused_naming_it(tmp_path, link, points_to):
    app = project(tmp_path / "monorepo" / "app")
    (app / link).symlink_to(points_to)

    with pytest.raises(UnsafeProjectLinkError) as error:
        copy_project(str(app), str(tmp_path / "copy"))

    assert str(error.value) == (
        f"Refusing to copy the local project {app}: {app / link} is a link to {points_to} "
        f"({os.path.realpath(app / link)}), a directory that holds the link itself once followed, so copying it "
        "would never end. Remove the link, or point it at a directory that does not lead back to it.")
    assert error.value.link == str(app / link)
    assert isinstance(error.value, UnsafeSourceLinkError)  # one kind of refusal, wherever the link is


def test_links_that_lead_into_each_other_are_refused_at_the_second(tmp_path):
    app = project(tmp_path / "app")
    (app / "a").mkdir()
    (app / "b").mkdir()
    (app / "a" / "to_b").symlink_to("../b")
    (app / "b" / "to_a").symlink_to("../a")

    with pytest.raises(UnsafeProjectLinkError, match="is a link to ../"):
        copy_project(str(app), str(tmp_path / "copy"))


def test_links_out_of_the_project_are_copied_as_what_they_point_to(tmp_path):
    monorepo = tmp_path / "monorepo"
    app = project(monorepo / "libs" / "app")
    (monorepo / "README.md").write_text("the monorepo\n")
    (monorepo / "shared" / "common").mkdir(parents=True)
    (monorepo / "shared" / "common" / "data.txt").write_text("shared\n")
    (app / "README.md").symlink_to("../../README.md")
    (app / "shared").symlink_to("../../shared")
    (app / "alias").symlink_to("pkg")  # a directory of the project, not above the link: copied twice

    copy_project(str(app), str(tmp_path / "copy"))

    assert copied(tmp_path / "copy") == ["README.md", "alias", "alias/__init__.py", "pkg", "pkg/__init__.py",
                                         "pyproject.toml", "shared", "shared/common", "shared/common/data.txt"]
    assert (tmp_path / "copy" / "README.md").read_text() == "the monorepo\n"
    assert not os.path.islink(tmp_path / "copy" / "README.md")


def test_links_to_nothing_and_files_that_are_not_regular_are_left_out(tmp_path):
    app = project(tmp_path / "app")
    (app / "dangling").symlink_to("missing")
    (app / "loop").symlink_to("loop")
    os.mkfifo(app / "pipe")  # copying it would block

    copy_project(str(app), str(tmp_path / "copy"))

    assert copied(tmp_path / "copy") == ["pkg", "pkg/__init__.py", "pyproject.toml"]


def test_a_file_that_cannot_be_read_is_one_error_naming_it(tmp_path, monkeypatch):
    app = project(tmp_path / "app")

    def unreadable(source, destination):
        raise PermissionError(errno.EACCES, "Permission denied", source)

    monkeypatch.setattr(local_projects.shutil, "copy2", unreadable)
    with pytest.raises(UnreadableProjectError) as error:
        copy_project(str(app), str(tmp_path / "copy"))

    assert str(error.value) == (f"Cannot copy {app / 'pyproject.toml'} from the local project {app}: "
                                "Permission denied. Make it readable, or move it out of the project.")


def test_a_full_disk_while_copying_is_a_disk_full_error_naming_the_copy(tmp_path, monkeypatch):
    app = project(tmp_path / "app")

    def full(source, destination):
        raise OSError(errno.ENOSPC, "No space left on device", destination)

    monkeypatch.setattr(local_projects.shutil, "copy2", full)
    with pytest.raises(DiskFullError) as error:
        copy_project(str(app), str(tmp_path / "copy"))

    assert error.value.path == str(tmp_path / "copy" / "pyproject.toml")
