"""HTTP requests of our own that carry a URL's credentials to that URL's origin, and nowhere else.

An index URL may hold credentials (``https://user:token@host/simple/``). pip
sends them to that host only: it drops them when a redirect leads elsewhere, as
private indexes often redirect downloads to object storage. Every request this
project makes itself goes through ``open_url``, which keeps the same rule, more
strictly: the credentials go only to the exact origin (scheme, host and port)
they were given for. A redirect to another host or port, or from HTTPS to HTTP
(a downgrade that would show them to anyone on the way), leaves them behind;
a redirect within the origin keeps them.

urllib's own redirect handler copies every header added with ``add_header`` to
the redirected request, whatever its host: here the credentials are never such
a header, but one added for each request whose origin is theirs.
"""

from __future__ import annotations

import base64
import urllib.parse
import urllib.request
from typing import Dict, NamedTuple, Optional, Tuple

DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """RFC 6454's origin of a URL: credentials given for one are sent to it alone."""

    scheme: str
    host: str
    port: Optional[int]


def origin_of(url: str) -> Origin:
    """The origin of ``url``, the scheme's default port spelt out (``http://h`` is ``http://h:80``)."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    return Origin(scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme))


def split_credentials(url: str) -> Tuple[str, Optional[str]]:
    """``url`` without its user information, and the Basic ``Authorization`` it stands for (None: none).

    A user alone (``https://token@host/``) is sent with an empty password, as pip does.
    """
    parts = urllib.parse.urlsplit(url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at:
        return url, None
    user, _, password = userinfo.partition(":")
    token = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
    authorization = "Basic " + base64.b64encode(token.encode()).decode()
    return urllib.parse.urlunsplit(parts._replace(netloc=host)), authorization


def credentials_allowed(given_for: Origin, url: str) -> bool:
    """Whether credentials given for ``given_for`` may be sent with a request for ``url``: same origin only."""
    return origin_of(url) == given_for


class OriginBoundRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, the ``Authorization`` header only on requests to its origin.

    ``build_opener`` puts it in place of urllib's own redirect handler.
    """

    def __init__(self, origin: Origin, authorization: Optional[str]) -> None:
        super().__init__()
        self.origin = origin
        self.authorization = authorization

    def redirect_request(self, req: urllib.request.Request, fp, code: int, msg: str, headers,  # type: ignore[override]
                         newurl: str) -> Optional[urllib.request.Request]:
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is None:
            return None
        if req.get_method() == "HEAD":
            redirected.method = "HEAD"  # as Python 3.12's urllib does; 3.11's asks for the body instead
        for name in [name for name in redirected.headers if name.lower() == "authorization"]:
            del redirected.headers[name]
        if self.authorization is not None and credentials_allowed(self.origin, redirected.full_url):
            redirected.add_unredirected_header("Authorization", self.authorization)
        return redirected


def open_url(url: str, method: str = "GET", timeout: float = 15, headers: Optional[Dict[str, str]] = None):
    """Open ``url`` (urllib's response; ``urllib.error.HTTPError`` for an error status), sending the
    credentials it holds, or an ``Authorization`` in ``headers``, to its own origin only, redirects included.
    """
    plain, authorization = split_credentials(url)
    headers = dict(headers or {})
    for name in [name for name in headers if name.lower() == "authorization"]:
        authorization = headers.pop(name)
    request = urllib.request.Request(plain, method=method, headers=headers)
    if authorization is not None:
        request.add_unredirected_header("Authorization", authorization)  # never copied to a redirect as it is
    opener = urllib.request.build_opener(OriginBoundRedirects(origin_of(plain), authorization))
    return opener.open(request, timeout=timeout)
