"""Step 4 with ``--cross``: sdists with C (or Cython) extensions compiled for the Lambda target with zig, from
any machine, without Docker (the decisions: ``cross_target``).

What a cross build needs, found once per build:

- zig, from the ``ziglang`` package (``pip install 'lambda-pip[cross]'``);
- an interpreter of the target's Python version on this machine (``--python``, PATH, pyenv's): its
  headers and its build configuration, made the target's in this build's scratch directory;
- a build environment: a virtual environment of that interpreter per set of build requirements
  (``[build-system] requires``), into which pip installs them for this machine (they run here).

Then pip builds the sdists without build isolation (the environment is ours and has the requirements), its
backend reading the target's configuration (``_PYTHON_SYSCONFIGDATA_NAME``, ``_PYTHON_HOST_PLATFORM``), one
pip per build environment. A wheel built so goes into the build cache under the target and zig's version.
What comes out is accepted by the caller only when the audit finds every binary in it the target's.
"""

from __future__ import annotations

import hashlib
import json
import os
import pprint
import shutil
import subprocess
from typing import TYPE_CHECKING, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from .cross_target import (
    ARCHIVER,
    C_COMPILER,
    CXX_COMPILER,
    compiler_environment,
    compiler_wrapper,
    multiarch_pyconfig,
    host_platform,
    sysconfigdata_name,
    target_config_vars,
    target_pyconfig,
)
from .package import Package
from .pip_runner import PipResult, PipRunner
from .sdist_builds import BUILT, SdistBuilds
from .target import LambdaTarget

if TYPE_CHECKING:
    from .cache import BuildCache
    from .host import Host

# The build requirements PEP 517 assumes of a project that declares none (and wheel, which older setuptools
# need to make a wheel at all).
DEFAULT_BUILD_REQUIREMENTS = ("setuptools>=40.8.0", "wheel")

# Run in the interpreter of the target's version: its build configuration and where its headers are.
_DESCRIBE = ("import importlib, json, sys, sysconfig; "
             "print(json.dumps({'vars': importlib.import_module(sysconfig._get_sysconfigdata_name()).build_time_vars,"
             " 'include': sysconfig.get_paths()['include'], 'version': list(sys.version_info[:2])}))")


class Zig(NamedTuple):
    path: str
    version: str


def find_zig() -> Optional[Zig]:
    """zig from the ``ziglang`` package of lambda-pip's own environment; None when it is not installed."""
    try:
        import ziglang  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(os.path.abspath(ziglang.__file__)), "zig")
    if not os.access(path, os.X_OK):
        return None
    return Zig(path, zig_version() or "unknown")


def zig_version() -> Optional[str]:
    """The version of the ``ziglang`` package installed (the compiler's), without starting it; None without it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ziglang")
    except PackageNotFoundError:
        return None


def build_requirements(sdist_path: str) -> Tuple[str, ...]:
    """What building ``sdist_path`` needs installed: its ``[build-system] requires``, else PEP 517's default."""
    from .archives import read_root_file
    from .toml_files import parse_toml

    text = read_root_file(sdist_path, "pyproject.toml")
    requires: Sequence[object] = ()
    if text is not None:
        try:
            requires = parse_toml(text.decode("utf-8", "replace"), sdist_path).get("build-system", {}).get(
                "requires", DEFAULT_BUILD_REQUIREMENTS)
        except Exception:  # an unreadable pyproject.toml: pip's own build would fail on it too
            requires = DEFAULT_BUILD_REQUIREMENTS
    else:
        requires = DEFAULT_BUILD_REQUIREMENTS
    wanted = [str(r) for r in requires if isinstance(r, str)]
    if not any(r.split("[")[0].split(";")[0].strip().lower().startswith("wheel") for r in wanted):
        wanted.append("wheel")
    return tuple(sorted(set(wanted)))


class CrossBuilds:
    """The cross builds of one build for one target, prepared on first use in ``scratch``.

    ``pip`` is the build's runner (for another interpreter through ``for_python``), ``options`` pip's options
    for building, ``python_exe`` the interpreter the user gave (preferred when of the target's version).
    """

    def __init__(self, pip: PipRunner, host: "Host", target: LambdaTarget, python_exe: str, options: Sequence[str],
                 cache: Optional["BuildCache"], scratch: str, say: Callable[[str], None]) -> None:
        self._pip = pip
        self._host = host
        self.target = target
        self._python_exe = python_exe
        self._options = list(options)
        self._cache = cache
        self._scratch = scratch
        self._say = say
        self._prepared = False
        self._unavailable: Optional[str] = None
        self._zig: Optional[Zig] = None
        self._interpreter: Optional[str] = None
        self._environment: Dict[str, str] = {}
        self._runners: Dict[Tuple[str, ...], Tuple[Optional[PipRunner], Optional[PipResult]]] = {}

    @property
    def zig(self) -> Optional[Zig]:
        self._prepare()
        return self._zig

    def unavailable(self) -> Optional[str]:
        """Why nothing can be cross-built here for the target (what to install), or None."""
        self._prepare()
        return self._unavailable

    def build(self, sdists: List[Package], directory: str) -> List[Optional[PipResult]]:
        """Build each sdist in ``directory`` for the target, in the order given; each pip's result."""
        self._prepare()
        if self._unavailable is not None:
            return [(1, b"", self._unavailable.encode("utf-8")) for _ in sdists]
        groups: Dict[Tuple[str, ...], List[Package]] = {}
        for sdist in sdists:
            groups.setdefault(build_requirements(os.path.join(directory, sdist.filename)), []).append(sdist)
        results: Dict[str, Optional[PipResult]] = {}
        for requirements, group in sorted(groups.items()):
            cached = [sdist for sdist in group if self._copy_built_before(os.path.join(directory, sdist.filename),
                                                                          directory)]
            results.update({sdist.filename: BUILT for sdist in cached})
            group = [sdist for sdist in group if sdist not in cached]
            if not group:  # no build environment made for what the cache holds
                continue
            runner, failure = self._runner_for(requirements)
            if runner is None:
                results.update({sdist.filename: failure for sdist in group})
                continue
            # No cache here: a wheel is kept only once the audit has accepted it (``store``).
            builds = SdistBuilds(runner, self._options + ["--no-build-isolation"], None, self.built_for())
            results.update(zip((s.filename for s in group), builds.build(group, directory, compile_c=True)))
        return [results[sdist.filename] for sdist in sdists]

    def _copy_built_before(self, sdist_path: str, directory: str) -> bool:
        """Copy into ``directory`` the wheel the cache holds from this sdist cross-built alike; whether it did."""
        cached = self._cache.built_wheel(sdist_path, self.built_for(), True) if self._cache is not None else None
        if cached is None:
            return False
        try:
            shutil.copyfile(cached, os.path.join(directory, os.path.basename(cached)))
            return True
        except OSError:  # replaced by another build since it was looked up: built here
            return False

    def store(self, sdist_path: str, wheel: str) -> None:
        """Keep ``wheel``, cross-built from ``sdist_path`` and accepted by the audit, in the build cache."""
        if self._cache is not None:
            try:
                self._cache.store_built_wheel(sdist_path, self.built_for(), True, wheel)
            except OSError:  # the wheel is good; only the next build will build it again
                pass

    def built_for(self) -> str:
        """The cache's name for what these builds make: the target, zig's version, the interpreter, options."""
        assert self._zig is not None and self._interpreter is not None
        builder = repr((os.path.realpath(self._interpreter), self._zig.version, self._options))
        digest = hashlib.sha256(builder.encode("utf-8")).hexdigest()[:16]
        return f"{self.target.runtime}-{self.target.architecture}-cross-{digest}"

    def _prepare(self) -> None:
        if self._prepared:
            return
        self._prepared = True
        major, minor = self.target.python_version
        self._zig = find_zig()
        if self._zig is None:
            self._unavailable = ("cross-building needs zig: install lambda-pip with its cross extra "
                                 "(pip install 'lambda-pip[cross]', which brings the ziglang package)")
            return
        found = self._host.interpreter_for and self._host.interpreter_for((major, minor), [self._python_exe])
        if not found:
            self._unavailable = (f"cross-building for {self.target.describe()} needs a Python {major}.{minor} on "
                                 f"this machine for its headers (python{major}.{minor} on PATH, "
                                 f"pyenv install {major}.{minor}, or --python)")
            return
        self._interpreter = found.path
        try:
            self._unavailable = self._make_target_python(found.path, major, minor)
        except (OSError, ValueError, KeyError, subprocess.SubprocessError) as error:
            self._unavailable = f"the headers of {found.path} could not be made the target's: {error}"

    def _make_target_python(self, interpreter: str, major: int, minor: int) -> Optional[str]:
        """The target's headers, configuration and compilers from ``interpreter``'s; why not, or None."""
        assert self._zig is not None
        described = subprocess.run([interpreter, "-c", _DESCRIBE], capture_output=True, text=True, timeout=120)
        if described.returncode != 0:
            return f"{interpreter} could not describe its build configuration: {described.stderr[-500:]}"
        description = json.loads(described.stdout)
        if not os.path.isfile(os.path.join(description["include"], "Python.h")):
            return (f"cross-building needs the headers of Python {major}.{minor} ({interpreter} has none: "
                    f"install python{major}.{minor}-dev, or pass --python a Python {major}.{minor} that has them)")
        root = os.path.join(self._scratch, f"cross-{self.target.runtime}-{self.target.machine}")
        include, lib = os.path.join(root, "include"), os.path.join(root, "lib")
        shutil.copytree(description["include"], include)
        pyconfig = os.path.join(include, "pyconfig.h")
        with open(pyconfig, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        wrapped = multiarch_pyconfig(text, str(description["vars"].get("MULTIARCH", "")))
        if wrapped is not None:  # Debian's: the real one is in the system's include directory
            with open(os.path.join("/usr/include", wrapped), encoding="utf-8", errors="surrogateescape") as f:
                text = f.read()
        with open(pyconfig, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(target_pyconfig(text, self.target))
        os.makedirs(lib)
        programs = os.path.join(root, "bin")
        os.makedirs(programs)
        for program in (C_COMPILER, CXX_COMPILER, ARCHIVER):
            with open(os.path.join(programs, program), "w", encoding="utf-8") as f:
                f.write(compiler_wrapper(self._zig.path, self.target, program))
            os.chmod(os.path.join(programs, program), 0o755)
        config = target_config_vars(description["vars"], self.target, programs, include)
        with open(os.path.join(lib, sysconfigdata_name(self.target) + ".py"), "w", encoding="utf-8") as f:
            f.write("# The build configuration of " + self.target.describe() + ", written by lambda-pip --cross.\n")
            f.write("build_time_vars = " + pprint.pformat(config, width=120) + "\n")
        self._environment = {"_PYTHON_HOST_PLATFORM": host_platform(self.target),
                             "_PYTHON_SYSCONFIGDATA_NAME": sysconfigdata_name(self.target),
                             "PYTHONPATH": lib, "PIP_NO_CACHE_DIR": "1", **compiler_environment(programs)}
        self._say(f"cross-building for {self.target.describe()} with zig {self._zig.version} and the headers of "
                  f"Python {major}.{minor} at {interpreter}")
        return None

    def _runner_for(self, requirements: Tuple[str, ...]) -> Tuple[Optional[PipRunner], Optional[PipResult]]:
        """pip in a build environment holding ``requirements`` (made once per set); or None and why not."""
        if requirements not in self._runners:
            assert self._interpreter is not None
            venv = os.path.join(self._scratch, f"cross-env-{len(self._runners)}")
            made = subprocess.run([self._interpreter, "-m", "venv", venv], capture_output=True, timeout=300)
            if made.returncode != 0:
                self._runners[requirements] = (None, (made.returncode, made.stdout, made.stderr))
                return self._runners[requirements]
            runner = self._pip.for_python(os.path.join(venv, "bin", "python"))
            runner.temp_dir = self._pip.temp_dir
            installed = runner.install(list(requirements), self._options)
            if installed[0] != 0:
                self._runners[requirements] = (None, installed)
                return self._runners[requirements]
            runner.build_environment = dict(self._environment)
            self._runners[requirements] = (runner, None)
        return self._runners[requirements]
