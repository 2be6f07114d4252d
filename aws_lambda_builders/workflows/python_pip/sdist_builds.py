"""Steps 4 and 5 at work: sdists built into wheels by one pip per CPU, each wheel kept in the build cache.

A build is mostly waiting on pip's own children (the build backend, the
compiler), so the sdists are shared out among one pip per CPU, in batches that
should take about as long (:func:`build_cost`); each pip builds its batch in one
interpreter start. An sdist built before (same content, same target, same
interpreter, options and compiler setting) is copied from the cache instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence

from .archives import member_sizes
from .exceptions import CorruptArchiveError
from .package import Package
from .pip_runner import PipResult, PipRunner

if TYPE_CHECKING:  # in typing from Python 3.10 only; read by the type checker, never imported
    from typing_extensions import TypeGuard

    from .cache import BuildCache

LOG = logging.getLogger(__name__)

BUILT = (0, b"", b"")  # the result of a build that was not needed: its wheel came from the cache

# A build's cost in bytes of compiled source: starting it and preparing its metadata take about what
# compiling 65 kB of C does (measured with pip 23.2 on docopt, markupsafe, pyrsistent and simplejson,
# whose builds take 0.9 s plus about 10 us per byte of C). The archive's own size says little: docs,
# tests and data weigh as much as code, and only code is compiled.
BUILD_START_COST = 65_000
COMPILED_SOURCES = (".c", ".cc", ".cpp", ".cxx", ".c++", ".pyx", ".rs", ".f", ".f90")


class SdistBuilds:
    """Builds sdists into wheels with ``runner`` (pip of the interpreter that compiles for the target).

    ``built_for`` names the target, interpreter and options in the cache's keys
    of built wheels (``cache_key.built_wheel_target``); ``options`` go to every
    ``pip wheel``.
    """

    def __init__(self, runner: PipRunner, options: Sequence[str], cache: Optional["BuildCache"], built_for: str,
                 workers: Optional[int] = None) -> None:
        self.runner = runner
        self._options = list(options)
        self._cache = cache
        self._built_for = built_for
        self._workers = workers

    def build(self, sdists: List[Package], directory: str, compile_c: bool) -> List[Optional[PipResult]]:
        """The results of building every sdist into ``directory``, in the order given; the first exception of
        a build is raised.

        When this thread is interrupted (Ctrl-C, SIGTERM) or a build raises, the
        batches not yet started are cancelled, the running pips killed and their
        threads waited for, so no pip is left writing into a scratch directory
        about to be removed.
        """
        workers = min(len(sdists), self._workers or os.cpu_count() or 1)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-pip-build")
        stop = threading.Event()  # no batch starts another pip once the builds are being stopped
        try:
            futures = [pool.submit(self._build_batch, batch, directory, compile_c, stop)
                       for batch in batches(sdists, directory, workers, compile_c)]
            wait(futures, return_when=FIRST_EXCEPTION)
            results: Dict[str, Optional[PipResult]] = {}
            for future in futures:
                results.update(future.result())
        except BaseException:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            self.runner.kill_running()
            pool.shutdown(wait=True)
            raise
        pool.shutdown(wait=True)
        return [results[sdist.filename] for sdist in sdists]

    def _build_batch(self, sdists: List[Package], directory: str, compile_c: bool,
                     stop: threading.Event) -> Dict[str, Optional[PipResult]]:
        """Build several sdists with one pip (one interpreter start, not one each); each result by filename.

        Those built before come from the cache. Each wheel pip makes goes to the
        sdist of its name and version; an sdist left without one is built again
        alone, so that what is reported about it is its own failure.
        """
        paths = [os.path.join(directory, sdist.filename) for sdist in sdists]
        if len(sdists) == 1:
            return {sdists[0].filename: self.build_one(paths[0], directory, compile_c)}
        results: Dict[str, Optional[PipResult]] = {}
        out_dir = tempfile.mkdtemp(prefix="build-", dir=directory)
        try:
            todo = [sdist for sdist, path in zip(sdists, paths) if not self._copy_built_before(path, directory,
                                                                                               compile_c)]
            results.update({sdist.filename: BUILT for sdist in sdists if sdist not in todo})
            if todo:
                self.runner.build_wheels([os.path.join(directory, s.filename) for s in todo], out_dir, compile_c,
                                         options=self._options)
            built: Dict[Package, List[str]] = {}
            for filename in sorted(os.listdir(out_dir)):
                if filename.endswith(".whl"):
                    built.setdefault(Package(out_dir, filename), []).append(filename)
            for sdist in todo:
                for filename in built.get(sdist, []):
                    os.replace(os.path.join(out_dir, filename), os.path.join(directory, filename))
                    self._keep_built(os.path.join(directory, sdist.filename), os.path.join(directory, filename),
                                     compile_c)
                    results[sdist.filename] = BUILT
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)
        for sdist, path in zip(sdists, paths):
            if sdist.filename not in results and not stop.is_set():
                results[sdist.filename] = self.build_one(path, directory, compile_c)
        return results

    def build_one(self, sdist_path: str, directory: str, compile_c: bool) -> Optional[PipResult]:
        """One build, into a fresh sub-directory of ``directory``; its wheels then moved into ``directory``.

        Builds that run together never share pip's output directory, and a build
        that fails (or is killed) leaves nothing behind: its sub-directory goes.
        """
        out_dir = tempfile.mkdtemp(prefix="build-", dir=directory)
        try:
            cached = self._copy_built_before(sdist_path, out_dir, compile_c)
            result = BUILT if cached else self.runner.build_wheel(sdist_path, out_dir, compile_c,
                                                                  options=self._options)
            if not build_failed(result):
                for filename in sorted(os.listdir(out_dir)):
                    if filename.endswith(".whl"):
                        if not cached:
                            self._keep_built(sdist_path, os.path.join(out_dir, filename), compile_c)
                        os.replace(os.path.join(out_dir, filename), os.path.join(directory, filename))
            return result
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)

    def build_project_without_c(self, project: str, directory: str) -> Optional[PipResult]:
        """Build a copy of the local ``project`` into ``directory`` without a C compiler: without the ``build/``
        directory a first build left in it, whose compiled objects would be reused."""
        copy = os.path.join(directory, "source")
        shutil.copytree(project, copy, ignore=_leaving_out_build_directory_of(project))
        return self.runner.build_wheel(copy, directory, False, options=self._options)

    def _copy_built_before(self, sdist_path: str, out_dir: str, compile_c: bool) -> bool:
        """Copy into ``out_dir`` the wheel the cache holds from this sdist (same content, same target); whether
        there was one."""
        if self._cache is None or not os.path.isfile(sdist_path):
            return False
        cached = self._cache.built_wheel(sdist_path, self._built_for, compile_c)
        if cached is None:
            return False
        try:
            shutil.copyfile(cached, os.path.join(out_dir, os.path.basename(cached)))
            return True
        except OSError as error:  # replaced by another build since it was checked: build it here
            LOG.debug("cache: %s", error)
            return False

    def _keep_built(self, sdist_path: str, wheel_path: str, compile_c: bool) -> None:
        """Keep a wheel just built from ``sdist_path`` in the cache; a failure only means building it next time."""
        if self._cache is None or not os.path.isfile(sdist_path):
            return
        try:
            self._cache.store_built_wheel(sdist_path, self._built_for, compile_c, wheel_path)
        except OSError as error:
            LOG.warning("could not keep %s in the build cache: %s", os.path.basename(wheel_path), error)


def _leaving_out_build_directory_of(source: str) -> Callable[[str, List[str]], List[str]]:
    """A ``copytree`` ignore that leaves out the ``build/`` directory at the top of ``source`` only."""
    def ignore(directory: str, names: List[str]) -> List[str]:
        return ["build"] if directory == source else []
    return ignore


def batches(sdists: List[Package], directory: str, workers: int, compile_c: bool) -> List[List[Package]]:
    """The sdists in ``workers`` batches that should take about as long (see :func:`build_cost`), each in
    name order, the costliest shared out first."""
    costs = {sdist: build_cost(os.path.join(directory, sdist.filename), compile_c) for sdist in sdists}
    shares: List[List[Package]] = [[] for _ in range(workers)]
    totals = [0] * workers
    for sdist in sorted(sdists, key=lambda s: (-costs[s], s.identifier)):
        cheapest = totals.index(min(totals))
        shares[cheapest].append(sdist)
        totals[cheapest] += costs[sdist]
    return [sorted(share, key=lambda p: p.identifier) for share in shares if share]


def build_cost(sdist_path: str, compile_c: bool) -> int:
    """What building the sdist should cost, to share builds out evenly: a start, plus its compiled sources."""
    if not compile_c:
        return BUILD_START_COST
    try:
        sizes = member_sizes(sdist_path)
    except (OSError, CorruptArchiveError):  # pip reports what is wrong with it when it builds it
        return BUILD_START_COST + _size_of(sdist_path)
    return BUILD_START_COST + sum(size for name, size in sizes.items() if name.lower().endswith(COMPILED_SOURCES))


def _size_of(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def build_failed(result: object) -> "TypeGuard[PipResult]":
    """Whether a build's result is pip's non-zero exit. (Runners written for the original return None.)"""
    return isinstance(result, tuple) and bool(result[0])
