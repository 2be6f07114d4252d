"""pip, run as a subprocess of a chosen interpreter, and the three things the packager asks of it.

pip has no stable Python API, so it runs in its own process: ``SubprocessPip``
starts it, ``PipRunner`` knows the command lines (download the closure,
download wheels for the target, build a wheel) and turns pip's failures into
the packager's exceptions, keeping pip's stderr on them. How pip's process is
started and stopped is in ``child_processes``; what its output says, in
``pip_output``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import sys
import tempfile
import threading
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .child_processes import (
    _kill_at_shutdown,
    builder_watch_shim,
    communicate_by_line,
    kill_process_group,
    pip_temp_environment,
    start_child,
)
from .credentials import redact_credentials
from .compat import (
    pip_no_compile_c_env_vars,
    pip_no_compile_c_shim,
    pip_tag_check_shim,
    pip_target_environment_shim,
)
from .pip_events import PipEvent, line_reader
from .pip_output import download_error, local_directories
from .pip_report import REPORT_VARIABLE, ReportedDistribution, pip_report_shim, read_report
from .pip_report import local_directories as report_directories
# Importable from here as before pip_output held them: the packager takes pip_error_summary from here.
from .pip_output import pip_error_summary as pip_error_summary
from .pip_output import pip_exception as pip_exception
from .seams import packager_name
from .target import LambdaTarget
from .utils import OSUtils

LOG = logging.getLogger(__name__)

PipResult = Tuple[int, bytes, bytes]


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
        if import_string is None:  # by its name on ``packager``, where callers replace it
            import_string = packager_name("pip_import_string")(python_exe=self.python_exe)
        self._import_string = import_string
        self._running: Set[object] = set()
        self._running_lock = threading.Lock()
        _kill_at_shutdown(self)

    def for_python(self, python_exe: str) -> "SubprocessPip":
        """pip in another interpreter, started the same way."""
        return SubprocessPip(self._osutils, python_exe)

    def command_line(self, args: Sequence[str], shim: Optional[str] = None) -> List[str]:
        """The command that runs pip's ``main`` with ``args`` (``--no-input`` first), after ``shim``."""
        run_pip = "import sys; %s; sys.exit(main(%r))" % (self._import_string, ["--no-input"] + list(args))
        return [self.python_exe, "-c", builder_watch_shim(os.getpid()) + (shim or "") + run_pip]

    # Each line pip prints on its output, as it prints it, while set (``PipRunner.listen`` sets it).
    on_line: Optional[Callable[[bytes], None]] = None

    def main(self, args: Sequence[str], env_vars: Optional[Dict[str, str]] = None,
             shim: Optional[str] = None) -> PipResult:
        if env_vars is None:
            env_vars = self._osutils.original_environ()
        on_line = self.on_line
        if on_line is not None:  # each line when pip prints it, not when its output buffer fills
            env_vars = dict(env_vars, PYTHONUNBUFFERED="1")
        p = start_child(self._osutils, self.command_line(args, shim), env_vars)
        try:
            with self._running_lock:
                self._running.add(p)
            out, err = p.communicate() if on_line is None else communicate_by_line(p, on_line)
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


_CPYTHON_ABI = re.compile(r"^cp3\d+$")


class PipRunner:
    """The pip command lines of the packager (aws-lambda-builders' ``PipRunner``): the one seam to pip.

    Every pip call of a build goes through these methods, and each runs its
    command through the wrapped pip's ``main`` (``SubprocessPip``, or a test's
    scripted pip), so a stand-in for pip takes the production path. The
    builds ask :meth:`build_wheels` for a batch of sdists and
    :meth:`build_wheel` for one: a subclass that builds its own way overrides
    both; :meth:`for_python` asks the wrapped pip for pip in another interpreter.
    """

    # aws-lambda-builders' patterns for local directories in pip's output, kept for callers; a pip of 22.2 or
    # later says them in its installation report, and older pips' output is read by ``pip_output``.
    _LINK_IS_DIR_PATTERNS = ["Processing (.+?)[ ,\n]"]

    def __init__(self, python_exe: str, pip: SubprocessPip, osutils: Optional[OSUtils] = None,
                 temp_dir: Optional[str] = None) -> None:
        self.python_exe = python_exe
        self._wrapped_pip = pip
        self._receiver: Optional[Callable[[PipEvent], None]] = None
        self._osutils = osutils or OSUtils()
        # Where pip's temporary files go (TMPDIR): the packager points it into the build's scratch
        # directory while a build runs, so they are removed with it; None leaves the system's.
        self.temp_dir = temp_dir
        # More of the environment of the wheel builds this runner starts: a cross build's configuration of
        # the target (``cross_builds``); empty for a build for this machine.
        self.build_environment: Dict[str, str] = {}

    @property
    def identity(self) -> str:
        """What answers this runner's pip calls, named by its classes, for the whole-build cache key: builds
        answered by another runner or pip (a test's scripted pip) are never taken for pip's own."""
        return f"{_qualified(type(self))}({_qualified(type(self._wrapped_pip))})"

    def for_python(self, python_exe: str) -> "PipRunner":
        """A runner of pip in another interpreter (one of the target's Python version, to compile sdists), its
        temporary files where this one's go, its events to the same receiver."""
        runner = PipRunner(python_exe, self._wrapped_pip.for_python(python_exe), self._osutils,
                           temp_dir=self.temp_dir)
        runner.listen(self._receiver)
        return runner

    def listen(self, receiver: Optional[Callable[[PipEvent], None]]) -> None:
        """While ``receiver`` is set (None: no more), each event of pip's output (``pip_events``) reaches it
        as pip prints it, from the thread that runs that pip."""
        self._receiver = receiver
        self._wrapped_pip.on_line = line_reader(receiver) if receiver is not None else None

    def kill_running(self) -> None:
        """Kill the pips this runner started that are still running (see ``SubprocessPip.kill_running``)."""
        kill = getattr(self._wrapped_pip, "kill_running", None)
        if kill is not None:
            kill()

    def _execute(self, command: str, args: Sequence[str], env_vars: Optional[Dict[str, str]] = None,
                 shim: Optional[str] = None) -> PipResult:
        main_args = [command] + list(args)
        if self.temp_dir is not None:
            env_vars = dict(self._osutils.original_environ() if env_vars is None else env_vars)
            env_vars.update(pip_temp_environment(self.temp_dir))
        LOG.debug("calling pip %s", redact_credentials(" ".join(main_args)))
        rc, out, err = self._wrapped_pip.main(main_args, env_vars=env_vars, shim=shim)
        LOG.debug("pip rc %s\nstdout: %s\nstderr: %s", rc, _shown(out), _shown(err))
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
        env_vars.update(self.build_environment)
        shim = ""
        if not compile_c:
            env_vars.update(pip_no_compile_c_env_vars)
            env_vars["PIP_NO_CACHE_DIR"] = "1"
            shim = pip_no_compile_c_shim
        return self._execute("wheel", arguments, env_vars=env_vars, shim=shim)

    def install(self, requirements: Sequence[str], options: Sequence[str] = ()) -> PipResult:
        """Install ``requirements`` into this runner's interpreter (a build environment of ours, never the
        user's): pip's result, a failure not raised."""
        return self._execute("install", ["--disable-pip-version-check", *requirements, *options])

    def download_all_dependencies(self, requirements_filename: str, directory: str,
                                  options: Sequence[str] = (), target: Optional[LambdaTarget] = None,
                                  build_options: Optional[Sequence[str]] = None,
                                  reported: Optional[List[ReportedDistribution]] = None) -> Dict[str, List[str]]:
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
        such directory with the wheel file names it gave. Which requirements
        were directories pip says in its installation report, which a shim
        makes ``pip download`` write (``pip_report``) into the scratch
        directory (``temp_dir``), never into ``directory``; only a pip too old
        to write one has its output read for them. ``reported``, when given,
        receives the report's distributions (nothing from such a pip).
        """
        arguments = ["-r", requirements_filename, "--dest", directory, "--exists-action", "i"] + list(options)
        shim = ""
        if target is not None:
            arguments += target_arguments(target) + ["--prefer-binary"]
            shim = pip_tag_check_shim + pip_target_environment_shim(target.marker_environment())
        # Made here, so that no other file is taken for it; a temp_dir not (yet) made leaves the system's.
        report_dir = self.temp_dir if self.temp_dir is not None and os.path.isdir(self.temp_dir) else None
        report_file, report_path = tempfile.mkstemp(prefix="pip-report-", suffix=".json", dir=report_dir)
        os.close(report_file)
        try:
            env_vars = self._osutils.original_environ()
            env_vars[REPORT_VARIABLE] = report_path
            rc, out, err = self._execute("download", arguments, env_vars=env_vars, shim=shim + pip_report_shim)
            if rc != 0:
                raise download_error(err.decode("utf-8", "replace") if err else "Unknown error",
                                     out.decode("utf-8", "replace") if out else "")
            report = read_report(report_path)
        finally:
            with contextlib.suppress(OSError):  # gone with a scratch directory removed under an interrupted build
                os.remove(report_path)
        if report is not None:
            directories = report_directories(report)
            if reported is not None:
                reported.extend(report)
        else:
            LOG.debug("pip wrote no installation report (a pip before 22.2): local directories read from its output")
            directories = local_directories(out.decode("utf-8", "replace"), os.getcwd())
        built = {}
        for path in directories:
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


def target_arguments(target: LambdaTarget) -> List[str]:
    """pip's options that describe the target: its platforms, Python version and ABI."""
    arguments = list(itertools.chain.from_iterable(["--platform", p] for p in target.platforms))
    return arguments + ["--python-version", "%d.%d" % target.python_version, "--implementation", "cp",
                        "--abi", target.abi]


def _shown(output: Optional[bytes]) -> str:
    """pip's output for the log, credentials hidden (a runner may give None)."""
    return "" if output is None else redact_credentials(output.decode("utf-8", "replace"))


def _qualified(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"
