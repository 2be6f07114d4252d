"""The command line's progress display: pip's events as lines off a terminal, a status line on one."""

from __future__ import annotations

import io

from aws_lambda_builders.terminal_ui import TerminalUI
from aws_lambda_builders.workflows.python_pip.pip_events import (
    BUILDING,
    BUILT,
    CACHED,
    DOWNLOADING,
    RESOLVING,
    PipEvent,
)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_off_a_terminal_every_event_is_a_line_and_a_fetched_file_is_not_announced_twice():
    stream = io.StringIO()
    ui = TerminalUI(stream)
    for event in (PipEvent(RESOLVING, "six"), PipEvent(DOWNLOADING, "six-1.16.0.tar.gz", "34 kB"),
                  PipEvent(CACHED, "idna-3.20-py3-none-any.whl", "69 kB"), PipEvent(BUILDING, "six"),
                  PipEvent(BUILT, "six", "done"), PipEvent(BUILDING, "bad"), PipEvent(BUILT, "bad", "error")):
        ui.pip_progress(event)
    ui.package_downloaded("six-1.16.0.tar.gz")  # pip's report, once pip has finished: shown already
    ui.package_downloaded("other-1.0.tar.gz")

    lines = stream.getvalue().splitlines()
    assert lines[:4] == ["  resolving six", "  downloading six-1.16.0.tar.gz (33.2 KiB)",
                         "  from pip's cache: idna-3.20-py3-none-any.whl (67.4 KiB)", "  building six"]
    assert lines[4].startswith("  built six in ") and lines[4].endswith(" s")
    assert lines[6].startswith("  could not build (error) bad in ")
    assert lines[7:] == ["  downloaded other-1.0.tar.gz"]


def test_on_a_terminal_resolving_and_building_rewrite_one_status_line_that_never_stays():
    stream = Terminal()
    ui = TerminalUI(stream)
    ui.pip_progress(PipEvent(RESOLVING, "six"))
    ui.pip_progress(PipEvent(BUILDING, "six"))
    ui.pip_progress(PipEvent(BUILT, "six", "done"))
    ui.step_started("sort")
    ui.pip_progress(PipEvent(RESOLVING, "idna"))
    ui.done()

    shown = stream.getvalue()
    assert shown.startswith("\r\x1b[K  resolving six\r\x1b[K  building six\r\x1b[K  built six in ")
    assert "[2/9] sort\n\r\x1b[K  resolving idna\r\x1b[K" in shown and shown.endswith("\r\x1b[K")


def test_quiet_shows_no_event():
    stream = io.StringIO()
    ui = TerminalUI(stream, quiet=True)
    ui.pip_progress(PipEvent(RESOLVING, "six"))
    ui.pip_progress(PipEvent(BUILT, "six", "done"))

    assert stream.getvalue() == ""
