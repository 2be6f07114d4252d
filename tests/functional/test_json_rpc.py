"""A real build through the JSON-RPC interface, as SAM's container build sends it, against the local index.

`python -m aws_lambda_builders '<request>'` in its own process, with pip configured the way such a build
image configures it (here: `PIP_INDEX_URL` at the index on 127.0.0.1, no machine configuration).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import aws_lambda_builders

pytestmark = pytest.mark.usefixtures("offline_pip")


@pytest.fixture
def function(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text("import pure_app\n\ndef handler(event, context):\n    return pure_app.greet('x')\n")
    (source / "requirements.txt").write_text("pure-app\n")
    (source / ".aws-sam").mkdir()
    (source / ".aws-sam" / "build.toml").write_text("clutter")
    return source


def _sam_container_request(function, tmp_path, **changes):
    """The request SAM CLI's LambdaBuildContainer makes (`_make_request`), for a Python function."""
    params = {
        "__protocol_version": aws_lambda_builders.RPC_PROTOCOL_VERSION,
        "capability": {"language": "python", "dependency_manager": "pip", "application_framework": None},
        "source_dir": str(function),
        "artifacts_dir": str(tmp_path / "artifacts"),
        "scratch_dir": str(tmp_path / "scratch"),
        "manifest_path": str(function / "requirements.txt"),
        "runtime": "python3.12",
        "optimizations": None,
        "options": None,
        "executable_search_paths": None,
        "mode": None,
        "architecture": "arm64",
        "is_building_layer": False,
    }
    params.update(changes)
    return {"jsonschema": "2.0", "id": 1, "method": "LambdaBuilder.build", "params": params}


def _call(request, package_index):
    env = {k: v for k, v in os.environ.items() if k != "PIP_FIND_LINKS"}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=package_index.url, LAMBDA_BUILDERS_LOG_LEVEL="20")
    return subprocess.run([sys.executable, "-m", "aws_lambda_builders", json.dumps(request)], env=env,
                          capture_output=True, text=True, timeout=300)


def _tree(directory):
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def test_a_sam_container_request_builds_the_function_with_its_dependencies(tmp_path, function, package_index):
    result = _call(_sam_container_request(function, tmp_path), package_index)

    assert result.returncode == 0, result.stderr
    assert result.stdout == json.dumps({"jsonrpc": "2.0", "id": 1,
                                        "result": {"artifacts_dir": str(tmp_path / "artifacts")}}), \
        "stdout carries the response alone, without a newline"
    files = _tree(tmp_path / "artifacts")
    assert "app.py" in files and "requirements.txt" in files, "the source"
    assert "pure_app/__init__.py" in files and "pure_lib/__init__.py" in files, "the dependency and its own"
    assert not [f for f in files if f.startswith(".aws-sam")]


def test_a_layer_request_builds_too(tmp_path, function, package_index):
    request = _sam_container_request(function, tmp_path, is_building_layer=True, architecture="x86_64",
                                     options={"build_logical_id": "Layer"})

    result = _call(request, package_index)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == {"artifacts_dir": str(tmp_path / "artifacts")}
    assert "pure_app/__init__.py" in _tree(tmp_path / "artifacts")


def test_a_requirement_that_does_not_exist_answers_400_naming_it(tmp_path, function, package_index):
    (function / "requirements.txt").write_text("no-such-package-anywhere\n")

    result = _call(_sam_container_request(function, tmp_path), package_index)

    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert (answer["jsonrpc"], answer["id"], answer["error"]["code"]) == ("2.0", 1, 400)
    assert answer["error"]["message"].startswith("PythonPipBuilder:ResolveDependencies - ")
    assert "no-such-package-anywhere" in answer["error"]["message"]
    assert "result" not in answer
