"""Config (pip options), UI (progress through logging) and OSUtils (file and process calls)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zipfile

import pytest

from aws_lambda_builders.workflows.python_pip.exceptions import UnsafeArchiveError
from aws_lambda_builders.workflows.python_pip.utils import UI, Config, OSUtils

LOGGER = "aws_lambda_builders.workflows.python_pip"

# --------------------------------------------------------------------------- Config


def test_default_config_adds_no_pip_options():
    assert Config().pip_options() == []


def test_index_url_option():
    assert Config(index_url="https://mirror.example/simple").pip_options() == [
        "--index-url", "https://mirror.example/simple"
    ]


def test_each_extra_index_url_is_its_own_option():
    config = Config(extra_index_urls=["https://a.example/simple", "https://b.example/simple"])
    assert config.pip_options() == [
        "--extra-index-url", "https://a.example/simple",
        "--extra-index-url", "https://b.example/simple",
    ]


def test_each_find_links_is_its_own_option():
    assert Config(find_links=["/wheels", "https://x.example/links"]).pip_options() == [
        "--find-links", "/wheels", "--find-links", "https://x.example/links"
    ]


def test_each_trusted_host_is_its_own_option():
    assert Config(trusted_hosts=["a.example", "b.example:8080"]).pip_options() == [
        "--trusted-host", "a.example", "--trusted-host", "b.example:8080"
    ]


def test_extra_pip_args_are_passed_verbatim():
    assert Config(extra_pip_args=["--no-cache-dir", "--timeout", "60"]).pip_options() == [
        "--no-cache-dir", "--timeout", "60"
    ]


def test_all_options_combined_in_a_stable_order():
    config = Config(
        index_url="https://idx.example/simple",
        extra_index_urls=["https://extra.example/simple"],
        find_links=["/wheels"],
        trusted_hosts=["idx.example"],
        extra_pip_args=["--no-cache-dir"],
    )
    assert config.pip_options() == [
        "--index-url", "https://idx.example/simple",
        "--extra-index-url", "https://extra.example/simple",
        "--find-links", "/wheels",
        "--trusted-host", "idx.example",
        "--no-cache-dir",
    ]


def test_empty_index_url_is_left_out():
    assert Config(index_url="", find_links=["/w"]).pip_options() == ["--find-links", "/w"]


def test_config_defaults_are_not_shared_between_instances():
    first = Config()
    first.find_links.append("/only-first")
    assert Config().find_links == []
    assert Config().pip_options() == []


def test_pip_options_returns_a_fresh_list():
    config = Config(extra_pip_args=["--no-cache-dir"])
    config.pip_options().append("--mutated")
    assert config.pip_options() == ["--no-cache-dir"]
    assert list(config.extra_pip_args) == ["--no-cache-dir"]


# --------------------------------------------------------------------------- UI


def _records(caplog):
    return [(r.name, r.levelno, r.getMessage()) for r in caplog.records]


def test_ui_write_logs_info(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    UI().write("hello")
    assert _records(caplog) == [(LOGGER, logging.INFO, "hello")]


def test_ui_error_logs_error(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    UI().error("broken")
    assert _records(caplog) == [(LOGGER, logging.ERROR, "broken")]


def test_ui_steps_log_debug(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    ui = UI()
    ui.step_started("download")
    ui.step_finished("download", "3 files")
    ui.step_finished("sort")
    assert _records(caplog) == [
        (LOGGER, logging.DEBUG, "step started: download"),
        (LOGGER, logging.DEBUG, "step finished: download (3 files)"),
        (LOGGER, logging.DEBUG, "step finished: sort"),
    ]


def test_ui_package_events_are_logged(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    ui = UI()
    ui.package_downloaded("six-1.16.0-py2.py3-none-any.whl")
    ui.package_built("foo-1.0.tar.gz", "foo-1.0-py3-none-any.whl")
    ui.package_installed("six-1.16.0-py2.py3-none-any.whl")
    ui.package_missing("numpy==2.1.0", "no wheel for python3.12 on arm64")
    assert _records(caplog) == [
        (LOGGER, logging.INFO, "downloaded six-1.16.0-py2.py3-none-any.whl"),
        (LOGGER, logging.INFO, "built foo-1.0-py3-none-any.whl from foo-1.0.tar.gz"),
        (LOGGER, logging.DEBUG, "installed six-1.16.0-py2.py3-none-any.whl"),
        (LOGGER, logging.ERROR, "missing numpy==2.1.0: no wheel for python3.12 on arm64"),
    ]


def test_ui_logs_to_a_given_logger(caplog):
    caplog.set_level(logging.DEBUG, logger="my.app")
    UI(logging.getLogger("my.app")).write("via my logger")
    assert _records(caplog) == [("my.app", logging.INFO, "via my logger")]


def test_ui_subclass_overriding_only_write_receives_package_events(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    class Collecting(UI):
        def __init__(self):
            super().__init__()
            self.lines = []

        def write(self, message):
            self.lines.append(message)

    ui = Collecting()
    ui.package_downloaded("a.whl")
    ui.package_built("b.tar.gz", "b.whl")
    ui.step_started("download")  # not overridden: still logs
    ui.error("bad")  # not overridden: still logs
    assert ui.lines == ["downloaded a.whl", "built b.whl from b.tar.gz"]
    assert _records(caplog) == [
        (LOGGER, logging.DEBUG, "step started: download"),
        (LOGGER, logging.ERROR, "bad"),
    ]


def test_ui_subclass_overriding_only_error_receives_missing_packages(caplog):
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    class Errors(UI):
        def __init__(self):
            super().__init__()
            self.errors = []

        def error(self, message):
            self.errors.append(message)

    ui = Errors()
    ui.package_missing("foo", "no wheel")
    ui.write("progress")
    assert ui.errors == ["missing foo: no wheel"]
    assert _records(caplog) == [(LOGGER, logging.INFO, "progress")]


# --------------------------------------------------------------------------- OSUtils


def test_copytree_into_an_existing_directory_merges(tmp_path):
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "a.py").write_text("A")
    (source / "top.txt").write_text("top")
    destination = tmp_path / "dst"
    (destination / "pkg").mkdir(parents=True)
    (destination / "pkg" / "existing.py").write_text("kept")
    (destination / "top.txt").write_text("old")
    OSUtils().copytree(str(source), str(destination))
    assert (destination / "pkg" / "a.py").read_text() == "A"
    assert (destination / "pkg" / "existing.py").read_text() == "kept"
    assert (destination / "top.txt").read_text() == "top"
    assert (source / "pkg" / "a.py").read_text() == "A", "the source is left alone"


def test_copytree_creates_a_missing_destination(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "f").write_text("x")
    OSUtils().copytree(str(source), str(tmp_path / "new" / "dst"))
    assert (tmp_path / "new" / "dst" / "f").read_text() == "x"


def test_tempdir_exists_inside_and_is_removed_after(tmp_path):
    with OSUtils().tempdir() as directory:
        assert os.path.isdir(directory)
        (open(os.path.join(directory, "f"), "w")).close()
        os.makedirs(os.path.join(directory, "a", "b"))
    assert not os.path.exists(directory)


def test_tempdir_is_removed_after_an_exception():
    with pytest.raises(RuntimeError):
        with OSUtils().tempdir() as directory:
            raise RuntimeError("boom")
    assert not os.path.exists(directory)


def test_tempdir_honours_dir(tmp_path):
    with OSUtils().tempdir(dir=str(tmp_path)) as directory:
        assert os.path.dirname(directory) == str(tmp_path)
    assert os.listdir(tmp_path) == []


def test_original_environ_is_a_copy(monkeypatch):
    monkeypatch.setenv("LAMBDA_PIP_TEST_VAR", "1")
    env = OSUtils().original_environ()
    assert env["LAMBDA_PIP_TEST_VAR"] == "1"
    assert env is not os.environ
    env["LAMBDA_PIP_TEST_VAR"] = "changed"
    env["LAMBDA_PIP_ONLY_IN_COPY"] = "x"
    assert os.environ["LAMBDA_PIP_TEST_VAR"] == "1"
    assert "LAMBDA_PIP_ONLY_IN_COPY" not in os.environ


def test_original_environ_keeps_ld_library_path_when_not_frozen(monkeypatch):
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/usr/local/lib")
    assert OSUtils().original_environ()["LD_LIBRARY_PATH"] == "/usr/local/lib"


def test_original_environ_restores_ld_library_path_under_pyinstaller(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/tmp/_MEI123", raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/tmp/_MEI123")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/usr/lib")
    env = OSUtils().original_environ()
    assert env["LD_LIBRARY_PATH"] == "/usr/lib"
    assert os.environ["LD_LIBRARY_PATH"] == "/tmp/_MEI123"


def test_original_environ_drops_bundle_ld_library_path_under_pyinstaller(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/tmp/_MEI123", raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/tmp/_MEI123")
    monkeypatch.delenv("LD_LIBRARY_PATH_ORIG", raising=False)
    assert "LD_LIBRARY_PATH" not in OSUtils().original_environ()


def test_file_and_directory_helpers(tmp_path):
    osutils = OSUtils()
    f = tmp_path / "a.txt"
    f.write_bytes("héllo".encode("utf-8"))
    assert osutils.file_exists(str(f))
    assert not osutils.file_exists(str(tmp_path))
    assert osutils.directory_exists(str(tmp_path))
    assert not osutils.directory_exists(str(f))
    assert osutils.get_file_contents(str(f)) == "héllo".encode("utf-8")
    assert osutils.get_file_contents(str(f), binary=False) == "héllo"
    assert osutils.joinpath("a", "b", "c") == os.path.join("a", "b", "c")
    assert osutils.basename("/x/y/z.whl") == "z.whl"
    osutils.makedirs(str(tmp_path / "d" / "e"))
    assert sorted(osutils.get_directory_contents(str(tmp_path))) == ["a.txt", "d"]
    osutils.rmtree(str(tmp_path / "d"))
    assert not (tmp_path / "d").exists()
    assert osutils.mtime(str(f)) == os.stat(f).st_mtime
    assert osutils.pipe == subprocess.PIPE


def test_popen_runs_a_process(tmp_path):
    osutils = OSUtils()
    process = osutils.popen([sys.executable, "-c", "import os; print(os.getcwd())"],
                            stdout=osutils.pipe, stderr=osutils.pipe, cwd=str(tmp_path))
    out, _err = process.communicate()
    assert process.returncode == 0
    assert os.path.realpath(out.decode().strip()) == os.path.realpath(str(tmp_path))


def test_extract_zipfile_extracts_and_refuses_escapes(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as archive:
        archive.writestr("pkg/x.py", "X")
    out = tmp_path / "out"
    out.mkdir()
    OSUtils().extract_zipfile(str(good), str(out))
    assert (out / "pkg" / "x.py").read_text() == "X"

    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("../escaped.py", "X")
    with pytest.raises(UnsafeArchiveError):
        OSUtils().extract_zipfile(str(bad), str(out))
    assert not (tmp_path / "escaped.py").exists()
