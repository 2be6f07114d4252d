"""Builds the dependencies of Python Lambda functions with pip (the Chalice packager)."""

__all__ = ["PythonPipWorkflow"]


def __getattr__(name: str):
    # Imported on first use, so that a rebuild from the cache does not pay for pip's helpers.
    if name == "PythonPipWorkflow":
        from .workflow import PythonPipWorkflow

        return PythonPipWorkflow
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
