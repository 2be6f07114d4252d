"""The builder watch: a child started with it dies when the build that started it is gone."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aws_lambda_builders.workflows.python_pip.child_processes import builder_watch_shim


def test_pip_started_after_its_build_died_ends_at_once(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    child = subprocess.Popen([sys.executable, "-c", builder_watch_shim(gone.pid) + "import time; time.sleep(300)"],
                             start_new_session=True)
    try:
        assert child.wait(timeout=10) != 0
    finally:
        child.kill()


def test_pip_whose_parent_is_not_the_build_watches_the_builds_pid(tmp_path):
    """As when ``--python`` is a wrapper script that runs Python without exec."""
    build = subprocess.Popen(["sleep", "300"])
    child = subprocess.Popen([sys.executable, "-c", builder_watch_shim(build.pid) + "import time; time.sleep(300)"],
                             start_new_session=True)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            child.wait(timeout=1.5)
        build.kill()
        build.wait()
        assert child.wait(timeout=10) != 0
    finally:
        build.kill()
        child.kill()
