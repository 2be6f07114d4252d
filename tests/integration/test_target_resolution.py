"""The bundle holds what pip would install on the Lambda target itself, whatever machine builds it.

An independent resolver, uv (``uv pip compile --python-version --python-platform``),
is asked about the same target, and the distributions in our bundle must be
exactly its answer: markers and Requires-Python judged for the target, in the
requirements file and in every package's own dependencies.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle
from aws_lambda_builders.workflows.python_pip.packager import PythonPipDependencyBuilder
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("hermetic_pip")]

MARKERS = """\
anyio
tomli; python_version < "3.11"
typing-extensions; python_version < "3.13"
async-timeout; python_full_version < "3.11.3"
uvloop; platform_machine == "aarch64"
attrs; platform_machine == "x86_64"
colorama; sys_platform == "win32"
pywin32; platform_system == "Windows"
orjson; implementation_name == "cpython" and os_name == "posix"
msgpack; platform_python_implementation == "CPython"
"""


def uv_platform(target: LambdaTarget) -> str:
    """uv's name for the target: the newest manylinux level it knows that the runtime's glibc covers."""
    level = "manylinux_2_34" if target.glibc >= (2, 34) else "manylinux_2_17"
    return f"{target.machine}-{level}"


def uv_resolution(requirements: Path, target: LambdaTarget) -> set:
    uv = Path(sys.executable).with_name("uv")
    result = subprocess.run(
        [str(uv), "pip", "compile", str(requirements), "--python-version", "%d.%d" % target.python_version,
         "--python-platform", uv_platform(target), "--no-header", "--no-annotate", "--quiet"],
        capture_output=True, text=True, check=True)
    pins = [line.split("==") for line in result.stdout.splitlines() if "==" in line]
    return {(canonicalize_name(name), version.strip()) for name, version in pins}


def bundle_distributions(bundle: Path) -> set:
    found = set()
    for dist_info in bundle.glob("*.dist-info"):
        name, version = dist_info.name[: -len(".dist-info")].split("-", 1)
        found.add((canonicalize_name(name), version))
    return found


@pytest.mark.parametrize("runtime", ["python3.10", "python3.12", "python3.14"])
@pytest.mark.parametrize("architecture", [X86_64, ARM64])
def test_bundle_holds_what_the_target_would_install(tmp_path, runtime, architecture):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(MARKERS)
    bundle = tmp_path / "bundle"
    builder = PythonPipDependencyBuilder(runtime=runtime, python_exe=sys.executable, architecture=architecture)

    builder.build_dependencies(str(bundle), str(tmp_path / "scratch"), str(requirements))

    target = LambdaTarget(runtime, architecture)
    installed = bundle_distributions(bundle)
    assert installed == uv_resolution(requirements, target)
    names = {name for name, _ in installed}
    assert ("tomli" in names) == (runtime == "python3.10"), "python_version is the target's"
    assert ("uvloop" in names) == (architecture == ARM64), "platform_machine is the target's"
    assert ("attrs" in names) == (architecture == X86_64)
    assert "exceptiongroup" in names or runtime != "python3.10", "anyio's own markers are the target's too"
    assert not names & {"colorama", "pywin32"}
    report = check_bundle(str(bundle), runtime, architecture, str(requirements))
    assert [str(p) for p in report.problems] == []
