"""PythonPipWorkflow (aws-lambda-builders' python_pip ``workflow``, §4.1 of the contract): its class attributes,
the action list of every combination of download_dependencies / dependencies_dir / combine_dependencies, the log
lines, the parent-package action, the resolvers and validators."""

from __future__ import annotations

import logging
import sys
from unittest import mock

import pytest

from aws_lambda_builders.actions import CleanUpAction, CopySourceAction, LinkSourceAction
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.exceptions import WorkflowFailedError
from aws_lambda_builders.path_resolver import PathResolver
from aws_lambda_builders.validator import RuntimeValidator
from aws_lambda_builders.workflow import BaseWorkflow, BuildDirectory, BuildInSourceSupport, Capability
from aws_lambda_builders.workflows.python_pip import workflow as workflow_module
from aws_lambda_builders.workflows.python_pip.actions import PythonCreateParentPackagesAction, PythonPipBuildAction
from aws_lambda_builders.workflows.python_pip.utils import OSUtils
from aws_lambda_builders.workflows.python_pip.validator import PythonRuntimeValidator
from aws_lambda_builders.workflows.python_pip.workflow import PythonPipWorkflow

LOGGER = "aws_lambda_builders.workflows.python_pip.workflow"
NO_DOWNLOAD_INFO = ("download_dependencies is False and dependencies_dir is None. Copying the source files into the "
                    "artifacts directory. ")
NO_MANIFEST_WARNING = "requirements.txt file not found. Continuing the build without dependencies."


def osutils(manifest_exists=True):
    made = mock.Mock(spec=OSUtils())
    made.file_exists.return_value = manifest_exists
    return made


def make(manifest_exists=True, **kwargs):
    kwargs.setdefault("runtime", "python3.12")
    return PythonPipWorkflow("source", "artifacts", "scratch_dir", "manifest", osutils=osutils(manifest_exists),
                             **kwargs)


def kinds(actions):
    return [type(action).__name__ if not isinstance(action, CopySourceAction) else
            "Copy({}->{})".format(action.source_dir, action.dest_dir) for action in actions]


# --------------------------------------------------------------------------- class attributes


def test_the_class_attributes():
    assert PythonPipWorkflow.NAME == "PythonPipBuilder"
    assert PythonPipWorkflow.CAPABILITY == Capability(language="python", dependency_manager="pip",
                                                      application_framework=None)
    assert PythonPipWorkflow.PYTHON_VERSION_THREE == "3"
    assert PythonPipWorkflow.DEFAULT_BUILD_DIR is BuildDirectory.SCRATCH
    assert PythonPipWorkflow.BUILD_IN_SOURCE_SUPPORT is BuildInSourceSupport.NOT_SUPPORTED
    assert issubclass(PythonPipWorkflow, BaseWorkflow)


def test_the_excluded_files():
    # differs from aws-lambda-builders: no "*.so"/"*.egg" (they drop compiled code and eggs of the function),
    # more clutter left out (.DS_Store, .hg, .svn, .ruff_cache, coverage files), and most names only at the top
    assert isinstance(PythonPipWorkflow.EXCLUDED_FILES, tuple)
    assert PythonPipWorkflow.EXCLUDED_FILES == (
        ".aws-sam", ".chalice", ".gitignore", ".Python", "*.egg-info", "pip-log.txt", "pip-delete-this-directory.txt",
        "htmlcov", ".tox", ".nox", ".coverage", ".coverage.*", ".cache", ".pytest_cache", "coverage.xml",
        ".python-version", ".mypy_cache", ".dmypy.json", ".pyre", ".ruff_cache", ".env", ".venv", "venv",
        "venv.bak", "env.bak", "ENV", "env", ".vscode", ".idea",
        "__pycache__", "*.pyc", ".DS_Store", ".git", ".hg", ".svn")


def test_upstreams_excluded_names_are_still_left_out_but_so_and_egg():
    upstream = (".aws-sam", ".chalice", ".git", ".gitignore", "*.pyc", "__pycache__", "*.so", ".Python",
                "*.egg-info", "*.egg", "pip-log.txt", "pip-delete-this-directory.txt", "htmlcov", ".tox", ".nox",
                ".coverage", ".cache", ".pytest_cache", ".python-version", ".mypy_cache", ".dmypy.json", ".pyre",
                ".env", ".venv", "venv", "venv.bak", "env.bak", "ENV", "env", ".vscode", ".idea")
    assert set(upstream) - set(PythonPipWorkflow.EXCLUDED_FILES) == {"*.so", "*.egg"}


def test_the_workflow_is_registered_for_python_pip():
    from aws_lambda_builders.registry import get_workflow

    assert get_workflow(Capability(language="Python", dependency_manager="PIP", application_framework=None)) \
        is PythonPipWorkflow


# --------------------------------------------------------------------------- the action lists


@pytest.mark.parametrize("download, dependencies_dir, combine, expected", [
    (True, None, True, ["PythonPipBuildAction", "Copy(source->artifacts)"]),
    (True, None, False, ["PythonPipBuildAction", "Copy(source->artifacts)"]),
    (True, "deps", True, ["DependenciesCleanUpAction", "PythonPipBuildAction", "Copy(deps->artifacts)",
                          "Copy(source->artifacts)"]),
    (True, "deps", False, ["DependenciesCleanUpAction", "PythonPipBuildAction", "Copy(source->artifacts)"]),
    (False, None, True, ["Copy(source->artifacts)"]),
    (False, None, False, ["Copy(source->artifacts)"]),
    (False, "deps", True, ["Copy(deps->artifacts)", "Copy(source->artifacts)"]),
    (False, "deps", False, ["Copy(source->artifacts)"]),
])
def test_the_actions_of_every_combination_with_a_manifest(download, dependencies_dir, combine, expected):
    workflow = make(download_dependencies=download, dependencies_dir=dependencies_dir, combine_dependencies=combine)

    assert kinds(workflow.actions) == expected
    source_copy = workflow.actions[-1]
    assert source_copy.excludes == PythonPipWorkflow.EXCLUDED_FILES
    for action in workflow.actions[:-1]:
        if isinstance(action, CopySourceAction):
            assert action.excludes == []
        if isinstance(action, CleanUpAction):
            assert action.target_dir == "deps"


def test_the_clean_up_of_the_dependencies_directory_leaves_it_to_the_build(tmp_path):
    # differs from aws-lambda-builders: a CleanUpAction that removes nothing, as the pip action's build replaces
    # the directory whole once it has succeeded (a failed build keeps the last good dependencies)
    (tmp_path / "deps" / "six").mkdir(parents=True)
    (tmp_path / "deps" / "six" / "__init__.py").write_text("")
    clean_up = make(dependencies_dir=str(tmp_path / "deps")).actions[0]

    clean_up.execute()

    assert isinstance(clean_up, CleanUpAction) and clean_up.target_dir == str(tmp_path / "deps")
    assert (tmp_path / "deps" / "six" / "__init__.py").is_file()


def test_the_source_and_dependency_copies_are_our_own_copy_source_actions():
    # differs from aws-lambda-builders: both are CopySourceAction subclasses (the source is planned and checked
    # before pip runs; the dependencies are merged file by file, replacing cache links instead of writing through)
    workflow = make(dependencies_dir="deps")
    deps_copy, source_copy = workflow.actions[2], workflow.actions[3]

    assert type(deps_copy) is not CopySourceAction and isinstance(deps_copy, CopySourceAction)
    assert type(source_copy) is not CopySourceAction and isinstance(source_copy, CopySourceAction)
    assert (deps_copy.NAME, source_copy.NAME) == ("CopySource", "CopySource")


@pytest.mark.parametrize("kwargs", [
    {}, {"download_dependencies": False}, {"dependencies_dir": "deps"},
    {"download_dependencies": False, "dependencies_dir": "deps"},
    {"dependencies_dir": "deps", "combine_dependencies": False},
])
def test_without_a_manifest_the_source_copy_is_the_only_action(kwargs):
    workflow = make(manifest_exists=False, **kwargs)

    assert kinds(workflow.actions) == ["Copy(source->artifacts)"]
    assert workflow.actions[0].excludes == PythonPipWorkflow.EXCLUDED_FILES
    assert workflow._use_pip is False


def test_the_manifest_is_asked_about_through_osutils_only():
    given = osutils()

    PythonPipWorkflow("source", "artifacts", "scratch_dir", "manifest", runtime="python3.12", osutils=given)

    given.file_exists.assert_called_once_with("manifest")
    assert [c[0] for c in given.method_calls] == ["file_exists"]


def test_osutils_defaults_to_a_new_osutils():
    with mock.patch.object(OSUtils, "file_exists", return_value=False) as file_exists:
        workflow = PythonPipWorkflow("source", "artifacts", "scratch_dir", "manifest", runtime="python3.12")

    file_exists.assert_called_once_with("manifest")
    assert len(workflow.actions) == 1


@mock.patch("aws_lambda_builders.workflows.python_pip.workflow.PythonPipBuildAction")
def test_the_pip_action_is_made_with_five_positional_and_two_keyword_arguments(build_action_mock):
    workflow = make(dependencies_dir="deps", architecture=ARM64)

    build_action_mock.assert_called_once_with("artifacts", "scratch_dir", "manifest", "python3.12", "deps",
                                              binaries=workflow.binaries, architecture=ARM64)
    assert workflow.actions[1] is build_action_mock.return_value


@mock.patch("aws_lambda_builders.workflows.python_pip.workflow.PythonPipBuildAction")
def test_the_pip_action_gets_none_without_dependencies_dir(build_action_mock):
    make()

    build_action_mock.assert_called_once_with("artifacts", "scratch_dir", "manifest", "python3.12", None,
                                              binaries=mock.ANY, architecture=X86_64)


def test_the_pip_action_holds_the_binaries_computed_after_pip_was_chosen():
    workflow = make()
    [build] = [a for a in workflow.actions if isinstance(a, PythonPipBuildAction)]

    assert build.binaries is workflow.binaries
    assert isinstance(build.binaries["python"].validator, PythonRuntimeValidator)


def test_the_architecture_is_kept():
    assert make().architecture == "x86_64"
    assert make(architecture=ARM64).architecture == "arm64"


# --------------------------------------------------------------------------- log lines


def test_no_download_and_no_dependencies_dir_is_logged_exactly(caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        make(download_dependencies=False)

    infos = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.INFO]
    assert [r.getMessage() for r in infos] == [NO_DOWNLOAD_INFO]


def test_no_download_info_through_the_module_logger():
    with mock.patch.object(workflow_module.LOG, "info") as info_mock:
        make(download_dependencies=False)

    info_mock.assert_called_once_with(NO_DOWNLOAD_INFO)


@pytest.mark.parametrize("kwargs", [{}, {"download_dependencies": False, "dependencies_dir": "deps"},
                                    {"dependencies_dir": "deps"}])
def test_the_info_line_is_not_logged_otherwise(caplog, kwargs):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        make(**kwargs)

    assert [r for r in caplog.records if r.name == LOGGER] == []


def test_a_missing_manifest_is_warned_about_exactly_once(caplog):
    with caplog.at_level(logging.INFO, logger=LOGGER):
        make(manifest_exists=False)

    records = [r for r in caplog.records if r.name == LOGGER]
    assert [(r.levelno, r.getMessage()) for r in records] == [(logging.WARNING, NO_MANIFEST_WARNING)]


def test_a_whole_build_without_download_logs_the_info_line_once_and_no_other(tmp_path, caplog):
    source = tmp_path / "source"
    source.mkdir()
    (source / "app.py").write_text("print('hi')\n")
    (source / "requirements.txt").write_text("requests\n")
    with caplog.at_level(logging.DEBUG, logger="aws_lambda_builders"):
        workflow = PythonPipWorkflow(str(source), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                                     str(source / "requirements.txt"), runtime="python3.12",
                                     download_dependencies=False)
        workflow.run()

    infos = [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.INFO]
    assert infos == [NO_DOWNLOAD_INFO]
    assert sorted(p.name for p in (tmp_path / "artifacts").iterdir()) == ["app.py", "requirements.txt"]


def test_a_whole_build_without_a_manifest_warns_once(tmp_path, caplog):
    source = tmp_path / "source"
    source.mkdir()
    (source / "app.py").write_text("print('hi')\n")
    with caplog.at_level(logging.DEBUG, logger="aws_lambda_builders"):
        workflow = PythonPipWorkflow(str(source), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                                     str(source / "requirements.txt"), runtime="python3.12")
        workflow.run()

    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER and r.levelno >= logging.INFO]
    assert messages == [NO_MANIFEST_WARNING]
    assert (tmp_path / "artifacts" / "app.py").is_file()


# --------------------------------------------------------------------------- parent_python_packages


@pytest.mark.parametrize("manifest_exists", [True, False])
@pytest.mark.parametrize("value", ["a.b", "", None])
def test_the_parent_packages_action_comes_last_whenever_the_key_is_given(manifest_exists, value):
    options = {"parent_python_packages": value, "build_logical_id": "Fn"}
    workflow = make(manifest_exists=manifest_exists, options=options)

    last = workflow.actions[-1]
    assert isinstance(last, PythonCreateParentPackagesAction)
    assert (last.source_dir, last.dest_dir, last.options) == ("source", "artifacts", options)
    assert isinstance(workflow.actions[-2], CopySourceAction)


@pytest.mark.parametrize("options", [None, {}, {"build_logical_id": "Fn"}, [("parent_python_packages", "a")]])
def test_no_parent_packages_action_without_the_key(options):
    workflow = make(options=options)

    assert not any(isinstance(a, PythonCreateParentPackagesAction) for a in workflow.actions)


def test_the_actions_setter_stores_the_list_the_property_extends():
    workflow = make(options={"parent_python_packages": "a"})
    workflow.actions = ["one"]

    assert workflow.actions[0] == "one"
    assert len(workflow.actions) == 2
    assert workflow.actions[1] is not workflow.actions[1]  # a new action on every read


def test_a_whole_build_moves_the_source_under_the_parent_package(tmp_path):
    source = tmp_path / "source"
    (source / "lib").mkdir(parents=True)
    (source / "app.py").write_text("print('hi')\n")
    (source / "lib" / "util.py").write_text("x = 1\n")
    (source / ".venv").mkdir()

    PythonPipWorkflow(str(source), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                      str(source / "requirements.txt"), runtime="python3.12",
                      options={"parent_python_packages": "company.service"}).run()

    artifacts = tmp_path / "artifacts"
    assert [p.name for p in artifacts.iterdir()] == ["company"]
    assert sorted(p.name for p in (artifacts / "company" / "service").iterdir()) == ["app.py", "lib"]
    assert not (artifacts / "company" / "__init__.py").exists()


# --------------------------------------------------------------------------- resolvers and validators


@mock.patch("aws_lambda_builders.path_resolver.which")
def test_the_resolver_tries_the_running_interpreter_before_runtime_python_python3(which_mock, tmp_path):
    # differs from aws-lambda-builders: one named as the runtime in the search paths, then the interpreter
    # running this package (it resolves for the target), and only then PATH's, each of which would be run
    which_mock.side_effect = lambda name, executable_search_paths=None: ["/bin/" + name]
    workflow = make(executable_search_paths=[str(tmp_path)])
    [resolver] = workflow.get_resolvers()

    assert isinstance(resolver, PathResolver)
    assert (resolver.runtime, resolver.binary, resolver.additional_binaries, resolver.executable_search_paths) == (
        "python3.12", "python", ["python3"], [str(tmp_path)])
    assert resolver.exec_paths == [sys.executable, "/bin/python3.12", "/bin/python", "/bin/python3"]
    (tmp_path / "python3.12").write_text("#!/bin/sh\n")
    (tmp_path / "python3.12").chmod(0o755)
    assert resolver.exec_paths == [str(tmp_path / "python3.12"), sys.executable, "/bin/python3.12", "/bin/python",
                                   "/bin/python3"]
    assert which_mock.call_args_list[:3] == [mock.call(name, executable_search_paths=[str(tmp_path)])
                                             for name in ("python3.12", "python", "python3")]


@mock.patch("aws_lambda_builders.path_resolver.which", return_value=[])
def test_nothing_on_the_path_still_leaves_the_running_interpreter(which_mock):
    # differs from aws-lambda-builders: no "Path resolution ... was not successful" while this Python runs
    [resolver] = make().get_resolvers()

    assert resolver.exec_paths == [sys.executable]


@mock.patch("aws_lambda_builders.path_resolver.which", return_value=[])
def test_in_a_frozen_application_nothing_on_the_path_fails_as_upstream(which_mock, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # a PyInstaller SAM CLI: its executable is no Python
    [resolver] = make().get_resolvers()

    with pytest.raises(ValueError, match="Path resolution for runtime: python3.12 of binary: python was not"):
        resolver._which()


@pytest.mark.parametrize("runtime", ["python3", "python3.12.1", "pythonX"])
def test_a_runtime_without_exactly_one_dot_is_an_unsupported_runtime_at_run(tmp_path, runtime):
    # differs from aws-lambda-builders: no raw ValueError from get_resolvers (at construction when pip is used);
    # the runtime fails validation as any other unknown runtime does
    source = tmp_path / "source"
    source.mkdir()
    (source / "requirements.txt").write_text("requests\n")
    workflow = PythonPipWorkflow(str(source), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                                 str(source / "requirements.txt"), runtime=runtime)
    with mock.patch.object(PythonPipBuildAction, "execute") as execute_mock:
        with pytest.raises(WorkflowFailedError) as raised:
            workflow.run()

    assert str(raised.value) == "PythonPipBuilder:Validation - Runtime {} is not supported".format(runtime)
    execute_mock.assert_not_called()


def test_a_runtime_of_another_major_has_no_additional_binaries():
    workflow = make(manifest_exists=False, runtime="python2.7")

    [resolver] = workflow.get_resolvers()
    assert resolver.additional_binaries is None
    assert resolver.executables == ["python2.7", "python"]


def test_no_runtime_is_the_running_pythons():
    # differs from aws-lambda-builders: runtime None is the running Python's (upstream fails in get_resolvers)
    workflow = PythonPipWorkflow("source", "artifacts", "scratch_dir", "manifest", osutils=osutils())

    assert workflow.runtime == "python%d.%d" % sys.version_info[:2]


@mock.patch("aws_lambda_builders.workflows.python_pip.workflow.PythonRuntimeValidator")
def test_with_pip_the_validator_is_the_python_runtime_validator(validator_mock):
    workflow = make(architecture=ARM64)

    assert workflow.get_validators() == [validator_mock.return_value]
    validator_mock.assert_called_with(runtime="python3.12", architecture=ARM64)
    assert workflow.binaries["python"].validator is validator_mock.return_value


@pytest.mark.parametrize("kwargs", [{"download_dependencies": False}, {"manifest_exists": False}])
@mock.patch("aws_lambda_builders.workflows.python_pip.workflow.PythonRuntimeValidator")
def test_without_pip_the_validator_is_the_plain_runtime_validator(validator_mock, kwargs):
    workflow = make(**kwargs)

    [validator] = workflow.get_validators()
    assert type(validator) is RuntimeValidator
    assert (validator.runtime, validator.architecture) == ("python3.12", X86_64)
    validator_mock.assert_not_called()


def test_without_pip_an_unsupported_runtime_still_fails_validation(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    workflow = PythonPipWorkflow(str(source), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                                 str(source / "requirements.txt"), runtime="python2.8")

    with pytest.raises(WorkflowFailedError) as raised:
        workflow.run()

    assert str(raised.value) == "PythonPipBuilder:Validation - Runtime python2.8 is not supported"
    assert not (tmp_path / "artifacts").exists()


# --------------------------------------------------------------------------- build_in_source, experimental flags


def test_build_in_source_only_warns_and_builds_in_scratch(caplog):
    with caplog.at_level(logging.WARNING, logger="aws_lambda_builders.workflow"):
        workflow = make(build_in_source=True)

    assert workflow.build_dir == "scratch_dir"
    [record] = [r for r in caplog.records if r.name == "aws_lambda_builders.workflow"]
    assert record.getMessage() == ('Workflow PythonPipBuilder does not support value "True" for building in source. '
                                   'Using default value "False".')


@pytest.mark.parametrize("build_in_source", [None, False])
def test_no_warning_without_build_in_source(caplog, build_in_source):
    with caplog.at_level(logging.WARNING, logger="aws_lambda_builders.workflow"):
        make(build_in_source=build_in_source)

    assert [r for r in caplog.records if r.name == "aws_lambda_builders.workflow"] == []


def test_the_build_performance_flag_changes_no_action():
    plain = make(dependencies_dir="deps")
    flagged = make(dependencies_dir="deps", experimental_flags=["experimentalBuildPerformance"])

    assert kinds(flagged.actions) == kinds(plain.actions)
    assert not any(isinstance(a, LinkSourceAction) for a in flagged.actions)
    assert flagged.experimental_flags == ["experimentalBuildPerformance"]


def test_every_lambda_builder_keyword_is_accepted_and_the_unused_kept():
    workflow = make(unpatched_runtime="python3.12", optimizations={"x": 1}, mode="debug", is_building_layer=True,
                    executable_search_paths=["/p"])

    assert (workflow.unpatched_runtime, workflow.optimizations, workflow.mode, workflow.is_building_layer) == (
        "python3.12", {"x": 1}, "debug", True)


# --------------------------------------------------------------------------- run: outputs checked before any action


def test_an_output_that_would_destroy_the_source_fails_before_any_action(tmp_path):
    # differs from aws-lambda-builders: outputs are checked (and the source walked) before any action in run()
    source = tmp_path / "source"
    source.mkdir()
    (source / "requirements.txt").write_text("requests\n")
    workflow = PythonPipWorkflow(str(source), str(tmp_path), str(tmp_path / "scratch"),
                                 str(source / "requirements.txt"), runtime="python3.12")
    with mock.patch.object(PythonPipBuildAction, "execute") as execute_mock:
        with pytest.raises(WorkflowFailedError) as raised:
            workflow.run()

    assert str(raised.value).startswith("PythonPipBuilder:CheckOutput - ")
    execute_mock.assert_not_called()


def test_a_source_link_out_of_the_source_fails_before_any_action(tmp_path):
    # differs from aws-lambda-builders: the source is walked before pip runs; a link out of it is refused
    source = tmp_path / "source"
    source.mkdir()
    (source / "requirements.txt").write_text("requests\n")
    (tmp_path / "secret").write_text("s")
    (source / "leak").symlink_to(tmp_path / "secret")
    workflow = PythonPipWorkflow(str(source), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                                 str(source / "requirements.txt"), runtime="python3.12")
    with mock.patch.object(PythonPipBuildAction, "execute") as execute_mock:
        with pytest.raises(WorkflowFailedError) as raised:
            workflow.run()

    assert str(raised.value).startswith("PythonPipBuilder:CopySource - ")
    execute_mock.assert_not_called()
