"""pip's installation report: the shim that makes ``pip download`` write it, and the records read from it.

The packager needs to know which requirements pip met from a local project
directory: ``pip download`` saves nothing for those, so the packager builds
each into a wheel itself. pip's human output ("Processing ./pkg") is prose
that changes between versions; its installation report (the JSON that ``pip
install --report`` writes: https://pip.pypa.io/en/stable/reference/installation-report/)
is data with a version number, each distribution's origin in the PEP 610
``download_info`` format. ``pip download`` has no ``--report`` option and a
second pip run (``pip install --dry-run --report``) would cost a cold build
about a second, so :data:`pip_report_shim` makes the download write the very
report pip's own install would, with pip's own ``InstallationReport``.

pips before 22.2 have no ``InstallationReport``: they run untouched and write
no report, and the packager then reads pip's output as it always did
(``pip_output.local_directories``).
"""

from __future__ import annotations

import json
import logging
import string
import sys
import urllib.parse
from typing import Any, Dict, List, Mapping, NamedTuple, Optional

from packaging.utils import canonicalize_name

LOG = logging.getLogger(__name__)

# The environment variable that tells the shim where to write the report: set only on the pip call that
# carries the shim (a scripted pip in the tests sees it there too).
REPORT_VARIABLE = "LAMBDA_PIP_REPORT"

# Run in the pip child before pip's main (after any other shim). ``pip download`` resolves, then calls
# ``RequirementPreparer.prepare_linked_requirements_more`` once with the final requirement set, whose
# requirements then carry their PEP 610 ``download_info`` and metadata: the wrapper keeps them (from the
# outermost call only: pip may prepare a build's own requirements in between). When the download command
# has succeeded, they are written as pip's own report. Nothing here may break pip: a pip whose internals
# differ (no ``InstallationReport`` before pip 22.2, a method renamed, a report that cannot be made) is
# left alone or writes no report, and the packager falls back to pip's output.
pip_report_shim: str = """
def _lambda_pip_report_shim():
    import os
    path = os.environ.get(%(variable)r)
    if not path:
        return
    try:
        import json
        from pip._internal.commands.download import DownloadCommand
        from pip._internal.models.installation_report import InstallationReport
        from pip._internal.operations.prepare import RequirementPreparer
        prepare_more = RequirementPreparer.prepare_linked_requirements_more
        run = DownloadCommand.run
    except Exception:
        return
    state = {"depth": 0, "requirements": None}

    def prepare_linked_requirements_more(self, reqs, *args, **kwargs):
        reqs = list(reqs)
        state["depth"] += 1
        try:
            result = prepare_more(self, reqs, *args, **kwargs)
        finally:
            state["depth"] -= 1
        if state["depth"] == 0:
            state["requirements"] = reqs
        return result

    def run_and_report(self, *args, **kwargs):
        status = run(self, *args, **kwargs)
        if status == 0 and state["requirements"] is not None:
            try:
                text = json.dumps(InstallationReport(state["requirements"]).to_dict(), indent=2,
                                  ensure_ascii=False)
                with open(path, "w", encoding="utf-8") as report:
                    report.write(text)
            except Exception:
                pass
        return status

    RequirementPreparer.prepare_linked_requirements_more = prepare_linked_requirements_more
    DownloadCommand.run = run_and_report
_lambda_pip_report_shim()
del _lambda_pip_report_shim
""" % {"variable": REPORT_VARIABLE}


class ReportedDistribution(NamedTuple):
    """One distribution of pip's report: what pip chose and where it came from."""

    name: str  # normalized (PEP 503): "my-project" for "My_Project"
    version: str
    url: str  # where pip took it from: an index's file, a find-links file, a file:// URL of a directory
    hashes: Mapping[str, str]  # of the archive, by algorithm ("sha256"); empty for a directory or VCS checkout
    requested: bool  # named by the user (a top-level requirement), not only a dependency
    is_direct: bool  # a direct reference (a path, a URL), not found in an index or --find-links
    directory: Optional[str]  # the local project directory, for a requirement met by one (PEP 610 dir_info)
    vcs: Optional[str] = None  # "git", "hg", ... for a VCS checkout (PEP 610 vcs_info)


def parse_report(text: str) -> List[ReportedDistribution]:
    """The distributions of an installation report (JSON text), in the report's order.

    Raises ``ValueError`` for text that is not a report of format version 1
    (the only one pip has written): the caller then knows nothing from it.
    """
    report = json.loads(text)
    if not isinstance(report, dict) or str(report.get("version")) != "1" or not isinstance(
            report.get("install"), list):
        raise ValueError("not a pip installation report of version 1")
    return [_distribution(entry) for entry in report["install"]]


def read_report(path: str) -> Optional[List[ReportedDistribution]]:
    """The report pip wrote at ``path``; None when it wrote none (an older pip) or one that cannot be read."""
    try:
        with open(path, encoding="utf-8") as report:
            text = report.read()
    except OSError:
        return None
    if not text.strip():  # the packager made the file; pip did not write into it
        return None
    try:
        return parse_report(text)
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # a report of another shape
        LOG.debug("pip's installation report at %s is unreadable (%s): read pip's output instead", path, error)
        return None


def local_directories(distributions: List[ReportedDistribution]) -> List[str]:
    """The local project directories the report's requirements were met from, each once, in its order."""
    found: List[str] = []
    for distribution in distributions:
        if distribution.directory is not None and distribution.directory not in found:
            found.append(distribution.directory)
    return found


def _distribution(entry: Dict[str, Any]) -> ReportedDistribution:
    download_info = entry["download_info"]
    metadata = entry["metadata"]
    url = str(download_info["url"])
    return ReportedDistribution(
        name=canonicalize_name(str(metadata["name"])),
        version=str(metadata["version"]),
        url=url,
        hashes=_archive_hashes(download_info.get("archive_info")),
        requested=bool(entry.get("requested", False)),
        is_direct=bool(entry.get("is_direct", False)),
        directory=file_url_path(url) if "dir_info" in download_info else None,
        vcs=str((download_info.get("vcs_info") or {}).get("vcs") or "") or None,
    )


def _archive_hashes(archive_info: Optional[Dict[str, Any]]) -> Dict[str, str]:
    """``archive_info.hashes``, else the older single ``hash`` ("sha256=<hex>") that PEP 610 keeps too."""
    if not archive_info:
        return {}
    hashes = archive_info.get("hashes")
    if isinstance(hashes, dict) and hashes:
        return {str(algorithm): str(value) for algorithm, value in hashes.items()}
    algorithm, _, value = str(archive_info.get("hash") or "").partition("=")
    return {algorithm: value} if algorithm and value else {}


def file_url_path(url: str, windows: bool = sys.platform == "win32") -> Optional[str]:
    """The local path of a ``file:`` URL (percent-decoded), as pip's ``url_to_path`` reads it; None for another
    URL, or for one naming another host where that cannot be a path (a UNC share exists on Windows only)."""
    scheme, netloc, path, _, _ = urllib.parse.urlsplit(url)
    if scheme != "file":
        return None
    if netloc in ("", "localhost"):
        netloc = ""
    elif windows:
        netloc = "\\\\" + netloc
    else:
        return None
    if not windows:
        return urllib.parse.unquote(netloc + path)
    from urllib.request import url2pathname  # urllib's HTTP stack, needed for this alone, on Windows

    local = url2pathname(netloc + path)
    # urlsplit leaves "/C:/Users/x": the leading slash is dropped, as pip does.
    if not netloc and len(local) >= 3 and local[0] == "/" and local[1] in string.ascii_letters and \
            local[2:4] in (":", ":/"):
        local = local[1:]
    return local

