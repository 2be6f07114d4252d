"""Every error a user can meet names its cause and the next step, with its documented exit code.

The command line runs in-process against real servers on 127.0.0.1: the local
package index, and indexes that answer 401, 403 or 404 to everything.
"""

from __future__ import annotations

import errno
import io
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.workflows.python_pip import packager, wheel_install
from tests.functional.package_index import _free_port
from tests.http_servers import RecordingServer, RedirectingServer

pytestmark = pytest.mark.usefixtures("offline_pip")
STATUS_SERVER = Path(__file__).with_name("status_server.py")


@pytest.fixture(scope="module")
def status_index():
    """URL of an index answering a given status, one server process per status."""
    servers, urls = [], {}
    for status in (401, 403, 404):
        port = _free_port()
        process = subprocess.Popen([sys.executable, str(STATUS_SERVER), str(port), str(status)],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert process.stdout.readline().strip() == b"serving"
        servers.append(process)
        urls[status] = f"http://builder:s3cr3t@127.0.0.1:{port}/simple/"
    yield urls
    for process in servers:
        process.terminate()
        process.wait(timeout=10)


def run(tmp_path, requirements, *options):
    (tmp_path / "requirements.txt").write_text(requirements)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "previous.py").write_text("")
    stream = io.StringIO()
    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(out), "--runtime", "python3.12",
                     "--scratch-dir", str(tmp_path / "scratch"), "-q", *options], stream=stream)
    assert sorted(p.name for p in out.iterdir()) == ["previous.py"], "a failed build changed the output"
    return code, stream.getvalue()


def test_missing_requirements_file(tmp_path):
    stream = io.StringIO()
    code = cli.main(["build", "-r", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "out")], stream=stream)

    assert code == 5
    assert "Requirements file not found" in stream.getvalue() and "nope.txt" in stream.getvalue()


def test_malformed_requirement_line_names_file_and_line(tmp_path, package_index):
    code, text = run(tmp_path, "pure-app\npure-lib = 2\n", "-i", package_index.url)

    assert code == 5
    assert "Invalid requirement: 'pure-lib = 2'" in text and "line 2 of" in text and "requirements.txt" in text
    assert "(PEP 508)" in text  # the hint: how to write it


def test_package_that_does_not_exist(tmp_path, package_index):
    code, text = run(tmp_path, "pure-app\nno-such-package-anywhere\n", "-i", package_index.url)

    assert code == 3
    assert "error: no-such-package-anywhere does not exist" in text and "Check the spelling of the name" in text


def test_package_that_does_not_exist_but_may_be_in_a_find_links_directory_is_looked_for_there(tmp_path,
                                                                                              package_index):
    (tmp_path / "wheels").mkdir()
    code, text = run(tmp_path, "no-such-package-anywhere\n", "-i", package_index.url, "-f", str(tmp_path / "wheels"))

    assert code == 3
    assert "does not exist" not in text and "Check the name and version" in text


def test_version_that_does_not_exist(tmp_path, package_index):
    code, text = run(tmp_path, "pure-lib==9.9\n", "-i", package_index.url)

    assert code == 3
    assert "pure-lib==9.9" in text


def test_conflicting_requirements(tmp_path, package_index):
    code, text = run(tmp_path, "pure-lib==2.1\npure-lib!=2.1\n", "-i", package_index.url)

    assert code == 3
    assert "The requirements conflict" in text and "pure-lib" in text


def test_unreachable_index(tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_RETRIES", "0")
    code, text = run(tmp_path, "pure-app\n", "-i", "http://builder:s3cr3t@127.0.0.1:9/simple/")

    assert code == 4
    assert "cannot be reached" in text and "127.0.0.1:9" in text
    assert "s3cr3t" not in text


@pytest.mark.parametrize("status, words", [(401, "refused the credentials"), (403, "refused access"),
                                           (404, "does not exist")])
def test_index_that_refuses_or_is_not_there(tmp_path, status_index, status, words):
    code, text = run(tmp_path, "pure-app\n", "-i", status_index[status])

    assert code == 4
    assert words in text and f"HTTP {status}" in text
    assert "s3cr3t" not in text


def test_credentials_never_follow_an_index_redirect_to_another_host(tmp_path):
    """pip drops them on the redirect; so must the probe that explains why pip found nothing."""
    storage = RecordingServer("127.0.0.2", status=404)
    index = RedirectingServer(storage.origin, credentials=("user", "SECRET"))
    try:
        code, text = run(tmp_path, "pure-app\n", "-i", f"http://user:SECRET@127.0.0.1:{index.port}/simple/")
    finally:
        index.stop()
        storage.stop()

    assert code == 4 and "does not exist" in text
    assert "/simple/pure-app/" in [request.path for request in storage.requests]  # the probe followed it too
    assert len(storage.requests) > 1 and storage.authorizations() == []
    assert "SECRET" not in text


def test_interpreter_without_pip(tmp_path):
    bare = tmp_path / "bare"
    venv.create(str(bare), with_pip=False)
    (tmp_path / "requirements.txt").write_text("pure-app\n")
    stream = io.StringIO()

    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / "out"),
                     "--python", str(bare / "bin" / "python")], stream=stream)

    assert code == 6
    assert "pip executable not found" in stream.getvalue() and str(bare) in stream.getvalue()


def test_unsupported_runtime_and_architecture_on_the_command_line(tmp_path, capsys):
    for option in (["--runtime", "python3.7"], ["--architecture", "mips"]):
        with pytest.raises(SystemExit) as raised:
            cli.main(["build", "-r", "r.txt", "-o", str(tmp_path / "out"), *option])
        assert raised.value.code == 2
    assert "invalid choice: 'python3.7'" in capsys.readouterr().err


def test_unsupported_runtime_through_the_library():
    from aws_lambda_builders.workflows.python_pip.packager import UnsupportedPythonVersion

    with pytest.raises(UnsupportedPythonVersion) as raised:
        packager.PythonPipDependencyBuilder(runtime="python3.7", python_exe=sys.executable)
    assert str(raised.value) == "'python3.7' version of python is not supported"
    assert "python3.15" in raised.value.hint
    assert cli.exit_code(raised.value) == 5


@pytest.mark.parametrize("cache", [[], ["--no-cache"]], ids=["into-the-cache", "without-the-cache"])
def test_full_disk(tmp_path, package_index, monkeypatch, cache):
    def no_space(wheel_path, root):
        raise OSError(errno.ENOSPC, "No space left on device", root)

    monkeypatch.setattr(wheel_install, "install_wheel", no_space)  # installing straight into the bundle
    monkeypatch.setattr(wheel_install, "install_wheel_files", no_space)  # unpacking into the cache
    code, text = run(tmp_path, "pure-app\n", "-i", package_index.url, *cache)

    assert code == 6
    assert "No space left on the device" in text and "Free some space" in text


@pytest.mark.timeout(120)
def test_index_that_wants_credentials_none_were_given_fails_at_once_without_a_prompt(tmp_path, status_index):
    """pip would ask for a user name on the terminal and wait; run with a terminal as stdin, the build ends."""
    import os
    import pty

    url = status_index[401].replace("builder:s3cr3t@", "")
    (tmp_path / "requirements.txt").write_text("pure-app\n")
    terminal, terminal_side = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "aws_lambda_builders.cli", "build", "-r", str(tmp_path / "requirements.txt"),
             "-o", str(tmp_path / "out"), "--runtime", "python3.12", "-q", "-i", url],
            stdin=terminal_side, capture_output=True, text=True, timeout=90)
    finally:
        os.close(terminal)
        os.close(terminal_side)

    assert result.returncode == 4, result.stderr
    assert f"The package index {url} asks for credentials" in result.stderr and "HTTP 401" in result.stderr
    assert "User for" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_missing_wheel_file_url_names_the_file(tmp_path):
    missing = tmp_path / "wheels" / "internal_lib-1.0-py3-none-any.whl"

    code, text = run(tmp_path, f"{missing.as_uri()}\n")

    assert code == 5
    assert f"error: {missing} does not exist, and a requirement names it" in text
    assert "ERROR: Exception:" not in text


@pytest.mark.parametrize("program", ["/usr/bin/true", "/usr/bin/false"])
def test_python_that_is_no_python_is_named_without_a_traceback(tmp_path, program):
    (tmp_path / "requirements.txt").write_text("pure-app\n")
    stream = io.StringIO()

    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / "out"),
                     "--python", program], stream=stream)

    assert code == 6
    assert stream.getvalue().startswith(f"error: {program} is not a Python interpreter with pip: ")
    assert "Traceback" not in stream.getvalue()
