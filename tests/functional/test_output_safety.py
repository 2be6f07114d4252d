"""An output path is checked before anything is built: nothing outside the output is ever written or removed.

Each test builds a fake home directory holding a project (its code, its
requirements, its .git, a key in ~/.ssh, the lambda-pip cache), runs the command
line in-process from inside the project as a user would, and compares a
snapshot of the whole tree before and after: a refused build changes nothing
at all, and a successful one changes only its output (and its zip).
"""

from __future__ import annotations

import errno
import io
import json
import os
import stat
import sys
import zipfile

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.builder import LambdaBuilder
from aws_lambda_builders.exceptions import WorkflowFailedError
from aws_lambda_builders.workflows.python_pip.exceptions import InvalidPathError, PackagerError, UnsafeOutputError
from aws_lambda_builders.workflows.python_pip.packager import DependencyBuilder, PythonPipDependencyBuilder
from tests.snapshot import changes, tree_snapshot

pytestmark = pytest.mark.usefixtures("offline_pip")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A user's home with a project in it; the build runs from inside the project."""
    home = tmp_path / "home"
    project = home / "project"
    (project / "src" / "myapp").mkdir(parents=True)
    (project / "src" / "myapp" / "__init__.py").write_text("VALUE = 1\n")
    (project / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (project / "requirements.txt").write_text("# no dependencies yet\n")
    (project / ".git").mkdir()
    (project / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    os.chmod(home / ".ssh" / "id_ed25519", 0o600)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LAMBDA_PIP_CACHE_DIR", str(home / ".cache" / "lambda-pip"))
    monkeypatch.chdir(project)
    return home


def lambda_pip(*arguments):
    """``lambda-pip ARGS`` in-process: (exit code, what it printed on stderr, then on stdout but --json's)."""
    stream, out = io.StringIO(), io.StringIO()
    code = cli.main(list(arguments), stream=stream, out=None if "--json" in arguments else out)
    return code, stream.getvalue() + out.getvalue()


def build(*arguments):
    return lambda_pip("build", "-r", "requirements.txt", "--runtime", "python3.12", *arguments)


@pytest.mark.parametrize("output, what", [
    (".", "is the current directory"),
    ("../..", "holds the current directory"),
    ("~", "is the home directory"),
    ("src/..", "is the current directory"),
    ("~/.cache", "holds the build cache"),
])
def test_an_output_that_holds_the_users_files_is_refused_and_nothing_changes(home, output, what):
    before = tree_snapshot(home.parent)

    code, text = build("-o", os.path.expanduser(output), "--source", "src")

    assert code == 5
    assert "Refusing to build into" in text and what in text, text
    assert "give it a directory of its own" in text
    assert changes(before, tree_snapshot(home.parent)) == {}


def test_an_output_that_holds_the_requirements_file_is_refused(home):
    (home / "project" / "deploy").mkdir()
    (home / "project" / "deploy" / "requirements.txt").write_text("# none\n")
    before = tree_snapshot(home.parent)

    code, text = lambda_pip("build", "-r", "deploy/requirements.txt", "-o", "deploy")

    assert code == 5
    assert "holds the requirements file" in text and "deploy" in text
    assert changes(before, tree_snapshot(home.parent)) == {}


def test_an_output_that_holds_the_source_or_the_scratch_directory_is_refused(home):
    (home / "project" / "build").mkdir()
    before = tree_snapshot(home.parent)

    code, text = build("-o", "src", "--source", "src/myapp")
    assert code == 5 and "holds the function's source" in text
    code, text = build("-o", "build", "--scratch-dir", "build/scratch")
    assert code == 5 and "holds the scratch directory" in text

    assert changes(before, tree_snapshot(home.parent)) == {}


@pytest.mark.parametrize("kind", ["file", "link to a file", "dangling link"])
def test_an_output_that_is_not_a_directory_is_refused_and_left_as_it_was(home, kind):
    project = home / "project"
    if kind == "file":
        output = project / "app.py"
    else:
        output = project / "out"
        os.symlink("app.py" if kind == "link to a file" else "nowhere", output)
    before = tree_snapshot(home.parent)

    code, text = build("-o", str(output))

    assert code == 5
    assert "Refusing to build into" in text and "not a directory" in text
    assert changes(before, tree_snapshot(home.parent)) == {}


def test_a_symlinked_output_is_written_through_and_the_link_is_kept(home):
    project = home / "project"
    (project / "dist" / "function").mkdir(parents=True)
    (project / "dist" / "function" / "old.py").write_text("")
    os.symlink("dist/function", project / "out")
    written = [project / "dist" / "function", home / ".cache"]
    before = tree_snapshot(home.parent, skip=written)

    code, text = build("-o", "out", "--source", "src")

    assert code == 0, text
    assert os.readlink(project / "out") == "dist/function"
    assert sorted(os.listdir(project / "dist" / "function")) == ["myapp"]
    assert os.listdir(project / "dist") == ["function"], "nothing is left beside the output"
    assert changes(before, tree_snapshot(home.parent, skip=written)) == {}


@pytest.fixture
def previous_bundle(home):
    """A bundle and its zip from an earlier build, with permissions of the user's choosing."""
    project = home / "project"
    assert build("-o", "out", "--source", "src", "--zip", "out.zip")[0] == 0
    os.chmod(project / "out", 0o750)
    os.chmod(project / "out.zip", 0o640)
    return project


@pytest.mark.parametrize("zip_path", ["out", "out/function.zip", "out/sub/function.zip"])
def test_a_zip_inside_the_output_is_refused_before_anything_is_built(home, previous_bundle, zip_path):
    before = tree_snapshot(home.parent)

    code, text = build("-o", "out", "--source", "src", "--zip", zip_path)

    assert code == 5
    assert f"Refusing to write the zip {zip_path}: it would be inside the output directory out" in text
    assert changes(before, tree_snapshot(home.parent)) == {}


@pytest.mark.parametrize("zip_path, why", [
    ("requirements.txt", "it is the requirements file"),
    ("src", "it is a directory"),
    ("app.py", "it exists and is not a zip archive"),
    ("src/myapp/__init__.py", "it exists and is not a zip archive"),
])
def test_a_zip_over_anything_but_an_earlier_zip_is_refused(home, zip_path, why):
    before = tree_snapshot(home.parent)

    code, text = build("-o", "out", "--source", "src", "--zip", zip_path)

    assert code == 5 and f"Refusing to write the zip {zip_path}: {why}" in text
    assert changes(before, tree_snapshot(home.parent)) == {}


def test_an_output_holding_any_input_of_the_build_is_refused(home, package_index, tmp_path):
    """Included requirements files, local projects and archives, --find-links directories, a venv's Python."""
    project = home / "project"
    (home / "common").mkdir()
    (home / "common" / "base.txt").write_text("# shared pins\n")
    (home / "lib" / "pkg").mkdir(parents=True)
    (home / "lib" / "pkg" / "pyproject.toml").write_text("[project]\nname = 'pkg'\nversion = '1'\n")
    (home / "wheels").mkdir()
    (home / "wheels" / "pkg-1-py3-none-any.whl").write_bytes(b"PK\x05\x06" + bytes(18))
    (project / "requirements.txt").write_text("-r ../common/base.txt\n-e ../lib/pkg\n")
    venv = home / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    edited = [project / "requirements.txt"]  # by the test, between the builds
    before = tree_snapshot(home.parent, skip=edited)

    for output, what in (("../common", "included requirements file"), ("../lib", "local project ../lib/pkg"),
                         ("../lib/pkg", "local project ../lib/pkg")):
        code, text = build("-o", output)
        assert code == 5 and f"Refusing to build into {output}:" in text and what in text, text
    (project / "requirements.txt").write_text("../wheels/pkg-1-py3-none-any.whl\n")
    code, text = build("-o", "../wheels")
    assert code == 5 and "local archive ../wheels/pkg-1-py3-none-any.whl" in text
    (project / "requirements.txt").write_text("# nothing\n")
    code, text = build("-o", "../wheels", "-f", "../wheels")
    assert code == 5 and "--find-links directory" in text
    code, text = build("-o", str(venv), "--python", str(venv / "bin" / "python"))
    assert code == 5 and "Python interpreter" in text

    assert changes(before, tree_snapshot(home.parent, skip=edited)) == {}


def test_an_output_that_is_a_version_controlled_tree_is_refused(home):
    (home / "other").mkdir()
    (home / "other" / ".git").mkdir()
    (home / "other" / "main.py").write_text("")
    before = tree_snapshot(home.parent)

    code, text = build("-o", "../other")

    assert code == 5 and "it is a version-controlled working tree (it holds .git)" in text
    assert changes(before, tree_snapshot(home.parent)) == {}


def test_a_failing_zip_step_leaves_the_previous_bundle_and_zip_with_their_permissions(home, previous_bundle,
                                                                                     monkeypatch):
    def disk_full(archive, info, data, **kwargs):  # the disk fills up while the zip is half written
        raise OSError(errno.ENOSPC, "No space left on device", archive.filename)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    (home / "project" / "src" / "new.py").write_text("")
    before = tree_snapshot(home.parent, skip=[home / "project" / "src"])

    code, text = build("-o", "out", "--source", "src", "--zip", "out.zip")

    assert code == 6 and "No space left" in text
    assert changes(before, tree_snapshot(home.parent, skip=[home / "project" / "src"])) == {}
    assert stat.S_IMODE(os.stat(home / "project" / "out").st_mode) == 0o750


def test_a_bundle_over_the_size_limit_leaves_the_previous_bundle_and_zip(home, previous_bundle, monkeypatch):
    from aws_lambda_builders.workflows.python_pip import size_budget
    from aws_lambda_builders.workflows.python_pip.size_budget import SizeReport

    monkeypatch.setattr(size_budget, "measure", lambda directory, zipped, **kwargs: SizeReport(
        300_000_000, zipped, [("numpy", 200_000_000)]))
    before = tree_snapshot(home.parent)

    code, text = build("-o", "out", "--source", "src", "--zip", "out.zip")

    assert code == 5 and "286.1 MiB unzipped, over Lambda's 250 MiB limit" in text
    assert changes(before, tree_snapshot(home.parent)) == {}


def test_a_rebuild_keeps_the_outputs_permissions_and_a_new_output_gets_the_umasks(home, previous_bundle):
    project = previous_bundle
    old = os.umask(0o022)
    try:
        assert build("-o", "out", "--source", "src", "--zip", "out.zip")[0] == 0
        assert build("-o", "fresh", "--source", "src")[0] == 0
    finally:
        os.umask(old)

    assert stat.S_IMODE(os.stat(project / "out").st_mode) == 0o750
    assert stat.S_IMODE(os.stat(project / "fresh").st_mode) == 0o755
    assert sorted(os.listdir(project)) == [".git", "app.py", "fresh", "out", "out.zip", "requirements.txt", "src"]


def test_bundles_placed_from_the_cache_get_the_same_permissions_as_cold_ones(home, package_index):
    project = home / "project"
    (project / "requirements.txt").write_text("pure-lib\n")
    old = os.umask(0o022)
    try:
        cold = build("-o", "cold", "-i", package_index.url)
        warm = build("-o", "warm", "-i", package_index.url)
    finally:
        os.umask(old)

    assert cold[0] == 0 and warm[0] == 0, cold[1] + warm[1]
    assert "unchanged since a cached build" in warm[1]
    assert stat.S_IMODE(os.stat(project / "cold").st_mode) == 0o755
    assert stat.S_IMODE(os.stat(project / "warm").st_mode) == 0o755


def test_json_with_allow_missing_is_one_document(home, package_index, capsys):
    (home / "project" / "requirements.txt").write_text("pure-lib\nrequired-c-extension\n")

    code, text = build("-o", "out", "--architecture", "arm64", "-i", package_index.url, "--json",
                       "--allow-missing")

    document = json.loads(capsys.readouterr().out)  # raises if there are two
    assert code == 1
    assert document["ok"] is False and document["exit_code"] == 1
    assert [m["package"] for m in document["missing"]] == ["required-c-extension==1.0"]
    assert "pure-lib" in [d["name"] for d in document["distributions"]]
    assert "required-c-extension" in text


def test_json_error_is_one_document(home, capsys):
    code, _ = build("-o", ".", "--json")

    document = json.loads(capsys.readouterr().out)
    assert code == 5 and document["exit_code"] == 5 and "Refusing to build into" in document["error"]


def test_an_unexpected_failure_is_one_line_without_a_traceback(home, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ValueError("something inside broke")

    monkeypatch.setattr(DependencyBuilder, "install_dependencies", broken)
    (home / "project" / "out").mkdir()
    (home / "project" / "out" / "previous.py").write_text("")

    code, text = build("-o", "out")

    assert code == 70
    assert "Traceback" not in text + capsys.readouterr().err
    assert "ValueError: something inside broke" in text and "LAMBDA_PIP_TRACEBACK=1" in text
    assert os.listdir(home / "project" / "out") == ["previous.py"]


def test_the_library_refuses_the_same_outputs(home):
    builder = PythonPipDependencyBuilder(runtime="python3.12", python_exe=None)
    before = tree_snapshot(home.parent)

    for output in (".", str(home), str(home / "project" / "app.py")):
        with pytest.raises(UnsafeOutputError):
            builder.build_dependencies(output, str(home.parent / "scratch"), "requirements.txt")

    assert changes(before, tree_snapshot(home.parent)) == {}


@pytest.mark.parametrize("argument", [0, 1, 2])
def test_the_library_says_which_path_argument_is_not_a_path(home, argument):
    arguments = ["out", str(home.parent / "scratch"), "requirements.txt"]
    arguments[argument] = None

    with pytest.raises(InvalidPathError) as raised:
        PythonPipDependencyBuilder(runtime="python3.12", python_exe=None).build_dependencies(*arguments)

    assert isinstance(raised.value, PackagerError) and isinstance(raised.value, TypeError)
    name = ["target_directory", "scratch_directory", "requirements_filepath"][argument]
    assert f"{name} must be a path" in str(raised.value)


@pytest.mark.parametrize("artifacts", ["home", "project", "dependencies"])
def test_lambda_builder_refuses_an_artifacts_directory_holding_the_users_files(home, artifacts):
    (home.parent / "scratch").mkdir(exist_ok=True)  # LambdaBuilder.build makes it first, as aws-lambda-builders does
    project = home / "project"
    before = tree_snapshot(home.parent)
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)
    output = {"home": home, "project": project, "dependencies": project / "build"}[artifacts]

    with pytest.raises(WorkflowFailedError) as raised:
        builder.build(str(project / "src"), str(output) if artifacts != "dependencies" else str(home.parent / "a"),
                      str(home.parent / "scratch"), str(project / "requirements.txt"), runtime="python3.12",
                      dependencies_dir=str(home) if artifacts == "dependencies" else None)

    assert "Refusing to build into" in str(raised.value)
    assert changes(before, tree_snapshot(home.parent)) == {}


def test_lambda_builder_refuses_a_dependencies_directory_holding_the_source_even_without_dependencies(home):
    (home.parent / "scratch").mkdir(exist_ok=True)  # LambdaBuilder.build makes it first, as aws-lambda-builders does
    project = home / "project"
    before = tree_snapshot(home.parent)
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    with pytest.raises(WorkflowFailedError) as raised:
        builder.build(str(project / "src"), str(home.parent / "artifacts"), str(home.parent / "scratch"),
                      str(project / "requirements.txt"), runtime="python3.12", download_dependencies=False,
                      dependencies_dir=str(project))

    assert str(raised.value).startswith("PythonPipBuilder:CheckOutput - ")
    assert changes(before, tree_snapshot(home.parent)) == {}


def test_an_output_holding_a_link_to_an_input_is_refused(home):
    """The link is the user's too: an input reached through a link inside the output protects the output."""
    project, elsewhere = home / "project", home / "elsewhere"
    (elsewhere / "src").mkdir(parents=True)
    (elsewhere / "req.txt").write_text("# none\n")
    os.symlink(sys.executable, elsewhere / "python")
    (project / "linked").mkdir()
    os.symlink("../../elsewhere/req.txt", project / "linked" / "requirements.txt")
    os.symlink("../../elsewhere/src", project / "linked" / "src")
    os.symlink("../../elsewhere", project / "linked" / "through")
    (project / "linked" / ".venv" / "bin").mkdir(parents=True)
    os.symlink("../../../../elsewhere/python", project / "linked" / ".venv" / "bin" / "python")
    (home.parent / "scratch").mkdir(exist_ok=True)  # LambdaBuilder.build makes it first, as aws-lambda-builders does
    before = tree_snapshot(home.parent)

    for arguments, what in ((["-r", "linked/requirements.txt"], "requirements file"),
                            (["-r", "linked/through/req.txt"], "requirements file"),
                            (["--source", "linked/src"], "function's source"),
                            (["--python", "linked/.venv/bin/python"], "Python interpreter")):
        code, text = lambda_pip("build", "-r", "requirements.txt", *arguments, "-o", "linked")
        assert code == 5 and f"it holds the {what}" in text, text

    with pytest.raises(WorkflowFailedError, match="Refusing to build into"):
        LambdaBuilder(language="python", dependency_manager="pip", application_framework=None).build(
            str(project / "linked" / "src"), str(project / "linked"), str(home.parent / "scratch"),
            str(elsewhere / "req.txt"), runtime="python3.12")
    assert changes(before, tree_snapshot(home.parent)) == {}
