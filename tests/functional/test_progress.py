"""What a person sees while pip works: progress from pip's own events, live, on a terminal and off it.

The sdist built here waits, while pip builds it, until the test has seen the
line saying that it is being built: if progress were printed only once pip has
finished (as it was), the build would wait for nothing and fail. So these tests
prove the lines are live without measuring any time.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests.builders import make_sdist

GATED_SETUP = """import os, sys, time
from setuptools import setup
if "bdist_wheel" in sys.argv:
    gate = os.environ["LAMBDA_PIP_TEST_GATE"]
    for _ in range(1200):  # until the test has seen that this build started (two minutes at most)
        if os.path.exists(gate):
            break
        time.sleep(0.1)
    else:
        sys.exit("the gate never opened: the build's progress was not shown while it ran")
setup(name="gated-build", version="1.0", packages=["gated_build"])
"""


def _build_command(tmp_path, package_index, *options):
    links = tmp_path / "links"
    links.mkdir(exist_ok=True)
    make_sdist(str(links), "gated-build", "1.0", files={"setup.py": GATED_SETUP, "gated_build/__init__.py": ""})
    (tmp_path / "requirements.txt").write_text("pure-app\ngated-build\n")
    return [sys.executable, "-m", "aws_lambda_builders.cli", "build", "-r", str(tmp_path / "requirements.txt"),
            "-o", str(tmp_path / "out"), "-i", package_index.url, "-f", str(links), "--no-cache", *options]


def _environment(tmp_path):
    environment = dict(os.environ, LAMBDA_PIP_TEST_GATE=str(tmp_path / "gate"), PIP_CONFIG_FILE=os.devnull)
    environment.pop("PIP_FIND_LINKS", None)
    environment.pop("PYTHONUNBUFFERED", None)  # lines must come as pip prints them without the caller's help
    return environment


def test_off_a_terminal_each_event_is_a_line_as_pip_prints_it(tmp_path, package_index):
    process = subprocess.Popen(_build_command(tmp_path, package_index), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=_environment(tmp_path))
    seen = []
    for line in process.stderr:
        seen.append(line.rstrip("\n"))
        if "building gated-build" in line or "building gated_build" in line:
            (tmp_path / "gate").write_text("")
    assert process.wait(timeout=300) == 0, "\n".join(seen)

    building = next(i for i, line in enumerate(seen) if line.strip().startswith("building gated"))
    built = next(i for i, line in enumerate(seen) if line.strip().startswith("built gated"))
    assert building < built and seen[built].rstrip().endswith(" s"), seen  # "built gated-build in 1.2 s"
    assert any(line.strip() == "resolving pure-app" for line in seen[:building]), seen
    assert any(line.strip().startswith("downloading pure_app-") for line in seen), seen
    assert not [line for line in seen if "\r" in line or "\x1b" in line], "no terminal codes in a log"


def test_on_a_terminal_what_pip_is_at_is_one_status_line(tmp_path, package_index):
    controller, terminal = pty.openpty()
    process = subprocess.Popen(_build_command(tmp_path, package_index), stdout=subprocess.DEVNULL, stderr=terminal,
                               env=_environment(tmp_path))
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the build has ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if b"building gated" in shown and not (tmp_path / "gate").exists():
            (tmp_path / "gate").write_text("")
    os.close(controller)
    assert process.wait(timeout=300) == 0, shown.decode(errors="replace")

    text = shown.decode(errors="replace")
    assert "\r\x1b[K  building gated" in text  # rewritten in place
    assert "\r\x1b[K  resolving pure-app" in text
    assert "  built gated" in text  # a line that stays
    lines = text.replace("\r\n", "\n").split("\n")
    assert not [line for line in lines if line.endswith("resolving pure-app")], "the status line never stays"


def test_quiet_shows_none_of_it(tmp_path, package_index):
    (tmp_path / "gate").write_text("")  # nothing will be seen: the build must not wait
    result = subprocess.run(_build_command(tmp_path, package_index, "-q"), capture_output=True, text=True,
                            env=_environment(tmp_path), timeout=300)

    assert result.returncode == 0, result.stderr
    assert "resolving" not in result.stderr and "building gated" not in result.stderr
