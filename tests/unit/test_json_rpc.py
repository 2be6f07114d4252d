"""The JSON-RPC interface SAM's container builds call (`python -m aws_lambda_builders`, `lambda-builders`).

In process with `LambdaBuilder` replaced by a recorder, for every row of the contract's table; then through
real processes for the wiring: the module run with `-m`, the installed console script, stdin and argv,
stderr logging at the level `LAMBDA_BUILDERS_LOG_LEVEL` gives, and stdout carrying the response alone.
"""

from __future__ import annotations

import configparser
import importlib
import importlib.metadata
import io
import json
import logging
import os
import shutil
import subprocess
import sys

import pytest

import aws_lambda_builders
from aws_lambda_builders.exceptions import WorkflowFailedError, WorkflowNotFoundError, WorkflowUnknownError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def rpc():
    """The module, imported without leaving its `logging.basicConfig` on the test run's root logger."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    module = importlib.import_module("aws_lambda_builders.__main__")
    root.handlers[:] = handlers
    root.setLevel(level)
    return module


def _params(**changes):
    params = {
        "__protocol_version": "0.3",
        "capability": {"language": "python", "dependency_manager": "pip", "application_framework": None},
        "source_dir": "/src", "artifacts_dir": "/artifacts", "scratch_dir": "/scratch",
        "manifest_path": "/src/requirements.txt", "runtime": "python3.12", "optimizations": {}, "options": None,
    }
    params.update(changes)
    return params


def _request(method="LambdaBuilder.build", **changes):
    return {"jsonschema": "2.0", "id": 42, "method": method, "params": _params(**changes)}


class RecordingBuilder:
    """Stands in for `LambdaBuilder`: records how it was made and built; raises `error` from `build`."""

    made: list = []
    error: BaseException | None = None

    def __init__(self, **kwargs):
        RecordingBuilder.made.append(("init", (), kwargs))

    def build(self, *args, **kwargs):
        RecordingBuilder.made.append(("build", args, kwargs))
        if RecordingBuilder.error is not None:
            raise RecordingBuilder.error


@pytest.fixture
def builder(rpc, monkeypatch):
    monkeypatch.setattr(rpc, "LambdaBuilder", RecordingBuilder)
    monkeypatch.setattr(RecordingBuilder, "made", [])
    monkeypatch.setattr(RecordingBuilder, "error", None)
    return RecordingBuilder


def _main(rpc, monkeypatch, capsys, request, via="argv"):
    """Run `main()` on a request (a dict, or text as it is); its exit code, stdout and stderr."""
    text = request if isinstance(request, str) else json.dumps(request)
    if via == "argv":
        monkeypatch.setattr(sys, "argv", ["lambda-builders", text])
    else:
        monkeypatch.setattr(sys, "argv", ["lambda-builders"])
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    with pytest.raises(SystemExit) as exited:
        rpc.main()
    out, err = capsys.readouterr()
    return exited.value.code, out, err


# The response builders, pure.

def test_success_response_names_the_artifacts_dir(rpc):
    assert json.loads(rpc.success_response(7, "/a")) == {"jsonrpc": "2.0", "id": 7, "result": {"artifacts_dir": "/a"}}


def test_error_response_carries_code_and_message(rpc):
    assert json.loads(rpc.error_response("x", 400, "bad")) == {
        "jsonrpc": "2.0", "id": "x", "error": {"code": 400, "message": "bad"}}


# The table, row by row, in process.

@pytest.mark.parametrize("via", ["argv", "stdin"])
def test_success_builds_with_every_parameter_and_answers_the_artifacts_dir(rpc, builder, monkeypatch, capsys, via):
    code, out, _ = _main(rpc, monkeypatch, capsys, _request(), via=via)

    assert code == 0
    assert out == '{"jsonrpc": "2.0", "id": 42, "result": {"artifacts_dir": "/artifacts"}}', "no trailing newline"
    assert builder.made == [
        ("init", (), {"language": "python", "dependency_manager": "pip", "application_framework": None,
                      "supported_workflows": None}),
        ("build", ("/src", "/artifacts", "/scratch", "/src/requirements.txt"),
         {"runtime": "python3.12", "optimizations": {}, "options": None, "executable_search_paths": None,
          "mode": None, "download_dependencies": True, "dependencies_dir": None, "combine_dependencies": True,
          "architecture": "x86_64", "is_building_layer": False, "experimental_flags": [], "build_in_source": None}),
    ]


def test_optional_parameters_are_passed_through_and_unpatched_runtime_is_not_read(rpc, builder, monkeypatch, capsys):
    request = _request(supported_workflows=["aws_lambda_builders.workflows"], executable_search_paths=["/opt/bin"],
                       mode="debug", download_dependencies=False, dependencies_dir="/deps",
                       combine_dependencies=False, architecture="arm64", is_building_layer=True,
                       experimental_flags=["experimentalBuildPerformance"], build_in_source=False,
                       unpatched_runtime="python3.12", options={"parent_python_packages": "a.b"})

    code, _, _ = _main(rpc, monkeypatch, capsys, request)

    assert code == 0
    (_, _, init), (_, _, build) = builder.made
    assert init["supported_workflows"] == ["aws_lambda_builders.workflows"]
    assert build == {"runtime": "python3.12", "optimizations": {}, "options": {"parent_python_packages": "a.b"},
                     "executable_search_paths": ["/opt/bin"], "mode": "debug", "download_dependencies": False,
                     "dependencies_dir": "/deps", "combine_dependencies": False, "architecture": "arm64",
                     "is_building_layer": True, "experimental_flags": ["experimentalBuildPerformance"],
                     "build_in_source": False}


def test_another_method_is_unavailable_and_builds_nothing(rpc, builder, monkeypatch, capsys):
    code, out, _ = _main(rpc, monkeypatch, capsys, _request(method="LambdaBuilder.clean"))

    assert code == 1
    assert json.loads(out) == {"jsonrpc": "2.0", "id": 42, "error": {"code": -32601, "message": "Method unavailable"}}
    assert builder.made == []


@pytest.mark.parametrize("version", ["0.4", "1.0", "10.0"])
def test_a_newer_protocol_version_is_unsupported(rpc, builder, monkeypatch, capsys, caplog, version):
    with caplog.at_level(logging.DEBUG, logger="aws_lambda_builders"):
        code, out, _ = _main(rpc, monkeypatch, capsys, _request(__protocol_version=version))

    assert code == 1
    assert json.loads(out) == {"jsonrpc": "2.0", "id": 42,
                               "error": {"code": 505, "message": "Unsupported Protocol Version"}}
    assert builder.made == []
    assert f"Incompatible Protocol Version : {float(version)}, Current Protocol Version: 0.3" in caplog.text


@pytest.mark.parametrize("version", ["0.3.1", "3", "", "a.b", "0.3 ", "0x3"])
def test_a_malformed_protocol_version_is_unsupported(rpc, builder, monkeypatch, capsys, version):
    # "0x3" matches the pattern (its dot is unescaped, as in aws-lambda-builders) and then fails float().
    code, out, _ = _main(rpc, monkeypatch, capsys, _request(__protocol_version=version))

    assert code == 1
    assert json.loads(out)["error"] == {"code": 505, "message": "Unsupported Protocol Version"}
    assert builder.made == []


def test_a_malformed_version_is_logged_with_the_pattern(rpc, builder, monkeypatch, capsys, caplog):
    with caplog.at_level(logging.DEBUG, logger="aws_lambda_builders"):
        _main(rpc, monkeypatch, capsys, _request(__protocol_version="0.3.1"))

    assert "Protocol Version does not match : ^([0-9])+.([0-9]+)$" in caplog.text


@pytest.mark.parametrize("version", ["0.1", "0.2", "0.3", "0.30"])
def test_older_and_equal_protocol_versions_are_accepted(rpc, builder, monkeypatch, capsys, version):
    code, out, _ = _main(rpc, monkeypatch, capsys, _request(__protocol_version=version))

    assert (code, json.loads(out)["result"]) == (0, {"artifacts_dir": "/artifacts"})


def test_version_compatibility_check_takes_a_number_and_refuses_only_newer(rpc):
    rpc.version_compatibility_check(0.3)
    rpc.version_compatibility_check(0.1)
    with pytest.raises(ValueError, match="Incompatible Protocol Version : 0.4, Current Protocol Version: 0.3"):
        rpc.version_compatibility_check(0.4)


def test_version_regex_is_aws_lambda_builders_own(rpc):
    assert rpc.VERSION_REGEX.pattern == "^([0-9])+.([0-9]+)$"


@pytest.mark.parametrize("error", [
    WorkflowNotFoundError(language="nodejs", dependency_manager="npm", application_framework=None),
    WorkflowFailedError(workflow_name="PythonPipBuilder", action_name="ResolveDependencies", reason="no such pkg"),
    WorkflowUnknownError(workflow_name="PythonPipBuilder", action_name="CopySource", reason="disk full"),
], ids=lambda e: type(e).__name__)
def test_workflow_errors_answer_400_with_their_text(rpc, builder, monkeypatch, capsys, caplog, error):
    builder.error = error
    with caplog.at_level(logging.DEBUG, logger="aws_lambda_builders"):
        code, out, _ = _main(rpc, monkeypatch, capsys, _request())

    assert code == 1
    assert json.loads(out) == {"jsonrpc": "2.0", "id": 42, "error": {"code": 400, "message": str(error)}}
    assert "Builder workflow failed" in caplog.text and "Traceback" in caplog.text


def test_a_workflow_not_found_from_the_constructor_answers_400(rpc, monkeypatch, capsys):
    # The real LambdaBuilder: only python/pip builds.
    request = _request(capability={"language": "nodejs", "dependency_manager": "npm", "application_framework": None})

    code, out, _ = _main(rpc, monkeypatch, capsys, request)

    assert code == 1
    assert json.loads(out)["error"] == {
        "code": 400, "message": "Unable to find a workflow matching given capability: nodejs, npm, None"}


@pytest.mark.parametrize("error", [RuntimeError("boom"), OSError(28, "No space left on device")])
def test_any_other_exception_answers_500_with_its_text(rpc, builder, monkeypatch, capsys, caplog, error):
    builder.error = error
    with caplog.at_level(logging.DEBUG, logger="aws_lambda_builders"):
        code, out, _ = _main(rpc, monkeypatch, capsys, _request())

    assert code == 1
    assert json.loads(out)["error"] == {"code": 500, "message": str(error)}
    assert "Builder crashed" in caplog.text


@pytest.mark.parametrize("key", ["source_dir", "artifacts_dir", "scratch_dir", "manifest_path", "runtime",
                                 "optimizations", "options"])
def test_a_missing_required_build_parameter_answers_500(rpc, builder, monkeypatch, capsys, key):
    request = _request()
    del request["params"][key]

    code, out, _ = _main(rpc, monkeypatch, capsys, request)

    assert code == 1
    assert json.loads(out)["error"] == {"code": 500, "message": repr(key)}


def test_a_missing_capability_key_answers_500(rpc, builder, monkeypatch, capsys):
    request = _request(capability={"language": "python", "dependency_manager": "pip"})

    code, out, _ = _main(rpc, monkeypatch, capsys, request)

    assert (code, json.loads(out)["error"]) == (1, {"code": 500, "message": "'application_framework'"})


@pytest.mark.parametrize("request_text, error", [
    ("not json", json.JSONDecodeError),
    ('{"method": "LambdaBuilder.build", "params": {}}', KeyError),
    ('{"id": 1, "params": {}}', KeyError),
    ('{"id": 1, "method": "LambdaBuilder.build"}', KeyError),
    ('{"id": 1, "method": "LambdaBuilder.build", "params": {"__protocol_version": "0.3"}}', KeyError),
    ('{"id": 1, "method": "LambdaBuilder.build", "params": {"capability": {}}}', TypeError),
], ids=["invalid-json", "no-id", "no-method", "no-params", "no-capability", "no-protocol-version"])
def test_requests_that_are_not_answered_raise_and_write_nothing(rpc, builder, monkeypatch, capsys, request_text,
                                                                error):
    monkeypatch.setattr(sys, "argv", ["lambda-builders", request_text])

    with pytest.raises(error):
        rpc.main()

    assert capsys.readouterr().out == ""
    assert builder.made == []


def test_the_module_level_names_of_the_contract(rpc):
    assert rpc.LOG.name == "aws_lambda_builders.__main__"
    assert isinstance(rpc.log_level, int)
    assert callable(rpc.main) and callable(rpc.version_compatibility_check)


# Through real processes: the wiring as SAM's container build runs it.

def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAMBDA_BUILDERS_", "PIP_"))}
    env.update(extra)
    return env


def _run(command, stdin="", **env):
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120, env=_env(**env))


NOT_FOUND = json.dumps(_request(capability={"language": "nodejs", "dependency_manager": "npm",
                                            "application_framework": None}))
NOT_FOUND_ANSWER = ('{"jsonrpc": "2.0", "id": 42, "error": {"code": 400, "message": '
                    '"Unable to find a workflow matching given capability: nodejs, npm, None"}}')


def test_python_m_answers_a_request_given_as_argument():
    result = _run([sys.executable, "-m", "aws_lambda_builders", NOT_FOUND])

    assert (result.returncode, result.stdout) == (1, NOT_FOUND_ANSWER)


def test_python_m_answers_a_request_read_from_stdin():
    result = _run([sys.executable, "-m", "aws_lambda_builders"], stdin=NOT_FOUND)

    assert (result.returncode, result.stdout) == (1, NOT_FOUND_ANSWER)


@pytest.mark.parametrize("request_, answer", [
    (_request(method="Other"),
     '{"jsonrpc": "2.0", "id": 42, "error": {"code": -32601, "message": "Method unavailable"}}'),
    (_request(__protocol_version="9.9"),
     '{"jsonrpc": "2.0", "id": 42, "error": {"code": 505, "message": "Unsupported Protocol Version"}}'),
    ({**_request(), "params": {k: v for k, v in _params().items() if k != "runtime"}},
     '{"jsonrpc": "2.0", "id": 42, "error": {"code": 500, "message": "\'runtime\'"}}'),
], ids=["method", "version", "missing-param"])
def test_python_m_error_answers(request_, answer):
    result = _run([sys.executable, "-m", "aws_lambda_builders", json.dumps(request_)])

    assert (result.returncode, result.stdout) == (1, answer)


def test_python_m_leaves_stdout_empty_for_invalid_json_and_shows_the_traceback():
    result = _run([sys.executable, "-m", "aws_lambda_builders", "{not json"])

    assert (result.returncode, result.stdout) == (1, "")
    assert "Traceback" in result.stderr and "JSONDecodeError" in result.stderr


def test_logging_goes_to_stderr_at_the_level_of_the_environment():
    debug = _run([sys.executable, "-m", "aws_lambda_builders", NOT_FOUND], LAMBDA_BUILDERS_LOG_LEVEL="10")
    default = _run([sys.executable, "-m", "aws_lambda_builders", NOT_FOUND])

    assert debug.stdout == default.stdout == NOT_FOUND_ANSWER
    assert "Using the request object from command line argument" in debug.stderr
    assert "Builder workflow failed" in debug.stderr and "Traceback" in debug.stderr
    assert "Using the request object" not in default.stderr and "Traceback" not in default.stderr


def test_the_log_level_is_read_as_a_number_at_import():
    script = ("import logging, aws_lambda_builders.__main__ as m; "
              "print(m.log_level, logging.getLogger().level, logging.getLogger().handlers[0].stream.name)")

    assert _run([sys.executable, "-c", script], LAMBDA_BUILDERS_LOG_LEVEL="30").stdout.split() == [
        "30", "30", "<stderr>"]
    assert _run([sys.executable, "-c", script]).stdout.split()[:2] == ["20", "20"]
    named = _run([sys.executable, "-c", script], LAMBDA_BUILDERS_LOG_LEVEL="DEBUG")
    assert named.returncode == 1 and "ValueError" in named.stderr, "a level name fails, as upstream"


def test_importing_the_module_runs_nothing():
    result = _run([sys.executable, "-c", "import aws_lambda_builders.__main__"], stdin=NOT_FOUND)

    assert (result.returncode, result.stdout) == (0, "")


def test_python_m_cli_runs_the_lambda_pip_command_line():
    result = _run([sys.executable, "-m", "aws_lambda_builders.cli", "--version"])

    assert (result.returncode, result.stdout.strip()) == (0, f"lambda-pip {aws_lambda_builders.__version__}")


def test_setup_cfg_declares_the_lambda_builders_console_script():
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, "setup.cfg"))
    scripts = config["options.entry_points"]["console_scripts"].split("\n")

    assert "lambda-builders = aws_lambda_builders.__main__:main" in scripts
    assert "lambda-pip = aws_lambda_builders.cli:main" in scripts


def _installed_script(name):
    entry_points = importlib.metadata.distribution("lambda-pip").entry_points
    if name not in [e.name for e in entry_points if e.group == "console_scripts"]:
        pytest.fail(f"the installed metadata predates the {name} script: run `pip install -e .` again")
    script = shutil.which(name, path=os.path.dirname(sys.executable))
    assert script, f"{name} is declared by the installed distribution but is not beside {sys.executable}"
    return script


def test_the_installed_lambda_builders_script_answers_as_sam_calls_it():
    script = _installed_script("lambda-builders")

    from_argument = _run([script, NOT_FOUND], LAMBDA_BUILDERS_LOG_LEVEL="20")
    from_stdin = _run([script], stdin=NOT_FOUND)

    assert (from_argument.returncode, from_argument.stdout) == (1, NOT_FOUND_ANSWER)
    assert (from_stdin.returncode, from_stdin.stdout) == (1, NOT_FOUND_ANSWER)
