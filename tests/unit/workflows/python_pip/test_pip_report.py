"""Reading pip's installation report: reports captured from real pips, and the edge cases of the format.

The files in ``pip_reports/`` are what ``pip install --dry-run --ignore-installed --report`` wrote (pip 23.2.1,
the one Python 3.11's ensurepip bundles, and pip 26.3) for a requirements file naming a local project directory
``./my project`` (its metadata name ``My_Project``, depending on ``six``) and ``requests==2.31.0`` from PyPI,
with ``PIP_CONFIG_FILE=/dev/null`` and no ``PIP_FIND_LINKS``. Edited after capture: the capture directory is
``/capture-root`` and each long ``description`` is ``(elided)``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from aws_lambda_builders.workflows.python_pip.exceptions import PackageDownloadError
from aws_lambda_builders.workflows.python_pip.pip_report import (
    ReportedDistribution,
    file_url_path,
    local_directories,
    parse_report,
    read_report,
)
from aws_lambda_builders.workflows.python_pip.pip_runner import PipRunner

from .fake_pip import FakePip, index_entry, local_project_entry, wheel

REPORTS = Path(__file__).parent / "pip_reports"
CAPTURED = ["pip-23.2.1-install-report-local-project-and-pypi.json",
            "pip-26.3-install-report-local-project-and-pypi.json"]
REQUESTS_SHA256 = "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"


def captured(name: str) -> str:
    return (REPORTS / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CAPTURED)
def test_a_real_report_gives_every_distribution_pip_chose(name):
    by_name = {d.name: d for d in parse_report(captured(name))}

    assert sorted(by_name) == ["certifi", "charset-normalizer", "idna", "my-project", "requests", "six", "urllib3"]
    assert by_name["my-project"] == ReportedDistribution(
        name="my-project", version="0.3", url="file:///capture-root/my%20project", hashes={}, requested=True,
        is_direct=True, directory="/capture-root/my project")
    requests = by_name["requests"]
    assert requests.version == "2.31.0"
    assert requests.url.startswith("https://files.pythonhosted.org/") and requests.url.endswith(
        "/requests-2.31.0-py3-none-any.whl")
    assert requests.hashes == {"sha256": REQUESTS_SHA256}
    assert (requests.requested, requests.is_direct, requests.directory) == (True, False, None)
    assert (by_name["six"].requested, by_name["six"].is_direct) == (False, False)


@pytest.mark.parametrize("name", CAPTURED)
def test_a_real_reports_local_directories_are_its_dir_info_paths(name):
    assert local_directories(parse_report(captured(name))) == ["/capture-root/my project"]


def test_both_pips_report_the_same_choices():
    old, new = (sorted(parse_report(captured(name))) for name in CAPTURED)
    assert old == new


def report(*entries) -> str:
    return json.dumps({"version": "1", "pip_version": "x", "install": list(entries), "environment": {}})


def entry(name="foo", version="1.0", **download_info):
    return {"download_info": {"url": "https://i.example/foo-1.0.tar.gz", **download_info},
            "metadata": {"name": name, "version": version}}


def test_only_the_older_single_hash_is_read_when_hashes_is_missing():
    (distribution,) = parse_report(report(entry(archive_info={"hash": "sha256=abc"})))
    assert distribution.hashes == {"sha256": "abc"}


def test_missing_flags_are_false():
    (distribution,) = parse_report(report(entry()))
    assert (distribution.requested, distribution.is_direct, distribution.directory) == (False, False, None)


def test_a_directory_named_twice_is_listed_once_in_report_order():
    entries = [entry("a", url="file:///src/b", dir_info={}), entry("c", url="file:///src/a", dir_info={}),
               entry("d", url="file:///src/b", dir_info={"editable": True}), entry("e")]
    assert local_directories(parse_report(report(*entries))) == ["/src/b", "/src/a"]


def test_a_vcs_checkout_or_a_local_archive_is_no_directory():
    entries = [entry("a", url="git+https://g.example/a", vcs_info={"vcs": "git", "commit_id": "1"}),
               entry("b", url="file:///src/b-1.0.tar.gz", archive_info={})]
    assert local_directories(parse_report(report(*entries))) == []


@pytest.mark.parametrize("text", ["[]", "{}", '{"version": "2", "install": []}', '{"version": "1"}', "not json"])
def test_text_that_is_no_report_of_version_1_is_refused(text):
    with pytest.raises(ValueError):
        parse_report(text)


def test_read_report_is_none_when_pip_wrote_nothing_or_something_unreadable(tmp_path):
    assert read_report(str(tmp_path / "absent.json")) is None
    (tmp_path / "empty.json").write_text("")
    assert read_report(str(tmp_path / "empty.json")) is None
    (tmp_path / "cut.json").write_text(report(entry())[:-20])
    assert read_report(str(tmp_path / "cut.json")) is None
    (tmp_path / "odd.json").write_text(report({"metadata": {}}))
    assert read_report(str(tmp_path / "odd.json")) is None
    (tmp_path / "odder.json").write_text(report(entry(archive_info="sha256=abc")))
    assert read_report(str(tmp_path / "odder.json")) is None
    (tmp_path / "good.json").write_text(report(entry()))
    assert [d.name for d in read_report(str(tmp_path / "good.json"))] == ["foo"]


@pytest.mark.parametrize("url, path", [
    ("file:///src/my%20project", "/src/my project"),
    ("file://localhost/src/caf%C3%A9", "/src/café"),
    ("file:///src/a%23b", "/src/a#b"),
    ("https://i.example/src", None),
    ("file://fileserver/share/pkg", None),  # a UNC share, which is no path here
])
def test_file_url_path_on_posix(url, path):
    assert file_url_path(url, windows=False) == path


def test_file_url_path_of_a_windows_drive_drops_the_leading_slash():
    path = file_url_path("file:///C:/src/my%20project", windows=True)
    assert path is not None and path.replace("\\", "/") == "C:/src/my project"


def runner(pip):
    return PipRunner(sys.executable, pip)


# -- PipRunner: the local directories to build, from the report a scripted pip writes ------------------

def test_a_local_project_named_only_in_pips_report_is_built(tmp_path):
    mine = tmp_path / "src" / "my project"
    mine.mkdir(parents=True)
    dest = tmp_path / "dest"
    dest.mkdir()
    pip = (FakePip()
           .on_download_requirements(wheel("six", "1.16.0"), stdout="Saved ./dest/six-1.16.0-py3-none-any.whl\n",
                                     report=[index_entry("six", "1.16.0", requested=False),
                                             local_project_entry("My_Project", "0.1", str(mine))])
           .on_wheel("my project", wheel("my_project", "0.1")))

    built = runner(pip).download_all_dependencies("requirements.txt", str(dest), options=["--pre"])

    assert [c.kind for c in pip.calls] == ["download-r", "wheel"]
    assert pip.calls[1].target == str(mine)
    assert pip.calls[1].args[4:] == ["--pre"]
    assert built == {str(mine): ["my_project-0.1-py3-none-any.whl"]}


def test_pips_report_is_believed_over_its_output(tmp_path, monkeypatch):
    (tmp_path / "scraped").mkdir()
    (tmp_path / "dest").mkdir()
    monkeypatch.chdir(tmp_path)
    pip = FakePip().on_download_requirements(wheel("six", "1.16.0"), stdout="Processing ./scraped\n",
                                             report=[index_entry("six", "1.16.0")])
    assert runner(pip).download_all_dependencies("requirements.txt", str(tmp_path / "dest")) == {}
    assert [c.kind for c in pip.calls] == ["download-r"]


@pytest.mark.parametrize("report", [None, {"version": "99"}], ids=["a pip before 22.2", "an unreadable report"])
def test_without_a_readable_report_pips_processing_lines_are_read(tmp_path, monkeypatch, report):
    (tmp_path / "localpkg").mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    monkeypatch.chdir(tmp_path)
    pip = (FakePip()
           .on_download_requirements(stdout="Processing ./localpkg\n", report=report)
           .on_wheel("localpkg", wheel("localpkg", "0.1")))
    built = runner(pip).download_all_dependencies("requirements.txt", str(dest))
    assert built == {str(tmp_path / "localpkg"): ["localpkg-0.1-py3-none-any.whl"]}


@pytest.mark.parametrize("rc", [0, 1])
def test_the_report_goes_to_the_scratch_directory_and_is_removed(tmp_path, rc):
    scratch, dest = tmp_path / "scratch", tmp_path / "dest"
    scratch.mkdir()
    dest.mkdir()
    seen = []

    class Watching(FakePip):
        def main(self, args, env_vars=None, shim=None):
            seen.append((env_vars["LAMBDA_PIP_REPORT"], sorted(os.listdir(scratch))))
            return super().main(args, env_vars, shim)

    pip = Watching().on_download_requirements(rc=rc, stderr="ERROR: no\n", report=[index_entry("six", "1.0")])
    try:
        PipRunner(sys.executable, pip, temp_dir=str(scratch)).download_all_dependencies("r.txt", str(dest))
    except PackageDownloadError:
        assert rc == 1
    ((path, listed),) = seen
    assert os.path.dirname(path) == str(scratch) and listed == [os.path.basename(path)]
    assert os.listdir(scratch) == [] and os.listdir(dest) == []
