"""BaseWorkflow (aws-lambda-builders' ``workflow``): the registering metaclass, the constructor, the build
directory, binaries, ``sanitize`` and the run loop."""

from __future__ import annotations

import logging
from unittest import mock

import pytest

from aws_lambda_builders.actions import ActionFailedError
from aws_lambda_builders.binary_path import BinaryPath
from aws_lambda_builders.exceptions import (MisMatchRuntimeError, RuntimeValidatorError, UnsupportedArchitectureError,
                                            UnsupportedRuntimeError, WorkflowFailedError, WorkflowUnknownError)
from aws_lambda_builders.path_resolver import PathResolver
from aws_lambda_builders.registry import Registry
from aws_lambda_builders.validator import RuntimeValidator
from aws_lambda_builders.workflow import (BaseWorkflow, BuildDirectory, BuildInSourceSupport, BuildMode, Capability,
                                          sanitize)

LOGGER = "aws_lambda_builders.workflow"
CAPABILITY = Capability(language="test", dependency_manager="testing", application_framework=None)


def make_workflow_class(build_in_source_support=BuildInSourceSupport.NOT_SUPPORTED,
                        default_build_dir=BuildDirectory.SCRATCH, manifests=()):
    class MyWorkflow(BaseWorkflow):
        __TESTING__ = True
        NAME = "MyWorkflow"
        CAPABILITY = Capability(language="test", dependency_manager="testing", application_framework=None)
        SUPPORTED_MANIFESTS = list(manifests)
        BUILD_IN_SOURCE_SUPPORT = build_in_source_support
        DEFAULT_BUILD_DIR = default_build_dir

    return MyWorkflow


def make_workflow(**kwargs):
    return make_workflow_class()("source_dir", "artifacts_dir", "scratch_dir", "manifest_path", **kwargs)


def action(name="Action", effect=None):
    made = mock.Mock()
    made.NAME = name
    made.execute.side_effect = effect
    return made


# --------------------------------------------------------------------------- the metaclass


@pytest.fixture
def fresh_registry():
    registry = Registry()
    with mock.patch("aws_lambda_builders.workflow.DEFAULT_REGISTRY", registry):
        yield registry


def test_a_complete_workflow_class_registers_itself(fresh_registry):
    class RegisteredWorkflow(BaseWorkflow):
        NAME = "RegisteredWorkflow"
        CAPABILITY = CAPABILITY
        BUILD_IN_SOURCE_SUPPORT = BuildInSourceSupport.NOT_SUPPORTED
        DEFAULT_BUILD_DIR = BuildDirectory.SCRATCH

    assert fresh_registry[CAPABILITY] is RegisteredWorkflow
    assert len(fresh_registry) == 1


def test_a_testing_workflow_class_is_not_checked_nor_registered(fresh_registry):
    class Testing(BaseWorkflow):
        __TESTING__ = True

    assert len(fresh_registry) == 0
    assert Testing.NAME is None


def test_a_class_named_base_workflow_is_not_registered(fresh_registry):
    type("BaseWorkflow", (BaseWorkflow,), {})

    assert len(fresh_registry) == 0


@pytest.mark.parametrize("attributes, message", [
    ({"NAME": None}, "Workflow must provide a valid name"),
    ({"NAME": 1, "CAPABILITY": "not checked yet"}, "Workflow must provide a valid name"),
    ({"CAPABILITY": ("test", "testing", None)}, "Workflow 'Incomplete' must register valid capabilities"),
    ({"BUILD_IN_SOURCE_SUPPORT": [False]}, "Workflow 'Incomplete' must define supported values for build in source"),
    ({"DEFAULT_BUILD_DIR": "scratch"}, "Workflow 'Incomplete' must define default build directory"),
    ({"BUILD_IN_SOURCE_SUPPORT": None, "DEFAULT_BUILD_DIR": None},
     "Workflow 'Incomplete' must define supported values for build in source"),
])
def test_an_incomplete_workflow_class_is_refused_with_the_first_missing_item(fresh_registry, attributes, message):
    body = {"NAME": "Incomplete", "CAPABILITY": CAPABILITY,
            "BUILD_IN_SOURCE_SUPPORT": BuildInSourceSupport.NOT_SUPPORTED,
            "DEFAULT_BUILD_DIR": BuildDirectory.SCRATCH}
    body.update(attributes)

    with pytest.raises(ValueError) as raised:
        type("Incomplete", (BaseWorkflow,), body)

    assert str(raised.value) == message
    assert len(fresh_registry) == 0


def test_a_second_class_for_the_same_capability_is_refused(fresh_registry):
    body = {"NAME": "W", "CAPABILITY": CAPABILITY, "BUILD_IN_SOURCE_SUPPORT": BuildInSourceSupport.NOT_SUPPORTED,
            "DEFAULT_BUILD_DIR": BuildDirectory.SCRATCH}
    type("First", (BaseWorkflow,), dict(body))

    with pytest.raises(KeyError):
        type("Second", (BaseWorkflow,), dict(body))


# --------------------------------------------------------------------------- class attributes and constructor


def test_base_workflow_class_attributes():
    assert BaseWorkflow.__TESTING__ is False
    assert BaseWorkflow.NAME is None
    assert BaseWorkflow.CAPABILITY is None
    assert BaseWorkflow.SUPPORTED_MANIFESTS == []
    assert BaseWorkflow.BUILD_IN_SOURCE_SUPPORT is None
    assert BaseWorkflow.DEFAULT_BUILD_DIR is None


def test_the_constructor_stores_every_argument_without_io():
    with mock.patch("aws_lambda_builders.workflow.os") as os_mock:
        workflow = make_workflow(runtime="python3.12", executable_search_paths=["/p"], optimizations={"o": 1},
                                 options={"k": "v"}, mode=BuildMode.DEBUG, download_dependencies=False,
                                 dependencies_dir="deps", combine_dependencies=False, architecture="arm64",
                                 is_building_layer=True, experimental_flags=["flag"], build_in_source=False,
                                 unpatched_runtime="python3.12")

    assert os_mock.mock_calls == []
    assert (workflow.source_dir, workflow.artifacts_dir, workflow.scratch_dir, workflow.manifest_path) == (
        "source_dir", "artifacts_dir", "scratch_dir", "manifest_path")
    assert workflow.runtime == "python3.12"
    assert workflow.executable_search_paths == ["/p"]
    assert workflow.optimizations == {"o": 1}
    assert workflow.options == {"k": "v"}
    assert workflow.mode == "debug"
    assert workflow.download_dependencies is False
    assert workflow.dependencies_dir == "deps"
    assert workflow.combine_dependencies is False
    assert workflow.architecture == "arm64"
    assert workflow.is_building_layer is True
    assert workflow.experimental_flags == ["flag"]
    assert workflow.unpatched_runtime == "python3.12"
    assert workflow.actions == []
    assert workflow._binaries == {}


def test_the_constructor_defaults():
    workflow = make_workflow()

    assert workflow.runtime is None
    assert workflow.executable_search_paths is None
    assert workflow.optimizations is None
    assert workflow.options is None
    assert workflow.mode == BuildMode.RELEASE
    assert workflow.download_dependencies is True
    assert workflow.dependencies_dir is None
    assert workflow.combine_dependencies is True
    assert workflow.architecture == "x86_64"
    assert workflow.is_building_layer is False
    assert workflow.experimental_flags == []
    assert workflow.unpatched_runtime is None


@pytest.mark.parametrize("flags", [None, []])
def test_no_experimental_flags_is_an_empty_list(flags):
    assert make_workflow(experimental_flags=flags).experimental_flags == []


# --------------------------------------------------------------------------- build_dir


@pytest.mark.parametrize("default, expected", [
    (BuildDirectory.SCRATCH, "scratch_dir"),
    (BuildDirectory.ARTIFACTS, "artifacts_dir"),
    (BuildDirectory.SOURCE, "source_dir"),
])
def test_the_default_build_dir_is_used_when_build_in_source_is_not_given(caplog, default, expected):
    cls = make_workflow_class(BuildInSourceSupport.OPTIONALLY_SUPPORTED, default)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        workflow = cls("source_dir", "artifacts_dir", "scratch_dir", "manifest_path")

    assert workflow.build_dir == expected
    assert caplog.records == []


@pytest.mark.parametrize("support, build_in_source, expected", [
    (BuildInSourceSupport.OPTIONALLY_SUPPORTED, True, "source_dir"),
    (BuildInSourceSupport.OPTIONALLY_SUPPORTED, False, "scratch_dir"),
    (BuildInSourceSupport.EXCLUSIVELY_SUPPORTED, True, "source_dir"),
    (BuildInSourceSupport.NOT_SUPPORTED, False, "scratch_dir"),
])
def test_a_supported_build_in_source_value_is_followed_silently(caplog, support, build_in_source, expected):
    cls = make_workflow_class(support, BuildDirectory.SCRATCH)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        workflow = cls("source_dir", "artifacts_dir", "scratch_dir", "manifest_path",
                       build_in_source=build_in_source)

    assert workflow.build_dir == expected
    assert caplog.records == []


@pytest.mark.parametrize("support, default, build_in_source, expected, default_value", [
    (BuildInSourceSupport.NOT_SUPPORTED, BuildDirectory.SCRATCH, True, "scratch_dir", False),
    (BuildInSourceSupport.NOT_SUPPORTED, BuildDirectory.ARTIFACTS, True, "artifacts_dir", False),
    (BuildInSourceSupport.EXCLUSIVELY_SUPPORTED, BuildDirectory.SOURCE, False, "source_dir", True),
])
def test_an_unsupported_build_in_source_value_warns_and_uses_the_default(caplog, support, default,
                                                                          build_in_source, expected, default_value):
    cls = make_workflow_class(support, default)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        workflow = cls("source_dir", "artifacts_dir", "scratch_dir", "manifest_path",
                       build_in_source=build_in_source)

    assert workflow.build_dir == expected
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.msg == ('Workflow %s does not support value "%s" for building in source. '
                          'Using default value "%s".')
    assert record.args == ("MyWorkflow", build_in_source, default_value)


# --------------------------------------------------------------------------- is_supported, resolvers, validators


def test_is_supported_compares_the_manifest_basename():
    cls = make_workflow_class(manifests=["requirements.txt"])

    assert cls("s", "a", "t", "/path/to/requirements.txt").is_supported() is True
    assert cls("s", "a", "t", "/path/to/package.json").is_supported() is False


def test_is_supported_is_true_without_listed_manifests():
    assert make_workflow().is_supported() is True


def test_get_resolvers_is_one_path_resolver_of_the_language():
    workflow = make_workflow(runtime="python3.12", executable_search_paths=["/search"])

    [resolver] = workflow.get_resolvers()

    assert isinstance(resolver, PathResolver)
    assert (resolver.runtime, resolver.binary, resolver.executable_search_paths) == ("python3.12", "test",
                                                                                      ["/search"])
    assert resolver.additional_binaries is None


def test_get_validators_is_one_runtime_validator():
    [validator] = make_workflow(runtime="python3.12", architecture="arm64").get_validators()

    assert type(validator) is RuntimeValidator
    assert (validator.runtime, validator.architecture) == ("python3.12", "arm64")


def test_binaries_pairs_resolvers_with_validators_by_binary_and_caches_them():
    workflow = make_workflow(runtime="python3.12")
    resolver = mock.Mock(binary="python")
    validator = mock.Mock()
    with mock.patch.object(workflow, "get_resolvers", return_value=[resolver]) as get_resolvers, \
            mock.patch.object(workflow, "get_validators", return_value=[validator]):
        first = workflow.binaries
        second = workflow.binaries

    assert list(first) == ["python"]
    assert isinstance(first["python"], BinaryPath)
    assert first["python"].resolver is resolver
    assert first["python"].validator is validator
    assert first["python"].binary == "python"
    assert first["python"].path_provided is False
    assert second is first
    get_resolvers.assert_called_once_with()


def test_binaries_can_be_assigned():
    workflow = make_workflow()
    given = {"python": mock.Mock()}

    workflow.binaries = given

    assert workflow.binaries is given


def test_repr_lists_the_actions_exactly():
    workflow = make_workflow()
    workflow.actions = ["Action1", "Action2"]

    assert repr(workflow) == "Workflow=MyWorkflow\nActions=\n\tAction1\n\tAction2"


# --------------------------------------------------------------------------- sanitize


def binary(paths=None, validate=None, provided=None):
    resolver = mock.Mock()
    if isinstance(paths, Exception):
        type(resolver).exec_paths = mock.PropertyMock(side_effect=paths)
    else:
        resolver.exec_paths = paths
    validator = mock.Mock()
    validator.validate.side_effect = validate
    return BinaryPath(resolver=resolver, validator=validator, binary="python", binary_path=provided)


def workflow_with(binaries, actions=None):
    workflow = make_workflow(runtime="python3.12")
    workflow.binaries = binaries
    workflow.actions = actions if actions is not None else [action()]
    return workflow


def test_the_first_valid_path_is_chosen_and_the_rest_not_tried():
    python = binary(["/a/python", "/b/python", "/c/python"],
                    validate=[MisMatchRuntimeError(language="python", required_runtime="python3.12",
                                                   runtime_path="/a/python"), "/b/python", "/c/python"])
    workflow = workflow_with({"python": python})

    workflow.run()

    assert python.validator.validate.call_args_list == [mock.call("/a/python"), mock.call("/b/python")]
    assert python.binary_path == "/b/python"


def test_a_falsy_validation_result_goes_on_to_the_next_path():
    python = binary(["/a/python", "/b/python"], validate=[None, "/b/python"])
    workflow = workflow_with({"python": python})

    workflow.run()

    assert python.binary_path == "/b/python"


def test_a_provided_binary_path_is_validated_instead_of_resolving():
    # differs from aws-lambda-builders: a provided string is one path (upstream iterates its characters)
    python = binary(["/resolved/python"], validate=lambda path: path, provided="/given/python")
    workflow = workflow_with({"python": python})

    workflow.run()

    python.validator.validate.assert_called_once_with("/given/python")
    assert python.binary_path == "/given/python"


def test_a_provided_list_of_paths_is_tried_in_order():
    python = binary([], validate=[None, "/second"], provided=["/first", "/second"])
    workflow = workflow_with({"python": python})

    workflow.run()

    assert python.validator.validate.call_args_list == [mock.call("/first"), mock.call("/second")]


def test_a_resolution_failure_is_a_resolver_workflow_failure():
    python = binary(ValueError("Path resolution for runtime: python3.12 of binary: python was not successful"))
    first = action()
    workflow = workflow_with({"python": python}, [first])

    with pytest.raises(WorkflowFailedError) as raised:
        workflow.run()

    assert str(raised.value) == ("MyWorkflow:Resolver - Path resolution for runtime: python3.12 of binary: python "
                                 "was not successful")
    first.execute.assert_not_called()


def test_runtime_validator_errors_are_collected_once_and_joined():
    python = binary(["/a", "/b"], validate=UnsupportedRuntimeError(runtime="python2.8"))
    node = binary(["/n"], validate=UnsupportedArchitectureError(runtime="nodejs20.x", architecture="x"))
    first = action()
    workflow = workflow_with({"python": python, "node": node}, [first])

    with pytest.raises(WorkflowFailedError) as raised:
        workflow.run()

    assert str(raised.value) == ("MyWorkflow:Validation - Runtime python2.8 is not supported\n"
                                 "Architecture x is not supported for runtime nodejs20.x")
    assert python.validator.validate.call_count == 2
    first.execute.assert_not_called()


def test_a_plain_runtime_validator_error_is_collected():
    python = binary(["/a"], validate=RuntimeValidatorError(runtime="python3.12"))

    with pytest.raises(WorkflowFailedError) as raised:
        workflow_with({"python": python}).run()

    assert str(raised.value) == "MyWorkflow:Validation - Runtime validation error for python3.12"


def test_no_valid_path_names_every_mismatched_path_exactly():
    mismatch = MisMatchRuntimeError(language="python", required_runtime="python3.12", runtime_path="x")
    python = binary(["/a/python", "/b/python"], validate=mismatch)
    first = action()

    with pytest.raises(WorkflowFailedError) as raised:
        workflow_with({"python": python}, [first]).run()

    assert str(raised.value) == (
        "MyWorkflow:Validation - Binary validation failed for python, searched for python in following locations  : "
        "['/a/python', '/b/python'] which did not satisfy constraints for runtime: python3.12. Do you have python "
        "for runtime: python3.12 on your PATH?")
    first.execute.assert_not_called()


def test_a_binary_with_only_falsy_results_fails_with_an_empty_list():
    python = binary(["/a/python"], validate=[None])

    with pytest.raises(WorkflowFailedError) as raised:
        workflow_with({"python": python}).run()

    assert "in following locations  : [] which did not satisfy" in str(raised.value)


def test_an_unexpected_validator_error_propagates_unwrapped():
    python = binary(["/a/python"], validate=OSError("boom"))

    with pytest.raises(OSError, match="boom"):
        workflow_with({"python": python}).run()


def test_sanitize_calls_the_wrapped_function_after_validation():
    calls = []

    class Checked:
        NAME = "Checked"
        runtime = "python3.12"
        binaries = {"python": binary(["/a"], validate=lambda path: calls.append(("validate", path)) or path)}

        @sanitize
        def run(self, value, key=None):
            calls.append(("run", value, key))
            return "result"

    assert Checked().run(1, key=2) == "result"
    assert calls == [("validate", "/a"), ("run", 1, 2)]


# --------------------------------------------------------------------------- the run loop


def test_a_workflow_without_actions_fails_exactly():
    with pytest.raises(WorkflowFailedError) as raised:
        workflow_with({}, actions=[]).run()

    assert str(raised.value) == "MyWorkflow:None - Workflow does not have any actions registered"


def test_the_actions_run_in_order_without_arguments():
    order = []
    actions = [action("A", lambda: order.append("A")), action("B", lambda: order.append("B"))]

    assert workflow_with({}, actions).run() is None

    assert order == ["A", "B"]
    for each in actions:
        each.execute.assert_called_once_with()


def test_each_action_is_logged_at_info_before_it_runs(caplog):
    actions = [action("A"), action("B")]
    with caplog.at_level(logging.INFO, logger=LOGGER):
        workflow_with({}, actions).run()

    infos = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.INFO]
    assert [r.msg for r in infos] == ["%s Running %s", "%s Running %s"]
    assert [r.args for r in infos] == [("", "MyWorkflow:A"), ("", "MyWorkflow:B")]


@pytest.mark.parametrize("options, prefix", [
    ({"build_logical_id": "HelloFunction"}, "HelloFunction:"),
    ({"other": 1}, ""),
    ({}, ""),
])
def test_the_info_line_names_the_function_being_built(caplog, options, prefix):
    workflow = workflow_with({}, [action("A")])
    workflow.options = options
    with caplog.at_level(logging.INFO, logger=LOGGER):
        workflow.run()

    [info] = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.INFO]
    assert info.args == (prefix, "MyWorkflow:A")


def test_an_action_failure_is_a_workflow_failure_and_stops_the_run():
    third = action("C")
    actions = [action("A"), action("B", ActionFailedError("it broke")), third]

    with pytest.raises(WorkflowFailedError) as raised:
        workflow_with({}, actions).run()

    assert str(raised.value) == "MyWorkflow:B - it broke"
    third.execute.assert_not_called()


def test_any_other_exception_is_a_workflow_unknown_error():
    third = action("C")
    actions = [action("A"), action("B", ValueError("unexpected")), third]

    with pytest.raises(WorkflowUnknownError) as raised:
        workflow_with({}, actions).run()

    assert str(raised.value) == "MyWorkflow:B - unexpected"
    third.execute.assert_not_called()


def test_actions_run_only_after_every_binary_is_valid():
    order = []
    python = binary(["/a"], validate=lambda path: order.append("validate") or path)
    workflow = workflow_with({"python": python}, [action("A", lambda: order.append("A"))])

    workflow.run()

    assert order == ["validate", "A"]
