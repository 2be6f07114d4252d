"""Time lambda-pip against the tool it replaces, side by side, interleaved, on the same requirement sets.

    python benchmarks/compare.py [--runs 3] [--sets web,numpy-pandas,crypto,sdists] [--architectures x86_64,arm64]
                                 [--pip 23.2.1]

It installs aws-lambda-builders (pinned) and lambda-pip (this working tree),
each in its own virtual environment under ``benchmarks/.work/`` with the same
pip, then builds each requirement set for python3.11 (the version this
machine's interpreter can build for with that tool) on each architecture,
several rounds, each round running in turn (the order of the two tools
alternating from round to round):

- theirs: aws-lambda-builders' python_pip, which keeps no cache of its own;
- ours cold: lambda-pip with an empty build cache;
- ours warm: lambda-pip again on the same cache, requirements unchanged (three times a round);
- floor: ``cp -al`` of the finished bundle, the cost of placing its files by hard link (as often).

Before the warm run and the floor, the kernel is made to write back what the
cold build left in its page cache (``sync``, not timed): otherwise a run of tens
of milliseconds measures the disk catching up with the previous one.

It prints the median wall time of each, the ratios theirs/ours (cold and
warm) and warm/floor. Both tools use this machine's pip configuration and pip
download cache alike. Every output is audited with ``check_bundle`` and the
number of problems printed beside the times, so that speed never comes from a
worse bundle.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
UPSTREAM = "aws-lambda-builders==1.68.0"
RUNTIME = "python3.11"
PIP = "23.2.1"
WARM_REPEATS = 3

SETS: Dict[str, str] = {
    "web": "requests\npydantic\norjson\npyyaml\n",
    "numpy-pandas": "numpy==2.2.6\npandas\n",
    "crypto": "cryptography\nbcrypt\npynacl\n",
    "sdists": "docopt\ntermcolor\nmarkupsafe==1.1.1\nsimplejson==3.16.0\npyrsistent==0.16.0\n",
}

UPSTREAM_DRIVER = """
import sys
from aws_lambda_builders.workflows.python_pip.packager import (
    DependencyBuilder, PipRunner, PythonPipDependencyBuilder, SubprocessPip)
from aws_lambda_builders.workflows.python_pip.utils import OSUtils
requirements, output, scratch, architecture = sys.argv[1:5]
osutils = OSUtils()
pip = PipRunner(python_exe=sys.executable, pip=SubprocessPip(osutils=osutils, python_exe=sys.executable))
builder = DependencyBuilder(osutils=osutils, runtime="%s", python_exe=sys.executable, pip_runner=pip,
                            architecture=architecture)
try:
    PythonPipDependencyBuilder(osutils=osutils, runtime="%s", python_exe=sys.executable,
                               dependency_builder=builder).build_dependencies(output, scratch, requirements)
except Exception as error:  # the other tool reports missing packages by raising; its bundle still counts
    print(type(error).__name__, error, file=sys.stderr)
""" % (RUNTIME, RUNTIME)


def environment(name: str, pip: str) -> str:
    """A virtual environment of this interpreter under ``.work``, with the same pip as the other tool's."""
    python = WORK / name / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(WORK / name)], check=True)
    if pip:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"pip=={pip}"], check=True)
    return str(python)


def our_python(pip: str) -> str:
    """lambda-pip installed from this working tree into its own environment, as a user installs it."""
    python = environment("lambda-pip", pip)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--force-reinstall", "--no-deps", str(HERE.parent)],
                   check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "-r", str(HERE.parent / "requirements" / "base.txt")],
                   check=True)
    return python


def upstream_python(pip: str) -> str:
    python = environment("aws-lambda-builders", pip)
    subprocess.run([python, "-m", "pip", "install", "--quiet", UPSTREAM], check=True)
    return python


def timed(command: List[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def settle() -> None:
    """Let the kernel write back what the previous run left dirty (untimed), so that a run of some tens of
    milliseconds is not charged with the writeback of the hundred megabytes a cold build wrote before it."""
    if hasattr(os, "sync"):
        os.sync()


def problems(bundle: Path, architecture: str, requirements: Path) -> int:
    from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle

    if not bundle.is_dir():
        return -1
    return len(check_bundle(str(bundle), RUNTIME, architecture, str(requirements)).problems)


def run_case(name: str, architecture: str, runs: int, upstream: str, ours_python: str) -> Dict[str, object]:
    case = WORK / f"{name}-{architecture}"
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    requirements = case / "requirements.txt"
    requirements.write_text(SETS[name])
    driver = case / "upstream_driver.py"
    driver.write_text(UPSTREAM_DRIVER)
    times: Dict[str, List[float]] = {"theirs": [], "cold": [], "warm": [], "floor": []}
    ours = [ours_python, "-m", "aws_lambda_builders.cli", "build", "-r", str(requirements), "--runtime", RUNTIME,
            "--architecture", architecture, "--allow-missing", "-q"]
    for run in range(runs):
        for tool in ("theirs", "ours") if run % 2 else ("ours", "theirs"):
            for path in ("theirs-out", "theirs-scratch") if tool == "theirs" else ("ours-out", "cache", "floor-out"):
                shutil.rmtree(case / path, ignore_errors=True)
            if tool == "theirs":
                (case / "theirs-scratch").mkdir()
                times["theirs"].append(timed([upstream, str(driver), str(requirements), str(case / "theirs-out"),
                                              str(case / "theirs-scratch"), architecture]))
                continue
            cached = ours + ["--cache-dir", str(case / "cache"), "-o", str(case / "ours-out")]
            times["cold"].append(timed(cached))
            for _ in range(WARM_REPEATS):  # runs of tens of milliseconds: several samples per round
                settle()
                times["warm"].append(timed(cached))
                settle()
                shutil.rmtree(case / "floor-out", ignore_errors=True)
                times["floor"].append(timed(["cp", "-al", str(case / "ours-out"), str(case / "floor-out")]))
    return {"times": times, "ours_problems": problems(case / "ours-out", architecture, requirements),
            "theirs_problems": problems(case / "theirs-out", architecture, requirements)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--architectures", default="x86_64,arm64")
    parser.add_argument("--pip", default=PIP, help=f"the pip both tools run (default: {PIP}, what this "
                                                     "machine's Python 3.11 puts in a new virtual environment)")
    args = parser.parse_args()
    upstream = upstream_python(args.pip)
    ours_python = our_python(args.pip)
    print(f"pip {args.pip} for both tools; {RUNTIME} from {platform.machine()}")
    print(f"{'set':<14}{'arch':<8}{'theirs':>8}{'cold':>8}{'ratio':>8}{'warm':>8}{'ratio':>9}{'floor':>8}"
          f"{'warm/floor':>12}   check problems ours/theirs   (median seconds of {args.runs} runs, "
          f"{args.runs * WARM_REPEATS} for warm and floor)")
    for name in args.sets.split(","):
        for architecture in args.architectures.split(","):
            result = run_case(name, architecture, args.runs, upstream, ours_python)
            median = {tool: statistics.median(values) for tool, values in result["times"].items()}
            print(f"{name:<14}{architecture:<8}{median['theirs']:>8.2f}{median['cold']:>8.2f}"
                  f"{median['theirs'] / median['cold']:>7.2f}x{median['warm']:>8.3f}"
                  f"{median['theirs'] / median['warm']:>8.1f}x{median['floor']:>8.3f}"
                  f"{median['warm'] / median['floor']:>11.1f}x   "
                  f"{result['ours_problems']}/{result['theirs_problems']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
