"""A cached resolution of requirements that are not fully pinned is reused for a while, said to be, and resolved
again once old or on ``--refresh``; a fully pinned one is placed as long as its inputs are unchanged.

Each test has an index of its own (releases are published in the middle of a test), served on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path
from typing import Dict, NamedTuple

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.architecture import ARM64
from aws_lambda_builders.workflows.python_pip import pip_runner
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle
from tests.builders import make_wheel
from tests.functional.package_index import PackageIndex

pytestmark = pytest.mark.usefixtures("offline_pip")


class Index(NamedTuple):
    directory: Path
    url: str

    def publish(self, name: str, version: str, requires: tuple = ()) -> None:
        module = name.replace("-", "_")
        make_wheel(str(self.directory), name, version, requires=requires,
                   files={f"{module}/__init__.py": f"VERSION = {version!r}\n".encode()})


@pytest.fixture
def index(tmp_path):
    directory = tmp_path / "index"
    directory.mkdir()
    served = PackageIndex(directory)
    yield Index(directory, served.url)
    served.stop()


class Built(NamedTuple):
    code: int
    lines: str  # what the build said on its stream
    summary: dict  # --json
    versions: Dict[str, str]  # distribution name -> version, from the bundle's dist-info directories


def build(tmp_path: Path, index: Index, capsys, out: str = "out", *options: str) -> Built:
    stream = io.StringIO()
    capsys.readouterr()
    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / out),
                     "--runtime", "python3.12", "--architecture", ARM64, "-i", index.url,
                     "--cache-dir", str(tmp_path / "cache"), "--json", *options], stream=stream)
    summary = json.loads(capsys.readouterr().out)
    versions = {d["name"]: d["version"] for d in summary.get("distributions", [])}
    if code == 0:
        assert check_bundle(str(tmp_path / out), "python3.12", ARM64).problems == []
    return Built(code, stream.getvalue(), summary, versions)


def quiet_build(tmp_path: Path, index: Index, out: str, *options: str) -> str:
    """A build without --json: what it says as a person reads it (progress lines included)."""
    stream = io.StringIO()
    assert cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / out),
                     "--runtime", "python3.12", "--architecture", ARM64, "-i", index.url,
                     "--cache-dir", str(tmp_path / "cache"), *options], stream=stream) == 0
    return stream.getvalue()


def build_record(tmp_path: Path) -> Path:
    [record] = list((tmp_path / "cache" / "v1" / "builds").glob("*.json"))
    return record


def make_resolution_old(tmp_path: Path, seconds: float) -> float:
    """Date the one cached build's resolution ``seconds`` back; the time it now says."""
    record = build_record(tmp_path)
    document = json.loads(record.read_text())
    document["resolution"]["resolved_at"] = time.time() - seconds
    record.write_text(json.dumps(document))
    return document["resolution"]["resolved_at"]


def contents(directory: Path) -> Dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def no_pip(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("pip ran")

    monkeypatch.setattr(pip_runner.SubprocessPip, "main", fail)


def test_a_rebuild_within_the_age_reuses_the_old_resolution_and_says_so_with_its_age(tmp_path, index, capsys,
                                                                                   monkeypatch):
    index.publish("fresh-lib", "1.0")
    (tmp_path / "requirements.txt").write_text("fresh-lib\n")
    first = build(tmp_path, index, capsys)
    assert first.code == 0 and first.versions == {"fresh-lib": "1.0"}
    assert first.summary["reused_resolution"] is None, "resolved now"
    index.publish("fresh-lib", "1.1")
    no_pip(monkeypatch)

    placed = build(tmp_path, index, capsys, "other")  # placed from the cache into a new output
    unchanged = build(tmp_path, index, capsys)  # the output already holds it: nothing to do
    said = {out: quiet_build(tmp_path, index, out) for out in ("third", "out")}

    for rebuild in (placed, unchanged):
        assert rebuild.code == 0 and rebuild.versions == {"fresh-lib": "1.0"}
        reused = rebuild.summary["reused_resolution"]
        assert reused["unpinned"] == ["fresh-lib"] and isinstance(reused["age_seconds"], int)
        assert reused["resolved_at"].endswith("Z")
    assert "nothing to do" in said["out"] and "nothing to do" not in said["third"]
    for lines in said.values():
        assert "reused the resolution of " in lines
        assert " ago (fresh-lib unpinned); --refresh resolves again" in lines


def test_refresh_resolves_again_at_once_and_the_new_resolution_is_the_one_reused_next(tmp_path, index, capsys):
    index.publish("fresh-lib", "1.0")
    (tmp_path / "requirements.txt").write_text("fresh-lib\n")
    assert build(tmp_path, index, capsys).versions == {"fresh-lib": "1.0"}
    index.publish("fresh-lib", "1.1")

    refreshed = build(tmp_path, index, capsys, "out", "--refresh")
    said = quiet_build(tmp_path, index, "again")

    assert refreshed.code == 0 and refreshed.versions == {"fresh-lib": "1.1"}
    assert refreshed.summary["reused_resolution"] is None
    assert (tmp_path / "out" / "fresh_lib" / "__init__.py").read_text() == "VERSION = '1.1'\n"
    assert (tmp_path / "again" / "fresh_lib" / "__init__.py").read_text() == "VERSION = '1.1'\n"
    assert "reused the resolution of " in said and "(fresh-lib unpinned)" in said


def test_a_resolution_older_than_the_configured_age_is_redone(tmp_path, index, capsys):
    index.publish("fresh-lib", "1.0")
    (tmp_path / "requirements.txt").write_text("fresh-lib\n")
    assert build(tmp_path, index, capsys).versions == {"fresh-lib": "1.0"}
    index.publish("fresh-lib", "1.1")
    make_resolution_old(tmp_path, 2 * 86400)

    said = quiet_build(tmp_path, index, "out")

    assert "resolving again: the resolution of 2 days ago (fresh-lib unpinned) is older than 24 h" in said
    assert (tmp_path / "out" / "fresh_lib" / "__init__.py").read_text() == "VERSION = '1.1'\n"


def test_a_maximum_age_of_zero_resolves_pinned_packages_unpinned_dependencies_every_time(tmp_path, index, capsys):
    index.publish("fresh-lib", "1.0")
    index.publish("fresh-app", "1.0", requires=("fresh-lib>=1",))
    (tmp_path / "requirements.txt").write_text("fresh-app==1.0\n")
    first = build(tmp_path, index, capsys, "out", "--max-resolution-age", "0")
    assert first.versions == {"fresh-app": "1.0", "fresh-lib": "1.0"}
    index.publish("fresh-lib", "1.1")

    again = build(tmp_path, index, capsys, "out", "--max-resolution-age", "0")
    within_a_day = build(tmp_path, index, capsys, "other")

    assert again.code == 0 and again.versions == {"fresh-app": "1.0", "fresh-lib": "1.1"}
    assert again.summary["reused_resolution"] is None
    assert within_a_day.summary["reused_resolution"]["unpinned"] == ["fresh-lib"], "fresh-app is pinned"


def test_a_resolution_redone_that_picks_the_same_releases_gives_the_same_bytes_from_the_cached_wheels(
        tmp_path, index, capsys):
    index.publish("fresh-lib", "1.0")
    index.publish("fresh-app", "1.0", requires=("fresh-lib",))
    (tmp_path / "requirements.txt").write_text("fresh-app\n")
    assert build(tmp_path, index, capsys, "first").code == 0
    trees = sorted(p.name for p in (tmp_path / "cache" / "v1" / "trees").iterdir())
    old = make_resolution_old(tmp_path, 3 * 86400)

    redone = build(tmp_path, index, capsys, "second")

    assert redone.code == 0 and redone.summary["reused_resolution"] is None
    assert contents(tmp_path / "second") == contents(tmp_path / "first")
    assert sorted(p.name for p in (tmp_path / "cache" / "v1" / "trees").iterdir()) == trees, "no wheel unpacked again"
    renewed = json.loads(build_record(tmp_path).read_text())["resolution"]
    assert renewed["resolved_at"] > old and renewed["unpinned"] == ["fresh-app", "fresh-lib"]


@pytest.mark.parametrize("requirements", ["fresh-lib==1.0\n", "fresh-app==1.0\n-c constraints.txt\n"])
def test_a_fully_pinned_file_is_placed_whatever_its_age_with_no_message(tmp_path, index, capsys, monkeypatch,
                                                                        requirements):
    index.publish("fresh-lib", "1.0")
    index.publish("fresh-app", "1.0", requires=("fresh-lib>=1",))
    (tmp_path / "constraints.txt").write_text("fresh-lib==1.0\n")
    (tmp_path / "requirements.txt").write_text(requirements)
    first = build(tmp_path, index, capsys, "first")
    assert first.code == 0
    assert json.loads(build_record(tmp_path).read_text())["resolution"]["unpinned"] == []
    index.publish("fresh-lib", "1.1")
    make_resolution_old(tmp_path, 300 * 86400)
    no_pip(monkeypatch)

    rebuilt = build(tmp_path, index, capsys, "second", "--max-resolution-age", "0", "--refresh")
    said = quiet_build(tmp_path, index, "third", "--max-resolution-age", "0")

    assert rebuilt.code == 0 and rebuilt.versions == first.versions
    assert rebuilt.summary["reused_resolution"] is None
    assert "resolution" not in said and "unchanged since a cached build" in said

