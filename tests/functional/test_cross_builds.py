"""``--cross`` with the real pip, zig and the local index: C extensions compiled for the target's CPU, Python
and glibc on this machine, audited, tagged for the target, kept in the build cache.

Imports of the x86_64 bundles run here, with an interpreter of the target's version; the arm64 bundles
are run under emulation by ``tests/integration/test_cross_builds_run.py``.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip import cross_builds, pip_runner
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle
from aws_lambda_builders.workflows.python_pip.interpreters import interpreter_for

pytestmark = pytest.mark.usefixtures("offline_pip")


def lambda_pip(tmp_path: Path, package_index, requirements: str, *options: str, runtime: str = "python3.11",
               architecture: str = ARM64, output: str = "out"):
    (tmp_path / "requirements.txt").write_text(requirements)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / output),
                     "--runtime", runtime, "--architecture", architecture, "-i", package_index.url,
                     "--scratch-dir", str(tmp_path / "scratch"), "--cache-dir", str(tmp_path / "cache"),
                     "--json", *options], stream=err, out=out)
    return code, json.loads(out.getvalue()), err.getvalue()


def wheel_tag(bundle: Path, name: str) -> str:
    dist_info = next(bundle.glob(f"{name}-*.dist-info"))
    return next(line.split(": ", 1)[1] for line in (dist_info / "WHEEL").read_text().splitlines()
                if line.startswith("Tag: "))


def test_c_extensions_are_cross_built_for_arm64_audited_and_tagged_for_its_glibc(tmp_path, package_index):
    code, document, err = lambda_pip(tmp_path, package_index, "compiled-function\nrequired-c-extension\n",
                                     "--cross")

    assert code == 0, err
    assert document["cross_built"] == ["compiled-function==2.0", "required-c-extension==1.0"]
    bundle = tmp_path / "out"
    assert (bundle / "compiled_function.cpython-311-aarch64-linux-gnu.so").is_file()
    assert wheel_tag(bundle, "compiled_function") == "cp311-cp311-manylinux_2_26_aarch64"
    report = check_bundle(str(bundle), "python3.11", ARM64)
    assert report.problems == [] and report.shared_objects == 2


def test_a_cross_built_x86_64_extension_for_python3_12_imports_and_runs_here(tmp_path, package_index):
    python312 = interpreter_for((3, 12))
    assert python312 is not None, "the x86_64 bundle is run by a Python 3.12 of this machine"

    code, document, err = lambda_pip(tmp_path, package_index, "compiled-function\n", "--cross",
                                     runtime="python3.12", architecture=X86_64)

    assert code == 0, err
    assert document["cross_built"] == ["compiled-function==2.0"]
    assert check_bundle(str(tmp_path / "out"), "python3.12", X86_64).problems == []
    ran = subprocess.run([python312.path, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                          "import compiled_function as f; print(f.compiled_for(), f.triple(14))",
                          str(tmp_path / "out")], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["x86_64", "42"]


def test_a_build_that_compiles_for_this_machine_anyway_is_refused_by_the_audit(tmp_path, package_index):
    code, document, err = lambda_pip(tmp_path, package_index, "host-compiled-extension\n", "--cross")

    assert code == cli.EXIT_MISSING
    reason = document["missing"][0]["reason"]
    assert document["missing"][0]["package"] == "host-compiled-extension==1.0"
    assert "x86_64" in reason and "aarch64" in reason, reason
    assert not (tmp_path / "out").exists()


def test_a_cross_built_wheel_comes_from_the_cache_the_next_time_without_a_build(tmp_path, package_index,
                                                                                monkeypatch):
    assert lambda_pip(tmp_path, package_index, "compiled-function\n", "--cross", output="first")[0] == 0
    builds = []
    real = pip_runner.PipRunner.build_wheels

    def recording(self, *args, **kwargs):
        builds.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pip_runner.PipRunner, "build_wheels", recording)
    code, document, err = lambda_pip(tmp_path, package_index, "compiled-function\npure-lib\n", "--cross",
                                     output="second")

    assert code == 0, err
    assert builds == [], "the wheel cross-built before is taken from the cache"
    assert document["cross_built"] == ["compiled-function==2.0"]
    assert (tmp_path / "second" / "compiled_function.cpython-311-aarch64-linux-gnu.so").is_file()


def test_without_zig_cross_building_says_what_to_install(tmp_path, package_index, monkeypatch):
    monkeypatch.setattr(cross_builds, "find_zig", lambda: None)

    code, document, err = lambda_pip(tmp_path, package_index, "compiled-function\n", "--cross")

    assert code == cli.EXIT_MISSING
    assert "pip install 'lambda-pip[cross]'" in document["missing"][0]["reason"]


def test_without_cross_an_extension_for_another_cpu_is_missing_as_before(tmp_path, package_index):
    code, document, err = lambda_pip(tmp_path, package_index, "compiled-function\n")

    assert code == cli.EXIT_MISSING
    assert "needs a C compiler for aarch64" in document["missing"][0]["reason"]
    assert "cross-building" not in err


def test_the_users_compiler_variables_do_not_make_a_cross_build_compile_for_this_machine(tmp_path, package_index,
                                                                                       monkeypatch):
    monkeypatch.setenv("CC", "gcc")
    monkeypatch.setenv("CFLAGS", "-march=native")
    monkeypatch.setenv("LDSHARED", "gcc -shared")

    code, document, err = lambda_pip(tmp_path, package_index, "compiled-function\n", "--cross")

    assert code == 0, err
    assert document["cross_built"] == ["compiled-function==2.0"]
    assert check_bundle(str(tmp_path / "out"), "python3.11", ARM64).problems == []


def test_a_cross_built_wheel_the_audit_refuses_is_not_kept_in_the_cache(tmp_path, package_index):
    code, document, err = lambda_pip(tmp_path, package_index, "host-compiled-extension\n", "--cross")

    assert code == cli.EXIT_MISSING
    assert "the wheel cross-built was refused by the audit" in document["missing"][0]["reason"]
    built = tmp_path / "cache" / "v1" / "built"
    assert not [entry for entry in (built.iterdir() if built.is_dir() else []) if "-cross-" in entry.name]
