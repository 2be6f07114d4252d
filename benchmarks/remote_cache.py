"""Time a build from the shared (S3) cache beside a cold build and a local-warm rebuild, on one set from PyPI.

    python benchmarks/remote_cache.py [--runs 3] [--requirements "requests\\npydantic\\norjson\\nmarkupsafe==1.1.1"]

An S3 API is served on 127.0.0.1 by moto (``pip install 'moto[server]' boto3``). Each run: a cold build (empty
local cache, empty bucket: it fills the bucket), a second "machine" (another empty local cache, the filled
bucket), and an unchanged rebuild of that second machine (local cache warm). pip's own HTTP cache stays as
it is. Prints each kind's median and the ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List

CLI = [sys.executable, "-m", "aws_lambda_builders.cli"]
DEFAULT = "requests\npydantic\norjson\nmarkupsafe==1.1.1\nsimplejson==3.16.0\n"


def timed(arguments: List[str], env: Dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([*CLI, "build", *arguments, "-q"], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build failed: {done.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requirements", default=DEFAULT)
    parser.add_argument("--runtime", default="python3.11")
    args = parser.parse_args()

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the server's line per request

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="bench", aws_secret_access_key="bench",
                          region_name="us-east-1")
    times: Dict[str, List[float]] = {"cold": [], "remote": [], "local-warm": []}
    with tempfile.TemporaryDirectory(prefix="lambda-pip-bench-") as work:
        requirements = os.path.join(work, "requirements.txt")
        with open(requirements, "w") as f:
            f.write(args.requirements.replace("\\n", "\n"))
        for run in range(args.runs):
            bucket = f"bench-{run}"
            client.create_bucket(Bucket=bucket)

            def build(machine: str, run: int = run, bucket: str = bucket) -> float:
                return timed(["-r", requirements, "-o", os.path.join(work, f"{run}-{machine}"), "--runtime",
                              args.runtime, "--architecture", "arm64", "--cache-dir",
                              os.path.join(work, f"{run}-{machine}-cache"), "--cache-url", f"s3://{bucket}/bench",
                              "--cache-endpoint", endpoint], env)

            times["cold"].append(build("first"))
            times["remote"].append(build("second"))
            times["local-warm"].append(build("second"))
    server.stop()
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    for kind, median in medians.items():
        print(f"{kind:>10}: median {median:.2f} s of {args.runs} ({', '.join(f'{t:.2f}' for t in times[kind])})")
    print(f"from the remote cache: {medians['cold'] / medians['remote']:.1f}x faster than cold; "
          f"local-warm: {medians['remote'] / medians['local-warm']:.1f}x faster than from the remote cache")


if __name__ == "__main__":
    main()
