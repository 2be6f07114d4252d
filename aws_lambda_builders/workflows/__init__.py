"""The bundled workflows: importing this package registers each of them (the Python/pip one here)."""

import aws_lambda_builders.workflows.python_pip.workflow  # noqa: F401 - registers PythonPipWorkflow
