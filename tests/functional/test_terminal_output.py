"""What a person sees of `lambda-pip`: results on stdout, progress on stderr, sizes in the units of the limits.

The command line runs against the local package index, in-process with stderr and stdout captured apart,
and once as a real process whose stdout is a pipe (`lambda-pip cache info | less`).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.architecture import ARM64, X86_64

pytestmark = pytest.mark.usefixtures("offline_pip")

HOST = ARM64 if os.uname().machine == "aarch64" else X86_64
OTHER = X86_64 if HOST == ARM64 else ARM64
MACHINE = {X86_64: "x86_64", ARM64: "aarch64"}
STEP_LINE = re.compile(r"^\[\d+(-\d+)?/9\]")
SIZE = re.compile(r"(\d+(?:\.\d+)?) (MiB|KiB|bytes|MB|KB|kB|GB)\b")
MIB = 1024 * 1024


def lambda_pip(tmp_path, package_index, requirements, *options, architecture=X86_64):
    """Exit code, stdout and stderr of one ``lambda-pip build`` (stdout and stderr apart)."""
    (tmp_path / "requirements.txt").write_text(requirements)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / "out"),
                     "--runtime", "python3.12", "--architecture", architecture, "-i", package_index.url,
                     "--scratch-dir", str(tmp_path / "scratch"), "--cache-dir", str(tmp_path / "cache"), *options],
                    stream=err, out=out)
    return code, out.getvalue(), err.getvalue()


def test_a_builds_summary_and_sizes_are_on_stdout_and_its_progress_on_stderr(tmp_path, package_index):
    code, out, err = lambda_pip(tmp_path, package_index, "pure-app\n")

    assert code == 0
    assert out.splitlines()[0] == f"built 2 distributions into {tmp_path / 'out'} for python3.12 on x86_64"
    assert out.splitlines()[1].startswith("unzipped ")
    assert not [line for line in out.splitlines() if STEP_LINE.match(line) or "downloaded" in line]
    assert err.splitlines()[0] == "[1/9] download"
    assert "  downloading pure_app-1.0-py3-none-any.whl (" in err  # as pip fetched it
    assert "built 2 distributions" not in err and "unzipped" not in err


def test_json_is_the_only_thing_on_stdout(tmp_path, package_index):
    code, out, err = lambda_pip(tmp_path, package_index, "pure-app\n", "--json")

    document = json.loads(out)
    assert code == 0 and document["ok"] is True and err == ""


def test_cache_info_through_a_pipe_shows_the_cache(tmp_path):
    process = subprocess.run([sys.executable, "-m", "aws_lambda_builders.cli", "cache", "info",
                              "--cache-dir", str(tmp_path / "cache")], capture_output=True, text=True, timeout=60)

    assert process.returncode == 0
    assert process.stdout == (f"{tmp_path / 'cache'}: 0 build(s), 0 unpacked wheel(s) and 0 wheel(s) built "
                              "from sdists, 0 bytes\n")
    assert process.stderr == ""


def test_every_size_is_in_the_binary_units_of_the_limits_and_the_numbers_agree(tmp_path, package_index):
    code, out, _ = lambda_pip(tmp_path, package_index, "pure-app\nbinary-three-platforms\n", "--zip",
                              str(tmp_path / "function.zip"))

    assert code == 0
    assert [unit for _, unit in SIZE.findall(out)] and {unit for _, unit in SIZE.findall(out)} <= {
        "MiB", "KiB", "bytes"}
    unzipped_line = next(line for line in out.splitlines() if line.startswith("unzipped "))
    zipped_line = next(line for line in out.splitlines() if line.startswith("zipped "))
    assert " of 250 MiB (" in unzipped_line and " of 50 MiB for a direct upload (" in zipped_line
    zip_size = os.path.getsize(tmp_path / "function.zip")
    assert zipped_line.startswith(f"zipped {zip_size / 1024:.1f} KiB of 50 MiB")
    used, left = (float(value) * {"MiB": MIB, "KiB": 1024, "bytes": 1}[unit]
                  for value, unit in SIZE.findall(unzipped_line)[:3:2])
    assert abs(used + left - 262_144_000) < 0.05 * MIB, "what is used and what is left make the limit"

    _, out, _ = lambda_pip(tmp_path, package_index, "pure-app\n", "--json")
    sizes = json.loads(out)["sizes"]
    assert sizes["unzipped_limit_bytes"] == 262_144_000 == 250 * MIB
    assert sizes["zipped_limit_bytes"] == 52_428_800 == 50 * MIB
    assert sizes["unzipped_bytes"] > 0 and all(key.endswith(("_bytes", "_is_estimate")) or key == "largest"
                                               for key in sizes)


def test_a_layers_size_report_lists_its_packages(tmp_path, package_index):
    code, out, _ = lambda_pip(tmp_path, package_index, "pure-app\nbinary-three-platforms\n", "--layer")

    assert code == 0
    entries = [line.split()[-1] for line in out.splitlines() if line.startswith("  ")]
    assert "python/pure_app" in entries and "python/binary_three_platforms" in entries
    assert "python" not in entries


def test_steps_that_print_nothing_are_folded_into_one_line(tmp_path, package_index):
    code, _, err = lambda_pip(tmp_path, package_index, "pure-app\n")

    assert code == 0
    assert [line for line in err.splitlines() if STEP_LINE.match(line)] == [
        "[1/9] download", "[2-7/9] sort … find-missing: nothing to report", "[8/9] install"]


def test_a_failed_build_ends_with_its_failure_and_says_why_for_a_person(tmp_path, package_index):
    code, out, err = lambda_pip(tmp_path, package_index, "required-c-extension\n", architecture=OTHER)

    lines = err.splitlines()
    failure = max(i for i, line in enumerate(lines) if line.startswith("error: "))
    assert code == 1 and out == ""
    assert not [line for line in lines[failure:] if STEP_LINE.match(line)], "nothing comes after the failure"
    assert "clean-up" not in err
    reason = (f"needs a C compiler for {MACHINE[OTHER]}: no wheel for python3.12 on {OTHER}, and building it here "
              f"would make an {MACHINE[HOST]} binary")
    assert f"  - required-c-extension==1.0: {reason}" in lines[failure:]
    assert "/var/false" not in err and "Errno" not in err


def test_a_requirement_that_does_not_exist_is_said_not_to_exist(tmp_path, package_index):
    code, out, err = lambda_pip(tmp_path, package_index, "pure-app\npure-ap\n")

    assert code == 3 and out == ""
    assert "resolving on this machine" not in err
    assert f"error: pure-ap does not exist: the package index {package_index.url} has no project of that name" \
        in err.splitlines()


def test_a_package_without_a_build_for_the_target_is_still_resolved_on_this_machine(tmp_path, package_index):
    _, _, err = lambda_pip(tmp_path, package_index, "musllinux-only\n")

    assert "pip found nothing for python3.12 on x86_64 for musllinux-only; resolving on this machine" in err
    assert "does not exist" not in err
