"""The shim that makes ``pip download`` write pip's installation report, run in REAL pips.

Against this environment's pip (the latest) and pip 23.2.1 (what Python 3.11's ensurepip puts in a new venv),
offline: a requirements file names a local project directory (with a space in its name, an in-tree build
backend that needs nothing installed) and ``six``, a wheel in a ``--find-links`` directory, which the project
also depends on ``tinydep`` from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from aws_lambda_builders.workflows.python_pip import pip_runner as pip_runner_module
from aws_lambda_builders.workflows.python_pip.pip_report import (
    REPORT_VARIABLE,
    parse_report,
    pip_report_shim,
)
from aws_lambda_builders.workflows.python_pip.packager import ARM64
from aws_lambda_builders.workflows.python_pip.pip_runner import PipRunner, SubprocessPip
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from tests.builders import make_wheel

pytestmark = pytest.mark.usefixtures("hermetic_pip")

# A PEP 517 backend in the project itself: pip needs to install nothing to build it, so no index is needed.
BACKEND = '''
import os, zipfile
DIST_INFO = "my_project-0.3.dist-info"
METADATA = "Metadata-Version: 2.1\\nName: My_Project\\nVersion: 0.3\\nRequires-Dist: tinydep\\n"

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    os.makedirs(os.path.join(metadata_directory, DIST_INFO))
    with open(os.path.join(metadata_directory, DIST_INFO, "METADATA"), "w") as f:
        f.write(METADATA)
    return DIST_INFO

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "my_project-0.3-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as wheel:
        wheel.writestr("my_project/__init__.py", "")
        wheel.writestr(DIST_INFO + "/METADATA", METADATA)
        wheel.writestr(DIST_INFO + "/WHEEL",
                       "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
        wheel.writestr(DIST_INFO + "/RECORD", "")
    return name
'''


@pytest.fixture(scope="module")
def pip_23_2_1(tmp_path_factory):
    """A Python whose pip is 23.2.1: a new venv of this Python (3.11), whose ensurepip bundles that pip."""
    directory = tmp_path_factory.mktemp("pip-23.2.1-venv")
    try:
        venv.create(str(directory), with_pip=True)
    except (subprocess.CalledProcessError, OSError) as error:
        pytest.skip(f"no venv with pip can be made here: {error}")
    python = str(directory / "bin" / "python")
    version = subprocess.run([python, "-c", "import pip; print(pip.__version__)"], capture_output=True, text=True,
                             check=True).stdout.strip()
    if version != "23.2.1":
        pytest.skip(f"this Python's ensurepip installs pip {version}, not 23.2.1")
    return python


@pytest.fixture(params=["latest", "23.2.1"])
def python_exe(request):
    return sys.executable if request.param == "latest" else request.getfixturevalue("pip_23_2_1")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The inputs of an offline ``pip download``: the requirements file, the find-links directory, the project."""
    links = tmp_path / "links"
    links.mkdir()
    make_wheel(str(links), "six", "1.16.0")
    make_wheel(str(links), "tinydep", "2.0")
    local = tmp_path / "my project"
    local.mkdir()
    (local / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n')
    (local / "backend.py").write_text(BACKEND)
    (tmp_path / "requirements.txt").write_text("./my project\nsix==1.16.0\n")
    (tmp_path / "dest").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def download(python_exe: str, project: Path, shim: str = pip_report_shim, rc: int = 0):
    """``pip download`` of ``project``'s requirements with ``shim``; the report's text (empty: none)."""
    report = project / "report.json"
    report.write_text("")
    pip = SubprocessPip(python_exe=python_exe)
    env = dict(os.environ, **{REPORT_VARIABLE: str(report)})
    returncode, _, err = pip.main(["download", "-r", "requirements.txt", "--dest", str(project / "dest"),
                                   "--no-index", "--find-links", str(project / "links")], env_vars=env, shim=shim)
    assert returncode == rc, err.decode()
    return report.read_text()


def test_pip_download_writes_pips_own_report_of_what_it_chose(python_exe, project):
    text = download(python_exe, project)

    by_name = {d.name: d for d in parse_report(text)}
    assert sorted((d.name, d.version, d.requested) for d in by_name.values()) == [
        ("my-project", "0.3", True), ("six", "1.16.0", True), ("tinydep", "2.0", False)]
    assert by_name["my-project"].directory == str(project / "my project")
    assert by_name["my-project"].is_direct
    assert by_name["six"].url == (project / "links" / "six-1.16.0-py3-none-any.whl").as_uri()
    assert set(by_name["six"].hashes) == {"sha256"} and not by_name["six"].is_direct
    assert json.loads(text)["pip_version"] == subprocess.run(
        [python_exe, "-c", "import pip; print(pip.__version__)"], capture_output=True, text=True).stdout.strip()
    assert sorted(os.listdir(project / "dest")) == ["six-1.16.0-py3-none-any.whl", "tinydep-2.0-py3-none-any.whl"]


def test_a_failed_download_writes_no_report(python_exe, project):
    (project / "requirements.txt").write_text("./my project\nsix==9.9\n")
    assert download(python_exe, project, rc=1) == ""


# Before the report shim, as if pip had no InstallationReport (pips before 22.2), or one that cannot report.
NO_INSTALLATION_REPORT = "import sys; sys.modules['pip._internal.models.installation_report'] = None\n"
FAILING_REPORT = ("from pip._internal.models.installation_report import InstallationReport\n"
                  "def _fail(self): raise RuntimeError('cannot report')\n"
                  "InstallationReport.to_dict = _fail\n")


@pytest.mark.parametrize("before", [NO_INSTALLATION_REPORT, FAILING_REPORT], ids=["no-report-class", "failing"])
def test_a_pip_that_cannot_report_downloads_all_the_same_and_writes_none(project, before):
    assert download(sys.executable, project, shim=before + pip_report_shim) == ""
    assert sorted(os.listdir(project / "dest")) == ["six-1.16.0-py3-none-any.whl", "tinydep-2.0-py3-none-any.whl"]


def test_without_the_variable_the_shim_changes_nothing(project):
    pip = SubprocessPip(python_exe=sys.executable)
    returncode, _, err = pip.main(["download", "-r", "requirements.txt", "--dest", str(project / "dest"),
                                   "--no-index", "--find-links", str(project / "links")], shim=pip_report_shim)
    assert returncode == 0, err.decode()
    assert not (project / "report.json").exists()


@pytest.mark.parametrize("pip_version, target", [("latest", LambdaTarget("python3.12", ARM64)), ("23.2.1", None),
                                                 ("23.2.1", LambdaTarget("python3.12", ARM64))],
                         ids=["latest-arm64-3.12", "23.2.1-this-machine", "23.2.1-arm64-3.12"])
def test_the_runner_builds_the_local_project_the_real_pips_report_names(request, project, monkeypatch, pip_version,
                                                                         target):
    python_exe = sys.executable if pip_version == "latest" else request.getfixturevalue("pip_23_2_1")

    def no_scraping(stdout, cwd):
        raise AssertionError("pip's output was read although pip wrote its report")

    monkeypatch.setattr(pip_runner_module, "local_directories", no_scraping)
    scratch = project / "scratch"
    scratch.mkdir()
    runner = PipRunner(python_exe, SubprocessPip(python_exe=python_exe), temp_dir=str(scratch))

    built = runner.download_all_dependencies("requirements.txt", str(project / "dest"),
                                             options=["--no-index", "--find-links", str(project / "links")],
                                             target=target)

    assert built == {str(project / "my project"): ["my_project-0.3-py3-none-any.whl"]}
    assert sorted(os.listdir(project / "dest")) == [
        "my_project-0.3-py3-none-any.whl", "six-1.16.0-py3-none-any.whl", "tinydep-2.0-py3-none-any.whl"]
    assert not [name for name in os.listdir(scratch) if name.startswith("pip-report-")], "the report is removed"
