"""pip, run as a subprocess of a chosen interpreter, and the three things the packager asks of it.

pip has no stable Python API, so it runs in its own process: ``SubprocessPip``
starts it, ``PipRunner`` knows the command lines (download the closure,
download wheels for the target, build a wheel) and turns pip's failures into
the packager's exceptions, keeping pip's stderr on them.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import sys
import threading
import weakref
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .credentials import redact_credentials
from .compat import (
    pip_import_string,
    pip_no_compile_c_env_vars,
    pip_no_compile_c_shim,
    pip_tag_check_shim,
    pip_target_environment_shim,
)
from .exceptions import (
    ConflictingRequirementsError,
    DiskFullError,
    HashMismatchError,
    LocalDistributionNotFoundError,
    NoSuchPackageError,
    PackageDownloadError,
    UnsafeArchiveError,
)
from .target import LambdaTarget
from .utils import OSUtils

LOG = logging.getLogger(__name__)

PipResult = Tuple[int, bytes, bytes]


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


class SubprocessPip:
    """Runs pip's ``main`` in a child process of ``python_exe``.

    pip never waits for input (``--no-input``, stdin closed): an index that
    wants credentials it was not given fails instead of prompting. It runs in
    a process group of its own with what it starts, which is killed whole
    when the build is interrupted or kills it (:meth:`kill_running`), and
    which kills itself when the build is gone (:func:`builder_watch_shim`).
    """

    def __init__(self, osutils: Optional[OSUtils] = None, python_exe: Optional[str] = None,
                 import_string: Optional[str] = None) -> None:
        self._osutils = osutils or OSUtils()
        self.python_exe = python_exe or sys.executable
        if import_string is None:
            import_string = pip_import_string(python_exe=self.python_exe)
        self._import_string = import_string
        self._running: Set[object] = set()
        self._running_lock = threading.Lock()
        _kill_at_shutdown(self)

    def command_line(self, args: Sequence[str], shim: Optional[str] = None) -> List[str]:
        """The command that runs pip's ``main`` with ``args`` (``--no-input`` first), after ``shim``."""
        run_pip = "import sys; %s; sys.exit(main(%r))" % (self._import_string, ["--no-input"] + list(args))
        return [self.python_exe, "-c", builder_watch_shim(os.getpid()) + (shim or "") + run_pip]

    def main(self, args: Sequence[str], env_vars: Optional[Dict[str, str]] = None,
             shim: Optional[str] = None) -> PipResult:
        if env_vars is None:
            env_vars = self._osutils.original_environ()
        p = start_child(self._osutils, self.command_line(args, shim), env_vars)
        try:
            with self._running_lock:
                self._running.add(p)
            out, err = p.communicate()
        except BaseException:  # Ctrl-C, SIGTERM: nothing of pip may go on writing into a scratch being removed
            kill_process_group(p)
            p.wait()
            raise
        finally:
            with self._running_lock:
                self._running.discard(p)
        return p.returncode, out, err

    def kill_running(self) -> None:
        """Kill the pips this object started, from any thread, that have not ended yet, and all they started.

        An interrupted build stops the pips of its parallel builds (threads that
        a Ctrl-C does not reach) instead of waiting for them to finish.
        """
        with self._running_lock:
            running = list(self._running)
        for process in running:
            kill_process_group(process)


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


def kill_process_group(process) -> None:
    """SIGKILL to the process group ``process`` leads (pip, its build backends, their compilers), or to
    ``process`` alone where there is no such group."""
    import signal

    killpg = getattr(os, "killpg", None)
    if killpg is not None:
        try:
            killpg(process.pid, signal.SIGKILL)
            return
        except OSError:  # not a group leader (a popen that ignored start_new_session), or already gone
            pass
    with contextlib.suppress(OSError):
        process.kill()


_NO_SUCH_PACKAGE = re.compile(r"Could not find a version that satisfies the requirement (\S+)")
_NO_MATCHING_DISTRIBUTION = re.compile(r"No matching distribution found for (\S+)")
# "Processing ./pkg" or "Processing /abs/pkg (from -r requirements.txt (line 1))"
_HASH_MISMATCH = "DO NOT MATCH THE HASHES"
# pip refusing an sdist member itself: pip 24.1+ (PEP 706 filter) and older pips.
_UNSAFE_MEMBER = re.compile(r"Invalid member in the (?:tar|zip) file (?P<archive>\S+?): "
                            r"'(?P<member>[^']+)' (?P<why>.+)$", re.MULTILINE)
_UNSAFE_MEMBER_OLD = re.compile(r"The (?:tar|zip) file \((?P<archive>[^)]+)\) has a file \((?P<member>[^)]+)\) "
                                r"trying to install outside target directory")
# "    six==1.16.0 from https://.../six-1.16.0-py2.py3-none-any.whl#sha256=...:"
_HASH_MISMATCH_PACKAGE = re.compile(r"^\s+([A-Za-z0-9][A-Za-z0-9._-]*)[=<>!~ ].* from \S+", re.MULTILINE)
_COMPILER_ERROR = re.compile(r":\d+(:\d+)?: (fatal )?error: ")
_CPYTHON_ABI = re.compile(r"^cp3\d+$")
# pip's failure to install an sdist's build requirements, which is not the user's requirement.
_BUILD_DEPENDENCIES = "install build dependencies"
_PROCESSING = re.compile(r"^Processing (.+?)(?: \(from .*\))?$", re.MULTILINE)


# pip's report of an exception it did not expect: this line, then the traceback, whose last line is the cause.
_UNEXPECTED = "ERROR: Exception:"
_TRACEBACK = "Traceback (most recent call last):"
_MISSING_FILE = re.compile(r"^FileNotFoundError: \[Errno \d+\] [^:]+: '(?P<path>.+)'$")
_DISTRIBUTION_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def pip_exception(stderr: str) -> Optional[str]:
    """The exception line that ends pip's own traceback (``FileNotFoundError: [Errno 2] ...``), or None.

    pip reports an exception it did not expect as a bare ``ERROR: Exception:``
    and a traceback; the cause is in the traceback's last line. A traceback
    of a build backend, indented inside pip's output, is not pip's own.
    """
    lines = stderr.splitlines()
    starts = [index for index, line in enumerate(lines) if line.rstrip() == _TRACEBACK]
    if not starts:
        return None
    for line in lines[starts[-1] + 1:]:
        if line.strip() and not line[0].isspace():
            return line.strip()
    return None


def pip_error_summary(stderr: str) -> str:
    """The lines of pip's stderr that say what went wrong (``ERROR:``, ``error:``, ``×``), else the last ones.

    A build's own output is indented inside pip's; its errors count too, the
    compiler's (``file.c:4:2: error: ...``) among them. pip's bare
    ``ERROR: Exception:`` is completed with the exception its traceback ends with.
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("ERROR:", "error:", "×")) or _COMPILER_ERROR.search(line)]
    exception = pip_exception(stderr)
    if exception is not None:
        errors = [f"{line} {exception}" if line == _UNEXPECTED else line for line in errors]
    return redact_credentials("\n".join(errors or lines[-5:]) or "pip failed without output")


def local_directories(stdout: str, cwd: str) -> List[str]:
    """The local directory requirements pip reports processing (``./pkg``), as absolute paths.

    ``pip download`` resolves them but saves nothing for a directory, so the
    packager builds each into a wheel itself.
    """
    found = []
    for match in _PROCESSING.finditer(stdout):
        path = os.path.normpath(os.path.join(cwd, match.group(1).strip()))
        if os.path.isdir(path) and path not in found:
            found.append(path)
    return found


class PipRunner:
    """The pip command lines of the packager (aws-lambda-builders' ``PipRunner``)."""

    def __init__(self, python_exe: str, pip: SubprocessPip, osutils: Optional[OSUtils] = None,
                 temp_dir: Optional[str] = None) -> None:
        self.python_exe = python_exe
        self._wrapped_pip = pip
        self._osutils = osutils or OSUtils()
        # Where pip's temporary files go (TMPDIR): the packager points it into the build's scratch
        # directory while a build runs, so they are removed with it; None leaves the system's.
        self.temp_dir = temp_dir

    def kill_running(self) -> None:
        """Kill the pips this runner started that are still running (see ``SubprocessPip.kill_running``)."""
        kill = getattr(self._wrapped_pip, "kill_running", None)
        if kill is not None:
            kill()

    @property
    def runs_pip(self) -> bool:
        """Whether pip itself answers (not a stand-in): then a build's result follows from its inputs."""
        return type(self) is PipRunner and type(self._wrapped_pip) is SubprocessPip

    def _execute(self, command: str, args: Sequence[str], env_vars: Optional[Dict[str, str]] = None,
                 shim: Optional[str] = None) -> PipResult:
        main_args = [command] + list(args)
        if self.temp_dir is not None:
            env_vars = dict(self._osutils.original_environ() if env_vars is None else env_vars)
            env_vars.update(pip_temp_environment(self.temp_dir))
        LOG.debug("calling pip %s", redact_credentials(" ".join(main_args)))
        rc, out, err = self._wrapped_pip.main(main_args, env_vars=env_vars, shim=shim)
        LOG.debug("pip rc %s\nstdout: %s\nstderr: %s", rc, redact_credentials(out.decode("utf-8", "replace")),
                  redact_credentials(err.decode("utf-8", "replace")))
        return rc, out, err

    def build_wheel(self, wheel: str, directory: str, compile_c: bool = True,
                    options: Sequence[str] = ()) -> PipResult:
        """Build an sdist or project directory into a wheel in ``directory``.

        A failure is not raised: whether a usable wheel came out is judged when
        the directory is sorted again. The result is returned so the reason can
        be reported. Without a C compiler, pip's wheel cache is bypassed too, or
        it would hand back the wheel it compiled a moment ago.
        """
        return self.build_wheels([wheel], directory, compile_c, options)

    def build_wheels(self, sdists: Sequence[str], directory: str, compile_c: bool = True,
                     options: Sequence[str] = ()) -> PipResult:
        """:meth:`build_wheel` for several sdists in one pip: one interpreter start instead of one each.

        pip builds them one after the other and goes on past a failure, so the
        result is a failure if any build failed; which wheels came out tells
        which did not.
        """
        arguments = ["--no-deps", "--wheel-dir", directory] + list(sdists) + list(options)
        env_vars = self._osutils.original_environ()
        shim = ""
        if not compile_c:
            env_vars.update(pip_no_compile_c_env_vars)
            env_vars["PIP_NO_CACHE_DIR"] = "1"
            shim = pip_no_compile_c_shim
        return self._execute("wheel", arguments, env_vars=env_vars, shim=shim)

    def download_all_dependencies(self, requirements_filename: str, directory: str,
                                  options: Sequence[str] = (), target: Optional[LambdaTarget] = None,
                                  build_options: Optional[Sequence[str]] = None) -> Dict[str, List[str]]:
        """Download the whole closure of the requirements, wheels where pip finds them, else sdists.

        With a ``target``, pip resolves for it: its wheels only (any sdist is
        still taken), its Python version for ``Requires-Python``, and its
        environment for every marker, through a shim; a release with a wheel
        for the target is preferred to a newer one that would need building.
        Raises :class:`NoSuchPackageError` for a name or version the index does
        not have, :class:`HashMismatchError` for a download that fails its
        ``--hash``, and :class:`PackageDownloadError` for anything else pip reports.
        Local directory requirements are built into wheels in ``directory``
        (with ``build_options`` if given, else ``options``); returned is each
        such directory with the wheel file names it gave.
        """
        arguments = ["-r", requirements_filename, "--dest", directory, "--exists-action", "i"] + list(options)
        shim = None
        if target is not None:
            arguments += target_arguments(target) + ["--prefer-binary"]
            shim = pip_tag_check_shim + pip_target_environment_shim(target.marker_environment())
        rc, out, err = self._execute("download", arguments, shim=shim)
        if rc != 0:
            raise download_error(err.decode("utf-8", "replace") if err else "Unknown error",
                                 out.decode("utf-8", "replace") if out else "")
        built = {}
        for path in local_directories(out.decode("utf-8", "replace"), os.getcwd()):
            before = set(self._osutils.get_directory_contents(directory))
            self.build_wheel(path, directory, options=options if build_options is None else build_options)
            built[path] = sorted(set(self._osutils.get_directory_contents(directory)) - before)
        return built

    def download_manylinux_wheels(self, packages: Iterable[str], directory: str, lambda_abi: str,
                                  platforms: Sequence[str], options: Sequence[str] = ()) -> None:
        """Try to download a wheel for the target for each package (``name==version``).

        All of them are asked for in one pip call, which is one interpreter start
        and one index session instead of one per package. pip stops at the first
        package it cannot satisfy and then saves none, so when that call fails
        each package is asked for alone, to get every wheel that does exist.
        Which ones succeeded is read from ``directory`` afterwards.
        """
        packages = list(packages)
        if not packages:
            return
        platform_args = list(itertools.chain.from_iterable(["--platform", p] for p in platforms))
        # Without it pip pairs the target's ABI with the host's Python version (cp311-cp312).
        version_args = ["--python-version", f"{lambda_abi[2]}.{lambda_abi[3:]}"] if _CPYTHON_ABI.match(
            lambda_abi) else []
        arguments = [
            "--only-binary=:all:",
            "--no-deps",
            *platform_args,
            *version_args,
            "--implementation",
            "cp",
            "--abi",
            lambda_abi,
            "--dest",
            directory,
        ]
        rc, _, _ = self._execute("download", arguments + packages + list(options), shim=pip_tag_check_shim)
        if rc == 0 or len(packages) == 1:
            return
        for package in packages:
            self._execute("download", arguments + [package] + list(options), shim=pip_tag_check_shim)


def _conflict_lines(stderr: str) -> str:
    """pip's own account of a conflict: the requirement it could not meet and the lines under
    "The conflict is caused by:"."""
    lines = [line.rstrip() for line in stderr.splitlines()]
    kept = [line.strip() for line in lines if line.startswith("ERROR: Cannot install")]
    if "The conflict is caused by:" in lines:
        for line in lines[lines.index("The conflict is caused by:") + 1:]:
            if not line.strip() or line.startswith("To fix"):
                break
            kept.append(line.strip())
    return "\n".join(kept) or pip_error_summary(stderr)


def target_arguments(target: LambdaTarget) -> List[str]:
    """pip's options that describe the target: its platforms, Python version and ABI."""
    arguments = list(itertools.chain.from_iterable(["--platform", p] for p in target.platforms))
    return arguments + ["--python-version", "%d.%d" % target.python_version, "--implementation", "cp",
                        "--abi", target.abi]




def download_error(stderr: str, stdout: str = "") -> Exception:
    """The packager exception for a failed closure download, pip's stderr attached (credentials hidden).

    pip explains a conflict on stdout, so that is read too.
    """
    stderr, stdout = redact_credentials(stderr), redact_credentials(stdout)
    if "No space left on device" in stderr:
        return DiskFullError("pip's download or build directory")
    if "ResolutionImpossible" in stderr or "conflicting dependencies" in stderr:
        return ConflictingRequirementsError(_conflict_lines(stderr + "\n" + stdout), stderr)
    unsafe = _UNSAFE_MEMBER.search(stderr) or _UNSAFE_MEMBER_OLD.search(stderr)
    if unsafe:
        why = unsafe.groupdict().get("why") or "would be written outside the destination directory"
        return UnsafeArchiveError(os.path.basename(unsafe.group("archive")), unsafe.group("member"), why)
    if _HASH_MISMATCH in stderr:
        return HashMismatchError(sorted(set(_HASH_MISMATCH_PACKAGE.findall(stderr))), pip_error_summary(stderr))
    match = _NO_SUCH_PACKAGE.search(stderr) or _NO_MATCHING_DISTRIBUTION.search(stderr)
    if match and _BUILD_DEPENDENCIES not in stderr.lower():
        return NoSuchPackageError(match.group(1), detail=pip_error_summary(stderr))
    missing = _MISSING_FILE.match(pip_exception(stderr) or "")
    if missing and missing.group("path").lower().endswith(_DISTRIBUTION_SUFFIXES):
        return LocalDistributionNotFoundError(missing.group("path"), stderr)
    return PackageDownloadError(pip_error_summary(stderr), stderr=stderr)
