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
import zipfile
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from aws_lambda_builders.architecture import ARM64, X86_64

from .exceptions import (
    ConflictingRequirementsError,
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
    UnsafeArchiveError,
    UnsafeOutputError,
    UnsupportedArchitectureError,
    UnsupportedPackageError,
    UnsupportedPythonVersion,
)
from .index_probe import diagnose, index_urls
from .interpreters import find_interpreters, interpreter_for
from .missing import explain_missing
from .output import make_staging, replace_directory
from .pip_runner import PipRunner, SubprocessPip, pip_error_summary
from .pure_wheel import holds_compiled_code, retag_as_pure
from .requirements_file import RequirementsFile, invalid_requirement, read_requirements_file
from .sdist import SDistMetadataFetcher, SDistMetadataFinder
from .bundle_check import check_wheel_binaries
from .target import LambdaTarget, wheel_tags
from .utils import UI, Config, OSUtils
from .wheel_install import install_wheel, spelled_data_dir

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
    "UnsafeArchiveError",
    "UnsafeOutputError",
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


class PythonPipDependencyBuilder:
    """The facade build tools call: one method, ``build_dependencies``."""

    def __init__(self, runtime: str, python_exe: Optional[str], osutils: Optional[OSUtils] = None,
                 dependency_builder: Optional["DependencyBuilder"] = None, architecture: str = X86_64) -> None:
        self.osutils = osutils or OSUtils()
        if dependency_builder is None:
            dependency_builder = DependencyBuilder(self.osutils, runtime, python_exe or sys.executable,
                                                   architecture=architecture)
        self._dependency_builder = dependency_builder

    def build_dependencies(self, artifacts_dir_path: str, scratch_dir_path: str, requirements_path: str,
                           ui: Optional[UI] = None, config: Optional[Config] = None) -> None:
        """Build the dependencies listed in ``requirements_path`` into ``artifacts_dir_path``.

        ``scratch_dir_path`` holds the downloads and builds while they last;
        ``ui`` receives progress and ``config`` adds pip options (index URLs,
        find-links, trusted hosts) to every pip call.
        Raises :class:`MissingDependencyError` after installing all the rest
        when some dependency has no build for the target.
        """
        extra = {name: value for name, value in (("ui", ui), ("config", config)) if value is not None}
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
        self._ui = UI()
        self._pip_options: List[str] = []
        self._later_pip_options: List[str] = []
        self._requirements = RequirementsFile()
        self._build_errors: Dict[str, str] = {}
        self._local_builds: Dict[str, Set[Package]] = {}
        self._binary_problems_seen: Dict[Tuple[str, int, int], List[str]] = {}

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
        wrote is left in ``scratch_directory``.
        """
        if not self._osutils.file_exists(requirements_filepath):
            raise RequirementsFileNotFoundError(requirements_filepath)
        _check_output_directory(target_directory, scratch_directory, requirements_filepath)
        self._ui = ui or UI()
        config = config or Config()
        if self.target.is_deprecated:
            self._ui.warning(f"{self.runtime} is deprecated by AWS Lambda; move to a newer runtime")
        staging = make_staging(target_directory)
        try:
            self._build_into(staging, requirements_filepath, scratch_directory, config)
            replace_directory(staging, target_directory)
        except MissingDependencyError:
            if config.allow_missing:
                replace_directory(staging, target_directory)
            raise
        except OSError as error:
            if error.errno == errno.ENOSPC:
                raise DiskFullError(error.filename or target_directory) from error
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _build_into(self, staging: str, requirements_filepath: str, scratch_directory: str, config: Config) -> None:
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
        os.makedirs(scratch_directory, exist_ok=True)
        work_dir = tempfile.mkdtemp(prefix="lambda-pip-", dir=scratch_directory)
        try:
            wheels, missing, reasons = self._download_dependencies(work_dir, requirements_filepath)
            if missing and not config.allow_missing:
                raise MissingDependencyError(missing, reasons)
            with self._step("install"):
                self._install_wheels(work_dir, staging, wheels)
        finally:
            with self._step("clean-up"):
                shutil.rmtree(work_dir, ignore_errors=True)
        if missing:
            raise MissingDependencyError(missing, reasons)

    @contextlib.contextmanager
    def _step(self, name: str) -> Iterator[None]:
        self._ui.step_started(name)
        yield
        self._ui.step_finished(name)

    def _download_dependencies(self, directory: str, requirements_filename: str
                               ) -> Tuple[Set["Package"], Set["Package"], Dict[str, str]]:
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
        """
        try:
            built_locally = self._pip.download_all_dependencies(requirements_filename, directory,
                                                                options=self._pip_options, target=self.target,
                                                                build_options=self._later_pip_options)
        except NoSuchPackageError as error:
            problem = self._real_pip and diagnose(error.package_name, index_urls(self._later_pip_options))
            if problem:
                raise problem from error
            self._ui.warning(f"pip found nothing for {self.target.describe()} for {error.package_name}; "
                             "resolving on this machine instead, to report what is missing")
            for leftover in self._osutils.get_directory_contents(directory):
                os.remove(os.path.join(directory, leftover))
            built_locally = self._pip.download_all_dependencies(requirements_filename, directory,
                                                                options=self._pip_options,
                                                                build_options=self._later_pip_options)
        self._local_builds = {
            source: {Package(directory, f, self.python_exe, self._osutils) for f in wheels if f.endswith(".whl")}
            for source, wheels in dict(built_locally or {}).items()
        }
        filenames = sorted(self._osutils.get_directory_contents(directory))
        for filename in filenames:
            self._ui.package_downloaded(filename)
        return {Package(directory, filename, self.python_exe, self._osutils) for filename in filenames}

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
        package = Package(directory, filename, self.python_exe, self._osutils)
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
        for sdist in sorted(sdists, key=lambda p: p.identifier):
            path_to_sdist = self._osutils.joinpath(directory, sdist.filename)
            result = self._sdist_runner().build_wheel(path_to_sdist, directory, compile_c,
                                                      options=self._later_pip_options)
            if self._record_build_error(sdist.identifier, result):
                continue
            built = [w for w in self._categorize_wheel_files(directory)[0] if w == sdist]
            if built:
                self._ui.package_built(sdist.filename, built[0].filename)

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
                    self._sdist_pip = PipRunner(found.path, SubprocessPip(self._osutils, found.path), self._osutils)
        return self._sdist_pip

    def _compiler_note(self) -> str:
        """What compiling for the target would need that this machine lacks, for the missing report."""
        needs = []
        if not self._real_pip:
            return ""
        if interpreter_for(self.target.python_version, [self.python_exe]) is None:
            found = ", ".join(i.describe() for i in find_interpreters([self.python_exe])) or "none"
            needs.append("a python%d.%d interpreter (pass --python; found: %s)" % (self.target.python_version + (found,)))
        if platform.machine() != self.target.machine:
            needs.append(f"an {self.target.machine} machine")
        return "if it has C code, compiling it for the target needs " + " and ".join(needs) if needs else ""

    def _record_build_error(self, key: str, result: object) -> bool:
        """Keep pip's reason when a build failed. (Runners written for the original return None.)

        The first failure is kept: the build with a compiler says what is wrong
        with the code; the one without says only that there was no compiler.
        """
        if isinstance(result, tuple) and result[0]:
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
                copy = os.path.join(aside, "source")
                shutil.copytree(source, copy, ignore=lambda d, names: ["build"] if d == source else [])
                self._record_build_error(source, self._sdist_runner().build_wheel(
                    copy, aside, False, options=self._later_pip_options))
                # Iterate the new wheels themselves: a set intersection may keep the old ones.
                for wheel in [w for w in self._categorize_wheel_files(aside)[0] if w in still_missing]:
                    shutil.move(os.path.join(aside, wheel.filename), os.path.join(directory, wheel.filename))
                    self._ui.package_built(source, wheel.filename)
            finally:
                shutil.rmtree(aside, ignore_errors=True)

    def _categorize_wheel_files(self, directory: str) -> Tuple[Set["Package"], Set["Package"]]:
        compatible, incompatible = set(), set()
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
            if not all(t.platform.startswith("linux_") for t in wheel_tags(wheel.filename)) or holds_compiled_code(path):
                continue
            retagged = os.path.basename(retag_as_pure(path))
            self._ui.write(f"{wheel.filename} holds no compiled code: installed as {retagged}")
            pure.add(Package(directory, retagged, self.python_exe, self._osutils))
        return pure

    def _missing_reasons(self, missing: Iterable["Package"], directory: str) -> Dict[str, str]:
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
        if self._osutils.directory_exists(dst_dir):
            self._osutils.rmtree(dst_dir)
        self._osutils.makedirs(dst_dir)
        for wheel in sorted(wheels, key=lambda p: p.identifier):
            install_wheel(self._osutils.joinpath(src_dir, wheel.filename), dst_dir)
            self._ui.package_installed(wheel.filename)


def _check_output_directory(output: str, scratch: str, requirements: str) -> None:
    """Refuse an output directory whose replacement would delete what the build reads or writes."""
    output = os.path.realpath(output)
    for path, what in ((scratch, "scratch directory"), (requirements, "requirements file"),
                       (os.getcwd(), "current directory")):
        path = os.path.realpath(path)
        if os.path.commonpath([output, path]) == output:
            raise UnsafeOutputError(output, path, what)


def _has_at_least_one_package(filename: str) -> bool:
    """A best-effort look for any line that is neither blank nor a comment."""
    with open(filename, "r", encoding="utf-8", errors="replace") as f:
        return any(line.strip() and not line.strip().startswith("#") for line in f)


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
                 osutils: Optional[OSUtils] = None) -> None:
        self.dist_type = "wheel" if filename.endswith(".whl") else "sdist"
        self._directory = directory
        self.filename = filename
        self._osutils = osutils or OSUtils()
        self.python_exe = python_exe or sys.executable
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
                name, version, _, _ = parse_wheel_filename(self.filename)
                return str(name), str(version)
            except InvalidWheelFilename:
                name, version = self.filename.split("-")[:2]
        else:
            fetcher = SDistMetadataFetcher(self.python_exe, osutils=self._osutils)
            sdist_path = self._osutils.joinpath(self._directory, self.filename)
            name, version = fetcher.get_package_name_and_version(sdist_path)
        return canonicalize_name(name), _normalize_version(version)
