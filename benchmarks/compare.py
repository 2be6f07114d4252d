"""Time lambda-pip against the tool it replaces, side by side, interleaved, on the same requirement sets.

    python benchmarks/compare.py [--runs 3] [--sets web,numpy-pandas,crypto,sdists] [--architectures x86_64,arm64]

It installs aws-lambda-builders (pinned) in its own virtual environment under
``benchmarks/.work/``, then builds each requirement set for python3.11 (the
version this machine's interpreter can build for with that tool) on each
architecture, alternating the two tools run by run, and prints the median
wall time of each and their ratio. Every output is audited with
``check_bundle`` and the number of problems printed beside the time, so that
speed never comes from a worse bundle. The first run of each pair is "cold"
for both tools' pip caches only as far as this machine's pip cache is.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
UPSTREAM = "aws-lambda-builders==1.68.0"
RUNTIME = "python3.11"

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


def upstream_python() -> str:
    venv = WORK / "aws-lambda-builders"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", UPSTREAM], check=True)
    return str(python)


def timed(command: List[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def problems(bundle: Path, architecture: str, requirements: Path) -> int:
    from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle

    if not bundle.is_dir():
        return -1
    return len(check_bundle(str(bundle), RUNTIME, architecture, str(requirements)).problems)


def run_case(name: str, architecture: str, runs: int, upstream: str) -> Tuple[List[float], List[float], int, int]:
    case = WORK / f"{name}-{architecture}"
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    requirements = case / "requirements.txt"
    requirements.write_text(SETS[name])
    driver = case / "upstream_driver.py"
    driver.write_text(UPSTREAM_DRIVER)
    ours_times, theirs_times = [], []
    for run in range(runs):
        for tool in ("theirs", "ours") if run % 2 else ("ours", "theirs"):
            out, scratch = case / f"{tool}-out", case / f"{tool}-scratch"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir()
            if tool == "ours":
                ours_times.append(timed([sys.executable, "-m", "aws_lambda_builders", "build", "-r", str(requirements),
                                         "-o", str(out), "--runtime", RUNTIME, "--architecture", architecture,
                                         "--scratch-dir", str(scratch), "--allow-missing", "-q"]))
            else:
                theirs_times.append(timed([upstream, str(driver), str(requirements), str(out), str(scratch),
                                           architecture]))
    return (ours_times, theirs_times, problems(case / "ours-out", architecture, requirements),
            problems(case / "theirs-out", architecture, requirements))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--architectures", default="x86_64,arm64")
    args = parser.parse_args()
    upstream = upstream_python()
    print(f"{'set':<14}{'arch':<8}{'ours (s)':>10}{'theirs (s)':>12}{'ratio':>8}   check problems ours/theirs")
    for name in args.sets.split(","):
        for architecture in args.architectures.split(","):
            ours, theirs, ours_problems, theirs_problems = run_case(name, architecture, args.runs, upstream)
            ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
            print(f"{name:<14}{architecture:<8}{ours_median:>10.2f}{theirs_median:>12.2f}"
                  f"{theirs_median / ours_median:>7.2f}x   {ours_problems}/{theirs_problems}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
