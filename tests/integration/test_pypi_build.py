"""End-to-end builds with the real pip against the real PyPI.

The target's Python version is the one running the tests (cross-version builds
are a later change); both architectures are built, and every shared object in
the bundle is checked against the target: ELF machine, extension suffix, and
the newest GLIBC symbol version it asks for.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.packager import (
    MissingDependencyError,
    NoSuchPackageError,
    PythonPipDependencyBuilder,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from tests.builders import elf_machine

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("hermetic_pip")]

RUNTIME = "python%d.%d" % sys.version_info[:2]
PACKAGES = Path(__file__).resolve().parent.parent / "packages"
# numpy 2.3 and later publish only manylinux_2_27+ wheels, which python3.10/3.11's glibc 2.26
# cannot load; picking the newest release that fits the target is a later change.
WEB_AND_NUMPY = 'requests\npydantic\nnumpy==2.2.6; python_version >= "3.10"\nnumpy==2.0.2; python_version < "3.10"\n'


def _build(tmp_path: Path, requirements: str, architecture: str):
    requirements_path = tmp_path / "requirements.txt"
    requirements_path.write_text(requirements)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    builder = PythonPipDependencyBuilder(runtime=RUNTIME, python_exe=sys.executable, architecture=architecture)
    try:
        builder.build_dependencies(str(out), str(scratch), str(requirements_path))
    finally:
        assert not scratch.exists() or os.listdir(scratch) == [], "scratch files were left behind"
    return out


def _distributions(bundle: Path):
    return {p.name.split("-")[0].lower().replace("_", "-") for p in bundle.glob("*.dist-info")}


def _shared_object_problems(bundle: Path, target: LambdaTarget):
    """Every .so that would not load on ``target``, with why."""
    problems = []
    suffix = f".cpython-{target.python_version[0]}{target.python_version[1]}-{target.machine}-linux-gnu.so"
    for so in bundle.rglob("*.so*"):
        if not so.is_file():
            continue
        machine = elf_machine(str(so))
        if machine != target.machine:
            problems.append(f"{so}: ELF machine {machine}")
        data = so.read_bytes()
        needed = [int(m) for m in re.findall(rb"GLIBC_2\.(\d+)", data)]
        if needed and max(needed) > target.glibc[1]:
            problems.append(f"{so}: needs GLIBC_2.{max(needed)}")
        is_extension = ".cpython-" in so.name or so.name.endswith(".abi3.so")
        if is_extension and not (so.name.endswith(suffix) or so.name.endswith(".abi3.so")):
            problems.append(f"{so}: extension suffix is not {suffix} or .abi3.so")
    return problems


def _wheel_tags_problems(bundle: Path, target: LambdaTarget):
    from packaging.tags import parse_tag

    problems = []
    for wheel_file in bundle.glob("*.dist-info/WHEEL"):
        tags = set()
        for line in wheel_file.read_text().splitlines():
            if line.startswith("Tag: "):
                tags |= parse_tag(line[5:].strip())
        if not tags & target.supported_tags:
            problems.append(f"{wheel_file.parent.name}: tags {sorted(map(str, tags))}")
    return problems


@pytest.mark.parametrize("architecture", [ARM64, X86_64])
def test_web_and_numpy_bundle_holds_only_binaries_for_the_target(tmp_path, architecture):
    bundle = _build(tmp_path, WEB_AND_NUMPY, architecture)
    target = LambdaTarget(RUNTIME, architecture)

    assert {"requests", "pydantic", "pydantic-core", "numpy", "urllib3", "idna"} <= _distributions(bundle)
    shared_objects = list(bundle.rglob("*.so"))
    assert any("pydantic_core" in str(p) for p in shared_objects)
    assert any("numpy" in str(p) for p in shared_objects)
    assert _shared_object_problems(bundle, target) == []
    assert _wheel_tags_problems(bundle, target) == []
    assert not any(bundle.rglob("*.data")), "a wheel's .data directory was copied as is"


def test_x86_64_bundle_imports_with_this_interpreter(tmp_path):
    bundle = _build(tmp_path, WEB_AND_NUMPY, X86_64)

    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import requests, pydantic, numpy;"
        "print(numpy.__file__); print(pydantic.BaseModel.__module__);"
        "print(int(numpy.arange(4).sum()))"
    )
    result = subprocess.run([sys.executable, "-S", "-c", script, str(bundle)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    numpy_file, _, total = result.stdout.splitlines()
    assert numpy_file.startswith(str(bundle))
    assert total == "6"


def test_package_that_does_not_exist_is_named(tmp_path):
    with pytest.raises(NoSuchPackageError) as raised:
        _build(tmp_path, "requests\nlambda-pip-no-such-package-xq7==1.0\n", X86_64)

    assert "lambda-pip-no-such-package-xq7" in str(raised.value)


def test_required_c_extension_is_named_missing_for_arm64_and_the_rest_installed(tmp_path):
    shutil.copytree(PACKAGES / "required-c-extension", tmp_path / "required-c-extension")
    shutil.copytree(PACKAGES / "local-pure", tmp_path / "local-pure")
    requirements = f"{tmp_path / 'required-c-extension'}\n{tmp_path / 'local-pure'}\nidna\n"

    with pytest.raises(MissingDependencyError) as raised:
        _build(tmp_path, requirements, ARM64)

    assert {p.identifier for p in raised.value.missing} == {"required-c-extension==1.0"}
    assert "required-c-extension==1.0" in str(raised.value)
    assert "linux_x86_64" in str(raised.value)
    bundle = tmp_path / "out"
    assert {"local-pure", "six", "idna"} <= _distributions(bundle)
    assert (bundle / "local_pure" / "__init__.py").is_file()
    assert not list(bundle.rglob("*.so"))


def test_required_c_extension_builds_for_the_host_architecture(tmp_path):
    host = ARM64 if os.uname().machine == "aarch64" else X86_64
    shutil.copytree(PACKAGES / "required-c-extension", tmp_path / "required-c-extension")

    bundle = _build(tmp_path, f"{tmp_path / 'required-c-extension'}\n", host)

    extensions = list(bundle.glob("required_c_extension*.so"))
    assert len(extensions) == 1
    assert elf_machine(str(extensions[0])) == LambdaTarget(RUNTIME, host).machine
