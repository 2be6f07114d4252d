"""What the packager's unit tests share: a scripted pip behind a real DependencyBuilder, on real directories."""

from __future__ import annotations

import os
import sys

from aws_lambda_builders.architecture import X86_64
from aws_lambda_builders.workflows.python_pip.packager import DependencyBuilder, PipRunner
from aws_lambda_builders.workflows.python_pip.utils import OSUtils


def make_builder(pip, runtime="python3.11", architecture=X86_64):
    return DependencyBuilder(OSUtils(), runtime, sys.executable,
                             pip_runner=PipRunner(sys.executable, pip), architecture=architecture)


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
