"""Credentials in an index URL go to that URL's origin only: real servers on 127.0.0.1 and 127.0.0.2."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from aws_lambda_builders.workflows.python_pip.authenticated_http import (
    OriginBoundRedirects,
    credentials_allowed,
    open_url,
    origin_of,
    split_credentials,
)
from aws_lambda_builders.workflows.python_pip.exceptions import IndexNotFoundError
from aws_lambda_builders.workflows.python_pip.index_probe import diagnose
from tests.http_servers import RecordingServer, RedirectingServer, basic_authorization

SECRET_AUTHORIZATION = basic_authorization("user", "SECRET")


@pytest.fixture
def other_host():
    """A recording server on 127.0.0.2: another host, as far as any HTTP client can tell."""
    server = RecordingServer("127.0.0.2", status=404)
    yield server
    server.stop()


@pytest.fixture
def servers():
    started = []

    def start(server):
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def with_secret(server, path="/simple/"):
    return f"http://user:SECRET@{server.host}:{server.port}{path}"


@pytest.mark.parametrize("given, url, allowed", [
    ("https://h.example/simple/", "https://h.example/files/x.whl", True),
    ("https://h.example/simple/", "https://H.EXAMPLE:443/files/", True),
    ("http://h.example/simple/", "http://h.example:80/other", True),
    ("https://h.example/simple/", "http://h.example/simple/", False),  # a downgrade
    ("http://h.example/simple/", "https://h.example/simple/", False),  # another scheme all the same
    ("https://h.example/simple/", "https://h.example:8443/simple/", False),
    ("https://h.example/simple/", "https://files.h.example/simple/", False),
    ("https://h.example/simple/", "https://storage.example/bucket/x.whl", False),
])
def test_credentials_are_allowed_only_for_the_exact_origin_they_were_given_for(given, url, allowed):
    assert credentials_allowed(origin_of(given), url) is allowed


@pytest.mark.parametrize("url, plain, authorization", [
    ("https://user:SECRET@h.example/simple/", "https://h.example/simple/", SECRET_AUTHORIZATION),
    ("https://us%40er:p%3Ass@h.example:8443/s/", "https://h.example:8443/s/", basic_authorization("us@er", "p:ss")),
    ("https://TOKEN@[::1]:8080/simple/", "https://[::1]:8080/simple/", basic_authorization("TOKEN", "")),
    ("https://h.example/simple/", "https://h.example/simple/", None),
])
def test_split_credentials_takes_them_out_of_the_url(url, plain, authorization):
    assert split_credentials(url) == (plain, authorization)


def _redirect(handler, url, to, code=302):
    plain, authorization = split_credentials(url)
    request = urllib.request.Request(plain)
    request.add_unredirected_header("Authorization", authorization)
    return handler.redirect_request(request, None, code, "Found", {}, to)


@pytest.mark.parametrize("to", ["http://h.example/simple/", "https://h.example:444/simple/",
                                "https://other.example/simple/"])
def test_a_redirect_leaving_the_origin_or_downgrading_to_http_carries_no_credentials(to):
    handler = OriginBoundRedirects(origin_of("https://h.example/"), SECRET_AUTHORIZATION)

    redirected = _redirect(handler, "https://user:SECRET@h.example/simple/", to)

    assert not redirected.has_header("Authorization")
    assert "Authorization" not in dict(redirected.header_items())


def test_a_redirect_within_the_origin_keeps_the_credentials_but_never_as_a_header_urllib_would_copy():
    handler = OriginBoundRedirects(origin_of("https://h.example/"), SECRET_AUTHORIZATION)

    redirected = _redirect(handler, "https://user:SECRET@h.example/simple/", "https://h.example/files/")

    assert redirected.unredirected_hdrs == {"Authorization": SECRET_AUTHORIZATION}
    assert "Authorization" not in redirected.headers


def test_a_redirect_to_another_host_never_receives_the_credentials(servers, other_host):
    index = servers(RedirectingServer(other_host.origin))

    with pytest.raises(urllib.error.HTTPError) as raised:
        open_url(with_secret(index, "/simple/pure-lib/"))

    assert raised.value.code == 404
    assert [request.path for request in other_host.requests] == ["/simple/pure-lib/"]
    assert other_host.authorizations() == []
    assert index.requests[0].headers.get("Authorization") == SECRET_AUTHORIZATION


def test_a_redirect_to_another_port_of_the_same_host_never_receives_the_credentials(servers):
    other_port = servers(RecordingServer("127.0.0.1", status=200))
    index = servers(RedirectingServer(other_port.origin))

    with open_url(with_secret(index)) as response:
        assert response.status == 200

    assert len(other_port.requests) == 1 and other_port.authorizations() == []


def test_credentials_given_as_a_header_are_held_to_the_same_rule(servers, other_host):
    index = servers(RedirectingServer(other_host.origin))

    with pytest.raises(urllib.error.HTTPError):
        open_url(f"{index.origin}/simple/", headers={"authorization": SECRET_AUTHORIZATION})

    assert index.requests[0].headers.get("Authorization") == SECRET_AUTHORIZATION
    assert other_host.requests and other_host.authorizations() == []


def test_a_redirect_back_from_another_host_to_the_origin_carries_them_again(servers):
    index = servers(RedirectingServer("http://placeholder", credentials=("user", "SECRET"), serve_under="/files"))
    elsewhere = servers(RedirectingServer(f"{index.origin}/files", host="127.0.0.2"))
    index.to = elsewhere.origin

    with open_url(with_secret(index)) as response:
        assert response.status == 200

    assert [request.path for request in index.requests] == ["/simple/", "/files/simple/"]
    assert all(request.headers.get("Authorization") == SECRET_AUTHORIZATION for request in index.requests)
    assert "Authorization" not in elsewhere.requests[0].headers


def test_the_probe_never_sends_the_credentials_to_the_host_an_index_redirects_to(servers, other_host):
    index = servers(RedirectingServer(other_host.origin, credentials=("user", "SECRET")))

    problem = diagnose("pure-lib", [with_secret(index)])

    assert isinstance(problem, IndexNotFoundError)
    assert "SECRET" not in str(problem)
    assert sorted((r.method, r.path) for r in other_host.requests) == [("GET", "/simple/pure-lib/"),
                                                                       ("HEAD", "/simple/")]
    assert other_host.authorizations() == []


def test_the_probe_authenticates_to_a_private_index_that_redirects_within_itself(servers):
    index = servers(RedirectingServer("http://placeholder", credentials=("user", "SECRET"), serve_under="/files"))
    index.to = f"{index.origin}/files"

    assert diagnose("pure-lib", [with_secret(index)]) is None
    assert [request.path for request in index.requests] == ["/simple/pure-lib/", "/files/simple/pure-lib/"]
    assert all(request.headers.get("Authorization") == SECRET_AUTHORIZATION for request in index.requests)
