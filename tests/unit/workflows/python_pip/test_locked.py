"""Which file of a locked release ships to a target, and the lines pip downloads for a lock."""

from __future__ import annotations

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.lock_errors import LockHashMissingError
from aws_lambda_builders.workflows.python_pip.locked import (
    LockedFile,
    LockedInput,
    LockedRelease,
    choose_file,
    hash_pairs,
    locked_lines,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget

URL = "https://files.example/"


def wheel(filename, digest="a" * 64):
    return LockedFile(filename, URL + filename, (f"sha256:{digest}",))


ORJSON = LockedRelease("orjson", "3.10.0", wheels=(
    wheel("orjson-3.10.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    wheel("orjson-3.10.0-cp311-cp311-manylinux_2_28_x86_64.whl"),
    wheel("orjson-3.10.0-cp311-cp311-manylinux_2_17_aarch64.whl"),
    wheel("orjson-3.10.0-cp311-cp311-musllinux_1_2_x86_64.whl"),
    wheel("orjson-3.10.0-cp312-cp312-manylinux_2_28_x86_64.whl"),
    wheel("orjson-3.10.0-cp312-abi3-manylinux_2_17_x86_64.whl"),
    wheel("orjson-3.10.0-py3-none-any.whl"),
), sdist=LockedFile("orjson-3.10.0.tar.gz", URL + "orjson-3.10.0.tar.gz", ("sha256:" + "b" * 64,)))


@pytest.mark.parametrize("runtime,architecture,chosen", [
    # glibc 2.26: manylinux_2_28 does not load; its own ABI before pure Python
    ("python3.11", X86_64, "orjson-3.10.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    ("python3.11", ARM64, "orjson-3.10.0-cp311-cp311-manylinux_2_17_aarch64.whl"),
    # glibc 2.34: the newest manylinux level of its own ABI
    ("python3.12", X86_64, "orjson-3.10.0-cp312-cp312-manylinux_2_28_x86_64.whl"),
    # abi3 of an older minor before pure Python
    ("python3.13", X86_64, "orjson-3.10.0-cp312-abi3-manylinux_2_17_x86_64.whl"),
    ("python3.13", ARM64, "orjson-3.10.0-py3-none-any.whl"),
])
def test_the_file_chosen_is_the_targets_most_preferred_wheel(runtime, architecture, chosen):
    assert choose_file(ORJSON, LambdaTarget(runtime, architecture)).filename == chosen


def test_a_release_with_no_wheel_for_the_target_ships_its_sdist_else_nothing():
    only_x86 = ORJSON._replace(wheels=ORJSON.wheels[:2])
    assert choose_file(only_x86, LambdaTarget("python3.11", ARM64)).filename == "orjson-3.10.0.tar.gz"
    assert choose_file(only_x86._replace(sdist=None), LambdaTarget("python3.11", ARM64)) is None


def test_locked_lines_pin_each_chosen_file_by_url_and_digest_and_name_what_has_no_file():
    only_2_28 = LockedRelease("native", "1.0", wheels=(wheel("native-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"),))
    lines = locked_lines(LockedInput("/p/pylock.toml", (ORJSON, only_2_28)), LambdaTarget("python3.11", X86_64))

    assert lines.files == [f"orjson @ {URL}orjson-3.10.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
                           f" --hash=sha256:{'a' * 64}"]
    assert lines.sources == []
    assert lines.missing == {"native==1.0": (
        "the lock has no file for python3.11 on x86_64 (needs cp311 or abi3, manylinux_2_26_x86_64 or older, "
        "or pure Python); it offers only native-1.0-cp311-cp311-manylinux_2_28_x86_64.whl")}


def test_files_without_urls_and_digests_alone_are_found_by_pip_on_the_index():
    poetry = LockedRelease("six", "1.16.0", wheels=(LockedFile("six-1.16.0-py2.py3-none-any.whl", None,
                                                               ("sha256:" + "c" * 64,)),))
    pipfile = LockedRelease("idna", "3.7", hashes=("sha256:" + "d" * 64, "sha256:" + "e" * 64))
    lines = locked_lines(LockedInput("/p/lock", (poetry, pipfile)), LambdaTarget("python3.12", ARM64))

    assert lines.files == [f"idna==3.7 --hash=sha256:{'d' * 64} --hash=sha256:{'e' * 64}",
                           f"six==1.16.0 --hash=sha256:{'c' * 64}"]


def test_local_projects_and_vcs_checkouts_go_apart_from_the_hashed_files():
    local = LockedRelease("mine", "0.1", direct="/src/mine")
    vcs = LockedRelease("theirs", "2.0", direct="git+https://example.com/theirs.git@0123abc")
    archive = LockedRelease("archived", "1.0", direct="https://example.com/archived-1.0.tar.gz",
                            direct_hashes=("sha256:" + "f" * 64,))
    lines = locked_lines(LockedInput("/p/lock", (local, vcs, archive, ORJSON)), LambdaTarget("python3.12", X86_64))

    assert lines.sources == ["/src/mine", "theirs @ git+https://example.com/theirs.git@0123abc"]
    assert lines.files[0] == f"archived @ https://example.com/archived-1.0.tar.gz --hash=sha256:{'f' * 64}"


def test_a_lock_with_hashes_refuses_a_chosen_file_without_one():
    unhashed = LockedRelease("six", "1.16.0", wheels=(LockedFile("six-1.16.0-py3-none-any.whl", URL + "six.whl"),))
    with pytest.raises(LockHashMissingError) as raised:
        locked_lines(LockedInput("/p/uv.lock", (ORJSON, unhashed)), LambdaTarget("python3.12", X86_64))
    assert raised.value.identifiers == ["six==1.16.0"]
    assert "no hash for six==1.16.0" in str(raised.value) and str(raised.value).startswith("/p/uv.lock: ")


def test_a_lock_without_any_hash_is_installed_without_hash_checks():
    unhashed = LockedRelease("six", "1.16.0", wheels=(LockedFile("six-1.16.0-py3-none-any.whl", URL + "six.whl"),))
    lines = locked_lines(LockedInput("/p/uv.lock", (unhashed,)), LambdaTarget("python3.12", X86_64))
    assert lines.files == [f"six @ {URL}six.whl"]


def test_hash_pairs_keep_the_algorithms_pip_checks():
    assert hash_pairs({"sha256": "ab", "md5": "cd", "sha512": "ef"}) == ("sha256:ab", "sha512:ef")


def test_a_lock_with_hashes_for_other_targets_only_still_refuses_an_unhashed_file():
    """The lock's own promise decides, not what this target happens to select (a hashed entry for
    python3.10 only does not make an unhashed one for python3.12 acceptable)."""
    unhashed = LockedRelease("six", "1.17.0", hashes=())
    with pytest.raises(LockHashMissingError):
        locked_lines(LockedInput("/p/Pipfile.lock", (unhashed,), hashed=True), LambdaTarget("python3.12", X86_64))
    lines = locked_lines(LockedInput("/p/Pipfile.lock", (unhashed,), hashed=False), LambdaTarget("python3.12", X86_64))
    assert lines.files == ["six==1.17.0"] and lines.digests_only == ["six"]


@pytest.mark.parametrize("text,hashed", [
    (f'hash = "sha256:{"a" * 64}"', True),  # uv.lock, poetry.lock
    (f'hashes = {{ sha256 = "{"a" * 64}" }}', True),  # pylock.toml
    (f'"hashes": ["sha512:{"b" * 64}{"c" * 64}"]', True),  # Pipfile.lock
    ('version = "1.0"\nurl = "https://files.example/a.whl"', False),
    (f'name = "{"d" * 64}"', False),
])
def test_whether_a_lock_pins_any_file_by_digest_is_told_from_its_whole_text(text, hashed):
    from aws_lambda_builders.workflows.python_pip.locked import lock_has_hashes

    assert lock_has_hashes(text) is hashed
