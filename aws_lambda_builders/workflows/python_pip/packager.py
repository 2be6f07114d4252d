"""Builds a Lambda function's Python dependencies into a directory: the Chalice packager.

The public names here are those of aws-lambda-builders' ``python_pip.packager``,
so its callers switch without changes. ``DependencyBuilder.build_site_packages``
runs the nine steps of the design (DESIGN.md upstream):

1. let pip download the whole closure, wheels where it can, sdists otherwise;
2. sort it into sdists, Lambda-compatible wheels and incompatible wheels;
3. ask pip for a compatible wheel of everything that has none;
4. build the remaining sdists into wheels;
5. build them again without a C compiler, for optional C extensions;
6. accept packages known to lie about their compatibility (the allowlist);
7. name what is still missing, and why;
8. install the compatible wheels into the target directory;
9. remove the scratch files.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import platform
import shutil
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import (TYPE_CHECKING, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple,
                    TypedDict, Union)

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from aws_lambda_builders.architecture import ARM64, X86_64

from .exceptions import (
    ConflictingRequirementsError,
    CorruptArchiveError,
    DiskFullError,
    HashMismatchError,
    IndexAuthenticationError,
    IndexNotFoundError,
    IndexUnreachableError,
    InvalidRequirementLineError,
    InvalidSourceDistributionNameError,
    InvalidWheelError,
    MissingDependencyError,
    NoSuchPackageError,
    PackageDownloadError,
    PackagerError,
    RequirementsFileNotFoundError,
    UnreadableProjectError,
    UnreadableSourceError,
    UnsafeArchiveError,
    UnsafeOutputError,
    UnsafeProjectLinkError,
    UnsafeSourceLinkError,
    InvalidPathError,
    UnsupportedArchitectureError,
    UnsupportedPackageError,
    UnsupportedPythonVersion,
)
from .archives import member_sizes
from .interpreters import find_interpreters, interpreter_for
from .missing import explain_missing
from .pip_runner import PipResult, PipRunner, SubprocessPip, pip_error_summary
from .pure_wheel import holds_compiled_code, retag_as_pure
from .local_projects import scratch_requirements
from .requirements_file import RequirementsFile, decode_requirements_file, invalid_requirement, read_requirements_file
from .sdist import SDistMetadataFetcher, SDistMetadataFinder
from .build_isolation import retry_with_isolation
from .bundle_check import check_wheel_binaries
from .cache import BuildCache, Placement
from .cache_key import built_wheel_target
from .target import LambdaTarget, wheel_tags
from .utils import UI, Config, OSUtils
from .wheel_install import install_wheel, spelled_data_dir

if TYPE_CHECKING:  # in typing from Python 3.10 only; read by the type checker, never imported
    from typing_extensions import TypeGuard

LOG = logging.getLogger(__name__)

__all__ = [
    "ARM64",
    "X86_64",
    "DependencyBuilder",
    "ConflictingRequirementsError",
    "DiskFullError",
    "HashMismatchError",
    "IndexAuthenticationError",
    "IndexNotFoundError",
    "IndexUnreachableError",
    "InvalidRequirementLineError",
    "InvalidSourceDistributionNameError",
    "InvalidWheelError",
    "MissingDependencyError",
    "NoSuchPackageError",
    "Package",
    "PackageDownloadError",
    "PackagerError",
    "PipRunner",
    "PythonPipDependencyBuilder",
    "RequirementsFileNotFoundError",
    "SDistMetadataFetcher",
    "SDistMetadataFinder",
    "SubprocessPip",
    "UnreadableProjectError",
    "UnreadableSourceError",
    "UnsafeArchiveError",
    "UnsafeOutputError",
    "UnsafeProjectLinkError",
    "UnsafeSourceLinkError",
    "InvalidPathError",
    "UnsupportedArchitectureError",
    "UnsupportedPackageError",
    "UnsupportedPythonVersion",
    "get_lambda_abi",
]

STEPS = (
    "download",
    "sort",
    "download-compatible-wheels",
    "build-sdists",
    "build-sdists-without-c",
    "allowlist",
    "find-missing",
    "install",
    "clean-up",
)


def get_lambda_abi(runtime: str) -> str:
    """The CPython ABI tag of a Lambda runtime: ``python3.12`` -> ``cp312``."""
    return LambdaTarget(runtime).abi


class _BuildSitePackagesOptions(TypedDict, total=False):
    """The optional arguments of ``DependencyBuilder.build_site_packages``."""

    ui: UI
    config: Config


class PythonPipDependencyBuilder:
    """The facade build tools call: one method, ``build_dependencies``."""

    def __init__(self, runtime: str, python_exe: Optional[str], osutils: Optional[OSUtils] = None,
                 dependency_builder: Optional["DependencyBuilder"] = None, architecture: str = X86_64) -> None:
        self.osutils = osutils or OSUtils()
        if dependency_builder is None:
            dependency_builder = DependencyBuilder(self.osutils, runtime, python_exe or sys.executable,
                                                   architecture=architecture)
        self._dependency_builder = dependency_builder

    @property
    def placement(self) -> Optional[Placement]:
        """What the last build placed from the cache, file by file; None when the cache was off."""
        return getattr(self._dependency_builder, "placement", None)

    def build_dependencies(self, artifacts_dir_path: str, scratch_dir_path: str, requirements_path: str,
                           ui: Optional[UI] = None, config: Optional[Config] = None) -> None:
        """Build the dependencies listed in ``requirements_path`` into ``artifacts_dir_path``.

        ``scratch_dir_path`` holds the downloads and builds while they last;
        ``ui`` receives progress and ``config`` adds pip options (index URLs,
        find-links, trusted hosts) to every pip call.
        Raises :class:`MissingDependencyError` after installing all the rest
        when some dependency has no build for the target.
        """
        # Only what was given: a dependency builder of aws-lambda-builders' shape takes neither.
        extra: _BuildSitePackagesOptions = {}
        if ui is not None:
            extra["ui"] = ui
        if config is not None:
            extra["config"] = config
        self._dependency_builder.build_site_packages(requirements_path, artifacts_dir_path, scratch_dir_path,
                                                     **extra)


class DependencyBuilder:
    """Builds a site-packages directory for one Lambda target from a requirements file."""

    # Packages whose wheels claim a platform but work anywhere (their C parts are optional).
    _COMPATIBLE_PACKAGE_ALLOWLIST = {"sqlalchemy"}

    def __init__(self, osutils: OSUtils, runtime: str, python_exe: str, pip_runner: Optional[PipRunner] = None,
                 architecture: str = X86_64) -> None:
        self._osutils = osutils
        self.runtime = runtime
        self.python_exe = python_exe
        self.architecture = architecture
        self.target = LambdaTarget(runtime, architecture)
        # With its own real pip it also looks at the machine and the network beyond pip: for an
        # interpreter of the target's version to compile sdists, and at an index pip found nothing on.
        self._real_pip = pip_runner is None
        if pip_runner is None:
            pip_runner = PipRunner(python_exe=python_exe, pip=SubprocessPip(osutils, python_exe))
        self._pip = pip_runner
        self._sdist_pip: Optional[PipRunner] = None
        self._pip_temp_dir: Optional[str] = None
        self._resolved_for_target = False
        self._built_without_c: Set[str] = set()  # sdists already built without a C compiler in this build
        self._ui = UI()
        self._pip_options: List[str] = []
        self._later_pip_options: List[str] = []
        self._requirements = RequirementsFile()
        self._build_errors: Dict[str, str] = {}
        self._local_builds: Dict[str, Set[Package]] = {}  # by the user's project directory
        self._local_copies: Dict[str, str] = {}  # the user's project directory -> the copy pip builds
        self._binary_problems_seen: Dict[Tuple[str, int, int], List[str]] = {}
        self._cache: Optional[BuildCache] = None
        # The files the last build placed from the cache, by tree; None when it did not use the cache.
        self.placement: Optional[Placement] = None

    @property
    def compatible_platforms(self) -> List[str]:
        """The platform tags valid for the runtime and architecture, as pip's ``--platform`` takes them."""
        return list(self.target.platforms)

    def build_site_packages(self, requirements_filepath: str, target_directory: str, scratch_directory: str,
                            ui: Optional[UI] = None, config: Optional[Config] = None) -> None:
        """Install every dependency of ``requirements_filepath`` into ``target_directory``.

        The bundle is assembled beside ``target_directory`` and put in its place
        only when the build succeeds: on any error ``target_directory`` is as it
        was. :class:`MissingDependencyError` names every package with no build
        for the target; with ``Config(allow_missing=True)`` the rest is installed
        first, as aws-lambda-builders does. Whatever happens, nothing this call
        wrote is left in ``scratch_directory``. (The one build: ``orchestrator.build``.)
        """
        requirements_filepath, target_directory, scratch_directory = (
            path_argument(name, value) for name, value in (("requirements_filepath", requirements_filepath),
                                                           ("target_directory", target_directory),
                                                           ("scratch_directory", scratch_directory)))
        if not self._osutils.file_exists(requirements_filepath):
            raise RequirementsFileNotFoundError(requirements_filepath)
        from .orchestrator import BuildRequest, build

        self.placement = None
        result = build(BuildRequest(requirements=requirements_filepath, output=target_directory,
                                    runtime=self.runtime, architecture=self.architecture, python=self.python_exe,
                                    config=config or Config(), scratch_dir=scratch_directory),
                       ui=ui, installer=self)
        self.placement = result.placement
        if result.missing is not None:
            raise result.missing

    def install_dependencies(self, requirements: str, libraries: str, scratch: str, ui: UI, config: Config,
                             cache: Optional[BuildCache], skip: Sequence[str] = ()) -> Optional[Placement]:
        """Steps 1 to 9 into the (empty) directory ``libraries``; what the cache placed (None: not used).

        ``scratch`` is this build's own directory, emptied by the caller;
        ``skip`` are the build's other paths (its output, its cache), never
        copied with a local project that holds them. Raises
        :class:`MissingDependencyError` last.
        """
        self._ui = ui
        self._cache = cache
        self.placement = None
        self._build_into(libraries, requirements, scratch, config, own_paths=skip)
        return self.placement

    def _build_into(self, staging: str, requirements_filepath: str, build_dir: str, config: Config,
                    own_paths: Sequence[str] = ()) -> None:
        """Steps 1 to 9 into the (empty) staging directory; raises MissingDependencyError last."""
        if not _has_at_least_one_package(requirements_filepath):
            return
        self._requirements = read_requirements_file(requirements_filepath)
        for line in self._requirements.requirements:
            why = invalid_requirement(line)
            if why:
                raise InvalidRequirementLineError(line.path, line.number, line.requirement, why)
        # pip reads the file's own options in the first download; the later passes name
        # packages one by one and need them passed along.
        self._pip_options = config.pip_options()
        self._later_pip_options = self._pip_options + self._requirements.pip_options
        self._build_errors = {}
        self._built_without_c = set()
        inputs_dir, work_dir, pip_temp = (os.path.join(build_dir, name) for name in ("inputs", "downloads", "tmp"))
        try:
            for directory in (inputs_dir, work_dir, pip_temp):
                os.mkdir(directory)
            self._send_pip_temp_files_to(pip_temp)
            # pip builds a local project where it is: it is given copies, so nothing is written into the user's.
            for_pip = scratch_requirements(requirements_filepath, inputs_dir, skip=[build_dir, staging, *own_paths])
            self._local_copies = for_pip.copies
            wheels, missing, reasons = self._download_dependencies(work_dir, for_pip.path)
            if missing and not config.allow_missing:
                raise MissingDependencyError(missing, reasons)
            with self._step("install"):
                self._install_wheels(work_dir, staging, wheels)
        finally:
            self._send_pip_temp_files_to(None)
            with self._step("clean-up"):
                for directory in (inputs_dir, work_dir, pip_temp):
                    shutil.rmtree(directory, ignore_errors=True)
        if missing:
            raise MissingDependencyError(missing, reasons)

    def _send_pip_temp_files_to(self, directory: Optional[str]) -> None:
        """Where pip's temporary files go during this build (None: back to the system's temporary directory).

        They are in the build's scratch directory, so that they go with it even
        when pip is killed before it could remove them itself.
        """
        self._pip_temp_dir = directory
        for runner in (self._pip, self._sdist_pip):
            if isinstance(runner, PipRunner):
                runner.temp_dir = directory

    @contextlib.contextmanager
    def _step(self, name: str) -> Iterator[None]:
        self._ui.step_started(name)
        yield
        self._ui.step_finished(name)

    def _download_dependencies(self, directory: str, requirements_filename: str
                               ) -> Tuple[Set[Package], Set[Union[Package, LocalProject]], Dict[str, str]]:
        with self._step("download"):
            deps = self._download_all_dependencies(requirements_filename, directory)
        with self._step("sort"):
            sdists, compatible_wheels, incompatible_wheels = self._sort(deps)
        LOG.debug("initial compatible: %s; incompatible: %s", compatible_wheels, incompatible_wheels | sdists)

        with self._step("download-compatible-wheels"):
            # A local project is never looked up on the index: a release of the
            # same name there is somebody else's code.
            local = set().union(*self._local_builds.values())
            self._download_binary_wheels((sdists | (incompatible_wheels - compatible_wheels)) - local, directory)

        with self._step("build-sdists"):
            compatible_wheels, _ = self._categorize_wheel_files(directory)
            self._build_sdists(sdists - compatible_wheels, directory, compile_c=True)

        with self._step("build-sdists-without-c"):
            compatible_wheels, _ = self._categorize_wheel_files(directory)
            self._build_sdists(sdists - compatible_wheels, directory, compile_c=False)
            self._rebuild_local_directories_without_c(directory)

        with self._step("allowlist"):
            compatible_wheels, incompatible_wheels = self._categorize_wheel_files(directory)
            compatible_wheels, incompatible_wheels = self._apply_wheel_allowlist(compatible_wheels,
                                                                                 incompatible_wheels)
            compatible_wheels |= self._retag_pure_wheels(incompatible_wheels - compatible_wheels, directory)

        with self._step("find-missing"):
            missing_wheels = (deps - compatible_wheels) | self._unbuilt_local_projects()
            reasons = self._missing_reasons(missing_wheels, directory)
        LOG.debug("final compatible: %s; missing: %s", compatible_wheels, missing_wheels)
        return compatible_wheels, missing_wheels, reasons

    def _download_all_dependencies(self, requirements_filename: str, directory: str) -> Set["Package"]:
        """Step 1: pip resolves the closure for the target (its markers, Python version and wheels).

        When pip finds nothing for the target for some requirement, it is
        resolved again on this machine, as the original packager does, so that
        the later steps can try to build it and name it missing with what exists.
        Whether the target's resolution held is kept for step 3.
        """
        self._resolved_for_target = False
        try:
            built_locally = self._resolve(requirements_filename, directory, self.target)
            self._resolved_for_target = True
        except NoSuchPackageError as error:
            from .index_probe import diagnose, index_urls  # urllib's HTTP stack, needed only to explain this

            problem = self._real_pip and diagnose(error.package_name, index_urls(self._later_pip_options))
            if problem:
                raise problem from error
            self._ui.warning(f"pip found nothing for {self.target.describe()} for {error.package_name}; "
                             "resolving on this machine instead, to report what is missing")
            self._empty(directory)
            built_locally = self._resolve(requirements_filename, directory, None)
        sources = {copy: source for source, copy in self._local_copies.items()}
        self._local_builds = {
            sources.get(copy, copy): {Package(directory, f, self.python_exe, self._osutils)
                                      for f in wheels if f.endswith(".whl")}
            for copy, wheels in dict(built_locally or {}).items()
        }
        filenames = sorted(self._osutils.get_directory_contents(directory))
        for filename in filenames:
            self._ui.package_downloaded(filename)
        return {Package(directory, filename, self.python_exe, self._osutils, temp_dir=self._pip_temp_dir)
                for filename in filenames}

    def _resolve(self, requirements_filename: str, directory: str,
                 target: Optional[LambdaTarget]) -> Dict[str, List[str]]:
        """One ``pip download`` of the closure, for ``target`` (None: for this machine).

        With pip itself, an sdist's metadata is first prepared without build
        isolation: pip would otherwise install a fresh build backend for every
        sdist only to read its dependencies, which is most of the time a
        resolution takes. The wheels are still built in isolation (step 4).
        An sdist whose backend this interpreter lacks fails that way, and so
        does one whose version only its build requirements compute (pip
        discards it as "inconsistent"): the resolution then runs again with
        isolation (see :func:`retry_with_isolation`).
        """
        def download(options: Sequence[str]) -> Dict[str, List[str]]:
            return self._pip.download_all_dependencies(requirements_filename, directory, options=options,
                                                       target=target, build_options=self._later_pip_options)

        if getattr(self._pip, "runs_pip", False):
            try:
                return download(self._pip_options + _NO_ISOLATION)
            except (PackageDownloadError, NoSuchPackageError) as error:
                if not retry_with_isolation(error):  # pip's verdict on the requirements: no retry helps
                    raise
                LOG.debug("resolution without build isolation failed, retrying with it: %s", error)
                self._empty(directory)
        return download(self._pip_options)

    def _empty(self, directory: str) -> None:
        for leftover in self._osutils.get_directory_contents(directory):
            path = os.path.join(directory, leftover)
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

    def _sort(self, deps: Iterable["Package"]) -> Tuple[Set["Package"], Set["Package"], Set["Package"]]:
        sdists, compatible, incompatible = set(), set(), set()
        for package in deps:
            if package.dist_type == "sdist":
                sdists.add(package)
            elif self._is_compatible_wheel_filename(package.filename):
                compatible.add(package)
            else:
                incompatible.add(package)
        return sdists, compatible, incompatible

    def _download_binary_wheels(self, packages: Set["Package"], directory: str) -> None:
        """Step 3: ask pip for a wheel for the target of each package that has none.

        After a resolution for the target (step 1 without the fallback), pip has
        already looked for such a wheel of every version it chose, with the
        target's tags and ``--prefer-binary``: an sdist it chose has none, and
        asking again would only cost a pip process. Its incompatible wheels (which
        such a resolution should not give, but a custom runner may) are still
        asked for, and so is everything after a resolution on this machine.
        """
        if self._resolved_for_target:
            packages = {package for package in packages if package.dist_type != "sdist"}
        if not packages:
            return
        before = set(self._osutils.get_directory_contents(directory))
        self._pip.download_manylinux_wheels(
            sorted(pkg.identifier for pkg in packages), directory, self.target.abi, self.compatible_platforms,
            options=self._later_pip_options,
        )
        for filename in sorted(set(self._osutils.get_directory_contents(directory)) - before):
            self._verify_hash(directory, filename)
            self._ui.package_downloaded(filename)

    def _verify_hash(self, directory: str, filename: str) -> None:
        """Hold a download of the later passes to the ``--hash`` pins, as pip holds the first one."""
        pinned = self._requirements.hashes_by_name()
        if not pinned:
            return
        package = Package(directory, filename, self.python_exe, self._osutils, temp_dir=self._pip_temp_dir)
        path = os.path.join(directory, filename)
        allowed = pinned.get(package.name, set())
        for algorithm in sorted({pin.split(":", 1)[0] for pin in allowed} & {"sha256", "sha384", "sha512"}):
            with open(path, "rb") as f:
                if f"{algorithm}:{hashlib.new(algorithm, f.read()).hexdigest()}" in allowed:
                    return
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        os.remove(path)
        raise HashMismatchError([package.identifier], f"{filename} has sha256:{digest}, which is not pinned")

    def _build_sdists(self, sdists: Set["Package"], directory: str, compile_c: bool = True) -> None:
        """Steps 4 and 5: build each sdist into a wheel in ``directory``, several at a time.

        A build is mostly waiting on pip's own children (the build backend, the
        compiler), so one pip per CPU runs, each building its share of the
        sdists into its own sub-directory (see :meth:`_run_builds`). What is
        reported is reported from this thread once all are done, in the order of
        the identifiers, so the output is the same as when they ran one by one.
        """
        if compile_c and self._real_pip and platform.machine() != self.target.machine:
            # A compiler here makes code for this CPU, which the target cannot load: the build
            # without one (step 5's) is the only one whose wheel can be used, so it runs now, once.
            compile_c = False
        ordered = sorted((s for s in sdists if compile_c or s.filename not in self._built_without_c),
                         key=lambda p: p.identifier)
        if not compile_c:
            self._built_without_c.update(s.filename for s in ordered)
        if not ordered:
            return
        self._sdist_runner()  # made here, once: it is made lazily, and not by several threads at once
        results = self._run_builds(ordered, directory, compile_c)
        compatible = self._categorize_wheel_files(directory)[0]
        for sdist, result in zip(ordered, results):
            if self._record_build_error(sdist.identifier, result):
                continue
            built = [w for w in compatible if w == sdist]
            if built:
                self._ui.package_built(sdist.filename, built[0].filename)

    def _run_builds(self, sdists: List["Package"], directory: str, compile_c: bool) -> List[object]:
        """The results of building every sdist, in the order given; the first exception of a build is raised.

        The sdists are shared out among one pip per CPU (see :meth:`_build_batch`)
        so that the batches take about as long (see :meth:`_batches`).
        When this thread is interrupted (Ctrl-C, SIGTERM) or a build raises, the
        batches not yet started are cancelled, the running pips killed and their
        threads waited for, so no pip is left writing into a scratch directory
        about to be removed.
        """
        workers = min(len(sdists), os.cpu_count() or 1)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lambda-pip-build")
        stop = threading.Event()  # no batch starts another pip once the builds are being stopped
        try:
            futures = [pool.submit(self._build_batch, batch, directory, compile_c, stop)
                       for batch in self._batches(sdists, directory, workers, compile_c)]
            wait(futures, return_when=FIRST_EXCEPTION)
            results: Dict[str, object] = {}
            for future in futures:
                results.update(future.result())
        except BaseException:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            getattr(self._sdist_runner(), "kill_running", lambda: None)()
            pool.shutdown(wait=True)
            raise
        pool.shutdown(wait=True)
        return [results[sdist.filename] for sdist in sdists]

    def _batches(self, sdists: List["Package"], directory: str, workers: int,
                 compile_c: bool) -> List[List["Package"]]:
        """The sdists in ``workers`` batches that should take about as long (see :func:`_build_cost`), each in
        name order, the costliest shared out first.

        A runner that builds its own way (one whose ``build_wheel`` is not
        ours) is given one sdist at a time, as the original did.
        """
        runner = self._sdist_runner()
        if getattr(type(runner), "build_wheel", None) is not PipRunner.build_wheel:
            return [[sdist] for sdist in sdists]
        costs = {sdist: _build_cost(os.path.join(directory, sdist.filename), compile_c) for sdist in sdists}
        batches: List[List[Package]] = [[] for _ in range(workers)]
        totals = [0] * workers
        for sdist in sorted(sdists, key=lambda s: (-costs[s], s.identifier)):
            cheapest = totals.index(min(totals))
            batches[cheapest].append(sdist)
            totals[cheapest] += costs[sdist]
        return [sorted(batch, key=lambda p: p.identifier) for batch in batches if batch]

    def _build_batch(self, sdists: List["Package"], directory: str, compile_c: bool,
                     stop: threading.Event) -> Dict[str, object]:
        """Build several sdists with one pip (one interpreter start, not one each); each result by filename.

        Those built before come from the cache. Each wheel pip makes goes to the
        sdist of its name and version; an sdist left without one is built again
        alone, so that what is reported about it is its own failure.
        """
        paths = [os.path.join(directory, sdist.filename) for sdist in sdists]
        if len(sdists) == 1:
            return {sdists[0].filename: self._build_sdist_in_own_directory(paths[0], directory, compile_c)}
        results: Dict[str, object] = {}
        out_dir = tempfile.mkdtemp(prefix="build-", dir=directory)
        try:
            todo = [sdist for sdist, path in zip(sdists, paths)
                    if not self._copy_built_before(path, directory, compile_c)]
            results.update({sdist.filename: (0, b"", b"") for sdist in sdists if sdist not in todo})
            if todo:
                self._sdist_runner().build_wheels([os.path.join(directory, s.filename) for s in todo], out_dir,
                                                  compile_c, options=self._later_pip_options)
            built: Dict[Package, List[str]] = {}
            for filename in sorted(os.listdir(out_dir)):
                if filename.endswith(".whl"):
                    built.setdefault(Package(out_dir, filename, osutils=self._osutils), []).append(filename)
            for sdist in todo:
                if sdist not in built:
                    continue
                for filename in built[sdist]:
                    os.replace(os.path.join(out_dir, filename), os.path.join(directory, filename))
                    self._keep_built(os.path.join(directory, sdist.filename), os.path.join(directory, filename),
                                     compile_c)
                results[sdist.filename] = (0, b"", b"")
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)
        for sdist, path in zip(sdists, paths):
            if sdist.filename not in results and not stop.is_set():
                results[sdist.filename] = self._build_sdist_in_own_directory(path, directory, compile_c)
        return results

    def _build_sdist_in_own_directory(self, sdist_path: str, directory: str, compile_c: bool) -> object:
        """One build, into a fresh sub-directory of ``directory``; its wheels then moved into ``directory``.

        Builds that run together never share pip's output directory, and a build
        that fails (or is killed) leaves nothing behind: its sub-directory goes.
        """
        out_dir = tempfile.mkdtemp(prefix="build-", dir=directory)
        try:
            result = self._build_sdist_wheel(sdist_path, out_dir, compile_c)
            if not _build_failed(result):
                for filename in sorted(os.listdir(out_dir)):
                    if filename.endswith(".whl"):
                        os.replace(os.path.join(out_dir, filename), os.path.join(directory, filename))
            return result
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)

    def _build_sdist_wheel(self, sdist_path: str, out_dir: str, compile_c: bool) -> object:
        """Build one sdist into a wheel in ``out_dir``; pip's result (or what a custom runner returns).

        With the cache, an sdist of the same content built before for the same
        target, by the same interpreter, with the same options and compiler
        setting, is not built again: its wheel is copied from the cache.
        """
        if self._copy_built_before(sdist_path, out_dir, compile_c):
            return 0, b"", b""
        result = self._sdist_runner().build_wheel(sdist_path, out_dir, compile_c, options=self._later_pip_options)
        if not _build_failed(result):
            for filename in sorted(os.listdir(out_dir)):
                if filename.endswith(".whl"):
                    self._keep_built(sdist_path, os.path.join(out_dir, filename), compile_c)
        return result

    def _built_for(self) -> str:
        return built_wheel_target(self.runtime, self.architecture, getattr(self._sdist_runner(), "python_exe", ""),
                                  self._later_pip_options)

    def _copy_built_before(self, sdist_path: str, out_dir: str, compile_c: bool) -> bool:
        """Copy into ``out_dir`` the wheel the cache holds from this sdist (same content, same target); whether
        there was one."""
        if self._cache is None or not os.path.isfile(sdist_path):
            return False
        cached = self._cache.built_wheel(sdist_path, self._built_for(), compile_c)
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
            self._cache.store_built_wheel(sdist_path, self._built_for(), compile_c, wheel_path)
        except OSError as error:
            LOG.warning("could not keep %s in the build cache: %s", os.path.basename(wheel_path), error)

    def _sdist_runner(self) -> PipRunner:
        """pip in an interpreter of the target's Python version when this machine has one.

        Its C extensions are then for the target's ABI; without one, sdists are
        built by ``python_exe`` and only the pure-Python ones come out usable.
        """
        if self._sdist_pip is None:
            self._sdist_pip = self._pip
            if self._real_pip:
                found = interpreter_for(self.target.python_version, [self.python_exe])
                if found and found.path != os.path.realpath(self.python_exe):
                    self._ui.write(f"building sdists with Python {found.describe()}")
                    self._sdist_pip = PipRunner(found.path, SubprocessPip(self._osutils, found.path), self._osutils,
                                                temp_dir=self._pip_temp_dir)
        return self._sdist_pip

    def _compiler_note(self) -> str:
        """What compiling for the target would need that this machine lacks, for the missing report."""
        needs = []
        if not self._real_pip:
            return ""
        if interpreter_for(self.target.python_version, [self.python_exe]) is None:
            found = ", ".join(i.describe() for i in find_interpreters([self.python_exe])) or "none"
            major, minor = self.target.python_version
            needs.append(f"a python{major}.{minor} interpreter (pass --python; found: {found})")
        if platform.machine() != self.target.machine:
            needs.append(f"an {self.target.machine} machine")
        return "if it has C code, compiling it for the target needs " + " and ".join(needs) if needs else ""

    def _record_build_error(self, key: str, result: object) -> bool:
        """Keep pip's reason when a build failed. (Runners written for the original return None.)

        The first failure is kept: the build with a compiler says what is wrong
        with the code; the one without says only that there was no compiler.
        """
        if _build_failed(result):
            self._build_errors.setdefault(key, pip_error_summary(result[2].decode("utf-8", "replace")))
            return True
        return False

    def _unbuilt_local_projects(self) -> Set["LocalProject"]:
        """Local directory requirements from which pip could not build any wheel."""
        return {LocalProject(source) for source, wheels in self._local_builds.items() if not wheels}

    def _rebuild_local_directories_without_c(self, directory: str) -> None:
        """Step 5 for local directory requirements, which pip built in step 1 with a compiler.

        Each one whose wheel is incompatible is copied aside (without the
        ``build/`` directory the first build left, whose compiled objects would
        be reused) and rebuilt without a compiler; a compatible wheel replaces it.
        """
        compatible, incompatible = self._categorize_wheel_files(directory)
        still_missing = incompatible - compatible
        for source, wheels in sorted(self._local_builds.items()):
            if not wheels & still_missing:
                continue
            aside = tempfile.mkdtemp(prefix="no-c-", dir=directory)
            try:
                copy, built = os.path.join(aside, "source"), self._local_copies.get(source, source)
                shutil.copytree(built, copy, ignore=_leaving_out_build_directory_of(built))
                self._record_build_error(source, self._sdist_runner().build_wheel(
                    copy, aside, False, options=self._later_pip_options))
                # Iterate the new wheels themselves: a set intersection may keep the old ones.
                for wheel in [w for w in self._categorize_wheel_files(aside)[0] if w in still_missing]:
                    shutil.move(os.path.join(aside, wheel.filename), os.path.join(directory, wheel.filename))
                    self._ui.package_built(source, wheel.filename)
            finally:
                shutil.rmtree(aside, ignore_errors=True)

    def _categorize_wheel_files(self, directory: str) -> Tuple[Set["Package"], Set["Package"]]:
        compatible: Set[Package] = set()
        incompatible: Set[Package] = set()
        for filename in sorted(self._osutils.get_directory_contents(directory)):
            if not filename.endswith(".whl"):
                continue
            wheel = Package(directory, filename, self.python_exe, self._osutils)
            loads = self._is_compatible_wheel_filename(filename) and not self._binary_problems(directory, filename)
            (compatible if loads else incompatible).add(wheel)
        return compatible, incompatible

    def _binary_problems(self, directory: str, filename: str) -> List[str]:
        """Why the shared objects of a wheel built on this machine would not load on the target.

        Its ``linux_<arch>`` tag says only which CPU built it: the glibc it
        links against is this machine's, which may be newer than the runtime's.
        Wheels from an index carry a manylinux tag that already says so.
        """
        if not all(tag.platform.startswith("linux_") for tag in wheel_tags(filename)):
            return []
        path = os.path.join(directory, filename)
        stat = os.stat(path)
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in self._binary_problems_seen:
            self._binary_problems_seen[key] = [str(p) for p in check_wheel_binaries(path, self.target)]
        return self._binary_problems_seen[key]

    def _is_compatible_wheel_filename(self, filename: str) -> bool:
        return self.target.is_compatible_wheel(filename)

    def _apply_wheel_allowlist(self, compatible_wheels: Set["Package"],
                               incompatible_wheels: Set["Package"]) -> Tuple[Set["Package"], Set["Package"]]:
        compatible_wheels = set(compatible_wheels)
        still_incompatible = set()
        for package in incompatible_wheels:
            if package.name in self._COMPATIBLE_PACKAGE_ALLOWLIST:
                compatible_wheels.add(package)
            else:
                still_incompatible.add(package)
        return compatible_wheels, still_incompatible

    def _retag_pure_wheels(self, wheels: Set["Package"], directory: str) -> Set["Package"]:
        """The other liars: wheels built here whose tag names this machine but which hold no compiled code."""
        pure = set()
        for wheel in sorted(wheels, key=lambda p: p.identifier):
            path = os.path.join(directory, wheel.filename)
            names_this_machine = all(t.platform.startswith("linux_") for t in wheel_tags(wheel.filename))
            if not names_this_machine or holds_compiled_code(path):
                continue
            retagged = os.path.basename(retag_as_pure(path))
            self._ui.write(f"{wheel.filename} holds no compiled code: installed as {retagged}")
            pure.add(Package(directory, retagged, self.python_exe, self._osutils))
        return pure

    def _missing_reasons(self, missing: Iterable[Union[Package, LocalProject]], directory: str) -> Dict[str, str]:
        wheel_files = [Package(directory, f, self.python_exe, self._osutils)
                       for f in sorted(self._osutils.get_directory_contents(directory)) if f.endswith(".whl")]
        reasons = {}
        local = set().union(*self._local_builds.values())
        for package in sorted(missing, key=lambda p: p.identifier):
            if isinstance(package, LocalProject):
                reasons[package.identifier] = (
                    f"pip could not build the local project {package.filename} into a wheel; "
                    f"`pip wheel --no-deps {package.filename}` shows why")
                self._ui.package_missing(package.identifier, reasons[package.identifier])
                continue
            wheels = [w.filename + "".join(f" ({problem})" for problem in self._binary_problems(directory, w.filename))
                      for w in wheel_files if w == package]
            sdist = package.filename if package.dist_type == "sdist" else None
            reasons[package.identifier] = explain_missing(
                self.target, wheels, sdist, self._build_errors.get(package.identifier))
            if sdist or package in local:
                note = self._compiler_note()
                reasons[package.identifier] += f"; {note}" if note else ""
            self._ui.package_missing(package.identifier, reasons[package.identifier])
        return reasons

    def _install_wheels(self, src_dir: str, dst_dir: str, wheels: Iterable["Package"]) -> None:
        """Install the wheels in order (a later one wins a file two hold): linked from the cache when it is on."""
        if self._osutils.directory_exists(dst_dir):
            self._osutils.rmtree(dst_dir)
        self._osutils.makedirs(dst_dir)
        ordered = sorted(wheels, key=lambda p: p.identifier)
        if self._cache is not None:
            try:
                self.placement = self._cache.place_wheels(
                    [self._osutils.joinpath(src_dir, wheel.filename) for wheel in ordered], dst_dir)
            except OSError as error:
                if error.errno == errno.ENOSPC and _same_device(self._cache.root, dst_dir):  # the bundle's disk is full
                    raise
                self._ui.warning(f"the build cache failed ({error}): installing without it")
                self._cache, self.placement = None, None
                self._osutils.rmtree(dst_dir)
                self._osutils.makedirs(dst_dir)
        for wheel in ordered:
            if self._cache is None:
                install_wheel(self._osutils.joinpath(src_dir, wheel.filename), dst_dir)
            self._ui.package_installed(wheel.filename)


def path_argument(name: str, value: object) -> str:
    """A path argument of the API as a ``str``, or :class:`InvalidPathError` naming the argument.

    A bytes path (or a path-like object giving one) is refused too: every other path of the build
    is a ``str``, and os.path refuses to mix the two deep inside the build.
    """
    try:
        path = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    except TypeError:  # an __fspath__ that gives neither str nor bytes
        path = None
    if not isinstance(path, str):
        raise InvalidPathError(name, value)
    return path


def _leaving_out_build_directory_of(source: str) -> Callable[[str, List[str]], List[str]]:
    """A ``copytree`` ignore that leaves out the ``build/`` directory at the top of ``source`` only."""
    def ignore(directory: str, names: List[str]) -> List[str]:
        return ["build"] if directory == source else []
    return ignore


def _has_at_least_one_package(filename: str) -> bool:
    """A best-effort look for any line that is neither blank nor a comment (in a file pip can decode)."""
    return any(line.strip() and not line.strip().startswith("#")
               for line in decode_requirements_file(filename).splitlines())


# Reading an sdist's dependencies with the build backend of the interpreter that runs pip.
_NO_ISOLATION = ["--no-build-isolation"]


def _same_device(first: str, second: str) -> bool:
    try:
        return os.stat(first).st_dev == os.stat(second).st_dev
    except OSError:
        return False


# A build's cost in bytes of compiled source: starting it and preparing its metadata take about what
# compiling 65 kB of C does (measured with pip 23.2 on docopt, markupsafe, pyrsistent and simplejson,
# whose builds take 0.9 s plus about 10 us per byte of C). The archive's own size says little: docs,
# tests and data weigh as much as code, and only code is compiled.
_BUILD_START_COST = 65_000
_COMPILED_SOURCES = (".c", ".cc", ".cpp", ".cxx", ".c++", ".pyx", ".rs", ".f", ".f90")


def _build_cost(sdist_path: str, compile_c: bool) -> int:
    """What building the sdist should cost, to share builds out evenly: a start, plus its compiled sources."""
    if not compile_c:
        return _BUILD_START_COST
    try:
        sizes = member_sizes(sdist_path)
    except (OSError, CorruptArchiveError):  # pip reports what is wrong with it when it builds it
        return _BUILD_START_COST + _size_of(sdist_path)
    return _BUILD_START_COST + sum(size for name, size in sizes.items() if name.lower().endswith(_COMPILED_SOURCES))


def _size_of(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _build_failed(result: object) -> TypeGuard[PipResult]:
    """Whether a build's result is pip's non-zero exit. (Runners written for the original return None.)"""
    return isinstance(result, tuple) and bool(result[0])


def _normalize_version(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


class LocalProject:
    """A local directory requirement that gave no wheel; it stands in the missing set like a Package."""

    dist_type = "directory"

    def __init__(self, path: str) -> None:
        self.filename = path
        self.name = canonicalize_name(os.path.basename(os.path.normpath(path)))
        self.identifier = path

    def __repr__(self) -> str:
        return f"{self.identifier}(directory)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalProject) and self.identifier == other.identifier

    def __hash__(self) -> int:
        return hash(self.identifier)


class Package:
    """A downloaded distribution (wheel or sdist), equal to any other of the same release."""

    def __init__(self, directory: str, filename: str, python_exe: Optional[str] = None,
                 osutils: Optional[OSUtils] = None, *, temp_dir: Optional[str] = None) -> None:
        self.dist_type = "wheel" if filename.endswith(".whl") else "sdist"
        self._directory = directory
        self.filename = filename
        self._osutils = osutils or OSUtils()
        self.python_exe = python_exe or sys.executable
        # Where an sdist without PKG-INFO is unpacked to run its setup.py: the build's scratch directory.
        self._temp_dir = temp_dir
        self._name, self._version = self._calculate_name_and_version()

    @property
    def name(self) -> str:
        """The PEP 503 normalized name."""
        return self._name

    @property
    def version(self) -> str:
        return self._version

    @property
    def identifier(self) -> str:
        return f"{self._name}=={self._version}"

    @property
    def data_dir(self) -> str:
        """The wheel's ``<name>-<version>.data`` directory, spelled as inside the wheel."""
        path = os.path.join(self._directory, self.filename)
        if self.dist_type == "wheel" and os.path.isfile(path):
            try:
                with zipfile.ZipFile(path) as wheel:
                    spelled = spelled_data_dir(wheel.namelist(), self._name)
            except zipfile.BadZipFile:
                spelled = None
            if spelled:
                return spelled
        if self.dist_type == "wheel":
            distribution, version = self.filename.split("-")[:2]
            return f"{distribution}-{version}.data"
        return f"{self._name}-{self._version}.data"

    def __str__(self) -> str:
        return f"{self.identifier}({self.dist_type})"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Package) and self.identifier == other.identifier

    def __hash__(self) -> int:
        return hash(self.identifier)

    def _calculate_name_and_version(self) -> Tuple[str, str]:
        if self.dist_type == "wheel":
            try:
                parsed_name, parsed_version, _, _ = parse_wheel_filename(self.filename)
                return str(parsed_name), str(parsed_version)
            except InvalidWheelFilename:
                name, version = self.filename.split("-")[:2]
        else:
            fetcher = SDistMetadataFetcher(self.python_exe, osutils=self._osutils, temp_dir=self._temp_dir)
            sdist_path = self._osutils.joinpath(self._directory, self.filename)
            name, version = fetcher.get_package_name_and_version(sdist_path)
        return canonicalize_name(name), _normalize_version(version)
