"""A wheel written again under another tag: its file name, its WHEEL file's tags and its RECORD.

For a wheel whose tag does not say what it is: one built here that holds no compiled code
(``pure_wheel``), one cross-built for a Lambda target and found sound by the audit (``cross_builds``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import posixpath
import zipfile
from typing import Optional

from packaging.utils import parse_wheel_filename

from .digests import record_digest
from .dist_info import parse_headers


def retag(wheel_path: str, tag: str, root_is_purelib: Optional[bool] = None) -> str:
    """Write the wheel at ``wheel_path`` as ``<name>-<version>-<tag>.whl`` beside it; return its path.

    Only the WHEEL file changes (its tags, and Root-Is-Purelib when given), and
    RECORD with it, so the new wheel passes the same RECORD check as any other.
    """
    _, version, build, _ = parse_wheel_filename(os.path.basename(wheel_path))
    distribution = os.path.basename(wheel_path).split("-")[0]
    build_part = f"-{build[0]}{build[1]}" if build else ""
    new_path = os.path.join(os.path.dirname(wheel_path), f"{distribution}-{version}{build_part}-{tag}.whl")
    with zipfile.ZipFile(wheel_path) as source:
        wheel_file = next(n for n in source.namelist() if n.endswith(".dist-info/WHEEL") and n.count("/") == 1)
        record_file = posixpath.join(posixpath.dirname(wheel_file), "RECORD")
        new_wheel_file = _wheel_metadata(source.read(wheel_file).decode("utf-8"), tag, root_is_purelib)
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


def _wheel_metadata(text: str, tag: str, root_is_purelib: Optional[bool]) -> bytes:
    headers = parse_headers(text)
    dropped = ("Tag", "Root-Is-Purelib") if root_is_purelib is not None else ("Tag",)
    lines = [f"{key}: {value}" for key, value in headers.items() if key not in dropped]
    if root_is_purelib is not None:
        lines.append(f"Root-Is-Purelib: {'true' if root_is_purelib else 'false'}")
    lines.append(f"Tag: {tag}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _record_with(record: str, path: str, data: bytes) -> str:
    digest = record_digest(hashlib.sha256(data).digest())
    rows = [[path, f"sha256={digest}", str(len(data))] if row and row[0] == path else row
            for row in csv.reader(io.StringIO(record))]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
