"""One binary a workflow needs: how it is found, how it is checked, and the path chosen."""

from __future__ import annotations

from typing import Any, Optional


class BinaryPath:
    def __init__(self, resolver: Any, validator: Any, binary: str, binary_path: Optional[str] = None) -> None:
        self.resolver = resolver
        self.validator = validator
        self.binary = binary
        self._binary_path = binary_path
        self.path_provided = bool(binary_path)  # given by the caller: used as is, not searched for

    @property
    def binary_path(self) -> Optional[str]:
        return self._binary_path

    @binary_path.setter
    def binary_path(self, binary_path: Optional[str]) -> None:
        self._binary_path = binary_path
