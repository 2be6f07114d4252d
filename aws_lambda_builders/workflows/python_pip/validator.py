"""Whether an interpreter may run pip for a Python runtime: one of the runtime's version (aws-lambda-builders'
check), or the one running this package, which resolves for the target."""

from __future__ import annotations

import logging
import os
import subprocess
from typing import Dict, List, Optional, Union

from aws_lambda_builders.exceptions import MisMatchRuntimeError, RuntimeValidatorError
from aws_lambda_builders.validator import RuntimeValidator

from .interpreters import is_running_interpreter
from .utils import OSUtils

LOG = logging.getLogger(__name__)


class PythonRuntimeValidator(RuntimeValidator):
    """The runtime and architecture are Lambda's, and the interpreter at the path is of the runtime's
    version, or is the interpreter running this package.

    pip resolves and downloads for the target, not for the interpreter that
    runs it, so a python3.13 function builds on a machine without python3.13
    (aws-lambda-builders fails with "Binary validation failed"); the build
    itself finds an interpreter of the target's version for the sdists it
    compiles. Any other interpreter is run once per validator to learn its
    version, however often it is asked about.
    """

    def __init__(self, runtime: Optional[str], architecture: str) -> None:
        super().__init__(runtime=runtime, architecture=architecture)
        self.language = "python"
        self._valid_runtime_path: Optional[str] = None
        self._checked: Dict[str, Union[str, Exception]] = {}  # a path: itself when valid, else why not

    def validate(self, runtime_path: str) -> str:
        """``runtime_path`` when it is valid; else ``MisMatchRuntimeError`` (another version) or a
        ``RuntimeValidatorError`` (a runtime or architecture Lambda does not have)."""
        if runtime_path not in self._checked:
            try:
                self._checked[runtime_path] = self._validate(runtime_path)
            except (MisMatchRuntimeError, RuntimeValidatorError) as error:
                self._checked[runtime_path] = error
        checked = self._checked[runtime_path]
        if isinstance(checked, Exception):
            raise checked
        self._valid_runtime_path = checked
        return checked

    def _validate(self, runtime_path: str) -> str:
        runtime_path = super().validate(runtime_path)
        if is_running_interpreter(runtime_path):
            return runtime_path
        cmd = self._validate_python_cmd(runtime_path)
        LOG.debug("Validating python version by running: %s", cmd)
        p = subprocess.Popen(cmd, cwd=os.getcwd(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=OSUtils().original_environ())
        p.communicate()
        if p.returncode != 0:
            raise MisMatchRuntimeError(language=self.language, required_runtime=self.runtime,
                                       runtime_path=runtime_path)
        return runtime_path

    def _validate_python_cmd(self, runtime_path: str) -> List[str]:
        major, minor = self.runtime.replace(self.language, "").split(".")  # type: ignore[union-attr]
        return [runtime_path, "-c",
                "import sys; assert sys.version_info.major == {major} and sys.version_info.minor == {minor}"
                .format(major=major, minor=minor)]

    @property
    def validated_runtime_path(self) -> Optional[str]:
        return self._valid_runtime_path
