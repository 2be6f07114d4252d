"""Python interpreters on this machine, for compiling sdists for a runtime other than the one at hand.

A C extension compiled by Python 3.11 is a ``cp311`` extension; a python3.12
target needs one compiled by 3.12. Pure-Python sdists build with any
interpreter, so one of the target's version is used when the machine has one
(on PATH as ``python3.X``, or installed by pyenv), and never required.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import sys
from typing import List, NamedTuple, Optional, Sequence, Tuple

_PROBE = "import sys, platform, pip; print(sys.implementation.name, sys.version_info[0], sys.version_info[1], " \
         "platform.machine())"
_CPYTHON_DIR = re.compile(r"^3\.\d+\.\d+$")


class Interpreter(NamedTuple):
    path: str
    version: Tuple[int, int]
    machine: str

    def describe(self) -> str:
        return "%d.%d at %s" % (self.version + (self.path,))


def running_interpreter() -> Optional[str]:
    """The Python running this package, when it is one that can run pip (not a frozen application such as a
    PyInstaller build of SAM CLI, whose executable is no Python)."""
    if getattr(sys, "frozen", False) or not sys.executable:
        return None
    return sys.executable


def is_running_interpreter(path: str) -> bool:
    """Whether ``path`` is the Python running this package (``running_interpreter``)."""
    running = running_interpreter()
    try:
        return running is not None and os.path.samefile(path, running)
    except OSError:
        return False


@functools.lru_cache(maxsize=None)
def probe(path: str) -> Optional[Interpreter]:
    """The CPython at ``path`` with pip importable, or None if it is not one."""
    import subprocess  # here: the cache key lists the candidates without starting any

    try:
        result = subprocess.run([path, "-c", _PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    words = result.stdout.split()
    if result.returncode != 0 or len(words) != 4 or words[0] != "cpython" or not all(
            w.isdigit() for w in words[1:3]):
        return None
    return Interpreter(os.path.realpath(path), (int(words[1]), int(words[2])), words[3])


def candidate_paths(preferred: Sequence[str] = ()) -> List[str]:
    """Where interpreters may be: those given, ``python3.X`` on PATH, and pyenv's versions."""
    paths = list(preferred)
    for minor in range(8, 15):
        found = shutil.which(f"python3.{minor}")
        if found:
            paths.append(found)
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    versions = [d for d in glob.glob(os.path.join(pyenv_root, "versions", "*")) if _CPYTHON_DIR.match(
        os.path.basename(d))]
    for directory in sorted(versions, key=lambda d: tuple(map(int, os.path.basename(d).split("."))), reverse=True):
        paths.append(os.path.join(directory, "bin", "python3"))
    return paths


def find_interpreters(preferred: Sequence[str] = ()) -> List[Interpreter]:
    """The working interpreters among the candidates, each once, in the order found."""
    found: List[Interpreter] = []
    for path in candidate_paths(preferred):
        interpreter = probe(path)
        if interpreter and interpreter not in found:
            found.append(interpreter)
    return found


def interpreter_for(version: Tuple[int, int], preferred: Sequence[str] = ()) -> Optional[Interpreter]:
    """The first interpreter of ``version`` for this machine's CPU (those given first), or None.

    It stops probing at the first; one running under emulation for another CPU would compile for that one.
    """
    for path in candidate_paths(preferred):
        interpreter = probe(path)
        if interpreter and interpreter.version == version and interpreter.machine == _machine():
            return interpreter
    return None


def _machine() -> str:
    import platform  # not on the path of an unchanged rebuild, which only asks for candidate_paths

    return platform.machine()
