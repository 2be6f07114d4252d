"""The packager's nine steps, run against a scripted pip that writes real wheels and sdists."""

from __future__ import annotations

import os
import subprocess
import sys
from unittest import mock

import pytest

from aws_lambda_builders.workflows.python_pip import exceptions as exceptions_module
from aws_lambda_builders.workflows.python_pip import packager
from aws_lambda_builders.workflows.python_pip.exceptions import MissingPipError
from aws_lambda_builders.workflows.python_pip.packager import (
    ARM64,
    STEPS,
    X86_64,
    DependencyBuilder,
    InvalidPathError,
    InvalidWheelError,
    MissingDependencyError,
    NoSuchPackageError,
    Package,
    PackageDownloadError,
    PackagerError,
    PythonPipDependencyBuilder,
    RequirementsFileNotFoundError,
    UnsupportedArchitectureError,
    UnsupportedPackageError,
    UnsupportedPythonVersion,
    get_lambda_abi,
    path_argument,
)
from aws_lambda_builders.workflows.python_pip.pip_runner import PipRunner
from aws_lambda_builders.workflows.python_pip.utils import UI, Config, OSUtils
from tests.builders import make_sdist, make_wheel, tiny_elf

from .packager_helpers import (BUILD_STDERR, LinesUI, RecordingUI, build, contains_run, events_by_step, installed,
                              make_builder, scripted_host, work_dir)
from .fake_pip import FakePip, TargetlessFakePip, index_entry, sdist, wheel

# Install what can be and then raise, as aws-lambda-builders does (the default leaves the target alone).
LENIENT = Config(allow_missing=True)
MANYLINUX_X86 = "cp311-cp311-manylinux2014_x86_64"
MANYLINUX_ARM = "cp311-cp311-manylinux2014_aarch64"
MACOS = "cp311-cp311-macosx_11_0_arm64"


def arch_file(arch, package="foo"):
    """A package whose ``_arch.py`` says which build of it was installed."""
    return {f"{package}/__init__.py": b"", f"{package}/_arch.py": f"ARCH = {arch!r}\n".encode()}


# -- 1. steps 1 and 2: the closure of pure wheels -------------------------------

def test_pure_wheel_closure_is_installed_with_dist_info_and_modules(paths):
    pip = FakePip().on_download_requirements(
        wheel("foo", "1.0", requires=("foo-bar",)), wheel("foo-bar", "2.0"))
    build(make_builder(pip), paths)

    assert installed(paths) == ["foo", "foo-1.0.dist-info", "foo_bar", "foo_bar-2.0.dist-info"]
    assert (paths.target / "foo" / "__init__.py").read_text() == "NAME = 'foo'\n"
    assert (paths.target / "foo_bar" / "__init__.py").read_text() == "NAME = 'foo-bar'\n"
    assert (paths.target / "foo-1.0.dist-info" / "METADATA").is_file()
    assert (paths.target / "foo-1.0.dist-info" / "RECORD").is_file()
    imported = subprocess.run(
        [sys.executable, "-c", "import foo, foo_bar; print(foo.NAME, foo_bar.NAME)"],
        cwd=str(paths.target), capture_output=True, text=True)
    assert imported.stdout.strip() == "foo foo-bar", imported.stderr
    # compatible from the start: no second download, nothing built
    assert [c.kind for c in pip.calls] == ["download-r"]


def test_scratch_directory_is_empty_after_a_successful_build(paths):
    (paths.scratch / "users-file.txt").write_text("keep me")
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    build(make_builder(pip), paths)

    assert os.listdir(paths.scratch) == ["users-file.txt"]
    assert work_dir(pip).startswith(str(paths.scratch))
    assert not os.path.exists(work_dir(pip))


def test_pips_temporary_files_go_into_the_builds_scratch_directory_and_leave_with_it(paths):
    pip = (FakePip().on_download_requirements(wheel("foo", "1.0"), sdist("bar", "2.0"))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0")))
    builder = make_builder(pip)
    build(builder, paths)

    temp_dirs = {call.env_vars["TMPDIR"] for call in pip.calls}
    assert len(temp_dirs) == 1 and [c.kind for c in pip.calls] == ["download-r", "wheel"]
    temp_dir = temp_dirs.pop()
    assert os.path.dirname(os.path.dirname(temp_dir)) == str(paths.scratch)
    assert os.path.basename(os.path.dirname(temp_dir)).startswith(f"lambda-pip-build-{os.getpid()}-")
    assert os.listdir(paths.scratch) == []
    assert builder._pip.temp_dir is None, "pip's temporary files go back to the system's after the build"


def test_what_killed_builds_left_in_the_scratch_directory_is_removed(paths):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    (paths.scratch / f"lambda-pip-build-{ended.pid}-0123456789ab" / "tmp" / "pip-unpack-x").mkdir(parents=True)
    (paths.scratch / "users-file.txt").write_text("keep me")
    build(make_builder(FakePip().on_download_requirements(wheel("foo", "1.0"))), paths)

    assert os.listdir(paths.scratch) == ["users-file.txt"]


def test_scratch_directory_is_empty_after_package_download_error(paths):
    pip = FakePip().on_download_requirements(
        wheel("foo", "1.0"), rc=1, stderr="Looking in indexes: x\nERROR: network is down\n")
    with pytest.raises(PackageDownloadError) as raised:
        build(make_builder(pip), paths)

    assert "ERROR: network is down" in str(raised.value)
    assert os.listdir(paths.scratch) == []


def test_scratch_directory_is_empty_after_missing_dependency_error(paths):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0", tag=MACOS))
    with pytest.raises(MissingDependencyError):
        build(make_builder(pip), paths)

    assert os.listdir(paths.scratch) == []


def test_scratch_directory_is_empty_after_no_such_package_error(paths):
    pip = FakePip().on_download_requirements(
        rc=1, stderr="ERROR: Could not find a version that satisfies the requirement nope==1 (from versions: none)\n")
    with pytest.raises(NoSuchPackageError) as raised:
        build(make_builder(pip), paths)
    assert raised.value.package_name == "nope==1"
    assert os.listdir(paths.scratch) == []


def test_scratch_directory_is_empty_after_unreadable_sdist(paths):
    pip = FakePip().on_download_requirements(sdist("odd", "1.0", files={"README": "no metadata"}, pkg_info=False))
    with pytest.raises(UnsupportedPackageError) as raised:
        build(make_builder(pip), paths)
    assert str(raised.value) == "Unable to retrieve name/version for package: odd-1.0"
    assert os.listdir(paths.scratch) == []


def test_an_sdist_pip_reported_is_known_by_the_name_and_version_pip_gave_without_reading_it_again(paths):
    # pip's report names the release: the sdist's own metadata (here none at all) is not read.
    pip = (FakePip()
           .on_download_requirements(sdist("odd", "1.0", files={"README": "no metadata"}, pkg_info=False),
                                     report=[index_entry("Odd_Name", "1.0.0", filename="odd-1.0.tar.gz")])
           .on_wheel("odd-1.0.tar.gz", wheel("odd_name", "1.0.0")))
    build(make_builder(pip), paths)

    assert installed(paths) == ["odd_name", "odd_name-1.0.0.dist-info"]


def test_tampered_wheel_is_refused_and_scratch_emptied(paths):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0", tamper="foo/__init__.py"))
    with pytest.raises(InvalidWheelError) as raised:
        build(make_builder(pip), paths)
    assert "foo-1.0-py3-none-any.whl" in str(raised.value)
    assert os.listdir(paths.scratch) == []


def test_scratch_directory_that_does_not_exist_is_created_and_emptied(paths, tmp_path):
    paths.scratch = tmp_path / "new" / "scratch"
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    build(make_builder(pip), paths)

    assert os.listdir(paths.scratch) == []
    assert installed(paths) == ["foo", "foo-1.0.dist-info"]


def test_target_directory_is_replaced_not_merged(paths):
    paths.target.mkdir()
    (paths.target / "stale.py").write_text("")
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    build(make_builder(pip), paths)

    assert installed(paths) == ["foo", "foo-1.0.dist-info"]


# -- 2. step 3: a compatible wheel for an incompatible one ----------------------

def test_incompatible_wheel_is_replaced_by_compatible_download_for_arm64(paths):
    pip = (FakePip()
           .on_download_requirements(wheel("foo", "1.0", tag=MANYLINUX_X86, files=arch_file("x86_64")))
           .on_download_binary("foo==1.0", wheel("foo", "1.0", tag=MANYLINUX_ARM, files=arch_file("aarch64"))))
    builder = make_builder(pip, architecture=ARM64)
    build(builder, paths)

    assert (paths.target / "foo" / "_arch.py").read_text() == "ARCH = 'aarch64'\n"
    wheel_meta = (paths.target / "foo-1.0.dist-info" / "WHEEL").read_text()
    assert "Tag: cp311-cp311-manylinux2014_aarch64" in wheel_meta

    directory = work_dir(pip)
    platform_args = []
    for platform in builder.compatible_platforms:
        platform_args += ["--platform", platform]
    assert len(pip.calls) == 2
    assert pip.calls[1].argv == (
        ["download", "--only-binary=:all:", "--no-deps"] + platform_args
        + ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--dest", directory, "foo==1.0"]
    )


def test_macosx_wheel_is_replaced_by_manylinux_download_for_x86_64(paths):
    pip = (FakePip()
           .on_download_requirements(wheel("foo", "1.0", tag=MACOS, files=arch_file("mac")))
           .on_download_binary("foo==1.0", wheel("foo", "1.0", tag=MANYLINUX_X86, files=arch_file("x86_64"))))
    build(make_builder(pip), paths)

    assert (paths.target / "foo" / "_arch.py").read_text() == "ARCH = 'x86_64'\n"
    assert pip.calls[1].target == "foo==1.0"
    assert "--platform" in pip.calls[1].args and "macosx_11_0_arm64" not in pip.calls[1].args


@pytest.mark.parametrize("runtime,tag,needs_second_download", [
    ("python3.11", "cp38-abi3-manylinux2014_x86_64", False),
    ("python3.11", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", False),
    ("python3.11", "cp311-cp311-manylinux_2_28_x86_64", True),   # glibc 2.28 > 2.26
    ("python3.12", "cp312-cp312-manylinux_2_28_x86_64", False),  # glibc 2.34 runtime
    ("python3.12", "cp311-cp311-manylinux2014_x86_64", True),    # wrong Python
    ("python3.11", "py2-none-any", True),
    ("python3.11", "cp311-cp311-musllinux_1_1_x86_64", True),
])
def test_wheel_compatibility_decides_whether_step_3_asks_again(paths, runtime, tag, needs_second_download):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0", tag=tag))
    abi = get_lambda_abi(runtime)
    pip.on_download_binary("foo==1.0", wheel("foo", "1.0", tag=f"{abi}-{abi}-manylinux2014_x86_64"))
    build(make_builder(pip, runtime=runtime), paths)

    binary = pip.calls_of("download-binary")
    assert len(binary) == (1 if needs_second_download else 0)
    if binary:
        assert binary[0].value_after("--abi") == abi
    assert installed(paths) == ["foo", "foo-1.0.dist-info"]


# -- 3. step 4: building an sdist -------------------------------------------------

def test_sdist_is_built_with_pip_wheel_and_its_wheel_installed(paths):
    pip = (FakePip()
           .on_download_requirements(sdist("bar", "2.0"))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0")))
    build(make_builder(pip), paths)

    directory = work_dir(pip)
    builds = pip.calls_of("wheel")
    assert len(builds) == 1
    own_dir = builds[0].output_dir
    assert os.path.dirname(own_dir) == directory  # a fresh sub-directory of the work directory
    assert builds[0].argv == ["wheel", "--no-deps", "--wheel-dir", own_dir,
                              os.path.join(directory, "bar-2.0.tar.gz")]
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]


def test_sdist_with_a_compatible_binary_download_after_host_fallback_is_not_built(paths):
    pip = (TargetlessFakePip()
           .on_download_requirements(sdist("bar", "2.0"))
           .on_download_binary("bar==2.0", wheel("bar", "2.0", tag=MANYLINUX_X86)))
    build(make_builder(pip), paths)

    assert [c.requirements for c in pip.calls_of("download-binary")] == [["bar==2.0"]]
    assert pip.calls_of("wheel") == []
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]


def test_sdist_chosen_by_the_targets_resolution_is_built_without_asking_pip_again(paths):
    # pip already looked for a wheel for the target of bar 2.0 in step 1: step 3 has nothing to ask.
    pip = (FakePip()
           .on_download_requirements(sdist("bar", "2.0"))
           .on_download_binary("bar==2.0", wheel("bar", "2.0", tag=MANYLINUX_X86))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0")))
    build(make_builder(pip), paths)

    assert [c.kind for c in pip.calls] == ["download-r", "wheel"]
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]
    assert (paths.target / "bar-2.0.dist-info" / "WHEEL").read_text().count("Tag: py3-none-any") == 1


def test_incompatible_wheel_of_the_targets_resolution_is_still_asked_for_but_not_its_sdists(paths):
    paths.requirements.write_text("foo\nbar\n")
    pip = (FakePip()
           .on_download_requirements(wheel("foo", "1.0", tag=MACOS), sdist("bar", "2.0"))
           .on_download_binary("foo==1.0", wheel("foo", "1.0", tag=MANYLINUX_X86))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0")))
    build(make_builder(pip), paths)

    assert [c.requirements for c in pip.calls_of("download-binary")] == [["foo==1.0"]]
    assert installed(paths) == ["bar", "bar-2.0.dist-info", "foo", "foo-1.0.dist-info"]


def test_after_host_fallback_step_3_asks_for_every_sdist_and_wheel_in_one_call(paths):
    paths.requirements.write_text("foo\nbar\nqux\n")
    pip = (TargetlessFakePip()
           .on_download_requirements(wheel("foo", "1.0", tag=MACOS), sdist("bar", "2.0"), sdist("qux", "3.0"))
           .on_download_binary("foo==1.0", wheel("foo", "1.0", tag=MANYLINUX_X86))
           .on_download_binary("bar==2.0", wheel("bar", "2.0", tag=MANYLINUX_X86))
           .on_download_binary("qux==3.0", wheel("qux", "3.0", tag=MANYLINUX_X86)))
    ui = RecordingUI()
    build(make_builder(pip), paths, ui=ui)

    assert [c.requirements for c in pip.calls_of("download-binary")] == [["bar==2.0", "foo==1.0", "qux==3.0"]]
    assert pip.calls_of("wheel") == []
    assert [e[2] for e in events_by_step(ui.events)
            if e[:2] == ("download-compatible-wheels", "package_downloaded")] == [
        "bar-2.0-cp311-cp311-manylinux2014_x86_64.whl",
        "foo-1.0-cp311-cp311-manylinux2014_x86_64.whl",
        "qux-3.0-cp311-cp311-manylinux2014_x86_64.whl",
    ]
    assert installed(paths) == ["bar", "bar-2.0.dist-info", "foo", "foo-1.0.dist-info", "qux", "qux-3.0.dist-info"]


def test_after_host_fallback_a_failed_batch_is_asked_again_package_by_package(paths):
    paths.requirements.write_text("bar\nqux\n")
    pip = (TargetlessFakePip()
           .on_download_requirements(sdist("bar", "2.0"), sdist("qux", "3.0"))
           .on_download_binary("qux==3.0", wheel("qux", "3.0", tag=MANYLINUX_X86))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0")))
    build(make_builder(pip), paths)

    assert [c.requirements for c in pip.calls_of("download-binary")] == [
        ["bar==2.0", "qux==3.0"], ["bar==2.0"], ["qux==3.0"]]
    assert [c.target for c in pip.calls_of("wheel")] == [os.path.join(work_dir(pip), "bar-2.0.tar.gz")]
    assert installed(paths) == ["bar", "bar-2.0.dist-info", "qux", "qux-3.0.dist-info"]


@pytest.mark.parametrize("fmt", ["zip", "tar.bz2"])
def test_zip_and_bz2_sdists_are_built_and_installed(paths, fmt):
    pip = (FakePip()
           .on_download_requirements(sdist("bar", "2.0", fmt=fmt))
           .on_wheel(f"bar-2.0.{fmt}", wheel("bar", "2.0")))
    build(make_builder(pip), paths)
    assert pip.calls_of("wheel")[0].target.endswith(f"bar-2.0.{fmt}")
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]


def test_sdist_without_pkg_info_is_named_by_its_setup_py(paths):
    pip = (TargetlessFakePip()
           .on_download_requirements(sdist("bar", "2.0", pkg_info=False))
           .on_download_binary("bar==2.0", wheel("bar", "2.0", tag=MANYLINUX_X86)))
    build(make_builder(pip), paths)
    assert pip.calls_of("download-binary")[0].target == "bar==2.0"
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]


# -- 4. step 5: rebuilding without a C compiler ----------------------------------

def test_sdist_with_optional_c_falls_back_to_pure_wheel(paths):
    pip = (FakePip()
           .on_download_requirements(sdist("bar", "2.0"))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0", tag="cp311-cp311-linux_x86_64",
                                             files=arch_file("x86_64", "bar")))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0", files=arch_file("pure", "bar")),
                     env={"CC": "/var/false"}))
    build(make_builder(pip, architecture=ARM64), paths)

    assert (paths.target / "bar" / "_arch.py").read_text() == "ARCH = 'pure'\n"
    assert "Tag: py3-none-any" in (paths.target / "bar-2.0.dist-info" / "WHEEL").read_text()
    first, second = pip.calls_of("wheel")
    assert (first.env_vars or {}).get("CC") != "/var/false"
    assert second.env_vars["CC"] == "/var/false"
    assert "PIP_NO_CACHE_DIR" in second.env_vars
    assert second.target == first.target == os.path.join(work_dir(pip), "bar-2.0.tar.gz")


COMPILED_BAR = {"bar/__init__.py": b"", "bar/_c.cpython-311-x86_64-linux-gnu.so": tiny_elf("x86_64")}


def test_sdist_whose_both_builds_are_incompatible_or_fail_is_missing_with_reason(paths):
    pip = (FakePip()
           .on_download_requirements(sdist("bar", "2.0"))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0", tag="cp311-cp311-linux_x86_64", files=COMPILED_BAR))
           .on_wheel("bar-2.0.tar.gz", rc=1, stderr="ERROR: bar needs a C compiler\n", env={"CC": "/var/false"}))
    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip, architecture=ARM64), paths)
    message = raised.value.hint
    assert "bar==2.0" in message
    assert "found only bar-2.0-cp311-cp311-linux_x86_64.whl" in message
    assert "ERROR: bar needs a C compiler" in message
    assert len(pip.calls_of("wheel")) == 2


# -- 5. step 6: the allowlist ----------------------------------------------------

def test_incompatible_sqlalchemy_wheel_is_installed_anyway(paths):
    pip = FakePip().on_download_requirements(wheel("SQLAlchemy", "2.0.0", tag=MACOS))
    build(make_builder(pip), paths)

    assert installed(paths) == ["SQLAlchemy", "SQLAlchemy-2.0.0.dist-info"]


def test_incompatible_wheel_not_on_allowlist_is_not_installed(paths):
    pip = FakePip().on_download_requirements(wheel("notalchemy", "1.0", tag=MACOS))
    with pytest.raises(MissingDependencyError):
        build(make_builder(pip), paths, config=LENIENT)
    assert installed(paths) == []


# -- 6. step 7: naming what is missing --------------------------------------------

def test_missing_dependencies_are_named_after_the_rest_is_installed(paths):
    pip = (FakePip()
           .on_download_requirements(wheel("foo", "1.0"), sdist("bar", "2.0"), wheel("Baz", "3.0", tag=MACOS))
           .on_wheel("bar-2.0.tar.gz", rc=1, stderr=BUILD_STDERR))
    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip), paths, config=LENIENT)
    error = raised.value

    assert installed(paths) == ["foo", "foo-1.0.dist-info"]
    missing = list(error.missing)
    assert all(isinstance(p, Package) for p in missing)
    assert sorted(p.identifier for p in missing) == ["bar==2.0", "baz==3.0"]
    assert str(error) == str(error.missing)  # aws-lambda-builders' text; the reasons are in the hint
    message = error.hint
    assert "bar==2.0" in message and "baz==3.0" in message
    assert "found only Baz-3.0-cp311-cp311-macosx_11_0_arm64.whl" in message
    assert "bar-2.0.tar.gz" in message
    assert "ERROR: Failed building wheel for bar" in message
    assert set(error.reasons) == {"bar==2.0", "baz==3.0"}
    assert "ERROR: Failed building wheel for bar" in error.reasons["bar==2.0"]
    assert "foo==1.0" not in message


# -- 7. step 8: installing a wheel's .data ----------------------------------------

DATA_FILES = {
    "{name}/__init__.py": b"",
    "{data}/purelib/pure_mod.py": b"PURE = 1\n",
    "{data}/platlib/plat_mod.py": b"PLAT = 1\n",
    "{data}/scripts/a-script": b"#!python\nprint('hi')\n",
    "{data}/headers/a.h": b"int x;\n",
    "{data}/data/share/a.txt": b"data\n",
}


@pytest.mark.parametrize("name", ["foo", "Foo_Bar", "zope.interface", "foo-bar"])
def test_purelib_and_platlib_of_data_dir_land_at_root_and_nothing_else(paths, name):
    dist = name.replace("-", "_")
    files = {path.replace("{name}", dist): data for path, data in DATA_FILES.items()}
    pip = FakePip().on_download_requirements(wheel(name, "1.0", files=files))
    build(make_builder(pip), paths)

    assert installed(paths) == sorted([dist, f"{dist}-1.0.dist-info", "plat_mod.py", "pure_mod.py"])
    assert (paths.target / "pure_mod.py").read_text() == "PURE = 1\n"
    assert (paths.target / "plat_mod.py").read_text() == "PLAT = 1\n"
    everything = [os.path.relpath(os.path.join(d, f), paths.target)
                  for d, _, fs in os.walk(paths.target) for f in fs]
    assert not any(p.endswith(("a-script", "a.h", "a.txt")) for p in everything)
    assert not any(".data" in p for p in everything)


def renamed_wheel(name, version, new_filename, **kwargs):
    """A wheel made for ``name`` but saved under ``new_filename`` (as indexes now normalize them)."""
    def write(directory):
        path = make_wheel(directory, name, version, **kwargs)
        new_path = os.path.join(directory, new_filename)
        os.rename(path, new_path)
        return new_path
    return write


def test_wheel_with_normalized_file_name_and_capitalized_data_dir_gets_its_data_installed(paths):
    files = {"Foo_Bar/__init__.py": b"", "{data}/purelib/pure_mod.py": b"PURE = 1\n"}
    pip = FakePip().on_download_requirements(
        renamed_wheel("Foo_Bar", "1.0", "foo_bar-1.0-py3-none-any.whl", files=files))
    build(make_builder(pip), paths)

    assert (paths.target / "Foo_Bar" / "__init__.py").is_file()
    assert (paths.target / "pure_mod.py").read_text() == "PURE = 1\n"
    assert not any(".data" in entry for entry in installed(paths))


# -- 8. Config reaches every pip call --------------------------------------------

def sdist_needing_every_call():
    """An sdist to build and a wheel for another platform, for which step 3 asks pip."""
    return (FakePip()
            .on_download_requirements(sdist("bar", "2.0"), wheel("baz", "3.0", tag=MACOS))
            .on_download_binary("baz==3.0", wheel("baz", "3.0", tag=MANYLINUX_X86))
            .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0")))


def test_config_options_reach_every_pip_call(paths):
    config = Config(index_url="https://index.example/simple",
                    extra_index_urls=["https://extra.example/simple", "https://more.example/simple"],
                    find_links=["/wheels"], trusted_hosts=["index.example"], extra_pip_args=["--pre"])
    options = ["--index-url", "https://index.example/simple",
               "--extra-index-url", "https://extra.example/simple",
               "--extra-index-url", "https://more.example/simple",
               "--find-links", "/wheels", "--trusted-host", "index.example", "--pre"]
    assert config.pip_options() == options
    pip = sdist_needing_every_call()
    build(make_builder(pip), paths, config=config)

    assert [c.kind for c in pip.calls] == ["download-r", "download-binary", "wheel"]
    for call in pip.calls:
        assert contains_run(call.args, options), call.argv
    assert installed(paths) == ["bar", "bar-2.0.dist-info", "baz", "baz-3.0.dist-info"]


@pytest.mark.parametrize("config", [None, Config()])
def test_default_config_adds_no_pip_options(paths, config):
    pip = sdist_needing_every_call()
    builder = make_builder(pip)
    build(builder, paths, config=config)

    directory = work_dir(pip)
    platform_args = []
    for platform in builder.compatible_platforms:
        platform_args += ["--platform", platform]
    target_args = platform_args + ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"]
    build_dir = pip.calls_of("wheel")[0].output_dir
    assert os.path.dirname(build_dir) == directory
    assert [c.argv for c in pip.calls] == [
        # The resolution prepares metadata without build isolation (see test_build_isolation).
        ["download", "-r", paths.req, "--dest", directory, "--exists-action", "i", "--no-build-isolation"]
        + target_args + ["--prefer-binary"],
        ["download", "--only-binary=:all:", "--no-deps"] + platform_args
        + ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--dest", directory, "baz==3.0"],
        ["wheel", "--no-deps", "--wheel-dir", build_dir, os.path.join(directory, "bar-2.0.tar.gz")],
    ]


# -- 9. UI -------------------------------------------------------------------------

def test_ui_receives_every_step_and_package_event(paths):
    pip = (FakePip()
           .on_download_requirements(wheel("foo", "1.0"), sdist("bar", "2.0"),
                                     wheel("baz", "3.0", tag=MACOS), wheel("qux", "4.0", tag=MACOS))
           .on_download_binary("qux==4.0", wheel("qux", "4.0", tag=MANYLINUX_X86))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0")))
    ui = RecordingUI()
    with pytest.raises(MissingDependencyError):
        build(make_builder(pip), paths, ui=ui, config=LENIENT)

    assert STEPS == ("download", "sort", "download-compatible-wheels", "build-sdists",
                     "build-sdists-without-c", "allowlist", "find-missing", "install", "clean-up")
    step_events = [e for e in ui.events if e[0].startswith("step_")]
    expected = []
    for step in STEPS:
        expected += [("step_started", step), ("step_finished", step)]
    assert step_events == expected

    others = events_by_step(ui.events)
    assert [e for e in others if e[1] == "package_downloaded"] == [
        ("download", "package_downloaded", "bar-2.0.tar.gz"),
        ("download", "package_downloaded", "baz-3.0-cp311-cp311-macosx_11_0_arm64.whl"),
        ("download", "package_downloaded", "foo-1.0-py3-none-any.whl"),
        ("download", "package_downloaded", "qux-4.0-cp311-cp311-macosx_11_0_arm64.whl"),
        ("download-compatible-wheels", "package_downloaded", "qux-4.0-cp311-cp311-manylinux2014_x86_64.whl"),
    ]
    assert [e for e in others if e[1] == "package_built"] == [
        ("build-sdists", "package_built", "bar-2.0.tar.gz", "bar-2.0-py3-none-any.whl")]
    assert [e for e in others if e[1] == "package_installed"] == [
        ("install", "package_installed", "bar-2.0-py3-none-any.whl"),
        ("install", "package_installed", "foo-1.0-py3-none-any.whl"),
        ("install", "package_installed", "qux-4.0-cp311-cp311-manylinux2014_x86_64.whl"),
    ]
    missing = [e for e in others if e[1] == "package_missing"]
    assert len(missing) == 1
    assert missing[0][:3] == ("find-missing", "package_missing", "baz==3.0")
    assert "found only baz-3.0-cp311-cp311-macosx_11_0_arm64.whl" in missing[0][3]


# -- 10. the requirements file ------------------------------------------------------

def test_missing_requirements_file_raises(paths, tmp_path):
    paths.req = str(tmp_path / "nope.txt")
    pip = FakePip()
    with pytest.raises(RequirementsFileNotFoundError) as raised:
        build(make_builder(pip), paths)
    assert raised.value.requirements_path == paths.req
    assert paths.req in str(raised.value)
    assert pip.calls == []


def test_requirements_with_only_comments_and_blanks_make_no_pip_call(paths):
    with open(paths.req, "w") as f:
        f.write("# nothing here\n\n   \n    # indented comment\n")
    pip = FakePip()
    build(make_builder(pip), paths)
    assert pip.calls == []
    assert os.listdir(paths.scratch) == []


# -- 11. PythonPipDependencyBuilder --------------------------------------------------

def test_facade_without_dependency_builder_builds_one_for_runtime_and_python():
    facade = PythonPipDependencyBuilder("python3.12", sys.executable, architecture=ARM64)
    builder = facade._dependency_builder
    assert isinstance(builder, DependencyBuilder)
    assert builder.runtime == "python3.12"
    assert builder.python_exe == sys.executable
    assert builder.architecture == ARM64
    assert "manylinux_2_34_aarch64" in builder.compatible_platforms


def test_facade_without_python_exe_uses_the_running_interpreter():
    facade = PythonPipDependencyBuilder(runtime="python3.11", python_exe=None)
    assert facade._dependency_builder.python_exe == sys.executable
    assert facade._dependency_builder.runtime == "python3.11"
    assert facade._dependency_builder.architecture == X86_64


def test_facade_passes_paths_to_build_site_packages_in_upstream_order():
    dependency_builder = mock.Mock()
    facade = PythonPipDependencyBuilder("python3.11", sys.executable, dependency_builder=dependency_builder)
    facade.build_dependencies("artifacts", "scratch", "requirements.txt")
    dependency_builder.build_site_packages.assert_called_once_with("requirements.txt", "artifacts", "scratch")


def test_facade_passes_ui_and_config_through():
    dependency_builder = mock.Mock()
    ui, config = UI(), Config(index_url="https://i.example")
    facade = PythonPipDependencyBuilder("python3.11", sys.executable, dependency_builder=dependency_builder)
    facade.build_dependencies("artifacts", "scratch", "requirements.txt", ui=ui, config=config)
    dependency_builder.build_site_packages.assert_called_once_with(
        "requirements.txt", "artifacts", "scratch", ui=ui, config=config)


def test_facade_builds_end_to_end_with_a_scripted_pip(paths):
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    facade = PythonPipDependencyBuilder("python3.11", sys.executable,
                                        dependency_builder=make_builder(pip))
    facade.build_dependencies(str(paths.target), str(paths.scratch), paths.req)
    assert installed(paths) == ["foo", "foo-1.0.dist-info"]


# -- 12. runtimes, architectures, exceptions -----------------------------------------

@pytest.mark.parametrize("runtime,abi", [
    ("python3.8", "cp38"), ("python3.9", "cp39"), ("python3.10", "cp310"), ("python3.11", "cp311"),
    ("python3.12", "cp312"), ("python3.13", "cp313"), ("python3.14", "cp314"),
])
def test_get_lambda_abi(runtime, abi):
    assert get_lambda_abi(runtime) == abi


@pytest.mark.parametrize("runtime", ["python2.7", "python3.7", "foo"])
def test_get_lambda_abi_rejects_unsupported_runtimes(runtime):
    with pytest.raises(UnsupportedPythonVersion) as raised:
        get_lambda_abi(runtime)
    assert runtime in str(raised.value)


def test_dependency_builder_rejects_unsupported_runtime():
    with pytest.raises(UnsupportedPythonVersion):
        make_builder(FakePip(), runtime="python3.7")


def test_dependency_builder_rejects_unknown_architecture():
    with pytest.raises(UnsupportedArchitectureError) as raised:
        make_builder(FakePip(), architecture="mips")
    assert "mips" in str(raised.value)


def test_every_packager_exception_is_a_packager_error():
    names = [n for n in packager.__all__ if n.endswith(("Error", "Version"))]
    classes = [getattr(packager, n) for n in names] + [MissingPipError, UnsupportedPackageError]
    classes += [v for v in vars(exceptions_module).values()
                if isinstance(v, type) and issubclass(v, Exception) and v.__module__ == exceptions_module.__name__]
    assert len(names) >= 11
    for cls in classes:
        assert issubclass(cls, PackagerError), cls


# -- 13. compatible platforms ----------------------------------------------------------

def test_compatible_platforms_for_python311_x86_64():
    platforms = make_builder(FakePip(), "python3.11", X86_64).compatible_platforms
    for tag in ("manylinux_2_24_x86_64", "manylinux_2_26_x86_64", "manylinux1_x86_64", "manylinux2014_x86_64"):
        assert tag in platforms
    assert "manylinux_2_27_x86_64" not in platforms
    assert "manylinux_2_28_x86_64" not in platforms
    assert not any("aarch64" in p for p in platforms)


def test_compatible_platforms_for_python312_arm64():
    platforms = make_builder(FakePip(), "python3.12", ARM64).compatible_platforms
    assert "manylinux_2_34_aarch64" in platforms
    assert "manylinux2014_aarch64" in platforms
    assert "manylinux_2_35_aarch64" not in platforms
    assert not any("x86_64" in p for p in platforms)


# -- 14. Package -------------------------------------------------------------------------

def test_package_of_wheel_normalizes_name(tmp_path):
    path = make_wheel(str(tmp_path), "Foo_Bar", "1.0")
    package = Package(str(tmp_path), os.path.basename(path))
    assert package.name == "foo-bar"
    assert package.version == "1.0"
    assert package.identifier == "foo-bar==1.0"
    assert package.dist_type == "wheel"


def test_package_of_sdist_reads_name_from_metadata(tmp_path):
    path = make_sdist(str(tmp_path), "Foo.Bar", "1.0")
    package = Package(str(tmp_path), os.path.basename(path), sys.executable)
    assert package.name == "foo-bar"
    assert package.identifier == "foo-bar==1.0"
    assert package.dist_type == "sdist"


def test_sdist_and_wheel_of_a_release_are_equal(tmp_path):
    sdist_package = Package(str(tmp_path), os.path.basename(make_sdist(str(tmp_path), "Foo.Bar", "1.0")))
    wheel_package = Package(str(tmp_path), os.path.basename(make_wheel(str(tmp_path), "foo_bar", "1.0")))
    other_version = Package(str(tmp_path), os.path.basename(make_wheel(str(tmp_path), "foo_bar", "1.1")))
    assert sdist_package == wheel_package
    assert hash(sdist_package) == hash(wheel_package)
    assert len({sdist_package, wheel_package}) == 1
    assert sdist_package != other_version
    assert {sdist_package} - {wheel_package} == set()


def test_package_data_dir_is_spelled_as_inside_the_wheel(tmp_path):
    path = make_wheel(str(tmp_path), "Foo_Bar", "1.0", files={"{data}/purelib/x.py": b""})
    assert Package(str(tmp_path), os.path.basename(path)).data_dir == "Foo_Bar-1.0.data"
    # a wheel renamed to the normalized file name still reports the spelling it holds
    renamed = os.path.join(str(tmp_path), "foo_bar-1.0-py3-none-any.whl")
    os.rename(path, renamed)
    assert Package(str(tmp_path), "foo_bar-1.0-py3-none-any.whl").data_dir == "Foo_Bar-1.0.data"


# -- 15. local projects: built by pip, never looked up on the index ------------------

def test_local_project_that_pip_cannot_build_is_named_missing(paths, tmp_path, monkeypatch):
    (tmp_path / "badpkg").mkdir()
    monkeypatch.chdir(tmp_path)
    pip = (FakePip()
           .on_download_requirements(wheel("six", "1.16.0"), stdout="Processing ./badpkg\n")
           .on_wheel(str(tmp_path / "badpkg"), rc=1, stderr="ERROR: Failed building wheel for badpkg\n"))

    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip), paths, config=LENIENT)

    assert [m.identifier for m in raised.value.missing] == [str(tmp_path / "badpkg")]
    assert "could not build the local project" in raised.value.hint
    assert installed(paths) == ["six", "six-1.16.0.dist-info"]


def test_local_project_is_never_looked_up_on_the_index(paths, tmp_path, monkeypatch):
    (tmp_path / "mine").mkdir()
    monkeypatch.chdir(tmp_path)
    pip = (FakePip()
           .on_download_requirements(stdout="Processing ./mine\n")
           .on_wheel(str(tmp_path / "mine"), wheel("mine", "1.0", tag=MANYLINUX_X86)))

    with pytest.raises(MissingDependencyError):
        build(make_builder(pip, architecture=ARM64), paths)

    assert pip.calls_of("download-binary") == []


# -- 16. what a build may replace -----------------------------------------------------

@pytest.mark.parametrize("inside", ["scratch", "requirements", "cwd"])
def test_output_that_holds_the_builds_own_inputs_is_refused(paths, tmp_path, monkeypatch, inside):
    from aws_lambda_builders.workflows.python_pip.exceptions import UnsafeOutputError

    scratch, requirements = str(paths.scratch), paths.req
    if inside == "cwd":
        monkeypatch.chdir(paths.scratch)
    output = {"scratch": str(paths.scratch.parent), "requirements": os.path.dirname(requirements),
              "cwd": str(paths.scratch)}[inside]
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))

    with pytest.raises(UnsafeOutputError) as raised:
        make_builder(pip).build_site_packages(requirements, output, scratch)

    assert output in str(raised.value)
    assert pip.calls == []
    assert os.path.isfile(requirements)


def test_requirements_without_packages_still_replace_the_output(paths):
    paths.target.mkdir()
    (paths.target / "stale.py").write_text("")
    with open(paths.req, "w") as f:
        f.write("# nothing\n")

    build(make_builder(FakePip()), paths)

    assert installed(paths) == []


# -- 17. deprecated runtimes ----------------------------------------------------------

def test_deprecated_runtime_is_built_with_a_warning(paths):
    ui = LinesUI()
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))
    build(make_builder(pip, runtime="python3.9"), paths, ui=ui)

    assert ui.warnings == ["python3.9 is deprecated by AWS Lambda; move to a newer runtime"]
    assert installed(paths) == ["foo", "foo-1.0.dist-info"]


# -- wheels built on this machine: their binaries decide, not their linux_<arch> tag ----------

def _native_files(glibc_version, machine="x86_64"):
    from tests.builders import elf_with_glibc_needs

    extension = elf_with_glibc_needs(machine, ["GLIBC_2.2.5", glibc_version])
    return {"native/__init__.py": b"", f"native/_c.cpython-311-{machine}-linux-gnu.so": extension}


def _locally_built(glibc_version, machine="x86_64"):
    return wheel("native", "1.0", tag=f"cp311-cp311-linux_{machine}", files=_native_files(glibc_version, machine))


def test_wheel_built_here_that_needs_a_newer_glibc_than_the_runtime_is_missing(paths):
    pip = (FakePip().on_download_requirements(sdist("native", "1.0"))
           .on_wheel("native-1.0.tar.gz", _locally_built("GLIBC_2.34")))

    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip, runtime="python3.11"), paths)

    assert [p.identifier for p in raised.value.missing] == ["native==1.0"]
    assert "needs GLIBC_2.34; python3.11 has glibc 2.26" in raised.value.hint
    assert "native/_c.cpython-311-x86_64-linux-gnu.so" in raised.value.hint


def test_wheel_built_here_within_the_runtimes_glibc_is_installed(paths):
    pip = (FakePip().on_download_requirements(sdist("native", "1.0"))
           .on_wheel("native-1.0.tar.gz", _locally_built("GLIBC_2.17")))

    build(make_builder(pip, runtime="python3.11"), paths)

    assert installed(paths) == ["native", "native-1.0.dist-info"]


def test_wheel_tagged_for_the_target_cpu_but_holding_another_cpus_binary_is_missing(paths):
    mislabeled = renamed_wheel("native", "1.0", "native-1.0-cp311-cp311-linux_aarch64.whl",
                               tag="cp311-cp311-linux_x86_64", files=_native_files("GLIBC_2.17", "x86_64"))
    pip = FakePip().on_download_requirements(sdist("native", "1.0")).on_wheel("native-1.0.tar.gz", mislabeled)

    with pytest.raises(MissingDependencyError) as raised:
        build(make_builder(pip, runtime="python3.11", architecture=ARM64), paths)

    assert "is built for x86_64; arm64 needs aarch64" in raised.value.hint


def test_wheel_built_here_without_compiled_code_is_installed_as_pure_python(paths):
    """pyrsistent 0.16.0 without a compiler: tagged cp311-cp311-linux_x86_64, holding only .py files."""
    pip = (FakePip()
           .on_download_requirements(sdist("pyrsistent", "0.16.0"))
           .on_wheel("pyrsistent-0.16.0.tar.gz", wheel("pyrsistent", "0.16.0", tag="cp311-cp311-linux_x86_64")))

    build(make_builder(pip, runtime="python3.12", architecture=ARM64), paths)

    assert installed(paths) == ["pyrsistent", "pyrsistent-0.16.0.dist-info"]
    wheel_metadata = (paths.target / "pyrsistent-0.16.0.dist-info" / "WHEEL").read_text()
    assert "Tag: py3-none-any" in wheel_metadata and "linux_x86_64" not in wheel_metadata


# -- atomic output ---------------------------------------------------------------------------

def test_missing_dependency_leaves_the_previous_bundle_as_it_was(paths):
    paths.target.mkdir()
    (paths.target / "previous.py").write_text("PREVIOUS = True\n")
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"), wheel("bar", "1.0", tag=MACOS))

    with pytest.raises(MissingDependencyError):
        build(make_builder(pip), paths)

    assert installed(paths) == ["previous.py"]
    assert (paths.target / "previous.py").read_text() == "PREVIOUS = True\n"
    assert sorted(os.listdir(paths.target.parent)) == ["requirements.txt", "scratch", "target"]


def test_pip_failure_leaves_the_previous_bundle_and_no_staging_directory(paths):
    paths.target.mkdir()
    (paths.target / "previous.py").write_text("")
    pip = FakePip().on_download_requirements(rc=1, stderr="ERROR: something broke\n")

    with pytest.raises(PackageDownloadError):
        build(make_builder(pip), paths)

    assert installed(paths) == ["previous.py"]
    assert sorted(os.listdir(paths.target.parent)) == ["requirements.txt", "scratch", "target"]
    assert os.listdir(paths.scratch) == []


def test_successful_build_replaces_the_previous_bundle_whole(paths):
    paths.target.mkdir()
    (paths.target / "previous.py").write_text("")
    pip = FakePip().on_download_requirements(wheel("foo", "1.0"))

    build(make_builder(pip), paths)

    assert installed(paths) == ["foo", "foo-1.0.dist-info"]
    assert sorted(os.listdir(paths.target.parent)) == ["requirements.txt", "scratch", "target"]


# -- path arguments -------------------------------------------------------------------------


class _BytesPath:
    def __fspath__(self):
        return b"out"


class _NoPath:
    def __fspath__(self):
        return 3


def test_a_path_argument_is_a_str_or_a_path_like_object_giving_one(tmp_path):
    assert path_argument("target_directory", "out") == "out"
    assert path_argument("target_directory", tmp_path) == str(tmp_path)


@pytest.mark.parametrize("value", [None, 3, b"out", _BytesPath(), _NoPath()])
def test_a_path_argument_that_is_no_str_path_is_refused_naming_the_argument(value):
    # bytes were returned as they were, and os.path refused to mix them with str deep inside the build
    with pytest.raises(InvalidPathError) as raised:
        path_argument("target_directory", value)

    assert raised.value.argument == "target_directory"
    assert isinstance(raised.value, TypeError)


def test_a_bytes_path_is_refused_before_anything_is_built(tmp_path):
    (tmp_path / "requirements.txt").write_text("foo\n")
    builder = PythonPipDependencyBuilder("python3.12", python_exe=None)

    with pytest.raises(InvalidPathError, match="target_directory must be a path"):
        builder.build_dependencies(os.fsencode(tmp_path / "out"), str(tmp_path / "scratch"),
                                   str(tmp_path / "requirements.txt"))

    assert sorted(os.listdir(tmp_path)) == ["requirements.txt"]


# -- 18. what a build may ask of the machine beyond pip, and what it keeps ------------------

def test_sdists_are_built_by_pip_in_an_interpreter_of_the_targets_version_when_the_machine_has_one(paths):
    from aws_lambda_builders.workflows.python_pip.interpreters import Interpreter

    python312 = Interpreter("/opt/python3.12/bin/python3.12", (3, 12), "x86_64")
    pip = FakePip().on_download_requirements(sdist("bar", "2.0")).on_wheel(
        "bar-2.0.tar.gz", wheel("bar", "2.0", tag="cp312-cp312-linux_x86_64"))
    ui = LinesUI()
    build(make_builder(pip, runtime="python3.12", host=scripted_host("x86_64", interpreters=[python312])), paths,
          ui=ui)

    assert pip.pythons == [python312.path]
    assert f"building sdists with Python 3.12 at {python312.path}" in ui.lines
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]


def test_a_builder_that_may_ask_the_machine_nothing_builds_as_the_original(paths):
    """A build with a compiler is tried even for another CPU, and by no other interpreter."""
    from aws_lambda_builders.workflows.python_pip.host import nothing_known

    pip = (FakePip().on_download_requirements(sdist("bar", "2.0"))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0", tag="cp311-cp311-linux_x86_64"))
           .on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0"), env={"CC": "/var/false"}))
    builder = DependencyBuilder(OSUtils(), "python3.11", sys.executable, pip_runner=PipRunner(sys.executable, pip),
                                architecture=ARM64, host=nothing_known())
    build(builder, paths)

    assert [call.env_vars.get("CC") for call in pip.calls_of("wheel")] == [None, "/var/false"]
    assert pip.pythons == []
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]


def test_a_second_build_on_the_same_builder_knows_nothing_of_the_first(paths):
    """The first build's sdist built without a compiler (and failed) is built again in the second."""
    pip = FakePip().on_download_requirements(sdist("bar", "2.0")).on_wheel("bar-2.0.tar.gz", rc=1,
                                                                           stderr=BUILD_STDERR)
    builder = make_builder(pip, architecture=ARM64, host=scripted_host("x86_64"))
    with pytest.raises(MissingDependencyError) as first:
        build(builder, paths, config=Config(no_cache=True))
    assert "Failed building wheel for bar" in first.value.reasons["bar==2.0"]

    pip.rules = [rule for rule in pip.rules if rule.kind != "wheel"]
    pip.on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0"))
    build(builder, paths, config=Config(no_cache=True))

    assert len(pip.calls_of("wheel")) == 2, "built once in each build, without a compiler (another CPU)"
    assert installed(paths) == ["bar", "bar-2.0.dist-info"]


def test_with_allow_missing_what_the_cache_placed_is_still_known(paths):
    pip = (FakePip().on_download_requirements(wheel("foo", "1.0"), sdist("bar", "2.0"))
           .on_wheel("bar-2.0.tar.gz", rc=1, stderr=BUILD_STDERR))
    builder = make_builder(pip)
    with pytest.raises(MissingDependencyError):
        build(builder, paths, config=LENIENT)

    assert builder.placement is not None
    assert "foo/__init__.py" in builder.placement.files
    assert installed(paths) == ["foo", "foo-1.0.dist-info"]
