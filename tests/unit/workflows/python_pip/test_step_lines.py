"""StepLines: a step's line comes with its first line of progress; steps that print nothing share one line."""

from aws_lambda_builders.workflows.python_pip.step_lines import StepLines, folded_line
from aws_lambda_builders.workflows.python_pip.steps import STEPS


def run_steps(printing):
    """Every step started and finished in order, ``printing`` the steps that print a line; what is printed."""
    lines, steps = [], StepLines()
    for step in STEPS:
        lines += steps.started(step)
        if step in printing:
            lines += steps.before_line() + [f"  {step} says something"]
        steps.finished(step)
    return lines


def test_steps_with_nothing_to_say_are_folded_between_the_announced_ones():
    assert run_steps(["download"]) == [
        "[1/9] download", "  download says something", "[2-7/9] sort … find-missing: nothing to report",
        "[8/9] install"]


def test_a_step_that_prints_gets_its_line_first_and_splits_the_fold():
    assert run_steps(["download", "build-sdists", "find-missing"]) == [
        "[1/9] download", "  download says something",
        "[2-3/9] sort, download-compatible-wheels: nothing to report",
        "[4/9] build-sdists", "  build-sdists says something",
        "[5-6/9] build-sdists-without-c, allowlist: nothing to report",
        "[7/9] find-missing", "  find-missing says something",
        "[8/9] install"]


def test_silent_steps_at_the_end_print_nothing_so_a_failure_comes_last():
    steps = StepLines()
    assert steps.started("download") == ["[1/9] download"]
    steps.started("clean-up")  # download failed: it never finished
    steps.finished("clean-up")

    assert steps.before_line() == ["[9/9] clean-up: nothing to report"]  # only when something follows


def test_one_silent_step_is_named_alone():
    assert folded_line([4]) == "[5/9] build-sdists-without-c: nothing to report"
