"""Builds the dependencies of Python Lambda functions with pip (the Chalice packager)."""
