"""The functional suite's package index: a real server on 127.0.0.1, and a pip that can reach nothing else."""

from __future__ import annotations

import pytest

from tests.functional.package_index import PackageIndex, build_index_directory

# Where pip would go if anything ignored --index-url: a closed port.
CLOSED_INDEX = "http://127.0.0.1:9/simple/"


@pytest.fixture(scope="session")
def package_index(tmp_path_factory):
    index = PackageIndex(build_index_directory(tmp_path_factory.mktemp("index")))
    yield index
    index.stop()


@pytest.fixture
def offline_pip(hermetic_pip, monkeypatch):
    """pip with no configuration of the machine, whose default index is a closed port."""
    monkeypatch.setenv("PIP_INDEX_URL", CLOSED_INDEX)


@pytest.fixture(scope="session")
def outside(tmp_path_factory):
    """The directory every hostile archive aims at; it must stay empty."""
    return tmp_path_factory.mktemp("outside")


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory, outside):
    from tests.functional.hostile import build_hostile_index

    index = PackageIndex(build_hostile_index(tmp_path_factory.mktemp("hostile"), outside))
    yield index
    index.stop()
