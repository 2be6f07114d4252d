"""Fixtures of the packager's unit tests."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest


@pytest.fixture
def paths(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("foo\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return SimpleNamespace(req=str(requirements), requirements=requirements, target=tmp_path / "target",
                           scratch=scratch, root=tmp_path)


@pytest.fixture
def unpack_count(monkeypatch):
    """How often a wheel was unpacked (``wheel_install.install_wheel_files`` called), by file name."""
    from aws_lambda_builders.workflows.python_pip import wheel_install

    calls = []
    real = wheel_install.install_wheel_files

    def counting(wheel_path, root):
        calls.append(os.path.basename(wheel_path))
        return real(wheel_path, root)

    monkeypatch.setattr(wheel_install, "install_wheel_files", counting)
    return calls
