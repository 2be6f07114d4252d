"""Builds the dependencies of Python Lambda functions with pip (the Chalice packager)."""

from .workflow import PythonPipWorkflow

__all__ = ["PythonPipWorkflow"]
