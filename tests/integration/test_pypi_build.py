"""End-to-end builds with the real pip against the real PyPI, every bundle audited.

Packages with native code (numpy, pydantic-core, cryptography, orjson) are
built for several runtimes and both architectures from this one machine; each
bundle must pass ``check_bundle`` for its target, and the bundle for this
interpreter's own runtime must import here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle
from aws_lambda_builders.workflows.python_pip.packager import (
    MissingDependencyError,
    NoSuchPackageError,
    PythonPipDependencyBuilder,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from aws_lambda_builders.workflows.python_pip.utils import Config
from tests.builders import elf_machine

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("hermetic_pip")]

HOST_RUNTIME = "python%d.%d" % sys.version_info[:2]
HOST = ARM64 if os.uname().machine == "aarch64" else X86_64
PACKAGES = Path(__file__).resolve().parent.parent / "packages"
# numpy 2.3 and later publish only manylinux_2_27+ wheels, which glibc 2.26 (python3.10/3.11) cannot
# load: resolving for the target, the packager takes the newest release with a wheel that loads there.
NATIVE = "requests\npydantic\norjson\ncryptography\nnumpy\n"


def _build(tmp_path: Path, requirements: str, runtime: str, architecture: str, config=None) -> Path:
    requirements_path = tmp_path / "requirements.txt"
    requirements_path.write_text(requirements)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    builder = PythonPipDependencyBuilder(runtime=runtime, python_exe=sys.executable, architecture=architecture)
    try:
        builder.build_dependencies(str(out), str(scratch), str(requirements_path), config=config)
    finally:
        assert not scratch.exists() or os.listdir(scratch) == [], "scratch files were left behind"
    report = check_bundle(str(out), runtime, architecture, str(requirements_path))
    assert [str(p) for p in report.problems] == []
    return out


def _distributions(bundle: Path):
    return {p.name.split("-")[0].lower().replace("_", "-") for p in bundle.glob("*.dist-info")}


@pytest.mark.parametrize("runtime, architecture", [
    ("python3.12", ARM64), ("python3.13", X86_64), ("python3.11", X86_64), ("python3.11", ARM64),
    ("python3.13", ARM64), ("python3.12", X86_64), ("python3.10", ARM64), ("python3.14", X86_64),
])
def test_native_packages_build_for_the_target_and_pass_the_audit(tmp_path, runtime, architecture):
    bundle = _build(tmp_path, NATIVE, runtime, architecture)

    expected = {"requests", "pydantic", "pydantic-core", "orjson", "cryptography", "cffi", "numpy"}
    assert expected <= _distributions(bundle)
    machine = LambdaTarget(runtime, architecture).machine
    shared_objects = list(bundle.rglob("*.so"))
    assert {elf_machine(str(p)) for p in shared_objects} == {machine}
    for package in ("pydantic_core", "orjson", "cryptography", "numpy"):
        assert any(package in str(p) for p in shared_objects), package


def test_sdist_only_set_builds_completely_for_python312_arm64(tmp_path):
    """C speed-ups fall back to pure Python, pyrsistent's empty platform wheel is retagged."""
    requirements = "docopt\ntermcolor\nmarkupsafe==1.1.1\nsimplejson==3.16.0\npyrsistent==0.16.0\n"

    bundle = _build(tmp_path, requirements, "python3.12", ARM64)

    assert {"docopt", "termcolor", "markupsafe", "simplejson", "pyrsistent"} <= _distributions(bundle)
    assert not list(bundle.rglob("*.so"))
    assert "Tag: py3-none-any" in (bundle / "pyrsistent-0.16.0.dist-info" / "WHEEL").read_text()


def test_bundle_for_this_interpreter_imports_here(tmp_path):
    bundle = _build(tmp_path, NATIVE, HOST_RUNTIME, HOST)

    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import requests, pydantic, orjson, numpy;"
        "from cryptography.fernet import Fernet;"
        "token = Fernet(Fernet.generate_key());"
        "print(numpy.__file__); print(orjson.dumps({'sum': int(numpy.arange(4).sum())}).decode());"
        "print(token.decrypt(token.encrypt(b'ok')).decode())"
    )
    result = subprocess.run([sys.executable, "-S", "-c", script, str(bundle)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    numpy_file, document, decrypted = result.stdout.splitlines()
    assert numpy_file.startswith(str(bundle))
    assert document == '{"sum":6}'
    assert decrypted == "ok"


def test_package_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(NoSuchPackageError) as raised:
        _build(tmp_path, "requests\nlambda-pip-no-such-package-xq7==1.0\n", HOST_RUNTIME, X86_64)

    assert "lambda-pip-no-such-package-xq7" in str(raised.value)


def test_required_c_extension_is_named_missing_for_arm64_and_the_rest_installed(tmp_path):
    shutil.copytree(PACKAGES / "required-c-extension", tmp_path / "required-c-extension")
    other = X86_64 if HOST == ARM64 else ARM64
    requirements = f"{tmp_path / 'required-c-extension'}\nidna\n"

    with pytest.raises(MissingDependencyError) as raised:
        _build(tmp_path, requirements, HOST_RUNTIME, other, config=Config(allow_missing=True))

    assert {p.identifier for p in raised.value.missing} == {"required-c-extension==1.0"}
    assert "required-c-extension==1.0" in str(raised.value)
    bundle = tmp_path / "out"
    assert _distributions(bundle) == {"idna"}
    assert check_bundle(str(bundle), HOST_RUNTIME, other).ok


def test_check_finds_what_is_wrong_in_a_pip_install_target_bundle(tmp_path):
    bundle = tmp_path / "pip-target"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--target", str(bundle), "--no-deps",
                    "orjson", "pydantic-core"], check=True, capture_output=True)
    other = X86_64 if HOST == ARM64 else ARM64
    another_python = "python3.13" if HOST_RUNTIME == "python3.12" else "python3.12"

    for_this_machine = check_bundle(str(bundle), HOST_RUNTIME, HOST)
    for_the_other_architecture = check_bundle(str(bundle), HOST_RUNTIME, other)
    for_another_python = check_bundle(str(bundle), another_python, HOST)

    assert for_this_machine.ok, [str(p) for p in for_this_machine.problems]
    kinds = {p.kind for p in for_the_other_architecture.problems}
    assert {"elf-machine", "extension", "wheel-tags"} <= kinds
    flagged = {p.path.split("/")[0] for p in for_the_other_architecture.problems if p.kind == "elf-machine"}
    assert {"orjson", "pydantic_core"} <= flagged
    assert {"extension", "wheel-tags"} <= {p.kind for p in for_another_python.problems}
