"""The command line's progress display on stderr: step lines (folded when a step has nothing to say), a line
per package, and what pip is at while it runs (a status line on a terminal, lines in a log)."""

from __future__ import annotations

import shutil
import threading
import time
from typing import TYPE_CHECKING, Dict, Set, TextIO

from aws_lambda_builders.workflows.python_pip.step_lines import StepLines
from aws_lambda_builders.workflows.python_pip.units import format_size
from aws_lambda_builders.workflows.python_pip.utils import UI

if TYPE_CHECKING:
    from typing import List

    from aws_lambda_builders.workflows.python_pip.pip_events import PipEvent


class TerminalUI(UI):
    """Progress on a stream (stderr): a line per step that has something to say, a line per package, and what
    pip is at while it runs.

    A step's line (``[4/9] build-sdists``) is printed when the step first
    prints something; the steps that printed nothing are folded into one line
    (``[2-7/9] sort … find-missing: nothing to report``), printed before the
    next line that follows them. ``download`` and ``install``, the steps that
    always have work, are announced as they start. So steps with nothing to say
    take one line, and a failed build ends with its failure, not with a step
    that merely removed scratch files.

    On a terminal, what pip is looking for or building now is one status line,
    rewritten in place; what it downloaded and built (with the time it took)
    are lines. Off a terminal (a CI log), every event is a line.
    """

    def __init__(self, stream: TextIO, quiet: bool = False) -> None:
        super().__init__()
        self._stream = stream
        self._quiet = quiet
        self._steps = StepLines()
        self._live = _is_terminal(stream)
        self._status = ""  # the status line shown now (a terminal only)
        self._lock = threading.Lock()  # pips building in parallel report from their threads
        self._building: Dict[str, float] = {}  # name -> when pip started building it
        self._fetched: Set[str] = set()  # files shown as pip fetched them

    def _print(self, line: str) -> None:
        with self._lock:
            self._write_lines(self._steps.before_line() + [line])

    def _write_lines(self, lines: List[str]) -> None:
        self._clear_status()
        for line in lines:
            print(line, file=self._stream, flush=True)

    def _show_status(self, text: str) -> None:
        with self._lock:
            before = self._steps.before_line()  # the status is the running step's: its line first
            if before:
                self._write_lines(before)
            self._status = text[:max(20, shutil.get_terminal_size().columns - 1)]
            self._stream.write("\r\x1b[K" + self._status)
            self._stream.flush()

    def _clear_status(self) -> None:
        if self._status:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._status = ""

    def done(self) -> None:
        """The build is over: no status line is left on the terminal."""
        with self._lock:
            self._clear_status()

    def write(self, message: str) -> None:
        if not self._quiet:
            self._print(f"  {message}")

    def warning(self, message: str) -> None:
        self._print(f"warning: {message}")

    def error(self, message: str) -> None:
        self._print(f"  {message}")

    def step_started(self, step: str) -> None:
        if not self._quiet:
            with self._lock:
                self._write_lines(self._steps.started(step))

    def step_finished(self, step: str, summary: str = "") -> None:
        with self._lock:
            self._clear_status()  # what pip was at belongs to the step
            self._steps.finished(step)

    def pip_progress(self, event: "PipEvent") -> None:
        if self._quiet:
            return
        from aws_lambda_builders.workflows.python_pip import pip_events

        if event.kind == pip_events.RESOLVING:
            self._transient(f"resolving {event.name}")
        elif event.kind == pip_events.BUILDING:
            self._building[event.name] = time.monotonic()
            self._transient(f"building {event.name}")
        elif event.kind == pip_events.BUILT:
            started = self._building.pop(event.name, None)
            took = f" in {time.monotonic() - started:.1f} s" if started is not None else ""
            verdict = "built" if event.detail == "done" else f"could not build ({event.detail})"
            self._print(f"  {verdict} {event.name}{took}")
        elif event.kind in (pip_events.DOWNLOADING, pip_events.CACHED):
            self._fetched.add(event.name)
            source = "downloading" if event.kind == pip_events.DOWNLOADING else "from pip's cache:"
            size = pip_events.size_in_bytes(event.detail)  # in the units of every size shown, not pip's
            shown = format_size(size) if size is not None else event.detail
            self._print(f"  {source} {event.name}" + (f" ({shown})" if shown else ""))

    def _transient(self, text: str) -> None:
        if self._live:
            self._show_status(f"  {text}")
        else:
            self._print(f"  {text}")

    def package_downloaded(self, filename: str) -> None:
        if filename not in self._fetched:  # shown as pip fetched it
            super().package_downloaded(filename)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a stream of a test, a closed one
        return False
