"""Child processes started the way pip is: reading nothing, their output piped, leading a process group
of their own, which is killed whole when the build is interrupted and kills itself when the build is gone.

``SubprocessPip`` (pip_runner) starts pip so, and ``sdist`` starts ``setup.py egg_info`` so; every
``SubprocessPip`` alive has its pips killed at the interpreter's shutdown.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import weakref
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

from .utils import OSUtils

LOG = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .pip_runner import SubprocessPip


# Run in the pip child before anything else: a thread that kills pip's process group (pip, its build
# backends, their compilers) as soon as the build that started it is gone, even SIGKILLed, which no
# cleanup of the build's own can handle. Its parent changing tells: the kernel hands an orphan to
# init or a subreaper. A child started through a wrapper that did not exec (its parent is not the
# build) watches the build's pid instead; a build already gone when the child starts is seen at once.
_BUILDER_WATCH = """
import os as _lambda_pip_os, signal as _lambda_pip_signal, threading as _lambda_pip_threading
import time as _lambda_pip_time
def _lambda_pip_builder_gone(builder, first_parent):
    if first_parent == builder:
        return _lambda_pip_os.getppid() != builder
    if _lambda_pip_os.getppid() != first_parent:
        return True
    try:
        _lambda_pip_os.kill(builder, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass
    return False
def _lambda_pip_watch(builder, first_parent):
    while not _lambda_pip_builder_gone(builder, first_parent):
        _lambda_pip_time.sleep(%(interval)r)
    if hasattr(_lambda_pip_os, "killpg") and _lambda_pip_os.getpgid(0) == _lambda_pip_os.getpid():
        _lambda_pip_os.killpg(0, _lambda_pip_signal.SIGKILL)
    _lambda_pip_os._exit(1)
_lambda_pip_threading.Thread(target=_lambda_pip_watch, args=(%(builder)d, _lambda_pip_os.getppid()),
                             name="lambda-pip-builder-watch", daemon=True).start()
"""


def builder_watch_shim(builder_pid: int, interval: float = 0.2) -> str:
    """Python run first in a pip child: pip's whole process group dies within ``interval`` seconds of
    process ``builder_pid`` (only when pip leads its own group, as :class:`SubprocessPip` starts it)."""
    return _BUILDER_WATCH % {"builder": builder_pid, "interval": interval}


def pip_temp_environment(directory: str) -> Dict[str, str]:
    """The variables that send the temporary files of pip and of all it runs (build backends, compilers)
    into ``directory``: ``TMPDIR`` on POSIX, ``TEMP``/``TMP`` on Windows."""
    return {"TMPDIR": directory, "TEMP": directory, "TMP": directory}


# Every SubprocessPip alive, for the interpreter's shutdown. pip leads a process group of its own, out of
# the terminal's reach: when a program that builds in worker threads (``sam build --parallel``) is stopped
# by Ctrl-C, its main thread ends and the interpreter waits for those threads, which wait for pip. Their
# pips are killed first, so that the threads and the program end.
_LIVE_PIPS: "weakref.WeakSet[SubprocessPip]" = weakref.WeakSet()
_SHUTDOWN_HOOK: List[bool] = []


def _kill_at_shutdown(pip: "SubprocessPip") -> None:
    _LIVE_PIPS.add(pip)
    if _SHUTDOWN_HOOK:
        return
    _SHUTDOWN_HOOK.append(True)
    # Run before the interpreter joins non-daemon threads (atexit would run after, too late); CPython
    # 3.9+ has it, privately, as concurrent.futures uses it.
    register = getattr(threading, "_register_atexit", None)
    try:
        if register is None:
            raise RuntimeError("no threading atexit")
        register(_kill_live_pips)
    except RuntimeError:  # shutting down already, or another interpreter
        import atexit

        atexit.register(_kill_live_pips)


def _kill_live_pips() -> None:
    for pip in list(_LIVE_PIPS):
        pip.kill_running()


def start_child(osutils: OSUtils, command: List[str], env: Dict[str, str], cwd: Optional[str] = None):
    """A child process as pip and the builds it runs are started: reading nothing (stdin from the null
    device), its output piped, leading a process group of its own (see :class:`SubprocessPip`).

    Started through ``osutils.popen``; an ``OSUtils`` of aws-lambda-builders' own shape, whose ``popen``
    takes neither ``stdin`` nor ``start_new_session``, is passed by, so that neither is lost.
    """
    import subprocess

    try:
        return osutils.popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, cwd=cwd, start_new_session=True)
    except TypeError:  # popen() got an unexpected keyword argument
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, cwd=cwd, start_new_session=True)


def communicate_by_line(process, on_line: Callable[[bytes], None]) -> Tuple[bytes, bytes]:
    """``process.communicate()``, passing each line of its output to ``on_line`` as it comes.

    Its error output is read beside it (a thread), so that neither pipe fills
    and stops the child. A receiver that fails is not called again; the output
    is read to its end all the same.
    """
    errors: List[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    reader.start()
    lines = []
    for line in iter(process.stdout.readline, b""):
        lines.append(line)
        if on_line is not None:
            try:
                on_line(line)
            except Exception as error:  # progress is not worth a build
                LOG.debug("the receiver of pip's output failed: %s", error, exc_info=error)
                on_line = None  # type: ignore[assignment]
    reader.join()
    process.wait()
    return b"".join(lines), b"".join(errors)


def kill_process_group(process) -> None:
    """SIGKILL to the process group ``process`` leads (pip, its build backends, their compilers), or to
    ``process`` alone where there is no such group."""
    import signal

    killpg = getattr(os, "killpg", None)
    pid = getattr(process, "pid", None)
    # Only a real child that leads its own group: killpg(1) or killpg(0) would signal every process the user
    # may signal, or this build's own group (a stand-in process of a test has a pid that is no such child).
    if killpg is not None and type(pid) is int and pid > 1:
        try:
            if os.getpgid(pid) == pid and pid != os.getpgrp():
                killpg(pid, signal.SIGKILL)
                return
        except OSError:  # already gone
            pass
    with contextlib.suppress(OSError):
        process.kill()
