"""An sdist whose version is right only with its build requirements installed (like ujson's, setuptools_scm)."""

import os

from setuptools import setup

try:
    from build_time_version import version
except ImportError:  # setuptools_scm's fallback when it cannot tell
    def version(root):
        return "0.0.0"

setup(name="scm-versioned", version=version(os.path.dirname(os.path.abspath(__file__))), packages=["scm_versioned"])
