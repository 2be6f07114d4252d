"""BuildCache: unpacked wheel trees placed by hard link, whole builds restored, damage detected and rebuilt."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import zipfile
import pathlib
import stat
import sys

import pytest

from aws_lambda_builders.workflows.python_pip import zip_archive
from aws_lambda_builders.workflows.python_pip.cache import (
    BuildCache,
    DamagedEntry,
    Placement,
    default_cache_dir,
    restore_build,
)
from aws_lambda_builders.workflows.python_pip.exceptions import InvalidWheelError
from aws_lambda_builders.workflows.python_pip.source_copy import copy_file_replacing
from tests.builders import make_sdist, make_wheel
from tests.snapshot import files_in

KEY = "k" * 64
TARGET = "python3.12-x86_64"


# -- helpers ------------------------------------------------------------------------------

def sha256(path) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def wheel(tmp_path, name, version="1.0", files=None) -> str:
    directory = tmp_path / "wheels" / f"{name}-{version}"
    directory.mkdir(parents=True, exist_ok=True)
    return make_wheel(str(directory), name, version, files=files)


def foo_wheel(tmp_path) -> str:
    """A wheel with a package, a subpackage and a ``.data/purelib`` file."""
    return wheel(tmp_path, "foo", files={
        "foo/__init__.py": b"VERSION = '1.0'\n",
        "foo/core.py": b"def answer():\n    return 42\n",
        "foo/sub/__init__.py": b"",
        "{data}/purelib/foo_extra.py": b"EXTRA = True\n",
    })


def tree_dir(cache, digest) -> str:
    return os.path.join(cache.root, "v1", "trees", digest)


def new_dir(tmp_path, name) -> str:
    path = tmp_path / name
    path.mkdir()
    return str(path)


@pytest.fixture
def cache(tmp_path):
    return BuildCache(str(tmp_path / "cache"))


# -- placing wheels -----------------------------------------------------------------------

def test_place_wheels_installs_packages_and_data_purelib_at_the_bundle_root(tmp_path, cache):
    destination = new_dir(tmp_path, "bundle")

    cache.place_wheels([foo_wheel(tmp_path)], destination)

    placed = files_in(destination)
    assert placed["foo/__init__.py"] == b"VERSION = '1.0'\n"
    assert placed["foo/core.py"] == b"def answer():\n    return 42\n"
    assert placed["foo/sub/__init__.py"] == b""
    assert placed["foo_extra.py"] == b"EXTRA = True\n"
    assert {"foo-1.0.dist-info/METADATA", "foo-1.0.dist-info/RECORD"} <= set(placed)
    assert not any(path.startswith("foo-1.0.data") for path in placed)


def test_placed_files_are_read_only_hard_links_to_the_files_of_the_tree(tmp_path, cache):
    foo = foo_wheel(tmp_path)
    destination = new_dir(tmp_path, "bundle")

    cache.place_wheels([foo], destination)

    tree = tree_dir(cache, sha256(foo))
    placed = files_in(destination)
    assert placed and set(placed) == set(files_in(tree))
    for relative in placed:
        in_bundle = os.stat(os.path.join(destination, relative))
        in_tree = os.stat(os.path.join(tree, relative))
        assert in_bundle.st_ino == in_tree.st_ino and in_bundle.st_dev == in_tree.st_dev
        assert in_bundle.st_nlink >= 2
        assert stat.S_IMODE(in_bundle.st_mode) & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0


def test_placement_maps_every_placed_file_to_the_sha256_of_its_wheel(tmp_path, cache):
    foo = foo_wheel(tmp_path)
    bar = wheel(tmp_path, "bar", files={"bar/__init__.py": b"BAR = 1\n"})
    destination = new_dir(tmp_path, "bundle")

    placement = cache.place_wheels([foo, bar], destination)

    assert set(placement.files) == set(files_in(destination))
    assert placement.files["foo/core.py"] == hashlib.sha256(pathlib.Path(foo).read_bytes()).hexdigest()
    assert placement.files["foo_extra.py"] == sha256(foo)
    assert placement.files["bar/__init__.py"] == sha256(bar)
    assert placement.files["bar-1.0.dist-info/METADATA"] == sha256(bar)
    assert set(placement.files.values()) == {sha256(foo), sha256(bar)}


@pytest.mark.parametrize("order", [("first", "second"), ("second", "first")])
def test_the_later_wheel_in_the_list_wins_a_file_both_wheels_hold(tmp_path, cache, order):
    wheels = {
        "first": wheel(tmp_path, "first", files={"shared/common.py": b"FROM = 'first'\n"}),
        "second": wheel(tmp_path, "second", files={"shared/common.py": b"FROM = 'second wheel'\n"}),
    }
    destination = new_dir(tmp_path, "bundle")

    placement = cache.place_wheels([wheels[name] for name in order], destination)

    winner = order[-1]
    expected = b"FROM = 'first'\n" if winner == "first" else b"FROM = 'second wheel'\n"
    assert files_in(destination)["shared/common.py"] == expected
    assert placement.files["shared/common.py"] == sha256(wheels[winner])
    assert os.stat(os.path.join(destination, "shared/common.py")).st_ino == \
        os.stat(os.path.join(tree_dir(cache, sha256(wheels[winner])), "shared/common.py")).st_ino


def test_placing_a_wheel_again_does_not_unpack_it_again(tmp_path, cache, unpack_count):
    foo = foo_wheel(tmp_path)
    cache.place_wheels([foo], new_dir(tmp_path, "one"))
    manifest = tree_dir(cache, sha256(foo)) + ".json"
    before = os.stat(manifest)
    inode = os.stat(os.path.join(tree_dir(cache, sha256(foo)), "foo/core.py")).st_ino

    second = new_dir(tmp_path, "two")
    cache.place_wheels([foo], second)

    assert unpack_count == ["foo-1.0-py3-none-any.whl"]
    # Written again, the manifest would be a new file (atomic rename); its mtime records the last use.
    assert os.stat(manifest).st_ino == before.st_ino and os.stat(manifest).st_mtime_ns >= before.st_mtime_ns
    assert os.stat(os.path.join(second, "foo/core.py")).st_ino == inode


def test_a_copy_of_a_wheel_elsewhere_shares_the_tree_of_the_same_bytes(tmp_path, cache, unpack_count):
    foo = foo_wheel(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    copy = elsewhere / os.path.basename(foo)
    copy.write_bytes(pathlib.Path(foo).read_bytes())

    cache.place_wheels([foo], new_dir(tmp_path, "one"))
    placement = cache.place_wheels([str(copy)], new_dir(tmp_path, "two"))

    assert len(unpack_count) == 1
    assert set(placement.files.values()) == {sha256(foo)}


def test_a_tree_without_its_manifest_is_unpacked_again(tmp_path, cache, unpack_count):
    foo = foo_wheel(tmp_path)
    cache.place_wheels([foo], new_dir(tmp_path, "one"))
    os.unlink(tree_dir(cache, sha256(foo)) + ".json")  # as if a build died between rename and manifest

    destination = new_dir(tmp_path, "two")
    cache.place_wheels([foo], destination)

    assert len(unpack_count) == 2
    assert files_in(destination)["foo/core.py"] == b"def answer():\n    return 42\n"
    assert os.path.isfile(tree_dir(cache, sha256(foo)) + ".json")


def test_an_invalid_wheel_leaves_no_tree_and_no_scratch_directory(tmp_path, cache):
    broken = make_wheel(new_dir(tmp_path, "broken"), "broken", "1.0", tamper="broken/__init__.py")

    with pytest.raises(InvalidWheelError, match="broken-1.0-py3-none-any.whl"):
        cache.place_wheels([broken], new_dir(tmp_path, "bundle"))

    trees = os.path.join(cache.root, "v1", "trees")
    assert os.listdir(trees) == []


# -- whole builds -------------------------------------------------------------------------

def test_restore_places_exactly_the_stored_build(tmp_path, cache):
    first = new_dir(tmp_path, "first")
    placement = cache.place_wheels([foo_wheel(tmp_path), wheel(tmp_path, "bar")], first)
    cache.store(KEY, placement)

    again = new_dir(tmp_path, "again")
    restored = cache.restore(KEY, again)

    assert restored == placement
    assert files_in(again) == files_in(first)
    for relative in restored.files:
        assert os.stat(os.path.join(again, relative)).st_ino == os.stat(os.path.join(first, relative)).st_ino


def test_a_directory_restored_by_link_and_untouched_holds_the_build(tmp_path, cache):
    placement = cache.place_wheels([foo_wheel(tmp_path), wheel(tmp_path, "bar")], new_dir(tmp_path, "first"))
    cache.store(KEY, placement)
    again = new_dir(tmp_path, "again")
    cache.restore(KEY, again)

    assert cache.holds(KEY, again) == placement
    assert cache.holds("x" * 64, again) is None, "another build"


def _add_a_file(bundle, relative):
    with open(os.path.join(bundle, "foo", "added.py"), "w") as f:
        f.write("X = 1\n")


def _add_an_empty_directory(bundle, relative):
    os.mkdir(os.path.join(bundle, "foo", "empty"))


def _remove_a_file(bundle, relative):
    os.unlink(os.path.join(bundle, relative))


def _replace_a_file_by_a_copy_of_the_same_bytes(bundle, relative):
    path = os.path.join(bundle, relative)
    with open(path, "rb") as f:
        content = f.read()
    os.unlink(path)
    with open(path, "wb") as f:
        f.write(content)


def _replace_a_file_by_a_symlink(bundle, relative):
    path = os.path.join(bundle, relative)
    os.rename(path, path + ".moved")
    os.symlink(os.path.basename(path) + ".moved", path)


@pytest.mark.parametrize("change", [_add_a_file, _add_an_empty_directory, _remove_a_file,
                                    _replace_a_file_by_a_copy_of_the_same_bytes, _replace_a_file_by_a_symlink])
def test_a_directory_changed_in_any_way_since_its_restore_does_not_hold_the_build(tmp_path, cache, change):
    cache.store(KEY, cache.place_wheels([foo_wheel(tmp_path)], new_dir(tmp_path, "first")))
    again = new_dir(tmp_path, "again")
    cache.restore(KEY, again)

    change(again, "foo/core.py")

    assert cache.holds(KEY, again) is None


def test_a_directory_whose_cached_files_were_damaged_does_not_hold_the_build(tmp_path, cache):
    placement = cache.place_wheels([foo_wheel(tmp_path)], new_dir(tmp_path, "first"))
    cache.store(KEY, placement)
    again = new_dir(tmp_path, "again")
    cache.restore(KEY, again)
    linked = os.path.join(again, "foo", "core.py")
    os.chmod(linked, 0o644)  # the bundle's file is the cache's: both are changed
    with open(linked, "a") as f:
        f.write("# edited\n")

    assert cache.holds(KEY, again) is None


def test_copies_from_the_cache_never_hold_the_build(tmp_path):
    copying = BuildCache(str(tmp_path / "cache"), link=False)
    copying.store(KEY, copying.place_wheels([foo_wheel(tmp_path)], new_dir(tmp_path, "first")))
    again = new_dir(tmp_path, "again")
    copying.restore(KEY, again)

    assert copying.holds(KEY, again) is None, "a copy may have been edited behind its size and mtime"


def test_restore_of_an_unknown_key_is_a_miss_and_leaves_the_destination_empty(tmp_path, cache):
    destination = new_dir(tmp_path, "bundle")

    assert cache.restore("0" * 64, destination) is None
    assert os.listdir(destination) == []


@pytest.mark.parametrize("content", [
    "this is not json {",
    json.dumps({"trees": []}),
    json.dumps({"trees": ["abc"], "files": [["foo/core.py", 3]]}),
    json.dumps([1, 2, 3]),
])
def test_an_unreadable_build_entry_is_a_miss_and_is_removed(tmp_path, cache, content):
    entry = os.path.join(cache.root, "v1", "builds", KEY + ".json")
    os.makedirs(os.path.dirname(entry))
    with open(entry, "w") as f:
        f.write(content)
    destination = new_dir(tmp_path, "bundle")

    assert cache.restore(KEY, destination) is None
    assert not os.path.exists(entry)
    assert os.listdir(destination) == []


def test_restore_build_reports_how_many_files_came_from_the_cache(tmp_path, cache):
    placement = cache.place_wheels([foo_wheel(tmp_path)], new_dir(tmp_path, "first"))
    cache.store(KEY, placement)
    lines = []

    restored = restore_build(cache, KEY, new_dir(tmp_path, "again"), lines.append)

    assert restored == placement
    assert lines == [f"unchanged since a cached build: placed {len(placement.files)} files from {cache.root}"]
    assert restore_build(cache, "1" * 64, new_dir(tmp_path, "miss"), lines.append) is None
    assert len(lines) == 1


def test_placement_survives_its_json_form():
    placement = Placement({"a/x.py": "t1", "b/y.py": "t2", "a/z.py": "t1"})

    data = json.loads(json.dumps(placement.to_json()))

    assert data["trees"] == ["t1", "t2"]
    assert Placement.from_json(data) == placement


# -- damaged trees ------------------------------------------------------------------------

DAMAGED_FILE = "foo/core.py"


def _writable(path):
    mode = stat.S_IMODE(os.stat(path).st_mode)
    os.chmod(path, mode | stat.S_IWUSR)
    return mode


def damage_size(path):
    """New bytes of another size; mode and mtime put back, so only the size tells."""
    before = os.stat(path)
    mode = _writable(path)
    with open(path, "wb") as f:
        f.write(b"def answer():\n    return 'forced through the link'\n")
    os.chmod(path, mode)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def damage_same_size_new_mtime(path):
    """Same size, other bytes, another mtime; the mode put back."""
    before = os.stat(path)
    mode = _writable(path)
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data.replace(b"42", b"43"))
    os.chmod(path, mode)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 2_000_000_000))
    assert os.stat(path).st_size == before.st_size


def damage_delete(path):
    os.unlink(path)


def damage_mode(path):
    mode = stat.S_IMODE(os.stat(path).st_mode)
    os.chmod(path, mode ^ stat.S_IROTH)


DAMAGES = [damage_size, damage_same_size_new_mtime, damage_delete, damage_mode]


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.__name__ for d in DAMAGES])
def test_a_damaged_tree_makes_restore_a_miss_with_an_empty_destination_and_is_removed(tmp_path, cache, damage):
    foo = foo_wheel(tmp_path)
    bar = wheel(tmp_path, "bar")
    original = new_dir(tmp_path, "original")
    cache.store(KEY, cache.place_wheels([bar, foo], original))
    expected = files_in(original)
    damage(os.path.join(tree_dir(cache, sha256(foo)), DAMAGED_FILE))

    destination = new_dir(tmp_path, "bundle")
    assert cache.restore(KEY, destination) is None

    assert os.listdir(destination) == []
    assert not os.path.exists(tree_dir(cache, sha256(foo)))
    assert not os.path.exists(tree_dir(cache, sha256(foo)) + ".json")
    assert os.path.isdir(tree_dir(cache, sha256(bar)))  # the sound tree stays

    cache.place_wheels([bar, foo], new_dir(tmp_path, "rebuilt"))
    assert os.path.isdir(tree_dir(cache, sha256(foo)))
    again = new_dir(tmp_path, "again")
    assert cache.restore(KEY, again) is not None
    assert files_in(again) == expected


@pytest.mark.parametrize("damage", DAMAGES, ids=[d.__name__ for d in DAMAGES])
def test_place_wheels_unpacks_a_damaged_tree_again(tmp_path, cache, damage, unpack_count):
    foo = foo_wheel(tmp_path)
    cache.place_wheels([foo], new_dir(tmp_path, "first"))
    damage(os.path.join(tree_dir(cache, sha256(foo)), DAMAGED_FILE))

    destination = new_dir(tmp_path, "bundle")
    cache.place_wheels([foo], destination)

    assert len(unpack_count) == 2
    assert files_in(destination)[DAMAGED_FILE] == b"def answer():\n    return 42\n"


def test_a_tree_damaged_between_its_check_and_its_placing_is_unpacked_again(tmp_path, cache, monkeypatch,
                                                                             unpack_count):
    foo = foo_wheel(tmp_path)
    cache.place_wheels([foo], new_dir(tmp_path, "first"))
    real_tree_for = cache.tree_for
    damaged = []

    def tree_for_then_damage(path):
        digest = real_tree_for(path)
        if not damaged:  # found sound, then damaged before it is linked
            damaged.append(digest)
            damage_size(os.path.join(tree_dir(cache, digest), DAMAGED_FILE))
        return digest

    monkeypatch.setattr(cache, "tree_for", tree_for_then_damage)
    destination = new_dir(tmp_path, "bundle")

    placement = cache.place_wheels([foo], destination)

    assert damaged == [sha256(foo)]
    assert len(unpack_count) == 2
    assert files_in(destination)[DAMAGED_FILE] == b"def answer():\n    return 42\n"
    assert set(placement.files) == set(files_in(destination))


def test_a_tree_removed_by_another_build_between_its_check_and_its_placing_is_unpacked_again(
        tmp_path, cache, monkeypatch):
    """Another build's restore that finds the tree damaged removes it (manifest first) while this build,
    having found it sound a moment before, is about to read its manifest."""
    foo = foo_wheel(tmp_path)
    cache.place_wheels([foo], new_dir(tmp_path, "first"))
    real_tree_for = cache.tree_for
    removed = []

    def tree_for_then_removed_elsewhere(path):
        digest = real_tree_for(path)
        if not removed:
            removed.append(digest)
            damage_size(os.path.join(tree_dir(cache, digest), DAMAGED_FILE))
            cache._discard_if_damaged(digest)  # what the other build's restore does
        return digest

    monkeypatch.setattr(cache, "tree_for", tree_for_then_removed_elsewhere)
    destination = new_dir(tmp_path, "bundle")

    try:
        cache.place_wheels([foo], destination)
    except DamagedEntry as error:
        pytest.fail(f"place_wheels let a cache-internal DamagedEntry escape instead of unpacking again: {error}")

    assert files_in(destination)[DAMAGED_FILE] == b"def answer():\n    return 42\n"


def test_replacing_a_placed_file_by_the_copy_helper_leaves_the_cache_intact(tmp_path, cache):
    foo = foo_wheel(tmp_path)
    bundle = new_dir(tmp_path, "bundle")
    cache.store(KEY, cache.place_wheels([foo], bundle))
    cached = os.path.join(tree_dir(cache, sha256(foo)), DAMAGED_FILE)
    before = os.stat(cached)
    edited = tmp_path / "core.py"
    edited.write_bytes(b"def answer():\n    return 'the user\\'s own'\n")

    copy_file_replacing(str(edited), os.path.join(bundle, DAMAGED_FILE))

    assert files_in(bundle)[DAMAGED_FILE] == edited.read_bytes()
    assert os.stat(os.path.join(bundle, DAMAGED_FILE)).st_ino != before.st_ino
    with open(cached, "rb") as f:
        assert f.read() == b"def answer():\n    return 42\n"
    after = os.stat(cached)
    assert (after.st_size, after.st_mtime_ns, after.st_mode) == (before.st_size, before.st_mtime_ns, before.st_mode)
    again = new_dir(tmp_path, "again")
    assert cache.restore(KEY, again) is not None
    assert files_in(again)[DAMAGED_FILE] == b"def answer():\n    return 42\n"


# -- wheels built from sdists -------------------------------------------------------------

@pytest.fixture
def sdist_and_wheel(tmp_path):
    sdist = make_sdist(new_dir(tmp_path, "sdists"), "native", "1.0")
    built = make_wheel(new_dir(tmp_path, "built"), "native", "1.0", tag="cp312-cp312-manylinux_2_17_x86_64")
    return sdist, built


def test_built_wheel_is_a_miss_before_it_is_stored(cache, sdist_and_wheel):
    sdist, _ = sdist_and_wheel
    assert cache.built_wheel(sdist, TARGET, compile_c=True) is None


def test_a_stored_built_wheel_is_found_again_with_the_same_bytes(cache, sdist_and_wheel):
    sdist, built = sdist_and_wheel

    cache.store_built_wheel(sdist, TARGET, True, built)
    found = cache.built_wheel(sdist, TARGET, compile_c=True)

    assert found is not None and found != built
    assert os.path.basename(found) == os.path.basename(built)
    assert os.path.commonpath([found, cache.root]) == cache.root
    assert pathlib.Path(found).read_bytes() == pathlib.Path(built).read_bytes()


@pytest.mark.parametrize("target, compile_c", [("python3.12-arm64", True), (TARGET, False)])
def test_a_built_wheel_is_not_found_for_another_target_or_compiler_setting(cache, sdist_and_wheel, target,
                                                                            compile_c):
    sdist, built = sdist_and_wheel
    cache.store_built_wheel(sdist, TARGET, True, built)

    assert cache.built_wheel(sdist, target, compile_c) is None
    assert cache.built_wheel(sdist, TARGET, True) is not None


def test_a_built_wheel_is_not_found_for_an_sdist_of_other_content(tmp_path, cache, sdist_and_wheel):
    sdist, built = sdist_and_wheel
    cache.store_built_wheel(sdist, TARGET, True, built)
    other = make_sdist(new_dir(tmp_path, "other"), "native", "1.0",
                       files={"setup.py": "from setuptools import setup\nsetup(name='native', version='1.0')\n",
                              "native/__init__.py": "CHANGED = True\n"})

    assert os.path.basename(other) == os.path.basename(sdist)
    assert cache.built_wheel(other, TARGET, True) is None


def test_a_corrupted_built_wheel_is_a_miss_and_its_entry_is_removed(cache, sdist_and_wheel):
    sdist, built = sdist_and_wheel
    cache.store_built_wheel(sdist, TARGET, True, built)
    found = cache.built_wheel(sdist, TARGET, True)
    entry = os.path.dirname(found)
    os.chmod(found, 0o644)
    with open(found, "ab") as f:
        f.write(b"garbage")

    assert cache.built_wheel(sdist, TARGET, True) is None
    assert not os.path.exists(entry)
    assert not os.path.exists(entry + ".json")
    assert cache.built_wheel(sdist, TARGET, True) is None


# -- compressed sizes ----------------------------------------------------------------------

def test_compressed_sizes_are_those_the_wheel_gives_for_every_file_it_holds_as_is(tmp_path, cache):
    bundle = new_dir(tmp_path, "bundle")
    wheels = [foo_wheel(tmp_path), wheel(tmp_path, "bar")]
    placement = cache.place_wheels(wheels, bundle)
    in_wheels = {}
    for path in wheels:
        with zipfile.ZipFile(path) as archive:
            in_wheels.update({info.filename: info.compress_size for info in archive.infolist()})

    facts = cache.file_facts(placement)
    written = {r for r in placement.files if r.endswith((".dist-info/RECORD", ".dist-info/INSTALLER"))}
    sizes = {relative: fact for relative, fact in facts.items() if relative not in written}

    assert set(facts) == set(placement.files)
    assert sizes, "the wheels' files have their compressed sizes"
    for relative, (size, mtime_ns, compressed) in sizes.items():
        info = os.stat(os.path.join(bundle, relative))
        assert (size, mtime_ns) == (info.st_size, info.st_mtime_ns)
        member = relative if relative in in_wheels else next(
            name for name in in_wheels if name.endswith("/" + relative) and ".data/" in name)
        assert compressed == in_wheels[member]
    assert len(written) == 4
    for relative in written:  # written anew, not as the wheel held them: measured as the zip will compress them
        path = os.path.join(bundle, relative)
        assert facts[relative][2] == zip_archive.deflated_size(path, zip_archive.COMPRESSION_LEVEL)


def test_the_zip_estimate_uses_the_compressed_sizes_and_compresses_only_the_rest(tmp_path, cache, monkeypatch):
    bundle = new_dir(tmp_path, "bundle")
    placement = cache.place_wheels([foo_wheel(tmp_path)], bundle)
    known = {os.path.join(bundle, r): c for r, (_, _, c) in cache.file_facts(placement).items() if c is not None}
    with open(os.path.join(bundle, "handler.py"), "w") as f:
        f.write("def handler(event, context):\n    return 42\n")
    measured = []
    real = zip_archive.deflated_size
    monkeypatch.setattr(zip_archive, "deflated_size", lambda path, level: measured.append(path) or real(path, level))

    zip_archive.zip_size(bundle, 1, known)

    assert set(known) == {os.path.join(bundle, r) for r in placement.files}
    assert measured == [os.path.join(bundle, "handler.py")]


# -- two builds sharing a cache -----------------------------------------------------------

def _place_in_child(root, wheels, destination, barrier, result):
    barrier.wait()
    placement = BuildCache(root).place_wheels(wheels, destination)
    with open(result, "w") as f:
        json.dump(placement.to_json(), f)


def test_two_processes_placing_the_same_wheels_at_once_share_one_tree_per_wheel(tmp_path):
    wheels = [wheel(tmp_path, f"pkg{n}", files={f"pkg{n}/m{i}.py": f"N = {n}; I = {i}\n".encode() * 50
                                                for i in range(30)})
              for n in range(5)]
    digests = sorted(sha256(w) for w in wheels)
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")

    for round_ in range(4):
        root = str(tmp_path / f"cache{round_}")
        barrier = context.Barrier(2)
        outputs = [(str(tmp_path / f"r{round_}-{n}"), str(tmp_path / f"r{round_}-{n}.json")) for n in range(2)]
        for destination, _ in outputs:
            os.mkdir(destination)
        children = [context.Process(target=_place_in_child,
                                    args=(root, wheels if n == 0 else wheels[::-1], destination,
                                          barrier, result))
                    for n, (destination, result) in enumerate(outputs)]
        for child in children:
            child.start()
        for child in children:
            child.join(30)
        assert [child.exitcode for child in children] == [0, 0]

        one, two = (files_in(destination) for destination, _ in outputs)
        assert one and one == two
        placements = [json.loads(pathlib.Path(result).read_text()) for _, result in outputs]
        assert placements[0] == placements[1]
        trees = os.path.join(root, "v1", "trees")
        assert sorted(os.listdir(trees)) == sorted(digests + [d + ".json" for d in digests])
        for digest in digests:
            assert set(files_in(os.path.join(trees, digest))) == {
                relative for relative, tree in Placement.from_json(placements[0]).files.items() if tree == digest}


# -- where the cache lives ----------------------------------------------------------------

def test_lambda_pip_cache_dir_wins_over_everything(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    environ = {"LAMBDA_PIP_CACHE_DIR": "/custom/cache", "XDG_CACHE_HOME": "/xdg", "HOME": "/home/someone"}
    assert default_cache_dir(environ) == "/custom/cache"


def test_xdg_cache_home_is_used_when_lambda_pip_cache_dir_is_unset_or_empty(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert default_cache_dir({"XDG_CACHE_HOME": "/xdg"}) == os.path.join("/xdg", "lambda-pip")
    assert default_cache_dir({"LAMBDA_PIP_CACHE_DIR": "", "XDG_CACHE_HOME": "/xdg"}) == \
        os.path.join("/xdg", "lambda-pip")


def test_the_home_cache_directory_is_the_last_resort_on_linux(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir({}) == os.path.join(str(tmp_path / "home"), ".cache", "lambda-pip")


def test_default_cache_dir_reads_the_process_environment_when_given_none(monkeypatch, own_build_cache):
    assert default_cache_dir() == str(own_build_cache)


def test_what_a_killed_unpacking_left_is_removed_when_the_wheel_is_unpacked_again(tmp_path, cache):
    path = foo_wheel(tmp_path)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    trees = os.path.join(cache.root, "v1", "trees")
    leftover = os.path.join(trees, f".{digest[:16]}-killed")
    os.makedirs(os.path.join(leftover, "foo"))
    with open(os.path.join(leftover, "foo", "__init__.py"), "w") as f:
        f.write("half")
    os.chmod(os.path.join(leftover, "foo", "__init__.py"), 0o444)

    cache.place_wheels([path], new_dir(tmp_path, "bundle"))

    assert not os.path.exists(leftover)
    assert [n for n in os.listdir(trees) if n.startswith(".")] == []


def test_a_tree_whose_mtimes_changed_but_not_its_contents_is_still_placed(tmp_path, cache):
    """A CI cache restore keeps contents, not always mtimes to the nanosecond: the digest decides then."""
    first = new_dir(tmp_path, "first")
    placement = cache.place_wheels([foo_wheel(tmp_path)], first)
    cache.store(KEY, placement)
    trees = os.path.join(cache.root, "v1", "trees")
    for directory, _, names in os.walk(trees):
        for name in names:
            path = os.path.join(directory, name)
            if not name.endswith(".json"):
                info = os.stat(path)
                os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - info.st_mtime_ns % 1_000_000_000 - 1))

    again = new_dir(tmp_path, "again")

    assert cache.restore(KEY, again) == placement
    assert files_in(again) == files_in(first)
