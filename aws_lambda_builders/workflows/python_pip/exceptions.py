"""Errors of the python_pip packager: one base, one class per thing a user can act on.

They are importable from ``packager`` as well, where aws-lambda-builders defines them.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional, Tuple

from aws_lambda_builders.exceptions import LambdaBuilderError, explain  # noqa: F401 - explain: shown here too


class PackagerError(Exception):
    """Base of every error the packager raises.

    ``str()`` is the message (aws-lambda-builders' exact text where it has the
    class); ``hint`` says what to do about it, shown by ``explain``.
    """

    hint = ""


class InvalidSourceDistributionNameError(PackagerError):
    """An sdist whose file name is not ``.tar.gz``, ``.tar.bz2`` or ``.zip``; raised with its path (the ``str()``)."""

    hint = "A source distribution is a .tar.gz, .tar.bz2 or .zip file."


class RequirementsFileNotFoundError(PackagerError):
    """A requirements file that is not there: the one given, or one that another includes (``-r``, ``-c``).

    ``str()`` is aws-lambda-builders' ``Requirements file not found: <path>``;
    for an include, the message says which line named it, as what, and where
    pip resolves that (the directory of the file that names it).
    """

    def __init__(self, requirements_path: str, named_as: Optional[str] = None,
                 named_on: Optional[Tuple[str, int]] = None, resolved_against: Optional[str] = None) -> None:
        if named_on is None:
            message = f"Requirements file not found: {requirements_path}"
            self.hint = "Pass the path of an existing requirements.txt."
        else:
            message = (f"{named_on[0]}, line {named_on[1]}: the included requirements file {named_as} "
                       f"(resolved against {resolved_against}) is not there: {requirements_path}")
            self.hint = "Correct the path, relative to the file that includes it."
        super().__init__(message)
        self.requirements_path = requirements_path


class MissingDependencyError(PackagerError):
    """Some dependencies could not be made compatible with the Lambda target.

    ``missing`` is the very object given (a set of packages, as aws-lambda-builders
    has it) and ``str()`` is ``str(missing)``, as there; ``reasons`` maps each
    package's identifier to why it is missing, and the hint lists them.
    """

    ADVICE = ("Pin a version that publishes a compatible wheel, or build the wheel yourself and put it in a "
              "--find-links directory.")
    LOCK_ADVICE = ("Lock for the target, so that the lock picks releases with a wheel for it (your locking tool "
                   "for its platform, or lambda-pip lock --runtime ... --architecture ...), or try --cross.")

    def __init__(self, missing: Iterable[object], reasons: Optional[Mapping[str, str]] = None,
                 advice: Optional[str] = None) -> None:
        # aws-lambda-builders does not call the base initialiser: ``args`` stay what was passed.
        self.missing = missing
        self.reasons = dict(reasons or {})
        names = sorted(str(getattr(p, "identifier", p)) for p in missing)
        lines = ["Could not install dependencies for the Lambda target:"]
        for name in names:
            reason = self.reasons.get(name)
            lines.append(f"  - {name}: {reason}" if reason else f"  - {name}")
        lines.append(advice or self.ADVICE)
        self.hint = "\n".join(lines)

    def __str__(self) -> str:
        return str(self.missing)


class NoSuchPackageError(PackagerError):
    """A package name or version that the index does not have; ``detail`` is what pip said."""

    def __init__(self, package_name: str, detail: str = "") -> None:
        super().__init__(f"Could not satisfy the requirement: {package_name}")
        self.package_name = package_name
        self.detail = detail
        self.hint = (f"{detail}\n" if detail else "") + (
            "Check the name and version in your requirements file, and the index pip uses.")


class NoSuchProjectError(NoSuchPackageError):
    """A requirement whose project no package index has at all (a misspelt name, most often): there is
    nothing to resolve on this machine either. ``urls`` are the indexes asked, without credentials."""

    def __init__(self, package_name: str, urls: Iterable[str], detail: str = "") -> None:
        super().__init__(package_name, detail)
        self.urls = list(urls)
        where = (f"the package index {self.urls[0]} has" if len(self.urls) == 1 else
                 f"the package indexes {', '.join(self.urls)} have")
        self.args = (f"{package_name} does not exist: {where} no project of that name",)
        self.hint = "Check the spelling of the name in your requirements file, and the index pip uses."


class PackageDownloadError(PackagerError):
    """pip failed to download the dependency closure: ``str()`` is pip's stderr (aws-lambda-builders' text),
    also kept as ``stderr``; ``summary``, when given, is the part of it that says what went wrong."""

    def __init__(self, message: str, stderr: str = "", summary: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr or message
        self.summary = summary
        if summary and summary.strip() != str(message).strip():
            self.hint = summary


class ConflictingRequirementsError(PackageDownloadError):
    """The requirements (or their dependencies) ask for versions that cannot all be installed."""

    def __init__(self, conflict: str, stderr: str = "") -> None:
        super().__init__(
            f"The requirements conflict:\n{conflict}\nLoosen or change the pins named above so that one "
            "version of each package satisfies them all.", stderr)


class LocalDistributionNotFoundError(PackageDownloadError):
    """A requirement names a wheel or sdist file (a path or a ``file://`` URL) that does not exist."""

    def __init__(self, path: str, stderr: str = "") -> None:
        super().__init__(f"{path} does not exist, and a requirement names it (as a path or a file:// URL). Correct "
                         "the path in the requirements file, or build or copy the file there first.", stderr)
        self.path = path


class PackageIndexError(PackageDownloadError):
    """The package index could not be used; ``url`` never shows credentials."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(message)
        self.url = url


class IndexUnreachableError(PackageIndexError):
    def __init__(self, url: str, why: str) -> None:
        super().__init__(url, f"The package index {url} cannot be reached ({why}). Check the network, a proxy, "
                              "or the index URL (-i/--index-url, pip.conf, PIP_INDEX_URL).")


class IndexAuthenticationError(PackageIndexError):
    def __init__(self, url: str, status: int) -> None:
        if status != 401:
            what = "refused access"
        elif "@" in url.split("://", 1)[-1].split("/", 1)[0]:
            what = "refused the credentials"
        else:  # pip never prompts for them: it runs with --no-input
            what = "asks for credentials, and none that it accepts were given"
        super().__init__(url, f"The package index {url} {what} (HTTP {status}). Check the user and token in the "
                              "index URL (https://USER:TOKEN@host/simple/), a .netrc entry, or the keyring pip uses.")
        self.status = status


class IndexNotFoundError(PackageIndexError):
    def __init__(self, url: str) -> None:
        super().__init__(url, f"The package index {url} does not exist (HTTP 404). Check the index URL: a PEP 503 "
                              "index usually ends in /simple/.")


class InvalidRequirementLineError(PackagerError):
    """A requirements file line that is not a requirement pip could read."""

    hint = "Write it as name, extras, version specifiers and markers (PEP 508), a path or a URL."

    def __init__(self, path: str, line_number: int, line: str, why: str) -> None:
        # pip's own words (aws-lambda-builders shows pip's message, and its callers look for it)
        super().__init__(f"Invalid requirement: '{line}': {why} (from line {line_number} of {path})")
        self.path, self.line_number, self.line = path, line_number, line


class RequirementsFileEncodingError(InvalidRequirementLineError):
    """A requirements file pip could not decode: it would stop with a traceback (``UnicodeDecodeError``)."""

    hint = ""  # the message says what to do

    def __init__(self, path: str, line_number: int, encoding: str, why: str) -> None:
        PackagerError.__init__(
            self, f"{path}, line {line_number}: not readable as {encoding} ({why}), the encoding pip reads this file "
                  "in. Save the file as UTF-8 (or declare its encoding on its first line, "
                  "`# -*- coding: latin-1 -*-`).")
        self.path, self.line_number, self.line = path, line_number, ""
        self.encoding = encoding


class LocalRequirementNotFoundError(InvalidRequirementLineError):
    """A requirement line naming a local path that is not there, where pip looks for it."""

    hint = ""  # the message says what to do

    def __init__(self, path: str, line_number: int, line: str, resolved: str, resolved_against: str,
                 hint: str = "") -> None:
        PackagerError.__init__(
            self, f"{path}, line {line_number}: {line} (resolved against {resolved_against}) does not exist: "
                  f"{resolved}. {hint or 'Correct the path, or run from the directory it is relative to.'}")
        self.path, self.line_number, self.line = path, line_number, line
        self.resolved = resolved


class SourceDirectoryNotFoundError(PackagerError):
    def __init__(self, path: str) -> None:
        super().__init__(f"Source directory not found: {path}. Pass the directory that holds the function's code.")
        self.path = path


class UnsafeSourceLinkError(PackagerError):
    """A symlink in the function's source that leads outside it, nowhere, or back into a directory it is in.

    Following it would put a file from elsewhere on the machine into the bundle
    (and the zip that is uploaded), or copy without end.
    """

    def __init__(self, link: str, target: str, why: str, remedy: str) -> None:
        super().__init__(f"Refusing to copy the function's source: {link} is a link to {target}, {why}. {remedy}")
        self.link = link
        self.target = target


class UnreadableSourceError(PackagerError):
    """A file or directory of the function's source that cannot be read, or is not a file at all."""

    def __init__(self, path: str, why: str, remedy: str = "Make it readable, or move it out of the source.") -> None:
        super().__init__(f"Cannot copy {path} from the function's source: {why}. {remedy}")
        self.path = path


class UnsafeProjectLinkError(UnsafeSourceLinkError):
    """A directory link in a local project requirement (``./pkg``, ``-e .``) that leads back into a directory
    being copied: the copy made for pip would never end. (A link out of the project is copied as what it
    points to: a monorepo's ``README.md -> ../README.md`` is part of the project.)"""

    def __init__(self, project: str, link: str, target: str, why: str, remedy: str) -> None:
        PackagerError.__init__(self, f"Refusing to copy the local project {project}: {link} is a link to {target}, "
                                     f"{why}. {remedy}")
        self.project = project
        self.link = link
        self.target = target


class UnreadableProjectError(UnreadableSourceError):
    """A file or directory of a local project requirement that cannot be read for the copy pip builds from."""

    def __init__(self, project: str, path: str, why: str,
                 remedy: str = "Make it readable, or move it out of the project.") -> None:
        PackagerError.__init__(self, f"Cannot copy {path} from the local project {project}: {why}. {remedy}")
        self.project = project
        self.path = path


class DiskFullError(PackagerError):
    def __init__(self, path: str) -> None:
        super().__init__(f"No space left on the device while writing {path}. Free some space there, or point "
                         "the scratch or output directory at another disk.")
        self.path = path


class BundleTooLargeError(PackagerError):
    """A bundle over Lambda's 250 MiB (262,144,000 bytes) unzipped limit: it would not deploy."""

    def __init__(self, unzipped: int, largest) -> None:
        from .units import format_size

        self.unzipped, self.largest = unzipped, list(largest)
        super().__init__(
            f"The bundle is {format_size(unzipped)} unzipped, over Lambda's 250 MiB limit "
            f"(function and layers together). Biggest: {', '.join(self.largest)}. Leave out what the runtime has "
            "(--exclude-runtime-provided), drop dead weight (--slim, --exclude), or move packages to a layer; "
            "--allow-oversize keeps it as it is.")


class HashMismatchError(PackageDownloadError):
    """A download whose digest is not one the requirements file pins with ``--hash``."""

    def __init__(self, packages, detail: str = "", pinned_by: str = "the requirements file") -> None:
        self.packages = list(packages)
        self.detail = detail
        self.pinned_by = pinned_by
        message = f"Hash mismatch for {', '.join(self.packages) or 'a download'}: the file is not the one "
        message += f"{pinned_by} pins. Check the --hash values, or whether the index serves another file."
        super().__init__(message + (f"\n{detail}" if detail else ""), detail)


class UnsupportedPackageError(PackagerError):
    """The name and version of an sdist could not be read.

    A PackagerError (aws-lambda-builders derives it from ``Exception``): the sdist
    is the user's to change, so the workflow reports it as a failed build with
    this hint, not as an unknown error of ours.
    """

    hint = "Its sdist has no usable PKG-INFO and its setup.py egg_info failed."

    def __init__(self, package_name: str) -> None:
        super().__init__(f"Unable to retrieve name/version for package: {package_name}")
        self.package_name = package_name


class UnsupportedPythonVersion(PackagerError):
    """A runtime name that is not one of Lambda's Python runtimes."""

    def __init__(self, version: str) -> None:
        from .target import RUNTIMES  # the table imports this module: read when the error is made

        runtimes = list(RUNTIMES)
        super().__init__(f"'{version}' version of python is not supported")
        self.version = version
        self.hint = f"Use one of {runtimes[0]} ... {runtimes[-1]}."


class UnsupportedArchitectureError(PackagerError):
    """An architecture that is neither ``x86_64`` nor ``arm64``."""

    def __init__(self, architecture: str) -> None:
        super().__init__(f"'{architecture}' is not a Lambda architecture; use x86_64 or arm64")
        self.architecture = architecture


class UnsafeArchiveError(PackagerError):
    """An archive member that would land outside the directory it is unpacked into."""

    def __init__(self, archive: str, member: str, why: str) -> None:
        super().__init__(f"Refusing to unpack {archive}: member {member!r} {why}")
        self.archive = archive
        self.member = member


class CorruptArchiveError(PackagerError):
    """An sdist that cannot be read as the archive its name says it is."""

    def __init__(self, archive: str, why: str) -> None:
        super().__init__(f"Cannot read {archive}: {why}. Delete it from your cache or index and download it again.")
        self.archive = archive


class UnsafeOutputError(PackagerError):
    """An output path a build must not replace: it holds the build's inputs or the user's files, or is no
    directory."""

    def __init__(self, output: str, why: str, zip_path: Optional[str] = None) -> None:
        if zip_path is None:
            super().__init__(f"Refusing to build into {output}: {why}. Each build replaces its output directory "
                             "as a whole: give it a directory of its own, e.g. build/function (it is created if "
                             "missing).")
        else:
            super().__init__(f"Refusing to write the zip {zip_path}: {why}. Write it to a new file or over an "
                             "earlier zip, outside the output directory, e.g. build/function.zip beside "
                             "build/function/.")
        self.output = output
        self.zip_path = zip_path
        self.why = why


class InvalidPathError(PackagerError, TypeError):
    """A path argument of the Python API that is not a path (``None``, a number ...)."""

    def __init__(self, argument: str, value: object) -> None:
        super().__init__(f"{argument} must be a path (str or os.PathLike), not {value!r}.")
        self.argument = argument


class InvalidWheelError(PackagerError):
    """A wheel that is not what PEP 427 says a wheel is (bad RECORD, no dist-info ...)."""

    def __init__(self, wheel: str, why: str) -> None:
        super().__init__(f"Refusing to install {wheel}: {why}")
        self.wheel = wheel


class MissingPipError(LambdaBuilderError, PackagerError):
    MESSAGE = "pip executable not found in your python environment at {python_path}"


class UnusableInterpreterError(MissingPipError):
    """The interpreter given to run pip (``--python``, ``python_exe``) does not run, or is not a Python with pip."""

    MESSAGE = ("{python_path} is not a Python interpreter with pip: {why}. Pass --python (python_exe) a Python 3 "
               "on which `-m pip --version` works.")

    def __init__(self, python_path: str, why: str) -> None:
        super().__init__(python_path=python_path, why=why)
        self.python_path = python_path
