"""Steps 4 and 5 at work: sdists built side by side by one pip per CPU, and reported in order."""

from __future__ import annotations

import io
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from aws_lambda_builders.workflows.python_pip import sdist_builds
from aws_lambda_builders.workflows.python_pip.packager import DependencyBuilder, MissingDependencyError
from aws_lambda_builders.workflows.python_pip.sdist_builds import SdistBuilds
from aws_lambda_builders.workflows.python_pip.utils import Config
from tests.builders import make_wheel

from .fake_pip import Call, FakePip, sdist, wheel
from .packager_helpers import BUILD_STDERR, RecordingUI, build, events_by_step, installed, make_builder, work_dir

LENIENT = Config(allow_missing=True)


def sdist_name_of(path):
    return os.path.basename(path).split("-")[0]


class GatedFakePip(FakePip):
    """FakePip whose ``pip wheel`` runs ``before(call)`` first and ``after(call)`` last, in the build's thread."""

    def __init__(self, before=lambda call: None, after=lambda call: None):
        super().__init__()
        self.before, self.after = before, after

    def main(self, args, env_vars=None, shim=None):
        call = Call(args[0], list(args[1:]), env_vars, shim)
        if call.kind == "wheel":
            self.before(call)
        result = super().main(args, env_vars, shim)
        if call.kind == "wheel":
            self.after(call)
        return result


class WorkDirUI(RecordingUI):
    """Records the step events and what the work directory holds when each sdist step ends."""

    def __init__(self, pip):
        super().__init__()
        self.pip, self.listings = pip, {}

    def step_finished(self, step, summary=""):
        super().step_finished(step, summary)
        if step in ("build-sdists", "build-sdists-without-c"):
            self.listings[step] = sorted(os.listdir(work_dir(self.pip)))


def sdist_name(call):
    return os.path.basename(call.target).split("-")[0]


def three_sdists(pip, names=("aaa", "bbb", "ccc"), paths=None):
    if paths is not None:
        paths.requirements.write_text("".join(f"{name}\n" for name in names))
    pip.on_download_requirements(*[sdist(name, "1.0") for name in names])
    for name in names:
        pip.on_wheel(f"{name}-1.0.tar.gz", wheel(name, "1.0"))
    return pip


def test_sdists_are_built_at_the_same_time_each_into_its_own_directory(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    all_three_running = threading.Barrier(3, timeout=10)  # broken (and the build failing) unless they overlap
    pip = three_sdists(GatedFakePip(before=lambda call: all_three_running.wait()), paths=paths)
    ui = WorkDirUI(pip)
    build(make_builder(pip), paths, ui=ui)

    directory = work_dir(pip)
    out_dirs = [call.output_dir for call in pip.calls_of("wheel")]
    assert len(out_dirs) == 3 and len(set(out_dirs)) == 3
    assert all(os.path.dirname(d) == directory and d != directory for d in out_dirs)
    # Every wheel ended in the work directory, and no build's own directory is left.
    assert ui.listings["build-sdists"] == [
        "aaa-1.0-py3-none-any.whl", "aaa-1.0.tar.gz", "bbb-1.0-py3-none-any.whl", "bbb-1.0.tar.gz",
        "ccc-1.0-py3-none-any.whl", "ccc-1.0.tar.gz"]
    assert installed(paths) == ["aaa", "aaa-1.0.dist-info", "bbb", "bbb-1.0.dist-info", "ccc", "ccc-1.0.dist-info"]


@pytest.mark.parametrize("cpus,sdists,workers", [(1, 3, 1), (2, 3, 2), (8, 3, 3), (8, 1, 1), (None, 2, 1)])
def test_no_more_builds_run_at_once_than_cpus_or_sdists(paths, monkeypatch, cpus, sdists, workers):
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    pools = []

    class RecordingExecutor(ThreadPoolExecutor):
        def __init__(self, max_workers=None, **kwargs):
            pools.append(max_workers)
            super().__init__(max_workers, **kwargs)

    monkeypatch.setattr(sdist_builds, "ThreadPoolExecutor", RecordingExecutor)
    running, most = [0], [0]
    lock = threading.Lock()

    def before(call):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        threading.Event().wait(0.05)
        with lock:
            running[0] -= 1

    pip = three_sdists(GatedFakePip(before=before), names=("aaa", "bbb", "ccc")[:sdists], paths=paths)
    build(make_builder(pip), paths)

    assert pools == [workers]  # step 5 had nothing left to build
    assert 1 <= most[0] <= workers
    calls = pip.calls_of("wheel")
    assert len(calls) == workers, "one pip per worker, each building its share"
    assert sorted(os.path.basename(p) for call in calls for p in call.paths) == [
        f"{name}-1.0.tar.gz" for name in ("aaa", "bbb", "ccc")[:sdists]]


def test_package_built_is_reported_in_name_order_whatever_order_the_builds_finish_in(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    finished = {name: threading.Event() for name in ("aaa", "bbb", "ccc")}
    waits_for = {"aaa": "bbb", "bbb": "ccc"}  # ccc finishes first, aaa last
    order = []

    def before(call):
        if sdist_name(call) in waits_for:
            assert finished[waits_for[sdist_name(call)]].wait(10)

    def after(call):
        order.append(sdist_name(call))
        finished[sdist_name(call)].set()

    pip = three_sdists(GatedFakePip(before, after), paths=paths)
    ui = RecordingUI()
    build(make_builder(pip), paths, ui=ui)

    assert order == ["ccc", "bbb", "aaa"]
    built = [e for e in events_by_step(ui.events) if e[1] == "package_built"]
    assert built == [("build-sdists", "package_built", f"{name}-1.0.tar.gz", f"{name}-1.0-py3-none-any.whl")
                     for name in ("aaa", "bbb", "ccc")]


def test_failed_build_among_parallel_ones_is_named_with_its_reason_and_leaves_nothing_behind(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    paths.requirements.write_text("bar\nqux\n")
    pip = (GatedFakePip()
           .on_download_requirements(sdist("bar", "2.0"), sdist("qux", "3.0"))
           # pip failing yet leaving a file in its output directory: nothing of it may be used
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0"), rc=1, stderr=BUILD_STDERR)
           .on_wheel("qux-3.0.tar.gz", wheel("qux", "3.0")))
    ui = WorkDirUI(pip)
    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip), paths, ui=ui, config=LENIENT)

    assert [p.identifier for p in raised.value.missing] == ["bar==2.0"]
    assert "ERROR: Failed building wheel for bar" in raised.value.reasons["bar==2.0"]
    assert [e[2] for e in events_by_step(ui.events) if e[1] == "package_missing"] == ["bar==2.0"]
    assert [e[2] for e in events_by_step(ui.events) if e[1] == "package_built"] == ["qux-3.0.tar.gz"]
    # Built twice (with and without a compiler), and neither build left a file or a directory.
    assert len([c for c in pip.calls_of("wheel") if sdist_name(c) == "bar"]) == 2
    for step in ("build-sdists", "build-sdists-without-c"):
        assert ui.listings[step] == ["bar-2.0.tar.gz", "qux-3.0-py3-none-any.whl", "qux-3.0.tar.gz"]
    assert installed(paths) == ["qux", "qux-3.0.dist-info"]


def test_exception_raised_in_a_build_reaches_the_caller_and_the_scratch_is_emptied(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)

    def before(call):
        if sdist_name(call) == "bbb":
            raise OSError("pip could not be started")

    pip = three_sdists(GatedFakePip(before=before), paths=paths)
    with pytest.raises(OSError, match="pip could not be started"):
        build(make_builder(pip), paths)
    assert os.listdir(paths.scratch) == []
    assert not paths.target.exists()


def test_interrupted_builds_wait_for_the_running_pip_and_start_no_other(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    started, release, events = threading.Event(), threading.Event(), []

    def before(call):
        started.set()
        assert release.wait(10)

    def interrupted_wait(futures, return_when):
        # Ctrl-C while the batch builds; its pip ends a moment later.
        assert started.wait(10)
        threading.Timer(0.3, release.set).start()
        raise KeyboardInterrupt

    monkeypatch.setattr(sdist_builds, "wait", interrupted_wait)
    pip = three_sdists(GatedFakePip(before, after=lambda call: events.append("build finished")), paths=paths)
    with pytest.raises(KeyboardInterrupt):
        build(make_builder(pip), paths)
    events.append("interrupt reached the caller")

    assert events == ["build finished", "interrupt reached the caller"]
    assert [[sdist_name_of(p) for p in c.paths] for c in pip.calls_of("wheel")] == [["aaa", "bbb", "ccc"]]
    assert os.listdir(paths.scratch) == []


def test_sdists_are_shared_out_among_one_pip_per_cpu_costliest_first(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    names = ("aaa", "bbb", "ccc", "ddd", "eee")
    paths.requirements.write_text("".join(f"{name}\n" for name in names))
    c_source = {"aaa": 40_000, "bbb": 30_000, "ccc": 20_000, "ddd": 10_000, "eee": 0}  # bytes of C in each sdist
    pip = FakePip().on_download_requirements(*[sdist(name, "1.0", files={
        "setup.py": "", f"{name}/__init__.py": "", f"{name}/_speedups.c": "x" * c_source[name],
        "docs/manual.txt": os.urandom(100_000 if name == "eee" else 0).hex()}) for name in names])
    for name in names:
        pip.on_wheel(f"{name}-1.0.tar.gz", wheel(name, "1.0"))
    ui = RecordingUI()
    build(make_builder(pip), paths, ui=ui)

    batches = sorted([os.path.basename(p).split("-")[0] for p in call.paths] for call in pip.calls_of("wheel"))
    # A start (65,000) plus the C: 105+75+65 and 95+85 thousand; eee's 200 kB of docs compile to nothing.
    assert batches == [["aaa", "ddd", "eee"], ["bbb", "ccc"]]
    assert installed(paths) == sorted(entry for name in names for entry in (name, f"{name}-1.0.dist-info"))
    assert [e[2] for e in events_by_step(ui.events) if e[1] == "package_built"] == [
        f"{name}-1.0.tar.gz" for name in names]


def test_a_builds_cost_is_a_start_plus_the_sources_a_compiler_reads(tmp_path):
    import tarfile

    path = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, size in [("setup.py", 100), ("src/a.c", 1000), ("src/B.PYX", 500), ("data/big.bin", 90_000)]:
            info = tarfile.TarInfo(f"pkg-1.0/{name}")
            info.size = size
            archive.addfile(info, io.BytesIO(b"\0" * size))
    assert sdist_builds.build_cost(str(path), compile_c=True) == 65_000 + 1500
    assert sdist_builds.build_cost(str(path), compile_c=False) == 65_000  # without a compiler, only the start
    broken = tmp_path / "broken-1.0.tar.gz"
    broken.write_bytes(b"not an archive")  # pip will say what is wrong with it; until then, its size
    assert sdist_builds.build_cost(str(broken), compile_c=True) == 65_000 + len(b"not an archive")


def test_an_sdist_a_shared_pip_failed_to_build_is_built_alone_and_reported_with_its_own_error(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    paths.requirements.write_text("aaa\nbar\nccc\n")
    pip = (FakePip()
           .on_download_requirements(sdist("aaa", "1.0"), sdist("bar", "2.0"), sdist("ccc", "1.0"))
           .on_wheel("aaa-1.0.tar.gz", wheel("aaa", "1.0"), stderr="warning: aaa is old\n")
           .on_wheel("bar-2.0.tar.gz", rc=1, stderr=BUILD_STDERR)
           .on_wheel("ccc-1.0.tar.gz", wheel("ccc", "1.0")))
    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip), paths, config=LENIENT)

    assert [p.identifier for p in raised.value.missing] == ["bar==2.0"]
    assert "aaa" not in raised.value.reasons["bar==2.0"]
    assert "ERROR: Failed building wheel for bar" in raised.value.reasons["bar==2.0"]
    built = [[os.path.basename(p).split("-")[0] for p in call.paths] for call in pip.calls_of("wheel")]
    assert built[:2] == [["aaa", "bar", "ccc"], ["bar"]]  # then once more without a compiler
    assert installed(paths) == ["aaa", "aaa-1.0.dist-info", "ccc", "ccc-1.0.dist-info"]


def test_an_interrupted_batch_starts_no_other_pip(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    started, release = threading.Event(), threading.Event()

    def before(call):
        started.set()
        assert release.wait(10)

    def interrupted_wait(futures, return_when):
        assert started.wait(10)
        threading.Timer(0.3, release.set).start()  # the killed pip ends a moment later, having built nothing
        raise KeyboardInterrupt

    monkeypatch.setattr(sdist_builds, "wait", interrupted_wait)
    names = ("aaa", "bbb", "ccc")
    paths.requirements.write_text("".join(f"{name}\n" for name in names))
    pip = GatedFakePip(before).on_download_requirements(*[sdist(name, "1.0") for name in names])
    for name in names:
        pip.on_wheel(f"{name}-1.0.tar.gz", rc=-9)
    with pytest.raises(KeyboardInterrupt):
        build(make_builder(pip), paths)

    assert [[os.path.basename(p) for p in call.paths] for call in pip.calls_of("wheel")] == [
        [f"{name}-1.0.tar.gz" for name in names]], "none of them was built again alone"
    assert os.listdir(paths.scratch) == []


def test_a_lone_build_goes_through_build_one(paths, monkeypatch):
    # A build of one sdist happens there: the cache of built wheels stands in front of it.
    seen = []

    def from_elsewhere(self, sdist_path, directory, compile_c):
        seen.append((os.path.basename(sdist_path), directory == work_dir(pip), compile_c))
        make_wheel(directory, "bar", "2.0")
        return 0, b"", b""

    monkeypatch.setattr(SdistBuilds, "build_one", from_elsewhere)
    pip = FakePip().on_download_requirements(sdist("bar", "2.0"))
    build(make_builder(pip), paths)

    assert seen == [("bar-2.0.tar.gz", True, True)]
    assert pip.calls_of("wheel") == []
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]


def test_the_sdist_runner_is_made_once_and_before_the_builds_start(paths, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    made_in = []
    original = DependencyBuilder._sdist_builds

    def recording(self):
        if self._run.sdist_builds is None:
            made_in.append(threading.current_thread() is threading.main_thread())
        return original(self)

    monkeypatch.setattr(DependencyBuilder, "_sdist_builds", recording)
    pip = three_sdists(FakePip(), paths=paths)
    build(make_builder(pip), paths)

    assert made_in == [True]
    assert len(pip.calls_of("wheel")) == 3
