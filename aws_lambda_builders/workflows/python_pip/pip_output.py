"""What pip's output says: its failures, read from stderr into the packager's exceptions (pip's stderr
kept on them, credentials hidden), and, for a pip too old to write its installation report
(``pip_report``), the local directories it reports processing on stdout.
"""

from __future__ import annotations

import os
import re
from typing import List, Optional

from .credentials import redact_credentials
from .exceptions import (
    ConflictingRequirementsError,
    DiskFullError,
    HashMismatchError,
    LocalDistributionNotFoundError,
    NoSuchPackageError,
    PackageDownloadError,
    UnsafeArchiveError,
)

_NO_SUCH_PACKAGE = re.compile(r"Could not find a version that satisfies the requirement (\S+)")
_NO_MATCHING_DISTRIBUTION = re.compile(r"No matching distribution found for (\S+)")
_HASH_MISMATCH = "DO NOT MATCH THE HASHES"
# pip refusing an sdist member itself: pip 24.1+ (PEP 706 filter) and older pips.
_UNSAFE_MEMBER = re.compile(r"Invalid member in the (?:tar|zip) file (?P<archive>\S+?): "
                            r"'(?P<member>[^']+)' (?P<why>.+)$", re.MULTILINE)
_UNSAFE_MEMBER_OLD = re.compile(r"The (?:tar|zip) file \((?P<archive>[^)]+)\) has a file \((?P<member>[^)]+)\) "
                                r"trying to install outside target directory")
# "    six==1.16.0 from https://.../six-1.16.0-py2.py3-none-any.whl#sha256=...:"
_HASH_MISMATCH_PACKAGE = re.compile(r"^\s+([A-Za-z0-9][A-Za-z0-9._-]*)[=<>!~ ].* from \S+", re.MULTILINE)
_COMPILER_ERROR = re.compile(r":\d+(:\d+)?: (fatal )?error: ")
# pip's failure to install an sdist's build requirements, which is not the user's requirement.
_BUILD_DEPENDENCIES = "install build dependencies"
# "Processing ./pkg" or "Processing /abs/pkg (from -r requirements.txt (line 1))"
_PROCESSING = re.compile(r"^Processing (.+?)(?: \(from .*\))?$", re.MULTILINE)


# pip's report of an exception it did not expect: this line, then the traceback, whose last line is the cause.
_UNEXPECTED = "ERROR: Exception:"
_TRACEBACK = "Traceback (most recent call last):"
_MISSING_FILE = re.compile(r"^FileNotFoundError: \[Errno \d+\] [^:]+: '(?P<path>.+)'$")
_DISTRIBUTION_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def pip_exception(stderr: str) -> Optional[str]:
    """The exception line that ends pip's own traceback (``FileNotFoundError: [Errno 2] ...``), or None.

    pip reports an exception it did not expect as a bare ``ERROR: Exception:``
    and a traceback; the cause is in the traceback's last line. A traceback
    of a build backend, indented inside pip's output, is not pip's own.
    """
    lines = stderr.splitlines()
    starts = [index for index, line in enumerate(lines) if line.rstrip() == _TRACEBACK]
    if not starts:
        return None
    for line in lines[starts[-1] + 1:]:
        if line.strip() and not line[0].isspace():
            return line.strip()
    return None


def pip_error_summary(stderr: str) -> str:
    """The lines of pip's stderr that say what went wrong (``ERROR:``, ``error:``, ``×``), else the last ones.

    A build's own output is indented inside pip's; its errors count too, the
    compiler's (``file.c:4:2: error: ...``) among them. pip's bare
    ``ERROR: Exception:`` is completed with the exception its traceback ends with.
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("ERROR:", "error:", "×")) or _COMPILER_ERROR.search(line)]
    exception = pip_exception(stderr)
    if exception is not None:
        errors = [f"{line} {exception}" if line == _UNEXPECTED else line for line in errors]
    return redact_credentials("\n".join(errors or lines[-5:]) or "pip failed without output")


def local_directories(stdout: str, cwd: str) -> List[str]:
    """The local directory requirements pip reports processing (``./pkg``), as absolute paths.

    ``pip download`` resolves them but saves nothing for a directory, so the
    packager builds each into a wheel itself. This reads pip's prose, which
    changes between versions: it is the fallback for pips before 22.2, which
    have no ``InstallationReport`` and so write no report
    (``pip_report.local_directories`` reads them from the report otherwise).
    """
    found = []
    for match in _PROCESSING.finditer(stdout):
        path = os.path.normpath(os.path.join(cwd, match.group(1).strip()))
        if os.path.isdir(path) and path not in found:
            found.append(path)
    return found


def _conflict_lines(stderr: str) -> str:
    """pip's own account of a conflict: the requirement it could not meet and the lines under
    "The conflict is caused by:"."""
    lines = [line.rstrip() for line in stderr.splitlines()]
    kept = [line.strip() for line in lines if line.startswith("ERROR: Cannot install")]
    if "The conflict is caused by:" in lines:
        for line in lines[lines.index("The conflict is caused by:") + 1:]:
            if not line.strip() or line.startswith("To fix"):
                break
            kept.append(line.strip())
    return "\n".join(kept) or pip_error_summary(stderr)



def download_error(stderr: str, stdout: str = "") -> Exception:
    """The packager exception for a failed closure download, pip's stderr attached (credentials hidden).

    pip explains a conflict on stdout, so that is read too.
    """
    stderr, stdout = redact_credentials(stderr), redact_credentials(stdout)
    if "No space left on device" in stderr:
        return DiskFullError("pip's download or build directory")
    if "ResolutionImpossible" in stderr or "conflicting dependencies" in stderr:
        return ConflictingRequirementsError(_conflict_lines(stderr + "\n" + stdout), stderr)
    unsafe = _UNSAFE_MEMBER.search(stderr) or _UNSAFE_MEMBER_OLD.search(stderr)
    if unsafe:
        why = unsafe.groupdict().get("why") or "would be written outside the destination directory"
        return UnsafeArchiveError(os.path.basename(unsafe.group("archive")), unsafe.group("member"), why)
    if _HASH_MISMATCH in stderr:
        return HashMismatchError(sorted(set(_HASH_MISMATCH_PACKAGE.findall(stderr))), pip_error_summary(stderr))
    match = _NO_SUCH_PACKAGE.search(stderr) or _NO_MATCHING_DISTRIBUTION.search(stderr)
    if match and _BUILD_DEPENDENCIES not in stderr.lower():
        return NoSuchPackageError(match.group(1), detail=pip_error_summary(stderr))
    missing = _MISSING_FILE.match(pip_exception(stderr) or "")
    if missing and missing.group("path").lower().endswith(_DISTRIBUTION_SUFFIXES):
        return LocalDistributionNotFoundError(missing.group("path"), stderr)
    return PackageDownloadError(stderr, stderr=stderr, summary=pip_error_summary(stderr))
