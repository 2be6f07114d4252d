"""BuildCache.verify, and copies from the cache held to their digests: damage that keeps a file's size,
mtime and mode is found by its bytes, and never reaches a bundle."""

from __future__ import annotations

import json
import os
import stat

import pytest

from aws_lambda_builders.workflows.python_pip.cache import BuildCache, CacheContents
from tests.builders import make_sdist, make_wheel
from tests.cache_damage import damage_keeping_size_mtime_and_mode
from tests.snapshot import files_in

KEY = "k" * 64
TARGET = "python3.12-x86_64"
FOO_CORE = b"def answer():\n    return 42\n"


def wheel(tmp_path, name) -> str:
    directory = tmp_path / "wheels" / name
    directory.mkdir(parents=True)
    return make_wheel(str(directory), name, "1.0", files={f"{name}/__init__.py": b"", f"{name}/core.py": FOO_CORE})


def digest_of(cache: BuildCache, wheel_path: str) -> str:
    return cache.tree_for(wheel_path)


def tree(cache: BuildCache, digest: str) -> str:
    return os.path.join(cache.root, "v1", "trees", digest)


def new_dir(tmp_path, name) -> str:
    (tmp_path / name).mkdir()
    return str(tmp_path / name)


@pytest.fixture
def filled(tmp_path):
    """A cache holding two unpacked wheels, a build placing both, and a wheel built from an sdist."""
    cache = BuildCache(str(tmp_path / "cache"))
    foo, bar = wheel(tmp_path, "foo"), wheel(tmp_path, "bar")
    cache.store(KEY, cache.place_wheels([foo, bar], new_dir(tmp_path, "first")))
    sdist = make_sdist(new_dir(tmp_path, "sdists"), "native", "1.0")
    built = make_wheel(new_dir(tmp_path, "built"), "native", "1.0", tag="cp312-cp312-manylinux_2_17_x86_64")
    cache.store_built_wheel(sdist, TARGET, True, built)
    return cache, foo, bar, sdist


def record_mtimes(cache: BuildCache) -> dict:
    base = os.path.join(cache.root, "v1")
    return {f"{part}/{name}": os.stat(os.path.join(base, part, name)).st_mtime_ns
            for part in ("builds", "trees", "built") for name in os.listdir(os.path.join(base, part))
            if name.endswith(".json")}


# -- verify --------------------------------------------------------------------------------

def test_a_sound_cache_is_verified_whole_and_left_as_it_is(filled):
    cache, *_ = filled
    held, last_uses = cache.contents(), record_mtimes(cache)

    result = cache.verify()

    assert result.sound and result.damaged == []
    assert result.checked._replace(size=0) == CacheContents(builds=1, trees=2, built=1, size=0)
    assert result.files == 2 * 6 + 1  # each tree: two modules, METADATA, WHEEL, INSTALLER, RECORD
    assert result.checked.size > 0
    assert cache.contents() == held
    assert record_mtimes(cache) == last_uses, "checking an entry is not a use of it"


def test_verify_finds_a_file_damaged_behind_its_size_mtime_and_mode_and_removes_its_tree(tmp_path, filled):
    cache, foo, bar, _ = filled
    foo_tree, bar_tree = digest_of(cache, foo), digest_of(cache, bar)
    damage_keeping_size_mtime_and_mode(os.path.join(tree(cache, foo_tree), "foo/core.py"))

    result = cache.verify()

    assert not result.sound
    assert [(entry.kind, entry.name, entry.wheel, entry.problems) for entry in result.damaged] == [
        ("tree", foo_tree, "foo-1.0-py3-none-any.whl", ["foo/core.py: its bytes do not have the digest RECORD gives"]),
        ("build", KEY, "", [f"places files of the unpacked wheel {foo_tree[:12]}, which was damaged"]),
    ]
    assert not os.path.exists(tree(cache, foo_tree)) and not os.path.exists(tree(cache, foo_tree) + ".json")
    assert os.path.isdir(tree(cache, bar_tree))
    assert cache.contents()._replace(size=0) == CacheContents(builds=0, trees=1, built=1, size=0)
    assert cache.verify().sound


def test_after_verify_removed_a_damaged_tree_the_next_placing_unpacks_it_sound(tmp_path, filled, unpack_count):
    cache, foo, _, _ = filled
    damage_keeping_size_mtime_and_mode(os.path.join(tree(cache, digest_of(cache, foo)), "foo/core.py"))
    cache.verify()

    destination = new_dir(tmp_path, "bundle")
    cache.place_wheels([foo], destination)

    assert unpack_count == ["foo-1.0-py3-none-any.whl"]
    assert files_in(destination)["foo/core.py"] == FOO_CORE


def test_verify_finds_a_damaged_built_wheel_and_removes_its_entry(filled):
    cache, _, _, sdist = filled
    found = cache.built_wheel(sdist, TARGET, True)
    damage_keeping_size_mtime_and_mode(found)

    result = cache.verify()

    assert [(entry.kind, entry.wheel, entry.problems) for entry in result.damaged] == [
        ("built", os.path.basename(found), [f"{os.path.basename(found)}: its bytes do not have the recorded sha256"])]
    assert not os.path.exists(os.path.dirname(found))
    assert cache.built_wheel(sdist, TARGET, True) is None


def _add_a_file(cache, digest):
    with open(os.path.join(tree(cache, digest), "foo", "planted.py"), "w") as f:
        f.write("")


def _remove_the_manifest(cache, digest):
    os.unlink(tree(cache, digest) + ".json")


def _remove_a_file(cache, digest):
    os.unlink(os.path.join(tree(cache, digest), "foo", "core.py"))


def _change_a_mode(cache, digest):
    os.chmod(os.path.join(tree(cache, digest), "foo", "core.py"), 0o777)


@pytest.mark.parametrize("change, problem", [
    (_add_a_file, "foo/planted.py: not in its manifest"),
    (_remove_the_manifest, "its manifest is missing"),
    (_remove_a_file, "foo/core.py: missing"),
    (_change_a_mode, "foo/core.py: mode 777, not "),
])
def test_verify_removes_a_tree_that_is_not_as_it_was_written(filled, change, problem):
    cache, foo, _, _ = filled
    digest = digest_of(cache, foo)
    change(cache, digest)

    result = cache.verify()

    assert result.damaged[0].kind == "tree" and result.damaged[0].name == digest
    assert [p for p in result.damaged[0].problems if p.startswith(problem)]
    assert not os.path.exists(tree(cache, digest))


def test_verify_removes_a_build_record_placing_files_of_a_tree_the_cache_no_longer_holds(filled):
    cache, foo, _, _ = filled
    digest = digest_of(cache, foo)
    os.unlink(tree(cache, digest) + ".json")
    os.rename(tree(cache, digest), tree(cache, "gone"))  # as a process that stopped mid-removal leaves it

    result = cache.verify()

    assert ("build", KEY, [f"places files of the unpacked wheel {digest[:12]}, which the cache does not hold"]) in [
        (entry.kind, entry.name, entry.problems) for entry in result.damaged]
    assert not os.path.exists(os.path.join(cache.root, "v1", "builds", KEY + ".json"))


def test_verify_removes_a_build_record_that_cannot_be_read(filled):
    cache, *_ = filled
    record = os.path.join(cache.root, "v1", "builds", KEY + ".json")
    with open(record, "w") as f:
        f.write("{not json")

    result = cache.verify()

    assert [(entry.kind, entry.name) for entry in result.damaged] == [("build", KEY)]
    assert result.damaged[0].problems[0].startswith("its record cannot be read")
    assert not os.path.exists(record)


def test_a_sound_tree_unpacked_by_another_version_is_checked_and_kept(filled):
    cache, foo, _, _ = filled
    manifest_path = tree(cache, digest_of(cache, foo)) + ".json"
    with open(manifest_path) as f:
        manifest = json.load(f)
    manifest["layout"] = "0-older"
    with open(manifest_path, "w") as f:
        json.dump(manifest, f)

    assert cache.verify().sound
    assert os.path.exists(manifest_path)


def test_verify_of_an_empty_or_missing_cache_is_sound(tmp_path):
    result = BuildCache(str(tmp_path / "nothing")).verify()

    assert result.sound and result.checked == CacheContents(0, 0, 0, 0) and result.files == 0


# -- copies held to their digests ----------------------------------------------------------

def test_a_copy_from_the_cache_is_the_cached_bytes_writable_with_the_cached_mtime(tmp_path):
    copying = BuildCache(str(tmp_path / "cache"), link=False)
    foo = wheel(tmp_path, "foo")
    destination = new_dir(tmp_path, "bundle")

    copying.place_wheels([foo], destination)

    cached = os.path.join(tree(copying, digest_of(copying, foo)), "foo", "core.py")
    copied = os.path.join(destination, "foo", "core.py")
    assert files_in(destination)["foo/core.py"] == FOO_CORE
    assert not os.path.samefile(cached, copied)
    assert os.stat(copied).st_mode & stat.S_IWUSR
    assert os.stat(copied).st_mtime_ns == os.stat(cached).st_mtime_ns


def test_copying_a_tree_damaged_behind_its_size_mtime_and_mode_unpacks_it_again(tmp_path, unpack_count):
    copying = BuildCache(str(tmp_path / "cache"), link=False)
    foo = wheel(tmp_path, "foo")
    copying.place_wheels([foo], new_dir(tmp_path, "first"))
    damage_keeping_size_mtime_and_mode(os.path.join(tree(copying, digest_of(copying, foo)), "foo/core.py"))

    destination = new_dir(tmp_path, "bundle")
    copying.place_wheels([foo], destination)

    assert len(unpack_count) == 2
    assert files_in(destination)["foo/core.py"] == FOO_CORE
    assert copying.verify().sound


def test_restoring_copies_of_a_damaged_build_is_a_miss_that_removes_the_damaged_tree(tmp_path):
    copying = BuildCache(str(tmp_path / "cache"), link=False)
    foo, bar = wheel(tmp_path, "foo"), wheel(tmp_path, "bar")
    copying.store(KEY, copying.place_wheels([foo, bar], new_dir(tmp_path, "first")))
    foo_tree = digest_of(copying, foo)
    damage_keeping_size_mtime_and_mode(os.path.join(tree(copying, foo_tree), "foo/core.py"))

    destination = new_dir(tmp_path, "bundle")
    assert copying.restore(KEY, destination) is None

    assert os.listdir(destination) == []
    assert not os.path.exists(tree(copying, foo_tree))
    assert os.path.isdir(tree(copying, digest_of(copying, bar)))


def test_damage_that_comes_back_at_every_attempt_fails_the_placing_with_no_damaged_file_placed(tmp_path,
                                                                                              monkeypatch):
    copying = BuildCache(str(tmp_path / "cache"), link=False)
    foo = wheel(tmp_path, "foo")
    real_tree_for = copying.tree_for

    def tree_for_then_damage(path):
        digest = real_tree_for(path)
        damage_keeping_size_mtime_and_mode(os.path.join(tree(copying, digest), "foo/core.py"))
        return digest

    monkeypatch.setattr(copying, "tree_for", tree_for_then_damage)
    destination = new_dir(tmp_path, "bundle")

    with pytest.raises(OSError) as raised:
        copying.place_wheels([foo], destination)

    assert "does not have the digest recorded for it" in str(raised.value) and "--no-cache" in str(raised.value)
    assert "foo" in str(raised.value) and "core.py" in str(raised.value)
    assert os.listdir(destination) == []


def test_what_verify_removed_is_counted_as_prune_counts_it(filled):
    cache, foo, _, _ = filled
    damage_keeping_size_mtime_and_mode(os.path.join(tree(cache, digest_of(cache, foo)), "foo/core.py"))
    before = cache.contents()

    result = cache.verify()

    assert result.removed._replace(size=0) == CacheContents(builds=1, trees=1, built=0, size=0)
    assert result.removed.size == before.size - cache.contents().size
