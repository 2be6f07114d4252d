"""Public exceptions of the builder library, as aws-lambda-builders names them."""


class LambdaBuilderError(Exception):
    """Base of the library's errors; subclasses format ``MESSAGE`` with keyword arguments."""

    MESSAGE = ""

    def __init__(self, **kwargs: object) -> None:
        Exception.__init__(self, self.MESSAGE.format(**kwargs))
