"""What the packager's unit tests share: a scripted pip behind a real DependencyBuilder, on real directories."""

from __future__ import annotations

import os
import sys

from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.workflows.python_pip.host import Host
from aws_lambda_builders.workflows.python_pip.packager import DependencyBuilder, PipRunner
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from aws_lambda_builders.workflows.python_pip.utils import UI, OSUtils


def scripted_host(machine, interpreters=(), index_problem=None):
    """A machine of the given CPU that has only ``interpreters`` (``interpreters.Interpreter``) and whose index
    is ``index_problem`` (None: fine), so that builds against a scripted pip never look at the test machine."""
    def interpreter_for(version, preferred):
        return next((found for found in interpreters if found.version == version), None)

    return Host(machine=machine, interpreter_for=interpreter_for,
                find_interpreters=lambda preferred: list(interpreters),
                diagnose_index=lambda requirement, urls: index_problem)


def make_builder(pip, runtime="python3.11", architecture=X86_64, host=None):
    """A DependencyBuilder whose pip is ``pip`` (a ``FakePip``) on a machine of the target's CPU by default."""
    return DependencyBuilder(OSUtils(), runtime, sys.executable, pip_runner=PipRunner(sys.executable, pip),
                             architecture=architecture,
                             host=host or scripted_host(LambdaTarget(runtime, architecture).machine))


def build(builder, paths, **kwargs):
    builder.build_site_packages(paths.req, str(paths.target), str(paths.scratch), **kwargs)


def installed(paths):
    return sorted(os.listdir(paths.target))


def contains_run(sequence, run):
    """True if ``run`` appears in ``sequence`` as consecutive items."""
    return any(sequence[i:i + len(run)] == run for i in range(len(sequence) - len(run) + 1))


def work_dir(pip):
    """The scratch directory the packager gave pip (the --dest of the first call)."""
    return pip.calls[0].value_after("--dest")


BUILD_STDERR = (
    "  Building wheel for bar (setup.py): started\n"
    "  error: command 'gcc' failed: No such file or directory\n"
    "ERROR: Failed building wheel for bar\n"
    "ERROR: Could not build wheels for bar, which is required to install pyproject.toml-based projects\n"
)


class RecordingUI(UI):
    def __init__(self):
        super().__init__()
        self.events = []

    def step_started(self, step):
        self.events.append(("step_started", step))

    def step_finished(self, step, summary=""):
        self.events.append(("step_finished", step))

    def package_downloaded(self, filename):
        self.events.append(("package_downloaded", filename))

    def package_built(self, sdist, wheel):
        self.events.append(("package_built", sdist, wheel))

    def package_installed(self, wheel):
        self.events.append(("package_installed", wheel))

    def package_missing(self, identifier, reason):
        self.events.append(("package_missing", identifier, reason))


def events_by_step(events):
    """Every non-step event with the step it happened in."""
    current, result = None, []
    for event in events:
        if event[0] == "step_started":
            current = event[1]
        elif event[0] == "step_finished":
            current = None
        else:
            result.append((current,) + event)
    return result


class LinesUI(UI):
    """Keeps the lines written and the warnings, in order."""

    def __init__(self):
        super().__init__()
        self.lines, self.warnings = [], []

    def write(self, message):
        self.lines.append(message)

    def warning(self, message):
        self.warnings.append(message)
