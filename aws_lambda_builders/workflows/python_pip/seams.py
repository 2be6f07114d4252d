"""The names callers replace on ``packager`` (``mock.patch("...python_pip.packager.PipRunner")``).

aws-lambda-builders defines its packager in one module, and its callers and tests
patch the classes and helpers by their names there. Ours live in their own
modules; the code that uses them looks each up on ``packager`` when it runs, so a
replacement made there is the one used.
"""

from __future__ import annotations

from typing import Any


def packager_name(name: str) -> Any:
    """What ``packager.<name>`` is now (imported here, when called: ``packager`` imports the modules that call this)."""
    from . import packager

    return getattr(packager, name)
