"""A pure-Python project published as an sdist only (no pyproject.toml: the legacy setup.py way)."""

from setuptools import setup

setup(name="sdist-only-pure", version="0.5", packages=["sdist_only_pure"])
