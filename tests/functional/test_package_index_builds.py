"""Every step of the packager with the real pip against the local package index.

Each test builds a bundle from requirements that name fixture cases of
``tests/packages`` and asserts on the bundle: which distributions are in it
(their dist-info), which are named missing, and what ``check_bundle`` finds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle
from aws_lambda_builders.workflows.python_pip.packager import (
    MissingDependencyError,
    NoSuchPackageError,
    PythonPipDependencyBuilder,
)
from aws_lambda_builders.workflows.python_pip.utils import UI, Config
from tests.builders import elf_machine
from tests.functional.package_index import PACKAGES

pytestmark = pytest.mark.usefixtures("offline_pip")

HOST_RUNTIME = "python%d.%d" % sys.version_info[:2]
HOST = ARM64 if os.uname().machine == "aarch64" else X86_64
OTHER = X86_64 if HOST == ARM64 else ARM64
MACHINE = {X86_64: "x86_64", ARM64: "aarch64"}


class RecordingUI(UI):
    def __init__(self):
        super().__init__()
        self.built = []

    def package_built(self, sdist, wheel):
        self.built.append((sdist, wheel))


@dataclass
class Build:
    bundle: Path
    ui: RecordingUI
    missing: Optional[MissingDependencyError]

    @property
    def distributions(self) -> List[str]:
        return sorted(p.name for p in self.bundle.glob("*.dist-info"))

    @property
    def missing_identifiers(self) -> List[str]:
        return sorted(p.identifier for p in self.missing.missing) if self.missing else []

    def shared_objects(self) -> List[Path]:
        return sorted(self.bundle.rglob("*.so"))


def build(tmp_path, package_index, requirements: str, runtime: str, architecture: str) -> Build:
    """Build ``requirements`` from the local index only, installing what can be even when some are missing."""
    path = tmp_path / "requirements.txt"
    path.write_text(requirements)
    bundle, scratch, ui = tmp_path / "bundle", tmp_path / "scratch", RecordingUI()
    builder = PythonPipDependencyBuilder(runtime=runtime, python_exe=sys.executable, architecture=architecture)
    missing = None
    try:
        builder.build_dependencies(str(bundle), str(scratch), str(path), ui=ui,
                                   config=Config(index_url=package_index.url, allow_missing=True))
    except MissingDependencyError as error:
        missing = error
    assert os.listdir(scratch) == [], "the build left files in the scratch directory"
    return Build(bundle, ui, missing)


def audit(result: Build, runtime: str, architecture: str) -> List[str]:
    return [f"{p.kind}: {p}" for p in check_bundle(str(result.bundle), runtime, architecture).problems]


def test_pure_wheel_comes_with_its_transitive_dependency(tmp_path, package_index):
    result = build(tmp_path, package_index, "pure-app\n", "python3.12", ARM64)

    assert result.missing is None
    assert result.distributions == ["pure_app-1.0.dist-info", "pure_lib-2.1.dist-info"]
    assert audit(result, "python3.12", ARM64) == []
    greeting = subprocess.run(
        [sys.executable, "-S", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import pure_app;"
         "print(pure_app.greet('lambda'))", str(result.bundle)], capture_output=True, text=True)
    assert greeting.stdout.strip() == "HELLO LAMBDA", greeting.stderr


@pytest.mark.parametrize("runtime, architecture", [
    ("python3.11", ARM64), ("python3.11", X86_64), ("python3.12", ARM64), ("python3.13", X86_64),
])
def test_binary_package_gets_the_wheel_of_the_target_not_the_hosts_or_macos(tmp_path, package_index, runtime,
                                                                            architecture):
    result = build(tmp_path, package_index, "binary-three-platforms\n", runtime, architecture)

    assert result.missing is None
    assert result.distributions == ["binary_three_platforms-1.4.dist-info"]
    [extension] = result.shared_objects()
    minor = runtime.split(".")[1]
    assert extension.name == f"_native.cpython-3{minor}-{MACHINE[architecture]}-linux-gnu.so"
    assert elf_machine(str(extension)) == MACHINE[architecture]
    assert audit(result, runtime, architecture) == []


def test_manylinux_2_28_wheel_is_used_for_python312(tmp_path, package_index):
    result = build(tmp_path, package_index, "manylinux-2-28-only\n", "python3.12", ARM64)

    assert result.missing is None
    assert result.distributions == ["manylinux_2_28_only-3.0.dist-info"]
    assert audit(result, "python3.12", ARM64) == []


def test_manylinux_2_28_wheel_is_missing_for_python311_whose_glibc_is_2_26(tmp_path, package_index):
    result = build(tmp_path, package_index, "manylinux-2-28-only\npure-lib\n", "python3.11", X86_64)

    assert result.missing_identifiers == ["manylinux-2-28-only==3.0"]
    assert "manylinux_2_26_x86_64 or older" in result.missing.hint
    assert "manylinux_2_28" in result.missing.hint, "the reason names the wheel that was found"
    assert result.distributions == ["pure_lib-2.1.dist-info"]
    assert audit(result, "python3.11", X86_64) == []


@pytest.mark.parametrize("architecture", [X86_64, ARM64])
def test_musllinux_only_package_is_never_installed(tmp_path, package_index, architecture):
    with pytest.raises(NoSuchPackageError) as raised:
        build(tmp_path, package_index, "musllinux-only\n", "python3.12", architecture)

    assert "musllinux-only" in str(raised.value)
    assert not (tmp_path / "bundle").exists()


@pytest.mark.parametrize("runtime, architecture", [("python3.12", ARM64), ("python3.13", X86_64)])
def test_cp312_abi3_wheel_serves_python312_and_later(tmp_path, package_index, runtime, architecture):
    result = build(tmp_path, package_index, "abi3-cp312\n", runtime, architecture)

    assert result.missing is None
    assert result.distributions == ["abi3_cp312-5.0.dist-info"]
    [extension] = result.shared_objects()
    assert extension.name == "_native.abi3.so"
    assert elf_machine(str(extension)) == MACHINE[architecture]
    assert audit(result, runtime, architecture) == []


def test_cp312_abi3_package_is_missing_for_python311(tmp_path, package_index):
    result = build(tmp_path, package_index, "abi3-cp312\n", "python3.11", HOST)

    assert result.missing_identifiers == ["abi3-cp312==5.0"]
    assert "needs the C API of Python 3.12" in result.missing.hint, "the reason quotes the failed build"
    assert result.shared_objects() == []
    assert audit(result, "python3.11", HOST) == []


def test_sdist_only_pure_package_is_built_into_a_pure_wheel(tmp_path, package_index):
    result = build(tmp_path, package_index, "sdist-only-pure\n", "python3.12", ARM64)

    assert result.missing is None
    assert result.ui.built == [("sdist-only-pure-0.5.tar.gz", "sdist_only_pure-0.5-py3-none-any.whl")]
    assert (result.bundle / "sdist_only_pure" / "__init__.py").read_text() == "VALUE = 42\n"
    assert audit(result, "python3.12", ARM64) == []


def test_an_sdist_is_known_from_pips_report_without_reading_its_metadata_again(tmp_path, package_index,
                                                                              monkeypatch):
    from aws_lambda_builders.workflows.python_pip import sdist

    def not_again(self, sdist_path):
        raise AssertionError(f"{sdist_path} read again after pip reported it")

    monkeypatch.setattr(sdist.SDistMetadataFetcher, "get_package_name_and_version", not_again)
    result = build(tmp_path, package_index, "sdist-only-pure\n", "python3.12", ARM64)

    assert result.missing is None
    assert result.ui.built == [("sdist-only-pure-0.5.tar.gz", "sdist_only_pure-0.5-py3-none-any.whl")]


def test_sdist_with_optional_c_falls_back_to_pure_python_for_the_other_architecture(tmp_path, package_index):
    result = build(tmp_path, package_index, "optional-c-extension\n", HOST_RUNTIME, OTHER)

    assert result.missing is None
    assert result.ui.built == [("optional-c-extension-2.0.tar.gz", "optional_c_extension-2.0-py3-none-any.whl")]
    assert result.shared_objects() == []
    assert audit(result, HOST_RUNTIME, OTHER) == []


def test_sdist_with_optional_c_keeps_its_extension_for_this_machine(tmp_path, package_index):
    result = build(tmp_path, package_index, "optional-c-extension\n", HOST_RUNTIME, HOST)

    [extension] = result.shared_objects()
    assert elf_machine(str(extension)) == MACHINE[HOST]
    assert audit(result, HOST_RUNTIME, HOST) == []
    implementation = subprocess.run(
        [sys.executable, "-S", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import optional_c_extension as m;"
         "print(m.IMPLEMENTATION, m.add(2, 3))", str(result.bundle)], capture_output=True, text=True)
    assert implementation.stdout.split() == ["c", "5"], implementation.stderr


def test_sdist_with_required_c_extension_is_built_for_this_machine(tmp_path, package_index):
    result = build(tmp_path, package_index, "required-c-extension\n", HOST_RUNTIME, HOST)

    assert result.missing is None
    [extension] = result.shared_objects()
    assert elf_machine(str(extension)) == MACHINE[HOST]
    assert audit(result, HOST_RUNTIME, HOST) == []


def test_sdist_with_required_c_extension_is_named_missing_for_the_other_architecture(tmp_path, package_index):
    result = build(tmp_path, package_index, "required-c-extension\npure-app\n", HOST_RUNTIME, OTHER)

    assert result.missing_identifiers == ["required-c-extension==1.0"]
    assert f"needs a C compiler for {MACHINE[OTHER]}" in result.missing.hint
    assert f"building it here would make an {MACHINE[HOST]} binary" in result.missing.hint
    assert result.distributions == ["pure_app-1.0.dist-info", "pure_lib-2.1.dist-info"]
    assert result.shared_objects() == []
    assert audit(result, HOST_RUNTIME, OTHER) == []


def test_package_that_lies_about_its_compatibility_is_allowlisted(tmp_path, package_index):
    result = build(tmp_path, package_index, "sqlalchemy\n", HOST_RUNTIME, OTHER)

    assert result.missing is None
    assert result.distributions == ["sqlalchemy-1.4.99.dist-info"]
    assert result.shared_objects() == [], "the rebuild without a compiler left the optional extension out"
    # What the audit sees is the lie itself: a wheel tagged for this machine, with nothing compiled in it.
    assert [p.kind for p in check_bundle(str(result.bundle), HOST_RUNTIME, OTHER).problems] == ["wheel-tags"]


def test_wheel_data_directories_purelib_and_platlib_land_at_the_root_and_the_rest_is_left_out(tmp_path,
                                                                                              package_index):
    result = build(tmp_path, package_index, "data-layout\n", "python3.12", ARM64)

    assert result.missing is None
    names = sorted(os.listdir(result.bundle))
    assert names == ["Data_Layout-2.0.dist-info", "data_layout", "data_layout_platlib.py", "data_layout_purelib.py"]
    everything = [p.name for p in result.bundle.rglob("*")]
    assert "data-layout-tool" not in everything and "data_layout.h" not in everything
    assert "data-layout.txt" not in everything
    assert audit(result, "python3.12", ARM64) == []


def test_local_directory_and_pep517_sdist_are_built_with_their_dependencies(tmp_path, package_index, monkeypatch):
    shutil.copytree(PACKAGES / "local-pure", tmp_path / "local-pure")
    monkeypatch.chdir(tmp_path)
    result = build(tmp_path, package_index, "./local-pure\npep517-sdist\n", "python3.12", ARM64)

    assert result.missing is None
    assert result.distributions == [
        "local_pure-0.3.dist-info", "pep517_sdist-1.2.dist-info", "pure_lib-2.1.dist-info"]
    assert ("pep517-sdist-1.2.tar.gz", "pep517_sdist-1.2-py3-none-any.whl") in result.ui.built
    assert audit(result, "python3.12", ARM64) == []


def test_local_directory_with_optional_c_falls_back_to_pure_python_for_the_other_architecture(
        tmp_path, package_index):
    source = tmp_path / "optional-c-extension"
    shutil.copytree(PACKAGES / "optional-c-extension", source)
    result = build(tmp_path, package_index, f"{source}\n", HOST_RUNTIME, OTHER)

    assert result.missing is None
    assert result.ui.built == [(str(source), "optional_c_extension-2.0-py3-none-any.whl")]
    assert result.shared_objects() == []
    assert audit(result, HOST_RUNTIME, OTHER) == []


# -- the requirements file's own options and pins, through every pip pass ---------------------

def _build_from_file(tmp_path, requirements: str, runtime: str = "python3.12", architecture: str = ARM64,
                     ui=None) -> Path:
    """Build with no index given to the builder: only what the requirements file says."""
    path = tmp_path / "requirements.txt"
    path.write_text(requirements)
    bundle = tmp_path / "bundle"
    builder = PythonPipDependencyBuilder(runtime=runtime, python_exe=sys.executable, architecture=architecture)
    builder.build_dependencies(str(bundle), str(tmp_path / "scratch"), str(path), ui=ui)
    assert os.listdir(tmp_path / "scratch") == []
    return bundle


def test_index_named_in_the_requirements_file_serves_every_pass(tmp_path, package_index):
    # sdist-only-pure needs its build backend (setuptools) from that index in step 4, and
    # pure-lib comes in step 1: with the default index a closed port, both must use the file's -i.
    bundle = _build_from_file(tmp_path, f"-i {package_index.url}\nsdist-only-pure\npep517-sdist\n")

    names = sorted(p.name for p in bundle.glob("*.dist-info"))
    assert names == ["pep517_sdist-1.2.dist-info", "pure_lib-2.1.dist-info", "sdist_only_pure-0.5.dist-info"]


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_hash_pins_are_checked_and_a_wrong_one_names_its_package(tmp_path, package_index):
    from aws_lambda_builders.workflows.python_pip.exceptions import HashMismatchError

    good = _sha256(package_index.directory / "pure_lib-2.1-py3-none-any.whl")
    app = _sha256(package_index.directory / "pure_app-1.0-py3-none-any.whl")
    requirements = (f"-i {package_index.url}\n"
                    f"pure-app==1.0 --hash=sha256:{app}\n"
                    f"pure-lib==2.1 --hash=sha256:{'0' * 64}\n")

    with pytest.raises(HashMismatchError) as raised:
        _build_from_file(tmp_path, requirements)
    assert raised.value.packages == ["pure-lib"]
    assert "pure-lib" in str(raised.value)
    assert not (tmp_path / "bundle").exists()

    (tmp_path / "scratch").rmdir()
    bundle = _build_from_file(tmp_path, requirements.replace("0" * 64, good))
    assert sorted(p.name for p in bundle.glob("*.dist-info")) == ["pure_app-1.0.dist-info", "pure_lib-2.1.dist-info"]


def test_credentials_in_an_index_url_never_appear_in_errors_or_logs(tmp_path, package_index, caplog):
    import logging

    secret_url = package_index.url.replace("http://", "http://builder:s3cr3t-t0ken@")
    caplog.set_level(logging.DEBUG)
    messages = []

    class Collect(UI):
        def write(self, message):
            messages.append(message)

        def error(self, message):
            messages.append(message)

        def warning(self, message):
            messages.append(message)

    with pytest.raises(NoSuchPackageError) as raised:
        _build_from_file(tmp_path, f"-i {secret_url}\npure-app\nno-such-package-here\n", ui=Collect())

    assert "no-such-package-here" in str(raised.value)
    everything = [str(raised.value), getattr(raised.value, "stderr", ""), caplog.text] + messages
    assert not [text for text in everything if "s3cr3t" in text]
    assert "http://****@127.0.0.1" in caplog.text, "the index URL was logged, with its credentials hidden"


def test_by_default_a_missing_dependency_leaves_the_previous_bundle_untouched(tmp_path, package_index):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "previous.py").write_text("PREVIOUS = 1\n")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("required-c-extension\npure-app\n")
    builder = PythonPipDependencyBuilder(runtime=HOST_RUNTIME, python_exe=sys.executable, architecture=OTHER)

    with pytest.raises(MissingDependencyError) as raised:
        builder.build_dependencies(str(bundle), str(tmp_path / "scratch"), str(requirements),
                                   config=Config(index_url=package_index.url))

    assert [p.identifier for p in raised.value.missing] == ["required-c-extension==1.0"]
    assert os.listdir(bundle) == ["previous.py"]
    assert sorted(os.listdir(tmp_path)) == ["bundle", "requirements.txt", "scratch"]
    assert os.listdir(tmp_path / "scratch") == []
