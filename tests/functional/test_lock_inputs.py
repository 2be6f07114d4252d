"""Locks and pyproject.toml as inputs, with the real pip and the local index: what was locked is what ships.

The locks are written here from the index's own files (their URLs and sha256), as a locking tool writes them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip import pip_runner
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle

pytestmark = pytest.mark.usefixtures("offline_pip")


def files_of(package_index, name: str) -> List[Path]:
    prefix = name.replace("-", "_") + "-"
    return sorted(p for p in package_index.directory.iterdir() if p.name.startswith((prefix, name + "-")))


def file_entry(package_index, path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    root = package_index.url[:-len("simple/")]
    return f'{{ url = "{root}packages/{path.name}", hashes = {{ sha256 = "{digest}" }} }}'


def pylock(package_index, packages: Dict[str, str], markers: Optional[Dict[str, str]] = None) -> str:
    """A pylock.toml of ``packages`` (name -> version) with every file the index has for each."""
    text = 'lock-version = "1.0"\ncreated-by = "tests"\n'
    for name, version in packages.items():
        text += f'\n[[packages]]\nname = "{name}"\nversion = "{version}"\n'
        if markers and name in markers:
            text += f"marker = {json.dumps(markers[name])}\n"
        files = files_of(package_index, name)
        sdists = [f for f in files if f.name.endswith(".tar.gz")]
        wheels = [f for f in files if f.name.endswith(".whl")]
        if sdists:
            text += f"sdist = {file_entry(package_index, sdists[0])}\n"
        if wheels:
            text += "wheels = [\n" + "".join(f"    {file_entry(package_index, w)},\n" for w in wheels) + "]\n"
    return text


def lambda_pip(tmp_path: Path, package_index, lock: Path, *options: str, runtime: str = "python3.12",
               architecture: str = X86_64, output: str = "out"):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(lock), "-o", str(tmp_path / output), "--runtime", runtime,
                     "--architecture", architecture, "-i", package_index.url, "--scratch-dir",
                     str(tmp_path / "scratch"), "--cache-dir", str(tmp_path / "cache"), "--json", *options],
                    stream=err, out=out)
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


def installed(document) -> Dict[str, str]:
    return {d["name"]: d["version"] for d in document["distributions"]}


@pytest.mark.parametrize("architecture", [X86_64, ARM64])
def test_a_pylock_installs_the_locked_wheel_of_each_package_for_the_target(tmp_path, package_index, architecture):
    lock = tmp_path / "pylock.toml"
    lock.write_text(pylock(package_index, {"binary-three-platforms": "1.4", "pure-lib": "2.1", "pure-app": "1.0"}))

    code, document, err = lambda_pip(tmp_path, package_index, lock, architecture=architecture)

    assert code == 0, err
    assert installed(document) == {"binary-three-platforms": "1.4", "pure-lib": "2.1", "pure-app": "1.0"}
    machine = {X86_64: "x86_64", ARM64: "aarch64"}[architecture]
    assert (tmp_path / "out" / "binary_three_platforms" / f"_native.cpython-312-{machine}-linux-gnu.so").is_file()
    assert check_bundle(str(tmp_path / "out"), "python3.12", architecture).problems == []
    assert "resolving on this machine" not in err


def test_a_package_whose_lock_has_only_glibc_2_28_wheels_is_missing_for_python3_11_and_installed_for_3_12(
        tmp_path, package_index):
    lock = tmp_path / "pylock.toml"
    lock.write_text(pylock(package_index, {"manylinux-2-28-only": "3.0", "pure-lib": "2.1"}))

    code, document, err = lambda_pip(tmp_path, package_index, lock, runtime="python3.11", output="out311")
    assert code == cli.EXIT_MISSING
    reason = dict((m["package"], m["reason"]) for m in document["missing"])["manylinux-2-28-only==3.0"]
    assert "the lock has no file for python3.11 on x86_64" in reason and "manylinux_2_26_x86_64 or older" in reason
    assert "manylinux_2_28_only-3.0-cp311-cp311-manylinux_2_28_x86_64.whl" in reason
    assert not (tmp_path / "out311").exists()

    code, document, err = lambda_pip(tmp_path, package_index, lock, runtime="python3.12", output="out312")
    assert code == 0, err
    assert installed(document) == {"manylinux-2-28-only": "3.0", "pure-lib": "2.1"}
    assert check_bundle(str(tmp_path / "out312"), "python3.12", X86_64).problems == []


def test_a_lock_with_one_tampered_hash_is_refused_naming_the_package_and_the_output_is_untouched(
        tmp_path, package_index):
    good = pylock(package_index, {"pure-lib": "2.1", "pure-app": "1.0"})
    digest = hashlib.sha256(files_of(package_index, "pure-app")[0].read_bytes()).hexdigest()
    lock = tmp_path / "pylock.toml"
    lock.write_text(good.replace(digest, "0" * 64))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "kept.txt").write_text("the last good bundle")

    code, document, err = lambda_pip(tmp_path, package_index, lock)

    assert code == cli.EXIT_INPUT == 5
    assert "Hash mismatch for pure-app" in err and f"the lock {lock} pins" in err
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["kept.txt"]


def test_a_pylock_file_without_hashes_is_refused_naming_the_package(tmp_path, package_index):
    text = pylock(package_index, {"pure-lib": "2.1", "pure-app": "1.0"})
    digest = hashlib.sha256(files_of(package_index, "pure-lib")[0].read_bytes()).hexdigest()
    lock = tmp_path / "pylock.toml"
    lock.write_text(text.replace(f', hashes = {{ sha256 = "{digest}" }}', ", hashes = {}"))

    code, document, err = lambda_pip(tmp_path, package_index, lock)

    assert code == cli.EXIT_INPUT
    assert "not a valid pylock.toml" in err and "(package pure-lib 2.1)" in err
    assert not (tmp_path / "out").exists()


def test_an_unchanged_lock_rebuilds_without_pip_and_a_changed_line_builds_again(tmp_path, package_index,
                                                                                  monkeypatch):
    lock = tmp_path / "pylock.toml"
    lock.write_text(pylock(package_index, {"pure-lib": "2.1"}))
    assert lambda_pip(tmp_path, package_index, lock)[0] == 0
    calls: List[Sequence[str]] = []
    real_main = pip_runner.SubprocessPip.main

    def recording(self, args, *rest, **kwargs):
        calls.append(list(args))
        return real_main(self, args, *rest, **kwargs)

    monkeypatch.setattr(pip_runner.SubprocessPip, "main", recording)
    code, document, err = lambda_pip(tmp_path, package_index, lock)
    assert code == 0 and calls == []
    assert installed(document) == {"pure-lib": "2.1"}

    lock.write_text(pylock(package_index, {"pure-lib": "2.1", "pure-app": "1.0"}))
    code, document, err = lambda_pip(tmp_path, package_index, lock)
    assert code == 0 and calls, "a changed lock runs pip again"
    assert installed(document) == {"pure-lib": "2.1", "pure-app": "1.0"}


def test_a_locked_sdist_is_built_for_the_target_and_a_marker_leaves_a_package_out(tmp_path, package_index):
    lock = tmp_path / "pylock.toml"
    lock.write_text(pylock(package_index, {"sdist-only-pure": "0.5", "pure-lib": "2.1"},
                           markers={"pure-lib": "python_version < '3.12'"}))

    code, document, err = lambda_pip(tmp_path, package_index, lock)

    assert code == 0, err
    assert installed(document) == {"sdist-only-pure": "0.5"}
    assert [f.name for f in files_of(package_index, "sdist-only-pure")] == ["sdist-only-pure-0.5.tar.gz"], \
        "installed from a wheel built here: the lock has only its sdist"


def test_digests_alone_let_pip_pick_the_indexs_file_for_the_target(tmp_path, package_index):
    """Pipfile.lock names no file: pip chooses among the index's files those with a locked digest."""
    digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files_of(package_index, "binary-three-platforms")]
    lock = tmp_path / "Pipfile.lock"
    lock.write_text(json.dumps({
        "_meta": {"pipfile-spec": 6, "sources": [{"name": "local", "url": package_index.url, "verify_ssl": False}]},
        "default": {"binary-three-platforms": {"version": "==1.4", "hashes": [f"sha256:{d}" for d in digests]},
                    "pure-lib": {"version": "==2.1", "hashes": [
                        "sha256:" + hashlib.sha256(files_of(package_index, "pure-lib")[0].read_bytes()).hexdigest()],
                        "markers": "python_version >= '3.10'"}},
        "develop": {"pure-app": {"version": "==1.0", "hashes": ["sha256:" + "1" * 64]}},
    }))

    code, document, err = lambda_pip(tmp_path, package_index, lock, architecture=ARM64)

    assert code == 0, err
    assert installed(document) == {"binary-three-platforms": "1.4", "pure-lib": "2.1"}
    assert check_bundle(str(tmp_path / "out"), "python3.12", ARM64).problems == []


def test_a_pyproject_is_resolved_for_the_target_with_the_extras_and_groups_asked_for(tmp_path, package_index):
    project = tmp_path / "pyproject.toml"
    project.write_text('[project]\nname = "function"\nversion = "1"\ndependencies = ["pure-app"]\n'
                       '[project.optional-dependencies]\nnative = ["binary-three-platforms"]\n'
                       '[dependency-groups]\ntools = ["sdist-only-pure"]\nall = [{include-group = "tools"}]\n')

    code, document, err = lambda_pip(tmp_path, package_index, project, output="plain")
    assert code == 0, err
    assert installed(document) == {"pure-app": "1.0", "pure-lib": "2.1"}

    code, document, err = lambda_pip(tmp_path, package_index, project, "--extra", "native", "--group", "all",
                                     output="everything")
    assert code == 0, err
    assert installed(document) == {"pure-app": "1.0", "pure-lib": "2.1", "binary-three-platforms": "1.4",
                                   "sdist-only-pure": "0.5"}

    code, document, err = lambda_pip(tmp_path, package_index, project, "--extra", "nope", output="unknown")
    assert code == cli.EXIT_INPUT
    assert "no extra 'nope' (it has: native)" in err


def test_the_library_builds_from_a_lock_given_as_its_requirements(tmp_path, package_index):
    from aws_lambda_builders.workflows.python_pip.packager import PythonPipDependencyBuilder
    from aws_lambda_builders.workflows.python_pip.utils import Config

    lock = tmp_path / "pylock.toml"
    lock.write_text(pylock(package_index, {"binary-three-platforms": "1.4"}))
    PythonPipDependencyBuilder(runtime="python3.13", python_exe=sys.executable, architecture=ARM64
                               ).build_dependencies(str(tmp_path / "lib"), str(tmp_path / "scratch"), str(lock),
                                                    config=Config(index_url=package_index.url))

    assert sorted(p.name for p in (tmp_path / "lib").glob("*.dist-info")) == ["binary_three_platforms-1.4.dist-info"]
    assert check_bundle(str(tmp_path / "lib"), "python3.13", ARM64).problems == []


def lock_command(tmp_path: Path, package_index, requirements: Path, *options: str, output: str = "pylock.toml"):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["lock", "-r", str(requirements), "-o", str(tmp_path / output), "-i", package_index.url,
                     "--scratch-dir", str(tmp_path / "scratch"), *options], stream=err, out=out)
    return code, out.getvalue(), err.getvalue()


def test_lambda_pip_lock_writes_a_lock_for_several_targets_that_builds_each_of_them(tmp_path, package_index):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("binary-three-platforms\npure-app\nsdist-only-pure\n"
                            "manylinux-2-28-only; platform_machine == 'aarch64'\n")

    code, out, err = lock_command(tmp_path, package_index, requirements, "--runtime", "python3.12",
                                  "--architecture", "x86_64", "--architecture", "arm64")

    assert code == 0, err
    assert out.strip() == (f"locked 5 releases for python3.12 on x86_64, python3.12 on arm64 into "
                           f"{tmp_path / 'pylock.toml'}")
    text = (tmp_path / "pylock.toml").read_text()
    assert text.startswith("# Written by lambda-pip lock -r ")
    for wheel in ("binary_three_platforms-1.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                  "binary_three_platforms-1.4-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"):
        digest = hashlib.sha256((package_index.directory / wheel).read_bytes()).hexdigest()
        assert f'{wheel}", hashes = {{ sha256 = "{digest}" }} }}' in text
    assert "macosx" not in text, "only what the targets take is locked"
    assert "sdist-only-pure-0.5.tar.gz" in text
    for architecture, expected in ((X86_64, {"binary-three-platforms": "1.4", "pure-app": "1.0", "pure-lib": "2.1",
                                             "sdist-only-pure": "0.5"}),
                                   (ARM64, {"binary-three-platforms": "1.4", "pure-app": "1.0", "pure-lib": "2.1",
                                            "sdist-only-pure": "0.5", "manylinux-2-28-only": "3.0"})):
        code, document, err = lambda_pip(tmp_path, package_index, tmp_path / "pylock.toml",
                                         architecture=architecture, output=f"out-{architecture}")
        assert code == 0, err
        assert installed(document) == expected
        assert check_bundle(str(tmp_path / f"out-{architecture}"), "python3.12", architecture).problems == []

    code, document, err = lambda_pip(tmp_path, package_index, tmp_path / "pylock.toml", runtime="python3.13",
                                     output="other")
    assert code == cli.EXIT_INPUT
    assert "was made for other targets than python3.13 on x86_64" in err and "--runtime python3.13" in err


def test_lambda_pip_lock_keeps_a_local_project_as_a_directory_and_writes_nothing_into_it(tmp_path,
                                                                                         package_index):
    project = tmp_path / "mine"
    (project / "mine").mkdir(parents=True)
    (project / "mine" / "__init__.py").write_text("VALUE = 1\n")
    (project / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n'
                                            'build-backend = "setuptools.build_meta"\n'
                                            '[project]\nname = "mine"\nversion = "0.1"\ndependencies = ["pure-lib"]\n')
    before = sorted(str(p.relative_to(project)) for p in project.rglob("*"))
    (tmp_path / "app").mkdir()
    function = tmp_path / "app" / "pyproject.toml"
    function.write_text('[project]\nname = "function"\nversion = "1"\ndependencies = ["mine @ file://'
                        f'{project}"]\n')

    code, out, err = lock_command(tmp_path, package_index, function, "--runtime", "python3.12",
                                  output="app/pylock.toml")

    assert code == 0, err
    text = (tmp_path / "app" / "pylock.toml").read_text()
    assert 'name = "mine"\ndirectory = { path = "../mine" }' in text
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*")) == before

    code, document, err = lambda_pip(tmp_path, package_index, tmp_path / "app" / "pylock.toml")
    assert code == 0, err
    assert installed(document) == {"mine": "0.1", "pure-lib": "2.1"}


def test_a_failed_lock_leaves_the_last_lock_as_it_was(tmp_path, package_index):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("no-such-project-here\n")
    (tmp_path / "pylock.toml").write_text("# the last good lock\n")

    code, out, err = lock_command(tmp_path, package_index, requirements)

    assert code != 0 and "no-such-project-here" in err
    assert (tmp_path / "pylock.toml").read_text() == "# the last good lock\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pylock.toml", "requirements.txt", "scratch"]
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_locked_vcs_entry_is_built_from_its_locked_commit(tmp_path, package_index):
    repository = tmp_path / "repository"
    (repository / "vcsmod").mkdir(parents=True)
    (repository / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n'
                                               'build-backend = "setuptools.build_meta"\n'
                                               '[project]\nname = "vcsmod"\nversion = "0.3"\n')

    def commit(value: int) -> str:
        (repository / "vcsmod" / "__init__.py").write_text(f"VALUE = {value}\n")
        git = ["git", "-C", str(repository), "-c", "user.email=t@example.com", "-c", "user.name=t"]
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-qm", f"value {value}"], check=True)
        return subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()

    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    locked = commit(1)
    commit(2)  # the branch moved on: the lock's commit is what ships
    lock = tmp_path / "pylock.toml"
    lock.write_text('lock-version = "1.0"\ncreated-by = "tests"\n[[packages]]\nname = "vcsmod"\n'
                    f'vcs = {{ type = "git", url = "file://{repository}", commit-id = "{locked}" }}\n')

    code, document, err = lambda_pip(tmp_path, package_index, lock, architecture=ARM64)

    assert code == 0, err
    assert installed(document) == {"vcsmod": "0.3"}
    assert (tmp_path / "out" / "vcsmod" / "__init__.py").read_text() == "VALUE = 1\n"


def test_lambda_builder_builds_a_function_whose_manifest_is_a_lock(tmp_path, package_index, monkeypatch):
    """SAM's path (``sam build --manifest uv.lock`` gives the workflow the lock as its manifest)."""
    from aws_lambda_builders.builder import LambdaBuilder

    monkeypatch.setenv("PIP_INDEX_URL", package_index.url)
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text("import binary_three_platforms\n")
    (source / "pylock.toml").write_text(pylock(package_index, {"binary-three-platforms": "1.4", "pure-lib": "2.1"}))

    LambdaBuilder(language="python", dependency_manager="pip", application_framework=None).build(
        str(source), str(tmp_path / "artifacts"), str(tmp_path / "scratch"), str(source / "pylock.toml"),
        runtime="python3.12", architecture="arm64")

    artifacts = tmp_path / "artifacts"
    assert (artifacts / "app.py").is_file()
    assert sorted(p.name for p in artifacts.glob("*.dist-info")) == ["binary_three_platforms-1.4.dist-info",
                                                                     "pure_lib-2.1.dist-info"]
    assert check_bundle(str(artifacts), "python3.12", ARM64).problems == []


def test_extras_and_groups_given_for_a_requirements_file_are_refused(tmp_path, package_index):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pure-lib\n")

    code, document, err = lambda_pip(tmp_path, package_index, requirements, "--extra", "yaml")

    assert code == cli.EXIT_INPUT
    assert "--extra and --group choose from a pyproject.toml or a lock" in err
    assert not (tmp_path / "out").exists()


def test_a_lock_missing_a_file_for_the_target_advises_locking_for_it(tmp_path, package_index):
    lock = tmp_path / "pylock.toml"
    lock.write_text(pylock(package_index, {"manylinux-2-28-only": "3.0"}))

    code, document, err = lambda_pip(tmp_path, package_index, lock, runtime="python3.11")

    assert code == cli.EXIT_MISSING
    assert "Lock for the target" in document["error"] and "Pin a version" not in document["error"]


def test_lambda_pip_lock_keeps_the_mode_of_the_lock_it_replaces_and_warns_of_a_name_build_would_not_know(
        tmp_path, package_index):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pure-lib\n")
    (tmp_path / "pylock.toml").write_text("# the old lock\n")
    (tmp_path / "pylock.toml").chmod(0o640)

    code, out, err = lock_command(tmp_path, package_index, requirements, "--runtime", "python3.12")
    assert code == 0, err
    assert (tmp_path / "pylock.toml").stat().st_mode & 0o7777 == 0o640
    assert "warning" not in err

    code, out, err = lock_command(tmp_path, package_index, requirements, "--runtime", "python3.12",
                                  output="locks.toml")
    assert code == 0, err
    assert "locks.toml is not named pylock.toml or pylock.NAME.toml" in err and "--input-format pylock" in err
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "locks.toml").stat().st_mode & 0o7777 == 0o666 & ~umask, "a new lock: a new file's mode"
