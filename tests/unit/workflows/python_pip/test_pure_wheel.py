"""Wheels tagged for a platform that hold no compiled code, and their retagging as py3-none-any."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import zipfile
from email.parser import HeaderParser

import pytest

from aws_lambda_builders.workflows.python_pip.pure_wheel import holds_compiled_code, retag_as_pure
from aws_lambda_builders.workflows.python_pip.wheel_install import install_wheel
from tests.builders import make_wheel, tiny_elf

LINUX_TAG = "cp311-cp311-linux_x86_64"


def pure_files(package="foo"):
    return {f"{package}/__init__.py": b"VALUE = 1\n", f"{package}/util.py": b"def f():\n    return 2\n",
            f"{package}/data/table.json": b"{}\n"}


def wheel_headers(wheel_path, dist_info):
    with zipfile.ZipFile(wheel_path) as wheel:
        return HeaderParser().parsestr(wheel.read(f"{dist_info}/WHEEL").decode("utf-8"))


# -- holds_compiled_code ---------------------------------------------------------------------

@pytest.mark.parametrize("compiled", [
    "foo/_speedups.cpython-311-x86_64-linux-gnu.so",
    "foo/_speedups.abi3.so",
    "foo.libs/libfoo-1a2b3c.so.1",
    "foo.libs/libbar.so.1.2.3",
    "foo/_speedups.cp311-win_amd64.pyd",
    "foo/libfoo.dylib",
    "foo/helper.dll",
])
def test_wheel_with_a_compiled_file_holds_compiled_code(tmp_path, compiled):
    files = dict(pure_files(), **{compiled: tiny_elf("x86_64")})
    assert holds_compiled_code(make_wheel(str(tmp_path), "foo", "1.0", tag=LINUX_TAG, files=files)) is True


def test_wheel_of_python_and_data_files_holds_no_compiled_code(tmp_path):
    files = dict(pure_files(), **{"foo/solver.py": b"", "foo/sonnet.txt": b"", "foo/so/__init__.py": b"",
                                  "foo/_speedups.c": b"int x;\n", "foo/py.typed": b""})
    assert holds_compiled_code(make_wheel(str(tmp_path), "foo", "1.0", tag=LINUX_TAG, files=files)) is False


def test_compiled_file_in_the_data_directory_counts(tmp_path):
    files = dict(pure_files(), **{"{data}/platlib/foo/_ext.so": b"\x7fELF"})
    assert holds_compiled_code(make_wheel(str(tmp_path), "foo", "1.0", tag=LINUX_TAG, files=files)) is True


# -- retag_as_pure ---------------------------------------------------------------------------

def test_retag_writes_a_py3_none_any_wheel_beside_the_original_and_leaves_it_untouched(tmp_path):
    original = make_wheel(str(tmp_path), "foo", "1.0", tag=LINUX_TAG, files=pure_files())
    with open(original, "rb") as f:
        original_bytes = f.read()

    retagged = retag_as_pure(original)

    assert retagged == str(tmp_path / "foo-1.0-py3-none-any.whl")
    assert sorted(os.listdir(tmp_path)) == ["foo-1.0-cp311-cp311-linux_x86_64.whl", "foo-1.0-py3-none-any.whl"]
    with open(original, "rb") as f:
        assert f.read() == original_bytes


def test_retagged_wheel_says_purelib_and_only_the_pure_tag_keeping_other_headers(tmp_path):
    original = make_wheel(str(tmp_path), "foo", "1.0", tag="cp311-cp311-manylinux_2_17_x86_64.linux_x86_64",
                          files=pure_files())
    before = wheel_headers(original, "foo-1.0.dist-info")
    assert before.get_all("Tag") == ["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-linux_x86_64"]

    headers = wheel_headers(retag_as_pure(original), "foo-1.0.dist-info")

    assert headers.get_all("Tag") == ["py3-none-any"]
    assert headers.get_all("Root-Is-Purelib") == ["true"]
    assert headers["Wheel-Version"] == "1.0"
    assert headers["Generator"] == "tests"


def test_retagged_wheel_has_the_same_members_and_contents_except_wheel_and_record(tmp_path):
    original = make_wheel(str(tmp_path), "foo", "1.0", tag=LINUX_TAG, files=pure_files())
    retagged = retag_as_pure(original)
    with zipfile.ZipFile(original) as old, zipfile.ZipFile(retagged) as new:
        assert new.namelist() == old.namelist()
        changed = [n for n in old.namelist() if old.read(n) != new.read(n)]
    assert changed == ["foo-1.0.dist-info/WHEEL", "foo-1.0.dist-info/RECORD"]


def test_retagged_record_matches_every_member(tmp_path):
    original = make_wheel(str(tmp_path), "foo", "1.0", tag=LINUX_TAG, files=pure_files())
    with zipfile.ZipFile(retag_as_pure(original)) as wheel:
        rows = list(csv.reader(io.StringIO(wheel.read("foo-1.0.dist-info/RECORD").decode("utf-8"))))
        assert {row[0] for row in rows} == set(wheel.namelist())
        for path, digest, size in rows:
            if path.endswith("/RECORD"):
                assert (digest, size) == ("", "")
                continue
            data = wheel.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert (digest, size) == (f"sha256={expected}", str(len(data))), path


def test_retagged_wheel_installs_with_the_record_check(tmp_path):
    source = tmp_path / "wheels"
    source.mkdir()
    original = make_wheel(str(source), "foo", "1.0", tag=LINUX_TAG, files=pure_files())
    bundle = tmp_path / "bundle"

    written = install_wheel(retag_as_pure(original), str(bundle))

    assert (bundle / "foo" / "__init__.py").read_bytes() == b"VALUE = 1\n"
    assert (bundle / "foo" / "util.py").read_bytes() == b"def f():\n    return 2\n"
    assert (bundle / "foo" / "data" / "table.json").read_bytes() == b"{}\n"
    installed_wheel = HeaderParser().parsestr((bundle / "foo-1.0.dist-info" / "WHEEL").read_text())
    assert installed_wheel.get_all("Tag") == ["py3-none-any"]
    assert str(bundle / "foo" / "__init__.py") in written


def test_retagged_wheel_keeps_the_distribution_spelling_of_the_file_name(tmp_path):
    original = make_wheel(str(tmp_path), "Foo_Bar", "1.0.0", tag=LINUX_TAG,
                          files={"foo_bar/__init__.py": b""})
    retagged = retag_as_pure(original)
    assert os.path.basename(retagged) == "Foo_Bar-1.0.0-py3-none-any.whl"
    bundle = tmp_path / "bundle"
    install_wheel(retagged, str(bundle))
    assert (bundle / "foo_bar" / "__init__.py").is_file()
    assert (bundle / "Foo_Bar-1.0.0.dist-info" / "METADATA").is_file()


def test_retagged_wheel_with_platlib_data_directory_installs(tmp_path):
    files = {"{data}/platlib/foo/__init__.py": b"X = 3\n"}
    original = make_wheel(str(tmp_path), "foo", "2.0", tag=LINUX_TAG, files=files)
    bundle = tmp_path / "bundle"
    install_wheel(retag_as_pure(original), str(bundle))
    assert (bundle / "foo" / "__init__.py").read_bytes() == b"X = 3\n"
