"""aws_lambda_builders.exceptions: the hierarchy and the exact texts callers compare."""

from __future__ import annotations

import pytest

from aws_lambda_builders import exceptions
from aws_lambda_builders.exceptions import (LambdaBuilderError, MisMatchRuntimeError, RuntimeValidatorError,
                                            UnsupportedArchitectureError, UnsupportedManifestError,
                                            UnsupportedRuntimeError, WorkflowFailedError, WorkflowNotFoundError,
                                            WorkflowUnknownError)


def test_the_base_error_formats_an_empty_message():
    assert LambdaBuilderError.MESSAGE == ""
    assert str(LambdaBuilderError()) == ""
    assert issubclass(LambdaBuilderError, Exception)


def test_the_constructor_takes_keywords_only():
    with pytest.raises(TypeError):
        WorkflowFailedError("PythonPipBuilder", "Validation", "reason")


@pytest.mark.parametrize("cls, base", [
    (UnsupportedManifestError, LambdaBuilderError),
    (MisMatchRuntimeError, LambdaBuilderError),
    (RuntimeValidatorError, LambdaBuilderError),
    (UnsupportedRuntimeError, RuntimeValidatorError),
    (UnsupportedArchitectureError, RuntimeValidatorError),
    (WorkflowNotFoundError, LambdaBuilderError),
    (WorkflowFailedError, LambdaBuilderError),
    (WorkflowUnknownError, LambdaBuilderError),
])
def test_the_hierarchy(cls, base):
    assert issubclass(cls, base)
    assert getattr(exceptions, cls.__name__) is cls


@pytest.mark.parametrize("error, text", [
    (UnsupportedManifestError(capabilities="python_pip_"),
     "A builder for the given capabilities 'python_pip_' was not found"),
    (MisMatchRuntimeError(language="python", required_runtime="python3.12", runtime_path="/usr/bin/python3"),
     "python executable found in your path does not match runtime. \n Expected version: python3.12, Found a "
     "different version at /usr/bin/python3. \n Possibly related: "
     "https://github.com/awslabs/aws-lambda-builders/issues/30"),
    (RuntimeValidatorError(runtime="python3.12"), "Runtime validation error for python3.12"),
    (UnsupportedRuntimeError(runtime="python2.8"), "Runtime python2.8 is not supported"),
    (UnsupportedArchitectureError(runtime="python3.12", architecture="invalid_arch"),
     "Architecture invalid_arch is not supported for runtime python3.12"),
    (WorkflowNotFoundError(language="nodejs", dependency_manager="npm", application_framework=None),
     "Unable to find a workflow matching given capability: nodejs, npm, None"),
    (WorkflowFailedError(workflow_name="PythonPipBuilder", action_name="ResolveDependencies", reason="it broke"),
     "PythonPipBuilder:ResolveDependencies - it broke"),
    (WorkflowUnknownError(workflow_name="PythonPipBuilder", action_name=None, reason="unexpected"),
     "PythonPipBuilder:None - unexpected"),
])
def test_the_exact_texts(error, text):
    assert str(error) == text
    assert error.args == (text,)


def test_a_missing_keyword_is_a_key_error():
    with pytest.raises(KeyError):
        WorkflowFailedError(workflow_name="W", action_name="A")


def test_hints_are_kept_beside_the_message():
    # differs from aws-lambda-builders: a ``hint`` attribute (empty by default) says what to do, outside the text
    assert LambdaBuilderError.hint == ""
    error = WorkflowNotFoundError(language="go", dependency_manager="modules", application_framework=None)
    assert error.hint and error.hint not in str(error)
