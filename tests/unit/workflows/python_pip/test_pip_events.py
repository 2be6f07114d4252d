"""pip's output lines read into the events progress shows (lines as pip 26 prints them off a terminal)."""

from __future__ import annotations

import sys

import pytest

from aws_lambda_builders.workflows.python_pip.pip_events import (
    BUILDING,
    BUILT,
    CACHED,
    DOWNLOADING,
    RESOLVING,
    SAVED,
    PipEvent,
    line_reader,
    pip_event,
    size_in_bytes,
)
from aws_lambda_builders.workflows.python_pip.pip_runner import PipRunner, SubprocessPip


@pytest.mark.parametrize("line, event", [
    ("Collecting requests==2.31.0", PipEvent(RESOLVING, "requests")),
    ("Collecting charset-normalizer<4,>=2 (from requests==2.31.0)", PipEvent(RESOLVING, "charset-normalizer")),
    ("Collecting zope.interface", PipEvent(RESOLVING, "zope.interface")),
    ("Collecting ./projects/local-app", PipEvent(RESOLVING, "./projects/local-app")),
    ("Collecting https://example.com/pkg-1.0.tar.gz", PipEvent(RESOLVING, "https://example.com/pkg-1.0.tar.gz")),
    ("  Downloading requests-2.31.0-py3-none-any.whl (62 kB)",
     PipEvent(DOWNLOADING, "requests-2.31.0-py3-none-any.whl", "62 kB")),
    ("  Downloading https://files.example/p/six-1.16.0.tar.gz (34 kB)",
     PipEvent(DOWNLOADING, "six-1.16.0.tar.gz", "34 kB")),
    ("  Using cached idna-3.20-py3-none-any.whl (69 kB)", PipEvent(CACHED, "idna-3.20-py3-none-any.whl", "69 kB")),
    ("Saved ./pe/idna-3.20-py3-none-any.whl", PipEvent(SAVED, "idna-3.20-py3-none-any.whl")),
    ("  Building wheel for six (pyproject.toml): started", PipEvent(BUILDING, "six")),
    ("  Building wheel for six (setup.py): started", PipEvent(BUILDING, "six")),
    ("  Building wheel for six (pyproject.toml): finished with status 'done'", PipEvent(BUILT, "six", "done")),
    ("  Building wheel for bad (pyproject.toml): finished with status 'error'", PipEvent(BUILT, "bad", "error")),
])
def test_each_line_pip_prints_for_a_step_is_an_event(line, event):
    assert pip_event(line) == event


@pytest.mark.parametrize("line", [
    "  Downloading requests-2.31.0-py3-none-any.whl.metadata (4.6 kB)",  # only metadata, while resolving
    "  Preparing metadata (pyproject.toml): started",
    "Successfully downloaded requests idna",
    "Building wheels for collected packages: six",
    "  Created wheel for six: filename=six-1.16.0-py2.py3-none-any.whl size=11053 sha256=abc",
    "",
    "WARNING: something",
])
def test_other_lines_are_no_event(line):
    assert pip_event(line) is None


def test_the_reader_takes_bytes_and_passes_only_events():
    events = []
    read = line_reader(events.append)
    for line in (b"Collecting six\n", b"  Preparing metadata (pyproject.toml): started\n",
                 b"  Downloading six-1.16.0.tar.gz (34 kB)\n"):
        read(line)

    assert events == [PipEvent(RESOLVING, "six"), PipEvent(DOWNLOADING, "six-1.16.0.tar.gz", "34 kB")]


def test_a_runner_passes_pips_lines_as_they_come_and_so_does_its_runner_for_another_python():
    """A real child's output lines reach the receiver as events; a runner for another Python passes them too."""
    events = []
    pip = SubprocessPip(python_exe=sys.executable, import_string="main = None")
    runner = PipRunner(sys.executable, pip)
    runner.listen(events.append)
    program = ("import sys; print('Collecting six'); sys.stdout.flush(); "
               "print('  Downloading six-1.16.0.tar.gz (34 kB)', file=sys.stdout); sys.exit(0)")
    rc, out, err = pip.main([], shim=program + "\n")

    assert rc == 0 and b"Collecting six" in out
    assert events == [PipEvent(RESOLVING, "six"), PipEvent(DOWNLOADING, "six-1.16.0.tar.gz", "34 kB")]
    other = runner.for_python(sys.executable)
    assert other._wrapped_pip.on_line is not None
    runner.listen(None)
    assert pip.on_line is None


@pytest.mark.parametrize("detail, size", [("62 kB", 62_000), ("1.2 MB", 1_200_000), ("2.5 GB", 2_500_000_000),
                                          ("512 bytes", 512), ("", None), ("unknown", None)])
def test_pips_sizes_are_decimal_and_read_in_bytes(detail, size):
    assert size_in_bytes(detail) == size
