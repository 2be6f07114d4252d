"""File digests: RECORD's form (urlsafe base64, unpadded) and hex, read in chunks, optionally copied."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest

from aws_lambda_builders.workflows.python_pip.digests import CHUNK, file_hash, record_digest, stream_hash


def test_record_digest_is_urlsafe_base64_without_padding():
    raw = hashlib.sha256(b"hello").digest()

    assert record_digest(raw) == "LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ"
    assert "=" not in record_digest(raw) and base64.urlsafe_b64decode(record_digest(raw) + "=") == raw


@pytest.mark.parametrize("raw, expected", [(b"", ""), (b"\xfb", "-w"), (b"\xff\xff", "__8"), (b"abc", "YWJj")])
def test_record_digest_drops_every_padding_character_and_uses_the_urlsafe_alphabet(raw, expected):
    assert record_digest(raw) == expected


def test_record_digest_of_a_file_is_what_a_wheel_records_for_it(tmp_path):
    path = tmp_path / "module.py"
    path.write_bytes(b"x = 1\n")

    assert f"sha256={record_digest(file_hash(str(path), 'sha256').digest())}" == \
        "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b"x = 1\n").digest()).decode().rstrip("=")


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512", "md5"])
def test_file_hash_has_the_digest_of_the_whole_file_for_each_algorithm(tmp_path, algorithm):
    data = bytes(range(256)) * 4096 * 3 + b"tail"  # over three chunks, the last one short
    path = tmp_path / "big.bin"
    path.write_bytes(data)

    assert len(data) > 3 * CHUNK
    assert file_hash(str(path), algorithm).hexdigest() == hashlib.new(algorithm, data).hexdigest()


def test_file_hash_of_an_empty_file_is_the_hash_of_nothing(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")

    assert file_hash(str(path), "sha256").hexdigest() == hashlib.sha256(b"").hexdigest()


def test_file_hash_of_a_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        file_hash(str(tmp_path / "missing"), "sha256")


def test_stream_hash_copies_what_it_reads_when_asked(tmp_path):
    data = b"a" * (CHUNK + 5)
    copy = io.BytesIO()

    hasher = stream_hash(io.BytesIO(data), "sha256", copy_to=copy)

    assert copy.getvalue() == data and hasher.digest() == hashlib.sha256(data).digest()


def test_stream_hash_reads_from_where_the_stream_is(tmp_path):
    stream = io.BytesIO(b"headerbody")
    stream.read(6)

    assert stream_hash(stream, "sha256").hexdigest() == hashlib.sha256(b"body").hexdigest()
