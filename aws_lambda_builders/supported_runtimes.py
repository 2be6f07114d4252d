"""The Lambda runtimes aws-lambda-builders knows, by language, and the architectures each runs on.

Only the Python ones are built here; the others are listed because callers
import the lists (and the table validates a runtime before any workflow runs).
"""

from aws_lambda_builders.architecture import ARM64, X86_64

NODEJS_RUNTIMES = ["nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x"]
# python3.15 is Lambda's preview runtime (aws-lambda-builders 1.69 added it).
PYTHON_RUNTIMES = ["python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
                   "python3.15"]
RUBY_RUNTIMES = ["ruby3.2", "ruby3.3", "ruby3.4"]
JAVA_RUNTIMES = ["java8", "java11", "java17", "java21", "java25"]
GO_RUNTIMES = ["go1.x"]
DOTNET_RUNTIMES = ["dotnet6", "dotnet8", "dotnet10"]
CUSTOM_RUNTIMES = ["provided", "provided.al2", "provided.al2023"]

ALL_RUNTIMES = (NODEJS_RUNTIMES + PYTHON_RUNTIMES + RUBY_RUNTIMES + JAVA_RUNTIMES + GO_RUNTIMES + DOTNET_RUNTIMES
                + CUSTOM_RUNTIMES)

RUNTIME_ARCHITECTURES = {runtime: [ARM64, X86_64] for runtime in ALL_RUNTIMES}
