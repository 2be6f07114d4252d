"""lambda-pip: build Python dependencies for AWS Lambda, drop-in for aws-lambda-builders' python_pip."""

__version__ = "0.1.0"
