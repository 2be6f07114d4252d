"""Steps 4 and 5 with the real pip: an sdist whose C extension is optional.

The sdist is made from ``tests/packages/optional-c-extension`` and served from
a local ``--find-links`` directory. Built for this machine's architecture it
keeps its compiled speed-up; built for the other one, the compiled wheel is
incompatible, and the rebuild without a C compiler gives the pure-Python wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.packager import PythonPipDependencyBuilder
from aws_lambda_builders.workflows.python_pip.utils import Config, UI
from tests.builders import elf_machine

pytestmark = pytest.mark.usefixtures("hermetic_pip")

RUNTIME = "python%d.%d" % sys.version_info[:2]
PACKAGE = Path(__file__).resolve().parent.parent / "packages" / "optional-c-extension"
HOST = ARM64 if os.uname().machine == "aarch64" else X86_64
OTHER = X86_64 if HOST == ARM64 else ARM64


class RecordingUI(UI):
    def __init__(self):
        super().__init__()
        self.built = []

    def package_built(self, sdist, wheel):
        self.built.append((sdist, wheel))


@pytest.fixture(scope="module")
def find_links(tmp_path_factory):
    source = tmp_path_factory.mktemp("src") / "optional-c-extension"
    shutil.copytree(PACKAGE, source)
    links = tmp_path_factory.mktemp("links")
    subprocess.run([sys.executable, "setup.py", "-q", "sdist", "-d", str(links)], cwd=source, check=True,
                   capture_output=True)
    assert [p.name for p in links.iterdir()] == ["optional-c-extension-2.0.tar.gz"]
    return str(links)


def _build(tmp_path, find_links, architecture):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("optional-c-extension==2.0\n")
    ui = RecordingUI()
    builder = PythonPipDependencyBuilder(runtime=RUNTIME, python_exe=sys.executable, architecture=architecture)
    builder.build_dependencies(str(tmp_path / "out"), str(tmp_path / "scratch"), str(requirements), ui=ui,
                               config=Config(find_links=[find_links]))
    assert os.listdir(tmp_path / "scratch") == []
    return tmp_path / "out", ui


def test_sdist_with_optional_c_falls_back_to_pure_wheel_for_the_other_architecture(tmp_path, find_links):
    bundle, ui = _build(tmp_path, find_links, OTHER)

    assert ui.built == [("optional-c-extension-2.0.tar.gz", "optional_c_extension-2.0-py3-none-any.whl")]
    assert (bundle / "optional_c_extension" / "__init__.py").is_file()
    assert list(bundle.rglob("*.so")) == []
    assert "Tag: py3-none-any" in (bundle / "optional_c_extension-2.0.dist-info" / "WHEEL").read_text()


def test_sdist_with_optional_c_keeps_its_extension_for_this_architecture(tmp_path, find_links):
    bundle, ui = _build(tmp_path, find_links, HOST)

    extensions = list((bundle / "optional_c_extension").glob("_speedups*.so"))
    assert len(extensions) == 1
    assert elf_machine(str(extensions[0])) == os.uname().machine
    result = subprocess.run(
        [sys.executable, "-S", "-c",
         "import sys; sys.path.insert(0, sys.argv[1]); import optional_c_extension as m; print(m.IMPLEMENTATION, m.add(2, 3))",
         str(bundle)], capture_output=True, text=True)
    assert result.stdout.split() == ["c", "5"], result.stderr


def test_local_directory_with_optional_c_falls_back_to_pure_wheel_for_the_other_architecture(tmp_path):
    source = tmp_path / "optional-c-extension"
    shutil.copytree(PACKAGE, source)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{source}\n")
    ui = RecordingUI()
    builder = PythonPipDependencyBuilder(runtime=RUNTIME, python_exe=sys.executable, architecture=OTHER)

    builder.build_dependencies(str(tmp_path / "out"), str(tmp_path / "scratch"), str(requirements), ui=ui)

    assert ui.built == [(str(source), "optional_c_extension-2.0-py3-none-any.whl")]
    assert list((tmp_path / "out").rglob("*.so")) == []
    assert (tmp_path / "out" / "optional_c_extension" / "__init__.py").is_file()
    assert os.listdir(tmp_path / "scratch") == []
