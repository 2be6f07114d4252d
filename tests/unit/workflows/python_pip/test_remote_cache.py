"""The remote cache's records and URLs: a record carries its own digest, and only a sound one is read."""

from __future__ import annotations

import json

import pytest

from aws_lambda_builders.workflows.python_pip.cache_records import Placement
from aws_lambda_builders.workflows.python_pip.object_store import parse_s3_url
from aws_lambda_builders.workflows.python_pip.remote_cache import read_record, record_document


def test_a_record_reads_back_as_written_and_any_change_makes_it_unreadable():
    placement = Placement({"six.py": "a" * 64, "six-1.17.0.dist-info/RECORD": "a" * 64})
    data = record_document(placement, {"a" * 64: "six-1.17.0-py2.py3-none-any.whl"})

    record = read_record(data)
    assert record is not None
    assert Placement.from_json(record["placement"]) == placement
    assert record["wheels"] == {"a" * 64: "six-1.17.0-py2.py3-none-any.whl"}

    document = json.loads(data)
    document["wheels"]["a" * 64] = "evil-1.0-py3-none-any.whl"
    assert read_record(json.dumps(document).encode()) is None
    assert read_record(b"not json") is None
    assert read_record(json.dumps({"format": 1, "wheels": {}}).encode()) is None


@pytest.mark.parametrize("url,parsed", [
    ("s3://bucket/team/lambda", ("bucket", "team/lambda/")),
    ("s3://bucket/", ("bucket", "")),
    ("s3://bucket", ("bucket", "")),
])
def test_an_s3_url_names_a_bucket_and_a_prefix(url, parsed):
    assert parse_s3_url(url) == parsed


@pytest.mark.parametrize("url", ["https://bucket.s3.amazonaws.com/x", "s3://", "/local/dir"])
def test_anything_else_is_refused(url):
    with pytest.raises(ValueError, match="not an S3 URL"):
        parse_s3_url(url)
