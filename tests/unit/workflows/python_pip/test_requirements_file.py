"""read_requirements_file: the requirements, index options and hash pins of a requirements file."""

from __future__ import annotations

import os

import pytest

from aws_lambda_builders.workflows.python_pip.exceptions import (
    InvalidRequirementLineError,
    RequirementsFileEncodingError,
    RequirementsFileNotFoundError,
)
from aws_lambda_builders.workflows.python_pip.requirements_file import (
    RequirementLine,
    logical_lines,
    read_requirements_file,
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def texts(result):
    return [line.requirement for line in result.requirements]


# -- requirements ------------------------------------------------------------------------

def test_requirement_lines_keep_their_text_path_and_line_number(tmp_path):
    path = write(tmp_path / "requirements.txt", "foo==1.0\n\nbar>=2\n# a comment\nbaz[extra]~=3.1\n")
    result = read_requirements_file(path)

    assert result.requirements == [
        RequirementLine(path, 1, "foo==1.0"),
        RequirementLine(path, 3, "bar>=2"),
        RequirementLine(path, 5, "baz[extra]~=3.1"),
    ]
    assert result.options == []
    assert result.pip_options == []


def test_relative_path_is_read_as_an_absolute_one(tmp_path, monkeypatch):
    write(tmp_path / "requirements.txt", "foo\n")
    monkeypatch.chdir(tmp_path)
    result = read_requirements_file("requirements.txt")
    assert result.requirements[0].path == str(tmp_path / "requirements.txt")


def test_comments_and_blank_lines_are_dropped_but_url_fragments_kept(tmp_path):
    path = write(tmp_path / "requirements.txt",
                 "# header comment\n"
                 "   \n"
                 "foo==1.0  # trailing comment\n"
                 "\t# indented comment\n"
                 "https://host.example/pkgs/bar-2.0-py3-none-any.whl#sha256=abcd\n")
    result = read_requirements_file(path)

    assert texts(result) == ["foo==1.0", "https://host.example/pkgs/bar-2.0-py3-none-any.whl#sha256=abcd"]
    assert [line.number for line in result.requirements] == [3, 5]


# -- options -------------------------------------------------------------------------------

def test_every_index_option_becomes_a_pip_option_in_file_order(tmp_path):
    (tmp_path / "wheels").mkdir()
    path = write(tmp_path / "requirements.txt",
                 "-i https://index.example/simple\n"
                 "--extra-index-url https://extra.example/simple\n"
                 "-f wheels\n"
                 "--trusted-host index.example\n"
                 "--pre\n"
                 "--prefer-binary\n"
                 "--no-index\n"
                 "--only-binary :all:\n"
                 "--no-binary pkg\n"
                 "foo==1.0\n")
    result = read_requirements_file(path)

    assert result.pip_options == [
        "--index-url", "https://index.example/simple",
        "--extra-index-url", "https://extra.example/simple",
        "--find-links", str(tmp_path / "wheels"),
        "--trusted-host", "index.example",
        "--pre",
        "--prefer-binary",
        "--no-index",
        "--only-binary", ":all:",
        "--no-binary", "pkg",
    ]
    assert texts(result) == ["foo==1.0"]


def test_long_spellings_with_equals_sign_are_read_like_short_ones(tmp_path):
    path = write(tmp_path / "requirements.txt",
                 "--index-url=https://index.example/simple\n"
                 "--extra-index-url=https://extra.example/simple\n"
                 "--find-links=https://links.example/wheels/\n"
                 "--only-binary=:all:\n"
                 "foo\n")
    assert read_requirements_file(path).pip_options == [
        "--index-url", "https://index.example/simple",
        "--extra-index-url", "https://extra.example/simple",
        "--find-links", "https://links.example/wheels/",
        "--only-binary", ":all:",
    ]


def test_find_links_is_resolved_against_the_files_directory_not_the_cwd(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "wheels").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    path = write(project / "requirements.txt", "-f wheels\n--find-links ./wheels/\nfoo\n")

    # both spellings name the same directory: one option
    assert read_requirements_file(path).pip_options == ["--find-links", str(project / "wheels")]


def test_find_links_url_and_absent_directory_are_kept_as_written(tmp_path):
    path = write(tmp_path / "requirements.txt",
                 "-f https://links.example/wheels/\n-f not-there\nfoo\n")
    assert read_requirements_file(path).pip_options == [
        "--find-links", "https://links.example/wheels/",
        "--find-links", "not-there",
    ]


def test_options_repeated_in_the_same_or_included_files_appear_once(tmp_path):
    write(tmp_path / "base.txt",
          "--extra-index-url https://extra.example/simple\n--pre\n--trusted-host extra.example\nbar\n")
    path = write(tmp_path / "requirements.txt",
                 "--extra-index-url https://extra.example/simple\n"
                 "--pre\n"
                 "-r base.txt\n"
                 "--pre\n"
                 "--trusted-host extra.example\n"
                 "foo\n")
    result = read_requirements_file(path)

    assert result.pip_options == [
        "--extra-index-url", "https://extra.example/simple",
        "--pre",
        "--trusted-host", "extra.example",
    ]
    assert texts(result) == ["bar", "foo"]


def test_two_different_extra_indexes_are_both_kept(tmp_path):
    path = write(tmp_path / "requirements.txt",
                 "--extra-index-url https://a.example/simple\n--extra-index-url https://b.example/simple\nfoo\n")
    assert read_requirements_file(path).pip_options == [
        "--extra-index-url", "https://a.example/simple",
        "--extra-index-url", "https://b.example/simple",
    ]


# -- includes ----------------------------------------------------------------------------

def test_requirement_includes_are_followed_relative_to_the_including_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "common" / "base.txt", "-r more.txt\nbase-pkg==1\n")
    write(tmp_path / "common" / "more.txt", "more-pkg==2\n")
    write(tmp_path / "app" / "extra.txt", "extra-pkg==3\n")
    path = write(tmp_path / "app" / "requirements.txt",
                 "app-pkg==0\n-r ../common/base.txt\n--requirement=extra.txt\nlast-pkg\n")
    result = read_requirements_file(path)

    assert texts(result) == ["app-pkg==0", "more-pkg==2", "base-pkg==1", "extra-pkg==3", "last-pkg"]
    paths = {line.requirement: line.path for line in result.requirements}
    assert paths["more-pkg==2"] == str(tmp_path / "common" / "more.txt")
    assert paths["extra-pkg==3"] == str(tmp_path / "app" / "extra.txt")


def test_long_requirement_include_with_space_is_followed(tmp_path):
    write(tmp_path / "base.txt", "bar\n")
    path = write(tmp_path / "requirements.txt", "--requirement base.txt\nfoo\n")
    assert texts(read_requirements_file(path)) == ["bar", "foo"]


def test_constraints_file_gives_options_but_no_requirements(tmp_path):
    write(tmp_path / "constraints.txt",
          "--extra-index-url https://private.example/simple\nbar==2.0\nbaz<3 --hash=sha256:cc\n")
    write(tmp_path / "more-constraints.txt", "--trusted-host private.example\nqux==1\n")
    path = write(tmp_path / "requirements.txt",
                 "-c constraints.txt\n--constraint=more-constraints.txt\nfoo\n")
    result = read_requirements_file(path)

    assert texts(result) == ["foo"]
    assert result.pip_options == [
        "--extra-index-url", "https://private.example/simple",
        "--trusted-host", "private.example",
    ]


def test_include_cycles_terminate_with_each_requirement_once(tmp_path):
    write(tmp_path / "a.txt", "-r b.txt\na-pkg\n")
    write(tmp_path / "b.txt", "-r a.txt\n-r ./requirements.txt\nb-pkg\n")
    path = write(tmp_path / "requirements.txt", "-r a.txt\nroot-pkg\n")
    result = read_requirements_file(path)

    assert sorted(texts(result)) == ["a-pkg", "b-pkg", "root-pkg"]


def test_self_include_terminates(tmp_path):
    path = write(tmp_path / "requirements.txt", "-r requirements.txt\nfoo\n")
    assert texts(read_requirements_file(path)) == ["foo"]


# -- environment variables ----------------------------------------------------------------

def test_environment_variables_are_expanded_in_options_and_requirements(tmp_path, monkeypatch):
    monkeypatch.setenv("INDEX_HOST", "private.example")
    monkeypatch.setenv("TOKEN_1", "s3cret")
    monkeypatch.setenv("FOO_VERSION", "1.2.3")
    path = write(tmp_path / "requirements.txt",
                 "-i https://user:${TOKEN_1}@${INDEX_HOST}/simple\nfoo==${FOO_VERSION}\n")
    result = read_requirements_file(path)

    assert result.pip_options == ["--index-url", "https://user:s3cret@private.example/simple"]
    assert texts(result) == ["foo==1.2.3"]


def test_unset_environment_variable_is_left_as_written(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    path = write(tmp_path / "requirements.txt",
                 "--extra-index-url https://${NOT_SET_ANYWHERE}/simple\nfoo\n")
    assert read_requirements_file(path).pip_options == [
        "--extra-index-url", "https://${NOT_SET_ANYWHERE}/simple"]


def test_environment_variable_in_an_include_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("REQ_DIR", "sub")
    write(tmp_path / "sub" / "base.txt", "bar\n")
    path = write(tmp_path / "requirements.txt", "-r ${REQ_DIR}/base.txt\n")
    assert texts(read_requirements_file(path)) == ["bar"]


# -- continuations and hashes ------------------------------------------------------------------

def test_backslash_continuations_with_hashes_give_one_requirement(tmp_path):
    path = write(tmp_path / "requirements.txt",
                 "foo==1.0 \\\n"
                 "    --hash=sha256:aaaa \\\n"
                 "    --hash=sha256:bbbb\n"
                 "bar==2.0 --hash sha256:cccc\n"
                 "baz\n")
    result = read_requirements_file(path)

    assert result.requirements == [
        RequirementLine(path, 1, "foo==1.0", ("sha256:aaaa", "sha256:bbbb")),
        RequirementLine(path, 4, "bar==2.0", ("sha256:cccc",)),
        RequirementLine(path, 5, "baz"),
    ]


def test_continued_option_line_is_joined(tmp_path):
    path = write(tmp_path / "requirements.txt",
                 "--extra-index-url \\\n  https://extra.example/simple\nfoo\n")
    result = read_requirements_file(path)
    assert result.pip_options == ["--extra-index-url", "https://extra.example/simple"]
    assert result.requirements[0].number == 3


def test_logical_lines_numbers_joined_lines_by_their_first_line():
    lines = ["a \\\n", "b\n", "c\n", "# comment \\\n", "d \\\n"]
    assert list(logical_lines(lines)) == [(1, "a  b"), (3, "c"), (4, "# comment \\"), (5, "d  ")]


def test_hashes_by_name_is_keyed_by_normalized_name(tmp_path):
    path = write(tmp_path / "requirements.txt",
                 "Foo_Bar==1 --hash=sha256:aa\n"
                 "foo.bar==1 --hash=sha256:bb\n"
                 "Six==1.16.0 --hash=sha256:cc --hash=sha256:dd\n"
                 "unpinned==3\n")
    assert read_requirements_file(path).hashes_by_name() == {
        "foo-bar": {"sha256:aa", "sha256:bb"},
        "six": {"sha256:cc", "sha256:dd"},
    }


def test_hashes_by_name_ignores_path_and_url_requirements(tmp_path):
    path = write(tmp_path / "requirements.txt",
                 "./local/pkg --hash=sha256:aa\n"
                 "https://host.example/pkg-1.0.tar.gz --hash=sha256:bb\n"
                 "foo==1 --hash=sha256:cc\n")
    result = read_requirements_file(path)

    assert result.hashes_by_name() == {"foo": {"sha256:cc"}}
    assert texts(result) == ["./local/pkg", "https://host.example/pkg-1.0.tar.gz", "foo==1"]
    assert result.requirements[0].hashes == ("sha256:aa",)


def test_hashes_in_included_file_are_pinned(tmp_path):
    write(tmp_path / "locked.txt", "bar==2 \\\n  --hash=sha256:ee\n")
    path = write(tmp_path / "requirements.txt", "-r locked.txt\n")
    assert read_requirements_file(path).hashes_by_name() == {"bar": {"sha256:ee"}}


def test_file_read_twice_gives_the_same_result(tmp_path):
    path = write(tmp_path / "requirements.txt", "--pre\nfoo\n")
    first, second = read_requirements_file(path), read_requirements_file(path)
    assert first == second
    assert first.requirements is not second.requirements
    assert os.path.isabs(first.requirements[0].path)


def test_an_include_that_does_not_exist_is_a_missing_requirements_file(tmp_path):
    from aws_lambda_builders.workflows.python_pip.exceptions import RequirementsFileNotFoundError

    (tmp_path / "requirements.txt").write_text("six\n-r missing-base.txt\n")

    with pytest.raises(RequirementsFileNotFoundError) as raised:
        read_requirements_file(str(tmp_path / "requirements.txt"))

    assert "missing-base.txt" in str(raised.value)


# -- decoding, as pip decodes ------------------------------------------------------------------

def test_a_utf8_byte_order_mark_is_read_as_pip_reads_it(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"\xef\xbb\xbfpure-app==1.0\n# caf\xc3\xa9\n")

    assert texts(read_requirements_file(str(path))) == ["pure-app==1.0"]


def test_a_latin1_byte_is_refused_naming_the_file_and_line_and_asking_for_utf8(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"pure-app\n\n# caf\xe9 au lait\npure-lib\n")

    with pytest.raises(RequirementsFileEncodingError) as error:
        read_requirements_file(str(path))

    assert isinstance(error.value, InvalidRequirementLineError)
    assert error.value.path == str(path) and error.value.line_number == 3
    assert f"{path}, line 3" in str(error.value) and "Save the file as UTF-8" in str(error.value)


def test_a_coding_line_is_honoured_as_pip_honours_it(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"# -*- coding: latin-1 -*-\npure-app  # caf\xe9\n")

    assert texts(read_requirements_file(str(path))) == ["pure-app"]


def test_an_included_file_is_decoded_and_refused_the_same_way(tmp_path):
    (tmp_path / "more.txt").write_bytes(b"pure-lib\n# \xff\n")
    path = write(tmp_path / "requirements.txt", "pure-app\n-r more.txt\n")

    with pytest.raises(RequirementsFileEncodingError, match=r"more\.txt, line 2"):
        read_requirements_file(path)


# -- where relative paths resolve ---------------------------------------------------------------

def test_a_missing_include_says_where_it_was_resolved_from(tmp_path):
    path = write(tmp_path / "app" / "requirements.txt", "pure-app\n-r ../shared/base.txt\n")

    with pytest.raises(RequirementsFileNotFoundError) as error:
        read_requirements_file(path)

    message = str(error.value)
    assert f"{path}, line 2" in message and "../shared/base.txt" in message
    assert f"resolved against {tmp_path / 'app'}, the directory of requirements.txt" in message
    assert error.value.requirements_path == str(tmp_path / "shared" / "base.txt")


def test_an_editable_line_is_marked_editable(tmp_path):
    path = write(tmp_path / "requirements.txt", "-e ./pkg\n./other\n")

    assert [(line.requirement, line.editable) for line in read_requirements_file(path).requirements] == [
        ("./pkg", True), ("./other", False)]


# -- holding later downloads to the pins --------------------------------------------------

def test_a_download_with_a_pinned_digest_of_any_algorithm_is_kept(tmp_path):
    import hashlib

    from aws_lambda_builders.workflows.python_pip.requirements_file import check_pinned_download

    wheel = tmp_path / "six-1.16.0-py3-none-any.whl"
    wheel.write_bytes(b"the wheel")
    for algorithm in ("sha256", "sha512"):
        pinned = {"six": {f"{algorithm}:{hashlib.new(algorithm, b'the wheel').hexdigest()}", "sha256:" + "0" * 64}}
        check_pinned_download(str(wheel), "six", "six==1.16.0", pinned)
        assert wheel.read_bytes() == b"the wheel"


def test_a_download_whose_digest_is_not_pinned_is_removed_and_named_with_its_digest(tmp_path):
    import hashlib

    from aws_lambda_builders.workflows.python_pip.exceptions import HashMismatchError
    from aws_lambda_builders.workflows.python_pip.requirements_file import check_pinned_download

    wheel = tmp_path / "six-1.16.0-py3-none-any.whl"
    wheel.write_bytes(b"another wheel")
    for pinned in ({"six": {"sha256:" + "0" * 64}}, {"other": {"sha256:" + "0" * 64}}):
        wheel.write_bytes(b"another wheel")
        with pytest.raises(HashMismatchError) as raised:
            check_pinned_download(str(wheel), "six", "six==1.16.0", pinned)
        assert f"six-1.16.0-py3-none-any.whl has sha256:{hashlib.sha256(b'another wheel').hexdigest()}" \
            in str(raised.value)
        assert not wheel.exists()
