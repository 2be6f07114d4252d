"""The types that describe a workflow, as aws-lambda-builders names them: what it builds (``Capability``),
how (``BuildMode``), where (``BuildDirectory``) and whether in the source (``BuildInSourceSupport``)."""

from __future__ import annotations

from collections import namedtuple
from enum import Enum

# What a workflow builds: ("python", "pip", None) for this package's one workflow.
Capability = namedtuple("Capability", ["language", "dependency_manager", "application_framework"])


class BuildMode:
    """A build for debugging or for release (callers pass ``mode``; the Python/pip workflow builds the same)."""

    DEBUG = "debug"
    RELEASE = "release"


class BuildDirectory(Enum):
    """Where a workflow builds by default."""

    SCRATCH = "scratch"
    ARTIFACTS = "artifacts"
    SOURCE = "source"


class BuildInSourceSupport(Enum):
    """The values of ``build_in_source`` a workflow accepts."""

    NOT_SUPPORTED = [False]
    OPTIONALLY_SUPPORTED = [False, True]
    EXCLUSIVELY_SUPPORTED = [True]
