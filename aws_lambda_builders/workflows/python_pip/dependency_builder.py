"""The nine steps of the design (DESIGN.md upstream), for one Lambda target: ``DependencyBuilder``.

1. let pip download the whole closure, wheels where it can, sdists otherwise;
2. sort it into sdists, Lambda-compatible wheels and incompatible wheels;
3. ask pip for a compatible wheel of everything that has none;
4. build the remaining sdists into wheels;
5. build them again without a C compiler, for optional C extensions;
6. accept packages known to lie about their compatibility (the allowlist);
7. name what is still missing, and why;
8. install the compatible wheels into the target directory;
9. remove the scratch files.

Every build reaches them through ``orchestrator.build``, which calls :meth:`DependencyBuilder.install_dependencies`.
pip is asked through one seam, ``PipRunner``; the machine beyond pip through ``host.Host``. A build's findings
live in a ``BuildRun`` made for it. The methods keep aws-lambda-builders' names (callers replace them).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sys
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

from aws_lambda_builders.architecture import X86_64

from .archives import check_members
from .build_inputs import has_lines, prepare_input
from .build_run import BuildRun
from .cache import BuildCache, Placement
from .exceptions import (
    InvalidRequirementLineError,
    MissingDependencyError,
    RequirementsFileNotFoundError,
)
from .host import Host, this_machine
from .input_formats import PYPROJECT, REQUIREMENTS, input_format
from .local_projects import scratch_requirements
from .missing import compiling_here, missing_reasons
from .orchestrator import Installed
from .package import LocalProject, Package, UnavailableRelease
from .paths import path_arguments
from .pip_runner import PipRunner
from .resolution import resolve_closure
from .requirements_file import check_pinned_download, has_requirement_lines, invalid_requirement, read_requirements_file
from .sdist_steps import SdistSteps
from .seams import packager_name
from .selection import apply_allowlist, sort_downloads, still_missing, wheels_to_ask_for
from .steps import STEPS
from .target import RUNTIMES, LambdaTarget, compatibility_tags, is_compatible_platform_tag, wheel_tags
from .upstream_platforms import DependencyBuilderTables
from .utils import UI, Config, OSUtils

LOG = logging.getLogger(__name__)

__all__ = ["STEPS", "DependencyBuilder"]


class DependencyBuilder(SdistSteps, DependencyBuilderTables):
    """Builds a site-packages directory for one Lambda target from a requirements file.

    ``runtime`` and ``python_exe`` may come in either order: aws-lambda-builders'
    ``PythonPipDependencyBuilder`` passes the interpreter first, and a runtime name
    in the interpreter's place (when the runtime's place holds none) is taken as
    the runtime. aws-lambda-builders' platform tables are its class attributes (``upstream_platforms``); the
    decisions use ``self.target``.
    """

    def __init__(self, osutils: OSUtils, runtime: Optional[str], python_exe: Optional[str],
                 pip_runner: Optional[PipRunner] = None, architecture: str = X86_64, *,
                 host: Optional[Host] = None) -> None:
        if not _names_a_runtime(runtime) and _names_a_runtime(python_exe):  # PythonPipDependencyBuilder's order
            runtime, python_exe = python_exe, runtime
        python_exe = python_exe or sys.executable
        self._osutils = osutils
        self.target = LambdaTarget(str(runtime), architecture)
        self.runtime = self.target.runtime
        self.python_exe = python_exe
        self.architecture = architecture
        # What is asked of the machine past pip (its CPU, its interpreters, the index): this one's, unless
        # the caller says otherwise (``host.nothing_known()`` asks nothing, as the original packager).
        self._host = host or this_machine()
        if pip_runner is None:  # by their names on ``packager``, where callers replace them
            pip_runner = packager_name("PipRunner")(python_exe=python_exe,
                                                    pip=packager_name("SubprocessPip")(osutils, python_exe))
        self._pip = pip_runner
        self._run = BuildRun()  # replaced by a new one at the start of each build
        # The files the last build placed from the cache, by tree; None when it did not use the cache.
        self.placement: Optional[Placement] = None

    @property
    def pip_identity(self) -> str:
        """What answers this builder's pip calls (``PipRunner.identity``): part of the whole-build cache key."""
        return self._pip.identity

    @property
    def compatible_platforms(self) -> List[str]:
        """The platform tags valid for the runtime and architecture, as pip's ``--platform`` takes them."""
        return list(self.target.platforms)

    def build_site_packages(self, requirements_filepath: str, target_directory: str, scratch_directory: str,
                            ui: Optional[UI] = None, config: Optional[Config] = None) -> None:
        """Install every dependency of ``requirements_filepath`` into ``target_directory``, through the one
        build (``orchestrator.build``): on any error ``target_directory`` is as it was, and nothing is left in
        ``scratch_directory``. :class:`MissingDependencyError` names every package with no build for the
        target; with ``Config(allow_missing=True)`` the rest is installed first, as aws-lambda-builders does.
        """
        from .orchestrator import BuildRequest, build

        requirements_filepath, target_directory, scratch_directory = path_arguments(
            requirements_filepath=requirements_filepath, target_directory=target_directory,
            scratch_directory=scratch_directory)
        if not self._osutils.file_exists(requirements_filepath):
            raise RequirementsFileNotFoundError(requirements_filepath)
        self.placement = None
        result = build(BuildRequest(requirements=requirements_filepath, output=target_directory,
                                    runtime=self.runtime, architecture=self.architecture, python=self.python_exe,
                                    config=config or Config(), scratch_dir=scratch_directory),
                       ui=ui, installer=self)
        self.placement = result.placement
        if result.missing is not None:
            raise result.missing

    def install_dependencies(self, requirements: str, libraries: str, scratch: str, ui: UI, config: Config,
                             cache: Optional[BuildCache], skip: Sequence[str] = ()) -> Installed:
        """Steps 1 to 9 into the (empty) directory ``libraries``: what the cache placed, and what is missing.

        ``scratch`` is this build's own directory, emptied by the caller;
        ``skip`` are the build's other paths (its output, its cache), never
        copied with a local project that holds them. A missing package raises
        :class:`MissingDependencyError` before anything is installed, unless
        ``config.allow_missing``: then the rest is installed and the error returned.
        """
        self._run = BuildRun(ui=ui, cache=cache)
        listen = getattr(self._pip, "listen", None)  # a runner of aws-lambda-builders' shape has no events
        if listen is not None:
            listen(ui.pip_progress)
        try:
            return self._install(requirements, libraries, scratch, config, skip)
        finally:
            if listen is not None:
                listen(None)
            self._run = BuildRun()  # nothing of this build outlives it

    def _install(self, requirements: str, libraries: str, scratch: str, config: Config,
                 skip: Sequence[str]) -> Installed:
        run = self._run
        kind = input_format(requirements, config.input_format)
        if kind == REQUIREMENTS and not self._has_at_least_one_package(requirements):
            return Installed(None, None)
        inputs_dir, work_dir, pip_temp = (os.path.join(scratch, name) for name in ("inputs", "downloads", "tmp"))
        try:
            for directory in (inputs_dir, work_dir, pip_temp):
                os.mkdir(directory)
            prepared = prepare_input(requirements, kind, self.target, config.extras, config.groups, inputs_dir)
            if prepared.is_empty or (kind == PYPROJECT and not has_lines(prepared.requirements)):
                return Installed(None, None)
            run.requirements = read_requirements_file(prepared.requirements)
            for line in run.requirements.requirements:
                why = invalid_requirement(line)
                if why:
                    raise InvalidRequirementLineError(line.path, line.number, line.requirement, why)
            run.pip_options = config.pip_options()
            run.later_pip_options = run.pip_options + run.requirements.pip_options
            run.scratch, run.cross = scratch, config.cross
            self._send_pip_temp_files_to(pip_temp)
            # pip builds a local project where it is: it is given copies, so nothing is written into the user's.
            for_pip = scratch_requirements(prepared.requirements, inputs_dir, skip=[scratch, libraries, *skip])
            run.local_copies = dict(for_pip.copies)
            if prepared.lock is not None:
                run.prepared = prepared
                if prepared.sources is not None:
                    sources = scratch_requirements(prepared.sources, os.path.join(inputs_dir, "sources"),
                                                   skip=[scratch, libraries, *skip])
                    run.local_copies.update(sources.copies)
                    run.lock_sources = sources.path
            wheels, missing = self._download_dependencies(work_dir, for_pip.path)
            reasons = run.missing_reasons
            advice = MissingDependencyError.LOCK_ADVICE if run.prepared is not None else None
            if missing and not config.allow_missing:
                raise MissingDependencyError(missing, reasons, advice)
            with self._step("install"):
                self._install_wheels(work_dir, libraries, wheels)
        finally:
            self._send_pip_temp_files_to(None)
            with self._step("clean-up"):
                for directory in (inputs_dir, work_dir, pip_temp):
                    shutil.rmtree(directory, ignore_errors=True)
        return Installed(run.placement, MissingDependencyError(missing, reasons, advice) if missing else None,
                         tuple(run.cross_built))

    def _send_pip_temp_files_to(self, directory: Optional[str]) -> None:
        """Where pip's temporary files go during this build (None: back to the system's temporary directory).

        They are in the build's scratch directory, so that they go with it even
        when pip is killed before it could remove them itself.
        """
        self._run.pip_temp_dir = directory
        self._pip.temp_dir = directory
        if self._run.sdist_builds is not None:
            self._run.sdist_builds.runner.temp_dir = directory

    @contextlib.contextmanager
    def _step(self, name: str) -> Iterator[None]:
        self._run.ui.step_started(name)
        yield
        self._run.ui.step_finished(name)

    def _has_at_least_one_package(self, filename: str) -> bool:
        """Whether the file is there with a line that is neither blank nor a comment (nothing to build else)."""
        return self._osutils.file_exists(filename) and has_requirement_lines(filename)

    def _download_dependencies(self, directory: str, requirements_filename: str
                               ) -> Tuple[Set[Package], Set[Union[Package, LocalProject, UnavailableRelease]]]:
        """Steps 1 to 7 in ``directory``: what installs and what is missing (why: in the run's
        ``missing_reasons``; the decisions: ``selection``)."""
        with self._step("download"):
            deps = self._download_all_dependencies(requirements_filename, directory)
        with self._step("sort"):
            sdists, compatible_wheels, incompatible_wheels = self._sort(deps)
        LOG.debug("initial compatible: %s; incompatible: %s", compatible_wheels, incompatible_wheels | sdists)

        with self._step("download-compatible-wheels"):
            self._download_binary_wheels(wheels_to_ask_for(
                sdists, compatible_wheels, incompatible_wheels, set().union(*self._run.local_builds.values()),
                self._run.resolved_for_target), directory)

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
            missing_wheels = still_missing(deps, compatible_wheels, self._unbuilt_local_projects())
            self._run.missing_reasons = self._missing_reasons(missing_wheels, directory)
            for identifier, reason in sorted(self._run.unavailable.items()):  # a lock's, with no file for the target
                missing_wheels.add(UnavailableRelease(identifier))
                self._run.missing_reasons[identifier] = reason
                self._run.ui.package_missing(identifier, reason)
        LOG.debug("final compatible: %s; missing: %s", compatible_wheels, missing_wheels)
        return compatible_wheels, missing_wheels

    def _download_all_dependencies(self, requirements_filename: str, directory: str) -> Set[Package]:
        """Step 1 (see ``resolution``): the closure downloaded, for the target if pip can; every download."""
        run = self._run
        if run.prepared is not None:  # a lock: its files, as locked
            from .locked_download import download_locked

            resolution, run.unavailable = download_locked(self._pip, run.prepared, requirements_filename,
                                                          run.lock_sources, directory, self.target, run.pip_options,
                                                          run.later_pip_options)
        else:
            resolution = resolve_closure(self._pip, self._host, requirements_filename, directory, self.target,
                                         run.pip_options, run.later_pip_options, run.ui.warning)
        run.resolved_for_target = resolution.for_target
        sources = {copy: source for source, copy in run.local_copies.items()}
        run.local_builds = {sources.get(copy, copy): {self._package(directory, f)
                                                      for f in files if f.endswith(".whl")}
                            for copy, files in resolution.local_builds.items()}
        filenames = sorted(self._osutils.get_directory_contents(directory))
        for filename in filenames:
            run.ui.package_downloaded(filename)
            if filename in resolution.releases and not filename.endswith(".whl"):
                # Known from pip's report, so not read: its members are checked as unpacking would check them.
                check_members(os.path.join(directory, filename))
        return {self._package(directory, filename, temp_dir=run.pip_temp_dir, release=resolution.releases.get(filename))
                for filename in filenames}

    def _package(self, directory: str, filename: str, **details: object) -> Package:
        """A ``Package`` (``packager.Package``, where callers replace it) of this builder's interpreter."""
        return packager_name("Package")(directory, filename, self.python_exe, self._osutils, **details)

    def _sort(self, deps: Iterable[Package]) -> Tuple[Set[Package], Set[Package], Set[Package]]:
        downloads = sort_downloads(deps, self._is_compatible_wheel_filename)
        return downloads.sdists, downloads.compatible, downloads.incompatible

    def _download_binary_wheels(self, packages: Set[Package], directory: str) -> None:
        """Step 3: ask pip for a wheel for the target of each package (``selection.wheels_to_ask_for``)."""
        if not packages:
            return
        identifiers = sorted(pkg.identifier for pkg in packages)
        self._run.ui.write(f"asking for wheels for {self.target.describe()}: {', '.join(identifiers)}")
        before = set(self._osutils.get_directory_contents(directory))
        self._pip.download_manylinux_wheels(
            identifiers, directory, self.target.abi, self.compatible_platforms,
            options=self._run.later_pip_options,
        )
        for filename in sorted(set(self._osutils.get_directory_contents(directory)) - before):
            self._verify_hash(directory, filename)
            self._run.ui.package_downloaded(filename)

    def _verify_hash(self, directory: str, filename: str) -> None:
        """Hold a download of the later passes to the ``--hash`` pins, as pip holds the first one."""
        pinned = self._run.requirements.hashes_by_name()
        if pinned:
            package = self._package(directory, filename, temp_dir=self._run.pip_temp_dir)
            check_pinned_download(os.path.join(directory, filename), package.name, package.identifier, pinned)

    def _categorize_wheel_files(self, directory: str) -> Tuple[Set[Package], Set[Package]]:
        compatible: Set[Package] = set()
        incompatible: Set[Package] = set()
        for filename in sorted(self._osutils.get_directory_contents(directory)):
            if not filename.endswith(".whl"):
                continue
            wheel = self._package(directory, filename)
            loads = self._is_compatible_wheel_filename(filename) and not self._binary_problems(directory, filename)
            (compatible if loads else incompatible).add(wheel)
        return compatible, incompatible

    def _binary_problems(self, directory: str, filename: str) -> List[str]:
        """Why the binaries of a wheel built here would not load on the target (``built_wheel_problems``)."""
        from .bundle_check import built_wheel_problems  # here: a build placed from the cache never audits

        return built_wheel_problems(os.path.join(directory, filename), self.target, self._run.binary_problems)

    def _is_compatible_wheel_filename(self, filename: str) -> bool:
        """Whether a wheel loads on the target, by its PEP 425 tags for the target's version (``target``)."""
        return self.target.is_compatible_wheel(filename)

    def _is_compatible_platform_tag(self, expected_abi: str, platform: str) -> bool:
        """Whether ``platform`` loads on the runtime of ABI ``expected_abi`` on this architecture."""
        return is_compatible_platform_tag(expected_abi, platform, self.architecture)

    def _iter_all_compatibility_tags(self, wheel: str) -> Iterator[Tuple[str, str, str]]:
        """``(implementation, abi, platform)`` of every tag of a wheel named ``wheel`` (without ``.whl``)."""
        return compatibility_tags(wheel)

    def _apply_wheel_allowlist(self, compatible_wheels: Set[Package],
                               incompatible_wheels: Set[Package]) -> Tuple[Set[Package], Set[Package]]:
        return apply_allowlist(compatible_wheels, incompatible_wheels, self._COMPATIBLE_PACKAGE_ALLOWLIST)

    def _retag_pure_wheels(self, wheels: Set[Package], directory: str) -> Set[Package]:
        """The other liars: wheels built here whose tag names this machine but which hold no compiled code."""
        from .pure_wheel import holds_compiled_code, retag_as_pure  # here: they read wheels, with the audit's ELF code

        pure = set()
        for wheel in sorted(wheels, key=lambda p: p.identifier):
            path = os.path.join(directory, wheel.filename)
            names_this_machine = all(t.platform.startswith("linux_") for t in wheel_tags(wheel.filename))
            if not names_this_machine or holds_compiled_code(path):
                continue
            retagged = os.path.basename(retag_as_pure(path))
            self._run.ui.write(f"{wheel.filename} holds no compiled code: installed as {retagged}")
            pure.add(self._package(directory, retagged))
        return pure

    def _missing_reasons(self, missing: Iterable[Union[Package, LocalProject]], directory: str) -> Dict[str, str]:
        wheels: Dict[str, List[str]] = {}
        for filename in sorted(self._osutils.get_directory_contents(directory)):
            if filename.endswith(".whl"):
                problems = "".join(f" ({problem})" for problem in self._binary_problems(directory, filename))
                wheels.setdefault(Package(directory, filename).identifier, []).append(filename + problems)
        reasons = missing_reasons(self.target, missing, wheels, self._run.build_errors,
                                  set().union(*self._run.local_builds.values()),
                                  lambda: compiling_here(self.target, self._host, self.python_exe))
        for identifier, reason in reasons.items():
            self._run.ui.package_missing(identifier, reason)
        return reasons

    def _install_wheels(self, src_dir: str, dst_dir: str, wheels: Iterable[Package]) -> None:
        """Install the wheels in order (a later one wins a file two hold): placed from the cache when it is on."""
        if self._osutils.directory_exists(dst_dir):
            self._osutils.rmtree(dst_dir)
        self._osutils.makedirs(dst_dir)
        ordered = sorted(wheels, key=lambda p: p.identifier)
        from .wheel_install import install_wheels  # here, as the other steps' heavy helpers

        self._run.placement = install_wheels([self._osutils.joinpath(src_dir, wheel.filename) for wheel in ordered],
                                             dst_dir, self._run.cache, self._run.ui.warning)
        for wheel in ordered:
            self._run.ui.package_installed(wheel.filename)

    def _install_purelib_and_platlib(self, wheel: Package, root: str) -> None:
        """Move a wheel's ``.data/purelib`` and ``.data/platlib`` unpacked in ``root`` to ``root`` (for an
        installation by unzipping, as aws-lambda-builders installs; ``_install_wheels`` needs none)."""
        from .wheel_install import hoist_library_schemes

        hoist_library_schemes(self._osutils, self._osutils.joinpath(root, wheel.data_dir), root)


def _names_a_runtime(value: Optional[str]) -> bool:
    """Whether ``value`` is a runtime's name (``python3.12``, or one Lambda no longer has, ``python2.7``) rather
    than an interpreter's path or command."""
    return isinstance(value, str) and (value in RUNTIMES or re.fullmatch(r"python\d+\.\d+", value) is not None)
