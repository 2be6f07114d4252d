"""Shared fixtures: a pip environment that ignores this machine's own pip configuration."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def hermetic_pip(monkeypatch):
    """Make every pip the tests start ignore pip.conf and PIP_* variables of the machine.

    The product honours the user's pip configuration; tests must not depend on
    the one of the machine they happen to run on.
    """
    for name in list(os.environ):
        if name.startswith("PIP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")


@pytest.fixture(autouse=True)
def own_build_cache(tmp_path_factory, monkeypatch):
    """Every test gets an empty lambda-pip cache of its own: never the user's, never another test's."""
    cache = tmp_path_factory.mktemp("lambda-pip-cache")
    monkeypatch.setenv("LAMBDA_PIP_CACHE_DIR", str(cache))
    return cache
