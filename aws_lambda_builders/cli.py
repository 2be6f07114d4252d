"""The ``lambda-pip`` command line.

Exit codes (the README has the same table):
  0    the bundle is complete (build) or has no problem for the target (check)
  1    some dependencies have no build for the target (build); problems found (check); damaged
       entries found, and removed (cache verify)
  2    the command line is wrong
  3    the requirements cannot be resolved: no such package or version, conflicting pins, pip failed
  4    the package index cannot be used: unreachable, refused the credentials, wrong URL
  5    an input is refused: requirements file missing or malformed, unsafe or corrupt archive,
       invalid wheel, hash mismatch, unsupported runtime or architecture, unsafe output directory
  6    this machine cannot do it: interpreter without pip, full disk, a file that cannot be written
  70   lambda-pip failed unexpectedly (a defect: please report it); the output directory is as it was
  130  interrupted (Ctrl-C, SIGTERM); the output directory is as it was

Results (a build's summary and size report, ``check``'s report, ``cache``'s, every ``--json``
document) go to stdout; progress, warnings and errors to stderr, so that ``lambda-pip cache info |
less`` shows the result and a pipe never mixes in progress. Sizes are in MiB (``units``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from typing import Dict, List, Optional, TextIO

from aws_lambda_builders import __version__
from aws_lambda_builders.terminal_ui import TerminalUI
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.exit_codes import (  # noqa: F401 - the exit codes are the command line's too
    EXIT_ENVIRONMENT,
    EXIT_INDEX,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_MISSING,
    EXIT_OK,
    EXIT_RESOLUTION,
    EXIT_USAGE,
)
from aws_lambda_builders.workflows.python_pip import orchestrator
from aws_lambda_builders.workflows.python_pip.exceptions import (
    DiskFullError,
    SourceDirectoryNotFoundError,
    HashMismatchError,
    LocalDistributionNotFoundError,
    MissingDependencyError,
    MissingPipError,
    NoSuchPackageError,
    PackageDownloadError,
    PackageIndexError,
    PackagerError,
    RequirementsFileNotFoundError,
    explain,
)
from aws_lambda_builders.workflows.python_pip.input_formats import FORMATS
from aws_lambda_builders.workflows.python_pip.resolution_age import DEFAULT_MAX_RESOLUTION_AGE, ONE_DAY
from aws_lambda_builders.workflows.python_pip.target import RUNTIMES, LambdaTarget
from aws_lambda_builders.workflows.python_pip.units import format_size
from aws_lambda_builders.workflows.python_pip.utils import Config

# A rebuild from the cache imports no more than the above: pip's side of the packager, the
# bundle audit and the size options are imported where they are used.

# The most specific class first: an error takes the code of the first class it is an instance of.
EXIT_CODES = (
    (MissingDependencyError, EXIT_MISSING),
    (PackageIndexError, EXIT_INDEX),
    ((HashMismatchError, LocalDistributionNotFoundError), EXIT_INPUT),
    ((MissingPipError, DiskFullError), EXIT_ENVIRONMENT),
    ((NoSuchPackageError, PackageDownloadError), EXIT_RESOLUTION),
    (PackagerError, EXIT_INPUT),
    (OSError, EXIT_ENVIRONMENT),
)


def exit_code(error: BaseException) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    return EXIT_ENVIRONMENT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lambda-pip",
        description="Build Python dependencies for AWS Lambda, for any runtime and architecture.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    host_runtime = "python%d.%d" % sys.version_info[:2]
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the dependencies of a requirements file into a directory")
    build.add_argument("-r", "--requirements", required=True, metavar="INPUT",
                       help="what to build: a requirements file, a lock (pylock.toml, pylock.NAME.toml, uv.lock, "
                            "poetry.lock with its pyproject.toml beside it, Pipfile.lock) installed as locked, or "
                            "a pyproject.toml resolved for the target")
    _add_input_arguments(build)
    build.add_argument("-o", "--output", required=True, help="directory to build into (replaced)")
    _add_target_arguments(build, host_runtime)
    build.add_argument("--python", default=sys.executable,
                       help="interpreter that runs pip (default: this one); sdists with C code are compiled "
                            "by one of the target's Python version, this one or another found here")
    build.add_argument("--scratch-dir", help="where downloads and builds go while they last (default: a temp dir)")
    build.add_argument("-i", "--index-url", help="base URL of the package index")
    build.add_argument("--extra-index-url", action="append", default=[], help="more index URLs (repeatable)")
    build.add_argument("-f", "--find-links", action="append", default=[], help="local dirs or URLs of archives")
    build.add_argument("--trusted-host", action="append", default=[], help="host to trust without HTTPS")
    build.add_argument("--allow-missing", action="store_true",
                       help="install what can be built even when some dependencies cannot (exit code 1 all the "
                            "same); by default the output is left as it was")
    build.add_argument("--cross", action="store_true",
                       help="compile sdists with C extensions for the target's CPU, Python and glibc with zig "
                            "(needs lambda-pip[cross] and a Python of the target's version here)")
    build.add_argument("--source", help="the function's own code, copied beside its dependencies "
                                        "(without VCS dirs, virtualenvs, caches and editor files)")
    build.add_argument("--layer", action="store_true", help="build a layer: everything under python/")
    build.add_argument("--zip", help="also write a reproducible deployment zip of the output here")
    build.add_argument("--exclude-runtime-provided", action="store_true",
                       help="leave out boto3, botocore, s3transfer, jmespath and what only they need")
    build.add_argument("--slim", action="store_true",
                       help="drop __pycache__, *.pyc, tests/ inside packages and install-time dist-info files")
    build.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                       help="drop dependency files matching GLOB (repeatable)")
    build.add_argument("--keep", action="append", default=[], metavar="GLOB",
                       help="never drop files matching GLOB (repeatable)")
    build.add_argument("--cache-dir", help="the build cache (default: $LAMBDA_PIP_CACHE_DIR, else the user's cache "
                                           "directory); an unchanged rebuild places files from it without pip")
    build.add_argument("--no-cache", action="store_true", help="neither read nor write the build cache")
    build.add_argument("--cache-url", default=None, metavar="s3://BUCKET/PREFIX",
                       help="a remote build cache under the local one, shared by machines (default: "
                            "$LAMBDA_PIP_CACHE_URL; needs lambda-pip[s3])")
    build.add_argument("--cache-endpoint", metavar="URL",
                       help="an S3-compatible endpoint for --cache-url (default: $AWS_ENDPOINT_URL, else AWS's)")
    build.add_argument("--cache-readonly", action="store_true",
                       help="read the remote build cache, never write it (for untrusted jobs)")
    build.add_argument("--copy-from-cache", action="store_true",
                       help="copy files from the cache instead of hard-linking them (slower; for a bundle whose "
                            "files will be edited in place)")
    build.add_argument("--refresh", action="store_true",
                       help="resolve requirements that are not fully pinned again now, instead of reusing a cached "
                            "resolution (cached wheels are still used)")
    build.add_argument("--max-resolution-age", type=_days, default=DEFAULT_MAX_RESOLUTION_AGE / ONE_DAY,
                       metavar="DAYS", help="reuse a cached resolution of requirements that are not fully pinned "
                                            "for this many days (default: 1; 0: resolve them again every build)")
    build.add_argument("--allow-oversize", action="store_true",
                       help="do not fail when the bundle is over Lambda's 250 MiB unzipped limit")
    build.add_argument("-q", "--quiet", action="store_true", help="print only errors and the result")
    build.add_argument("--json", action="store_true", help="print a JSON summary on stdout (implies --quiet)")

    lock = commands.add_parser("lock", help="write a pylock.toml of what ships to one or more Lambda targets")
    lock.add_argument("-r", "--requirements", required=True, metavar="INPUT",
                      help="a requirements file or a pyproject.toml to resolve for each target")
    _add_input_arguments(lock)
    lock.add_argument("-o", "--output", default="pylock.toml",
                      help="the lock to write (default: pylock.toml here; replaced whole)")
    lock.add_argument("--runtime", action="append", choices=list(RUNTIMES), metavar="RUNTIME",
                      help=f"a target runtime (repeatable; default: {host_runtime})")
    lock.add_argument("--architecture", action="append", choices=[X86_64, ARM64],
                      help="a target architecture (repeatable; default: x86_64); every runtime for every one")
    lock.add_argument("--python", default=sys.executable, help="interpreter that runs pip (default: this one)")
    lock.add_argument("--scratch-dir", help="where downloads go while they last (default: a temp dir)")
    lock.add_argument("-i", "--index-url", help="base URL of the package index")
    lock.add_argument("--extra-index-url", action="append", default=[], help="more index URLs (repeatable)")
    lock.add_argument("-f", "--find-links", action="append", default=[], help="local dirs or URLs of archives")
    lock.add_argument("-q", "--quiet", action="store_true", help="print only errors and the result")
    check = commands.add_parser("check", help="audit a bundle directory against a Lambda target")
    check.add_argument("bundle", help="the directory to audit (a build output, or any pip --target directory)")
    _add_target_arguments(check, host_runtime)
    check.add_argument("-r", "--requirements", metavar="INPUT",
                       help="also report what INPUT installs on the target that the bundle lacks or has at another "
                            "version: a requirements file or a pyproject.toml (the extras its requirements name "
                            "followed into the installed METADATA), or a lock (every release at its locked version)")
    _add_input_arguments(check)
    check.add_argument("--json", action="store_true", help="print the report as JSON on stdout")

    cache = commands.add_parser("cache", help="show the build cache, remove what builds no longer use, or check it")
    cache.add_argument("action", choices=["info", "prune", "verify"],
                       help="info: where the cache is and what it holds; prune: remove the entries no build has "
                            "used for --older-than days; verify: hold every cached file to its recorded digest and "
                            "remove the damaged entries (exit code 1 if there were any)")
    cache.add_argument("--cache-dir", help="the build cache (default: $LAMBDA_PIP_CACHE_DIR, else the user's "
                                           "cache directory)")
    cache.add_argument("--older-than", type=_days, default=30.0, metavar="DAYS",
                       help="prune entries unused for this many days (default: 30; 0: everything)")
    cache.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    return parser


def _days(text: str) -> float:
    try:
        days = float(text)
    except ValueError:
        days = -1.0
    if not days >= 0:  # NaN too
        raise argparse.ArgumentTypeError(f"expected a number of days (0 or more), got {text!r}")
    return days


def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input-format", choices=list(FORMATS),
                        help="the format of -r (default: told by its file name)")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME",
                        help="a pyproject's or a lock's extra to install too (repeatable)")
    parser.add_argument("--group", action="append", default=None, metavar="NAME",
                        help="a dependency group to install too (repeatable; default: a pylock.toml's default "
                             "groups, no group of another input)")


def _add_target_arguments(parser: argparse.ArgumentParser, host_runtime: str) -> None:
    parser.add_argument("--runtime", choices=list(RUNTIMES),
                        default=host_runtime if host_runtime in RUNTIMES else None,
                        required=host_runtime not in RUNTIMES,
                        help=f"Lambda runtime (default: the running Python's, {host_runtime})")
    parser.add_argument("--architecture", default=X86_64, choices=[X86_64, ARM64], help="default: x86_64")


def build(args: argparse.Namespace, stream: TextIO, out: TextIO) -> int:
    """Dependencies, size options, source and zip, all assembled beside ``-o`` and put in place at once:
    progress on ``stream``, the summary on ``out``."""
    ui = TerminalUI(stream, quiet=args.quiet or args.json)
    if args.source and not os.path.isdir(args.source):
        raise SourceDirectoryNotFoundError(args.source)
    try:
        result = orchestrator.build(build_request(args), ui)
    finally:
        ui.done()
    if args.json:
        print(json.dumps(summary(result, args.runtime, args.architecture, args.layer, args.allow_oversize), indent=2),
              file=out)
    else:
        count = len([n for n in os.listdir(result.libraries) if n.endswith(".dist-info")])
        print(f"built {count} distributions into {result.output} for {args.runtime} on {args.architecture}",
              file=out)
        if result.remote is not None:
            print(result.remote.line(), file=out)
        if result.cross_built:
            print(f"cross-built for {args.runtime} on {args.architecture}: {', '.join(result.cross_built)}", file=out)
        for option, freed in result.savings.items():
            print(f"  --{option} saved {format_size(freed)}", file=out)
        for line in result.sizes.lines() if result.sizes is not None else []:
            print(line, file=out)
    if result.missing is not None:  # --allow-missing: the bundle is in place, and the summary says what it lacks
        print(f"error: {error_text(result.missing)}", file=stream)
        return EXIT_MISSING
    return EXIT_OK


def build_request(args: argparse.Namespace) -> orchestrator.BuildRequest:
    """What ``lambda-pip build``'s command line asks for, as the one build's request."""
    config = Config(index_url=args.index_url, extra_index_urls=args.extra_index_url,
                    find_links=args.find_links, trusted_hosts=args.trusted_host, allow_missing=args.allow_missing,
                    cache_dir=args.cache_dir, no_cache=args.no_cache, link_from_cache=not args.copy_from_cache,
                    max_resolution_age=args.max_resolution_age * ONE_DAY, refresh=args.refresh,
                    input_format=args.input_format, extras=args.extra, groups=args.group, cross=args.cross,
                    cache_url=args.cache_url, cache_endpoint=args.cache_endpoint, cache_readonly=args.cache_readonly)
    return orchestrator.BuildRequest(
        requirements=os.path.abspath(args.requirements), output=args.output, runtime=args.runtime,
        architecture=args.architecture, python=args.python, config=config, scratch_dir=args.scratch_dir,
        source=args.source, layer=args.layer, zip_path=args.zip,
        size_options=orchestrator.SizeOptions(exclude_runtime_provided=args.exclude_runtime_provided,
                                              slim=args.slim, exclude=args.exclude, keep=args.keep),
        measure=True, allow_oversize=args.allow_oversize)


def summary(result: orchestrator.BuildResult, runtime: str, architecture: str, layer: bool,
            allow_oversize: bool) -> Dict[str, object]:
    """The ``--json`` document of a build that ended with a bundle in place."""
    from aws_lambda_builders.workflows.python_pip.slimming import installed_distributions

    distributions = installed_distributions(result.libraries, LambdaTarget(runtime, architecture))
    missing = result.missing
    sizes = result.sizes
    return {
        "ok": missing is None and not (sizes is not None and sizes.over_unzipped_limit and not allow_oversize),
        "exit_code": EXIT_MISSING if missing is not None else EXIT_OK,
        "output": result.output,
        "zip": result.zip_path,
        "runtime": runtime,
        "architecture": architecture,
        "layer": layer,
        "distributions": [{"name": d.name, "version": d.version} for d in distributions.values()],
        "missing": [{"package": name, "reason": reason} for name, reason in sorted(
            (missing.reasons if missing else {}).items())],
        "sizes": sizes.to_dict() if sizes is not None else None,
        "savings_bytes": result.savings,
        "timings_seconds": {name: round(seconds, 3) for name, seconds in result.timings.items()},
        "reused_resolution": result.reused_resolution.to_dict() if result.reused_resolution is not None else None,
        "cross_built": list(result.cross_built),
        "remote_cache": result.remote.to_dict() if result.remote is not None else None,
    }


def check(args: argparse.Namespace, stream: TextIO, out: TextIO) -> int:
    """The audit's report on ``out``; an argument that is no directory is an error on ``stream``."""
    if not os.path.isdir(args.bundle):
        print(f"error: {args.bundle} is not a directory", file=stream)
        return EXIT_INPUT
    if not args.requirements and (args.input_format or args.extra or args.group is not None):
        print("error: --input-format, --extra and --group are options of -r INPUT, which is not given", file=stream)
        return EXIT_USAGE
    if args.requirements and not os.path.isfile(args.requirements):
        raise RequirementsFileNotFoundError(args.requirements)
    from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle

    report = check_bundle(args.bundle, args.runtime, args.architecture, args.requirements,
                          input_format=args.input_format, extras=args.extra, groups=args.group)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2), file=out)
    else:
        for problem in report.problems:
            print(f"{problem.kind}: {problem}", file=out)
        verdict = "ok" if report.ok else f"{len(report.problems)} problem(s)"
        print(f"{args.bundle}: {verdict} for {args.runtime} on {args.architecture} "
              f"({report.distributions} distributions, {report.shared_objects} binaries checked)", file=out)
    return EXIT_OK if report.ok else EXIT_MISSING


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Optional[List[str]] = None, stream: Optional[TextIO] = None, out: Optional[TextIO] = None) -> int:
    """Run a command: progress, warnings and errors on ``stream`` (stderr), results on ``out`` (stdout)."""
    stream = stream or sys.stderr
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the staging and scratch directories are removed on the way out.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if args.command == "check":
            return check(args, stream, out)
        if args.command == "cache":
            from aws_lambda_builders.cache_command import cache_command

            return cache_command(args, out)
        if args.command == "lock":
            from aws_lambda_builders.lock_command import lock_command

            return lock_command(args, stream, out, sys.argv[1:] if argv is None else argv)
        return build(args, stream, out)
    except KeyboardInterrupt as error:
        return report_error(args, error, "interrupted: the output directory is as it was", EXIT_INTERRUPTED,
                            stream, out)
    except (PackagerError, OSError) as error:
        return report_error(args, error, error_text(error), exit_code(error), stream, out)
    except Exception as error:  # a defect of ours: said in one line; the traceback only on request
        if os.environ.get("LAMBDA_PIP_TRACEBACK"):
            import traceback

            traceback.print_exc(file=stream)
        message = (f"lambda-pip failed unexpectedly ({type(error).__name__}: {error}); the output is as it was. "
                   "Please report it, with the traceback that LAMBDA_PIP_TRACEBACK=1 shows.")
        return report_error(args, error, message, EXIT_INTERNAL, stream, out)
    finally:
        signal.signal(signal.SIGTERM, previous)


def error_text(error: BaseException) -> str:
    """What a person reads of an error: its ``explain``; of missing packages, each with its reason (their
    ``str()`` is aws-lambda-builders' set of packages)."""
    if isinstance(error, MissingDependencyError):
        return error.hint
    return explain(error)


def report_error(args: argparse.Namespace, error: BaseException, message: str, code: int, stream: TextIO,
                 out: TextIO) -> int:
    """The error on ``stream``, and with ``--json`` as the one JSON document on ``out`` too; its exit code."""
    print(f"error: {message}", file=stream)
    if getattr(args, "json", False):
        reasons = getattr(error, "reasons", {})
        print(json.dumps({"ok": False, "error": message, "exit_code": code,
                          "missing": [{"package": p, "reason": r} for p, r in sorted(reasons.items())]},
                         indent=2), file=out)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
