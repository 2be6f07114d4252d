"""One real project locked by each tool (uv, Poetry, pipenv, uv's and pip's pylock.toml), built from PyPI.

The locks are in ``tests/locks/realworld`` as the tools wrote them (``TOOL.md`` in each directory says which
version and command); ``expected.json`` is what each lock installs on each target, worked out from the tools'
own exports (``make_expected.py``), not by this project's readers. For every lock and target: the bundle holds
exactly those versions, every wheel installed is a file the lock pins by its sha256 (the build cache keeps each
installed wheel under its sha256), and the bundle audits clean; the python3.11 x86_64 bundles import here.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("hermetic_pip")]

REALWORLD = Path(__file__).resolve().parent.parent / "locks" / "realworld"
EXPECTED = json.loads((REALWORLD / "expected.json").read_text())
LOCKS = {"uv": "uv/uv.lock", "poetry": "poetry/poetry.lock", "pipenv": "pipenv/Pipfile.lock",
         "pylock-uv": "pylock-uv/pylock.toml"}
TARGETS = [("python3.11", X86_64), ("python3.11", ARM64), ("python3.13", X86_64), ("python3.13", ARM64)]


def build(tmp_path: Path, lock: Path, runtime: str, architecture: str, *options: str):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(lock), "-o", str(tmp_path / "out"), "--runtime", runtime,
                     "--architecture", architecture, "--scratch-dir", str(tmp_path / "scratch"),
                     "--cache-dir", str(tmp_path / "cache"), "--json", *options], stream=err, out=out)
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


def python311() -> str:
    found = sys.executable if sys.version_info[:2] == (3, 11) else shutil.which("python3.11")
    assert found, "the python3.11 bundles are imported by a python3.11: none found"
    return found


@pytest.mark.parametrize("runtime,architecture", TARGETS)
@pytest.mark.parametrize("tool", sorted(LOCKS))
def test_a_real_lock_installs_exactly_what_it_locked_for_the_target(tmp_path, tool, runtime, architecture):
    lock = REALWORLD / LOCKS[tool]

    code, document, err = build(tmp_path, lock, runtime, architecture)

    assert code == 0, err
    installed = {d["name"]: d["version"] for d in document["distributions"]}
    assert installed == EXPECTED[tool][f"{runtime}-{architecture}"]
    locked_digests = set(re.findall(r"[0-9a-f]{64}", lock.read_text()))
    wheels = [p.name for p in (tmp_path / "cache" / "v1" / "trees").iterdir() if p.is_dir()]
    assert len(wheels) == len(installed)
    assert set(wheels) <= locked_digests, "every wheel installed is one the lock pins by its sha256"
    assert check_bundle(str(tmp_path / "out"), runtime, architecture).problems == []
    if (runtime, architecture) == ("python3.11", X86_64):
        imported = subprocess.run(
            [python311(), "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
             "import requests, pydantic, orjson, networkx; "
             "print(orjson.dumps(pydantic.TypeAdapter(dict).validate_python({'n': networkx.__version__})).decode())",
             str(tmp_path / "out")], capture_output=True, text=True)
        assert imported.returncode == 0, imported.stderr
        assert imported.stdout.strip() == json.dumps({"n": installed["networkx"]}, separators=(",", ":"))


def test_the_uv_lock_with_an_extra_and_a_group(tmp_path):
    code, document, err = build(tmp_path, REALWORLD / LOCKS["uv"], "python3.11", X86_64,
                                "--extra", "yaml", "--group", "dev")

    assert code == 0, err
    installed = {d["name"]: d["version"] for d in document["distributions"]}
    with_yaml, with_dev = EXPECTED["with_extra_yaml"]["uv"], EXPECTED["with_group_dev"]["uv"]
    assert installed == {**with_yaml, **with_dev}


def test_pips_own_lock_for_this_machine_reports_what_it_offers_for_another_target(tmp_path):
    code, document, err = build(tmp_path, REALWORLD / "pylock-pip" / "pylock.toml", "python3.11", ARM64)

    assert code == cli.EXIT_MISSING
    reasons = {m["package"].split("==")[0]: m["reason"] for m in document["missing"]}
    assert sorted(reasons) == sorted(EXPECTED["no_compatible_wheel"]["pylock-pip"]["python3.11-arm64"])
    for reason in reasons.values():
        assert reason.startswith("the lock has no file for python3.11 on arm64")
        assert "manylinux" in reason and "x86_64.whl" in reason, reason
    assert not (tmp_path / "out").exists()
