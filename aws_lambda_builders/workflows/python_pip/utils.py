"""The packager's edges: file and process operations (``OSUtils``), progress (``UI``), options (``Config``).

All three are injectable so the pipeline runs against fakes in unit tests and
against the real machine everywhere else.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Optional, Sequence

from .resolution_age import DEFAULT_MAX_RESOLUTION_AGE

if TYPE_CHECKING:
    from .remote_cache import RemoteCache
    import logging

    from .pip_events import PipEvent

    from .cache import BuildCache


class OSUtils:
    """Every file system and process call the packager makes (aws-lambda-builders' names)."""

    def original_environ(self) -> Dict[str, str]:
        """The environment for child processes, undoing a PyInstaller bundle's LD_LIBRARY_PATH."""
        env = dict(os.environ)
        if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):
            original = env.get("LD_LIBRARY_PATH_ORIG")
            if original is not None:
                env["LD_LIBRARY_PATH"] = original
            else:
                env.pop("LD_LIBRARY_PATH", None)
        return env

    def file_exists(self, filename: str) -> bool:
        return os.path.isfile(filename)

    def get_file_contents(self, filename: str, binary: bool = True, encoding: str = "utf-8"):
        if binary:
            with open(filename, "rb") as f:
                return f.read()
        with io.open(filename, "r", encoding=encoding) as f:
            return f.read()

    def extract_zipfile(self, zipfile_path: str, unpack_dir: str) -> None:
        from .archives import extract_zipfile

        extract_zipfile(zipfile_path, unpack_dir)

    def directory_exists(self, path: str) -> bool:
        return os.path.isdir(path)

    def get_directory_contents(self, path: str) -> List[str]:
        return os.listdir(path)

    def makedirs(self, path: str) -> None:
        os.makedirs(path)

    def joinpath(self, *args: str) -> str:
        return os.path.join(*args)

    def copytree(self, source: str, destination: str) -> None:
        from .source_copy import copy_file_replacing  # a file there may be a hard link into the build cache

        shutil.copytree(source, destination, dirs_exist_ok=True, copy_function=copy_file_replacing)

    def rmtree(self, directory: str) -> None:
        shutil.rmtree(directory)

    @contextlib.contextmanager
    def tempdir(self, dir: Optional[str] = None) -> Iterator[str]:
        import tempfile

        tempdir = tempfile.mkdtemp(dir=dir)
        try:
            yield tempdir
        finally:
            shutil.rmtree(tempdir, ignore_errors=True)

    def popen(self, command, stdout=None, stderr=None, env=None, cwd=None, stdin=None, start_new_session=False):
        """``subprocess.Popen``; ``start_new_session`` puts the child and what it starts in a process group
        of their own (see ``SubprocessPip``)."""
        import subprocess

        return subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=stderr, env=env, cwd=cwd,
                                start_new_session=start_new_session)

    def mtime(self, path: str) -> float:
        return os.stat(path).st_mtime

    @property
    def pipe(self) -> int:
        import subprocess

        return subprocess.PIPE

    @property
    def devnull(self) -> int:
        import subprocess

        return subprocess.DEVNULL

    def basename(self, path: str) -> str:
        return os.path.basename(path)


class UI:
    """Receives the packager's progress; the default forwards it to ``logging``.

    Subclass and override what you want to show or forward (a progress bar, a
    JSON log); every method has a default, so a subclass overrides only a few.
    """

    def __init__(self, logger: Optional[logging.Logger] = None) -> None:
        self._logger = logger

    @property
    def _log(self) -> logging.Logger:
        # logging is imported when there is something to log: a subclass that prints never needs it
        if self._logger is None:
            import logging

            self._logger = logging.getLogger("aws_lambda_builders.workflows.python_pip")
        return self._logger

    def write(self, message: str) -> None:
        """A line of progress for a person to read."""
        self._log.info(message)

    def warning(self, message: str) -> None:
        self._log.warning(message)

    def error(self, message: str) -> None:
        self._log.error(message)

    def step_started(self, step: str) -> None:
        self._log.debug("step started: %s", step)

    def step_finished(self, step: str, summary: str = "") -> None:
        self._log.debug("step finished: %s%s", step, f" ({summary})" if summary else "")

    def package_downloaded(self, filename: str) -> None:
        self.write(f"downloaded {filename}")

    def package_built(self, sdist: str, wheel: str) -> None:
        self.write(f"built {wheel} from {sdist}")

    def package_installed(self, wheel: str) -> None:
        self._log.debug("installed %s", wheel)

    def package_missing(self, identifier: str, reason: str) -> None:
        self.error(f"missing {identifier}: {reason}")

    def pip_progress(self, event: "PipEvent") -> None:
        """What pip is at while it runs (``pip_events``: resolving, downloading, building...), as it prints it.

        Called from the thread that runs that pip: several at once while sdists build in parallel.
        """
        self._log.debug("pip: %s %s%s", event.kind, event.name, f" ({event.detail})" if event.detail else "")


class Config:
    """Options carried into every pip call the packager makes.

    pip's own configuration (pip.conf, ``PIP_*`` variables) still applies;
    these are added on top, as command-line options that take precedence.
    """

    def __init__(self, index_url: Optional[str] = None, extra_index_urls: Optional[Sequence[str]] = None,
                 find_links: Optional[Sequence[str]] = None, trusted_hosts: Optional[Sequence[str]] = None,
                 extra_pip_args: Optional[Sequence[str]] = None, allow_missing: bool = False,
                 cache_dir: Optional[str] = None, no_cache: bool = False, link_from_cache: bool = False,
                 max_resolution_age: float = DEFAULT_MAX_RESOLUTION_AGE, refresh: bool = False,
                 input_format: Optional[str] = None, extras: Sequence[str] = (),
                 groups: Optional[Sequence[str]] = None, cross: bool = False, cache_url: Optional[str] = None,
                 cache_endpoint: Optional[str] = None, cache_readonly: bool = False) -> None:
        self.index_url = index_url
        self.extra_index_urls: Sequence[str] = [] if extra_index_urls is None else extra_index_urls
        self.find_links: Sequence[str] = [] if find_links is None else find_links
        self.trusted_hosts: Sequence[str] = [] if trusted_hosts is None else trusted_hosts
        self.extra_pip_args: Sequence[str] = [] if extra_pip_args is None else extra_pip_args
        # Install what could be built and then raise MissingDependencyError (the original's way),
        # instead of leaving the target directory untouched.
        self.allow_missing = allow_missing
        # The persistent cache (unpacked wheels, sdists built, whole builds): None for the user's cache
        # directory (``cache.default_cache_dir``); ``no_cache`` builds without reading or writing it.
        self.cache_dir = cache_dir
        self.no_cache = no_cache
        # Place files from the cache by hard link: fastest, but the bundle's files are then the
        # cache's own (read-only; replace them, never edit them in place). By default they are copied.
        self.link_from_cache = link_from_cache
        # A cached build of requirements that are not fully pinned is the resolution of the day it was made:
        # placed while younger than this many seconds (0: never), resolved again once older, or at once with
        # ``refresh`` (``resolution_age``). A fully pinned build is placed whatever its age.
        self.max_resolution_age = max_resolution_age
        self.refresh = refresh
        # The input's format (``input_formats``: "requirements", "pylock", "uv.lock", "poetry.lock",
        # "Pipfile.lock", "pyproject"); None: told by the file's name. A pyproject's or a lock's extras and
        # dependency groups to install (groups None: a pylock.toml's default groups, none of another input).
        self.input_format = input_format
        self.extras: Sequence[str] = tuple(extras)
        self.groups: Optional[Sequence[str]] = None if groups is None else tuple(groups)
        # Compile sdists with C (and Cython) extensions for the target with zig (``cross_builds``; needs the
        # ``ziglang`` package, ``lambda-pip[cross]``, and an interpreter of the target's Python version here).
        self.cross = cross
        # A remote layer under the build cache (``remote_cache``): ``s3://bucket/prefix`` (None:
        # ``$LAMBDA_PIP_CACHE_URL``, else none), an S3-compatible endpoint (None: ``$AWS_ENDPOINT_URL`` or
        # AWS's), and whether to read it only (for untrusted jobs).
        self.cache_url = cache_url
        self.cache_endpoint = cache_endpoint
        self.cache_readonly = cache_readonly

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Config) and vars(other) == vars(self)

    def __repr__(self) -> str:
        return "Config(%s)" % ", ".join(f"{name}={value!r}" for name, value in vars(self).items())

    def build_cache(self) -> Optional["BuildCache"]:
        """The cache these settings name, or None when it is off."""
        if self.no_cache:
            return None
        from .cache import BuildCache, default_cache_dir

        return BuildCache(self.cache_dir or default_cache_dir(), link=self.link_from_cache,
                          keep_wheels=self.remote_cache_url() is not None and not self.cache_readonly)

    def remote_cache_url(self) -> Optional[str]:
        """The remote build cache's URL, or None when there is none (or no cache at all)."""
        return None if self.no_cache else (self.cache_url or os.environ.get("LAMBDA_PIP_CACHE_URL") or None)

    def remote_cache(self, warn: Callable[[str], None]) -> Optional["RemoteCache"]:
        """The remote layer these settings name, or None (none named, or it cannot be used: said with ``warn``)."""
        url = self.remote_cache_url()
        if url is None:
            return None
        from .object_store import S3Store, StoreUnavailable
        from .remote_cache import RemoteCache

        try:
            return RemoteCache(S3Store(url, self.cache_endpoint), self.cache_readonly, warn)
        except (StoreUnavailable, ValueError) as error:
            warn(f"the remote build cache is not used: {error}")
            return None

    def pip_options(self) -> List[str]:
        """The pip command-line options these settings stand for."""
        options: List[str] = []
        if self.index_url:
            options += ["--index-url", self.index_url]
        for url in self.extra_index_urls:
            options += ["--extra-index-url", url]
        for link in self.find_links:
            options += ["--find-links", link]
        for host in self.trusted_hosts:
            options += ["--trusted-host", host]
        options += list(self.extra_pip_args)
        return options


# The experimental flag of aws-lambda-builders that links dependencies instead of copying them; accepted, and
# without effect here as there (the build places the dependencies once, in the cache's way).
EXPERIMENTAL_FLAG_BUILD_PERFORMANCE = "experimentalBuildPerformance"


def is_experimental_build_improvements_enabled(experimental_flags: Optional[List[str]]) -> bool:
    """Whether the caller (SAM CLI's ``--beta-features``) turned on the build performance experiment."""
    return bool(experimental_flags) and EXPERIMENTAL_FLAG_BUILD_PERFORMANCE in experimental_flags  # type: ignore
