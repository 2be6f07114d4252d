"""install_wheel: a wheel's libraries at the bundle root, checked against RECORD, nothing else."""

from __future__ import annotations

import base64
import csv
import hashlib
import os
import stat
import zipfile

import pytest

from aws_lambda_builders.workflows.python_pip.exceptions import InvalidWheelError, PackagerError
from aws_lambda_builders.workflows.python_pip.wheel_install import install_wheel
from tests.builders import make_wheel, tiny_elf

ENTRY_POINTS = "[console_scripts]\nfoo-cli = foo.cli:main\n\n[gui_scripts]\nfoo-gui = foo.gui:main\n"


def _files(root):
    found = set()
    for dirpath, _dirs, filenames in os.walk(root):
        for name in filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return found


def _record(root, dist_info):
    with open(os.path.join(root, dist_info, "RECORD"), newline="") as f:
        return {row[0]: row for row in csv.reader(f) if row}


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _with_modes(wheel_path, modes):
    """Rewrite the wheel so that the members in ``modes`` carry those unix permissions."""
    with zipfile.ZipFile(wheel_path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(wheel_path, "w") as archive:
        for info, data in entries:
            if info.filename in modes:
                info.external_attr = (stat.S_IFREG | modes[info.filename]) << 16
            archive.writestr(info, data)
    return wheel_path


@pytest.fixture
def dirs(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    root = tmp_path / "bundle"
    root.mkdir()
    return str(wheels), str(root)


@pytest.fixture
def full_wheel(dirs):
    wheels, _root = dirs
    files = {
        "foo/__init__.py": b"from . import cli\n",
        "foo/cli.py": b"def main():\n    return 0\n",
        "{data}/purelib/foo_pure_extra/__init__.py": b"PURE = True\n",
        "{data}/platlib/foo_native/_speedups.cpython-312-x86_64-linux-gnu.so": tiny_elf("x86_64"),
        "{data}/scripts/foo-script": b"#!/bin/sh\necho hi\n",
        "{data}/headers/foo.h": b"int foo(void);\n",
        "{data}/data/share/foo/README": b"data file\n",
        "foo-1.0.dist-info/entry_points.txt": ENTRY_POINTS.encode(),
    }
    return make_wheel(wheels, "foo", "1.0", tag="cp312-cp312-manylinux_2_17_x86_64", files=files)


def test_root_files_are_installed_at_the_bundle_root(dirs, full_wheel):
    _wheels, root = dirs
    install_wheel(full_wheel, root)
    assert open(os.path.join(root, "foo", "__init__.py"), "rb").read() == b"from . import cli\n"
    assert open(os.path.join(root, "foo", "cli.py"), "rb").read() == b"def main():\n    return 0\n"


def test_data_purelib_and_platlib_are_installed_at_the_root(dirs, full_wheel):
    _wheels, root = dirs
    install_wheel(full_wheel, root)
    assert open(os.path.join(root, "foo_pure_extra", "__init__.py"), "rb").read() == b"PURE = True\n"
    so = os.path.join(root, "foo_native", "_speedups.cpython-312-x86_64-linux-gnu.so")
    assert open(so, "rb").read() == tiny_elf("x86_64")


def test_scripts_headers_data_and_entry_point_scripts_are_dropped(dirs, full_wheel):
    _wheels, root = dirs
    install_wheel(full_wheel, root)
    files = _files(root)
    assert not any(".data" in f for f in files), files
    assert not any(f.endswith(("foo-script", "foo.h", "README")) for f in files), files
    assert not any("foo-cli" in f or "foo-gui" in f for f in files), files
    assert not os.path.exists(os.path.join(root, "bin"))
    assert set(os.listdir(root)) == {"foo", "foo_pure_extra", "foo_native", "foo-1.0.dist-info"}


def test_dist_info_is_kept_with_installer_and_its_metadata(dirs, full_wheel):
    _wheels, root = dirs
    install_wheel(full_wheel, root)
    dist_info = os.path.join(root, "foo-1.0.dist-info")
    assert set(os.listdir(dist_info)) >= {"METADATA", "WHEEL", "RECORD", "INSTALLER"}
    assert "Name: foo" in open(os.path.join(dist_info, "METADATA")).read()
    installer = open(os.path.join(dist_info, "INSTALLER"), "rb").read()
    assert installer.strip(), "INSTALLER names the tool that installed the wheel"


def test_record_lists_exactly_the_installed_files(dirs, full_wheel):
    _wheels, root = dirs
    install_wheel(full_wheel, root)
    record = _record(root, "foo-1.0.dist-info")
    assert set(record) == _files(root)
    for path, row in record.items():
        if path == "foo-1.0.dist-info/RECORD":
            assert row[1:] == ["", ""]
            continue
        data = open(os.path.join(root, path), "rb").read()
        assert row[1] == _hash(data), path
        assert int(row[2]) == len(data), path


def test_install_returns_the_files_written(dirs, full_wheel):
    _wheels, root = dirs
    written = install_wheel(full_wheel, root)
    assert {os.path.relpath(p, root).replace(os.sep, "/") for p in written} == _files(root)
    assert all(os.path.isabs(p) for p in written)


def test_pure_wheel_installs_at_root(dirs):
    wheels, root = dirs
    path = make_wheel(wheels, "pure-pkg", "2.0")
    install_wheel(path, root)
    assert _files(root) == {
        "pure_pkg/__init__.py",
        "pure_pkg-2.0.dist-info/METADATA",
        "pure_pkg-2.0.dist-info/WHEEL",
        "pure_pkg-2.0.dist-info/RECORD",
        "pure_pkg-2.0.dist-info/INSTALLER",
    }


def test_executable_bit_is_kept_for_executable_files(dirs):
    wheels, root = dirs
    files = {
        "tool/__init__.py": b"",
        "tool/bin/helper": b"#!/bin/sh\nexit 0\n",
        "{data}/platlib/tool_native/runner": b"#!/bin/sh\nexit 0\n",
    }
    path = make_wheel(wheels, "tool", "1.0", tag="cp312-cp312-linux_x86_64", files=files)
    _with_modes(path, {"tool/bin/helper": 0o755, "tool-1.0.data/platlib/tool_native/runner": 0o755,
                       "tool/__init__.py": 0o644})
    install_wheel(path, root)
    assert os.stat(os.path.join(root, "tool", "bin", "helper")).st_mode & stat.S_IXUSR
    assert os.stat(os.path.join(root, "tool_native", "runner")).st_mode & stat.S_IXUSR
    assert not os.stat(os.path.join(root, "tool", "__init__.py")).st_mode & 0o111


@pytest.mark.parametrize("name", ["Foo_Bar", "Foo.Bar", "FOO"])
def test_wheel_name_with_capitals_or_underscores_gets_its_data_installed(dirs, name):
    wheels, root = dirs
    files = {
        "foo_bar/__init__.py": b"",
        "{data}/purelib/foo_bar_pure/__init__.py": b"P = 1\n",
        "{data}/platlib/foo_bar_plat/__init__.py": b"Q = 2\n",
        "{data}/scripts/foo-bar": b"#!/bin/sh\n",
    }
    path = make_wheel(wheels, name, "1.0", files=files)
    install_wheel(path, root)
    assert open(os.path.join(root, "foo_bar_pure", "__init__.py"), "rb").read() == b"P = 1\n"
    assert open(os.path.join(root, "foo_bar_plat", "__init__.py"), "rb").read() == b"Q = 2\n"
    assert not any(".data" in f for f in _files(root))


def test_wheel_with_normalized_file_name_and_capitalized_dirs_gets_its_data_installed(dirs):
    # Index tools normalize wheel file names (PEP 491/625: foo_bar-1.0-...) while the
    # archive keeps the project's spelling (Foo_Bar-1.0.dist-info, Foo_Bar-1.0.data).
    wheels, root = dirs
    files = {
        "foo_bar/__init__.py": b"",
        "{data}/purelib/foo_bar_pure/__init__.py": b"P = 1\n",
        "{data}/scripts/foo-bar": b"#!/bin/sh\n",
    }
    path = make_wheel(wheels, "Foo_Bar", "1.0", files=files)
    normalized = os.path.join(wheels, "foo_bar-1.0-py3-none-any.whl")
    os.rename(path, normalized)
    install_wheel(normalized, root)
    assert open(os.path.join(root, "foo_bar_pure", "__init__.py"), "rb").read() == b"P = 1\n"
    assert not any(".data" in f for f in _files(root)), _files(root)


def _assert_refused(wheel_path, root, *expected_words):
    with pytest.raises(InvalidWheelError) as excinfo:
        install_wheel(wheel_path, root)
    name = os.path.basename(wheel_path)
    assert name in str(excinfo.value)
    assert excinfo.value.wheel == name
    assert isinstance(excinfo.value, PackagerError)
    assert _files(root) == set(), "nothing is written for a refused wheel"
    for word in expected_words:
        assert word in str(excinfo.value)
    return excinfo.value


def test_tampered_file_is_refused(dirs):
    wheels, root = dirs
    path = make_wheel(wheels, "foo", "1.0", tamper="foo/__init__.py")
    _assert_refused(path, root, "foo/__init__.py")


def test_tampered_data_file_is_refused(dirs):
    wheels, root = dirs
    files = {"foo/__init__.py": b"", "{data}/platlib/native/__init__.py": b"N = 1\n"}
    path = make_wheel(wheels, "foo", "1.0", files=files, tamper="foo-1.0.data/platlib/native/__init__.py")
    _assert_refused(path, root)


def test_wheel_without_record_is_refused(dirs):
    wheels, root = dirs
    path = make_wheel(wheels, "foo", "1.0", record=False)
    _assert_refused(path, root, "RECORD")


def test_wheel_with_a_file_missing_from_record_is_refused(dirs):
    wheels, root = dirs
    path = make_wheel(wheels, "foo", "1.0")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("foo/smuggled.py", b"import os\n")
    _assert_refused(path, root)


def test_wheel_without_dist_info_is_refused(dirs):
    wheels, root = dirs
    path = os.path.join(wheels, "foo-1.0-py3-none-any.whl")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("foo/__init__.py", b"")
    _assert_refused(path, root)


def test_wheel_whose_dist_info_names_another_project_is_refused(dirs):
    wheels, root = dirs
    path = make_wheel(wheels, "foo", "1.0")
    os.rename(path, os.path.join(wheels, "other-1.0-py3-none-any.whl"))
    _assert_refused(os.path.join(wheels, "other-1.0-py3-none-any.whl"), root)


@pytest.mark.parametrize("content", [b"this is not a zip file", b""])
def test_non_zip_file_is_refused(dirs, content):
    wheels, root = dirs
    path = os.path.join(wheels, "foo-1.0-py3-none-any.whl")
    with open(path, "wb") as f:
        f.write(content)
    _assert_refused(path, root)


def test_member_escaping_the_bundle_is_refused(dirs, tmp_path):
    wheels, root = dirs
    path = make_wheel(wheels, "foo", "1.0", files={"foo/__init__.py": b"", "../escaped.py": b"evil\n"})
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(InvalidWheelError):
        install_wheel(path, root)
    assert sorted(os.listdir(tmp_path)) == before
    assert not (tmp_path / "escaped.py").exists()


def test_two_wheels_install_side_by_side(dirs):
    wheels, root = dirs
    install_wheel(make_wheel(wheels, "alpha", "1.0"), root)
    install_wheel(make_wheel(wheels, "beta", "2.0"), root)
    assert {"alpha", "alpha-1.0.dist-info", "beta", "beta-2.0.dist-info"} == set(os.listdir(root))


def test_wheel_holding_a_member_twice_is_refused_naming_it(tmp_path):
    import warnings
    import zipfile

    path = make_wheel(str(tmp_path), "twice", "1.0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it is asked to write
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("twice/__init__.py", b"EVIL = True\n")

    with pytest.raises(InvalidWheelError) as raised:
        install_wheel(path, str(tmp_path / "out"))

    assert "twice-1.0-py3-none-any.whl" in str(raised.value)
    assert "twice/__init__.py more than once" in str(raised.value)
    assert not (tmp_path / "out" / "twice" / "__init__.py").exists()
