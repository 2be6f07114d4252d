"""BuildCache.prune and contents: what no build has used for a while goes; what is in use stays."""

from __future__ import annotations

import os
import time

import pytest

from aws_lambda_builders.workflows.python_pip.cache import BuildCache, CacheContents
from tests.builders import make_sdist, make_wheel

DAY = 86400.0
TARGET = "python3.12-x86_64"


def wheel(tmp_path, name) -> str:
    directory = tmp_path / "wheels" / name
    directory.mkdir(parents=True)
    return make_wheel(str(directory), name, "1.0", files={f"{name}/__init__.py": f"NAME = {name!r}\n".encode()})


def records(cache: BuildCache, part: str) -> list:
    directory = os.path.join(cache.root, "v1", part)
    return sorted(name for name in os.listdir(directory) if name.endswith(".json")) if os.path.isdir(directory) else []


def age(path: str, days: float) -> None:
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def age_everything(cache: BuildCache, days: float) -> None:
    for part in ("builds", "trees", "built"):
        directory = os.path.join(cache.root, "v1", part)
        for name in os.listdir(directory) if os.path.isdir(directory) else ():
            age(os.path.join(directory, name), days)


@pytest.fixture
def cache(tmp_path):
    return BuildCache(str(tmp_path / "cache"))


@pytest.fixture
def filled(tmp_path, cache):
    """A cache with a build of ``aaa`` (key ``k1``), an unpacked ``bbb`` no build records, and a built wheel."""
    out = tmp_path / "out-aaa"
    out.mkdir()
    cache.store("k1", cache.place_wheels([wheel(tmp_path, "aaa")], str(out)))
    other = tmp_path / "out-bbb"
    other.mkdir()
    cache.place_wheels([wheel(tmp_path, "bbb")], str(other))
    sdist = make_sdist(str(tmp_path), "ccc", "1.0")
    cache.store_built_wheel(sdist, TARGET, True, wheel(tmp_path, "ccc"))
    return cache


def test_entries_unused_for_longer_than_asked_are_removed_with_their_bytes(filled):
    before = filled.contents()
    assert before[:3] == (1, 2, 1) and before.size > 0
    age_everything(filled, 40)

    removed = filled.prune(30 * DAY)

    assert removed == CacheContents(1, 2, 1, before.size)
    assert filled.contents() == CacheContents(0, 0, 0, 0)
    assert records(filled, "builds") == records(filled, "trees") == records(filled, "built") == []


def test_entries_used_within_the_period_stay(filled):
    age_everything(filled, 10)
    assert filled.prune(30 * DAY) == CacheContents(0, 0, 0, 0)
    assert filled.contents()[:3] == (1, 2, 1)


def test_an_old_tree_a_kept_build_places_is_kept_with_it(tmp_path, filled):
    age_everything(filled, 40)
    assert filled.restore("k1", str(tmp_path / "again")) is not None  # a use: the build and its tree
    [aaa_tree] = [name for name in records(filled, "trees")
                  if os.path.isdir(os.path.join(filled.root, "v1", "trees", name[:-5], "aaa"))]
    age(os.path.join(filled.root, "v1", "trees", aaa_tree), 40)  # the build record alone is recent

    removed = filled.prune(30 * DAY)

    assert removed[:3] == (0, 1, 1)  # bbb's tree and the built wheel
    assert records(filled, "trees") == [aaa_tree]
    assert filled.restore("k1", str(tmp_path / "once-more")) is not None


def test_uses_are_recorded_restore_tree_for_and_built_wheel(tmp_path, filled):
    age_everything(filled, 40)
    filled.restore("k1", str(tmp_path / "again"))
    filled.tree_for(wheel(tmp_path / "second", "bbb"))  # the same wheel again: its tree is reused
    sdist = make_sdist(str(tmp_path), "ccc", "1.0")
    assert filled.built_wheel(sdist, TARGET, True) is not None

    assert filled.prune(30 * DAY) == CacheContents(0, 0, 0, 0)


def test_a_bundle_placed_by_link_keeps_its_files_and_a_pruned_build_is_made_again(tmp_path, filled):
    age_everything(filled, 40)
    filled.prune(30 * DAY)

    with open(tmp_path / "out-aaa" / "aaa" / "__init__.py") as placed:
        assert placed.read() == "NAME = 'aaa'\n"
    assert filled.restore("k1", str(tmp_path / "again")) is None  # a miss: the build runs again
    out = tmp_path / "rebuilt"
    out.mkdir()
    filled.place_wheels([wheel(tmp_path / "rebuild", "aaa")], str(out))
    assert os.listdir(out / "aaa") == ["__init__.py"]


def test_zero_days_removes_everything(filled):
    assert filled.prune(0)[:3] == (1, 2, 1)
    assert filled.contents() == CacheContents(0, 0, 0, 0)


def test_what_a_killed_build_left_goes_once_old(filled):
    trees = os.path.join(filled.root, "v1", "trees")
    old, fresh = os.path.join(trees, ".0123456789abcdef-old"), os.path.join(trees, ".0123456789abcdef-new")
    os.makedirs(os.path.join(old, "pkg"))
    os.makedirs(fresh)
    age(old, 40)
    half = os.path.join(trees, "f" * 64)  # a tree whose record its build did not live to write
    os.makedirs(half)
    age(half, 40)

    filled.prune(30 * DAY)

    assert not os.path.exists(old) and not os.path.exists(half)
    assert os.path.isdir(fresh)


def test_even_everything_leaves_what_may_be_a_running_builds_work_in_progress(filled):
    trees = os.path.join(filled.root, "v1", "trees")
    recent, stale = os.path.join(trees, ".0123456789abcdef-a"), os.path.join(trees, ".0123456789abcdef-b")
    os.makedirs(recent)
    os.makedirs(stale)
    age(recent, 10 / (24 * 60))  # ten minutes: an unpacking may be under way
    age(stale, 2 / 24)

    filled.prune(0)

    assert os.path.isdir(recent) and not os.path.exists(stale)


def test_a_cache_that_does_not_exist_is_empty_and_stays_absent(tmp_path):
    cache = BuildCache(str(tmp_path / "nowhere"))
    assert cache.prune(0) == cache.contents() == CacheContents(0, 0, 0, 0)
    assert not os.path.exists(tmp_path / "nowhere")


def test_a_file_linked_twice_is_counted_once(tmp_path, cache):
    out = tmp_path / "out"
    out.mkdir()
    cache.place_wheels([wheel(tmp_path, "aaa")], str(out))
    size = cache.contents().size
    tree = os.path.join(cache.root, "v1", "trees", records(cache, "trees")[0][:-5])
    os.link(os.path.join(tree, "aaa", "__init__.py"), os.path.join(cache.root, "v1", "extra-link"))
    assert cache.contents().size == size


def test_an_output_found_unchanged_is_a_use_of_its_build(tmp_path, filled):
    age_everything(filled, 40)
    assert filled.holds("k1", str(tmp_path / "out-aaa")) is not None  # "nothing to do"
    assert filled.prune(30 * DAY)[:3] == (0, 1, 1)
    assert records(filled, "builds") == ["k1.json"]


def test_a_tree_being_placed_waits_and_stays_when_its_use_is_recorded_meanwhile(tmp_path, filled):
    import threading

    age_everything(filled, 40)
    [bbb] = [name[:-5] for name in records(filled, "trees")
             if os.path.isdir(os.path.join(filled.root, "v1", "trees", name[:-5], "bbb"))]
    holding, pruning = threading.Event(), threading.Event()

    def build_placing_bbb():
        with filled._lock("tree-" + bbb, shared=True):  # as _place holds it while linking
            holding.set()
            assert pruning.wait(10)
            time.sleep(0.2)  # prune is waiting for the lock now
            os.utime(os.path.join(filled.root, "v1", "trees", bbb + ".json"))

    placing = threading.Thread(target=build_placing_bbb)
    placing.start()
    assert holding.wait(10)
    pruning.set()
    removed = filled.prune(30 * DAY)
    placing.join()

    assert bbb + ".json" in records(filled, "trees")
    assert removed[:3] == (1, 1, 1)  # the build k1 and, with it, aaa's tree; the built wheel


def test_a_wheel_kept_for_the_remote_cache_goes_with_its_unpacked_tree_and_stays_with_it(tmp_path):
    from aws_lambda_builders.workflows.python_pip.cache_wheels import kept_wheel

    cache = BuildCache(str(tmp_path / "cache"), keep_wheels=True)
    old, fresh = wheel(tmp_path, "old"), wheel(tmp_path, "fresh")
    old_tree, fresh_tree = cache.tree_for(old), cache.tree_for(fresh)
    assert kept_wheel(cache, old_tree) is not None and kept_wheel(cache, fresh_tree) is not None
    age(os.path.join(cache.root, "v1", "trees", old_tree + ".json"), 40)

    cache.prune(30 * DAY)

    assert kept_wheel(cache, old_tree) is None
    assert not os.path.exists(os.path.join(cache.root, "v1", "wheels", old_tree))
    assert kept_wheel(cache, fresh_tree) is not None
    assert os.path.basename(kept_wheel(cache, fresh_tree)) == os.path.basename(fresh)
