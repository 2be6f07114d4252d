"""Which workflow class builds which capability: filled by the workflow classes as they are defined."""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Optional

from aws_lambda_builders.exceptions import WorkflowNotFoundError

LOG = logging.getLogger(__name__)


class Registry:
    """A map from a capability (language, dependency manager, framework; case-insensitive) to a workflow class.

    Adding is locked (workflow modules may be imported from several threads); a capability is registered once.
    """

    def __init__(self, write_lock: Optional[Any] = None) -> None:
        self._write_lock = write_lock or threading.Lock()
        self._data: Dict[str, Any] = {}

    def __getitem__(self, capability: Any) -> Any:
        return self._data[self._make_key(capability)]

    def __setitem__(self, capability: Any, value: Any) -> None:
        key = self._make_key(capability)
        try:
            self._write_lock.acquire()
            if key in self._data:
                raise KeyError("A workflow with given capabilities '{}' is already registered".format(key))
            self._data[key] = value
        finally:
            self._write_lock.release()

    def __contains__(self, capability: Any) -> bool:
        return self._make_key(capability) in self._data

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        try:
            self._write_lock.acquire()
            self._data = {}
        finally:
            self._write_lock.release()

    @staticmethod
    def _make_key(capability: Any) -> str:
        return "_".join([capability.language or "", capability.dependency_manager or "",
                         capability.application_framework or ""]).lower()


DEFAULT_REGISTRY = Registry()


def get_workflow(capability: Any, registry: Registry = DEFAULT_REGISTRY) -> Any:
    """The workflow class registered for ``capability``; ``WorkflowNotFoundError`` when there is none."""
    if capability not in registry:
        raise WorkflowNotFoundError(language=capability.language, dependency_manager=capability.dependency_manager,
                                    application_framework=capability.application_framework)
    return registry[capability]
