"""What a build may ask of the machine it runs on besides pip: its CPU, its other interpreters, the index.

The nine steps ask pip (through ``PipRunner``) for everything about packages;
three questions go past it, and they are this record's: which CPU compiles
here (a compiler here makes code for it alone), which interpreter of the
target's Python version could compile sdists, and, when pip finds nothing at
all, whether the index itself is the problem. :func:`this_machine` answers
them for real, and is every builder's unless its caller gives another:
:func:`nothing_known` answers none (every build is tried as the original
packager tries it); tests give a record of their own, so that the same
production code runs against a scripted pip without looking at the test machine.
"""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Callable, List, NamedTuple, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from .exceptions import PackagerError
    from .interpreters import Interpreter


class Host(NamedTuple):
    """The machine's answers (see the module's docstring); None where a question is not to be asked."""

    machine: Optional[str]  # the CPU a compiler here compiles for, as ``platform.machine()`` names it
    # (version, interpreters to look at first) -> an interpreter of that version, or None
    interpreter_for: Optional[Callable[[Tuple[int, int], Sequence[str]], Optional["Interpreter"]]]
    # (interpreters to look at first) -> every interpreter found, for a message
    find_interpreters: Optional[Callable[[Sequence[str]], List["Interpreter"]]]
    # (requirement, index URLs) -> what is wrong with the index when pip found no version (or that no index
    # has the project at all: ``NoSuchProjectError``), or None
    diagnose_index: Optional[Callable[[str, Sequence[str]], Optional["PackagerError"]]]


def this_machine() -> Host:
    """The machine this build runs on: its CPU, its interpreters (PATH, pyenv, uv), its index over HTTP."""
    return Host(machine=platform.machine(), interpreter_for=_interpreter_for, find_interpreters=_find_interpreters,
                diagnose_index=_diagnose_index)


def nothing_known() -> Host:
    """A machine asked nothing: sdists built by the given pip's interpreter, with a compiler first, and pip's
    "not found" taken as it is."""
    return Host(machine=None, interpreter_for=None, find_interpreters=None, diagnose_index=None)


def _interpreter_for(version: Tuple[int, int], preferred: Sequence[str]) -> Optional["Interpreter"]:
    from .interpreters import interpreter_for

    return interpreter_for(version, preferred)


def _find_interpreters(preferred: Sequence[str]) -> List["Interpreter"]:
    from .interpreters import find_interpreters

    return find_interpreters(preferred)


def _diagnose_index(requirement: str, urls: Sequence[str]) -> Optional["PackagerError"]:
    from .index_probe import diagnose  # urllib's HTTP stack, needed only to explain a failure

    return diagnose(requirement, urls)
