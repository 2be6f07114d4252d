"""Time lambda-pip against an earlier revision of itself, interleaved: cold builds and unchanged rebuilds.

    python benchmarks/revisions.py --before a36b6b1 [--cold 6] [--unchanged 30]

The earlier revision is checked out in a temporary git worktree and put first on ``PYTHONPATH``; both run
with this interpreter and its packages (the test environment), each with a build cache of its own. A cold
build starts from an empty build cache (pip's own HTTP cache stays as it is); an unchanged rebuild finds
its output as the cache placed it. Runs alternate between the two, so that the machine's drift hits both.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The lambda-pip command line of any revision: earlier ones ran it as `python -m aws_lambda_builders`, which is now
# the JSON-RPC interface; `aws_lambda_builders.cli.main` is the command line in both.
CLI = [sys.executable, "-c", "import sys; from aws_lambda_builders.cli import main; sys.exit(main())"]


def run(tree: str, work: str, name: str, requirements: str, architecture: str, cache: str) -> float:
    env = dict(os.environ, PYTHONPATH=tree, LAMBDA_PIP_CACHE_DIR=cache)
    started = time.perf_counter()
    result = subprocess.run([*CLI, "build", "-r", requirements, "-o", os.path.join(work, f"out-{name}-{architecture}"),
                             "--runtime", "python3.11", "--architecture", architecture, "-q"],
                            env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{name} failed: {result.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the earlier revision (a commit, a tag, a branch)")
    parser.add_argument("--requirements", default="requests\npydantic\norjson\npyyaml\n")
    parser.add_argument("--cold", type=int, default=6, help="cold builds of each, per architecture")
    parser.add_argument("--unchanged", type=int, default=30, help="unchanged rebuilds of each")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="lambda-pip-revisions-")
    before = os.path.join(work, "before")
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "-q", "--detach", before, args.before], check=True)
    try:
        requirements = os.path.join(work, "requirements.txt")
        with open(requirements, "w") as f:
            f.write(args.requirements)
        trees = {"before": before, "after": ROOT}
        for architecture in ("x86_64", "arm64"):
            cold: Dict[str, List[float]] = {name: [] for name in trees}
            for number in range(args.cold):
                for name in (list(trees) if number % 2 else list(reversed(list(trees)))):
                    cache = os.path.join(work, f"cache-{name}-{architecture}")
                    shutil.rmtree(cache, ignore_errors=True)
                    cold[name].append(run(trees[name], work, name, requirements, architecture, cache))
            print(architecture, "cold", {name: f"{statistics.median(times):.2f} s" for name, times in cold.items()})
        unchanged: Dict[str, List[float]] = {name: [] for name in trees}
        for number in range(args.unchanged):
            for name in (list(trees) if number % 2 else list(reversed(list(trees)))):
                cache = os.path.join(work, f"cache-{name}-arm64")  # the last cold build's, its output as placed
                unchanged[name].append(run(trees[name], work, name, requirements, "arm64", cache))
        print("unchanged", {name: f"{statistics.median(times) * 1000:.1f} ms" for name, times in unchanged.items()})
    finally:
        subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", before], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
