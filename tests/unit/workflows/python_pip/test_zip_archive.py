"""Reproducible deployment zips and the size budget."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile

from aws_lambda_builders.workflows.python_pip import size_budget
from aws_lambda_builders.workflows.python_pip.size_budget import measure
from aws_lambda_builders.workflows.python_pip.zip_archive import write_zip


def _bundle(root, mtime):
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("X = 1\n")
    (root / "pkg" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0" * 16)
    (root / "tool").write_text("#!/bin/sh\n")
    os.chmod(root / "tool", 0o700)
    os.chmod(root / "pkg" / "__init__.py", 0o600)
    for path in root.rglob("*"):
        os.utime(path, (mtime, mtime))


def test_same_files_give_the_same_zip_bytes_whatever_the_timestamps_and_modes(tmp_path):
    _bundle(tmp_path / "a", 1_600_000_000)
    _bundle(tmp_path / "b", 1_700_000_000)
    os.chmod(tmp_path / "b" / "pkg" / "__init__.py", 0o664)

    write_zip(str(tmp_path / "a"), str(tmp_path / "a.zip"))
    write_zip(str(tmp_path / "b"), str(tmp_path / "b.zip"))

    digest = [hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("a.zip", "b.zip")]
    assert digest[0] == digest[1]


def test_zip_entries_are_sorted_dated_1980_with_normalized_modes_and_no_bytecode(tmp_path):
    _bundle(tmp_path / "a", 1_600_000_000)

    size = write_zip(str(tmp_path / "a"), str(tmp_path / "a.zip"), prefix="python/")

    assert size == os.path.getsize(tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["python/pkg/__init__.py", "python/tool"]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in infos}
    assert modes == {"python/pkg/__init__.py": 0o644, "python/tool": 0o755}


def test_size_report_names_the_largest_top_level_entries_and_the_headroom(tmp_path):
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "data.bin").write_bytes(b"\0" * 3000)
    (tmp_path / "small.py").write_bytes(b"\0" * 100)

    report = measure(str(tmp_path), zipped=500)

    assert report.unzipped == 3100
    assert report.largest == [("big", 3000), ("small.py", 100)]
    assert report.unzipped_headroom == 262_144_000 - 3100
    assert report.zipped_headroom == 50 * 1024 * 1024 - 500
    assert not report.over_unzipped_limit
    assert report.lines()[0] == "unzipped 3.0 KiB of 250 MiB (250.0 MiB left)"


def test_over_the_unzipped_limit_is_flagged(tmp_path, monkeypatch):
    (tmp_path / "f").write_bytes(b"\0" * 2000)
    monkeypatch.setattr(size_budget, "UNZIPPED_LIMIT", 1000)

    assert measure(str(tmp_path)).over_unzipped_limit
