"""The registry of workflow classes (aws-lambda-builders' ``registry``): keys, locking, lookup."""

from __future__ import annotations

from unittest import mock

import pytest

from aws_lambda_builders.exceptions import WorkflowNotFoundError
from aws_lambda_builders.registry import DEFAULT_REGISTRY, Registry, get_workflow
from aws_lambda_builders.workflow import Capability
from aws_lambda_builders.workflows.python_pip.workflow import PythonPipWorkflow


def test_a_new_registry_is_empty_with_its_own_lock():
    registry = Registry()

    assert len(registry) == 0
    assert registry._data == {}
    assert hasattr(registry._write_lock, "acquire") and hasattr(registry._write_lock, "release")


def test_a_given_write_lock_is_kept():
    lock = mock.Mock()

    assert Registry(write_lock=lock)._write_lock is lock


@pytest.mark.parametrize("capability, key", [
    (Capability(language="python", dependency_manager="pip", application_framework=None), "python_pip_"),
    (Capability(language="Python", dependency_manager="PIP", application_framework="Chalice"), "python_pip_chalice"),
    (Capability(language=None, dependency_manager=None, application_framework=None), "__"),
])
def test_the_key_joins_the_lowered_capability_with_none_as_empty(capability, key):
    registry = Registry()
    registry[capability] = "workflow"

    assert list(registry._data) == [key]


def test_lookup_is_case_insensitive_and_none_is_the_empty_string():
    registry = Registry()
    registry[Capability(language="Python", dependency_manager="Pip", application_framework="")] = "workflow"

    same = Capability(language="python", dependency_manager="pip", application_framework=None)
    assert same in registry
    assert registry[same] == "workflow"
    assert len(registry) == 1


def test_an_absent_capability_is_a_key_error_and_not_contained():
    registry = Registry()
    capability = Capability(language="python", dependency_manager="pip", application_framework=None)

    assert capability not in registry
    with pytest.raises(KeyError):
        registry[capability]


def test_adding_acquires_then_releases_the_lock_and_nothing_else():
    lock = mock.Mock()
    registry = Registry(write_lock=lock)

    registry[Capability(language="a", dependency_manager="b", application_framework="c")] = "workflow"

    assert lock.method_calls == [mock.call.acquire(), mock.call.release()]


def test_a_capability_is_registered_once_and_the_lock_is_released_on_the_refusal():
    lock = mock.Mock()
    registry = Registry(write_lock=lock)
    capability = Capability(language="python", dependency_manager="pip", application_framework=None)
    registry[capability] = "first"
    lock.reset_mock()

    with pytest.raises(KeyError) as raised:
        registry[Capability(language="PYTHON", dependency_manager="pip", application_framework="")] = "second"

    assert raised.value.args == ("A workflow with given capabilities 'python_pip_' is already registered",)
    assert lock.method_calls == [mock.call.acquire(), mock.call.release()]
    assert registry[capability] == "first"


def test_reading_does_not_lock():
    lock = mock.Mock()
    registry = Registry(write_lock=lock)
    capability = Capability(language="a", dependency_manager="b", application_framework=None)
    registry[capability] = "workflow"
    lock.reset_mock()

    assert registry[capability] == "workflow"
    assert capability in registry
    assert len(registry) == 1
    assert lock.method_calls == []


def test_clear_empties_under_the_lock():
    lock = mock.Mock()
    registry = Registry(write_lock=lock)
    registry[Capability(language="a", dependency_manager="b", application_framework=None)] = "workflow"
    lock.reset_mock()

    registry.clear()

    assert len(registry) == 0
    assert lock.method_calls == [mock.call.acquire(), mock.call.release()]


def test_get_workflow_returns_the_class_registered_in_the_given_registry():
    registry = Registry()
    capability = Capability(language="python", dependency_manager="pip", application_framework=None)
    registry[capability] = "workflow"

    assert get_workflow(capability, registry=registry) == "workflow"


def test_get_workflow_of_an_absent_capability_names_it():
    capability = Capability(language="go", dependency_manager="modules", application_framework=None)

    with pytest.raises(WorkflowNotFoundError) as raised:
        get_workflow(capability, registry=Registry())

    assert str(raised.value) == "Unable to find a workflow matching given capability: go, modules, None"


def test_the_default_registry_holds_the_python_pip_workflow():
    capability = Capability(language="python", dependency_manager="pip", application_framework=None)

    assert get_workflow(capability) is PythonPipWorkflow
    assert DEFAULT_REGISTRY[capability] is PythonPipWorkflow
