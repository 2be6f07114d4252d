"""lambda-pip: build Python dependencies for AWS Lambda, drop-in for aws-lambda-builders' python_pip."""

__version__ = "0.1.0"

# The version of the JSON-RPC protocol of aws-lambda-builders that callers (AWS SAM CLI) speak, imported by
# them with the package.
RPC_PROTOCOL_VERSION = "0.3"
