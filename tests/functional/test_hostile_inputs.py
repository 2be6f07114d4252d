"""Hostile and broken distributions from a package index on 127.0.0.1, through the real pip.

Each build must fail with an error naming the archive (or wheel) and the member
(or file), leave the previous bundle exactly as it was, write nothing outside
the scratch and output directories, and leave no staging or scratch behind.
"""

from __future__ import annotations

import os
import sys

import pytest

from aws_lambda_builders.workflows.python_pip.exceptions import (
    InvalidWheelError,
    PackagerError,
    UnsafeArchiveError,
)
from aws_lambda_builders.workflows.python_pip.packager import PythonPipDependencyBuilder
from aws_lambda_builders.workflows.python_pip.utils import Config

pytestmark = pytest.mark.usefixtures("offline_pip")


def snapshot(directory):
    return sorted((str(p.relative_to(directory)), p.read_bytes() if p.is_file() else b"")
                  for p in directory.rglob("*"))


def build_hostile(tmp_path, hostile_index, package_index, requirement):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "previous.py").write_text("PREVIOUS = 1\n")
    before = snapshot(bundle)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(requirement + "\n")
    builder = PythonPipDependencyBuilder(runtime="python3.12", python_exe=sys.executable, architecture="arm64")
    config = Config(index_url=hostile_index.url, extra_index_urls=[package_index.url])
    with pytest.raises(PackagerError) as raised:
        builder.build_dependencies(str(bundle), str(tmp_path / "scratch"), str(requirements), config=config)
    assert snapshot(bundle) == before, "the previous bundle changed"
    assert sorted(os.listdir(tmp_path)) == ["bundle", "requirements.txt", "scratch"]
    assert os.listdir(tmp_path / "scratch") == []
    return raised.value


@pytest.mark.parametrize("name, member", [
    ("evil-dotdot", "dotdot.txt"),
    ("evil-symlink", "escape"),
    ("evil-hardlink", "hard"),
    ("evil-device", "device"),
    ("evil-duplicate", "twice.py"),
])
def test_hostile_sdist_is_refused_naming_the_archive_and_member(tmp_path, hostile_index, package_index, outside,
                                                              name, member):
    error = build_hostile(tmp_path, hostile_index, package_index, name)

    assert isinstance(error, UnsafeArchiveError), f"{type(error).__name__}: {error}"
    assert f"{name}-1.0.tar.gz" in str(error)
    assert member in str(error)
    assert os.listdir(outside) == [], "an archive member escaped"


@pytest.mark.parametrize("name, file", [
    ("evil-wheel-escape", "wheel.txt"),
    ("evil-wheel-tampered", "evil_wheel_tampered/__init__.py"),
    ("evil-wheel-unrecorded", "RECORD"),
    ("evil-wheel-phantom", "evil_wheel_phantom/gone.py"),
])
def test_wheel_that_breaks_its_record_is_refused_naming_the_wheel_and_file(tmp_path, hostile_index, package_index,
                                                                          outside, name, file):
    error = build_hostile(tmp_path, hostile_index, package_index, name)

    assert isinstance(error, InvalidWheelError), f"{type(error).__name__}: {error}"
    assert name.replace("-", "_") + "-1.0-py3-none-any.whl" in str(error)
    assert file in str(error)
    assert os.listdir(outside) == []


def test_sdist_member_with_an_absolute_path_lands_inside_and_the_build_fails_naming_the_archive(
        tmp_path, hostile_index, package_index, outside):
    """pip's PEP 706 filter strips the leading "/": the member is unpacked inside pip's own
    directory, the sdist's layout is then broken, and the build stops there."""
    error = build_hostile(tmp_path, hostile_index, package_index, "evil-absolute")

    assert "evil-absolute-1.0.tar.gz" in str(error)
    assert os.listdir(outside) == []
