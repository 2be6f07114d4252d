"""Which step lines a person sees, and when: steps that print nothing are folded into one line.

A pure record of the steps as they start and finish (``UI.step_started`` and
``UI.step_finished``), asked before each line of progress for the step lines that
must come first. The command line's ``TerminalUI`` prints through it.
"""

from __future__ import annotations

from typing import List, Optional

from .steps import STEPS

# Steps that always have work when they run: their line is printed as they start.
ANNOUNCED_STEPS = ("download", "install")


class StepLines:
    """The step lines still to print: the started step's, and those of the steps that finished silently."""

    def __init__(self) -> None:
        self._started: Optional[int] = None  # the running step, while its line is not printed
        self._silent: List[int] = []  # steps that finished without printing, not shown yet

    def started(self, step: str) -> List[str]:
        """Record ``step`` as running; the lines to print now (those of an announced step, else none)."""
        self._started = STEPS.index(step)
        return self.before_line() if step in ANNOUNCED_STEPS else []

    def finished(self, step: str) -> None:
        """A step that printed nothing joins the folded ones."""
        if self._started == STEPS.index(step):
            self._silent.append(self._started)
            self._started = None

    def before_line(self) -> List[str]:
        """The step lines that go before a line of progress printed now."""
        lines = []
        if self._silent:
            lines.append(folded_line(self._silent))
            self._silent = []
        if self._started is not None:
            lines.append(f"[{self._started + 1}/{len(STEPS)}] {STEPS[self._started]}")
            self._started = None
        return lines


def folded_line(indexes: List[int]) -> str:
    """One line for the consecutive steps ``indexes`` that printed nothing: ``[2-7/9] sort … find-missing:
    nothing to report``."""
    first, last = indexes[0], indexes[-1]
    numbers = f"{first + 1}" if first == last else f"{first + 1}-{last + 1}"
    names = [STEPS[index] for index in indexes]
    named = ", ".join(names) if len(names) <= 2 else f"{names[0]} … {names[-1]}"
    return f"[{numbers}/{len(STEPS)}] {named}: nothing to report"
