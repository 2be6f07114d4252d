"""Fixtures of the packager's unit tests."""

from __future__ import annotations

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
