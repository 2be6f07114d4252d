"""AWS SAM CLI as a real client, installed from PyPI into virtual environments of its own.

Two ways to build Python functions with SAM, both in the README:

- lambda-pip in place of aws-lambda-builders (its import package is ``aws_lambda_builders``):
  ``sam build`` of ``sam_app/`` (python3.11 x86_64, python3.12 arm64, python3.13 x86_64, an arm64
  layer, a function without requirements, one under a parent package), with ``--cached`` twice and
  with ``--parallel``, with no python3.12 or python3.13 on the PATH SAM is given;
- the stock aws-lambda-builders, for projects that mix languages: ``sam build`` of
  ``sam_makefile_app/``, whose ``BuildMethod: makefile`` targets run ``lambda-pip build`` from another
  environment (this one). lambda-pip is never installed beside the stock aws-lambda-builders: both
  are the import package ``aws_lambda_builders``.

Every artifact is audited with ``lambda-pip check`` for its runtime and architecture. SAM and pip run
with ``PIP_CONFIG_FILE`` set to the null device and no other ``PIP_*`` variable, against PyPI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

import pytest

# The newest aws-sam-cli on PyPI when this was written (November 2026); it pins aws_lambda_builders==1.67.0.
SAM_CLI = "aws-sam-cli==1.170.0"
STOCK_BUILDERS_VERSION = "1.67.0"

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SAM_APP = HERE / "sam_app"
MAKEFILE_APP = HERE / "sam_makefile_app"
# lambda-pip of the environment running the tests: the one the makefile recipe calls, and the auditor.
LAMBDA_PIP = Path(sys.executable).with_name("lambda-pip")
HOST_MINOR = sys.version_info[1]
HOST_IS_X86_64 = os.uname().machine == "x86_64"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(sys.version_info < (3, 10), reason="aws-sam-cli 1.170 needs Python 3.10 or newer"),
]


class Artifact(NamedTuple):
    """One directory of .aws-sam/build/ and what it must be for Lambda."""

    path: str  # relative to .aws-sam/build/
    runtime: str
    architecture: str
    requirements: Optional[str]  # relative to the project, None when the function has none


SAM_APP_ARTIFACTS = [
    Artifact("Py311Function", "python3.11", "x86_64", "py311/requirements.txt"),
    Artifact("Py312ArmFunction", "python3.12", "arm64", "py312_arm64/requirements.txt"),
    Artifact("Py313Function", "python3.13", "x86_64", "py313/requirements.txt"),
    Artifact("NoRequirementsFunction", "python3.12", "x86_64", None),
    Artifact("ParentPackageFunction", "python3.12", "x86_64", "parent_package/requirements.txt"),
    Artifact("SharedLayer/python", "python3.12", "arm64", "layer/requirements.txt"),
]
# The resources whose requirements SAM hashes for --cached (the function without one is always rebuilt).
WITH_REQUIREMENTS = ["SharedLayer", "Py311Function", "Py312ArmFunction", "Py313Function", "ParentPackageFunction"]

MAKEFILE_APP_ARTIFACTS = [
    Artifact("MakefileFunction", "python3.12", "arm64", "function/requirements.txt"),
    Artifact("MakefileLayer/python", "python3.12", "arm64", "layer/requirements.txt"),
]


def _hermetic_environ(**extra: str) -> Dict[str, str]:
    """This process's environment without the machine's pip configuration, SAM's telemetry and settings."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", SAM_CLI_TELEMETRY="0")
    env.update(extra)
    return env


def _run(command: List[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None,
         timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env or _hermetic_environ(),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)


def _check_call(command: List[str], **kwargs) -> str:
    result = _run(command, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout}"
    return result.stdout


class SamInstall(NamedTuple):
    venv: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"


@pytest.fixture(scope="session")
def sam_wheelhouse(tmp_path_factory) -> Path:
    """aws-sam-cli and its dependencies as wheels, downloaded once for both environments.

    A directory of wheels rather than pip's HTTP cache: pip caches a download only when the
    server's headers allow it, which a proxy may not.
    """
    wheelhouse = tmp_path_factory.mktemp("sam-wheelhouse")
    _check_call([sys.executable, "-m", "pip", "wheel", "-q", "--wheel-dir", wheelhouse, SAM_CLI])
    return wheelhouse


def _install_sam(venv: Path, wheelhouse: Path) -> SamInstall:
    _check_call([sys.executable, "-m", "venv", venv])
    install = SamInstall(venv)
    _check_call([install.python, "-m", "pip", "install", "-q", "--no-compile", "--no-index",
                 "--find-links", wheelhouse, SAM_CLI])
    return install


def _distribution_versions(install: SamInstall) -> Dict[str, Optional[str]]:
    """The installed versions of aws-lambda-builders and lambda-pip in that environment, and what imports."""
    script = (
        "import importlib.metadata as m, json, aws_lambda_builders as a\n"
        "def version(name):\n"
        "    try:\n"
        "        return m.version(name)\n"
        "    except m.PackageNotFoundError:\n"
        "        return None\n"
        "print(json.dumps({'aws-lambda-builders': version('aws-lambda-builders'), 'lambda-pip': version('lambda-pip'),"
        " 'imported': a.__file__}))\n"
    )
    return json.loads(_check_call([install.python, "-I", "-c", script]))


@pytest.fixture(scope="session")
def stock_sam(tmp_path_factory, sam_wheelhouse) -> SamInstall:
    """aws-sam-cli as its users install it, with its own aws-lambda-builders."""
    install = _install_sam(tmp_path_factory.mktemp("stock-sam") / "venv", sam_wheelhouse)
    versions = _distribution_versions(install)
    assert versions["aws-lambda-builders"] == STOCK_BUILDERS_VERSION and versions["lambda-pip"] is None
    return install


@pytest.fixture(scope="session")
def sam_with_lambda_pip(tmp_path_factory, sam_wheelhouse) -> SamInstall:
    """aws-sam-cli with aws-lambda-builders uninstalled and lambda-pip (this working tree) installed.

    The package is built into a wheel from a copy of what its sdist holds, so nothing is written into
    the working tree; pip installs the wheel's dependencies (those of requirements/base.txt) from PyPI.
    """
    root = tmp_path_factory.mktemp("sam-with-lambda-pip")
    install = _install_sam(root / "venv", sam_wheelhouse)
    _check_call([install.python, "-m", "pip", "uninstall", "-q", "-y", "aws-lambda-builders"])
    source = root / "lambda-pip"
    shutil.copytree(REPO / "aws_lambda_builders", source / "aws_lambda_builders",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(REPO / "requirements", source / "requirements")
    for name in ("setup.py", "setup.cfg", "MANIFEST.in", "README.md", "LICENSE", "NOTICE"):
        shutil.copy2(REPO / name, source / name)
    wheels = root / "wheels"
    _check_call([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                 "--wheel-dir", wheels, source])
    (wheel,) = wheels.glob("lambda_pip-*.whl")
    _check_call([install.python, "-m", "pip", "install", "-q", wheel])
    versions = _distribution_versions(install)
    assert versions["aws-lambda-builders"] is None and versions["lambda-pip"] is not None
    assert versions["imported"].startswith(str(install.venv)), versions
    return install


def _project(tmp_path: Path, app: Path) -> Path:
    project = tmp_path / app.name
    shutil.copytree(app, project)
    return project


def _path_without_target_pythons(install: SamInstall) -> str:
    """SAM's bin directory, then this PATH without the directories that hold python3.12 or python3.13.

    pyenv's shims directory holds a ``python3.X`` for every version pyenv has, so it goes too.
    """
    others = [f"python3.{minor}" for minor in (12, 13) if minor != HOST_MINOR]
    kept = [d for d in os.environ.get("PATH", "").split(os.pathsep)
            if d and not any(os.path.exists(os.path.join(d, name)) for name in others)]
    path = os.pathsep.join([str(install.bin)] + kept)
    for name in others:
        assert shutil.which(name, path=path) is None, name
    return path


def _sam_environ(install: SamInstall, tmp_path: Path, **extra: str) -> Dict[str, str]:
    """The environment of a swapped `sam build`: no python3.12/3.13 on PATH, no pyenv to find one in."""
    return _hermetic_environ(PATH=_path_without_target_pythons(install), PYENV_ROOT=str(tmp_path / "no-pyenv"),
                             __SAM_CLI_APP_DIR=str(tmp_path / "sam-settings"), **extra)


def _sam_build(install: SamInstall, project: Path, env: Dict[str, str], *options: str) -> str:
    return _check_call([install.bin / "sam", "build", *options], cwd=project, env=env)


def _audit(project: Path, artifacts: List[Artifact]) -> None:
    """`lambda-pip check` of every artifact, against its requirements, for its runtime and architecture."""
    build = project / ".aws-sam" / "build"
    for artifact in artifacts:
        command = [LAMBDA_PIP, "check", build / artifact.path, "--runtime", artifact.runtime,
                   "--architecture", artifact.architecture, "--json"]
        if artifact.requirements:
            command += ["-r", project / artifact.requirements]
        result = _run(command)
        report = json.loads(result.stdout)
        assert (result.returncode, report["problems"]) == (0, []), artifact


def _top_level(directory: Path) -> set:
    return {p.name for p in directory.iterdir()}


def _call_handler(artifact: Path, handler: str) -> dict:
    """Import the handler from the artifact alone (no site-packages) with this Python, call it, return its value."""
    module, function = handler.rsplit(".", 1)
    script = (f"import json, sys\nsys.path.insert(0, {str(artifact)!r})\nimport {module}\n"
              f"print(json.dumps({module}.{function}({{'a': 1}}, None)))\n")
    return json.loads(_check_call([sys.executable, "-I", "-S", "-c", script]).splitlines()[-1])


def _assert_sam_app_layout(project: Path) -> None:
    build = project / ".aws-sam" / "build"
    assert {"template.yaml", "SharedLayer", "Py311Function", "Py312ArmFunction", "Py313Function",
            "NoRequirementsFunction", "ParentPackageFunction"} <= _top_level(build)

    layer = build / "SharedLayer"
    assert _top_level(layer) == {"python"}, "a layer's content is under python/"
    assert {"yaml", "attr", "attrs"} <= _top_level(layer / "python")
    assert list((layer / "python" / "yaml").glob("_yaml.cpython-312-aarch64-linux-gnu.so"))

    parent = build / "ParentPackageFunction"
    assert {"app", "six.py", "six-1.17.0.dist-info"} <= _top_level(parent), "dependencies at the top"
    assert {"main.py", "greeting.py"} <= _top_level(parent / "app" / "handlers"), "source under app/handlers/"
    assert not {"main.py", "greeting.py"} & _top_level(parent)
    assert _call_handler(parent, "app.handlers.main.handler") == {"greeting": "hello from app.handlers",
                                                                  "six": "1.17.0"}

    assert _top_level(build / "NoRequirementsFunction") == {"app.py"}
    assert _call_handler(build / "NoRequirementsFunction", "app.handler") == {"ok": True}

    assert list((build / "Py313Function" / "markupsafe").glob("_speedups.cpython-313-x86_64-linux-gnu.so"))
    assert list((build / "Py312ArmFunction" / "markupsafe").glob("_speedups.cpython-312-aarch64-linux-gnu.so"))
    if HOST_MINOR == 11 and HOST_IS_X86_64:
        result = _call_handler(build / "Py311Function", "app.handler")
        assert result["with_libyaml"] is True, "PyYAML's C extension loads"


class PoisonedPip(NamedTuple):
    """A directory to put first on PYTHONPATH: ``python -m pip`` (or ``import pip``) there notes the run and fails."""

    directory: Path
    runs: Path  # written by each pip run

    @classmethod
    def create(cls, directory: Path) -> PoisonedPip:
        package, runs = directory / "pip", directory / "pip-runs.txt"
        package.mkdir(parents=True)
        poison = (f"import sys\nwith open({str(runs)!r}, 'a') as runs:\n    runs.write(repr(sys.argv) + '\\n')\n"
                  "raise SystemExit('pip was run')\n")
        (package / "__init__.py").write_text(poison)
        return cls(directory, runs)


def test_sam_build_cached_builds_every_function_and_layer_and_the_second_run_runs_no_pip(sam_with_lambda_pip,
                                                                                         tmp_path):
    sam = sam_with_lambda_pip
    project = _project(tmp_path, SAM_APP)
    env = _sam_environ(sam, tmp_path)

    first = _sam_build(sam, project, env, "--cached")

    assert "Build Succeeded" in first
    for resource in WITH_REQUIREMENTS:
        assert f"is missing for ({resource}), downloading dependencies" in first
    _audit(project, SAM_APP_ARTIFACTS)
    _assert_sam_app_layout(project)

    # Unchanged requirements: SAM asks for a build without downloads (download_dependencies=False), copying the
    # dependencies it kept in .aws-sam/deps/. Any pip run would fail: pip itself is poisoned and the index is off.
    poison = PoisonedPip.create(tmp_path / "poisoned-pip")
    no_pip = dict(env, PYTHONPATH=str(poison.directory), PIP_NO_INDEX="1")
    second = _sam_build(sam, project, no_pip, "--cached")

    assert "Build Succeeded" in second
    for resource in WITH_REQUIREMENTS:
        assert f"Manifest is not changed for ({resource}), running incremental build" in second
    assert "downloaded " not in second
    assert not poison.runs.exists(), poison.runs.read_text()
    _audit(project, SAM_APP_ARTIFACTS)
    _assert_sam_app_layout(project)

    # The control: the same poison reaches the pip of a build that needs one, so the second run's silence counts.
    control = _project(tmp_path / "control", SAM_APP)
    failed = _run([sam.bin / "sam", "build", "--cached"], cwd=control, env=no_pip)
    assert failed.returncode != 0, failed.stdout
    assert poison.runs.exists(), failed.stdout


def test_sam_build_parallel_builds_every_function_and_layer_at_once(sam_with_lambda_pip, tmp_path):
    sam = sam_with_lambda_pip
    project = _project(tmp_path, SAM_APP)

    output = _sam_build(sam, project, _sam_environ(sam, tmp_path), "--parallel")

    assert "Build Succeeded" in output
    _audit(project, SAM_APP_ARTIFACTS)
    _assert_sam_app_layout(project)


@pytest.mark.skipif(shutil.which("make") is None, reason="SAM's makefile builds need make")
def test_makefile_recipe_builds_python_with_lambda_pip_under_the_stock_sam(stock_sam, tmp_path):
    project = _project(tmp_path, MAKEFILE_APP)
    env = _hermetic_environ(PATH=os.pathsep.join([str(stock_sam.bin), os.environ.get("PATH", "")]),
                            LAMBDA_PIP=str(LAMBDA_PIP), __SAM_CLI_APP_DIR=str(tmp_path / "sam-settings"))

    output = _sam_build(stock_sam, project, env)

    assert "Build Succeeded" in output
    assert "Running CustomMakeBuilder:MakeBuild" in output
    _audit(project, MAKEFILE_APP_ARTIFACTS)
    build = project / ".aws-sam" / "build"
    function = build / "MakefileFunction"
    assert {"app.py", "yaml", "idna", "PyYAML-6.0.2.dist-info", "idna-3.10.dist-info"} <= _top_level(function)
    assert list((function / "yaml").glob("_yaml.cpython-312-aarch64-linux-gnu.so"))
    layer = build / "MakefileLayer"
    assert _top_level(layer) == {"python"}
    assert {"markupsafe", "attrs", "attr"} <= _top_level(layer / "python")
    assert list((layer / "python" / "markupsafe").glob("_speedups.cpython-312-aarch64-linux-gnu.so"))
