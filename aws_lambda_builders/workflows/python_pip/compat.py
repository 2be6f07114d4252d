"""How to reach pip inside a given interpreter, and how to take its C compiler away."""

from __future__ import annotations

from typing import Dict

from packaging.version import Version

from .exceptions import MissingPipError
from .utils import OSUtils


def pip_import_string(python_exe: str) -> str:
    """The import statement that yields pip's ``main`` in ``python_exe``.

    pip moved its entry point twice; the shim at ``pip._internal.main`` prints
    a warning and is announced to go away, so the real one is used where it exists.
    """
    os_utils = OSUtils()
    cmd = [python_exe, "-c", "import pip; print(pip.__version__)"]
    try:
        p = os_utils.popen(cmd, stdout=os_utils.pipe, stderr=os_utils.pipe, env=os_utils.original_environ())
    except OSError:
        raise MissingPipError(python_path=python_exe)
    stdout, _ = p.communicate()
    if p.returncode != 0:
        raise MissingPipError(python_path=python_exe)
    major, minor = (Version(stdout.decode("utf-8").strip()).release + (0,))[:2]
    if major == 9:
        return "from pip import main"
    if (major, minor) >= (19, 3):
        return "from pip._internal.cli.main import main"
    return "from pip._internal import main"


# setuptools and distutils find the C compiler through CC on POSIX systems.
# Pointing it at a path that does not exist makes every compile fail, so a
# package whose C extension is optional falls back to its pure-Python build.
# (Windows compilers are found otherwise; Lambda builds there are out of scope.)
pip_no_compile_c_shim: str = ""
pip_no_compile_c_env_vars: Dict[str, str] = {"CC": "/var/false"}


def pip_target_environment_shim(environment: Dict[str, str]) -> str:
    """Python run before pip's ``main`` so that pip resolves for the Lambda target, not this machine.

    pip evaluates environment markers with the interpreter that runs it, even
    when told ``--python-version``/``--platform``; this replaces its marker
    environment with the target's. And pip refuses those options unless only
    wheels are allowed; pure-Python sdists are fine for any target, so the
    packager lifts that check (sdists that need a compiler are its business).
    """
    return (
        "import pip._internal.cli.cmdoptions as _lambda_pip_options;"
        "_lambda_pip_options.check_dist_restriction = lambda *args, **kwargs: None;"
        "from pip._vendor.packaging import markers as _lambda_pip_markers;"
        f"_lambda_pip_environment = {dict(environment)!r};"
        "_lambda_pip_markers.default_environment = lambda: dict(_lambda_pip_environment);"
    )
