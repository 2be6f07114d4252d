"""The size budget on a real function that pulls in boto3: what --exclude-runtime-provided saves."""

from __future__ import annotations

import json
import sys

import pytest

from aws_lambda_builders import cli

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("hermetic_pip")]


def _build_json(tmp_path, capsys, name, *options):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("boto3\nrequests\n")
    code = cli.main(["build", "-r", str(requirements), "-o", str(tmp_path / name), "--runtime", "python3.12",
                     "--architecture", "arm64", "--json", *options], stream=sys.stderr)
    assert code == 0
    return json.loads(capsys.readouterr().out)


def test_excluding_what_the_runtime_provides_reports_what_it_saved(tmp_path, capsys):
    full = _build_json(tmp_path, capsys, "full")
    lean = _build_json(tmp_path, capsys, "lean", "--exclude-runtime-provided", "--slim")

    assert full["sizes"]["largest"][0]["name"] == "botocore", "boto3's share of the budget is visible"
    full_names = {d["name"] for d in full["distributions"]}
    lean_names = {d["name"] for d in lean["distributions"]}
    assert {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil"} <= full_names
    assert not lean_names & {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six"}
    assert {"requests", "urllib3", "idna", "certifi", "charset-normalizer"} <= lean_names, "requests keeps urllib3"
    saved = lean["savings_bytes"]["exclude-runtime-provided"]
    assert saved > 10_000_000
    assert lean["sizes"]["unzipped_bytes"] < full["sizes"]["unzipped_bytes"] - saved + 1
    assert lean["savings_bytes"]["slim"] >= 0
