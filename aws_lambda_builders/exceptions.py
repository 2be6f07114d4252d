"""Public exceptions of the builder library, with aws-lambda-builders' names and exact texts.

Each class formats its ``MESSAGE`` with the keyword arguments it is raised with.
A ``hint`` (what to do about it) is kept beside the message, never inside it,
so that callers comparing aws-lambda-builders' text still match.
"""


def explain(error: BaseException) -> str:
    """The error's message followed by its hint (what to do), as the command line and the workflows show it."""
    message = str(error)
    hint = getattr(error, "hint", "")
    if hint and isinstance(hint, str) and hint not in message:
        return f"{message}\n{hint}"
    return message


class LambdaBuilderError(Exception):
    """Base of the library's errors; subclasses format ``MESSAGE`` with keyword arguments."""

    MESSAGE = ""
    hint = ""

    def __init__(self, **kwargs: object) -> None:
        Exception.__init__(self, self.MESSAGE.format(**kwargs))


class UnsupportedManifestError(LambdaBuilderError):
    MESSAGE = "A builder for the given capabilities '{capabilities}' was not found"


class MisMatchRuntimeError(LambdaBuilderError):
    """An interpreter found on the search path is not of the runtime's version."""

    MESSAGE = (
        "{language} executable found in your path does not match runtime. "
        "\n Expected version: {required_runtime}, Found a different version at {runtime_path}. "
        "\n Possibly related: https://github.com/awslabs/aws-lambda-builders/issues/30"
    )


class RuntimeValidatorError(LambdaBuilderError):
    """The runtime or architecture asked for is not one Lambda has."""

    MESSAGE = "Runtime validation error for {runtime}"


class UnsupportedRuntimeError(RuntimeValidatorError):
    MESSAGE = "Runtime {runtime} is not supported"


class UnsupportedArchitectureError(RuntimeValidatorError):
    MESSAGE = "Architecture {architecture} is not supported for runtime {runtime}"


class WorkflowNotFoundError(LambdaBuilderError):
    """No workflow builds for the language, dependency manager and framework asked for."""

    MESSAGE = ("Unable to find a workflow matching given capability: {language}, {dependency_manager}, "
               "{application_framework}")
    hint = ("This package builds Python functions with pip only (capability python, pip). For the other "
            "languages of a project, keep the stock aws-lambda-builders and build the Python functions with "
            "`BuildMethod: makefile` running `lambda-pip build` (see the README, \"Projects that mix languages\").")


class WorkflowFailedError(LambdaBuilderError):
    """A workflow's action failed; ``reason`` says why and what to do."""

    MESSAGE = "{workflow_name}:{action_name} - {reason}"


class WorkflowUnknownError(LambdaBuilderError):
    """A workflow's action failed with an error nobody anticipated (a defect, or the machine)."""

    MESSAGE = "{workflow_name}:{action_name} - {reason}"
