"""Finds the executables a workflow may use for a runtime, in order of preference."""

from __future__ import annotations

from typing import List, Optional

from aws_lambda_builders.utils import which


class PathResolver:
    """Candidates for ``binary``: executables named as the runtime (``python3.12``), then ``binary``, then
    ``additional_binaries``, each searched on ``executable_search_paths`` then ``PATH``."""

    def __init__(self, binary: str, runtime: Optional[str], additional_binaries: Optional[List[str]] = None,
                 executable_search_paths: Optional[List[str]] = None) -> None:
        self.binary = binary
        self.runtime = runtime
        self.additional_binaries = additional_binaries
        self.executables = [self.runtime, self.binary]
        if isinstance(additional_binaries, list):
            self.executables = self.executables + self.additional_binaries  # type: ignore[operator]
        self.executable_search_paths = executable_search_paths

    def _which(self) -> List[str]:
        exec_paths: List[str] = []
        for executable in [executable for executable in self.executables if executable is not None]:
            paths = which(executable, executable_search_paths=self.executable_search_paths)
            exec_paths.extend(paths or [])
        if not exec_paths:
            raise ValueError("Path resolution for runtime: {} of binary: {} was not successful"
                             .format(self.runtime, self.binary))
        return exec_paths

    @property
    def exec_paths(self) -> List[str]:
        return self._which()
