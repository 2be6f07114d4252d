"""The cache's records: a tree manifest's file entries and a build's record read and written as on disk, by name."""

from __future__ import annotations

import json
import os

import pytest

from aws_lambda_builders.workflows.python_pip.cache import BuildCache, FileFacts, PlacedFileFacts
from aws_lambda_builders.workflows.python_pip.cache_records import Placement, ResolutionFacts, tree_files, tree_layout
from tests.builders import make_wheel

DIGEST = "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


def test_a_manifest_entry_reads_by_name_and_is_written_back_as_the_same_list():
    values = [600, 1796054808903574578, 0o444, DIGEST, 292]

    facts = FileFacts.from_json(values)

    assert (facts.size, facts.mtime_ns, facts.mode, facts.digest, facts.compressed_size) == tuple(values)
    assert facts.to_json() == values
    assert json.dumps(facts.to_json()) == json.dumps(values)


def test_an_entry_of_the_older_layout_has_no_compressed_size():
    facts = FileFacts.from_json([600, 1, 0o444, DIGEST])

    assert facts.digest == DIGEST and facts.compressed_size is None


@pytest.mark.parametrize("values, digest, compressed", [
    ([600, 1, 0o444], "", None),  # no digest: one that no file's bytes have
    ([600, 1, 0o444, None, 292], "None", 292),
    ([600, 1, 0o444, DIGEST, "292"], DIGEST, None),
])
def test_an_entry_whose_digest_or_compressed_size_is_missing_or_not_as_written_reads_as_before(
        values, digest, compressed):
    facts = FileFacts.from_json(values)

    assert (facts.size, facts.mtime_ns, facts.mode) == (600, 1, 0o444)
    assert (facts.digest, facts.compressed_size) == (digest, compressed)


@pytest.mark.parametrize("values", [[600, 1], {"size": 600}, 600, None])
def test_an_entry_without_size_mtime_and_mode_cannot_be_read(values):
    with pytest.raises(ValueError):
        FileFacts.from_json(values)


def test_the_files_of_a_manifest_of_another_layout_are_not_read():
    manifest = {"layout": "1-0.0.1", "wheel": "foo-1.0-py3-none-any.whl", "files": {"foo.py": [1, 2, 0o444, DIGEST]}}

    with pytest.raises(ValueError, match="another version"):
        tree_files(manifest)
    assert tree_files({**manifest, "layout": tree_layout()}) == {"foo.py": FileFacts(1, 2, 0o444, DIGEST, None)}


def test_file_facts_name_size_mtime_and_compressed_size_and_unpack_in_that_order(tmp_path):
    (tmp_path / "wheels").mkdir()
    wheel = make_wheel(str(tmp_path / "wheels"), "foo", "1.0", files={"foo/__init__.py": b"X = 1\n"})
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    cache = BuildCache(str(tmp_path / "cache"))

    facts = cache.file_facts(cache.place_wheels([wheel], str(bundle)))["foo/__init__.py"]

    info = os.stat(bundle / "foo" / "__init__.py")
    assert isinstance(facts, PlacedFileFacts)
    assert (facts.size, facts.mtime_ns) == (info.st_size, info.st_mtime_ns) and facts.compressed_size is not None
    size, mtime_ns, compressed = facts
    assert (size, mtime_ns, compressed) == (facts.size, facts.mtime_ns, facts.compressed_size)


def test_a_build_record_keeps_when_its_closure_was_resolved_and_what_it_left_unpinned():
    placement = Placement({"a/x.py": "t1"}, ResolutionFacts(1_800_000_000.5, ("pure_lib", "requests")))
    read = Placement.from_json(json.loads(json.dumps(placement.to_json())))
    assert read == placement and read.resolution == placement.resolution


@pytest.mark.parametrize("resolution", [None, "soon", {"unpinned": ["requests"]}, {"resolved_at": "yesterday"}])
def test_a_build_record_without_readable_resolution_facts_reads_without_them(resolution):
    document = Placement({"a/x.py": "t1"}).to_json()
    assert "resolution" not in document
    if resolution is not None:
        document["resolution"] = resolution
    assert Placement.from_json(document).resolution is None
