"""PipRunner's command lines and error handling, against a scripted pip; SubprocessPip against the real one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aws_lambda_builders.workflows.python_pip.exceptions import (
    LocalDistributionNotFoundError,
    NoSuchPackageError,
    PackageDownloadError,
)
from aws_lambda_builders.workflows.python_pip.pip_runner import PipRunner, SubprocessPip
from aws_lambda_builders.workflows.python_pip.utils import OSUtils

from tests.processes import running, wait_until

from .fake_pip import FakePip, wheel


def runner(pip):
    return PipRunner(sys.executable, pip)


# -- download_all_dependencies ---------------------------------------------------------

def test_download_all_dependencies_argument_list(tmp_path):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))

    assert len(pip.calls) == 1
    assert pip.calls[0].argv == ["download", "-r", "requirements.txt", "--dest", str(tmp_path),
                                 "--exists-action", "i"]
    assert os.listdir(tmp_path) == ["foo-1.0-py3-none-any.whl"]


def test_download_all_dependencies_appends_options(tmp_path):
    pip = FakePip().on_download_requirements()
    runner(pip).download_all_dependencies("req.txt", str(tmp_path), options=["--index-url", "https://i.example"])
    assert pip.calls[0].argv == ["download", "-r", "req.txt", "--dest", str(tmp_path), "--exists-action", "i",
                                 "--index-url", "https://i.example"]


NO_SUCH_PACKAGE_STDERR = (
    "ERROR: Could not find a version that satisfies the requirement nonexistent-pkg==9.9 (from versions: none)\n"
    "ERROR: No matching distribution found for nonexistent-pkg==9.9\n"
)


def test_unknown_package_raises_no_such_package_error_naming_it(tmp_path):
    pip = FakePip().on_download_requirements(rc=1, stderr=NO_SUCH_PACKAGE_STDERR)
    with pytest.raises(NoSuchPackageError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))
    assert raised.value.package_name == "nonexistent-pkg==9.9"
    assert "nonexistent-pkg==9.9" in str(raised.value)


def test_no_matching_distribution_alone_raises_no_such_package_error(tmp_path):
    pip = FakePip().on_download_requirements(
        rc=1, stderr="ERROR: No matching distribution found for ghost==1.0\n")
    with pytest.raises(NoSuchPackageError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))
    assert raised.value.package_name == "ghost==1.0"


OTHER_FAILURE_STDERR = (
    "WARNING: Retrying (Retry(total=4)) after connection broken\n"
    "  some traceback-ish noise\n"
    "ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied\n"
    "ERROR: second problem\n"
)


def test_other_download_failure_raises_package_download_error_keeping_stderr(tmp_path):
    pip = FakePip().on_download_requirements(rc=2, stderr=OTHER_FAILURE_STDERR)
    with pytest.raises(PackageDownloadError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))
    error = raised.value
    assert str(error) == error.stderr == OTHER_FAILURE_STDERR  # aws-lambda-builders' text: pip's stderr
    assert "ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied" in error.hint
    assert "ERROR: second problem" in error.hint
    assert "some traceback-ish noise" not in error.hint  # the hint is the part that says what went wrong
    assert not isinstance(error, NoSuchPackageError)


def test_download_failure_with_empty_stderr_still_raises(tmp_path):
    pip = FakePip().on_download_requirements(rc=1, stderr="")
    with pytest.raises(PackageDownloadError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))
    assert str(raised.value)


# -- local directories -------------------------------------------------------------------

@pytest.mark.parametrize("line", [
    "Processing ./localpkg",
    "Processing ./localpkg (from -r requirements.txt (line 1))",
])
def test_processing_a_local_directory_builds_it_into_a_wheel(tmp_path, monkeypatch, line):
    (tmp_path / "localpkg").mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    monkeypatch.chdir(tmp_path)
    pip = (FakePip()
           .on_download_requirements(stdout=f"Looking in indexes: x\n{line}\n  Preparing metadata ... done\n")
           .on_wheel("localpkg", wheel("localpkg", "0.1")))
    runner(pip).download_all_dependencies("requirements.txt", str(dest), options=["--pre"])

    assert [c.kind for c in pip.calls] == ["download-r", "wheel"]
    build = pip.calls[1]
    assert build.args[:3] == ["--no-deps", "--wheel-dir", str(dest)]
    assert os.path.normpath(build.target) == str(tmp_path / "localpkg")
    assert build.args[4:] == ["--pre"]
    assert os.listdir(dest) == ["localpkg-0.1-py3-none-any.whl"]


def test_processing_an_absolute_local_directory_builds_it(tmp_path, monkeypatch):
    (tmp_path / "localpkg").mkdir()
    monkeypatch.chdir(tmp_path)
    pip = (FakePip()
           .on_download_requirements(stdout=f"Processing {tmp_path / 'localpkg'}\n")
           .on_wheel("localpkg", wheel("localpkg", "0.1")))
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))
    assert [c.kind for c in pip.calls] == ["download-r", "wheel"]
    assert os.path.normpath(pip.calls[1].target) == str(tmp_path / "localpkg")


def test_processing_a_local_file_or_missing_directory_builds_nothing(tmp_path, monkeypatch):
    (tmp_path / "foo-1.0.tar.gz").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    pip = FakePip().on_download_requirements(
        stdout="Processing ./foo-1.0.tar.gz\nProcessing ./not-there\n")
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))
    assert [c.kind for c in pip.calls] == ["download-r"]


# -- download_manylinux_wheels ------------------------------------------------------------

def binary_download_argv(directory, *packages):
    return (["download", "--only-binary=:all:", "--no-deps", "--platform", "any", "--platform",
             "manylinux2014_x86_64", "--python-version", "3.12", "--implementation", "cp", "--abi", "cp312",
             "--dest", str(directory)] + list(packages) + ["--pre"])


def test_download_manylinux_wheels_asks_for_every_package_in_one_call(tmp_path):
    pip = (FakePip()
           .on_download_binary("foo==1.0", wheel("foo", "1.0", tag="cp312-cp312-manylinux2014_x86_64"))
           .on_download_binary("bar==2.0", wheel("bar", "2.0", tag="cp312-cp312-manylinux2014_x86_64")))
    runner(pip).download_manylinux_wheels(["bar==2.0", "foo==1.0"], str(tmp_path), "cp312",
                                          ["any", "manylinux2014_x86_64"], options=["--pre"])
    assert [c.argv for c in pip.calls] == [binary_download_argv(tmp_path, "bar==2.0", "foo==1.0")]
    assert sorted(os.listdir(tmp_path)) == ["bar-2.0-cp312-cp312-manylinux2014_x86_64.whl",
                                            "foo-1.0-cp312-cp312-manylinux2014_x86_64.whl"]


def test_download_manylinux_wheels_asks_package_by_package_when_the_batch_fails(tmp_path):
    pip = FakePip().on_download_binary("foo==1.0", wheel("foo", "1.0", tag="cp312-cp312-manylinux2014_x86_64"))
    runner(pip).download_manylinux_wheels(["foo==1.0", "bar==2.0"], str(tmp_path), "cp312",
                                          ["any", "manylinux2014_x86_64"], options=["--pre"])
    assert [c.argv for c in pip.calls] == [
        binary_download_argv(tmp_path, "foo==1.0", "bar==2.0"),
        binary_download_argv(tmp_path, "foo==1.0"),
        binary_download_argv(tmp_path, "bar==2.0"),
    ]
    assert os.listdir(tmp_path) == ["foo-1.0-cp312-cp312-manylinux2014_x86_64.whl"]


def test_download_manylinux_wheels_of_one_package_that_fails_is_not_asked_again(tmp_path):
    pip = FakePip()
    runner(pip).download_manylinux_wheels(["bar==2.0"], str(tmp_path), "cp312",
                                          ["any", "manylinux2014_x86_64"], options=["--pre"])
    assert [c.argv for c in pip.calls] == [binary_download_argv(tmp_path, "bar==2.0")]
    assert os.listdir(tmp_path) == []


def test_download_manylinux_wheels_of_no_package_runs_no_pip(tmp_path):
    pip = FakePip()
    runner(pip).download_manylinux_wheels(iter([]), str(tmp_path), "cp312", ["manylinux2014_x86_64"])
    assert pip.calls == []


# -- build_wheel -----------------------------------------------------------------------------

def test_build_wheel_returns_pips_result_and_uses_the_compiler(tmp_path, monkeypatch):
    monkeypatch.delenv("CC", raising=False)
    monkeypatch.setenv("SOME_USER_VARIABLE", "kept")
    pip = FakePip().on_wheel("foo-1.0.tar.gz", wheel("foo", "1.0"), rc=0)
    result = runner(pip).build_wheel(str(tmp_path / "foo-1.0.tar.gz"), str(tmp_path))

    assert result == (0, b"", b"")
    call = pip.calls[0]
    assert call.argv == ["wheel", "--no-deps", "--wheel-dir", str(tmp_path), str(tmp_path / "foo-1.0.tar.gz")]
    assert "CC" not in call.env_vars
    assert "PIP_NO_CACHE_DIR" not in call.env_vars
    assert call.env_vars["SOME_USER_VARIABLE"] == "kept"
    assert "foo-1.0-py3-none-any.whl" in os.listdir(tmp_path)


def test_build_wheel_failure_is_returned_not_raised(tmp_path):
    pip = FakePip().on_wheel("foo-1.0.tar.gz", rc=1, stderr="ERROR: Failed building wheel for foo\n")
    rc, out, err = runner(pip).build_wheel(str(tmp_path / "foo-1.0.tar.gz"), str(tmp_path))
    assert rc == 1
    assert err == b"ERROR: Failed building wheel for foo\n"


def test_build_wheel_without_c_sets_cc_to_var_false_and_bypasses_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SOME_USER_VARIABLE", "kept")
    pip = FakePip().on_wheel("foo-1.0.tar.gz", wheel("foo", "1.0"), env={"CC": "/var/false"})
    rc, _, _ = runner(pip).build_wheel(str(tmp_path / "foo-1.0.tar.gz"), str(tmp_path), compile_c=False,
                                       options=["--find-links", "/w"])
    assert rc == 0
    call = pip.calls[0]
    assert call.env_vars["CC"] == "/var/false"
    assert call.env_vars["PIP_NO_CACHE_DIR"] == "1"
    assert call.env_vars["SOME_USER_VARIABLE"] == "kept"
    assert call.args[-2:] == ["--find-links", "/w"]
    # the process environment itself is untouched
    assert os.environ.get("CC") != "/var/false"


def test_build_wheels_asks_one_pip_for_every_sdist_and_fails_if_any_build_failed(tmp_path):
    pip = (FakePip().on_wheel("foo-1.0.tar.gz", wheel("foo", "1.0"))
           .on_wheel("bar-2.0.tar.gz", rc=1, stderr="ERROR: Failed building wheel for bar\n")
           .on_wheel("baz-3.0.tar.gz", wheel("baz", "3.0"), env={"CC": "/var/false"}))
    sdists = [str(tmp_path / name) for name in ("foo-1.0.tar.gz", "bar-2.0.tar.gz", "baz-3.0.tar.gz")]
    rc, _, err = runner(pip).build_wheels(sdists, str(tmp_path), compile_c=False, options=["--find-links", "/w"])

    assert len(pip.calls) == 1
    call = pip.calls[0]
    assert call.argv == ["wheel", "--no-deps", "--wheel-dir", str(tmp_path)] + sdists + ["--find-links", "/w"]
    assert call.env_vars["CC"] == "/var/false" and call.env_vars["PIP_NO_CACHE_DIR"] == "1"
    assert rc == 1 and b"Failed building wheel for bar" in err
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith(".whl")) == [
        "baz-3.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl"]


# -- SubprocessPip ------------------------------------------------------------------------------

def test_subprocess_pip_runs_pip_in_a_child_process(hermetic_pip):
    pip = SubprocessPip(python_exe=sys.executable, import_string="from pip._internal.cli.main import main")
    rc, out, err = pip.main(["--version"])
    assert rc == 0
    assert isinstance(out, bytes)
    assert out.decode().startswith("pip ")
    assert "pip" in out.decode()


def test_subprocess_pip_passes_env_and_shim(hermetic_pip, tmp_path):
    marker = tmp_path / "shim-ran"
    pip = SubprocessPip(python_exe=sys.executable, import_string="from pip._internal.cli.main import main")
    env = dict(os.environ, PIP_NO_COLOR="1")
    shim = f"open({str(marker)!r}, 'w').write('yes'); "
    rc, out, _ = pip.main(["--version"], env_vars=env, shim=shim)
    assert rc == 0 and b"pip" in out
    assert marker.read_text() == "yes"


def test_subprocess_pip_reports_failure_rc(hermetic_pip):
    pip = SubprocessPip(python_exe=sys.executable)
    rc, _, err = pip.main(["no-such-command"])
    assert rc != 0
    assert b"no-such-command" in err


def test_full_disk_during_download_is_a_disk_full_error(tmp_path):
    from aws_lambda_builders.workflows.python_pip.exceptions import DiskFullError

    stderr = "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n"
    pip = FakePip().on_download_requirements(rc=1, stderr=stderr)

    with pytest.raises(DiskFullError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))

    assert "No space left" in str(raised.value) and "Free some space" in str(raised.value)


def test_conflicting_requirements_are_explained_with_pips_account(tmp_path):
    from aws_lambda_builders.workflows.python_pip.exceptions import ConflictingRequirementsError

    stderr = ("ERROR: Cannot install -r requirements.txt (line 1) and pydantic-core==2.30.0 because these package "
              "versions have conflicting dependencies.\nERROR: ResolutionImpossible: for help visit https://pip\n")
    stdout = ("\nThe conflict is caused by:\n    The user requested pydantic-core==2.30.0\n"
              "    pydantic 2.10.0 depends on pydantic-core==2.27.0\n\nTo fix this you could try to:\n")
    pip = FakePip().on_download_requirements(rc=1, stderr=stderr, stdout=stdout)

    with pytest.raises(ConflictingRequirementsError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))

    message = str(raised.value)
    assert "pydantic 2.10.0 depends on pydantic-core==2.27.0" in message
    assert "The user requested pydantic-core==2.30.0" in message
    assert isinstance(raised.value, PackageDownloadError)


def test_kill_running_stops_a_pip_another_thread_is_waiting_for():
    """An interrupted build kills the pips of its parallel builds rather than wait for them to finish."""
    slow = SubprocessPip(python_exe=sys.executable, import_string="import time; time.sleep(60); main = len")
    other = SubprocessPip(python_exe=sys.executable, import_string="import time; time.sleep(2); main = lambda args: 0")
    results, others = [], []
    waiter = threading.Thread(target=lambda: results.append(slow.main(["download"])))
    bystander = threading.Thread(target=lambda: others.append(other.main(["download"])))
    started = time.monotonic()
    waiter.start()
    bystander.start()
    while not (_running(slow) and _running(other)) and time.monotonic() - started < 30:
        time.sleep(0.01)
    assert _running(slow) == 1

    PipRunner(sys.executable, slow).kill_running()
    waiter.join(timeout=30)
    bystander.join(timeout=30)

    assert results and results[0][0] != 0, "the killed pip reports failure"
    assert time.monotonic() - started < 30
    assert _running(slow) == 0
    assert others == [(0, b"", b"")], "the pip of another builder was left alone"


def _running(pip: SubprocessPip) -> int:
    with pip._running_lock:
        return len(pip._running)


# -- pip never waits for input, and dies with the build ------------------------------------------

ECHO_ARGUMENTS = "import json, os, sys; main = lambda args: print(json.dumps({'args': args, " \
                 "'stdin': sys.stdin.read(), 'own_group': os.getpgid(0) == os.getpid(), " \
                 "'tmpdir': os.environ.get('TMPDIR')})) or 0"


def test_every_pip_command_line_says_no_input_and_pip_reads_nothing():
    pip = SubprocessPip(python_exe=sys.executable, import_string=ECHO_ARGUMENTS)

    rc, out, _ = pip.main(["download", "-r", "requirements.txt"])

    seen = json.loads(out)
    assert rc == 0
    assert seen["args"] == ["--no-input", "download", "-r", "requirements.txt"]
    assert seen["stdin"] == "", "pip's stdin is closed: a prompt ends at once instead of waiting"
    assert seen["own_group"], "pip leads a process group of its own, with all it starts"


def test_the_real_pip_takes_no_input_as_a_general_option(hermetic_pip):
    """pip refuses an option it does not know with exit status 2: this one it takes, before any command."""
    rc, out, err = SubprocessPip(python_exe=sys.executable).main(["config", "list"])
    assert rc == 0, err


def test_pips_temporary_files_go_where_the_runner_is_told(tmp_path):
    pip = FakePip().on_download_requirements()
    temp = str(tmp_path / "pip-temp")
    pip_runner = PipRunner(sys.executable, pip, temp_dir=temp)
    environment = dict(os.environ)

    pip_runner.download_all_dependencies("requirements.txt", str(tmp_path))
    pip_runner.build_wheel(str(tmp_path / "foo-1.0.tar.gz"), str(tmp_path), compile_c=False)

    for call in pip.calls:
        assert {call.env_vars[name] for name in ("TMPDIR", "TEMP", "TMP")} == {temp}
    assert pip.calls[1].env_vars["CC"] == "/var/false"
    assert dict(os.environ) == environment, "the build's own environment is untouched"


def test_without_a_temp_dir_pip_has_the_systems(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    pip = FakePip().on_download_requirements()
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))
    env_vars = dict(pip.calls[0].env_vars)
    del env_vars["LAMBDA_PIP_REPORT"]  # the one variable added: where pip's report goes
    assert env_vars == dict(os.environ)  # the build's environment, TMPDIR as it is


def test_the_real_pip_child_gets_the_temp_dir(tmp_path):
    pip_runner = PipRunner(sys.executable, SubprocessPip(python_exe=sys.executable, import_string=ECHO_ARGUMENTS),
                           temp_dir=str(tmp_path))
    _, out, _ = pip_runner.build_wheel("foo-1.0.tar.gz", str(tmp_path))
    assert json.loads(out)["tmpdir"] == str(tmp_path)


# A pip stand-in that starts a grandchild (as pip starts a build backend, which starts a compiler), writes
# both pids and waits for it.
PIP_WITH_A_GRANDCHILD = (
    "import os, subprocess, sys; "
    "main = lambda args: (lambda child: (open(args[-1], 'w').write('%d %d' % (os.getpid(), child.pid)), "
    "child.wait())[1])(subprocess.Popen(['sleep', '300']))"
)

BUILDER = """
import sys
from aws_lambda_builders.workflows.python_pip.pip_runner import SubprocessPip
SubprocessPip(python_exe=sys.executable, import_string=sys.argv[1]).main(["wheel", sys.argv[2]])
"""


def pids_written(path) -> list:
    assert wait_until(lambda: path.exists() and len(path.read_text().split()) == 2), "pip did not start"
    return [int(pid) for pid in path.read_text().split()]


def test_a_sigkilled_build_takes_pip_and_all_it_started_with_it(tmp_path):
    pids = tmp_path / "pids"
    builder = subprocess.Popen([sys.executable, "-c", BUILDER, PIP_WITH_A_GRANDCHILD, str(pids)])
    pip_pid, grandchild = pids_written(pids)

    builder.kill()
    builder.wait()

    try:
        assert wait_until(lambda: not running(pip_pid) and not running(grandchild), timeout=10), \
            "pip or its child outlived the build"
    finally:
        kill_if_running(pip_pid, grandchild)


def kill_if_running(*pids: int) -> None:
    """Leave no process of a failed test behind (these are the test's own, by pid)."""
    for pid in pids:
        if running(pid):
            os.kill(pid, signal.SIGKILL)


def test_kill_running_kills_what_pip_started_too(tmp_path):
    pids = tmp_path / "pids"
    pip = SubprocessPip(python_exe=sys.executable, import_string=PIP_WITH_A_GRANDCHILD)
    results = []
    waiter = threading.Thread(target=lambda: results.append(pip.main(["wheel", str(pids)])))
    waiter.start()
    pip_pid, grandchild = pids_written(pids)

    pip.kill_running()
    waiter.join(timeout=30)

    try:
        assert results and results[0][0] != 0
        assert wait_until(lambda: not running(pip_pid) and not running(grandchild), timeout=10)
    finally:
        kill_if_running(pip_pid, grandchild)


# -- what pip's stderr means (texts captured from pip 23.2.1 with --no-input, in pip_stderr/) ---------

def captured(name: str) -> str:
    return (Path(__file__).with_name("pip_stderr") / name).read_text()


def test_a_missing_file_url_is_named_instead_of_a_bare_exception(tmp_path):
    stderr = captured("pip-23.2.1-download-missing-file-url.txt")
    pip = FakePip().on_download_requirements(rc=2, stderr=stderr)

    with pytest.raises(LocalDistributionNotFoundError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))

    missing = "/tmp/lambda-pip-capture/wheels/internal_lib-1.0-py3-none-any.whl"
    assert raised.value.path == missing
    assert str(raised.value).startswith(f"{missing} does not exist, and a requirement names it")
    assert raised.value.stderr == stderr


def test_an_unexpected_exception_of_pip_is_shown_by_the_line_that_ends_its_traceback(tmp_path):
    stderr = captured("pip-23.2.1-download-wheel-that-is-a-directory.txt")
    pip = FakePip().on_download_requirements(rc=2, stderr=stderr)

    with pytest.raises(PackageDownloadError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))

    assert type(raised.value) is PackageDownloadError
    assert raised.value.hint == "ERROR: Exception: AssertionError: Set as part of preparation during download"
    assert str(raised.value) == raised.value.stderr == stderr


def test_an_index_that_wants_credentials_gives_no_versions_with_no_input(tmp_path):
    """pip without a prompt finds nothing; the packager then asks the index why (see index_probe)."""
    pip = FakePip().on_download_requirements(rc=1, stderr=captured("pip-23.2.1-download-no-input-index-401.txt"))

    with pytest.raises(NoSuchPackageError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))

    assert raised.value.package_name == "six"


# A program that builds in a worker thread, as `sam build --parallel` does, and whose main thread is
# interrupted (Ctrl-C reaches the main thread only, and pip, in a group of its own, not at all).
THREADED_BUILDER = """
import signal, sys, threading
from aws_lambda_builders.workflows.python_pip.pip_runner import SubprocessPip
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
pip = SubprocessPip(python_exe=sys.executable, import_string=sys.argv[1])
threading.Thread(target=pip.main, args=(["wheel", sys.argv[2]],)).start()
signal.sigwait([signal.SIGUSR1])
raise KeyboardInterrupt
"""


def test_an_interrupted_program_building_in_threads_ends_and_takes_pip_with_it(tmp_path):
    pids = tmp_path / "pids"
    program = subprocess.Popen([sys.executable, "-c", THREADED_BUILDER, PIP_WITH_A_GRANDCHILD, str(pids)],
                               stderr=subprocess.PIPE)
    pip_pid, grandchild = pids_written(pids)

    program.send_signal(signal.SIGUSR1)
    try:
        _, stderr = program.communicate(timeout=20)
        assert b"KeyboardInterrupt" in stderr
        assert wait_until(lambda: not running(pip_pid) and not running(grandchild), timeout=10), \
            "pip or its child outlived the program"
    finally:
        program.kill()
        kill_if_running(pip_pid, grandchild)


def test_an_osutils_of_aws_lambda_builders_shape_still_runs_pip(hermetic_pip):
    """Callers may inject their own OSUtils, whose popen knows neither stdin nor start_new_session."""

    class UpstreamOSUtils(OSUtils):
        def popen(self, command, stdout=None, stderr=None, env=None):
            return subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env)  # pragma: no cover

    pip = SubprocessPip(UpstreamOSUtils(), python_exe=sys.executable, import_string=ECHO_ARGUMENTS)

    rc, out, _ = pip.main(["download", "six"])

    seen = json.loads(out)
    assert rc == 0 and seen["args"] == ["--no-input", "download", "six"]
    assert seen["stdin"] == "" and seen["own_group"], "started past that popen, with no stdin, in its own group"


def test_pips_own_runner_is_what_the_build_cache_takes_for_pip_and_a_scripted_one_is_not():
    from aws_lambda_builders.workflows.python_pip.cache_key import SUBPROCESS_PIP

    own = PipRunner(sys.executable, SubprocessPip(python_exe=sys.executable,
                                                  import_string="from pip._internal.cli.main import main"))
    scripted = PipRunner(sys.executable, FakePip())

    assert own.identity == SUBPROCESS_PIP
    assert scripted.identity != SUBPROCESS_PIP and "FakePip" in scripted.identity
