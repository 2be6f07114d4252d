"""aws_lambda_builders.utils: copytree, which, get_goarch, create_symlink_or_copy, extract_tarfile, decode."""

from __future__ import annotations

import io
import logging
import os
import shutil
import stat
import tarfile
from pathlib import Path
from unittest import mock

import pytest

from aws_lambda_builders import utils
from aws_lambda_builders.utils import copytree, create_symlink_or_copy, decode, extract_tarfile, get_goarch, which

LOGGER = "aws_lambda_builders.utils"


def tree(root):
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*"))


# --------------------------------------------------------------------------- copytree


def test_copytree_of_a_missing_source_warns_and_creates_nothing(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert copytree(str(tmp_path / "absent"), str(tmp_path / "dest")) is None

    assert not (tmp_path / "dest").exists()
    [record] = caplog.records
    assert record.msg == "Skipping copy operation since source %s does not exist"
    assert record.args == (str(tmp_path / "absent"),)


def test_copytree_creates_the_destination_and_copies_recursively(tmp_path):
    source = tmp_path / "source"
    (source / "a" / "b").mkdir(parents=True)
    (source / "top.txt").write_text("top")
    (source / "a" / "b" / "deep.txt").write_text("deep")

    copytree(str(source), str(tmp_path / "x" / "dest"))

    assert tree(tmp_path / "x" / "dest") == ["a", os.path.join("a", "b"), os.path.join("a", "b", "deep.txt"),
                                             "top.txt"]
    assert (tmp_path / "x" / "dest" / "a" / "b" / "deep.txt").read_text() == "deep"


def test_copytree_merges_into_an_existing_destination_overwriting_files(tmp_path):
    source, dest = tmp_path / "source", tmp_path / "dest"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "same.py").write_text("new")
    (dest / "pkg").mkdir(parents=True)
    (dest / "pkg" / "same.py").write_text("old")
    (dest / "pkg" / "kept.py").write_text("kept")
    (dest / "other").write_text("other")

    copytree(str(source), str(dest))

    assert (dest / "pkg" / "same.py").read_text() == "new"
    assert (dest / "pkg" / "kept.py").read_text() == "kept"
    assert (dest / "other").read_text() == "other"


def test_copytree_keeps_file_metadata(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "f").write_text("x")
    os.utime(source / "f", (1_000_000_000, 1_000_000_000))

    copytree(str(source), str(tmp_path / "dest"))

    assert os.stat(tmp_path / "dest" / "f").st_mtime == 1_000_000_000


def test_copytree_ignore_is_asked_about_every_directory(tmp_path):
    source = tmp_path / "source"
    (source / "pkg" / "__pycache__").mkdir(parents=True)
    (source / "a.pyc").write_text("x")
    (source / "a.py").write_text("x")
    (source / "pkg" / "b.pyc").write_text("x")
    (source / "pkg" / "b.py").write_text("x")
    (source / "pkg" / "__pycache__" / "c").write_text("x")
    ignore = mock.Mock(side_effect=shutil.ignore_patterns("*.pyc", "__pycache__"))

    copytree(str(source), str(tmp_path / "dest"), ignore=ignore)

    assert tree(tmp_path / "dest") == ["a.py", "pkg", os.path.join("pkg", "b.py")]
    assert sorted(c.args[0] for c in ignore.call_args_list) == [str(source), str(source / "pkg")]
    assert sorted(ignore.call_args_list[0].args[1]) == ["a.py", "a.pyc", "pkg"]


def test_copytree_include_filters_files_only(tmp_path):
    source = tmp_path / "source"
    (source / "pkg").mkdir(parents=True)
    (source / "a.py").write_text("x")
    (source / "a.txt").write_text("x")
    (source / "pkg" / "b.py").write_text("x")

    copytree(str(source), str(tmp_path / "dest"), include=lambda name: name.endswith(".py"))

    assert tree(tmp_path / "dest") == ["a.py", "pkg", os.path.join("pkg", "b.py")]


def test_copytree_follows_links_by_default(tmp_path):
    source = tmp_path / "source"
    (source / "real").mkdir(parents=True)
    (source / "real" / "f").write_text("f")
    (source / "dirlink").symlink_to("real", target_is_directory=True)
    (source / "filelink").symlink_to("real/f")

    copytree(str(source), str(tmp_path / "dest"))

    assert not (tmp_path / "dest" / "dirlink").is_symlink()
    assert (tmp_path / "dest" / "dirlink" / "f").read_text() == "f"
    assert not (tmp_path / "dest" / "filelink").is_symlink()
    assert (tmp_path / "dest" / "filelink").read_text() == "f"


def test_copytree_maintains_links_when_asked(tmp_path):
    source = tmp_path / "source"
    (source / "real").mkdir(parents=True)
    (source / "real" / "f").write_text("f")
    (source / "dirlink").symlink_to(source / "real", target_is_directory=True)
    (source / "filelink").symlink_to(source / "real" / "f")

    with mock.patch("aws_lambda_builders.utils.create_symlink_or_copy",
                    wraps=utils.create_symlink_or_copy) as link_mock:
        copytree(str(source), str(tmp_path / "dest"), maintain_symlinks=True)

    # the link's own text is passed on (create_symlink_or_copy makes it absolute against the working directory)
    assert sorted(link_mock.call_args_list) == [
        mock.call(str(source / "real"), str(tmp_path / "dest" / "dirlink")),
        mock.call(str(source / "real" / "f"), str(tmp_path / "dest" / "filelink"))]
    assert (tmp_path / "dest" / "dirlink").is_symlink()
    assert (tmp_path / "dest" / "filelink").is_symlink()
    assert (tmp_path / "dest" / "filelink").read_text() == "f"


# --------------------------------------------------------------------------- which


def executable(path):
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_which_returns_every_match_search_paths_first(tmp_path, monkeypatch):
    first, second, third = (tmp_path / name for name in ("first", "second", "third"))
    for directory in (first, second, third):
        directory.mkdir()
    in_search = executable(first / "tool")
    in_path = executable(third / "tool")
    (second / "tool").write_text("not executable")
    monkeypatch.setenv("PATH", os.pathsep.join([str(second), str(third), str(first)]))

    assert which("tool", executable_search_paths=[str(first)]) == [in_search, in_path]


def test_which_accepts_path_objects_as_search_paths(tmp_path, monkeypatch):
    found = executable(tmp_path / "tool")
    monkeypatch.setenv("PATH", os.defpath)

    assert which("tool", executable_search_paths=[tmp_path]) == [found]


def test_which_finds_nothing_as_an_empty_list(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    assert which("no-such-tool-here") == []


def test_which_skips_directories(tmp_path, monkeypatch):
    (tmp_path / "tool").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path))

    assert which("tool") == []


def test_which_with_an_empty_path_is_none(monkeypatch):
    monkeypatch.setenv("PATH", "")

    assert which("python") is None


def test_which_of_a_command_with_a_directory_part_is_that_command(tmp_path):
    found = executable(tmp_path / "tool")

    assert which(found) == [found]
    assert which(str(tmp_path / "absent")) is None


def test_which_honours_the_mode(tmp_path, monkeypatch):
    (tmp_path / "data").write_text("x")
    monkeypatch.setenv("PATH", str(tmp_path))

    assert which("data") == []
    assert which("data", mode=os.F_OK) == [str(tmp_path / "data")]


# --------------------------------------------------------------------------- get_goarch


@pytest.mark.parametrize("architecture, goarch", [("arm64", "arm64"), ("x86_64", "amd64"), ("ARM64", "amd64"),
                                                  (None, "amd64")])
def test_get_goarch(architecture, goarch):
    assert get_goarch(architecture) == goarch


# --------------------------------------------------------------------------- create_symlink_or_copy


@mock.patch("aws_lambda_builders.utils.copytree")
@mock.patch("aws_lambda_builders.utils.Path")
@mock.patch("aws_lambda_builders.utils.os")
def test_create_symlink_links_the_absolute_paths(os_mock, path_mock, copytree_mock):
    path_mock.side_effect = lambda p: mock.Mock(absolute=mock.Mock(return_value="abs:" + p),
                                                exists=mock.Mock(return_value=False))

    create_symlink_or_copy("source", "destination")

    os_mock.symlink.assert_called_once_with("abs:source", "abs:destination")
    copytree_mock.assert_not_called()


@mock.patch("aws_lambda_builders.utils.copytree")
@mock.patch("aws_lambda_builders.utils.Path")
@mock.patch("aws_lambda_builders.utils.os")
def test_create_symlink_over_an_existing_link_does_nothing(os_mock, path_mock, copytree_mock):
    path_mock.return_value.exists.return_value = True
    path_mock.return_value.is_symlink.return_value = True

    create_symlink_or_copy("source", "destination")

    path_mock.assert_any_call("destination")

    os_mock.symlink.assert_not_called()
    copytree_mock.assert_not_called()


@mock.patch("aws_lambda_builders.utils.copytree")
@mock.patch("aws_lambda_builders.utils.os")
def test_create_symlink_falls_back_to_copying_with_a_warning(os_mock, copytree_mock, caplog):
    os_mock.path.islink.return_value = False
    os_mock.symlink.side_effect = OSError("no privilege")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        create_symlink_or_copy("source", "destination")

    copytree_mock.assert_called_once_with("source", "destination")
    [record] = caplog.records
    assert record.getMessage() == (
        "Symbolic link creation failed, falling back to copying files instead. To optimize speed, consider enabling "
        "the necessary settings or privileges on your system to support symbolic links.")


def test_create_symlink_on_real_files(tmp_path):
    (tmp_path / "target").write_text("t")

    create_symlink_or_copy(str(tmp_path / "target"), str(tmp_path / "link"))

    assert (tmp_path / "link").is_symlink()
    assert os.readlink(tmp_path / "link") == str(tmp_path / "target")


# --------------------------------------------------------------------------- extract_tarfile


def make_tar(path, members):
    """members: (name, kind, payload) with kind "file", "dir", "sym" or "hard" (payload = link target)."""
    with tarfile.open(path, "w:gz") as archive:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                data = payload.encode()
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE}[kind]
            if kind == "dir":
                info.mode = 0o755
            else:
                info.linkname = payload
            archive.addfile(info)
    return str(path)


def test_extract_tarfile_unpacks_any_compression(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [("pkg", "dir", None), ("pkg/setup.py", "file", "setup"),
                                               ("pkg/alias.py", "sym", "setup.py")])

    extract_tarfile(archive, str(tmp_path / "out"))

    assert (tmp_path / "out" / "pkg" / "setup.py").read_text() == "setup"
    assert (tmp_path / "out" / "pkg" / "alias.py").read_text() == "setup"


def test_extract_tarfile_opens_with_any_compression_mode(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [("f", "file", "x")])
    with mock.patch("aws_lambda_builders.utils.tarfile.open", wraps=tarfile.open) as open_mock:
        extract_tarfile(archive, str(tmp_path / "out"))

    open_mock.assert_called_once_with(archive, "r:*")


@pytest.mark.parametrize("members", [
    [("../evil.txt", "file", "x")],
    [("ok.txt", "file", "x"), ("pkg/../../evil.txt", "file", "x")],
    [("/tmp/absolute-evil.txt", "file", "x")],
    # differs from aws-lambda-builders, which checks member names only: a link out of the directory is refused too
    [("link", "sym", "../outside")],
    [("link", "sym", "/etc/passwd")],
    [("pkg", "dir", None), ("pkg/link", "sym", "../../outside")],
    [("hard", "hard", "../outside")],
])
def test_extract_tarfile_refuses_path_traversal_before_writing_anything(tmp_path, members):
    archive = make_tar(tmp_path / "a.tar.gz", members)
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(tarfile.ExtractError) as raised:
        extract_tarfile(archive, str(out))

    assert str(raised.value) == "Attempted Path Traversal in Tar File"
    assert list(out.iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_extract_tarfile_accepts_links_inside_the_directory(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [("pkg", "dir", None), ("pkg/a", "file", "a"),
                                               ("pkg/sub", "dir", None), ("pkg/sub/up", "sym", "../a"),
                                               ("pkg/hard", "hard", "pkg/a")])

    extract_tarfile(archive, str(tmp_path / "out"))

    assert (tmp_path / "out" / "pkg" / "sub" / "up").read_text() == "a"
    assert (tmp_path / "out" / "pkg" / "hard").read_text() == "a"


# --------------------------------------------------------------------------- decode


def test_decode_uses_the_given_encoding_and_strips():
    assert decode("  héllo \n".encode("utf-16"), encoding="utf-16") == "héllo"


@mock.patch("aws_lambda_builders.utils.locale")
def test_decode_defaults_to_the_locales_encoding(locale_mock):
    locale_mock.getpreferredencoding.return_value = "latin-1"

    assert decode(b"caf\xe9\n") == "café"
    locale_mock.getpreferredencoding.assert_called_once_with()


def test_decode_replaces_what_it_cannot_decode():
    assert decode(b"a\xffb", encoding="utf-8") == "a\ufffdb"
