"""Resolving for the Lambda target: pip's options and shim, credentials, hash pins, fallbacks, pure wheels."""

from __future__ import annotations

import ast
import hashlib
import os
import platform
import shutil
import sys
from types import SimpleNamespace

import pytest

from aws_lambda_builders.workflows.python_pip.compat import pip_tag_check_shim, pip_target_environment_shim
from aws_lambda_builders.workflows.python_pip.exceptions import (
    HashMismatchError,
    MissingDependencyError,
    NoSuchPackageError,
    PackageDownloadError,
)
from aws_lambda_builders.workflows.python_pip.packager import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.pip_output import download_error
from aws_lambda_builders.workflows.python_pip.pip_report import pip_report_shim
from aws_lambda_builders.workflows.python_pip.pip_runner import (
    PipRunner,
    SubprocessPip,
    redact_credentials,
    target_arguments,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from aws_lambda_builders.workflows.python_pip.utils import UI, Config
from tests.builders import make_wheel, tiny_elf

from .packager_helpers import build, contains_run, installed, make_builder
from .fake_pip import NOTHING_FOR_TARGET, FakePip, TargetlessFakePip, sdist, wheel

ARM_312 = LambdaTarget("python3.12", ARM64)
MACOS = "cp311-cp311-macosx_11_0_arm64"
MANYLINUX_X86 = "cp311-cp311-manylinux2014_x86_64"
TARGET_FLAGS = ("--platform", "--python-version", "--implementation", "--abi", "--prefer-binary")


def values_of(call, flag):
    return [call.args[i + 1] for i, arg in enumerate(call.args) if arg == flag]


def runner(pip):
    return PipRunner(sys.executable, pip)


def copy_of(path):
    """An artifact that writes exactly the bytes of a prepared file (make_wheel stamps the time)."""
    return lambda directory: shutil.copy(path, directory)


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def sha512_of(path):
    with open(path, "rb") as f:
        return hashlib.sha512(f.read()).hexdigest()


class RecordingUI(UI):
    def __init__(self):
        super().__init__()
        self.lines, self.warnings, self.missing = [], [], []

    def write(self, message):
        self.lines.append(message)

    def warning(self, message):
        self.warnings.append(message)

    def package_missing(self, identifier, reason):
        self.missing.append((identifier, reason))


# -- pip_runner: the target's options and shim --------------------------------------------------------

def test_download_for_a_target_passes_its_platforms_version_abi_and_prefers_binaries(tmp_path):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path), target=ARM_312)

    call = pip.calls[0]
    assert call.args[:6] == ["-r", "requirements.txt", "--dest", str(tmp_path), "--exists-action", "i"]
    assert values_of(call, "--platform") == ARM_312.platforms
    assert "manylinux2014_aarch64" in values_of(call, "--platform")
    assert not [p for p in values_of(call, "--platform") if p.endswith("x86_64")]
    assert values_of(call, "--python-version") == ["3.12"]
    assert values_of(call, "--implementation") == ["cp"]
    assert values_of(call, "--abi") == ["cp312"]
    assert "--prefer-binary" in call.args
    assert "--only-binary=:all:" not in call.args and "--no-deps" not in call.args


def test_download_for_a_target_runs_pip_with_the_targets_environment_shim(tmp_path):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path), target=ARM_312)

    assert pip.calls[0].shim == (pip_tag_check_shim + pip_target_environment_shim(ARM_312.marker_environment())
                                 + pip_report_shim)
    assert "'platform_machine': 'aarch64'" in pip.calls[0].shim
    assert "'python_version': '3.12'" in pip.calls[0].shim


def test_download_for_a_target_keeps_the_given_options(tmp_path):
    pip = FakePip().on_download_requirements()
    runner(pip).download_all_dependencies("req.txt", str(tmp_path), options=["--index-url", "https://i.example"],
                                          target=LambdaTarget("python3.9", X86_64))
    call = pip.calls[0]
    assert contains_run(call.args, ["--index-url", "https://i.example"])
    assert values_of(call, "--python-version") == ["3.9"]
    assert values_of(call, "--abi") == ["cp39"]
    assert "manylinux1_x86_64" in values_of(call, "--platform")


def test_download_without_a_target_is_the_upstream_command_line_without_target_shims(tmp_path):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path), options=["--pre"])

    assert pip.calls[0].argv == ["download", "-r", "requirements.txt", "--dest", str(tmp_path),
                                 "--exists-action", "i", "--pre"]
    assert pip.calls[0].shim == pip_report_shim  # only the one that has pip report what it chose


def test_target_arguments_list_each_platform_then_version_implementation_and_abi():
    target = LambdaTarget("python3.10", X86_64)
    expected = []
    for tag in target.platforms:
        expected += ["--platform", tag]
    expected += ["--python-version", "3.10", "--implementation", "cp", "--abi", "cp310"]
    assert target_arguments(target) == expected


def test_local_directory_is_built_with_build_options_while_download_gets_options(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    monkeypatch.chdir(tmp_path)
    pip = (FakePip()
           .on_download_requirements(stdout="Processing ./pkg\n")
           .on_wheel("pkg", wheel("pkg", "1.0")))

    built = runner(pip).download_all_dependencies(
        "requirements.txt", str(dest), options=["--index-url", "https://a.example"], target=ARM_312,
        build_options=["--index-url", "https://a.example", "--extra-index-url", "https://b.example"])

    download, build_call = pip.calls
    assert download.kind == "download-r" and build_call.kind == "wheel"
    assert contains_run(download.args, ["--index-url", "https://a.example"])
    assert "--extra-index-url" not in download.args
    assert build_call.args == ["--no-deps", "--wheel-dir", str(dest), str(tmp_path / "pkg"),
                               "--index-url", "https://a.example", "--extra-index-url", "https://b.example"]
    assert built == {str(tmp_path / "pkg"): ["pkg-1.0-py3-none-any.whl"]}


def test_local_directory_is_built_with_options_when_no_build_options_are_given(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    monkeypatch.chdir(tmp_path)
    pip = FakePip().on_download_requirements(stdout="Processing ./pkg\n").on_wheel("pkg", wheel("pkg", "1.0"))
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path), options=["--pre"])
    assert pip.calls_of("wheel")[0].args[-1] == "--pre"


def test_local_directory_is_built_with_empty_build_options_when_they_are_empty(tmp_path, monkeypatch):
    (tmp_path / "pkg").mkdir()
    monkeypatch.chdir(tmp_path)
    pip = FakePip().on_download_requirements(stdout="Processing ./pkg\n").on_wheel("pkg", wheel("pkg", "1.0"))
    runner(pip).download_all_dependencies("requirements.txt", str(tmp_path), options=["--pre"], build_options=[])
    assert pip.calls_of("wheel")[0].args == ["--no-deps", "--wheel-dir", str(tmp_path), str(tmp_path / "pkg")]


# -- compat: the environment shim, run for real ---------------------------------------------------------

@pytest.fixture
def restored_pip_internals(monkeypatch):
    """pip's marker environment and dist-restriction check, put back after the test whatever the shim did."""
    import pip._internal.cli.cmdoptions as cmdoptions
    from pip._vendor.packaging import markers

    monkeypatch.setattr(markers, "default_environment", markers.default_environment)
    monkeypatch.setattr(cmdoptions, "check_dist_restriction", cmdoptions.check_dist_restriction)
    return SimpleNamespace(markers=markers, cmdoptions=cmdoptions)


def run_shim(shim):
    namespace = {}
    exec("import pip", namespace)
    exec(compile(shim, "<pip_target_environment_shim>", "exec"), namespace)


@pytest.fixture
def restored_wheel_check(monkeypatch):
    from pip._internal.models.wheel import Wheel

    monkeypatch.setattr(Wheel, "supported", Wheel.supported)
    return Wheel


def test_tag_check_shim_gives_pips_answers_from_a_set_of_the_tags(restored_wheel_check):
    from pip._vendor.packaging.tags import Tag

    Wheel = restored_wheel_check
    tags = [Tag("cp312", "cp312", "manylinux_2_17_aarch64"), Tag("py3", "none", "any")]
    wheels = [Wheel(name) for name in ("foo-1.0-cp312-cp312-manylinux_2_17_aarch64.whl", "foo-1.0-py3-none-any.whl",
                                       "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "foo-1.0-cp311-none-any.whl")]
    before = [wheel.supported(tags) for wheel in wheels]

    run_shim(pip_tag_check_shim)

    assert Wheel.supported.__name__ == "_lambda_pip_supported"
    assert [wheel.supported(tags) for wheel in wheels] == before == [True, True, False, False]
    assert [wheel.supported(set(tags)) for wheel in wheels] == before
    tags.append(Tag("cp312", "cp312", "manylinux_2_17_x86_64"))  # a list changed since: its set is made again
    assert wheels[2].supported(tags) is True


def test_tag_check_shim_leaves_a_pip_whose_check_is_another_one_alone(restored_wheel_check):
    def supported(self, tags):
        return True

    restored_wheel_check.supported = supported
    run_shim(pip_tag_check_shim)

    assert restored_wheel_check.supported is supported


def test_shim_is_valid_python():
    shim = pip_target_environment_shim(ARM_312.marker_environment())
    ast.parse(shim)
    compile(shim, "<shim>", "exec")


def test_shim_makes_pip_evaluate_markers_in_the_targets_environment(restored_pip_internals):
    markers = restored_pip_internals.markers
    marker = markers.Marker('platform_machine == "aarch64" and python_version == "3.10"')
    host = (platform.machine(), "%d.%d" % sys.version_info[:2])
    if host != ("aarch64", "3.10"):
        assert marker.evaluate() is False

    target = LambdaTarget("python3.10", ARM64)
    run_shim(pip_target_environment_shim(target.marker_environment()))

    assert marker.evaluate() is True
    assert markers.Marker('sys_platform == "linux" and platform_system == "Linux"').evaluate() is True
    assert markers.Marker('python_version >= "3.11"').evaluate() is False
    assert markers.default_environment() == target.marker_environment()


def test_shim_environment_is_a_fresh_copy_each_time(restored_pip_internals):
    run_shim(pip_target_environment_shim(ARM_312.marker_environment()))
    environment = restored_pip_internals.markers.default_environment()
    environment["platform_machine"] = "changed"
    assert restored_pip_internals.markers.default_environment()["platform_machine"] == "aarch64"


def test_shim_lifts_pips_dist_restriction_check(restored_pip_internals):
    from pip._internal.exceptions import CommandError
    from pip._internal.models.format_control import FormatControl

    cmdoptions = restored_pip_internals.cmdoptions
    options = SimpleNamespace(python_version=(3, 12), platforms=["manylinux2014_aarch64"], abis=["cp312"],
                              implementation="cp", format_control=FormatControl(set(), set()),
                              ignore_dependencies=False, dry_run=False, target_dir=None)
    with pytest.raises(CommandError):
        cmdoptions.check_dist_restriction(options)

    run_shim(pip_target_environment_shim(ARM_312.marker_environment()))

    assert cmdoptions.check_dist_restriction(options) is None
    assert cmdoptions.check_dist_restriction(options, check_target=True) is None


def test_fixture_put_pip_back_after_the_shim_ran():
    # Runs after the tests above: their shim must not leak into this process's pip.
    from pip._vendor.packaging import markers

    assert markers.default_environment()["platform_machine"] == platform.machine()
    assert markers.default_environment()["python_version"] == "%d.%d" % sys.version_info[:2]


def test_real_pip_downloads_a_requirement_whose_marker_holds_only_on_the_target(tmp_path, monkeypatch,
                                                                                hermetic_pip):
    links = tmp_path / "links"
    links.mkdir()
    make_wheel(str(links), "armonly", "1.0")
    make_wheel(str(links), "hostonly", "1.0")
    requirements = tmp_path / "requirements.txt"
    host_machine = platform.machine()
    requirements.write_text(
        'armonly==1.0; platform_machine == "aarch64" and python_version == "3.12"\n'
        f'hostonly==1.0; platform_machine == "{host_machine}" and python_version == "%d.%d"\n'
        % sys.version_info[:2])
    dest = tmp_path / "dest"
    dest.mkdir()
    monkeypatch.chdir(tmp_path)
    pip_runner = PipRunner(sys.executable, SubprocessPip(python_exe=sys.executable))

    pip_runner.download_all_dependencies(str(requirements), str(dest),
                                         options=["--no-index", "--find-links", str(links)], target=ARM_312)

    assert sorted(os.listdir(dest)) == ["armonly-1.0-py3-none-any.whl"]


# -- redact_credentials and download_error ---------------------------------------------------------------

def test_redact_credentials_hides_user_and_password():
    assert redact_credentials("https://user:password@pypi.example/simple") == "https://****@pypi.example/simple"


def test_redact_credentials_hides_a_lone_token():
    assert redact_credentials("Looking in indexes: https://ghp_abc123@host.example/simple/") == \
        "Looking in indexes: https://****@host.example/simple/"


def test_redact_credentials_hides_every_url_in_a_text():
    text = ("Looking in indexes: https://u1:p1@a.example/simple, http://token2@b.example/simple\n"
            "ERROR: 401 for https://u3:p3@c.example/simple/foo/\n")
    redacted = redact_credentials(text)
    assert redacted == ("Looking in indexes: https://****@a.example/simple, http://****@b.example/simple\n"
                        "ERROR: 401 for https://****@c.example/simple/foo/\n")
    for secret in ("u1", "p1", "token2", "u3", "p3"):
        assert secret not in redacted


@pytest.mark.parametrize("text", [
    "https://pypi.org/simple/",
    "Looking in links: https://host.example/wheels/pkg@1.0/ and file:///tmp/links",
    "contact admin@example.com about https://host.example/simple",
    "git+https://github.com/org/repo.git@v1.0#egg=repo",
])
def test_redact_credentials_leaves_text_without_credentials_untouched(text):
    assert redact_credentials(text) == text


HASH_MISMATCH_STDERR = (
    "Collecting six==1.16.0 (from -r requirements.txt (line 1))\n"
    "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package "
    "versions, please update the hashes. Otherwise, examine the package contents carefully; someone may have "
    "tampered with them.\n"
    "    six==1.16.0 from https://host/six-1.16.0-py2.py3-none-any.whl#sha256=00:\n"
    "        Expected sha256 0000000000000000000000000000000000000000000000000000000000000000\n"
    "             Got        8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n"
)


def test_hash_mismatch_output_becomes_hash_mismatch_error_naming_the_package():
    error = download_error(HASH_MISMATCH_STDERR)
    assert isinstance(error, HashMismatchError)
    assert error.packages == ["six"]
    assert "six" in str(error)
    assert "DO NOT MATCH THE HASHES" in str(error)


def test_hash_mismatch_of_several_packages_names_each_once():
    stderr = HASH_MISMATCH_STDERR + (
        "    Foo.Bar==2.0 from https://host/Foo.Bar-2.0.tar.gz#sha256=11 (from -r requirements.txt (line 2)):\n"
        "        Expected sha256 11\n"
        "             Got        22\n"
        "    six==1.16.0 from https://mirror/six-1.16.0-py2.py3-none-any.whl#sha256=00:\n"
        "        Expected sha256 00\n"
        "             Got        33\n")
    assert download_error(stderr).packages == ["Foo.Bar", "six"]


def test_hash_mismatch_of_a_requirement_with_extras_names_the_package():
    # pip 26's output for `foo[bar]==1.0 --hash=...`: the resolver reports the base candidate.
    stderr = (
        "Processing ./foo-1.0-py3-none-any.whl (from foo[bar]==1.0->-r r.txt (line 1))\n"
        "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the "
        "package versions, please update the hashes. Otherwise, examine the package contents carefully; "
        "someone may have tampered with them.\n"
        "    foo==1.0 from file:///tmp/hm/foo-1.0-py3-none-any.whl (from foo[bar]==1.0->-r r.txt (line 1)):\n"
        "        Expected sha256 0000000000000000000000000000000000000000000000000000000000000000\n"
        "             Got        41b1d65527caaa89055c8738bb67b077bcba7db6b75fcac1dacdba01b831eb64\n")
    assert download_error(stderr).packages == ["foo"]


def test_hash_mismatch_error_hides_credentials_of_the_index():
    stderr = HASH_MISMATCH_STDERR.replace("https://host/", "https://user:s3cret@host/")
    error = download_error(stderr)
    assert isinstance(error, HashMismatchError)
    assert error.packages == ["six"]
    assert "s3cret" not in str(error)


def test_package_download_error_never_shows_credentials(tmp_path):
    stderr = ("Looking in indexes: https://user:s3cret@host.example/simple\n"
              "WARNING: Retrying after connection broken by 'ProtocolError': /simple/foo/\n"
              "ERROR: Could not install packages due to an OSError: HTTPSConnectionPool: "
              "https://user:s3cret@host.example/simple/foo/ failed\n")
    pip = FakePip().on_download_requirements(rc=1, stderr=stderr)
    with pytest.raises(PackageDownloadError) as raised:
        runner(pip).download_all_dependencies("requirements.txt", str(tmp_path))

    error = raised.value
    assert "s3cret" not in str(error)
    assert "s3cret" not in error.stderr
    assert "https://****@host.example/simple/foo/" in str(error)
    assert "Looking in indexes: https://****@host.example/simple" in error.stderr


def test_no_such_package_error_never_shows_credentials():
    error = download_error(
        "Looking in indexes: https://tok@host.example/simple\n"
        "ERROR: Could not find a version that satisfies the requirement foo==9 (from versions: none)\n"
        "ERROR: No matching distribution found for foo==9 at https://tok@host.example/simple\n")
    assert isinstance(error, NoSuchPackageError)
    assert error.package_name == "foo==9"
    assert "tok@" not in str(error)


# -- packager: hash pins hold for the step-3 download ---------------------------------------------------

@pytest.fixture
def prepared(tmp_path):
    """The two builds of foo 1.0 pip serves, written once so their hashes are known."""
    directory = tmp_path / "prepared"
    directory.mkdir()
    step1 = make_wheel(str(directory), "foo", "1.0", tag=MACOS,
                       files={"foo/__init__.py": b"BUILD = 'macos'\n"})
    step3 = make_wheel(str(directory), "foo", "1.0", tag=MANYLINUX_X86,
                       files={"foo/__init__.py": b"BUILD = 'manylinux'\n"})
    return SimpleNamespace(step1=step1, step3=step3, step1_hash=sha256_of(step1), step3_hash=sha256_of(step3))


def hash_pinned_pip(prepared):
    return (FakePip()
            .on_download_requirements(copy_of(prepared.step1))
            .on_download_binary("foo==1.0", copy_of(prepared.step3)))


def test_step_3_wheel_whose_hash_is_not_pinned_raises_hash_mismatch(paths, prepared):
    paths.requirements.write_text(f"foo==1.0 --hash=sha256:{prepared.step1_hash}\n")
    pip = hash_pinned_pip(prepared)

    with pytest.raises(HashMismatchError) as raised:
        build(make_builder(pip), paths)

    assert raised.value.packages == ["foo==1.0"]
    assert "foo==1.0" in str(raised.value)
    assert os.path.basename(prepared.step3) in str(raised.value)
    assert prepared.step3_hash in str(raised.value)
    assert [c.kind for c in pip.calls] == ["download-r", "download-binary"]
    assert os.listdir(paths.scratch) == []
    assert not paths.target.exists() or not os.listdir(paths.target)


def test_step_3_wheel_with_its_hash_pinned_is_installed(paths, prepared):
    paths.requirements.write_text(
        "foo==1.0 \\\n"
        f"    --hash=sha256:{prepared.step1_hash} \\\n"
        f"    --hash=sha256:{prepared.step3_hash}\n")
    build(make_builder(hash_pinned_pip(prepared)), paths)

    assert installed(paths) == ["foo", "foo-1.0.dist-info"]
    assert (paths.target / "foo" / "__init__.py").read_text() == "BUILD = 'manylinux'\n"
    assert os.listdir(paths.scratch) == []


def test_hash_pins_match_the_step_3_wheel_by_normalized_name(paths, tmp_path):
    directory = tmp_path / "prepared-foo-bar"
    directory.mkdir()
    step1 = make_wheel(str(directory), "foo_bar", "2.0", tag=MACOS)
    step3 = make_wheel(str(directory), "foo_bar", "2.0", tag=MANYLINUX_X86)
    paths.requirements.write_text(
        f"Foo.Bar==2.0 --hash=sha256:{sha256_of(step1)} --hash=sha256:{sha256_of(step3)}\n")
    pip = (FakePip()
           .on_download_requirements(copy_of(step1))
           .on_download_binary("foo-bar==2.0", copy_of(step3)))

    build(make_builder(pip), paths)

    assert installed(paths) == ["foo_bar", "foo_bar-2.0.dist-info"]


def test_without_hash_pins_the_step_3_wheel_is_not_checked(paths, prepared):
    paths.requirements.write_text("foo==1.0\n")
    build(make_builder(hash_pinned_pip(prepared)), paths)
    assert (paths.target / "foo" / "__init__.py").read_text() == "BUILD = 'manylinux'\n"


def test_step_3_wheel_pinned_with_sha512_is_installed(paths, prepared):
    # pip accepts sha256, sha384 and sha512 pins; the later passes must too.
    digests = [sha512_of(p) for p in (prepared.step1, prepared.step3)]
    paths.requirements.write_text("foo==1.0 " + " ".join(f"--hash=sha512:{d}" for d in digests) + "\n")

    build(make_builder(hash_pinned_pip(prepared)), paths)

    assert (paths.target / "foo" / "__init__.py").read_text() == "BUILD = 'manylinux'\n"


def test_step_3_wheel_is_held_to_hash_pins_of_a_constraints_file(paths, prepared):
    # pip holds the first download to the --hash pins of a -c file; the step-3 download must be too.
    (paths.root / "constraints.txt").write_text(f"foo==1.0 --hash=sha256:{prepared.step1_hash}\n")
    paths.requirements.write_text("-c constraints.txt\nfoo==1.0\n")

    with pytest.raises(HashMismatchError) as raised:
        build(make_builder(hash_pinned_pip(prepared)), paths)

    assert raised.value.packages == ["foo==1.0"]
    assert os.listdir(paths.scratch) == []


# -- packager: the requirements file's options reach the later passes ---------------------------------------

def options_pip():
    return (FakePip()
            .on_download_requirements(wheel("foo", "1.0", tag=MACOS), sdist("bar", "2.0"))
            .on_download_binary("foo==1.0", wheel("foo", "1.0", tag=MANYLINUX_X86))
            .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0")))


def test_requirements_file_index_options_reach_step_3_and_the_sdist_builds(paths):
    paths.requirements.write_text("--extra-index-url https://private.example/simple\nfoo\nbar\n")
    pip = options_pip()

    build(make_builder(pip), paths)

    private = ["--extra-index-url", "https://private.example/simple"]
    first, *later = pip.calls
    assert first.kind == "download-r" and first.value_after("-r") == paths.req
    assert "--extra-index-url" not in first.args  # pip reads the file itself
    assert {c.kind for c in later} == {"download-binary", "wheel"}
    # bar's sdist came from the target's resolution: pip is not asked for a wheel of it again.
    assert [c.requirements for c in pip.calls_of("download-binary")] == [["foo==1.0"]]
    for call in later:
        assert contains_run(call.args, private), call.argv
    assert installed(paths) == ["bar", "bar-2.0.dist-info", "foo", "foo-1.0.dist-info"]


def test_config_options_go_everywhere_and_file_options_only_to_later_passes(paths):
    paths.requirements.write_text("--extra-index-url https://private.example/simple\n--pre\nfoo\nbar\n")
    pip = options_pip()

    build(make_builder(pip), paths, config=Config(index_url="https://corp.example/simple"))

    corp = ["--index-url", "https://corp.example/simple"]
    first, *later = pip.calls
    assert contains_run(first.args, corp)
    assert "--pre" not in first.args
    for call in later:
        assert contains_run(call.args, corp + ["--extra-index-url", "https://private.example/simple", "--pre"]), \
            call.argv


def test_included_files_find_links_reaches_later_passes_as_an_absolute_path(paths, monkeypatch, tmp_path):
    (paths.root / "wheels").mkdir()
    (paths.root / "index.txt").write_text("-f ./wheels\n")
    paths.requirements.write_text("-r index.txt\nfoo\nbar\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    pip = options_pip()

    build(make_builder(pip), paths)

    for call in pip.calls[1:]:
        assert contains_run(call.args, ["--find-links", str(paths.root / "wheels")]), call.argv
    assert "--find-links" not in pip.calls[0].args


# -- packager: falling back to the host's resolution ---------------------------------------------------------

def test_nothing_for_the_target_resolves_again_on_this_machine_and_goes_on(paths):
    pip = (TargetlessFakePip()
           .on_download_requirements(sdist("foo", "1.0"))
           .on_wheel("foo-1.0.tar.gz", wheel("foo", "1.0")))
    ui = RecordingUI()

    build(make_builder(pip, runtime="python3.12", architecture=ARM64), paths, ui=ui)

    first, second = pip.calls_of("download-r")
    assert values_of(first, "--platform") == ARM_312.platforms
    assert first.shim
    assert second.value_after("-r") == paths.req
    for flag in TARGET_FLAGS:
        assert flag not in second.args
    assert second.shim == pip_report_shim
    assert installed(paths) == ["foo", "foo-1.0.dist-info"]  # the stray file of the first call is gone
    assert any("foo" in w and "resolving on this machine" in w for w in ui.warnings), ui.warnings
    assert os.listdir(paths.scratch) == []


def test_fallback_keeps_the_config_options(paths):
    pip = TargetlessFakePip().on_download_requirements(wheel("foo", "1.0"))
    build(make_builder(pip), paths, config=Config(index_url="https://corp.example/simple"))

    for call in pip.calls_of("download-r"):
        assert contains_run(call.args, ["--index-url", "https://corp.example/simple"])
    assert installed(paths) == ["foo", "foo-1.0.dist-info"]


def test_fallback_that_also_finds_nothing_raises_no_such_package_and_cleans_up(paths):
    pip = FakePip().on_download_requirements(rc=1, stderr=NOTHING_FOR_TARGET)

    with pytest.raises(NoSuchPackageError) as raised:
        build(make_builder(pip), paths)

    assert raised.value.package_name == "foo"
    assert len(pip.calls_of("download-r")) == 2
    assert os.listdir(paths.scratch) == []


def test_other_download_failures_are_not_retried_without_the_target(paths):
    pip = FakePip().on_download_requirements(rc=1, stderr="ERROR: Could not install packages: disk full\n")

    with pytest.raises(PackageDownloadError):
        build(make_builder(pip), paths)

    # Tried again with build isolation only (the first resolution prepares metadata without it), and never
    # resolved on this machine instead.
    assert ["--no-build-isolation" in call.args for call in pip.calls] == [True, False]
    assert all("--platform" in call.args for call in pip.calls)


# -- packager: wheels that claim a platform but hold no compiled code -------------------------------------------

def test_linux_wheel_without_compiled_code_is_installed_as_pure_and_one_with_a_so_is_missing(paths):
    paths.requirements.write_text("foo\nbar\n")
    pip = (FakePip()
           .on_download_requirements(sdist("foo", "1.0"), sdist("bar", "1.0"))
           .on_wheel("foo-1.0.tar.gz", wheel("foo", "1.0", tag="cp311-cp311-linux_x86_64"))
           .on_wheel("bar-1.0.tar.gz", wheel("bar", "1.0", tag="cp311-cp311-linux_x86_64", files={
               "bar/__init__.py": b"",
               "bar/_speedups.cpython-311-x86_64-linux-gnu.so": tiny_elf("x86_64")})))
    ui = RecordingUI()

    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip, runtime="python3.12", architecture=ARM64), paths, ui=ui,
              config=Config(allow_missing=True))

    assert [str(getattr(p, "identifier", p)) for p in raised.value.missing] == ["bar==1.0"]
    assert installed(paths) == ["foo", "foo-1.0.dist-info"]
    wheel_file = (paths.target / "foo-1.0.dist-info" / "WHEEL").read_text()
    assert "Tag: py3-none-any" in wheel_file and "linux_x86_64" not in wheel_file
    notes = [line for line in ui.lines if "holds no compiled code" in line]
    assert notes == ["foo-1.0-cp311-cp311-linux_x86_64.whl holds no compiled code: "
                     "installed as foo-1.0-py3-none-any.whl"]
    assert [identifier for identifier, _ in ui.missing] == ["bar==1.0"]
    assert os.listdir(paths.scratch) == []


def test_index_wheel_with_a_manylinux_tag_is_never_retagged(paths):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0", tag="cp311-cp311-manylinux2014_x86_64"))
    ui = RecordingUI()

    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip, runtime="python3.12", architecture=ARM64), paths, ui=ui,
              config=Config(allow_missing=True))

    assert [str(getattr(p, "identifier", p)) for p in raised.value.missing] == ["foo==1.0"]
    assert not [line for line in ui.lines if "holds no compiled code" in line]
