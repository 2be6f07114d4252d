"""How to reach pip inside a given interpreter, and how to take its C compiler away."""

from __future__ import annotations

from typing import Dict, Optional

from packaging.version import InvalidVersion, Version

from .exceptions import MissingPipError, UnusableInterpreterError
from .interpreters import is_running_interpreter
from .utils import OSUtils


_ANSWER_WITHIN = 120  # seconds: a Python starting cold on a loaded machine takes a few


def pip_import_string(python_exe: str) -> str:
    """The import statement that yields pip's ``main`` in ``python_exe``.

    pip moved its entry point twice; the shim at ``pip._internal.main`` prints
    a warning and is announced to go away, so the real one is used where it exists.
    """
    if is_running_interpreter(python_exe):
        version = _running_pip_version()
        if version is not None:  # the running Python's own pip: asked here, not in a child (a tenth of a second)
            return _import_string_for(python_exe, 0, version, "")
    os_utils = OSUtils()
    cmd = [python_exe, "-c", "import pip; print(pip.__version__)"]
    try:
        p = os_utils.popen(cmd, stdin=os_utils.devnull, stdout=os_utils.pipe, stderr=os_utils.pipe,
                           env=os_utils.original_environ())
    except OSError as error:
        raise UnusableInterpreterError(python_exe, f"it cannot be run ({error.strerror or error})") from error
    import subprocess

    try:
        stdout, stderr = p.communicate(timeout=_ANSWER_WITHIN)
    except subprocess.TimeoutExpired as error:  # a program that is no Python may wait for anything
        p.kill()
        p.wait()
        raise UnusableInterpreterError(python_exe,
                                       f"asked for pip's version, it gave none in {_ANSWER_WITHIN} s") from error
    except BaseException:
        p.kill()
        p.wait()
        raise
    return _import_string_for(python_exe, p.returncode, stdout.decode("utf-8", "replace"),
                              stderr.decode("utf-8", "replace"))


def _running_pip_version() -> Optional[str]:
    """The version of the pip this Python imports, or None when it cannot tell (then a child is asked)."""
    try:
        import pip

        version = pip.__version__
    except Exception:  # no pip, or something else named pip: the child's answer says what
        return None
    return version if isinstance(version, str) else None


def _import_string_for(python_exe: str, returncode: int, stdout: str, stderr: str) -> str:
    """The import statement for the pip whose version ``python_exe`` printed; raises when it is not one."""
    if returncode != 0:
        if "No module named" in stderr and "pip" in stderr:
            raise MissingPipError(python_path=python_exe)
        last = [line.strip() for line in stderr.splitlines() if line.strip()][-1:]
        raise UnusableInterpreterError(python_exe, f"asked for pip's version, it exited with status {returncode}"
                                                   + (f" ({last[0]})" if last else " and printed nothing"))
    try:
        version = Version(stdout.strip())
    except InvalidVersion as error:
        printed = repr(stdout.strip()[:80]) if stdout.strip() else "nothing"
        raise UnusableInterpreterError(python_exe, f"asked for pip's version, it printed {printed}") from error
    major, minor = (version.release + (0,))[:2]
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


# pip before 23.3 checks each link's wheel tags against the *list* of tags the target supports,
# hashing each of them (hundreds for a manylinux target) for every one of the tens of thousands of
# links a project such as pydantic-core has: over a second of a resolution. The same check against
# a set of those tags costs a few hashes. Newer pips pass a set, and are left as they are; a pip
# whose ``Wheel.supported`` is not that check is not touched either.
pip_tag_check_shim: str = """
try:
    from pip._internal.models.wheel import Wheel as _LambdaPipWheel
except ImportError:
    _LambdaPipWheel = None
if _LambdaPipWheel is not None and "file_tags" in getattr(
        getattr(_LambdaPipWheel.supported, "__code__", None), "co_names", ()):
    def _lambda_pip_supported(self, tags, _sets={}):
        if not isinstance(tags, (set, frozenset)):
            known = _sets.get(id(tags))  # the list itself is kept, so its id is not reused
            if known is None or known[0] is not tags or known[1] != len(tags):
                known = _sets[id(tags)] = (tags, len(tags), frozenset(tags))
            tags = known[2]
        return not self.file_tags.isdisjoint(tags)
    _LambdaPipWheel.supported = _lambda_pip_supported
"""


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
