"""The builder watch (a child started with it dies when the build that started it is gone), and killing a
child with what it started, never more."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from unittest import mock

import pytest

from aws_lambda_builders.workflows.python_pip.child_processes import builder_watch_shim, kill_process_group


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


@pytest.mark.parametrize("pid", [mock.MagicMock(), 0, 1, -1, None, "123"])
def test_a_stand_in_process_is_killed_alone_never_a_process_group(pid):
    """A mocked Popen's pid (a MagicMock counts as 1): killpg(1) would signal every process the user may signal."""
    process = mock.Mock(pid=pid)
    with mock.patch("os.killpg") as killpg:
        kill_process_group(process)

    killpg.assert_not_called()
    process.kill.assert_called_once_with()


def test_a_child_leading_its_group_is_killed_with_what_it_started(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                              "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
                              "print(p.pid, flush=True); time.sleep(60)"],
                             stdout=subprocess.PIPE, start_new_session=True)
    grandchild = int(child.stdout.readline())

    kill_process_group(child)

    assert child.wait(timeout=10) == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(grandchild):
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_child_of_this_processs_own_group_is_killed_alone():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with mock.patch("os.killpg") as killpg:
        kill_process_group(child)

    killpg.assert_not_called()
    assert child.wait(timeout=10) == -signal.SIGKILL


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False
