"""Copying the function's own source: links followed only inside it, clutter left out only where it is clutter."""

from __future__ import annotations

import os

import pytest

from aws_lambda_builders.workflows.python_pip import packager
from aws_lambda_builders.workflows.python_pip.exceptions import (
    DiskFullError,
    PackagerError,
    SourceDirectoryNotFoundError,
    UnreadableSourceError,
    UnsafeSourceLinkError,
)
from aws_lambda_builders.workflows.python_pip.source_copy import (
    EXCLUDED_EVERYWHERE,
    EXCLUDED_FILES,
    TOP_LEVEL_EXCLUDES,
    copy_entries,
    copy_source,
    is_excluded,
    plan_source_copy,
)
from aws_lambda_builders.workflows.python_pip.workflow import PythonPipWorkflow
from tests.snapshot import tree_snapshot


def write(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def files_in(root):
    """Every file under ``root`` (relative, /-separated) -> its text; fails on a link, which a copy never holds."""
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            assert not os.path.islink(path), path
            with open(path) as f:
                found[os.path.relpath(path, root).replace(os.sep, "/")] = f.read()
    return found


@pytest.fixture
def project(tmp_path):
    """A project directory: the function's source in ``src``, and a secret beside it."""
    write(tmp_path / "secret.txt", "AWS_SECRET_ACCESS_KEY=hunter2")
    write(tmp_path / "src" / "app.py", "def handler(event, context): ...\n")
    return tmp_path


def refused(source, destination, **kwargs):
    """The error copy_source raises, once it is checked that the destination was left as it was."""
    before = tree_snapshot(destination) if os.path.exists(destination) else None
    with pytest.raises(PackagerError) as raised:
        copy_source(str(source), str(destination), **kwargs)
    after = tree_snapshot(destination) if os.path.exists(destination) else None
    assert before == after, "a refused source writes nothing"
    return raised.value


# -- links inside the source ---------------------------------------------------------------

def test_link_to_a_file_inside_the_source_is_copied_as_that_file(project, tmp_path):
    write(project / "src" / "config" / "settings.json", '{"debug": false}')
    os.symlink("config/settings.json", project / "src" / "settings.json")

    copy_source(str(project / "src"), str(tmp_path / "out"))

    copied = files_in(tmp_path / "out")
    assert copied["settings.json"] == '{"debug": false}'
    assert copied["config/settings.json"] == '{"debug": false}'


def test_link_to_a_directory_inside_the_source_is_copied_as_its_contents(project, tmp_path):
    write(project / "src" / "vendor" / "shared" / "__init__.py", "NAME = 'shared'\n")
    write(project / "src" / "vendor" / "shared" / "util.py", "def f(): ...\n")
    os.symlink(os.path.join("vendor", "shared"), project / "src" / "shared")

    copy_source(str(project / "src"), str(tmp_path / "out"))

    copied = files_in(tmp_path / "out")
    assert copied["shared/__init__.py"] == "NAME = 'shared'\n" and copied["shared/util.py"] == "def f(): ...\n"
    assert not os.path.islink(tmp_path / "out" / "shared")


def test_source_given_through_a_link_is_its_target(project, tmp_path):
    os.symlink(project / "src", tmp_path / "current")
    os.symlink("app.py", project / "src" / "main.py")

    copy_source(str(tmp_path / "current"), str(tmp_path / "out"))

    assert sorted(files_in(tmp_path / "out")) == ["app.py", "main.py"]


def test_two_links_to_the_same_directory_side_by_side_are_not_a_loop(project, tmp_path):
    write(project / "src" / "lib" / "core.py", "X = 1\n")
    os.symlink("lib", project / "src" / "one")
    os.symlink("lib", project / "src" / "two")

    copy_source(str(project / "src"), str(tmp_path / "out"))

    assert {"one/core.py", "two/core.py", "lib/core.py"} <= set(files_in(tmp_path / "out"))


# -- links refused -------------------------------------------------------------------------

def test_link_to_a_file_outside_the_source_is_refused_and_nothing_is_written(project, tmp_path):
    os.symlink(os.path.join("..", "secret.txt"), project / "src" / "creds")
    write(tmp_path / "out" / "previous.py", "kept\n")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnsafeSourceLinkError)
    assert error.link == str(project / "src" / "creds")
    assert str(project / "src" / "creds") in str(error) and str(project / "secret.txt") in str(error)
    assert "outside the source" in str(error) and "replace the link by a copy" in str(error)
    assert files_in(tmp_path / "out") == {"previous.py": "kept\n"}


def test_refusal_leaves_a_missing_destination_missing(project, tmp_path):
    os.symlink(os.path.join("..", "secret.txt"), project / "src" / "creds")

    refused(project / "src", tmp_path / "out")

    assert not os.path.exists(tmp_path / "out")


def test_link_out_of_the_source_deep_inside_it_is_refused_even_after_many_files(project, tmp_path):
    for number in range(30):
        write(project / "src" / "aaa" / f"module{number}.py")
    (project / "src" / "zzz").mkdir()
    os.symlink(os.path.join("..", "..", "secret.txt"), project / "src" / "zzz" / "y")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnsafeSourceLinkError) and error.link == str(project / "src" / "zzz" / "y")
    assert not os.path.exists(tmp_path / "out")


def test_link_to_a_system_directory_is_refused(project, tmp_path):
    os.symlink("/etc", project / "src" / "etc")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnsafeSourceLinkError)
    assert f"{project / 'src' / 'etc'} is a link to /etc, outside the source" in str(error)


def test_link_through_a_link_that_leaves_the_source_is_refused(project, tmp_path):
    os.symlink(project / "secret.txt", project / "src" / "hop")
    os.symlink("hop", project / "src" / "creds")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnsafeSourceLinkError) and str(project / "secret.txt") in str(error)


def test_link_that_leaves_the_source_and_comes_back_is_inside(project, tmp_path):
    os.symlink(os.path.join("..", "src", "app.py"), project / "src" / "main.py")

    copy_source(str(project / "src"), str(tmp_path / "out"))

    assert files_in(tmp_path / "out")["main.py"] == "def handler(event, context): ...\n"


def test_dangling_link_is_refused(project, tmp_path):
    os.symlink("settings.json", project / "src" / "config.json")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnsafeSourceLinkError) and error.link == str(project / "src" / "config.json")
    assert "settings.json" in str(error) and "does not exist" in str(error)


@pytest.mark.parametrize("target", [".", "..", os.path.join("..", "..")])
def test_link_to_a_directory_it_is_in_is_refused_as_a_loop(project, tmp_path, target):
    write(project / "src" / "pkg" / "sub" / "__init__.py")
    os.symlink(target, project / "src" / "pkg" / "sub" / "again")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnsafeSourceLinkError) and error.link == str(project / "src" / "pkg" / "sub" / "again")
    assert "would never end" in str(error)


def test_two_directory_links_leading_to_each_other_are_refused_as_a_loop(project, tmp_path):
    write(project / "src" / "a" / "a.py")
    write(project / "src" / "b" / "b.py")
    os.symlink(os.path.join("..", "b"), project / "src" / "a" / "to_b")
    os.symlink(os.path.join("..", "a"), project / "src" / "b" / "to_a")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnsafeSourceLinkError) and "would never end" in str(error)


def test_link_to_itself_is_refused(project, tmp_path):
    os.symlink("self", project / "src" / "self")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnsafeSourceLinkError) and "loop of links" in str(error)


def test_link_out_of_the_source_inside_left_out_clutter_is_not_looked_at(project, tmp_path):
    os.symlink(project / "secret.txt", write(project / "src" / ".venv" / "bin" / "python").parent / "creds")
    os.symlink(project / "secret.txt", write(project / "src" / "pkg" / "__pycache__" / "x.pyc").parent / "creds")

    copy_source(str(project / "src"), str(tmp_path / "out"))

    assert sorted(files_in(tmp_path / "out")) == ["app.py"]


# -- what is left out, and where -----------------------------------------------------------

def test_packages_named_like_tool_directories_are_kept_below_the_top(project, tmp_path):
    for name in ("myapp/env/__init__.py", "myapp/venv/__init__.py", "myapp/ENV/x.py", "myapp/.cache/data.json",
                 "myapp/htmlcov.py", "myapp/.env", "myapp/tox/.tox/ini", "myapp/coverage.xml"):
        write(project / "src" / name)

    copy_source(str(project / "src"), str(tmp_path / "out"))

    assert {"myapp/env/__init__.py", "myapp/venv/__init__.py", "myapp/ENV/x.py", "myapp/.cache/data.json",
            "myapp/.env", "myapp/tox/.tox/ini", "myapp/coverage.xml"} <= set(files_in(tmp_path / "out"))


def test_tool_directories_and_files_at_the_top_are_left_out(project, tmp_path):
    for name in ("env/lib/site.py", ".venv/bin/python", "venv/x", "ENV/x", ".aws-sam/build.toml", ".chalice/config",
                 ".tox/log", ".nox/log", ".cache/x", ".pytest_cache/x", ".mypy_cache/x", "htmlcov/index.html",
                 ".vscode/settings.json", ".idea/workspace.xml", ".coverage", "coverage.xml", ".python-version",
                 ".env", "myapp.egg-info/PKG-INFO"):
        write(project / "src" / name)

    copy_source(str(project / "src"), str(tmp_path / "out"))

    assert sorted(files_in(tmp_path / "out")) == ["app.py"]


def test_bytecode_finder_files_and_version_control_are_left_out_anywhere(project, tmp_path):
    for name in ("__pycache__/app.cpython-312.pyc", "myapp/__pycache__/m.cpython-312.pyc", "myapp/old.pyc",
                 "myapp/deep/.DS_Store", ".DS_Store", ".git/HEAD", "vendor/lib/.git/HEAD", "vendor/.hg/x",
                 "vendor/.svn/x", "myapp/deep/ok.py"):
        write(project / "src" / name)

    copy_source(str(project / "src"), str(tmp_path / "out"))

    assert sorted(files_in(tmp_path / "out")) == ["app.py", "myapp/deep/ok.py"]


def test_a_virtual_environment_is_left_out_at_any_depth_whatever_its_name(project, tmp_path):
    write(project / "src" / "tools" / "lambda-env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(project / "src" / "tools" / "lambda-env" / "lib" / "site-packages" / "six.py")
    write(project / "src" / "tools" / "build.py")

    copy_source(str(project / "src"), str(tmp_path / "out"))

    assert sorted(files_in(tmp_path / "out")) == ["app.py", "tools/build.py"]


def test_is_excluded_knows_the_top_from_below():
    assert is_excluded("env", at_top=True) and not is_excluded("env", at_top=False)
    assert is_excluded(".coverage.1234", at_top=True) and not is_excluded(".coverage.1234", at_top=False)
    assert is_excluded("x.pyc", at_top=False) and is_excluded("__pycache__", at_top=True)
    assert is_excluded(".git", at_top=False) and is_excluded(".DS_Store", at_top=False)
    assert not is_excluded("Env", at_top=False) and not is_excluded("environment.py", at_top=True)


def test_the_workflow_keeps_the_upstream_excluded_files():
    assert PythonPipWorkflow.EXCLUDED_FILES == EXCLUDED_FILES == TOP_LEVEL_EXCLUDES + EXCLUDED_EVERYWHERE
    assert {".aws-sam", ".chalice", ".git", "*.pyc", "__pycache__", ".venv", "env"} <= set(EXCLUDED_FILES)


# -- the build's own directories and the cache ---------------------------------------------

def test_skipped_directories_inside_the_source_are_not_copied_into_themselves(project, tmp_path):
    write(project / "src" / "build" / "old.py")
    write(project / "src" / "scratch" / "download.whl")
    os.symlink("build", project / "src" / "latest")

    copy_source(str(project / "src"), str(project / "src" / "build"),
                skip=[str(project / "src" / "build"), str(project / "src" / "scratch")])

    assert sorted(files_in(project / "src" / "build")) == ["app.py", "old.py"]


def test_a_file_hard_linked_into_the_cache_is_replaced_not_written_through(project, tmp_path):
    cached = write(tmp_path / "cache" / "app.py", "the cache's own\n")
    (tmp_path / "out").mkdir()
    os.link(cached, tmp_path / "out" / "app.py")

    copy_source(str(project / "src"), str(tmp_path / "out"))

    assert files_in(tmp_path / "out")["app.py"] == "def handler(event, context): ...\n"
    assert cached.read_text() == "the cache's own\n"


# -- files that cannot be copied -----------------------------------------------------------

def test_missing_source_directory_is_named(tmp_path):
    with pytest.raises(SourceDirectoryNotFoundError) as raised:
        copy_source(str(tmp_path / "nope"), str(tmp_path / "out"))
    assert str(tmp_path / "nope") in str(raised.value)
    assert not os.path.exists(tmp_path / "out")


def test_named_pipe_in_the_source_is_refused_before_anything_is_written(project, tmp_path):
    os.mkfifo(project / "src" / "events")

    error = refused(project / "src", tmp_path / "out")

    assert isinstance(error, UnreadableSourceError) and error.path == str(project / "src" / "events")
    assert "not a regular file" in str(error)


def test_file_that_cannot_be_read_when_copied_is_named_not_a_list_of_errors(project, tmp_path):
    write(project / "src" / "data.csv", "a,b\n")
    entries = plan_source_copy(str(project / "src"))
    os.remove(project / "src" / "data.csv")  # gone between the walk and the copy

    with pytest.raises(UnreadableSourceError) as raised:
        copy_entries(str(project / "src"), entries, str(tmp_path / "out"))

    assert str(raised.value).startswith(f"Cannot copy {project / 'src' / 'data.csv'} from the function's source: ")
    assert "No such file or directory" in str(raised.value)


def test_file_that_cannot_be_written_is_an_os_error_naming_it(project, tmp_path):
    write(project / "src" / "myapp" / "__init__.py")
    write(tmp_path / "out" / "myapp", "a file where the source has a directory")

    with pytest.raises(OSError) as raised:
        copy_source(str(project / "src"), str(tmp_path / "out"))

    assert not isinstance(raised.value, PackagerError)
    assert raised.value.filename == str(tmp_path / "out" / "myapp")


def test_errors_of_the_source_are_packager_errors_exported_by_the_packager():
    for cls in (UnsafeSourceLinkError, UnreadableSourceError):
        assert issubclass(cls, PackagerError)
        assert getattr(packager, cls.__name__) is cls and cls.__name__ in packager.__all__
    assert issubclass(DiskFullError, PackagerError)


@pytest.mark.parametrize("link, target", [
    ("settings", ".env"),
    ("vcs", ".git"),
    ("config", ".git/config"),
    ("pkg/cached", "../__pycache__/x.cpython-311.pyc"),
    ("tool", "venv/lib/python3.11/site-packages/tool.py"),
])
def test_a_link_into_what_the_copy_leaves_out_is_refused(tmp_path, link, target):
    source = tmp_path / "src"
    for path in (".env", ".git/config", "__pycache__/x.cpython-311.pyc", "venv/lib/python3.11/site-packages/tool.py",
                 "pkg/__init__.py"):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text("SECRET=1\n")
    (source / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    os.symlink(target, source / link)

    with pytest.raises(UnsafeSourceLinkError, match="which is left out of the function"):
        copy_source(str(source), str(tmp_path / "out"))

    assert not (tmp_path / "out").exists()


def test_a_link_into_a_package_named_like_a_tool_directory_is_copied(tmp_path):
    source = tmp_path / "src"
    (source / "myapp" / "env").mkdir(parents=True)
    (source / "myapp" / "env" / "settings.py").write_text("DEBUG = False\n")
    os.symlink("myapp/env/settings.py", source / "settings.py")

    copy_source(str(source), str(tmp_path / "out"))

    assert (tmp_path / "out" / "settings.py").read_text() == "DEBUG = False\n"
