"""Checks that a runtime and architecture are ones Lambda has (never runs the binary)."""

from __future__ import annotations

import logging
from typing import Optional

from aws_lambda_builders.exceptions import UnsupportedArchitectureError, UnsupportedRuntimeError
from aws_lambda_builders.supported_runtimes import RUNTIME_ARCHITECTURES

LOG = logging.getLogger(__name__)

SUPPORTED_RUNTIMES = RUNTIME_ARCHITECTURES


class RuntimeValidator:
    def __init__(self, runtime: Optional[str], architecture: str) -> None:
        self.runtime = runtime
        self.architecture = architecture
        self._runtime_path: Optional[str] = None

    def validate(self, runtime_path: str) -> str:
        """``runtime_path`` when the runtime runs on the architecture; else ``UnsupportedRuntimeError`` or
        ``UnsupportedArchitectureError``."""
        if not SUPPORTED_RUNTIMES.get(self.runtime):  # type: ignore[arg-type]
            LOG.debug("Runtime %s is not supported", self.runtime)
            raise UnsupportedRuntimeError(runtime=self.runtime)
        if self.architecture not in SUPPORTED_RUNTIMES[self.runtime]:  # type: ignore[index]
            LOG.debug("Architecture %s is not supported for runtime %s", self.architecture, self.runtime)
            raise UnsupportedArchitectureError(runtime=self.runtime, architecture=self.architecture)
        self._runtime_path = runtime_path
        return runtime_path
