"""Whole functions and layers: the SAM-style LambdaBuilder API and `lambda-pip build --source/--zip/--layer`."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import zipfile

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.builder import LambdaBuilder
from aws_lambda_builders.exceptions import LambdaBuilderError, WorkflowFailedError, WorkflowNotFoundError

pytestmark = pytest.mark.usefixtures("offline_pip")


@pytest.fixture
def function(tmp_path):
    """A function's working tree, clutter included."""
    source = tmp_path / "src"
    (source / "handlers").mkdir(parents=True)
    (source / "app.py").write_text("import pure_app\n\ndef handler(event, context):\n    return pure_app.greet('x')\n")
    (source / "handlers" / "__init__.py").write_text("")
    (source / "requirements.txt").write_text("pure-app\n")
    for clutter in (".git/HEAD", ".venv/bin/python", "__pycache__/app.cpython-311.pyc", ".pytest_cache/x",
                    ".aws-sam/build.toml", ".idea/workspace.xml", "htmlcov/index.html", "handlers/stale.pyc"):
        (source / clutter).parent.mkdir(parents=True, exist_ok=True)
        (source / clutter).write_text("clutter")
    return source


@pytest.fixture
def index_from_environment(package_index, monkeypatch):
    """LambdaBuilder callers configure pip as pip is configured: here, through PIP_INDEX_URL."""
    monkeypatch.setenv("PIP_INDEX_URL", package_index.url)


def _tree(directory):
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def test_lambda_builder_builds_a_function_with_its_dependencies_and_clean_source(tmp_path, function,
                                                                              index_from_environment):
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    builder.build(str(function), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                  str(function / "requirements.txt"), runtime="python3.12", architecture="arm64")

    files = _tree(tmp_path / "artifacts")
    assert "app.py" in files and "handlers/__init__.py" in files and "requirements.txt" in files
    assert "pure_app/__init__.py" in files and "pure_lib/__init__.py" in files
    assert not [f for f in files if f.split("/")[0] in (".git", ".venv", "__pycache__", ".pytest_cache", ".aws-sam",
                                                         ".idea", "htmlcov") or f.endswith(".pyc")]


def test_parent_python_packages_put_the_functions_files_under_that_package_and_dependencies_at_the_top(
        tmp_path, function, index_from_environment):
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    builder.build(str(function), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                  str(function / "requirements.txt"), runtime="python3.12",
                  options={"parent_python_packages": "company.service"})

    files = _tree(tmp_path / "artifacts")
    assert "company/service/app.py" in files and "company/service/handlers/__init__.py" in files
    assert "app.py" not in files and "pure_app/__init__.py" in files


@pytest.mark.parametrize("value, why", [
    ("handlers", "the source has that directory already"),
    ("../outside", "not a package name"),
    ("pure_app", "a dependency has that directory already"),
])
def test_parent_python_packages_that_would_overwrite_or_escape_leave_the_files_at_the_top(
        tmp_path, function, index_from_environment, value, why, caplog):
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    with caplog.at_level(logging.WARNING, logger="aws_lambda_builders"):
        builder.build(str(function), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                      str(function / "requirements.txt"), runtime="python3.12",
                      options={"parent_python_packages": value})

    files = _tree(tmp_path / "artifacts")
    assert "app.py" in files and "handlers/__init__.py" in files, why
    assert not (tmp_path / "outside").exists()
    assert "parent_python_packages" in caplog.text or "would overwrite existing folder" in caplog.text


@pytest.mark.parametrize("combine", [True, False])
def test_dependencies_dir_is_built_and_combined_or_not(tmp_path, function, index_from_environment, combine):
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    builder.build(str(function), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                  str(function / "requirements.txt"), runtime="python3.12", architecture="arm64",
                  dependencies_dir=str(tmp_path / "deps"), combine_dependencies=combine)

    assert "pure_app/__init__.py" in _tree(tmp_path / "deps") and "app.py" not in _tree(tmp_path / "deps")
    assert ("pure_app/__init__.py" in _tree(tmp_path / "artifacts")) == combine
    assert "app.py" in _tree(tmp_path / "artifacts")


def test_dependencies_dir_is_reused_without_downloading(tmp_path, function, index_from_environment, monkeypatch):
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)
    builder.build(str(function), str(tmp_path / "first"), str(tmp_path / "scratch"),
                  str(function / "requirements.txt"), runtime="python3.12", dependencies_dir=str(tmp_path / "deps"))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")  # any download would now fail

    builder.build(str(function), str(tmp_path / "second"), str(tmp_path / "scratch"),
                  str(function / "requirements.txt"), runtime="python3.12", dependencies_dir=str(tmp_path / "deps"),
                  download_dependencies=False)

    assert "pure_app/__init__.py" in _tree(tmp_path / "second")


def test_missing_requirements_file_is_a_warning_and_a_source_only_build(tmp_path, function, caplog):
    (function / "requirements.txt").unlink()
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    with caplog.at_level(logging.WARNING):
        builder.build(str(function), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                      str(function / "requirements.txt"), runtime="python3.12")

    assert "requirements.txt file not found" in caplog.text
    assert _tree(tmp_path / "artifacts") == ["app.py", "handlers/__init__.py"]


def test_failure_is_a_workflow_failed_error_naming_the_cause(tmp_path, function, index_from_environment):
    (function / "requirements.txt").write_text("no-such-package-anywhere\n")
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    with pytest.raises(WorkflowFailedError) as raised:
        builder.build(str(function), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                      str(function / "requirements.txt"), runtime="python3.12")

    assert isinstance(raised.value, LambdaBuilderError)
    assert str(raised.value).startswith("PythonPipBuilder:ResolveDependencies - ")
    assert "no-such-package-anywhere" in str(raised.value)


def test_other_languages_are_not_found():
    with pytest.raises(WorkflowNotFoundError) as raised:
        LambdaBuilder(language="nodejs", dependency_manager="npm", application_framework=None)
    assert "nodejs, npm" in str(raised.value)


def _build(tmp_path, function, package_index, name, *options):
    """What the build printed: on stdout (the result), after what it printed on stderr."""
    stream, out = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(function / "requirements.txt"), "--source", str(function),
                     "-o", str(tmp_path / name), "--runtime", "python3.12", "--architecture", "arm64",
                     "-i", package_index.url, "--zip", str(tmp_path / f"{name}.zip"), *options],
                    stream=stream, out=out)
    assert code == 0, stream.getvalue()
    return stream.getvalue() + out.getvalue()


def test_two_builds_of_a_function_give_byte_identical_zips(tmp_path, function, package_index):
    _build(tmp_path, function, package_index, "one")
    os.utime(function / "app.py", (1_700_000_000, 1_700_000_000))  # the next build sees other timestamps
    _build(tmp_path, function, package_index, "two")

    digests = {hashlib.sha256((tmp_path / f"{n}.zip").read_bytes()).hexdigest() for n in ("one", "two")}
    assert len(digests) == 1
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        names = archive.namelist()
        assert names == sorted(names) and "app.py" in names and "pure_app/__init__.py" in names
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert not [n for n in names if n.endswith(".pyc") or "__pycache__" in n]


def test_layer_puts_everything_under_python(tmp_path, function, package_index):
    text = _build(tmp_path, function, package_index, "layer", "--layer")

    assert sorted(os.listdir(tmp_path / "layer")) == ["python"]
    with zipfile.ZipFile(tmp_path / "layer.zip") as archive:
        assert all(name.startswith("python/") for name in archive.namelist())
        assert "python/pure_app/__init__.py" in archive.namelist()
    assert "unzipped" in text and "zipped" in text


def test_json_summary_lists_contents_sizes_and_timings(tmp_path, function, package_index):
    document = json.loads(_build(tmp_path, function, package_index, "json", "--json"))

    assert document["ok"] is True
    assert {d["name"] for d in document["distributions"]} == {"pure-app", "pure-lib"}
    sizes = document["sizes"]
    assert sizes["unzipped_bytes"] > 0 and sizes["zipped_bytes"] == os.path.getsize(tmp_path / "json.zip")
    assert document["missing"] == [] and "total" in document["timings_seconds"]


def test_check_audits_a_layer_where_its_packages_are(tmp_path, function, package_index):
    from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle

    _build(tmp_path, function, package_index, "layer", "--layer")

    report = check_bundle(str(tmp_path / "layer"), "python3.12", "arm64", str(function / "requirements.txt"))
    assert report.ok, [str(p) for p in report.problems]
    assert report.distributions == 2


def test_source_inside_the_artifacts_directory_is_refused(tmp_path, function, index_from_environment):
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    with pytest.raises(WorkflowFailedError) as raised:
        builder.build(str(function), str(tmp_path), str(tmp_path / "scratch"), str(function / "requirements.txt"),
                      runtime="python3.12")

    assert "Refusing to build into" in str(raised.value) and "it holds the" in str(raised.value)
    assert (function / "app.py").is_file()


def test_a_failed_build_leaves_the_last_good_dependencies_directory(tmp_path, function, index_from_environment):
    """aws-lambda-builders empties dependencies_dir before pip runs; here the build replaces it only on success."""
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)
    arguments = (str(function), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                 str(function / "requirements.txt"))
    builder.build(*arguments, runtime="python3.12", dependencies_dir=str(tmp_path / "deps"))
    before = _tree(tmp_path / "deps")
    assert "pure_app/__init__.py" in before

    (function / "requirements.txt").write_text("no-such-package-anywhere\n")
    with pytest.raises(WorkflowFailedError) as raised:
        builder.build(*arguments, runtime="python3.12", dependencies_dir=str(tmp_path / "deps"))

    assert str(raised.value).startswith("PythonPipBuilder:ResolveDependencies - ")
    assert _tree(tmp_path / "deps") == before


def test_an_invalid_requirement_fails_with_pips_own_words(tmp_path, function, index_from_environment):
    """aws-lambda-builders' callers look for pip's text; ours adds the line and the remedy after it."""
    (function / "requirements.txt").write_text("boto3=1.19.99\n")
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    with pytest.raises(WorkflowFailedError) as raised:
        builder.build(str(function), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                      str(function / "requirements.txt"), runtime="python3.12")

    text = str(raised.value)
    assert text.startswith("PythonPipBuilder:ResolveDependencies - Invalid requirement: 'boto3=1.19.99'")
    assert "line 1 of" in text and "(PEP 508)" in text.splitlines()[-1]
