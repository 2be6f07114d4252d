"""The lambda-pip command line, with the builder replaced by a recording fake."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile

import pytest

import aws_lambda_builders
from aws_lambda_builders import cli
from aws_lambda_builders.workflows.python_pip import packager
from aws_lambda_builders.workflows.python_pip.exceptions import (
    MissingDependencyError,
    NoSuchPackageError,
    PackageDownloadError,
)
from aws_lambda_builders.workflows.python_pip.utils import UI, Config
from aws_lambda_builders.workflows.python_pip.wheel_install import install_wheel
from tests.builders import elf_with_glibc_needs, make_wheel


class FakeBuilder:
    """Stands in for the packager's DependencyBuilder (steps 1 to 9); records what the build gives it."""

    instances = []
    raise_error = None
    dist_infos = ("x-1.0.dist-info",)
    placement = None  # nothing placed from the cache

    def __init__(self, *args, **kwargs):
        self.init_args = args
        self.init_kwargs = kwargs
        self.build_args = None
        self.build_kwargs = None
        self.scratch_existed = None
        FakeBuilder.instances.append(self)

    def install_dependencies(self, requirements, output, scratch, ui, config, cache, skip=()):
        self.build_args = (output, scratch, requirements)
        self.build_kwargs = {"ui": ui, "config": config}
        self.scratch_existed = os.path.isdir(scratch)
        if ui is not None:
            ui.step_started("download")
            ui.write("downloaded x-1.0-py3-none-any.whl")
            ui.step_started("install")
        for name in self.dist_infos:
            os.makedirs(os.path.join(output, name), exist_ok=True)
        if self.raise_error is not None:
            if ui is not None:
                ui.error("missing foo: no wheel")
            raise self.raise_error
        return None, None  # nothing placed from the cache, nothing missing


@pytest.fixture
def fake(monkeypatch):
    FakeBuilder.instances = []
    FakeBuilder.raise_error = None
    FakeBuilder.dist_infos = ("x-1.0.dist-info",)
    # The build imports the packager only when the cache cannot place the build.
    monkeypatch.setattr(packager, "DependencyBuilder", FakeBuilder)
    return FakeBuilder


@pytest.fixture
def project(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("x==1.0\n")
    return str(requirements), str(tmp_path / "out")


def _run(argv):
    """The exit code, and what was printed on stderr and stdout, in order."""
    stream = io.StringIO()
    code = cli.main(argv, stream=stream, out=stream)
    return code, stream.getvalue()


def _builder(fake):
    assert len(fake.instances) == 1
    return fake.instances[0]


def test_successful_build_exits_0_with_summary(fake, project):
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])
    assert code == 0
    assert f"built 1 distributions into {output} for python3.12 on x86_64" in text.splitlines()


def test_summary_counts_every_dist_info(fake, project):
    fake.dist_infos = ("a-1.0.dist-info", "b-2.0.dist-info", "c-3.dist-info")
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.13", "--architecture", "arm64"])
    assert code == 0
    assert f"built 3 distributions into {output} for python3.13 on arm64" in text.splitlines()


def test_runtime_architecture_and_python_reach_the_builder(fake, project):
    requirements, output = project
    code, _ = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.11",
                    "--architecture", "arm64", "--python", "/opt/python3.11/bin/python"])
    assert code == 0
    builder = _builder(fake)
    passed = dict(builder.init_kwargs)
    if builder.init_args:  # positional form: (runtime, python_exe)
        passed.update(zip(("runtime", "python_exe"), builder.init_args))
    assert passed["runtime"] == "python3.11"
    assert passed["architecture"] == "arm64"
    assert passed["python_exe"] == "/opt/python3.11/bin/python"


def test_defaults_are_x86_64_and_this_python(fake, project):
    requirements, output = project
    _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])
    builder = _builder(fake)
    assert builder.init_kwargs["architecture"] == "x86_64"
    assert builder.init_kwargs["python_exe"] == sys.executable


def test_paths_reach_build_dependencies_absolute(fake, project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _ = _run(["build", "-r", "requirements.txt", "-o", "out", "--runtime", "python3.12"])
    assert code == 0
    builder = _builder(fake)
    output, scratch, requirements = builder.build_args
    assert os.path.dirname(output) == str(tmp_path), "built beside the output, then put in its place"
    assert os.path.basename(output).startswith(".out.lambda-pip-staging-")
    assert os.path.isdir(tmp_path / "out") and not os.path.exists(output)
    assert requirements == str(tmp_path / "requirements.txt")
    assert os.path.isabs(scratch)
    assert builder.scratch_existed
    assert not os.path.exists(scratch), "the scratch directory is removed after the build"
    assert isinstance(builder.build_kwargs["ui"], UI)


def test_scratch_dir_option_is_used_and_cleaned(fake, project, tmp_path):
    requirements, output = project
    scratch_parent = tmp_path / "scratch"
    scratch_parent.mkdir()
    _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12", "--scratch-dir", str(scratch_parent)])
    _output, scratch, _requirements = _builder(fake).build_args
    assert os.path.dirname(scratch) == str(scratch_parent)
    assert os.listdir(scratch_parent) == []


def test_scratch_directories_of_killed_builds_are_removed_and_those_of_running_ones_kept(fake, project, tmp_path,
                                                                                       monkeypatch):
    requirements, output = project
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    (temp / f"lambda-pip-build-{ended.pid}-abcd1234" / "tmp" / "pip-unpack-x").mkdir(parents=True)
    (temp / f"lambda-pip-build-{os.getppid()}-abcd1234").mkdir()  # a build running now
    (temp / "pip-unpack-someone-elses").mkdir()

    code, _ = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])

    assert code == 0
    _output, scratch, _requirements = _builder(fake).build_args
    assert os.path.basename(scratch).startswith(f"lambda-pip-build-{os.getpid()}-")
    assert sorted(os.listdir(temp)) == [f"lambda-pip-build-{os.getppid()}-abcd1234", "pip-unpack-someone-elses"]


def test_index_options_reach_config(fake, project):
    requirements, output = project
    code, _ = _run([
        "build", "-r", requirements, "-o", output, "--runtime", "python3.12",
        "-i", "https://idx.example/simple",
        "--extra-index-url", "https://a.example/simple",
        "--extra-index-url", "https://b.example/simple",
        "-f", "/wheels", "--find-links", "https://links.example/",
        "--trusted-host", "idx.example", "--trusted-host", "a.example",
    ])
    assert code == 0
    config = _builder(fake).build_kwargs["config"]
    assert isinstance(config, Config)
    assert config.index_url == "https://idx.example/simple"
    assert list(config.extra_index_urls) == ["https://a.example/simple", "https://b.example/simple"]
    assert list(config.find_links) == ["/wheels", "https://links.example/"]
    assert list(config.trusted_hosts) == ["idx.example", "a.example"]
    assert config.pip_options() == [
        "--index-url", "https://idx.example/simple",
        "--extra-index-url", "https://a.example/simple",
        "--extra-index-url", "https://b.example/simple",
        "--find-links", "/wheels",
        "--find-links", "https://links.example/",
        "--trusted-host", "idx.example",
        "--trusted-host", "a.example",
    ]


def test_without_index_options_config_adds_nothing(fake, project):
    requirements, output = project
    _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])
    assert _builder(fake).build_kwargs["config"].pip_options() == []


def test_missing_dependency_exits_1_and_prints_why(fake, project):
    fake.raise_error = MissingDependencyError(["numpy==2.1.0"], {"numpy==2.1.0": "no wheel for python3.11 on arm64"})
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.11", "--architecture", "arm64"])
    assert code == 1
    assert "error: Could not install dependencies for the Lambda target:" in text
    assert "numpy==2.1.0: no wheel for python3.11 on arm64" in text
    assert "built 1 distributions" not in text


def test_no_such_package_exits_3_and_prints_it(fake, project):
    fake.raise_error = NoSuchPackageError("nosuchpackage==9.9")
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])
    assert code == 3
    assert "error: Could not satisfy the requirement: nosuchpackage==9.9" in text


def test_other_packager_errors_exit_3(fake, project):
    fake.raise_error = PackageDownloadError("pip download failed")
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])
    assert code == 3
    assert "error: pip download failed" in text


@pytest.mark.parametrize("runtime", ["python3.7", "python2.7", "python3.16", "nodejs20.x"])
def test_unknown_runtime_is_a_usage_error(fake, project, runtime, capsys):
    requirements, output = project
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["build", "-r", requirements, "-o", output, "--runtime", runtime], stream=io.StringIO())
    assert excinfo.value.code == 2
    assert runtime in capsys.readouterr().err
    assert fake.instances == []


def test_runtime_defaults_to_the_running_pythons(fake, project):
    host_runtime = "python%d.%d" % sys.version_info[:2]
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output])
    assert code == 0
    assert _builder(fake).init_kwargs["runtime"] == host_runtime
    assert f"for {host_runtime} on x86_64" in text


def test_unknown_architecture_is_a_usage_error(fake, project):
    requirements, output = project
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["build", "-r", requirements, "-o", output, "--runtime", "python3.12", "--architecture", "aarch64"],
                 stream=io.StringIO())
    assert excinfo.value.code == 2
    assert fake.instances == []


@pytest.mark.parametrize(
    "argv",
    [
        ["build", "-o", "out", "--runtime", "python3.12"],  # no -r
        ["build", "-r", "requirements.txt", "--runtime", "python3.12"],  # no -o
        [],  # no command
        ["frobnicate"],
    ],
    ids=["missing-requirements", "missing-output", "no-command", "unknown-command"],
)
def test_incomplete_command_line_is_a_usage_error(fake, argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as excinfo:
        cli.main(argv, stream=io.StringIO())
    assert excinfo.value.code == 2
    assert "usage: lambda-pip" in capsys.readouterr().err
    assert fake.instances == []


def test_progress_lines_are_printed_by_default(fake, project):
    requirements, output = project
    _code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])
    lines = text.splitlines()
    assert lines[0] == "[1/9] download"
    assert "  downloaded x-1.0-py3-none-any.whl" in lines
    assert "[8/9] install" in lines


def test_quiet_prints_no_step_lines_only_the_result(fake, project):
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12", "--quiet"])
    assert code == 0
    lines = text.splitlines()
    assert lines[0] == f"built 1 distributions into {output} for python3.12 on x86_64"
    assert lines[1].startswith("unzipped ") and lines[2].startswith("zipped "), "then the size report"
    assert not [line for line in lines if line.startswith("[")], "no step lines"


def test_quiet_still_prints_errors(fake, project):
    fake.raise_error = MissingDependencyError(["foo"], {"foo": "no wheel"})
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12", "-q"])
    assert code == 1
    assert "[1/9]" not in text
    assert "downloaded" not in text
    assert "  missing foo: no wheel" in text
    assert "foo: no wheel" in text


def test_python_m_cli_version_prints_the_version():
    result = subprocess.run([sys.executable, "-m", "aws_lambda_builders.cli", "--version"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout.strip() == f"lambda-pip {aws_lambda_builders.__version__}"


def test_main_version_exits_0(capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["--version"])
    assert excinfo.value.code == 0
    assert aws_lambda_builders.__version__ in capsys.readouterr().out


def test_scratch_dir_that_does_not_exist_is_created(fake, project, tmp_path):
    requirements, output = project
    scratch = tmp_path / "new" / "scratch"
    code, _ = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.11",
                    "--scratch-dir", str(scratch)])

    assert code == 0
    assert _builder(fake).scratch_existed
    assert os.listdir(scratch) == []


def test_file_system_error_is_reported_with_exit_code_6(fake, project):
    requirements, output = project
    fake.raise_error = PermissionError(13, "Permission denied", output)

    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.11"])

    assert code == 6
    assert "error: [Errno 13] Permission denied" in text


# --- lambda-pip check ---------------------------------------------------------------------------


def _check_bundle_dir(tmp_path, extension_name, extension_bytes, tag="py3-none-any"):
    bundle = tmp_path / "bundle"
    (bundle / "pkg").mkdir(parents=True)
    (bundle / "pkg" / "__init__.py").write_text("")
    (bundle / "pkg" / extension_name).write_bytes(extension_bytes)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    install_wheel(make_wheel(str(wheels), "dep", "1.0", tag=tag, files={"dep/__init__.py": b""}), str(bundle))
    return str(bundle)


@pytest.fixture
def clean_bundle(tmp_path):
    return _check_bundle_dir(tmp_path, "_x.cpython-312-aarch64-linux-gnu.so",
                             elf_with_glibc_needs("aarch64", ["GLIBC_2.17"]))


@pytest.fixture
def bad_bundle(tmp_path):
    return _check_bundle_dir(tmp_path, "_x.cpython-312-x86_64-linux-gnu.so",
                             elf_with_glibc_needs("x86_64", ["GLIBC_2.17"]),
                             tag="cp312-cp312-macosx_11_0_arm64")


def test_check_clean_bundle_exits_0_with_ok_summary(clean_bundle):
    code, text = _run(["check", clean_bundle, "--runtime", "python3.12", "--architecture", "arm64"])
    assert code == 0
    assert text.splitlines() == [
        f"{clean_bundle}: ok for python3.12 on arm64 (1 distributions, 1 binaries checked)"
    ]


def test_check_bad_bundle_exits_1_and_prints_each_problem(bad_bundle):
    code, text = _run(["check", bad_bundle, "--runtime", "python3.12", "--architecture", "arm64"])
    assert code == 1
    lines = text.splitlines()
    extension = os.path.join("pkg", "_x.cpython-312-x86_64-linux-gnu.so")
    assert f"elf-machine: {extension}: is built for x86_64; arm64 needs aarch64" in lines
    assert any(line.startswith(f"extension: {extension}: is a cpython-312-x86_64-linux-gnu extension")
               for line in lines)
    assert any(line.startswith(f"wheel-tags: {os.path.join('dep-1.0.dist-info', 'WHEEL')}: ") and "macosx" in line
               for line in lines)
    assert lines[-1] == f"{bad_bundle}: 3 problem(s) for python3.12 on arm64 (1 distributions, 1 binaries checked)"


def test_check_same_bundle_is_ok_for_the_architecture_it_was_built_for(tmp_path):
    bundle = _check_bundle_dir(tmp_path, "_x.cpython-311-x86_64-linux-gnu.so",
                               elf_with_glibc_needs("x86_64", ["GLIBC_2.17"]))
    assert _run(["check", bundle, "--runtime", "python3.11", "--architecture", "x86_64"])[0] == 0
    assert _run(["check", bundle, "--runtime", "python3.11", "--architecture", "arm64"])[0] == 1
    assert _run(["check", bundle, "--runtime", "python3.12", "--architecture", "x86_64"])[0] == 1


def test_check_architecture_defaults_to_x86_64(tmp_path):
    bundle = _check_bundle_dir(tmp_path, "_x.cpython-312-x86_64-linux-gnu.so",
                               elf_with_glibc_needs("x86_64", ["GLIBC_2.17"]))
    code, text = _run(["check", bundle, "--runtime", "python3.12"])
    assert code == 0
    assert "ok for python3.12 on x86_64" in text


def test_check_json_prints_a_json_document_on_stdout(bad_bundle, capsys):
    stream = io.StringIO()
    code = cli.main(["check", bad_bundle, "--runtime", "python3.12", "--architecture", "arm64", "--json"],
                    stream=stream)
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    assert document["runtime"] == "python3.12"
    assert document["architecture"] == "arm64"
    assert sorted(p["kind"] for p in document["problems"]) == ["elf-machine", "extension", "wheel-tags"]
    assert stream.getvalue() == ""  # the text report is not printed as well


def test_check_json_of_a_clean_bundle_is_ok(clean_bundle, capsys):
    code = cli.main(["check", clean_bundle, "--runtime", "python3.12", "--architecture", "arm64", "--json"],
                    stream=io.StringIO())
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True
    assert document["problems"] == []
    assert document["shared_objects"] == 1
    assert document["distributions"] == 1


def test_check_with_requirements_reports_missing_requirements(clean_bundle, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("dep==1.0\nnumpy>=2\n")
    code, text = _run(["check", clean_bundle, "--runtime", "python3.12", "--architecture", "arm64",
                       "-r", str(requirements)])
    assert code == 1
    assert "missing-requirement: numpy>=2 (requirements.txt:2) has no dist-info in the bundle" in text.splitlines()
    assert "dep==1.0" not in text
    assert "1 problem(s)" in text


def test_check_with_satisfied_requirements_exits_0(clean_bundle, tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text('dep==1.0\nuvloop; platform_machine == "x86_64"\n')
    code, text = _run(["check", clean_bundle, "--runtime", "python3.12", "--architecture", "arm64",
                       "--requirements", str(requirements)])
    assert code == 0
    assert ": ok for python3.12 on arm64" in text


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_check_path_that_is_not_a_directory_exits_5(tmp_path, kind):
    path = tmp_path / "nothing-here"
    if kind == "file":
        path.write_text("not a bundle")
    code, text = _run(["check", str(path), "--runtime", "python3.12"])
    assert code == 5
    assert f"error: {path} is not a directory" in text


def test_check_missing_requirements_file_exits_5(clean_bundle, tmp_path):
    code, text = _run(["check", clean_bundle, "--runtime", "python3.12", "--architecture", "arm64",
                       "-r", str(tmp_path / "no-such-requirements.txt")])
    assert code == 5
    assert "no-such-requirements.txt" in text


def _dist_info(bundle, name, version, requires=()):
    directory = os.path.join(bundle, f"{name}-{version}.dist-info")
    os.makedirs(directory)
    with open(os.path.join(directory, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                + "".join(f"Requires-Dist: {line}\n" for line in requires))
    with open(os.path.join(directory, "WHEEL"), "w") as f:
        f.write("Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n")


def test_check_follows_a_requirements_extras_into_the_installed_metadata(clean_bundle, tmp_path):
    _dist_info(clean_bundle, "psycopg", "3.2.1",
               ["typing-extensions>=4.4", 'psycopg-binary==3.2.1; implementation_name != "pypy" and extra == "binary"'])
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("psycopg[binary]>=3\n")
    argv = ["check", clean_bundle, "--runtime", "python3.12", "--architecture", "arm64", "-r", str(requirements)]
    code, text = _run(argv)
    assert code == 1
    assert text.splitlines() == [
        'missing-requirement: psycopg[binary]>=3 (requirements.txt:1) needs psycopg-binary (its extra "binary"), '
        "which has no dist-info in the bundle",
        f"{clean_bundle}: 1 problem(s) for python3.12 on arm64 (2 distributions, 1 binaries checked)"]
    _dist_info(clean_bundle, "psycopg_binary", "3.2.1")
    assert _run(argv) == (0, f"{clean_bundle}: ok for python3.12 on arm64 (3 distributions, 1 binaries checked)\n")


UV_LOCK = """
version = 1
requires-python = ">=3.10"

[[package]]
name = "my-function"
version = "0.1.0"
source = { virtual = "." }
dependencies = [{ name = "dep" }, { name = "orjson" }, { name = "six" }]

[package.optional-dependencies]
yaml = [{ name = "pyyaml" }]

[[package]]
name = "dep"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/dep-1.0-py3-none-any.whl", hash = "sha256:1111" }]

[[package]]
name = "orjson"
version = "3.10.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/orjson-3.10.0-cp312-cp312-manylinux_2_17_aarch64.whl", hash = "sha256:2222" }]

[[package]]
name = "six"
version = "1.17.0"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/six-1.17.0-py2.py3-none-any.whl", hash = "sha256:3333" }]

[[package]]
name = "pyyaml"
version = "6.0.2"
source = { registry = "https://pypi.org/simple" }
wheels = [{ url = "https://files.example/PyYAML-6.0.2-cp312-cp312-manylinux_2_17_aarch64.whl", hash = "sha256:4444" }]
"""


def test_check_with_a_uv_lock_names_the_release_missing_and_the_one_at_another_version(clean_bundle, tmp_path):
    _dist_info(clean_bundle, "orjson", "3.9.0")
    lock = tmp_path / "uv.lock"
    lock.write_text(UV_LOCK)
    code, text = _run(["check", clean_bundle, "--runtime", "python3.12", "--architecture", "arm64",
                       "-r", str(lock), "--extra", "yaml"])
    assert code == 1
    assert text.splitlines()[:3] == [
        "missing-requirement: orjson==3.10.0 (uv.lock) is installed at 3.9.0, not the locked 3.10.0",
        "missing-requirement: pyyaml==6.0.2 (uv.lock) has no dist-info in the bundle",
        "missing-requirement: six==1.17.0 (uv.lock) has no dist-info in the bundle"]
    assert text.splitlines()[3].endswith(": 3 problem(s) for python3.12 on arm64 (2 distributions, 1 binaries checked)")


def test_check_json_reports_a_lock_told_by_input_format(clean_bundle, tmp_path, capsys):
    lock = tmp_path / "locked.toml"
    lock.write_text(UV_LOCK)
    code = cli.main(["check", clean_bundle, "--runtime", "python3.12", "--architecture", "arm64", "-r", str(lock),
                     "--input-format", "uv.lock", "--json"], stream=io.StringIO())
    assert code == 1
    assert [(p["kind"], p["message"]) for p in json.loads(capsys.readouterr().out)["problems"]] == [
        ("missing-requirement", "orjson==3.10.0 (locked.toml) has no dist-info in the bundle"),
        ("missing-requirement", "six==1.17.0 (locked.toml) has no dist-info in the bundle")]


def test_check_with_a_locks_unknown_extra_exits_5(clean_bundle, tmp_path):
    lock = tmp_path / "uv.lock"
    lock.write_text(UV_LOCK)
    code, text = _run(["check", clean_bundle, "--runtime", "python3.12", "-r", str(lock), "--extra", "gpu"])
    assert code == 5
    assert text.startswith(f"error: {lock}: my-function has no extra gpu (the lock has: yaml)")


def test_check_with_an_unreadable_lock_exits_5(clean_bundle, tmp_path):
    lock = tmp_path / "pylock.toml"
    lock.write_text("lock-version = [\n")
    code, text = _run(["check", clean_bundle, "--runtime", "python3.12", "-r", str(lock)])
    assert code == 5
    assert text.startswith(f"error: {lock}: not valid TOML")


def test_check_input_options_without_an_input_are_a_usage_error(clean_bundle):
    code, text = _run(["check", clean_bundle, "--runtime", "python3.12", "--extra", "yaml"])
    assert code == 2
    assert text == "error: --input-format, --extra and --group are options of -r INPUT, which is not given\n"


def test_check_without_bundle_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as excinfo:
        cli.main(["check", "--runtime", "python3.12"], stream=io.StringIO())
    assert excinfo.value.code == 2
    assert "usage: lambda-pip check" in capsys.readouterr().err


def test_bundle_over_the_unzipped_limit_fails_naming_its_biggest_packages(fake, project, monkeypatch):
    from aws_lambda_builders.workflows.python_pip.size_budget import SizeReport

    from aws_lambda_builders.workflows.python_pip import size_budget

    monkeypatch.setattr(size_budget, "measure", lambda directory, zipped, **kwargs: SizeReport(
        300_000_000, zipped, [("numpy", 200_000_000), ("pandas", 90_000_000)]))
    requirements, output = project
    os.makedirs(output)
    open(os.path.join(output, "previous.py"), "w").close()

    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])

    assert code == 5
    assert "286.1 MiB unzipped, over Lambda's 250 MiB limit" in text and "Biggest: numpy, pandas" in text
    assert os.listdir(output) == ["previous.py"], "an oversize bundle does not replace the output"
    assert _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12", "--allow-oversize"])[0] == 0
    assert "x-1.0.dist-info" in os.listdir(output)


def test_source_inside_the_output_is_refused_before_anything_is_touched(fake, project, tmp_path):
    requirements, output = project
    source = os.path.join(output, "src")
    os.makedirs(source)
    open(os.path.join(source, "app.py"), "w").close()

    code, text = _run(["build", "-r", requirements, "-o", output, "--source", source, "--runtime", "python3.12"])

    assert code == 5
    assert "function's source" in text
    assert os.listdir(source) == ["app.py"]
    assert fake.instances == []


def test_missing_source_directory_is_an_input_error(fake, project, tmp_path):
    requirements, output = project

    code, text = _run(["build", "-r", requirements, "-o", output, "--source", str(tmp_path / "nope"),
                       "--runtime", "python3.12"])

    assert code == 5
    assert "Source directory not found" in text


def test_json_summary_is_printed_for_a_failed_build_too(fake, project, capsys):
    fake.raise_error = MissingDependencyError(["foo==1.0"], {"foo==1.0": "no wheel for python3.12 on arm64"})
    requirements, output = project

    code = cli.main(["build", "-r", requirements, "-o", output, "--runtime", "python3.12", "--json"],
                    stream=io.StringIO())

    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["ok"] is False and document["exit_code"] == 1
    assert document["missing"] == [{"package": "foo==1.0", "reason": "no wheel for python3.12 on arm64"}]


def test_json_of_an_interrupted_build_is_one_document(fake, project, capsys):
    fake.raise_error = KeyboardInterrupt()
    requirements, output = project
    os.makedirs(output)
    open(os.path.join(output, "previous.py"), "w").close()

    stream = io.StringIO()
    code = cli.main(["build", "-r", requirements, "-o", output, "--runtime", "python3.12", "--json"], stream=stream)
    text = stream.getvalue()

    document = json.loads(capsys.readouterr().out)
    assert code == 130 and document["exit_code"] == 130 and document["ok"] is False
    assert "interrupted: the output directory is as it was" in document["error"] and "interrupted" in text
    assert os.listdir(output) == ["previous.py"]


def test_cache_info_and_prune_say_what_the_cache_holds_and_what_went(tmp_path):
    from aws_lambda_builders.workflows.python_pip.cache import BuildCache

    cache_dir = tmp_path / "cache"
    out = tmp_path / "out"
    out.mkdir()
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    BuildCache(str(cache_dir)).store("k1", BuildCache(str(cache_dir)).place_wheels(
        [make_wheel(str(wheels), "aaa", "1.0")], str(out)))

    stream = io.StringIO()
    assert cli.main(["cache", "info", "--cache-dir", str(cache_dir)], out=stream, stream=io.StringIO()) == 0
    assert stream.getvalue().startswith(f"{cache_dir}: 1 build(s), 1 unpacked wheel(s) and 0 wheel(s) built")

    stream = io.StringIO()
    # 30 days by default
    assert cli.main(["cache", "prune", "--cache-dir", str(cache_dir)], out=stream, stream=io.StringIO()) == 0
    assert stream.getvalue().splitlines()[0] == (
        "removed 0 build(s), 0 unpacked wheel(s) and 0 wheel(s) built from sdists unused for 30 days (0 bytes)")


def test_cache_prune_older_than_zero_empties_it_and_reports_json(tmp_path, capsys):
    from aws_lambda_builders.workflows.python_pip.cache import BuildCache

    cache_dir = tmp_path / "cache"
    out = tmp_path / "out"
    out.mkdir()
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    BuildCache(str(cache_dir)).place_wheels([make_wheel(str(wheels), "aaa", "1.0")], str(out))

    assert cli.main(["cache", "prune", "--older-than", "0", "--json", "--cache-dir", str(cache_dir)],
                    stream=io.StringIO()) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["cache_dir"] == str(cache_dir)
    assert result["removed"]["trees"] == 1 and result["removed"]["size_bytes"] > 0
    assert result["holds"] == {"builds": 0, "trees": 0, "built": 0, "size_bytes": 0}


@pytest.mark.parametrize("days", ["-1", "soon", "nan"])
def test_cache_prune_refuses_a_period_that_is_not_a_number_of_days(tmp_path, days, capsys):
    with pytest.raises(SystemExit) as raised:
        cli.main(["cache", "prune", "--older-than", days, "--cache-dir", str(tmp_path)])
    assert raised.value.code == 2
    assert "expected a number of days" in capsys.readouterr().err


def test_cache_dir_defaults_to_the_environments(tmp_path, monkeypatch):
    monkeypatch.setenv("LAMBDA_PIP_CACHE_DIR", str(tmp_path / "from-env"))
    stream = io.StringIO()
    assert cli.main(["cache", "info"], out=stream, stream=io.StringIO()) == 0
    assert stream.getvalue().startswith(f"{tmp_path / 'from-env'}: 0 build(s)")


def _cache_with_one_build(tmp_path):
    from aws_lambda_builders.workflows.python_pip.cache import BuildCache

    cache_dir, out, wheels = tmp_path / "cache", tmp_path / "out", tmp_path / "wheels"
    out.mkdir()
    wheels.mkdir()
    cache = BuildCache(str(cache_dir))
    placement = cache.place_wheels([make_wheel(str(wheels), "aaa", "1.0")], str(out))
    cache.store("k1", placement)
    return cache_dir, os.path.join(str(cache_dir), "v1", "trees", next(iter(placement.files.values())))


def test_cache_verify_of_a_sound_cache_reports_what_it_checked_and_exits_0(tmp_path):
    cache_dir, _ = _cache_with_one_build(tmp_path)

    stream = io.StringIO()
    assert cli.main(["cache", "verify", "--cache-dir", str(cache_dir)], out=stream, stream=io.StringIO()) == 0

    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("checked 1 build(s), 1 unpacked wheel(s) and 0 wheel(s) built from sdists: 5 files")
    assert "the cache is sound" in lines


def test_cache_verify_names_the_damaged_entry_removes_it_and_exits_1(tmp_path):
    from tests.cache_damage import damage_keeping_size_mtime_and_mode

    cache_dir, tree = _cache_with_one_build(tmp_path)
    damage_keeping_size_mtime_and_mode(os.path.join(tree, "aaa", "__init__.py"))

    stream = io.StringIO()
    assert cli.main(["cache", "verify", "--cache-dir", str(cache_dir)], out=stream, stream=io.StringIO()) == 1

    text = stream.getvalue()
    assert f"damaged, removed: unpacked wheel aaa-1.0-py3-none-any.whl ({os.path.basename(tree)[:12]})" in text
    assert "aaa/__init__.py: its bytes do not have the digest RECORD gives" in text
    assert "removed 1 build(s), 1 unpacked wheel(s) and 0 wheel(s) built from sdists, damaged" in text
    assert "build them again" in text
    assert not os.path.exists(tree)


def test_cache_verify_json_is_one_document_with_what_was_checked_and_removed(tmp_path, capsys):
    from tests.cache_damage import damage_keeping_size_mtime_and_mode

    cache_dir, tree = _cache_with_one_build(tmp_path)
    assert cli.main(["cache", "verify", "--json", "--cache-dir", str(cache_dir)], stream=io.StringIO()) == 0
    sound = json.loads(capsys.readouterr().out)
    damage_keeping_size_mtime_and_mode(os.path.join(tree, "aaa", "__init__.py"))

    assert cli.main(["cache", "verify", "--json", "--cache-dir", str(cache_dir)], stream=io.StringIO()) == 1
    damaged = json.loads(capsys.readouterr().out)

    assert sound["sound"] is True and sound["damaged"] == []
    assert sound["checked"] == {**sound["checked"], "builds": 1, "trees": 1, "built": 0, "files": 5}
    assert sound["removed"] == {"builds": 0, "trees": 0, "built": 0, "size_bytes": 0}
    assert damaged["sound"] is False and damaged["cache_dir"] == str(cache_dir)
    assert [(entry["kind"], entry["wheel"]) for entry in damaged["damaged"]] == [
        ("tree", "aaa-1.0-py3-none-any.whl"), ("build", "")]
    assert damaged["damaged"][0]["problems"] == ["aaa/__init__.py: its bytes do not have the digest RECORD gives"]
    assert damaged["removed"]["trees"] == 1 and damaged["removed"]["builds"] == 1
    assert damaged["holds"] == {"builds": 0, "trees": 0, "built": 0, "size_bytes": 0}


def test_an_error_is_printed_with_its_hint(fake, project):
    fake.raise_error = NoSuchPackageError("nope==1", detail="ERROR: No matching distribution found for nope==1")
    requirements, output = project
    code, text = _run(["build", "-r", requirements, "-o", output, "--runtime", "python3.12"])
    assert code == 3
    assert ("error: Could not satisfy the requirement: nope==1\nERROR: No matching distribution found for nope==1\n"
            "Check the name and version in your requirements file, and the index pip uses.") in text
