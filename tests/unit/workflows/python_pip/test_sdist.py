"""SDistMetadataFetcher: an sdist's name and version come from its metadata, not its file name."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import time
import zipfile

import pytest

from aws_lambda_builders.workflows.python_pip import packager
from aws_lambda_builders.workflows.python_pip import sdist as sdist_module
from aws_lambda_builders.workflows.python_pip.exceptions import (
    InvalidSourceDistributionNameError,
    PackagerError,
    UnsupportedPackageError,
)
from aws_lambda_builders.workflows.python_pip.sdist import (
    SDistMetadataFetcher,
    SDistMetadataFinder,
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
    assert str(excinfo.value) == "Unable to retrieve name/version for package: modern-pkg-2.3.4"
    assert excinfo.value.package_name == "modern-pkg-2.3.4"  # the sdist's directory, as aws-lambda-builders says
    assert "setup.py egg_info" in excinfo.value.hint


def test_failing_setup_py_is_unsupported(tmp_path, fetcher):
    files = {"setup.py": "raise SystemExit('this setup.py refuses to run')\n"}
    path = make_sdist(str(tmp_path), "broken", "1.0", files=files, pkg_info=False)
    with pytest.raises(UnsupportedPackageError) as excinfo:
        fetcher.get_package_name_and_version(path)
    assert str(excinfo.value) == "Unable to retrieve name/version for package: broken-1.0"


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

    monkeypatch.setattr(packager, "extract_tarfile", no_unpacking)
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
        ("Name: UNKNOWN\nVersion: 1.0\n", None),
        ("Name: unknown\nVersion: 1.0\n", None),
        ("Name: foo\nVersion: 0.0.0\n", None),
        ("Name: foo\n", None),
    ],
)
def test_pkg_info_at_the_archive_root_is_used_unless_it_holds_setuptools_placeholders(tmp_path, fetcher, text,
                                                                                       expected):
    path = make_sdist(str(tmp_path), "foo", "1.0", files={"PKG-INFO": text})
    assert fetcher._read_from_archive(path) == expected


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


# A setup.py that says how it was started, leaves a file in its temporary directory, and reads its stdin
# only when that is not the null device (so an inherited stdin would not block the test, only fail it).
REPORTING_SETUP_PY = """\
import json, os, sys, tempfile
from setuptools import setup
stdin_is_null = os.path.samestat(os.fstat(0), os.stat(os.devnull))
tempfile.mkstemp(prefix="left-by-setup-")
with open(os.environ["SETUP_PY_REPORT"], "a") as report:
    report.write(json.dumps({"stdin_is_null": stdin_is_null, "tmpdir": tempfile.gettempdir(),
                             "leads_its_group": os.getpgid(0) == os.getpid()}) + "\\n")
setup(name="legacy-pkg", version="0.9.1", py_modules=["legacy"])
"""


@pytest.fixture
def system_tmp(tmp_path, monkeypatch):
    """The system's temporary directory, as TMPDIR says, seen by this process and by every child."""
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(system_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    return system_tmp


@pytest.fixture
def stdin_that_never_ends():
    """This process's fd 0 is a pipe nobody writes to: a child that inherits it and reads would wait forever."""
    read_end, write_end = os.pipe()
    saved = os.dup(0)
    os.dup2(read_end, 0)
    try:
        yield
    finally:
        os.dup2(saved, 0)
        for fd in (saved, read_end, write_end):
            os.close(fd)


@pytest.mark.usefixtures("stdin_that_never_ends")
@pytest.mark.parametrize("in_scratch", [True, False], ids=["build-scratch", "library-default"])
def test_setup_py_fallback_runs_without_stdin_and_leaves_nothing_in_the_system_temp_dir(
        tmp_path, system_tmp, monkeypatch, in_scratch):
    report = tmp_path / "report.jsonl"
    monkeypatch.setenv("SETUP_PY_REPORT", str(report))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    path = make_sdist(str(tmp_path), "legacy-pkg", "0.9.1", pkg_info=False,
                      files={"setup.py": REPORTING_SETUP_PY, "legacy.py": ""})
    fetcher = SDistMetadataFetcher(sys.executable, **({"temp_dir": str(scratch)} if in_scratch else {}))

    assert fetcher.get_package_name_and_version(path) == ("legacy-pkg", "0.9.1")

    (run,) = [json.loads(line) for line in report.read_text().splitlines()]
    assert run["stdin_is_null"] and run["leads_its_group"]
    within = str(scratch if in_scratch else system_tmp)  # in a directory of its own there, removed after
    assert os.path.commonpath([run["tmpdir"], within]) == within and run["tmpdir"] != within
    assert os.listdir(system_tmp) == []  # nor a tmpXXXX a killed build could never have removed
    assert os.listdir(scratch) == []


def test_setup_py_fallback_is_unpacked_in_the_directory_given(tmp_path, system_tmp):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    seen = []
    fetcher = SDistMetadataFetcher(sys.executable, temp_dir=str(scratch))
    unpack = fetcher._unpack_sdist_into_dir
    fetcher._unpack_sdist_into_dir = lambda sdist, into: seen.append(into) or unpack(sdist, into)
    path = make_sdist(str(tmp_path), "legacy-pkg", "0.9.1", pkg_info=False)

    assert fetcher.get_package_name_and_version(path) == ("legacy-pkg", "0.9.1")
    assert os.path.dirname(seen[0]) == str(scratch)


def test_an_interrupted_setup_py_is_killed_with_what_it_started(tmp_path):
    from aws_lambda_builders.workflows.python_pip.utils import OSUtils

    started = tmp_path / "grandchild.pid"
    files = {"setup.py": ("import subprocess, sys, time\n"
                          "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                          f"open({str(started)!r}, 'w').write(str(child.pid))\n"
                          "time.sleep(60)\n")}
    path = make_sdist(str(tmp_path), "slow", "1.0", files=files, pkg_info=False)

    class Interrupted(OSUtils):
        def popen(self, *args, **kwargs):
            process = super().popen(*args, **kwargs)

            def communicate():  # Ctrl-C once setup.py has started a process of its own
                while not started.exists() or not started.read_text():
                    assert process.poll() is None, "setup.py ended early"
                    time.sleep(0.05)
                raise KeyboardInterrupt

            process.communicate = communicate
            return process

    with pytest.raises(KeyboardInterrupt):
        SDistMetadataFetcher(sys.executable, Interrupted()).get_package_name_and_version(path)

    grandchild = int(started.read_text())
    deadline = time.monotonic() + 5
    while _is_running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _is_running(grandchild)


def _is_running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, only not yet reaped
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("call", ["no-arguments", "osutils-keyword", "osutils-positional", "python-positional"])
def test_constructor_takes_every_form_aws_lambda_builders_callers_use(call):
    from aws_lambda_builders.workflows.python_pip.utils import OSUtils

    osutils = OSUtils()
    fetcher = {
        "no-arguments": lambda: SDistMetadataFetcher(),
        "osutils-keyword": lambda: SDistMetadataFetcher(osutils=osutils),
        "osutils-positional": lambda: SDistMetadataFetcher(osutils),  # before python_exe was added
        "python-positional": lambda: SDistMetadataFetcher("/some/python", osutils),
    }[call]()

    assert fetcher.python_exe == ("/some/python" if call == "python-positional" else sys.executable)
    assert fetcher._osutils is osutils or call == "no-arguments"
    assert fetcher.temp_dir is None


def test_setup_py_fallback_runs_without_stdin_with_an_osutils_of_aws_lambda_builders_shape(tmp_path, system_tmp):
    from aws_lambda_builders.workflows.python_pip.utils import OSUtils

    class UpstreamShape(OSUtils):  # popen(command, stdout, stderr, env) and tempdir() as aws-lambda-builders has them
        def popen(self, command, stdout=None, stderr=None, env=None):
            raise AssertionError("a popen that cannot close stdin is not used")

        @contextlib.contextmanager
        def tempdir(self):
            raise AssertionError("the system's temporary directory is not used when a directory is given")
            yield

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    path = make_sdist(str(tmp_path), "legacy-pkg", "0.9.1", pkg_info=False)

    fetcher = SDistMetadataFetcher(sys.executable, UpstreamShape(), temp_dir=str(scratch))

    assert fetcher.get_package_name_and_version(path) == ("legacy-pkg", "0.9.1")
    assert os.listdir(scratch) == [] and os.listdir(system_tmp) == []
