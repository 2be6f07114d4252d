"""SDistMetadataFetcher: an sdist's name and version come from its metadata, not its file name."""

from __future__ import annotations

import os
import sys
import zipfile

import pytest

from aws_lambda_builders.workflows.python_pip import sdist as sdist_module
from aws_lambda_builders.workflows.python_pip.exceptions import (
    InvalidSourceDistributionNameError,
    PackagerError,
    UnsupportedPackageError,
)
from aws_lambda_builders.workflows.python_pip.sdist import (
    SDistMetadataFetcher,
    SDistMetadataFinder,
    read_name_and_version,
)
from tests.builders import make_sdist

PYPROJECT = """\
[build-system]
requires = ["flit_core>=3.2"]
build-backend = "flit_core.buildapi"

[project]
name = "modern-pkg"
version = "2.3.4"
"""


@pytest.fixture
def fetcher():
    return SDistMetadataFetcher(sys.executable)


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2", "zip"])
def test_name_and_version_come_from_pkg_info(tmp_path, fetcher, fmt):
    path = make_sdist(str(tmp_path), "foo-bar", "1.2.3", fmt=fmt)
    assert fetcher.get_package_name_and_version(path) == ("foo-bar", "1.2.3")


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2", "zip"])
def test_pkg_info_wins_over_an_ambiguous_file_name(tmp_path, fetcher, fmt):
    files = {"PKG-INFO": "Metadata-Version: 2.1\nName: foo-bar-baz\nVersion: 1.0.post1\n", "foo/__init__.py": ""}
    path = make_sdist(str(tmp_path), "foo-bar-baz", "1.0.post1", files=files, fmt=fmt)
    # an old, unnormalized file name that does not even split where the name ends
    renamed = os.path.join(str(tmp_path), f"Foo_Bar-baz-1.0-post1.{fmt}")
    os.rename(path, renamed)
    assert fetcher.get_package_name_and_version(renamed) == ("foo-bar-baz", "1.0.post1")


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_setup_py_only_sdist_is_read_through_egg_info(tmp_path, fetcher, fmt):
    path = make_sdist(str(tmp_path), "legacy-pkg", "0.9.1", pkg_info=False, fmt=fmt)
    name, version = fetcher.get_package_name_and_version(path)
    assert (name, version) == ("legacy-pkg", "0.9.1")


def test_distutils_style_setup_py_is_read_through_egg_info(tmp_path, fetcher):
    files = {
        "setup.py": "from distutils.core import setup\nsetup(name='old-style', version='3.1', py_modules=['old'])\n",
        "old.py": "",
    }
    path = make_sdist(str(tmp_path), "old-style", "3.1", files=files, pkg_info=False)
    assert fetcher.get_package_name_and_version(path) == ("old-style", "3.1")


@pytest.mark.parametrize(
    "pkg_info",
    [
        "Metadata-Version: 2.1\nName: UNKNOWN\nVersion: 0.0.0\n",
        "Metadata-Version: 2.1\nName: UNKNOWN\nVersion: 4.5\n",
        "Metadata-Version: 2.1\nName: realname\nVersion: 0.0.0\n",
        "Metadata-Version: 2.1\nSummary: no name or version here\n",
    ],
    ids=["both-defaults", "unknown-name", "zero-version", "missing-fields"],
)
def test_pkg_info_with_setuptools_defaults_falls_back_to_setup_py(tmp_path, fetcher, pkg_info):
    files = {
        "PKG-INFO": pkg_info,
        "setup.py": "from setuptools import setup\nsetup(name='realname', version='4.5', packages=['realname'])\n",
        "realname/__init__.py": "",
    }
    path = make_sdist(str(tmp_path), "realname", "4.5", files=files)
    assert fetcher.get_package_name_and_version(path) == ("realname", "4.5")


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2", "zip"])
def test_pyproject_only_sdist_with_pkg_info(tmp_path, fetcher, fmt):
    files = {
        "pyproject.toml": PYPROJECT,
        "PKG-INFO": "Metadata-Version: 2.1\nName: modern-pkg\nVersion: 2.3.4\nRequires-Python: >=3.8\n",
        "modern_pkg/__init__.py": '"""A modern package."""\n__version__ = "2.3.4"\n',
    }
    path = make_sdist(str(tmp_path), "modern-pkg", "2.3.4", files=files, fmt=fmt)
    assert fetcher.get_package_name_and_version(path) == ("modern-pkg", "2.3.4")


def test_flat_zip_sdist_without_top_directory(tmp_path, fetcher):
    path = str(tmp_path / "flat-1.0.zip")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("PKG-INFO", "Metadata-Version: 2.1\nName: flat\nVersion: 1.0\n")
        archive.writestr("flat/__init__.py", "")
    assert fetcher.get_package_name_and_version(path) == ("flat", "1.0")


@pytest.mark.parametrize("filename", ["foo-1.0.rar", "foo-1.0.tar.xz", "foo-1.0.whl", "foo-1.0"])
def test_unknown_sdist_suffix_is_refused(tmp_path, fetcher, filename):
    path = tmp_path / filename
    path.write_bytes(b"not an archive")
    with pytest.raises(InvalidSourceDistributionNameError) as excinfo:
        fetcher.get_package_name_and_version(str(path))
    assert filename in str(excinfo.value)
    assert isinstance(excinfo.value, PackagerError)


def test_no_pkg_info_and_no_setup_py_is_unsupported(tmp_path, fetcher):
    files = {"pyproject.toml": PYPROJECT, "modern_pkg/__init__.py": ""}
    path = make_sdist(str(tmp_path), "modern-pkg", "2.3.4", files=files, pkg_info=False)
    with pytest.raises(UnsupportedPackageError) as excinfo:
        fetcher.get_package_name_and_version(path)
    assert "modern-pkg-2.3.4.tar.gz" in str(excinfo.value)
    assert excinfo.value.package_name == "modern-pkg-2.3.4.tar.gz"


def test_failing_setup_py_is_unsupported(tmp_path, fetcher):
    files = {"setup.py": "raise SystemExit('this setup.py refuses to run')\n"}
    path = make_sdist(str(tmp_path), "broken", "1.0", files=files, pkg_info=False)
    with pytest.raises(UnsupportedPackageError) as excinfo:
        fetcher.get_package_name_and_version(path)
    assert "broken-1.0.tar.gz" in str(excinfo.value)


def test_default_pkg_info_and_failing_setup_py_is_unsupported(tmp_path, fetcher):
    files = {
        "PKG-INFO": "Metadata-Version: 2.1\nName: UNKNOWN\nVersion: 0.0.0\n",
        "setup.py": "import sys; sys.exit(1)\n",
    }
    path = make_sdist(str(tmp_path), "broken", "1.0", files=files, fmt="zip")
    with pytest.raises(UnsupportedPackageError):
        fetcher.get_package_name_and_version(path)


def test_temporary_unpack_directory_is_removed(tmp_path, fetcher, monkeypatch):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = make_sdist(str(tmp_path), "foo", "1.0")
    fetcher.get_package_name_and_version(path)
    assert os.listdir(scratch) == []


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_pkg_info_is_read_without_unpacking_the_sdist(tmp_path, fetcher, fmt, monkeypatch):
    def no_unpacking(*args):
        raise AssertionError("unpacked")

    monkeypatch.setattr(sdist_module, "extract_tarfile", no_unpacking)
    monkeypatch.setattr(fetcher._osutils, "extract_zipfile", no_unpacking)
    path = make_sdist(str(tmp_path), "foo-bar", "1.2.3", fmt=fmt)
    assert fetcher.get_package_name_and_version(path) == ("foo-bar", "1.2.3")


def test_python_exe_is_kept(tmp_path):
    assert SDistMetadataFetcher("/some/python").python_exe == "/some/python"


def test_sdist_metadata_finder_is_the_same_class():
    assert SDistMetadataFinder is SDistMetadataFetcher
    assert sdist_module.SDistMetadataFinder is sdist_module.SDistMetadataFetcher


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Name: foo\nVersion: 1.0\n", ("foo", "1.0")),
        ("Name:  foo \nVersion:  1.0 \n", ("foo", "1.0")),
        ("Name: UNKNOWN\nVersion: 1.0\n", None),
        ("Name: unknown\nVersion: 1.0\n", None),
        ("Name: foo\nVersion: 0.0.0\n", ("foo", "0.0.0")),
        ("Name: foo\n", None),
        ("", None),
    ],
)
def test_read_name_and_version(text, expected):
    assert read_name_and_version(text) == expected


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_hostile_sdist_is_refused_before_reading_it(tmp_path, fetcher, fmt):
    from aws_lambda_builders.workflows.python_pip.exceptions import UnsafeArchiveError

    work = tmp_path / "work"
    work.mkdir()
    files = {"PKG-INFO": "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n", "../../../escaped.py": "evil\n"}
    path = make_sdist(str(work), "evil", "1.0", files=files, fmt=fmt)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(UnsafeArchiveError) as excinfo:
        fetcher.get_package_name_and_version(path)
    assert path in str(excinfo.value)
    assert sorted(os.listdir(tmp_path)) == before


def test_project_really_at_version_zero_keeps_it_when_setup_py_cannot_say_better(tmp_path):
    files = {"pyproject.toml": "[project]\nname = 'zero'\nversion = '0.0.0'\n"}
    path = make_sdist(str(tmp_path), "zero", "0.0.0", files=files)

    assert SDistMetadataFetcher(sys.executable).get_package_name_and_version(path) == ("zero", "0.0.0")
