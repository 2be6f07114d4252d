"""Small HTTP servers on loopback addresses, to see where requests (and their credentials) go.

``RecordingServer`` keeps every request it receives (method, path, headers) and
answers each with one status. ``RedirectingServer`` answers every request with a
redirect to the same path under another base URL; given ``credentials`` it is a
private index: a request without them is refused with 401, as a real one does.
Both run in a thread of the test process until ``stop``; Linux routes all of
127/8 to loopback, so ``host="127.0.0.2"`` is another host on the same machine.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, NamedTuple, Optional


class RecordedRequest(NamedTuple):
    method: str
    path: str
    headers: Dict[str, str]


def basic_authorization(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class _Server:
    def __init__(self, host: str, handler: type) -> None:
        self._server = ThreadingHTTPServer((host, 0), handler)
        self._server.owner = self  # type: ignore[attr-defined]
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, headers: Optional[Dict[str, str]] = None, body: bytes = b"") -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class RecordingServer(_Server):
    """Answers every request with ``status`` and records it."""

    def __init__(self, host: str = "127.0.0.1", status: int = 404) -> None:
        self.status = status
        self.requests: List[RecordedRequest] = []
        super().__init__(host, _RecordingHandler)

    def authorizations(self) -> List[str]:
        """Every Authorization header any request carried."""
        return [request.headers[name] for request in self.requests for name in request.headers
                if name.lower() == "authorization"]


class _RecordingHandler(_Handler):
    def _answer(self) -> None:
        owner: RecordingServer = self.server.owner  # type: ignore[attr-defined]
        owner.requests.append(RecordedRequest(self.command, self.path, dict(self.headers.items())))
        self._send(owner.status, body=b"<html><body></body></html>" if owner.status == 200 else b"")

    do_GET = do_HEAD = _answer


class RedirectingServer(_Server):
    """Redirects every request (``status``, 302 by default) to its path under ``to``.

    With ``credentials`` (user, password), a request that lacks them gets 401.
    With ``serve_under`` (a path prefix, such as ``/files``), a request whose
    path starts with it is answered 200 (an empty index page) instead: an index
    that redirects within itself.
    """

    def __init__(self, to: str, host: str = "127.0.0.1", status: int = 302,
                 credentials: Optional[tuple] = None, serve_under: Optional[str] = None) -> None:
        self.to = to.rstrip("/")
        self.status = status
        self.authorization = basic_authorization(*credentials) if credentials else None
        self.serve_under = serve_under
        self.requests: List[RecordedRequest] = []
        super().__init__(host, _RedirectingHandler)


class _RedirectingHandler(_Handler):
    def _answer(self) -> None:
        owner: RedirectingServer = self.server.owner  # type: ignore[attr-defined]
        owner.requests.append(RecordedRequest(self.command, self.path, dict(self.headers.items())))
        if owner.authorization and self.headers.get("Authorization") != owner.authorization:
            self._send(401, {"WWW-Authenticate": 'Basic realm="private index"'})
        elif owner.serve_under and self.path.startswith(owner.serve_under):
            self._send(200, {"Content-Type": "text/html"}, b"<html><body></body></html>")
        else:
            self._send(owner.status, {"Location": owner.to + self.path})

    do_GET = do_HEAD = _answer
