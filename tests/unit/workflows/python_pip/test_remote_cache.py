"""The remote cache's records and URLs: a record carries its own digest, and only a sound one is read."""

from __future__ import annotations

import json

import pytest

from aws_lambda_builders.workflows.python_pip.cache_records import Placement
from aws_lambda_builders.workflows.python_pip.object_store import parse_s3_url
from aws_lambda_builders.workflows.python_pip.remote_cache import read_record, record_document


def test_a_record_reads_back_as_written_and_any_change_makes_it_unreadable():
    placement = Placement({"six.py": "a" * 64, "six-1.17.0.dist-info/RECORD": "a" * 64})
    data = record_document("k" * 64, placement, {"a" * 64: "six-1.17.0-py2.py3-none-any.whl"})

    record = read_record(data, "k" * 64)
    assert record is not None
    assert Placement.from_json(record["placement"]) == placement
    assert record["wheels"] == {"a" * 64: "six-1.17.0-py2.py3-none-any.whl"}

    assert read_record(data, "j" * 64) is None, "another build's record, under this build's key"
    document = json.loads(data)
    document["wheels"]["a" * 64] = "evil-1.0-py3-none-any.whl"
    assert read_record(json.dumps(document).encode(), "k" * 64) is None
    assert read_record(b"not json", "k" * 64) is None
    assert read_record(json.dumps({"format": 1, "wheels": {}}).encode(), "k" * 64) is None


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


class DenyingStore:
    """A store that reads but refuses every write, as a bucket whose policy denies PutObject does."""

    description = "s3://read-only-for-us/"

    def __init__(self):
        self.objects = {}

    def get(self, key):
        return self.objects.get(key)

    def put_new(self, key, data):
        from aws_lambda_builders.workflows.python_pip.object_store import StoreUnavailable

        raise StoreUnavailable(f"{self.description}: AccessDenied: Access Denied")

    replace = put_new


def test_a_store_that_refuses_writes_is_said_once_and_the_build_stands(tmp_path):
    from aws_lambda_builders.workflows.python_pip.cache import BuildCache
    from aws_lambda_builders.workflows.python_pip.remote_cache import RemoteCache
    from tests.builders import make_wheel

    cache = BuildCache(str(tmp_path / "cache"), keep_wheels=True)
    wheel = make_wheel(str(tmp_path), "six", "1.17.0", files={"six.py": b"X = 1\n"})
    placement = cache.place_wheels([wheel], str(tmp_path / "bundle"))
    cache.store("k" * 64, placement)
    warnings = []
    remote = RemoteCache(DenyingStore(), warn=warnings.append)

    remote.publish_build(cache, "k" * 64)
    remote.publish_build(cache, "k" * 64)

    assert warnings == ["the remote build cache is not used: s3://read-only-for-us/: AccessDenied: Access Denied"]
    assert remote.report.unavailable and remote.report.published == []
    assert not remote.fetch_build(cache, "other")


class MemoryStore(DenyingStore):
    description = "s3://memory/"

    def put_new(self, key, data):
        if key in self.objects:
            return False
        self.objects[key] = data
        return True

    def replace(self, key, data):
        self.objects[key] = data


def test_an_object_with_the_right_digest_that_is_no_wheel_is_refused_never_a_failure(tmp_path):
    import hashlib
    import io
    import zipfile

    from aws_lambda_builders.workflows.python_pip.cache import BuildCache
    from aws_lambda_builders.workflows.python_pip.remote_cache import RemoteCache

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("six.py", "X = 1\n")  # no .dist-info: the installer refuses it
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    store = MemoryStore()
    store.objects[f"wheels/{digest}.whl"] = data
    store.objects[f"builds/{'k' * 64}.json"] = record_document("k" * 64, Placement({"six.py": digest}),
                                                               {digest: "six-1.16.0-py3-none-any.whl"})
    warnings = []
    remote = RemoteCache(store, warn=warnings.append)

    assert remote.fetch_build(BuildCache(str(tmp_path / "cache"), keep_wheels=True), "k" * 64) is False
    assert remote.report.refused == [f"wheels/{digest}.whl"] and remote.report.build_found is False
    assert "is not a wheel that installs" in warnings[0]


def test_a_built_wheels_entry_reads_back_and_refuses_another_entry_a_path_or_a_change():
    from aws_lambda_builders.workflows.python_pip.remote_cache import built_record, read_built_record

    data = built_record("abc-python3.12-x86_64-c", "x-1.0-cp312-cp312-linux_x86_64.whl", "d" * 64)
    assert read_built_record(data, "abc-python3.12-x86_64-c") == {"wheel": "x-1.0-cp312-cp312-linux_x86_64.whl",
                                                                  "sha256": "d" * 64}
    assert read_built_record(data, "abc-python3.12-x86_64-no-c") is None
    assert read_built_record(built_record("e", "../../x-1.0-py3-none-any.whl", "d" * 64), "e") is None
    assert read_built_record(data.replace(b"d" * 64, b"e" * 64), "abc-python3.12-x86_64-c") is None
