"""Unpacking sdists: normal archives extract, hostile ones are refused before anything is written."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import warnings
import zipfile

import pytest

from aws_lambda_builders.workflows.python_pip.archives import extract_tarfile, extract_zipfile
from aws_lambda_builders.workflows.python_pip.exceptions import UnsafeArchiveError

TAR_MODES = {"tar.gz": "w:gz", "tar.bz2": "w:bz2"}


@pytest.fixture
def layout(tmp_path):
    """``work/dest`` to unpack into, archives kept apart in ``archives``."""
    archives = tmp_path / "archives"
    archives.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "dest"
    dest.mkdir()
    return archives, work, dest


def _tree(path):
    """Every path under ``path`` (relative), links included, without following them."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), path))
    return found


def _write_zip(path, entries):
    """entries: (name, data) or (ZipInfo, data)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names warn
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return str(path)


def _tar_file(name, data=b"", mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    return info, io.BytesIO(data)


def _tar_special(name, kind, linkname="", mode=0o644):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = mode
    return info, None


def _write_tar(path, fmt, members):
    with tarfile.open(path, TAR_MODES[fmt]) as archive:
        for info, fileobj in members:
            archive.addfile(info, fileobj)
    return str(path)


def _assert_refused(call, archive_path, member, parent, dest):
    before = sorted(os.listdir(parent))
    with pytest.raises(UnsafeArchiveError) as excinfo:
        call(archive_path, str(dest))
    message = str(excinfo.value)
    assert archive_path in message
    assert member in message
    assert excinfo.value.archive == archive_path
    assert excinfo.value.member == member
    assert sorted(os.listdir(parent)) == before, "something was written next to the destination"
    assert _tree(dest) == set(), "a refused archive must not be partly extracted"
    return excinfo.value


# --------------------------------------------------------------------------- normal archives


def test_extract_zipfile_extracts_files_and_directories(layout):
    archives, work, dest = layout
    path = _write_zip(
        archives / "pkg-1.0.zip",
        [
            ("pkg-1.0/", b""),
            ("pkg-1.0/PKG-INFO", b"Name: pkg\n"),
            ("pkg-1.0/pkg/__init__.py", b"X = 1\n"),
            ("pkg-1.0/pkg/sub/mod.py", b"Y = 2\n"),
        ],
    )
    extract_zipfile(path, str(dest))
    assert (dest / "pkg-1.0" / "PKG-INFO").read_bytes() == b"Name: pkg\n"
    assert (dest / "pkg-1.0" / "pkg" / "__init__.py").read_bytes() == b"X = 1\n"
    assert (dest / "pkg-1.0" / "pkg" / "sub" / "mod.py").read_bytes() == b"Y = 2\n"
    assert os.listdir(work) == ["dest"]


def test_extract_zipfile_accepts_a_dotdot_that_stays_inside(layout):
    archives, work, dest = layout
    path = _write_zip(archives / "a.zip", [("pkg/sub/../kept.txt", b"ok")])
    extract_zipfile(path, str(dest))
    written = [name for name in _tree(dest) if name.endswith("kept.txt")]
    assert len(written) == 1
    assert (dest / written[0]).read_bytes() == b"ok"
    assert os.listdir(work) == ["dest"]


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_extract_tarfile_extracts_files_and_directories(layout, fmt):
    archives, work, dest = layout
    top = tarfile.TarInfo("pkg-1.0")
    top.type = tarfile.DIRTYPE
    top.mode = 0o755
    path = _write_tar(
        archives / f"pkg-1.0.{fmt}",
        fmt,
        [
            (top, None),
            _tar_file("pkg-1.0/PKG-INFO", b"Name: pkg\n"),
            _tar_file("pkg-1.0/pkg/__init__.py", b"X = 1\n"),
            _tar_file("pkg-1.0/pkg/sub/mod.py", b"Y = 2\n"),
        ],
    )
    extract_tarfile(path, str(dest))
    assert (dest / "pkg-1.0" / "PKG-INFO").read_bytes() == b"Name: pkg\n"
    assert (dest / "pkg-1.0" / "pkg" / "__init__.py").read_bytes() == b"X = 1\n"
    assert (dest / "pkg-1.0" / "pkg" / "sub" / "mod.py").read_bytes() == b"Y = 2\n"
    assert os.listdir(work) == ["dest"]


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_extract_tarfile_keeps_a_symlink_that_stays_inside(layout, fmt):
    archives, work, dest = layout
    path = _write_tar(
        archives / f"pkg.{fmt}",
        fmt,
        [
            _tar_file("pkg/real.txt", b"real"),
            _tar_special("pkg/link.txt", tarfile.SYMTYPE, linkname="real.txt"),
        ],
    )
    extract_tarfile(path, str(dest))
    link = dest / "pkg" / "link.txt"
    assert link.is_symlink()
    assert link.read_bytes() == b"real"
    assert os.listdir(work) == ["dest"]


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_extract_tarfile_drops_setuid_and_keeps_executable_bit(layout, fmt):
    archives, work, dest = layout
    path = _write_tar(
        archives / f"pkg.{fmt}",
        fmt,
        [_tar_file("pkg/run.sh", b"#!/bin/sh\n", mode=0o4777), _tar_file("pkg/plain.txt", b"x", mode=0o600)],
    )
    extract_tarfile(path, str(dest))
    run_mode = stat.S_IMODE(os.stat(dest / "pkg" / "run.sh").st_mode)
    assert not run_mode & stat.S_ISUID
    assert not run_mode & 0o022, "group/other write is not carried over"
    assert run_mode & stat.S_IXUSR
    assert (dest / "pkg" / "plain.txt").read_bytes() == b"x"


# --------------------------------------------------------------------------- hostile zips


def test_zip_with_dotdot_member_is_refused(layout):
    archives, work, dest = layout
    path = _write_zip(archives / "evil.zip", [("pkg/ok.txt", b"ok"), ("../evil", b"evil")])
    _assert_refused(extract_zipfile, path, "../evil", work, dest)


def test_zip_escaping_into_a_sibling_with_the_same_prefix_is_refused(layout):
    archives, work, dest = layout
    path = _write_zip(archives / "evil.zip", [("../dest-sibling/x", b"evil")])
    _assert_refused(extract_zipfile, path, "../dest-sibling/x", work, dest)
    assert not (work / "dest-sibling").exists()


def test_zip_with_absolute_member_is_refused(layout):
    archives, work, dest = layout
    member = str(work / "absolute-evil")
    path = _write_zip(archives / "evil.zip", [(member, b"evil")])
    _assert_refused(extract_zipfile, path, member, work, dest)
    assert not (work / "absolute-evil").exists()


def test_zip_with_windows_drive_member_is_refused(layout):
    archives, work, dest = layout
    path = _write_zip(archives / "evil.zip", [("C:/evil", b"evil")])
    _assert_refused(extract_zipfile, path, "C:/evil", work, dest)


def test_zip_with_symlink_entry_is_refused(layout):
    archives, work, dest = layout
    info = zipfile.ZipInfo("pkg/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    path = _write_zip(archives / "evil.zip", [(info, b"../../outside")])
    _assert_refused(extract_zipfile, path, "pkg/link", work, dest)


def test_zip_with_duplicate_member_names_is_refused(layout):
    archives, work, dest = layout
    path = _write_zip(archives / "dup.zip", [("pkg/setup.py", b"first"), ("pkg/setup.py", b"second")])
    _assert_refused(extract_zipfile, path, "pkg/setup.py", work, dest)


# --------------------------------------------------------------------------- hostile tars


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_tar_with_dotdot_member_is_refused(layout, fmt):
    archives, work, dest = layout
    path = _write_tar(archives / f"evil.{fmt}", fmt, [_tar_file("pkg/ok.txt", b"ok"), _tar_file("../evil", b"evil")])
    _assert_refused(extract_tarfile, path, "../evil", work, dest)


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_tar_escaping_into_a_sibling_with_the_same_prefix_is_refused(layout, fmt):
    archives, work, dest = layout
    path = _write_tar(archives / f"evil.{fmt}", fmt, [_tar_file("../dest-sibling/x", b"evil")])
    _assert_refused(extract_tarfile, path, "../dest-sibling/x", work, dest)
    assert not (work / "dest-sibling").exists()


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_tar_with_absolute_member_is_refused(layout, fmt):
    archives, work, dest = layout
    member = str(work / "absolute-evil")
    path = _write_tar(archives / f"evil.{fmt}", fmt, [_tar_file(member, b"evil")])
    _assert_refused(extract_tarfile, path, member, work, dest)
    assert not (work / "absolute-evil").exists()


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
@pytest.mark.parametrize("linkname", ["../../outside", "../../dest-sibling", "/etc/passwd", "../../../.."])
def test_tar_with_symlink_pointing_outside_is_refused(layout, fmt, linkname):
    archives, work, dest = layout
    path = _write_tar(archives / f"evil.{fmt}", fmt, [_tar_special("pkg/link", tarfile.SYMTYPE, linkname=linkname)])
    _assert_refused(extract_tarfile, path, "pkg/link", work, dest)


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_tar_with_symlink_then_write_through_it_is_refused(layout, fmt):
    archives, work, dest = layout
    path = _write_tar(
        archives / f"evil.{fmt}",
        fmt,
        [_tar_special("escape", tarfile.SYMTYPE, linkname=".."), _tar_file("escape/evil", b"evil")],
    )
    _assert_refused(extract_tarfile, path, "escape", work, dest)
    assert not (work / "evil").exists()


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_tar_with_a_chain_of_symlinks_escaping_is_refused_as_unsafe(layout, fmt):
    # "x/y" -> ".." is inside (it is dest itself); "x/y/z" -> ".." looks inside when read
    # lexically (dest/x) but is really created in dest through x/y, so it points at work/.
    archives, work, dest = layout
    top = tarfile.TarInfo("x")
    top.type = tarfile.DIRTYPE
    top.mode = 0o755
    path = _write_tar(
        archives / f"chain.{fmt}",
        fmt,
        [
            (top, None),
            _tar_special("x/y", tarfile.SYMTYPE, linkname=".."),
            _tar_special("x/y/z", tarfile.SYMTYPE, linkname=".."),
            _tar_file("x/y/z/evil", b"evil"),
        ],
    )
    before = sorted(os.listdir(work))
    with pytest.raises(UnsafeArchiveError) as excinfo:
        extract_tarfile(path, str(dest))
    assert path in str(excinfo.value)
    assert sorted(os.listdir(work)) == before
    assert not (work / "evil").exists()


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
@pytest.mark.parametrize("linkname", ["../outside", "/etc/passwd"])
def test_tar_with_hardlink_pointing_outside_is_refused(layout, fmt, linkname):
    archives, work, dest = layout
    (work / "outside").write_bytes(b"secret")
    path = _write_tar(archives / f"evil.{fmt}", fmt, [_tar_special("pkg/hard", tarfile.LNKTYPE, linkname=linkname)])
    _assert_refused(extract_tarfile, path, "pkg/hard", work, dest)
    assert (work / "outside").read_bytes() == b"secret"


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE], ids=["chr", "blk", "fifo"])
def test_tar_with_device_or_fifo_member_is_refused(layout, fmt, kind):
    archives, work, dest = layout
    path = _write_tar(archives / f"evil.{fmt}", fmt, [_tar_file("pkg/ok.txt", b"ok"), _tar_special("pkg/dev", kind)])
    _assert_refused(extract_tarfile, path, "pkg/dev", work, dest)


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_tar_with_duplicate_member_names_is_refused(layout, fmt):
    archives, work, dest = layout
    path = _write_tar(
        archives / f"dup.{fmt}", fmt, [_tar_file("pkg/setup.py", b"first"), _tar_file("pkg/setup.py", b"second")]
    )
    _assert_refused(extract_tarfile, path, "pkg/setup.py", work, dest)


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2"])
def test_tar_refusal_happens_before_any_member_is_written(layout, fmt):
    archives, work, dest = layout
    path = _write_tar(
        archives / f"evil.{fmt}",
        fmt,
        [_tar_file("pkg/first.txt", b"first"), _tar_file("pkg/second.txt", b"2"), _tar_file("../evil", b"evil")],
    )
    _assert_refused(extract_tarfile, path, "../evil", work, dest)
    assert not (dest / "pkg").exists()


def test_unsafe_archive_error_is_a_packager_error():
    from aws_lambda_builders.workflows.python_pip.exceptions import PackagerError

    error = UnsafeArchiveError("a.tar.gz", "../x", "points outside the destination directory")
    assert isinstance(error, PackagerError)
    assert str(error) == "Refusing to unpack a.tar.gz: member '../x' points outside the destination directory"


@pytest.mark.parametrize("name, data", [
    ("broken-1.0.tar.gz", b"this is not a tar file at all"),
    ("broken-1.0.tar.bz2", b"BZh91AY&SY" + b"\x00" * 40),
    ("broken-1.0.zip", b"PK\x03\x04 not really a zip"),
])
def test_corrupt_archive_is_a_packager_error_naming_it(tmp_path, name, data):
    from aws_lambda_builders.workflows.python_pip.archives import extract_tarfile, extract_zipfile
    from aws_lambda_builders.workflows.python_pip.exceptions import CorruptArchiveError, PackagerError

    archive = tmp_path / name
    archive.write_bytes(data)
    dest = tmp_path / "dest"
    dest.mkdir()
    extract = extract_zipfile if name.endswith(".zip") else extract_tarfile

    with pytest.raises(CorruptArchiveError) as raised:
        extract(str(archive), str(dest))

    assert isinstance(raised.value, PackagerError)
    assert str(archive) in str(raised.value)


# --------------------------------------------------------------------------- reading without unpacking


@pytest.mark.parametrize("fmt", ["tar.gz", "tar.bz2", "zip"])
def test_member_sizes_are_the_regular_files_uncompressed_sizes(layout, fmt):
    from aws_lambda_builders.workflows.python_pip.archives import member_sizes

    archives, _, _ = layout
    files = [("pkg-1.0/setup.py", b"x" * 10), ("pkg-1.0/src/a.c", b"\0" * 5000)]
    if fmt == "zip":
        path = _write_zip(archives / "pkg-1.0.zip", files + [("pkg-1.0/empty/", b"")])
    else:
        path = _write_tar(archives / f"pkg-1.0.{fmt}", fmt, [_tar_file(n, d) for n, d in files]
                          + [_tar_special("pkg-1.0/link.c", tarfile.SYMTYPE, "src/a.c")])
    assert member_sizes(path) == {"pkg-1.0/setup.py": 10, "pkg-1.0/src/a.c": 5000}


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
@pytest.mark.parametrize("names, found", [
    (["pkg-1.0/PKG-INFO", "pkg-1.0/setup.py"], "pkg-1.0/PKG-INFO"),  # an sdist: one top directory
    (["./pkg-1.0/PKG-INFO", "./pkg-1.0/setup.py"], "./pkg-1.0/PKG-INFO"),
    (["PKG-INFO", "setup.py"], "PKG-INFO"),  # a flat archive
    (["PKG-INFO"], "PKG-INFO"),
    (["a/PKG-INFO", "b/PKG-INFO"], None),  # two top directories: the root is the archive's own
    (["pkg-1.0/sub/PKG-INFO", "pkg-1.0/setup.py"], None),  # deeper is not the root
    (["pkg-1.0/setup.py"], None),
])
def test_read_root_file_finds_it_where_unpacking_would_put_it(layout, fmt, names, found):
    from aws_lambda_builders.workflows.python_pip.archives import read_root_file

    archives, _, _ = layout
    files = [(name, f"content of {name}".encode()) for name in names]
    if fmt == "zip":
        path = _write_zip(archives / "pkg-1.0.zip", files)
    else:
        path = _write_tar(archives / "pkg-1.0.tar.gz", fmt, [_tar_file(n, d) for n, d in files])
    assert read_root_file(path, "PKG-INFO") == (None if found is None else f"content of {found}".encode())


def test_read_root_file_does_not_follow_a_link(layout):
    from aws_lambda_builders.workflows.python_pip.archives import read_root_file

    archives, _, _ = layout
    path = _write_tar(archives / "pkg-1.0.tar.gz", "tar.gz", [
        _tar_file("pkg-1.0/real-info", b"Name: pkg\n"), _tar_special("pkg-1.0/PKG-INFO", tarfile.SYMTYPE, "real-info")])
    assert read_root_file(path, "PKG-INFO") is None


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_read_root_file_refuses_what_unpacking_would_refuse(layout, fmt):
    from aws_lambda_builders.workflows.python_pip.archives import read_root_file

    archives, _, _ = layout
    files = [("pkg-1.0/PKG-INFO", b"Name: pkg\n"), ("pkg-1.0/../../escaped.py", b"")]
    if fmt == "zip":
        path = _write_zip(archives / "pkg-1.0.zip", files)
    else:
        path = _write_tar(archives / "pkg-1.0.tar.gz", fmt, [_tar_file(n, d) for n, d in files])
    with pytest.raises(UnsafeArchiveError) as raised:
        read_root_file(path, "PKG-INFO")
    assert raised.value.member == "pkg-1.0/../../escaped.py"


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
@pytest.mark.parametrize("hostile, why", [
    ([("pkg-1.0/../../escaped.py", b"")], "points outside the destination directory"),
    ([("pkg-1.0/twice.py", b"first"), ("pkg-1.0/twice.py", b"second")], "appears twice"),
])
def test_check_members_refuses_what_unpacking_would_refuse_and_writes_nothing(layout, fmt, hostile, why):
    from aws_lambda_builders.workflows.python_pip.archives import check_members

    archives, destination, _ = layout
    files = [("pkg-1.0/setup.py", b"")] + hostile
    if fmt == "zip":
        path = _write_zip(archives / "pkg-1.0.zip", files)
    else:
        path = _write_tar(archives / "pkg-1.0.tar.gz", fmt, [_tar_file(n, d) for n, d in files])
    with pytest.raises(UnsafeArchiveError) as raised:
        check_members(path)
    assert raised.value.member == hostile[-1][0] and why in str(raised.value)
    assert sorted(os.listdir(archives)) == [os.path.basename(path)]


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_check_members_lets_an_ordinary_sdist_through(layout, fmt):
    from aws_lambda_builders.workflows.python_pip.archives import check_members

    archives, _, _ = layout
    files = [("pkg-1.0/PKG-INFO", b"Name: pkg\n"), ("pkg-1.0/pkg/__init__.py", b"")]
    path = (_write_zip(archives / "pkg-1.0.zip", files) if fmt == "zip" else
            _write_tar(archives / "pkg-1.0.tar.gz", fmt, [_tar_file(n, d) for n, d in files]))
    before = open(path, "rb").read()

    check_members(path)  # raises nothing

    assert open(path, "rb").read() == before and sorted(os.listdir(archives)) == [os.path.basename(path)]
