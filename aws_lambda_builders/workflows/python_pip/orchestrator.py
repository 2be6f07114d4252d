"""The one build: every entry point (``lambda-pip build``, ``DependencyBuilder``, ``PythonPipWorkflow``,
``LambdaBuilder``) turns its arguments into a :class:`BuildRequest` and calls :func:`build`.

What it does, once for all of them:

1. checks the output (and the zip) against everything the build reads or keeps (``output.check_output``);
2. computes the whole-build cache key; an output that already is that cached build, placed by link and
   untouched since, is left as it is (nothing to do, as ``make`` with nothing changed); a cached build of
   requirements that are not fully pinned is reused only while its resolution is young (``resolution_age``),
   and said to be;
3. assembles the bundle in a staging directory beside the output: the dependencies placed from the cache
   when nothing that decides them changed, else built by the nine steps (``dependency_builder``) in a
   pid-named scratch directory of this build; then the size options, the function's source, the size
   report and the zip;
4. swaps the staging directory in at once: on any failure the output (and the zip) are as they were.

A rebuild placed from the cache imports no more than this module's own imports (and ``steps`` to print
its one step): pip's side of the packager, the size options and the source copy are imported where they
are used.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Protocol, Sequence

from .cache import BuildCache, Placement, ResolutionFacts, restore_build
from .cache_key import SUBPROCESS_PIP, key_for_build
from .exceptions import DiskFullError, MissingDependencyError, RequirementsFileNotFoundError
from .input_formats import input_format, options_problem
from .leftovers import new_owned_directory, owned_pattern, remove_dead
from .output import ProtectedPath, check_output, make_staging, protected_paths, remove, replace_directory, staging_file
from .resolution_age import ResolutionCheck, ResolutionPolicy, ReusedResolution
from .size_budget import SizeReport, bundle_sizes
from .target import LambdaTarget
from .utils import UI, Config

if TYPE_CHECKING:
    from .remote_cache import RemoteCache, RemoteReport
    from .source_copy import SourceEntry

# A build's own directory in the scratch directory, named with its pid: what a killed build left there
# is removed by the next build in the same scratch directory.
BUILD_DIRECTORY_PREFIX = "lambda-pip-build-"


class SizeOptions(NamedTuple):
    """The opt-in reductions of a bundle (``slimming``)."""

    exclude_runtime_provided: bool = False
    slim: bool = False
    exclude: Sequence[str] = ()
    keep: Sequence[str] = ()

    def __bool__(self) -> bool:
        return bool(self.exclude_runtime_provided or self.slim or self.exclude)


class BuildRequest(NamedTuple):
    """Everything that decides one build, whoever asked for it."""

    requirements: str  # the requirements file
    output: str  # the directory the bundle replaces
    runtime: str
    architecture: str
    python: str  # the interpreter that runs pip
    config: Optional[Config] = None  # pip's options, the cache, allow_missing (None: the defaults)
    scratch_dir: Optional[str] = None  # where this build's scratch directory goes (default: the system's temp)
    source: Optional[str] = None  # the function's code, copied beside its dependencies
    protect: Sequence[str] = ()  # more of the user's paths the output may not be or hold (a source not copied)
    layer: bool = False  # the dependencies under python/
    zip_path: Optional[str] = None  # also write a reproducible zip of the bundle here
    size_options: SizeOptions = SizeOptions()
    measure: bool = False  # report the bundle's sizes (and fail over the unzipped limit)
    allow_oversize: bool = False  # with ``measure``: report but do not fail over the limit


class BuildResult:
    """What a build made: where, what the cache gave, what is missing (``Config(allow_missing=True)``)."""

    def __init__(self, output: str, libraries: str, zip_path: Optional[str] = None) -> None:
        self.output = output  # the real directory the bundle is in
        self.libraries = libraries  # where the dependencies are in it (``python/`` of a layer)
        self.zip_path = zip_path
        self.placement: Optional[Placement] = None  # the files placed from the cache; None when it was not used
        # Placed from a cached resolution of requirements that are not fully pinned: how old it was, what it left
        # unpinned (None: resolved now, or fully pinned).
        self.reused_resolution: Optional[ReusedResolution] = None
        self.unchanged = False  # the output already was this build: nothing was written
        self.missing: Optional[MissingDependencyError] = None
        self.sizes: Optional[SizeReport] = None
        self.savings: Dict[str, int] = {}  # what each size option freed, in bytes
        self.timings: Dict[str, float] = {}  # seconds: dependencies, total
        self.cross_built: Sequence[str] = ()  # the sdists compiled for the target with zig in this build
        self.remote: Optional["RemoteReport"] = None  # what the remote cache did (None: there is none)

    def __repr__(self) -> str:
        return f"BuildResult({self.output!r}, missing={self.missing!r}, unchanged={self.unchanged})"


class Installed(NamedTuple):
    """What installing the dependencies gave besides the files."""

    placement: Optional[Placement]  # the files placed from the cache; None when it was not used
    missing: Optional[MissingDependencyError]  # what could not be built (only with ``allow_missing``)
    cross_built: Sequence[str] = ()  # the sdists compiled for the target with zig (``--cross``)


class DependencyInstaller(Protocol):
    """Steps 1 to 9 (``dependency_builder.DependencyBuilder``): the dependencies built into an empty directory."""

    @property
    def pip_identity(self) -> str:
        """What answers its pip calls (``PipRunner.identity``), a part of the whole-build cache key."""

    def install_dependencies(self, requirements: str, libraries: str, scratch: str, ui: UI, config: Config,
                             cache: Optional[BuildCache], skip: Sequence[str]) -> Installed:
        """Install into ``libraries``. ``scratch`` is this build's own (empty) directory; ``skip`` are paths
        never copied with a local project. Raises :class:`MissingDependencyError`, unless
        ``config.allow_missing``: then the rest is installed and the error returned."""


def build(request: BuildRequest, ui: Optional[UI] = None, installer: Optional[DependencyInstaller] = None
          ) -> BuildResult:
    """Build ``request`` (see the module's docstring); raises the packager's errors, the output as it was.

    ``installer`` builds the dependencies on a cache miss (default: a ``DependencyBuilder`` for the
    request's target, made only then). With ``config.allow_missing`` a bundle without what could not
    be built is put in place, and the result's ``missing`` says what it lacks.
    """
    started = time.monotonic()
    ui = ui or UI()
    config = request.config or Config()
    if not os.path.isfile(request.requirements):
        raise RequirementsFileNotFoundError(request.requirements)
    problem = options_problem(input_format(request.requirements, config.input_format), config.extras, config.groups)
    if problem:
        from .lock_errors import LockFileError

        raise LockFileError(request.requirements, problem)
    cache = config.build_cache()
    # Before anything is written: the one place the build may replace, and where the zip goes.
    output = check_output(request.output, protected_paths(
        requirements=request.requirements, source=request.source, scratch=request.scratch_dir,
        python=request.python, cache=cache.root if cache is not None else None,
        pip_options=config.pip_options()) + _extra_protected(request), zip_path=request.zip_path)
    zip_path = os.path.realpath(os.path.abspath(request.zip_path)) if request.zip_path else None
    target = LambdaTarget(request.runtime, request.architecture)
    if target.is_deprecated:
        ui.warning(f"{request.runtime} is deprecated by AWS Lambda; move to a newer runtime")
    if target.is_preview:
        ui.warning(f"{request.runtime} is a preview runtime of AWS Lambda, not yet for production functions")
    if cache is not None and not cache.is_writable():
        ui.warning(f"the build cache {cache.root} cannot be written: building without it")
        cache = None
    key = key_for_build(request.requirements, request.runtime, request.architecture, request.python,
                        config.pip_options(), installer.pip_identity if installer is not None else SUBPROCESS_PIP,
                        config.input_format, config.extras, config.groups, config.cross) if cache is not None else None
    result = BuildResult(output, os.path.join(output, "python") if request.layer else output, zip_path)
    check = ResolutionCheck(ResolutionPolicy(config.max_resolution_age, config.refresh), time.time())
    try:
        kept = _unchanged_output(request, cache, key, output, check)
        if kept is not None:
            assert cache is not None
            ui.write(f"unchanged since a cached build, which {output} holds as it was placed: nothing to do")
            _say_reused(result, kept, check, ui)
            result.placement, result.unchanged = kept, True
            result.timings["dependencies"] = time.monotonic() - started
            if request.measure:
                result.sizes = bundle_sizes(output, output, cache.file_facts(kept), kept,
                                            allow_oversize=request.allow_oversize)
        else:
            remote = config.remote_cache(ui.warning) if cache is not None and key is not None else None
            if cache is not None:
                cache.remote = remote
            try:
                _assemble(request, config, result, cache, key, ui, installer, started, check, remote)
            finally:
                result.remote = remote.report if remote is not None else None
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise DiskFullError(error.filename or output) from error
        raise
    result.timings["total"] = time.monotonic() - started
    return result


def _extra_protected(request: BuildRequest) -> List[ProtectedPath]:
    return [ProtectedPath(path, "function's source") for path in request.protect]


def _unchanged_output(request: BuildRequest, cache: Optional[BuildCache], key: Optional[str], output: str,
                      check: ResolutionCheck) -> Optional[Placement]:
    """The cached build ``key`` when ``output`` is exactly what placing it by link gave, untouched since.

    Only a bundle of dependencies alone qualifies: the size options, the source, a layer and a zip make
    a bundle that is not the cache's build as it is.
    """
    if cache is None or key is None or not os.path.isdir(output) or request.source or request.layer \
            or request.zip_path or request.size_options:
        return None
    return cache.holds(key, output, check)


def _say_reused(result: BuildResult, placement: Placement, check: ResolutionCheck, ui: UI) -> None:
    """A build placed from a cached resolution of requirements that are not fully pinned says so, with its age."""
    if placement.resolution is not None and placement.resolution.unpinned:
        result.reused_resolution = ReusedResolution.of(placement.resolution, check.now)
        ui.write(result.reused_resolution.message())


def _assemble(request: BuildRequest, config: Config, result: BuildResult, cache: Optional[BuildCache],
              key: Optional[str], ui: UI, installer: Optional[DependencyInstaller], started: float,
              check: ResolutionCheck, remote: Optional["RemoteCache"] = None) -> None:
    """The bundle built in a staging directory beside the output and swapped in when it is complete.

    The zip is written beside its place too, and put there right after the
    bundle: a failure before that (the size check, the zip itself) leaves both
    as they were.
    """
    output, zip_path = result.output, result.zip_path
    staging = make_staging(output)
    zip_staging = staging_file(zip_path) if zip_path else None
    try:
        source = _plan_source(request, output, staging, zip_path)  # before pip: a source that cannot be copied
        libraries = os.path.join(staging, "python") if request.layer else staging
        os.makedirs(libraries, exist_ok=True)
        result.placement = _dependencies(request, config, result, cache, key, libraries, ui, installer, check,
                                         skip=[output, staging] + ([zip_path] if zip_path else []), remote=remote)
        result.timings["dependencies"] = time.monotonic() - started
        if request.size_options:
            from .slimming import reduce_size

            result.savings = reduce_size(libraries, request.size_options, request.requirements,
                                         LambdaTarget(request.runtime, request.architecture))
        if source:
            from .source_copy import copy_entries

            copy_entries(request.source or "", source, libraries)
        if request.measure or zip_staging is not None:
            # Placed from the cache and not changed since: its files and their sizes are known.
            untouched = result.placement is not None and not (result.savings or source)
            facts = cache.file_facts(result.placement) if cache is not None and result.placement is not None else {}
            if zip_path:
                ui.write(f"zipping {output} into {zip_path}")
            result.sizes = bundle_sizes(staging, libraries, facts, result.placement if untouched else None,
                                        zip_staging, allow_oversize=request.allow_oversize or not request.measure)
        replace_directory(staging, output)
        if zip_staging is not None and zip_path is not None:
            os.replace(zip_staging, zip_path)
    finally:
        remove(staging)
        if zip_staging is not None:
            remove(zip_staging)


def _dependencies(request: BuildRequest, config: Config, result: BuildResult, cache: Optional[BuildCache],
                  key: Optional[str], libraries: str, ui: UI, installer: Optional[DependencyInstaller],
                  check: ResolutionCheck, skip: List[str], remote: Optional["RemoteCache"] = None
                  ) -> Optional[Placement]:
    """The dependencies into ``libraries``: placed from the cache when nothing that decides them changed (and
    a resolution of unpinned requirements is young enough; from the remote cache when the local one lacks
    the build), else built in a scratch directory of this build; what the cache placed."""
    if cache is not None and key is not None:
        fetched = remote is not None and cache.record(key) is None and remote.fetch_build(cache, key)
        placement = restore_build(cache, key, libraries, ui.write, check)
        if fetched and remote is not None:
            if placement is None:
                remote.record_unusable(key)
            else:
                ui.write(f"the build was in the remote cache {remote.store.description}: "
                         f"{len(remote.report.fetched)} wheels downloaded from it")
        if placement is not None:
            _say_reused(result, placement, check, ui)
            ui.step_started("install")  # the one step that ran
            ui.step_finished("install")
            return placement
        refusal = check.refusal()
        if refusal:
            ui.write(refusal)
    if installer is None:
        installer = _default_installer(request)
    scratch_root = request.scratch_dir
    if scratch_root is None:
        import tempfile  # not imported by a rebuild placed from the cache

        scratch_root = tempfile.gettempdir()
    os.makedirs(scratch_root, exist_ok=True)
    resolved_at = time.time()
    remove_dead(scratch_root, owned_pattern(BUILD_DIRECTORY_PREFIX))
    scratch = new_owned_directory(scratch_root, BUILD_DIRECTORY_PREFIX)
    try:
        installed = installer.install_dependencies(
            request.requirements, libraries, scratch, ui, config, cache,
            skip=skip + [scratch_root] + ([cache.root] if cache is not None else []))
        placement, result.missing, *more = installed  # an installer of the older shape gives the two first
        result.cross_built = tuple(more[0]) if more else ()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if cache is not None and key is not None and placement is not None and result.missing is None:
        try:
            cache.store(key, placement, _resolution_facts(request, config, placement, resolved_at))
        except OSError as error:  # the bundle is good; only the next build will not find it
            ui.warning(f"could not record this build in the cache: {error}")
        else:
            if remote is not None:
                remote.publish_build(cache, key)
    return placement


def _resolution_facts(request: BuildRequest, config: Config, placement: Placement, resolved_at: float
                      ) -> ResolutionFacts:
    """What the record of a build resolved now keeps of its resolution: when, and what no requirement pins
    (nothing, for a lock)."""
    from .build_inputs import input_requirements
    from .input_formats import LOCKS, input_format
    from .pinning import installed_distributions, unpinned_distributions

    kind = input_format(request.requirements, config.input_format)
    requirements = input_requirements(request.requirements, kind, config.extras, config.groups)
    if kind in LOCKS:
        return ResolutionFacts(resolved_at, ())
    environment = LambdaTarget(request.runtime, request.architecture).marker_environment()
    unpinned = unpinned_distributions(requirements.requirements + requirements.constraints,
                                      installed_distributions(placement.files), environment)
    return ResolutionFacts(resolved_at, tuple(unpinned))


def _default_installer(request: BuildRequest) -> DependencyInstaller:
    from . import packager
    from .utils import OSUtils

    return packager.DependencyBuilder(osutils=OSUtils(), runtime=request.runtime, python_exe=request.python,
                                      architecture=request.architecture)


def _plan_source(request: BuildRequest, output: str, staging: str, zip_path: Optional[str]) -> List["SourceEntry"]:
    """What the source copy takes (nothing without a source), decided before anything is built."""
    if not request.source:
        return []
    from .source_copy import plan_source_copy

    scratch = [os.path.abspath(request.scratch_dir)] if request.scratch_dir else []
    zipped = [zip_path] if zip_path else []  # a zip written into the source last time
    return plan_source_copy(request.source, skip=[output, staging] + scratch + zipped)
