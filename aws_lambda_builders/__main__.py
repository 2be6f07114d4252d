"""The JSON-RPC interface of aws-lambda-builders: ``python -m aws_lambda_builders`` and ``lambda-builders``.

AWS SAM CLI's container builds run ``lambda-builders '<request JSON>'`` inside the build image: one
``LambdaBuilder.build`` request per process, from the first argument or else from stdin, answered with one
JSON-RPC response on stdout (nothing else is ever written there; logging goes to stderr at the level
``LAMBDA_BUILDERS_LOG_LEVEL`` gives, a number). The exit code is 0 for a result and 1 for an error response.

A request that cannot be answered at all (not JSON; no ``id``, ``method``, ``params``, ``params.capability`` or
``params.__protocol_version``) ends in a traceback with exit code 1 and an empty stdout, as aws-lambda-builders'
does. The lambda-pip command line is ``lambda-pip`` (or ``python -m aws_lambda_builders.cli``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from typing import Any, Dict, NoReturn, Tuple

from aws_lambda_builders import RPC_PROTOCOL_VERSION
from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.builder import LambdaBuilder
from aws_lambda_builders.exceptions import WorkflowFailedError, WorkflowNotFoundError, WorkflowUnknownError

# A numeric level, as SAM sets it; a level name fails here, as it does in aws-lambda-builders.
log_level = int(os.environ.get("LAMBDA_BUILDERS_LOG_LEVEL", logging.INFO))

# stderr, because stdout carries the response and nothing else.
logging.basicConfig(stream=sys.stderr, level=log_level, format="%(message)s")

LOG = logging.getLogger(__name__)

# The dot is unescaped in aws-lambda-builders' pattern too: "0x3" matches and then fails float() (505 all the same).
VERSION_REGEX = re.compile("^([0-9])+.([0-9]+)$")

BUILD_METHOD = "LambdaBuilder.build"
METHOD_UNAVAILABLE = -32601
UNSUPPORTED_PROTOCOL_VERSION = 505
WORKFLOW_ERROR = 400
INTERNAL_ERROR = 500

Response = Tuple[str, int]
"""A response document (no trailing newline) and the exit code that goes with it."""


def success_response(request_id: Any, artifacts_dir: Any) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "result": {"artifacts_dir": artifacts_dir}})


def error_response(request_id: Any, code: int, message: str) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}})


def _parse_version(version: str) -> float:
    """``"X.Y"`` as a number; ``ValueError`` when it is not of that form.

    Anything but a string (a missing ``__protocol_version`` included) raises ``TypeError``: not answered.
    """
    if not VERSION_REGEX.match(version):
        message = f"Protocol Version does not match : {VERSION_REGEX.pattern}"
        LOG.debug(message)
        raise ValueError(message)
    return float(version)


def version_compatibility_check(version: float) -> None:
    """Refuse (``ValueError``) a protocol version newer than the one spoken here; older and equal ones are fine."""
    if _parse_version(RPC_PROTOCOL_VERSION) < version:
        message = f"Incompatible Protocol Version : {version}, Current Protocol Version: {RPC_PROTOCOL_VERSION}"
        LOG.error(message)
        raise ValueError(message)


def _build(capability: Dict[str, Any], params: Dict[str, Any]) -> None:
    """The request's parameters to ``LambdaBuilder`` and its ``build``; a missing required key is a ``KeyError``."""
    builder = LambdaBuilder(language=capability["language"], dependency_manager=capability["dependency_manager"],
                            application_framework=capability["application_framework"],
                            supported_workflows=params.get("supported_workflows"))
    builder.build(
        params["source_dir"], params["artifacts_dir"], params["scratch_dir"], params["manifest_path"],
        runtime=params["runtime"], optimizations=params["optimizations"], options=params["options"],
        executable_search_paths=params.get("executable_search_paths"), mode=params.get("mode"),
        download_dependencies=params.get("download_dependencies", True),
        dependencies_dir=params.get("dependencies_dir"),
        combine_dependencies=params.get("combine_dependencies", True),
        architecture=params.get("architecture", X86_64),
        is_building_layer=params.get("is_building_layer", False),
        experimental_flags=params.get("experimental_flags", []),
        build_in_source=params.get("build_in_source"))


def handle(request: Dict[str, Any]) -> Response:
    """Answer one parsed request: the method, then the protocol version, then the build.

    Raises (``KeyError``, ``TypeError``) for the requests that go unanswered: no ``id``, ``params`` or
    ``method``, no ``params.capability``, no ``params.__protocol_version``.
    """
    request_id = request["id"]
    params = request["params"]
    if request["method"] != BUILD_METHOD:
        return error_response(request_id, METHOD_UNAVAILABLE, "Method unavailable"), 1
    try:
        version_compatibility_check(_parse_version(params.get("__protocol_version")))
    except ValueError:
        return error_response(request_id, UNSUPPORTED_PROTOCOL_VERSION, "Unsupported Protocol Version"), 1
    capability = params["capability"]
    try:
        _build(capability, params)
    except (WorkflowNotFoundError, WorkflowFailedError, WorkflowUnknownError) as error:
        LOG.debug("Builder workflow failed", exc_info=error)
        return error_response(request_id, WORKFLOW_ERROR, str(error)), 1
    except Exception as error:
        LOG.debug("Builder crashed", exc_info=error)
        return error_response(request_id, INTERNAL_ERROR, str(error)), 1
    return success_response(request_id, params["artifacts_dir"]), 0


def _read_request() -> str:
    if len(sys.argv) > 1:
        LOG.debug("Using the request object from command line argument")
        return sys.argv[1]
    LOG.debug("Reading the request object from stdin")
    return sys.stdin.read()


def main() -> NoReturn:
    """Read one request, write its response to stdout (no newline), exit with its code."""
    response, exit_code = handle(json.loads(_read_request()))
    sys.stdout.write(response)
    sys.stdout.flush()
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
