"""Wheels that claim a platform but hold no compiled code: pure Python in fact, and tagged so.

setuptools tags a wheel for the building machine (``cp311-cp311-linux_x86_64``)
whenever a project declares an extension module, even when the extension was
optional and not built (pyrsistent 0.16.0 without a C compiler). Such a wheel
loads on any Lambda target; rewriting its tag to ``py3-none-any`` says so in
its file name and in the dist-info that reaches the bundle.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import posixpath
import zipfile

from packaging.utils import parse_wheel_filename

from .bundle_check import is_binary_name
from .digests import record_digest
from .dist_info import parse_headers

PURE_TAG = "py3-none-any"


def holds_compiled_code(wheel_path: str) -> bool:
    with zipfile.ZipFile(wheel_path) as wheel:
        return any(is_binary_name(posixpath.basename(name)) for name in wheel.namelist())


def retag_as_pure(wheel_path: str) -> str:
    """Write the same wheel as ``<name>-<version>-py3-none-any.whl`` beside it; return its path.

    Only the WHEEL file changes (its tags, and Root-Is-Purelib), and RECORD
    with it, so the new wheel passes the same RECORD check as any other.
    """
    _, version, _, _ = parse_wheel_filename(os.path.basename(wheel_path))
    distribution = os.path.basename(wheel_path).split("-")[0]
    new_path = os.path.join(os.path.dirname(wheel_path), f"{distribution}-{version}-{PURE_TAG}.whl")
    with zipfile.ZipFile(wheel_path) as source:
        wheel_file = next(n for n in source.namelist() if n.endswith(".dist-info/WHEEL") and n.count("/") == 1)
        record_file = posixpath.join(posixpath.dirname(wheel_file), "RECORD")
        new_wheel_file = _pure_wheel_metadata(source.read(wheel_file).decode("utf-8"))
        with zipfile.ZipFile(new_path, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                if info.filename == wheel_file:
                    target.writestr(info, new_wheel_file)
                elif info.filename == record_file:
                    target.writestr(info, _record_with(source.read(record_file).decode("utf-8"), wheel_file,
                                                       new_wheel_file))
                else:
                    target.writestr(info, source.read(info))
    return new_path


def _pure_wheel_metadata(text: str) -> bytes:
    headers = parse_headers(text)
    lines = [f"{key}: {value}" for key, value in headers.items() if key not in ("Tag", "Root-Is-Purelib")]
    lines += ["Root-Is-Purelib: true", f"Tag: {PURE_TAG}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _record_with(record: str, path: str, data: bytes) -> str:
    digest = record_digest(hashlib.sha256(data).digest())
    rows = [[path, f"sha256={digest}", str(len(data))] if row and row[0] == path else row
            for row in csv.reader(io.StringIO(record))]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
