"""A build killed at any point leaves the previous bundle intact, and nothing of itself behind.

The command line runs as a real process against the local index; it is killed
as soon as it announces a step (download, sdist builds, install), with SIGKILL
(no chance to clean up: the next build must) and with SIGTERM and SIGINT (it
must clean up on the way out).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.builders import make_sdist
from tests.processes import running, wait_until

pytestmark = pytest.mark.usefixtures("offline_pip")
REQUIREMENTS = "pure-app\nsdist-only-pure\noptional-c-extension\npep517-sdist\n"


def snapshot(directory):
    return sorted((str(p.relative_to(directory)), p.read_bytes() if p.is_file() else b"")
                  for p in directory.rglob("*"))


def command(tmp_path, package_index):
    return [sys.executable, "-m", "aws_lambda_builders.cli", "build", "-r", str(tmp_path / "requirements.txt"),
            "-o", str(tmp_path / "out"), "--architecture", "arm64", "--scratch-dir", str(tmp_path / "scratch"),
            "-i", package_index.url]


def start_and_kill_at(tmp_path, package_index, step, sig):
    process = subprocess.Popen(command(tmp_path, package_index), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True, preexec_fn=as_from_a_terminal)
    seen = []
    for line in process.stderr:
        seen.append(line)
        if step in line:
            process.send_signal(sig)
            break
    process.stderr.read()
    process.wait(timeout=120)
    return process.returncode, "".join(seen)


@pytest.fixture
def previous_bundle(tmp_path):
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    out = tmp_path / "out"
    (out / "old_package").mkdir(parents=True)
    (out / "old_package" / "__init__.py").write_text("OLD = True\n")
    return snapshot(out)


@pytest.mark.parametrize("step", ["[1/9] download", "[4/9] build-sdists", "[8/9] install"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_killed_build_leaves_the_previous_bundle_intact(tmp_path, package_index, previous_bundle, step, sig):
    code, output = start_and_kill_at(tmp_path, package_index, step, sig)

    assert step in output, output
    assert code != 0
    assert snapshot(tmp_path / "out") == previous_bundle
    leftovers = sorted(n for n in os.listdir(tmp_path) if n not in ("out", "requirements.txt", "scratch"))
    if sig == signal.SIGKILL:
        # Nothing could clean up; the next build does, and replaces the bundle whole.
        rerun = subprocess.run(command(tmp_path, package_index), capture_output=True, text=True)
        assert rerun.returncode == 0, rerun.stderr
        assert (tmp_path / "out" / "pure_app").is_dir() and not (tmp_path / "out" / "old_package").exists()
        leftovers = sorted(n for n in os.listdir(tmp_path) if n not in ("out", "requirements.txt", "scratch"))
    else:
        assert code == 130, output
        assert os.listdir(tmp_path / "scratch") == []
    assert leftovers == [], "staging directories were left beside the output"


def test_build_killed_while_installing_leaves_the_old_bundle_or_the_whole_new_one(tmp_path, package_index,
                                                                                  previous_bundle):
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "requirements.txt").write_text(REQUIREMENTS)
    subprocess.run(command(reference, package_index), check=True, capture_output=True)

    start_and_kill_at(tmp_path, package_index, "[8/9] install", signal.SIGKILL)

    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names in (["old_package"], sorted(p.name for p in (reference / "out").iterdir()))


# -- pip and all it starts die with the build, and leave nothing in TMPDIR ---------------------------------

def processes_with(marker: str) -> list:
    """The pids of the running processes (zombies are not) whose environment carries ``marker``: a build, its
    pips, their build backends and compilers all inherit it."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as environ:
                if marker.encode() not in environ.read().split(b"\0"):
                    continue
        except OSError:  # ended meanwhile
            continue
        if running(int(entry)):
            found.append(int(entry))
    return found


@pytest.fixture
def own_tmpdir(tmp_path, monkeypatch):
    """A TMPDIR of the test's own, that the builds it starts use (no --scratch-dir: the default scratch)."""
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmpdir))
    return tmpdir


def pip_temporary_directories(tmpdir) -> list:
    """pip's temporary directories (``pip-unpack-*``, ``pip-build-env-*`` ...) anywhere under ``tmpdir``."""
    return [os.path.join(parent, name) for parent, names, _ in os.walk(tmpdir) for name in names
            if name.startswith("pip-")]


# An sdist whose wheel build runs a long quiet "compiler" (a child process of the build backend, as gcc is),
# so that pip, its backend and the compiler all run, writing nothing, when the build is stopped.
SLOW_SETUP = """import subprocess, sys
from setuptools import setup
if "bdist_wheel" in sys.argv:
    subprocess.call(["sleep", "300"])
setup(name="slow-compile", version="1.0", packages=["slow_compile"])
"""


def start_build(tmp_path, package_index, marker, requirements="pure-app\nslow-compile\n"):
    links = tmp_path / "links"
    links.mkdir(exist_ok=True)
    make_sdist(str(links), "slow-compile", "1.0", files={"setup.py": SLOW_SETUP, "slow_compile/__init__.py": ""})
    (tmp_path / "requirements.txt").write_text(requirements)
    command_line = [sys.executable, "-m", "aws_lambda_builders.cli", "build", "-r", str(tmp_path / "requirements.txt"),
                    "-o", str(tmp_path / "out"), "-i", package_index.url, "-f", str(links), "--no-cache"]
    return subprocess.Popen(command_line, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=dict(os.environ, LAMBDA_PIP_TEST_BUILD=marker), preexec_fn=as_from_a_terminal)


def as_from_a_terminal():
    """Ctrl-C reaches the build as from a terminal even when the tests run in the background (a shell starts a
    background job with SIGINT ignored, and a program started so rightly ignores it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def command_lines(pids) -> list:
    lines = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                lines.append(b" ".join(cmdline.read().split(b"\0")).decode("utf-8", "replace").strip())
        except OSError:
            pass
    return lines


def signal_while_compiling(process, marker, sig):
    """Wait for step 4 to run the slow "compiler", then send ``sig`` to the build (and to it alone)."""
    for line in process.stderr:
        if "[4/9] build-sdists" in line:
            break
    assert wait_until(lambda: "sleep 300" in command_lines(processes_with(marker)), timeout=120), \
        "step 4 did not build the slow sdist"
    process.send_signal(sig)
    process.stderr.read()
    return process.wait(timeout=120)


@pytest.mark.timeout(600)
def test_sigkilled_build_leaves_no_process_and_the_next_build_no_temporary_files(tmp_path, package_index,
                                                                                   own_tmpdir):
    marker = f"LAMBDA_PIP_TEST_BUILD=sigkill-{os.getpid()}-{time.monotonic_ns()}"
    process = start_build(tmp_path, package_index, marker.split("=", 1)[1])
    try:
        assert signal_while_compiling(process, marker, signal.SIGKILL) == -signal.SIGKILL

        assert wait_until(lambda: processes_with(marker) == [], timeout=10), \
            "processes of the killed build still run: %s" % command_lines(processes_with(marker))
    finally:
        for pid in processes_with(marker):  # the test's own, by pid
            os.kill(pid, signal.SIGKILL)
    assert pip_temporary_directories(own_tmpdir), "the killed build had nothing to leave (killed too early?)"

    rerun = start_build(tmp_path, package_index, "rerun", requirements="pure-app\n")
    _, errors = rerun.communicate(timeout=300)

    assert rerun.returncode == 0, errors
    assert os.listdir(own_tmpdir) == [], "the next build left what the killed one wrote in TMPDIR"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_build_stops_pip_and_all_it_started_and_leaves_nothing_in_tmpdir(tmp_path, package_index,
                                                                                        own_tmpdir, sig):
    marker = f"LAMBDA_PIP_TEST_BUILD=interrupted-{os.getpid()}-{time.monotonic_ns()}"
    process = start_build(tmp_path, package_index, marker.split("=", 1)[1])
    try:
        assert signal_while_compiling(process, marker, sig) == 130

        # Killed together with pip (one SIGKILL to its process group), they may take a moment to end.
        assert wait_until(lambda: processes_with(marker) == [], timeout=10), \
            "what the build started outlived it: %s" % command_lines(processes_with(marker))
    finally:
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)
    assert os.listdir(own_tmpdir) == [], "pip's temporary files were left in TMPDIR"
