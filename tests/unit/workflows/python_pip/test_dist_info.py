"""Reading an installed .dist-info: METADATA's name and version, WHEEL's tags, the directory's name."""

from __future__ import annotations

import pytest

from aws_lambda_builders.workflows.python_pip.dist_info import (
    name_and_version,
    name_and_version_from_directory,
    parse_headers,
    read_headers,
    wheel_file_tags,
)


def _dist_info(tmp_path, directory, **files):
    path = tmp_path / directory
    path.mkdir()
    for name, content in files.items():
        (path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return str(path)


def test_name_and_version_come_from_metadata(tmp_path):
    path = _dist_info(tmp_path, "foo_bar-1.0.dist-info",
                      METADATA="Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.0\n")

    assert name_and_version(path) == ("Foo.Bar", "1.0")


def test_without_metadata_the_directory_name_is_all_there_is(tmp_path):
    path = _dist_info(tmp_path, "legacy-2.3.dist-info")

    assert name_and_version(path) == ("legacy", "2.3")


def test_metadata_naming_nothing_falls_back_to_the_directory_name(tmp_path):
    path = _dist_info(tmp_path, "legacy-2.3.dist-info", METADATA="Metadata-Version: 2.1\nVersion: 9.9\n")

    assert name_and_version(path) == ("legacy", "2.3")


def test_metadata_without_a_version_gives_an_empty_one(tmp_path):
    path = _dist_info(tmp_path, "foo-1.0.dist-info", METADATA="Name: foo\n")

    assert name_and_version(path) == ("foo", "")


def test_undecodable_bytes_in_metadata_are_replaced_not_raised(tmp_path):
    path = _dist_info(tmp_path, "cafe-1.0.dist-info", METADATA=b"Name: cafe\nVersion: 1.0\nSummary: caf\xe9\n")

    assert name_and_version(path) == ("cafe", "1.0")
    assert read_headers(path, "METADATA")["Summary"] == "caf\ufffd"


def test_pkg_info_is_not_read_as_metadata(tmp_path):
    path = _dist_info(tmp_path, "dirname-1.0.dist-info", **{"PKG-INFO": "Name: other\nVersion: 5\n"})

    assert read_headers(path, "METADATA") is None
    assert name_and_version(path) == ("dirname", "1.0")


def test_a_directory_named_metadata_is_no_metadata(tmp_path):
    path = _dist_info(tmp_path, "odd-1.0.dist-info")
    (tmp_path / "odd-1.0.dist-info" / "METADATA").mkdir()

    assert read_headers(path, "METADATA") is None


@pytest.mark.parametrize("directory, expected", [
    ("six-1.16.0.dist-info", ("six", "1.16.0")),
    ("zope.interface-6.0.dist-info", ("zope.interface", "6.0")),
    ("noversion.dist-info", ("noversion", "")),
    ("/some/bundle/pkg-1.0-extra.dist-info", ("pkg", "1.0-extra")),
])
def test_directory_name_splits_at_the_first_dash(directory, expected):
    assert name_and_version_from_directory(directory) == expected


def test_wheel_tags_are_every_tag_line_as_written(tmp_path):
    path = _dist_info(tmp_path, "numpy-2.0.dist-info",
                      WHEEL="Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"
                            "Tag: cp312-cp312-manylinux_2_17_x86_64\nTag: cp312-cp312-manylinux2014_x86_64\n")

    assert wheel_file_tags(path) == ["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-manylinux2014_x86_64"]


def test_no_wheel_file_or_no_tag_means_no_tags(tmp_path):
    assert wheel_file_tags(_dist_info(tmp_path, "a-1.dist-info")) == []
    assert wheel_file_tags(_dist_info(tmp_path, "b-1.dist-info", WHEEL="Wheel-Version: 1.0\n")) == []


def test_headers_parse_text_keeping_order_and_repeats():
    headers = parse_headers("Wheel-Version: 1.0\nTag: py2-none-any\nTag: py3-none-any\n\nbody: ignored\n")

    assert list(headers.keys()) == ["Wheel-Version", "Tag", "Tag"]
    assert headers.get_all("Tag") == ["py2-none-any", "py3-none-any"]
    assert headers["Missing"] is None
