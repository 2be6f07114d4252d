"""The build cache with the real pip and the local index: unchanged rebuilds run no pip, races and damage are safe."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip import pip_runner, size_budget, zip_archive
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle
from aws_lambda_builders.workflows.python_pip.packager import PythonPipDependencyBuilder
from aws_lambda_builders.workflows.python_pip.utils import UI, Config
from tests.cache_damage import damage_keeping_size_mtime_and_mode

pytestmark = pytest.mark.usefixtures("offline_pip")


class StepsUI(UI):
    def __init__(self):
        super().__init__()
        self.steps: List[str] = []
        self.built: List[str] = []
        self.lines: List[str] = []

    def step_started(self, step):
        self.steps.append(step)

    def package_built(self, sdist, wheel):
        self.built.append(wheel)

    def write(self, message):
        self.lines.append(message)


def contents(directory: Path) -> Dict[str, str]:
    """Every file under ``directory`` by relative path, with the sha256 of its bytes."""
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def build(tmp_path: Path, package_index, requirements: str, cache: Path, name: str = "bundle",
          architecture: str = ARM64, **config) -> StepsUI:
    path = tmp_path / "requirements.txt"
    path.write_text(requirements)
    ui = StepsUI()
    PythonPipDependencyBuilder(runtime="python3.12", python_exe=sys.executable, architecture=architecture
                               ).build_dependencies(str(tmp_path / name), str(tmp_path / "scratch"), str(path), ui=ui,
                                                    config=Config(index_url=package_index.url, cache_dir=str(cache),
                                                                  **config))
    return ui


def test_unchanged_rebuild_runs_no_pip_and_places_the_same_files(tmp_path, package_index, monkeypatch):
    cache = tmp_path / "cache"
    first = build(tmp_path, package_index, "pure-app\nbinary-three-platforms\n", cache, "first")
    assert "download" in first.steps

    def no_pip(*args, **kwargs):
        raise AssertionError("pip ran for an unchanged rebuild")

    monkeypatch.setattr(pip_runner.SubprocessPip, "main", no_pip)
    second = build(tmp_path, package_index, "pure-app\nbinary-three-platforms\n", cache, "second",
                   link_from_cache=True)

    assert second.steps == ["install"]
    assert any("unchanged since a cached build" in line for line in second.lines)
    assert contents(tmp_path / "second") == contents(tmp_path / "first")
    assert check_bundle(str(tmp_path / "second"), "python3.12", ARM64).problems == []
    placed = tmp_path / "second" / "pure_app" / "__init__.py"
    assert placed.stat().st_nlink > 1, "placed by hard link"
    assert not placed.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), "cached files are read-only"


def test_by_default_the_library_copies_from_the_cache_so_editing_the_bundle_leaves_it_intact(tmp_path,
                                                                                            package_index):
    cache = tmp_path / "cache"
    build(tmp_path, package_index, "pure-app\n", cache, "first")
    build(tmp_path, package_index, "pure-app\n", cache, "second")
    placed = tmp_path / "second" / "pure_app" / "__init__.py"
    assert placed.stat().st_nlink == 1 and placed.stat().st_mode & stat.S_IWUSR, "a writable copy"

    placed.write_text("edited = True\n")
    third = build(tmp_path, package_index, "pure-app\n", cache, "third")

    assert third.steps == ["install"], "the cache is intact: placed again without pip"
    assert contents(tmp_path / "third") == contents(tmp_path / "first")


def test_a_changed_input_is_built_again(tmp_path, package_index):
    cache = tmp_path / "cache"
    build(tmp_path, package_index, "pure-app\n", cache, "first", architecture=ARM64)
    other_target = build(tmp_path, package_index, "pure-app\n", cache, "second", architecture=X86_64)
    other_requirements = build(tmp_path, package_index, "pure-app\npure-lib\n", cache, "third")

    assert "download" in other_target.steps
    assert "download" in other_requirements.steps


def test_an_sdist_is_built_once_for_a_target(tmp_path, package_index, monkeypatch):
    cache = tmp_path / "cache"
    first = build(tmp_path, package_index, "sdist-only-pure\n", cache, "first")
    assert first.built, "the sdist was built the first time"
    builds = []
    real_build_wheel = pip_runner.PipRunner.build_wheel

    def counting(self, *args, **kwargs):
        builds.append(args[0])
        return real_build_wheel(self, *args, **kwargs)

    monkeypatch.setattr(pip_runner.PipRunner, "build_wheel", counting)
    second = build(tmp_path, package_index, "sdist-only-pure\npure-lib\n", cache, "second")

    assert "download" in second.steps, "the requirements changed: pip resolves them again"
    assert builds == [], "the sdist's wheel came from the cache"
    assert contents(tmp_path / "second").keys() >= contents(tmp_path / "first").keys()


def test_a_damaged_cached_file_is_rebuilt_not_installed(tmp_path, package_index):
    cache = tmp_path / "cache"
    build(tmp_path, package_index, "pure-app\n", cache, "first")
    original = contents(tmp_path / "first")
    [damaged] = list((cache / "v1" / "trees").glob("*/pure_app/__init__.py"))
    os.chmod(damaged, 0o644)
    damaged.write_bytes(b"raise SystemExit('damaged')\n")

    second = build(tmp_path, package_index, "pure-app\n", cache, "second")

    assert contents(tmp_path / "second") == original
    assert "download" in second.steps or second.steps == ["install"]
    [repaired] = list((cache / "v1" / "trees").glob("*/pure_app/__init__.py"))
    assert repaired.read_bytes() != b"raise SystemExit('damaged')\n"


def test_without_the_cache_nothing_is_written_to_it(tmp_path, package_index):
    cache = tmp_path / "cache"
    build(tmp_path, package_index, "pure-app\n", cache, no_cache=True)

    assert not cache.exists()
    assert (tmp_path / "bundle" / "pure_app" / "__init__.py").stat().st_nlink == 1


def test_two_builds_racing_on_one_cache_both_succeed_with_identical_bundles(tmp_path, package_index):
    (tmp_path / "requirements.txt").write_text("pure-app\nbinary-three-platforms\nsdist-only-pure\n")
    command = [sys.executable, "-m", "aws_lambda_builders.cli", "build", "-r", str(tmp_path / "requirements.txt"),
               "--runtime", "python3.12", "--architecture", "arm64", "-i", package_index.url,
               "--cache-dir", str(tmp_path / "cache"), "-q"]
    for attempt in range(2):  # the first race is on an empty cache, the second on a full one
        racers = [subprocess.Popen(command + ["-o", str(tmp_path / f"out-{attempt}-{n}")], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True) for n in range(2)]
        results = [racer.communicate(timeout=300) + (racer.returncode,) for racer in racers]
        for _out, err, code in results:
            assert code == 0, err
        assert contents(tmp_path / f"out-{attempt}-0") == contents(tmp_path / f"out-{attempt}-1")
    assert contents(tmp_path / "out-0-0") == contents(tmp_path / "out-1-0")
    leftovers = [p.name for p in (tmp_path / "cache" / "v1" / "trees").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_a_cache_that_cannot_be_written_is_warned_about_and_the_build_goes_on(tmp_path, package_index, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    build(tmp_path, package_index, "pure-app\n", blocker / "cache")

    assert (tmp_path / "bundle" / "pure_app" / "__init__.py").is_file()
    assert "cannot be written: building without it" in caplog.text


@pytest.mark.parametrize("layer", [[], ["--layer"]], ids=["function", "layer"])
def test_sizes_of_a_bundle_placed_from_the_cache_are_those_a_walk_of_it_finds(tmp_path, package_index, capsys,
                                                                             layer):
    import json

    from aws_lambda_builders import cli

    (tmp_path / "requirements.txt").write_text("pure-app\nbinary-three-platforms\n")
    (tmp_path / "empty-source").mkdir()

    def sizes(*options):
        code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / "out"),
                         "--runtime", "python3.12", "--architecture", "arm64", "-i", package_index.url,
                         "--cache-dir", str(tmp_path / "cache"), "--json", *layer, *options])
        assert code == 0
        return json.loads(capsys.readouterr().out)["sizes"]

    sizes()  # fills the cache
    with pytest.MonkeyPatch.context() as patch:
        def no_walk(directory):
            raise AssertionError("the bundle was walked")

        patch.setattr(size_budget, "bundle_files", no_walk)
        patch.setattr(zip_archive, "bundle_files", no_walk)
        from_the_cache = sizes()
    walked = sizes("--source", str(tmp_path / "empty-source"))  # a source, even empty, makes it walk the bundle

    assert from_the_cache == walked


def test_a_rebuild_into_an_output_that_holds_the_build_leaves_it_and_one_changed_since_is_placed_again(
        tmp_path, package_index, capsys):
    from aws_lambda_builders import cli

    (tmp_path / "requirements.txt").write_text("pure-app\nbinary-three-platforms\n")
    out = tmp_path / "out"

    def build_out():
        assert cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(out), "--runtime",
                         "python3.12", "--architecture", "arm64", "-i", package_index.url, "--cache-dir",
                         str(tmp_path / "cache")]) == 0
        printed = capsys.readouterr()
        return printed.err + printed.out  # progress, then the result

    build_out()
    placed = {path: path.stat().st_ino for path in out.rglob("*")}
    report = build_out()

    assert "nothing to do" in report
    assert {path: path.stat().st_ino for path in out.rglob("*")} == placed, "the output was left as it was"
    assert "zipped about" in report and "distributions into" in report

    (out / "pure_app" / "notes.txt").write_text("mine")
    report = build_out()

    assert "nothing to do" not in report
    assert not (out / "pure_app" / "notes.txt").exists()
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == sorted(str(p.relative_to(out)) for p in placed)
    assert check_bundle(str(out), "python3.12", ARM64).problems == []


def cli_build(tmp_path: Path, package_index, out: Path, *options: str) -> int:
    from aws_lambda_builders import cli

    return cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(out), "--runtime", "python3.12",
                     "--architecture", "arm64", "-i", package_index.url, "--cache-dir", str(tmp_path / "cache"),
                     *options], stream=io.StringIO())


def cache_verify(tmp_path: Path, capsys) -> Tuple[int, dict]:
    from aws_lambda_builders import cli

    capsys.readouterr()
    code = cli.main(["cache", "verify", "--json", "--cache-dir", str(tmp_path / "cache")], stream=io.StringIO())
    return code, json.loads(capsys.readouterr().out)


def zip_contents(path: Path) -> Dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()
                if not name.endswith("/")}


def damage_the_cached(tmp_path: Path, relative: str) -> Path:
    [cached] = list((tmp_path / "cache" / "v1" / "trees").glob(f"*/{relative}"))
    damage_keeping_size_mtime_and_mode(str(cached))
    return cached


def test_cache_verify_of_a_cache_builds_filled_finds_it_sound(tmp_path, package_index, capsys):
    (tmp_path / "requirements.txt").write_text("pure-app\nsdist-only-pure\nbinary-three-platforms\n")
    assert cli_build(tmp_path, package_index, tmp_path / "out") == 0

    code, result = cache_verify(tmp_path, capsys)

    assert code == 0 and result["sound"] is True and result["damaged"] == []
    assert result["checked"]["builds"] == 1 and result["checked"]["built"] == 1
    assert result["checked"]["trees"] >= 3 and result["checked"]["files"] > result["checked"]["trees"]
    assert result["holds"]["trees"] == result["checked"]["trees"]


def test_cache_verify_removes_a_file_damaged_behind_its_size_mtime_and_mode_and_the_next_build_is_sound(
        tmp_path, package_index, capsys):
    (tmp_path / "requirements.txt").write_text("pure-app\nbinary-three-platforms\n")
    assert cli_build(tmp_path, package_index, tmp_path / "first") == 0
    sound = contents(tmp_path / "first")
    damage_the_cached(tmp_path, "pure_app/__init__.py")

    code, result = cache_verify(tmp_path, capsys)

    assert code == 1 and result["sound"] is False
    [tree] = [entry for entry in result["damaged"] if entry["kind"] == "tree"]
    assert tree["wheel"].startswith("pure_app-") and tree["problems"] == [
        "pure_app/__init__.py: its bytes do not have the digest RECORD gives"]
    assert not (tmp_path / "cache" / "v1" / "trees" / tree["name"]).exists()
    assert result["removed"]["trees"] == 1

    assert cli_build(tmp_path, package_index, tmp_path / "second", "--zip", str(tmp_path / "second.zip")) == 0

    assert contents(tmp_path / "second") == sound
    assert zip_contents(tmp_path / "second.zip") == sound
    assert check_bundle(str(tmp_path / "second"), "python3.12", ARM64).problems == []
    assert (tmp_path / "cache" / "v1" / "trees" / tree["name"]).is_dir(), "the next build unpacked it again"
    assert cache_verify(tmp_path, capsys)[0] == 0


def test_copy_from_cache_never_copies_a_file_damaged_behind_its_size_mtime_and_mode(tmp_path, package_index,
                                                                                   capsys):
    (tmp_path / "requirements.txt").write_text("pure-app\nbinary-three-platforms\n")
    assert cli_build(tmp_path, package_index, tmp_path / "first", "--copy-from-cache") == 0
    sound = contents(tmp_path / "first")
    cached = damage_the_cached(tmp_path, "pure_app/__init__.py")

    assert cli_build(tmp_path, package_index, tmp_path / "second", "--copy-from-cache",
                     "--zip", str(tmp_path / "second.zip")) == 0

    assert contents(tmp_path / "second") == sound
    assert zip_contents(tmp_path / "second.zip") == sound
    assert check_bundle(str(tmp_path / "second"), "python3.12", ARM64).problems == []
    [unpacked_again] = list((tmp_path / "cache" / "v1" / "trees").glob("*/pure_app/__init__.py"))
    assert hashlib.sha256(unpacked_again.read_bytes()).hexdigest() == sound["pure_app/__init__.py"]
    assert unpacked_again == cached and cache_verify(tmp_path, capsys)[0] == 0
