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

import pytest

pytestmark = pytest.mark.usefixtures("offline_pip")
REQUIREMENTS = "pure-app\nsdist-only-pure\noptional-c-extension\npep517-sdist\n"


def snapshot(directory):
    return sorted((str(p.relative_to(directory)), p.read_bytes() if p.is_file() else b"")
                  for p in directory.rglob("*"))


def command(tmp_path, package_index):
    return [sys.executable, "-m", "aws_lambda_builders", "build", "-r", str(tmp_path / "requirements.txt"),
            "-o", str(tmp_path / "out"), "--architecture", "arm64", "--scratch-dir", str(tmp_path / "scratch"),
            "-i", package_index.url]


def start_and_kill_at(tmp_path, package_index, step, sig):
    process = subprocess.Popen(command(tmp_path, package_index), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               text=True)
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


@pytest.mark.parametrize("step", ["[1/9] download", "[4/9] build-sdists", "[5/9] build-sdists-without-c"])
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
