"""Public exceptions of the builder library, as aws-lambda-builders names them."""


class LambdaBuilderError(Exception):
    """Base of the library's errors; subclasses format ``MESSAGE`` with keyword arguments."""

    MESSAGE = ""

    def __init__(self, **kwargs: object) -> None:
        Exception.__init__(self, self.MESSAGE.format(**kwargs))


class WorkflowNotFoundError(LambdaBuilderError):
    """No workflow builds for the language, dependency manager and framework asked for."""

    MESSAGE = ("Unable to find a workflow matching given capability: {language}, {dependency_manager}, "
               "{application_framework}. This library builds Python functions with pip only.")


class WorkflowFailedError(LambdaBuilderError):
    """A workflow's action failed; ``reason`` says why and what to do."""

    MESSAGE = "{workflow_name}:{action_name} - {reason}"
