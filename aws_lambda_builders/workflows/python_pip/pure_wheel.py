"""Wheels that claim a platform but hold no compiled code: pure Python in fact, and tagged so.

setuptools tags a wheel for the building machine (``cp311-cp311-linux_x86_64``)
whenever a project declares an extension module, even when the extension was
optional and not built (pyrsistent 0.16.0 without a C compiler). Such a wheel
loads on any Lambda target; rewriting its tag to ``py3-none-any`` says so in
its file name and in the dist-info that reaches the bundle.
"""

from __future__ import annotations

import posixpath
import zipfile

from .bundle_check import is_binary_name
from .wheel_retag import retag

PURE_TAG = "py3-none-any"


def holds_compiled_code(wheel_path: str) -> bool:
    with zipfile.ZipFile(wheel_path) as wheel:
        return any(is_binary_name(posixpath.basename(name)) for name in wheel.namelist())


def retag_as_pure(wheel_path: str) -> str:
    """Write the same wheel as ``<name>-<version>-py3-none-any.whl`` beside it (Root-Is-Purelib); its path."""
    return retag(wheel_path, PURE_TAG, root_is_purelib=True)
