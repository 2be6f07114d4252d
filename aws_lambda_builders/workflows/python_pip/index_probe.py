"""Why pip found nothing: asking the package index directly.

pip reports an index that is down, refuses the credentials, or is the wrong URL
the same way as a package that does not exist ("from versions: none"). When
pip finds nothing, the packager asks each index itself and raises the error
that names the real cause, the project's own absence from every index included.
"""

from __future__ import annotations

import os
import urllib.error
from typing import Iterable, List, Mapping, Optional

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .authenticated_http import open_url
from .exceptions import (
    IndexAuthenticationError,
    IndexNotFoundError,
    IndexUnreachableError,
    NoSuchProjectError,
    PackagerError,
)
from .credentials import redact_credentials

PYPI = "https://pypi.org/simple/"
TIMEOUT = 15


def index_urls(pip_options: Iterable[str], environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """The index URLs pip uses: ``PIP_INDEX_URL``/``PIP_EXTRA_INDEX_URL``, then the options, which win.

    (An index set only in a pip.conf file is not seen here; PyPI is probed instead.)
    """
    environ = os.environ if environ is None else environ
    options = list(pip_options)
    if "--no-index" in options:
        return []
    primary, extra = environ.get("PIP_INDEX_URL") or PYPI, environ.get("PIP_EXTRA_INDEX_URL", "").split()
    for flag, value in zip(options, options[1:]):
        if flag == "--index-url":
            primary = value
        elif flag == "--extra-index-url":
            extra.append(value)
    return [primary] + [url for url in extra if url != primary]


def looks_past_indexes(pip_options: Iterable[str], environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether pip also finds archives elsewhere than on the indexes (``--find-links``, ``PIP_FIND_LINKS``):
    then a project the indexes lack may still be there."""
    environ = os.environ if environ is None else environ
    return bool(environ.get("PIP_FIND_LINKS")) or any(
        option in ("--find-links", "-f") or option.startswith("--find-links=") for option in pip_options)


def _status(url: str, method: str = "GET") -> int:
    """The HTTP status of ``url``, its credentials sent as pip sends them: to its own origin only."""
    try:
        with open_url(url, method, timeout=TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def diagnose(package: str, urls: Iterable[str]) -> Optional[PackagerError]:
    """The index problem behind "no versions of ``package``"; :class:`NoSuchProjectError` when every index
    answers that it has no such project (HTTP 404 for its page, while the index itself is there); None if the
    indexes have it and look fine."""
    try:
        name = canonicalize_name(Requirement(package).name)
    except InvalidRequirement:
        name = canonicalize_name(package)
    urls = list(urls)
    absent = []
    for url in urls:
        shown = redact_credentials(url)
        base = url if url.endswith("/") else url + "/"
        try:
            status = _status(base + name + "/")
            if status in (401, 403):
                return IndexAuthenticationError(shown, status)
            if status == 404 and _status(base, "HEAD") == 404:
                return IndexNotFoundError(shown)
            if status == 404:
                absent.append(shown)
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            return IndexUnreachableError(shown, redact_credentials(str(reason)))
    if urls and len(absent) == len(urls):
        return NoSuchProjectError(package, absent)
    return None
