"""check_bundle: audit a bundle directory against a Lambda runtime and architecture."""

from __future__ import annotations

import json
import os
import struct

import pytest

from aws_lambda_builders.workflows.python_pip.bundle_check import (
    CheckReport,
    Problem,
    check_bundle,
)
from aws_lambda_builders.workflows.python_pip.lock_errors import LockFileError
from aws_lambda_builders.workflows.python_pip.requirements_file import read_requirements_file
from aws_lambda_builders.workflows.python_pip.wheel_install import install_wheel
from tests.builders import elf_with_glibc_needs, make_wheel, tiny_elf

ARM_EXT = elf_with_glibc_needs("aarch64", ["GLIBC_2.17"])
X86_EXT = elf_with_glibc_needs("x86_64", ["GLIBC_2.2.5", "GLIBC_2.14"])
MACHO = b"\xcf\xfa\xed\xfe" + bytes(60)


@pytest.fixture
def bundle(tmp_path):
    root = tmp_path / "bundle"
    root.mkdir()
    return root


def _put(root, relative, data):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def _install(root, tmp_path, name, version, tag="py3-none-any", files=None):
    wheels = tmp_path / "wheels"
    wheels.mkdir(exist_ok=True)
    install_wheel(make_wheel(str(wheels), name, version, tag=tag, files=files), str(root))


def _kinds(report):
    return sorted((p.kind, p.path) for p in report.problems)


def _requirements(tmp_path, text, name="requirements.txt"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- a clean bundle -----------------------------------------------------------------------------

def _clean_bundle(root, tmp_path):
    _put(root, "purepkg/__init__.py", "X = 1\n")
    _put(root, "pkg/__init__.py", "")
    _put(root, "pkg/_x.cpython-312-aarch64-linux-gnu.so", ARM_EXT)
    _put(root, "pkg/_stable.abi3.so", elf_with_glibc_needs("aarch64", ["GLIBC_2.17", "GLIBC_2.34"]))
    _install(root, tmp_path, "purepkg", "1.0")


def test_clean_bundle_for_its_target_is_ok(bundle, tmp_path):
    _clean_bundle(bundle, tmp_path)
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert report.problems == []
    assert report.ok is True
    assert report.shared_objects == 2
    assert report.distributions == 1
    assert (report.bundle, report.runtime, report.architecture) == (str(bundle), "python3.12", "arm64")


def test_empty_bundle_is_ok_with_nothing_counted(bundle):
    report = check_bundle(str(bundle), "python3.11", "x86_64")
    assert report.ok
    assert (report.shared_objects, report.distributions) == (0, 0)


def test_pure_python_files_are_not_counted_as_binaries(bundle):
    _put(bundle, "a/__init__.py", "")
    _put(bundle, "a/data.json", "{}")
    _put(bundle, "a/README", "x")
    assert check_bundle(str(bundle), "python3.12", "x86_64").shared_objects == 0


# --- ELF machine --------------------------------------------------------------------------------

def test_x86_64_shared_object_in_arm64_check_is_an_elf_machine_problem(bundle):
    _put(bundle, "pkg/_native.abi3.so", X86_EXT)
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert _kinds(report) == [("elf-machine", os.path.join("pkg", "_native.abi3.so"))]
    message = report.problems[0].message
    assert "x86_64" in message and "aarch64" in message and "arm64" in message
    assert report.ok is False


def test_aarch64_shared_object_in_x86_64_check_is_an_elf_machine_problem(bundle):
    _put(bundle, "libs/libz.so", ARM_EXT)
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert _kinds(report) == [("elf-machine", os.path.join("libs", "libz.so"))]
    assert "built for aarch64" in report.problems[0].message


def test_elf_machine_check_applies_to_header_only_elf(bundle):
    _put(bundle, "lib.so", tiny_elf("x86_64"))
    assert _kinds(check_bundle(str(bundle), "python3.13", "arm64")) == [("elf-machine", "lib.so")]
    assert check_bundle(str(bundle), "python3.13", "x86_64").ok


def test_elf_executable_without_so_name_is_checked_too(bundle):
    _put(bundle, "bin/tool", X86_EXT)
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert _kinds(report) == [("elf-machine", os.path.join("bin", "tool"))]
    assert report.shared_objects == 1


def test_versioned_shared_object_name_is_checked(bundle):
    _put(bundle, "pkg.libs/libfoo.so.1", X86_EXT)
    _put(bundle, "pkg.libs/libbar.so.1.2.3", elf_with_glibc_needs("aarch64", ["GLIBC_2.30"]))
    report = check_bundle(str(bundle), "python3.11", "arm64")
    assert report.shared_objects == 2
    assert _kinds(report) == [
        ("elf-machine", os.path.join("pkg.libs", "libfoo.so.1")),
        ("glibc", os.path.join("pkg.libs", "libbar.so.1.2.3")),
    ]


# --- glibc --------------------------------------------------------------------------------------

def test_glibc_2_28_is_too_new_for_python3_11(bundle):
    _put(bundle, "pkg/_x.abi3.so", elf_with_glibc_needs("x86_64", ["GLIBC_2.17", "GLIBC_2.28"]))
    report = check_bundle(str(bundle), "python3.11", "x86_64")
    assert _kinds(report) == [("glibc", os.path.join("pkg", "_x.abi3.so"))]
    message = report.problems[0].message
    assert "GLIBC_2.28" in message
    assert "python3.11" in message
    assert "2.26" in message


def test_glibc_2_28_is_fine_for_python3_12(bundle):
    _put(bundle, "pkg/_x.abi3.so", elf_with_glibc_needs("x86_64", ["GLIBC_2.17", "GLIBC_2.28"]))
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert report.ok
    assert report.shared_objects == 1


@pytest.mark.parametrize("runtime, ok", [("python3.8", True), ("python3.10", True), ("python3.13", True),
                                         ("python3.14", True)])
def test_glibc_2_26_is_the_limit_of_amazon_linux_2_runtimes(bundle, runtime, ok):
    _put(bundle, "lib.so", elf_with_glibc_needs("x86_64", ["GLIBC_2.26"]))
    assert check_bundle(str(bundle), runtime, "x86_64").ok is ok


@pytest.mark.parametrize("runtime", ["python3.12", "python3.13", "python3.14"])
def test_glibc_2_35_is_too_new_for_amazon_linux_2023_runtimes(bundle, runtime):
    _put(bundle, "lib.so", elf_with_glibc_needs("aarch64", ["GLIBC_2.35"]))
    report = check_bundle(str(bundle), runtime, "arm64")
    assert _kinds(report) == [("glibc", "lib.so")]
    assert "2.34" in report.problems[0].message


def test_glibcxx_versions_do_not_count_as_glibc(bundle):
    _put(bundle, "lib.so", elf_with_glibc_needs("x86_64", ["GLIBC_2.17", "GLIBCXX_3.4.30", "GCC_7.0.0"]))
    assert check_bundle(str(bundle), "python3.9", "x86_64").ok


def test_wrong_machine_and_too_new_glibc_are_both_reported(bundle):
    _put(bundle, "lib.so", elf_with_glibc_needs("x86_64", ["GLIBC_2.28"], elf_class=32, little_endian=False))
    report = check_bundle(str(bundle), "python3.10", "arm64")
    assert _kinds(report) == [("elf-machine", "lib.so"), ("glibc", "lib.so")]


# --- extension module names ---------------------------------------------------------------------

def test_extension_for_another_python_is_an_extension_problem(bundle):
    name = os.path.join("pkg", "_x.cpython-311-aarch64-linux-gnu.so")
    _put(bundle, name, ARM_EXT)
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert _kinds(report) == [("extension", name)]
    message = report.problems[0].message
    assert "cpython-311-aarch64-linux-gnu" in message
    assert "cpython-312-aarch64-linux-gnu" in message
    assert "abi3" in message


def test_extension_named_for_x86_64_in_arm64_check_is_an_extension_problem(bundle):
    name = os.path.join("pkg", "_x.cpython-312-x86_64-linux-gnu.so")
    _put(bundle, name, ARM_EXT)  # content is right, only the name is wrong
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert _kinds(report) == [("extension", name)]


def test_x86_64_extension_in_arm64_check_has_machine_and_extension_problems(bundle):
    name = os.path.join("pkg", "_x.cpython-312-x86_64-linux-gnu.so")
    _put(bundle, name, X86_EXT)
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert _kinds(report) == [("elf-machine", name), ("extension", name)]


def test_free_threaded_extension_is_an_extension_problem(bundle):
    name = os.path.join("pkg", "_x.cpython-313t-x86_64-linux-gnu.so")
    _put(bundle, name, X86_EXT)
    report = check_bundle(str(bundle), "python3.13", "x86_64")
    assert _kinds(report) == [("extension", name)]
    assert "cpython-313t-x86_64-linux-gnu" in report.problems[0].message


def test_musl_extension_is_an_extension_problem(bundle):
    name = os.path.join("pkg", "_x.cpython-312-x86_64-linux-musl.so")
    _put(bundle, name, X86_EXT)
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert _kinds(report) == [("extension", name)]
    assert "linux-musl" in report.problems[0].message


def test_matching_extension_and_abi3_are_ok_on_x86_64(bundle):
    _put(bundle, "pkg/_a.cpython-310-x86_64-linux-gnu.so", X86_EXT)
    _put(bundle, "pkg/_b.abi3.so", X86_EXT)
    _put(bundle, "pkg/_c.so", X86_EXT)
    report = check_bundle(str(bundle), "python3.10", "x86_64")
    assert report.ok
    assert report.shared_objects == 3


# --- foreign binaries ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["pkg/_x.cpython-312-darwin.so", "pkg/_x.cp312-win_amd64.pyd",
                                  "pkg/libfoo.dylib", "pkg/foo.dll"])
def test_macos_and_windows_binaries_by_name_are_foreign(bundle, name):
    _put(bundle, name, b"whatever is inside")
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert _kinds(report) == [("foreign-binary", os.path.join(*name.split("/")))]
    assert "macOS or Windows" in report.problems[0].message


@pytest.mark.parametrize("magic", [b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa\xcf"],
                         ids=["macho64", "macho32", "fat", "macho64-be"])
def test_mach_o_file_named_so_is_foreign(bundle, magic):
    _put(bundle, "pkg/_x.cpython-312-x86_64-linux-gnu.so", magic + bytes(60))
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert _kinds(report) == [("foreign-binary", os.path.join("pkg", "_x.cpython-312-x86_64-linux-gnu.so"))]
    assert report.shared_objects == 1


# --- files named like shared objects that are not ELF ------------------------------------------

@pytest.mark.parametrize("name", ["libfoo.so", "libfoo.so.1"])
def test_text_file_named_like_a_shared_object_is_flagged(bundle, name):
    _put(bundle, f"pkg/{name}", "INPUT(-lfoo)\n")
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.path == os.path.join("pkg", name)
    assert "not an ELF file" in problem.message


def test_corrupt_elf_is_reported_not_raised(bundle):
    data = bytearray(elf_with_glibc_needs("x86_64", ["GLIBC_2.17"]))
    shoff = struct.unpack_from("<Q", data, 40)[0]
    struct.pack_into("<Q", data, shoff + 2 * 64 + 24, len(data) + 4096)  # .gnu.version_r beyond EOF
    _put(bundle, "pkg/_x.abi3.so", bytes(data))
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert _kinds(report) == [("elf-machine", os.path.join("pkg", "_x.abi3.so"))]
    assert "cannot be read as ELF" in report.problems[0].message


def test_elf_truncated_in_its_header_is_reported(bundle):
    _put(bundle, "lib.so", elf_with_glibc_needs("x86_64", ["GLIBC_2.17"])[:30])
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert _kinds(report) == [("elf-machine", "lib.so")]
    assert "cannot be read as ELF" in report.problems[0].message


def test_symlinked_shared_object_is_not_checked_twice(bundle):
    _put(bundle, "pkg.libs/libfoo.so.1", X86_EXT)
    os.symlink("libfoo.so.1", bundle / "pkg.libs" / "libfoo.so")
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert report.shared_objects == 1
    assert _kinds(report) == [("elf-machine", os.path.join("pkg.libs", "libfoo.so.1"))]


# --- WHEEL tags of installed distributions ------------------------------------------------------

@pytest.mark.parametrize("tag", ["py3-none-any", "cp312-cp312-manylinux2014_aarch64",
                                 "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64",
                                 "cp39-abi3-manylinux_2_28_aarch64", "py2.py3-none-any"])
def test_wheel_tags_for_the_target_are_ok(bundle, tmp_path, tag):
    _install(bundle, tmp_path, "good", "1.0", tag=tag, files={"good/__init__.py": b""})
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert report.ok, report.problems
    assert report.distributions == 1


@pytest.mark.parametrize("tag", ["cp312-cp312-macosx_11_0_arm64", "cp312-cp312-musllinux_1_2_aarch64",
                                 "cp313-abi3-manylinux2014_aarch64", "cp312-cp312-manylinux2014_x86_64",
                                 "cp311-cp311-manylinux2014_aarch64", "cp312-cp312-win_arm64",
                                 "cp312-cp312-manylinux_2_35_aarch64"])
def test_wheel_tags_not_for_the_target_are_a_wheel_tags_problem(bundle, tmp_path, tag):
    _install(bundle, tmp_path, "bad", "2.0", tag=tag, files={"bad/__init__.py": b""})
    report = check_bundle(str(bundle), "python3.12", "arm64")
    assert _kinds(report) == [("wheel-tags", os.path.join("bad-2.0.dist-info", "WHEEL"))]
    message = report.problems[0].message
    assert tag.split("-")[-1].split(".")[0] in message
    assert "python3.12 on arm64" in message


def test_manylinux_2_28_wheel_is_a_problem_for_python3_11_only(bundle, tmp_path):
    _install(bundle, tmp_path, "new", "1.0", tag="cp311-abi3-manylinux_2_28_x86_64", files={"new/__init__.py": b""})
    assert _kinds(check_bundle(str(bundle), "python3.11", "x86_64")) == [
        ("wheel-tags", os.path.join("new-1.0.dist-info", "WHEEL"))]
    assert check_bundle(str(bundle), "python3.12", "x86_64").ok


def test_dist_info_without_wheel_file_is_counted_not_flagged(bundle):
    _put(bundle, "legacy-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: legacy\nVersion: 1.0\n")
    report = check_bundle(str(bundle), "python3.12", "x86_64")
    assert report.ok
    assert report.distributions == 1


def test_every_distribution_is_counted(bundle, tmp_path):
    for name in ("alpha", "beta", "gamma"):
        _install(bundle, tmp_path, name, "1.0")
    assert check_bundle(str(bundle), "python3.12", "x86_64").distributions == 3


# --- requirements -------------------------------------------------------------------------------

def test_requirement_without_dist_info_is_missing_and_names_file_and_line(bundle, tmp_path):
    _install(bundle, tmp_path, "requests", "2.31.0")
    requirements = _requirements(tmp_path, "requests==2.31.0\n\nattrs>=23\n")
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    assert _kinds(report) == [("missing-requirement", "")]
    message = report.problems[0].message
    assert "attrs>=23" in message
    assert "requirements.txt:3" in message
    assert "no dist-info" in message
    assert str(report.problems[0]) == message  # no path prefix for requirement problems


def test_requirement_names_match_after_canonicalisation(bundle, tmp_path):
    _install(bundle, tmp_path, "typing-extensions", "4.12.0")
    _install(bundle, tmp_path, "Zope.Interface", "6.0")
    requirements = _requirements(tmp_path, "Typing_Extensions==4.12.0\nzope-interface\n")
    assert check_bundle(str(bundle), "python3.12", "x86_64", requirements).ok


def test_marker_not_for_the_target_is_not_required(bundle, tmp_path):
    requirements = _requirements(tmp_path, 'uvloop; platform_machine == "x86_64"\n')
    assert check_bundle(str(bundle), "python3.12", "arm64", requirements).ok


def test_marker_for_the_target_is_required(bundle, tmp_path):
    requirements = _requirements(tmp_path, 'uvloop; platform_machine == "aarch64"\n')
    report = check_bundle(str(bundle), "python3.12", "arm64", requirements)
    assert _kinds(report) == [("missing-requirement", "")]
    assert "uvloop" in report.problems[0].message


def test_python_version_marker_is_evaluated_for_the_runtime(bundle, tmp_path):
    requirements = _requirements(tmp_path, 'tomli; python_version < "3.11"\n')
    assert check_bundle(str(bundle), "python3.12", "x86_64", requirements).ok
    report = check_bundle(str(bundle), "python3.10", "x86_64", requirements)
    assert [p.kind for p in report.problems] == ["missing-requirement"]
    assert "tomli" in report.problems[0].message


def test_platform_markers_are_evaluated_for_linux(bundle, tmp_path):
    requirements = _requirements(tmp_path, 'pywin32; sys_platform == "win32"\nappnope; platform_system == "Darwin"\n'
                                           'linuxonly; sys_platform == "linux"\n')
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    assert len(report.problems) == 1
    assert "linuxonly" in report.problems[0].message


def test_installed_version_not_satisfying_the_specifier_is_a_problem(bundle, tmp_path):
    _install(bundle, tmp_path, "attrs", "22.1.0")
    requirements = _requirements(tmp_path, "attrs>=23.1\n")
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    assert _kinds(report) == [("missing-requirement", "")]
    message = report.problems[0].message
    assert "22.1.0" in message
    assert "does not satisfy" in message
    assert "requirements.txt:1" in message


def test_installed_prerelease_satisfying_the_specifier_is_ok(bundle, tmp_path):
    _install(bundle, tmp_path, "attrs", "24.0rc1")
    requirements = _requirements(tmp_path, "attrs>=23.1\n")
    assert check_bundle(str(bundle), "python3.12", "x86_64", requirements).ok


def test_nested_requirements_are_followed_relative_to_the_including_file(bundle, tmp_path, monkeypatch):
    (tmp_path / "reqs").mkdir()
    _requirements(tmp_path, "# base\n\nsix\n", name="reqs/base.txt")
    requirements = _requirements(tmp_path, "-r base.txt\n", name="reqs/requirements.txt")
    monkeypatch.chdir(bundle)  # not relative to the working directory
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    assert _kinds(report) == [("missing-requirement", "")]
    assert "six" in report.problems[0].message
    assert "base.txt:3" in report.problems[0].message


def test_requirement_option_long_forms_are_followed(tmp_path):
    _requirements(tmp_path, "a\n", name="one.txt")
    _requirements(tmp_path, "b\n", name="two.txt")
    requirements = _requirements(tmp_path, "--requirement one.txt\n--requirement=two.txt\nc\n")
    assert [line.requirement for line in read_requirements_file(requirements).requirements] == ["a", "b", "c"]


def test_requirement_files_that_include_each_other_are_read_once(tmp_path):
    _requirements(tmp_path, "-r requirements.txt\nb\n", name="other.txt")
    requirements = _requirements(tmp_path, "a\n-r other.txt\n")
    assert [line.requirement for line in read_requirements_file(requirements).requirements] == ["a", "b"]


def test_option_lines_and_comments_are_ignored(bundle, tmp_path):
    _install(bundle, tmp_path, "six", "1.16.0")
    requirements = _requirements(tmp_path, "\n".join([
        "# a comment line",
        "-i https://pypi.example/simple",
        "--index-url https://pypi.example/simple",
        "--extra-index-url https://mirror.example/simple",
        "-f /wheels",
        "--find-links=/more-wheels",
        "--trusted-host pypi.example",
        "--only-binary=:all:",
        "six==1.16.0  # pinned for a reason",
        "",
    ]))
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    assert report.ok, report.problems
    assert [line.requirement for line in read_requirements_file(requirements).requirements] == ["six==1.16.0"]


def test_hash_suffix_on_the_same_line_is_ignored(bundle, tmp_path):
    _install(bundle, tmp_path, "six", "1.16.0")
    requirements = _requirements(tmp_path, "six==1.16.0 --hash=sha256:" + "a" * 64 + " --hash=sha256:" + "b" * 64
                                 + "\nattrs==23.1.0 --hash=sha256:" + "c" * 64 + "\n")
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    assert _kinds(report) == [("missing-requirement", "")]
    assert "attrs==23.1.0 (requirements.txt:2)" in report.problems[0].message
    assert "sha256" not in report.problems[0].message


def test_hashes_on_continuation_lines_are_ignored(bundle, tmp_path):
    """The pip-compile --generate-hashes layout: requirement, backslash, then indented --hash lines."""
    _install(bundle, tmp_path, "six", "1.16.0")
    requirements = _requirements(tmp_path, (
        "six==1.16.0 \\\n"
        "    --hash=sha256:" + "a" * 64 + " \\\n"
        "    --hash=sha256:" + "b" * 64 + "\n"
        "attrs==23.1.0 \\\n"
        "    --hash=sha256:" + "c" * 64 + "\n"
    ))
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    assert _kinds(report) == [("missing-requirement", "")]
    assert "attrs==23.1.0" in report.problems[0].message


def test_paths_and_urls_without_a_name_are_not_reported(bundle, tmp_path):
    requirements = _requirements(tmp_path, "./local/project\nhttps://example.com/x-1.0.tar.gz\n-e .\n")
    assert check_bundle(str(bundle), "python3.12", "x86_64", requirements).ok


def test_without_requirements_file_nothing_is_required(bundle):
    assert check_bundle(str(bundle), "python3.12", "x86_64").ok


# --- extras of requirements, followed into the installed METADATA -----------------------------

PSYCOPG_REQUIRES = (
    'backports.zoneinfo>=0.2.0; python_version < "3.9"',
    "typing-extensions>=4.4",
    'psycopg-binary==3.2.1; implementation_name != "pypy" and extra == "binary"',
    'psycopg-c==3.2.1; implementation_name != "pypy" and extra == "c"',
    'psycopg-pool; extra == "pool"',
)


def _dist_info(root, name, version, requires=(), tag="py3-none-any"):
    """A dist-info written by hand, as an installer leaves it: METADATA (Name, Version, Requires-Dist) and WHEEL."""
    directory = root / f"{name.replace('-', '_')}-{version}.dist-info"
    directory.mkdir(parents=True)
    (directory / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                        + "".join(f"Requires-Dist: {line}\n" for line in requires))
    (directory / "WHEEL").write_text(f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: {tag}\n")


def _messages(report):
    assert {p.kind for p in report.problems} <= {"missing-requirement"}
    return [p.message for p in report.problems]


def test_extra_dependency_without_dist_info_fails_the_check(bundle, tmp_path):
    """The bundle used to pass: psycopg is there, the psycopg-binary its extra needs is not."""
    _dist_info(bundle, "psycopg", "3.2.1", PSYCOPG_REQUIRES)
    requirements = _requirements(tmp_path, "psycopg[binary]>=3\n")
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    assert _messages(report) == [
        'psycopg[binary]>=3 (requirements.txt:1) needs psycopg-binary (its extra "binary"), '
        "which has no dist-info in the bundle"]
    assert report.problems[0].path == ""


def test_extra_dependencies_installed_pass_and_plain_or_other_extras_dependencies_are_not_asked_for(bundle, tmp_path):
    _dist_info(bundle, "psycopg", "3.2.1", PSYCOPG_REQUIRES)
    _dist_info(bundle, "psycopg-binary", "3.2.1", tag="cp312-cp312-manylinux_2_17_x86_64")
    requirements = _requirements(tmp_path, "psycopg[binary]>=3\n")
    report = check_bundle(str(bundle), "python3.12", "x86_64", requirements)
    # typing-extensions (plain), psycopg-c and psycopg-pool (other extras) have no dist-info either
    assert report.problems == []
    assert report.distributions == 2


def test_extra_dependency_at_a_version_its_specifier_refuses_is_a_problem(bundle, tmp_path):
    _dist_info(bundle, "psycopg", "3.2.1", PSYCOPG_REQUIRES)
    _dist_info(bundle, "psycopg-binary", "3.2.0")
    requirements = _requirements(tmp_path, "psycopg[binary,pool]\n")
    assert _messages(check_bundle(str(bundle), "python3.12", "x86_64", requirements)) == [
        'psycopg[binary,pool] (requirements.txt:1) needs psycopg-binary==3.2.1 (its extra "binary"), '
        "which is installed at 3.2.0",
        'psycopg[binary,pool] (requirements.txt:1) needs psycopg-pool (its extra "pool"), '
        "which has no dist-info in the bundle"]


def test_extra_names_and_requirement_names_are_matched_normalized(bundle, tmp_path):
    _dist_info(bundle, "Flask", "3.0.0", ['asgiref>=3.2; extra == "async"'])
    _dist_info(bundle, "asgiref", "3.8.1")
    assert check_bundle(str(bundle), "python3.12", "x86_64", _requirements(tmp_path, "flask[ASYNC]\n")).ok


def test_extras_of_an_extras_dependency_are_followed_recursively(bundle, tmp_path):
    _dist_info(bundle, "celery", "5.4.0", ["kombu<6.0,>=5.3.4", 'kombu[redis]; extra == "redis"'])
    _dist_info(bundle, "kombu", "5.4.2", ["vine==5.1.0", 'redis!=4.5.5,<6.0.0,>=4.5.2; extra == "redis"',
                                          'kombu[redis]; extra == "all"'])
    requirements = _requirements(tmp_path, "celery[redis]==5.4.0\n")
    assert _messages(check_bundle(str(bundle), "python3.12", "x86_64", requirements)) == [
        'celery[redis]==5.4.0 (requirements.txt:1) needs redis (kombu\'s extra "redis"), '
        "which has no dist-info in the bundle"]
    _dist_info(bundle, "redis", "5.0.8")
    assert check_bundle(str(bundle), "python3.12", "x86_64", requirements).ok


def test_an_extra_that_names_its_own_distributions_extras_ends(bundle, tmp_path):
    _dist_info(bundle, "kombu", "5.4.2", ['kombu[redis,all]; extra == "all"', 'redis>=4.5.2; extra == "redis"'])
    requirements = _requirements(tmp_path, "kombu[all]\n")
    assert _messages(check_bundle(str(bundle), "python3.12", "x86_64", requirements)) == [
        'kombu[all] (requirements.txt:1) needs redis (its extra "redis"), which has no dist-info in the bundle']


def test_extra_dependency_whose_marker_excludes_the_target_is_not_required(bundle, tmp_path):
    _dist_info(bundle, "fastparse", "1.0", ['simd-x86==2.0; platform_machine == "x86_64" and extra == "speed"',
                                            'cffi>=1.16; python_version < "3.12" and extra == "speed"'])
    requirements = _requirements(tmp_path, "fastparse[speed]\n")
    assert check_bundle(str(bundle), "python3.12", "arm64", requirements).ok
    assert _messages(check_bundle(str(bundle), "python3.12", "x86_64", requirements)) == [
        'fastparse[speed] (requirements.txt:1) needs simd-x86 (its extra "speed"), '
        "which has no dist-info in the bundle"]
    assert _messages(check_bundle(str(bundle), "python3.11", "arm64", requirements)) == [
        'fastparse[speed] (requirements.txt:1) needs cffi (its extra "speed"), which has no dist-info in the bundle']


def test_extras_of_a_requirement_missing_itself_are_not_reported_twice(bundle, tmp_path):
    requirements = _requirements(tmp_path, "psycopg[binary]>=3\n")
    assert _messages(check_bundle(str(bundle), "python3.12", "x86_64", requirements)) == [
        "psycopg[binary]>=3 (requirements.txt:1) has no dist-info in the bundle"]


# --- pyproject.toml and lock inputs -------------------------------------------------------------

PYPROJECT = """
[project]
name = "my-function"
version = "1.0"
dependencies = ["psycopg[binary]>=3", 'uvloop; platform_machine == "x86_64"']

[project.optional-dependencies]
yaml = ["pyyaml>=6"]

[dependency-groups]
dev = ["pytest"]
"""


def test_pyproject_requirements_with_extras_and_groups_are_checked(bundle, tmp_path):
    _dist_info(bundle, "psycopg", "3.2.1", PSYCOPG_REQUIRES)
    _dist_info(bundle, "pyyaml", "5.4")
    pyproject = _requirements(tmp_path, PYPROJECT, name="pyproject.toml")
    assert _messages(check_bundle(str(bundle), "python3.12", "arm64", pyproject, extras=["yaml"], groups=["dev"])) == [
        'psycopg[binary]>=3 (pyproject.toml) needs psycopg-binary (its extra "binary"), '
        "which has no dist-info in the bundle",
        "pyyaml>=6 (pyproject.toml) is installed at 5.4, which does not satisfy it",
        "pytest (pyproject.toml) has no dist-info in the bundle"]
    assert len(check_bundle(str(bundle), "python3.12", "arm64", pyproject).problems) == 1  # no extra, no group


def test_pyproject_extra_the_project_lacks_raises_lock_file_error(bundle, tmp_path):
    pyproject = _requirements(tmp_path, PYPROJECT, name="pyproject.toml")
    with pytest.raises(LockFileError, match="the project has no extra 'json' \\(it has: yaml\\)"):
        check_bundle(str(bundle), "python3.12", "arm64", pyproject, extras=["json"])


HASHES = "hashes = { sha256 = \"%s\" }" % ("a" * 64)
PYLOCK = f"""
lock-version = "1.0"
created-by = "tests"
requires-python = ">=3.10"
extras = ["yaml"]

[[packages]]
name = "orjson"
version = "3.10.0"
wheels = [{{ url = "https://files.example/orjson-3.10.0-cp312-cp312-manylinux_2_17_aarch64.whl", {HASHES} }}]

[[packages]]
name = "attrs"
version = "25.3.0"
wheels = [{{ url = "https://files.example/attrs-25.3.0-py3-none-any.whl", {HASHES} }}]

[[packages]]
name = "six"
version = "1.17.0"
wheels = [{{ url = "https://files.example/six-1.17.0-py2.py3-none-any.whl", {HASHES} }}]

[[packages]]
name = "uvloop"
version = "0.21.0"
marker = "platform_machine == 'x86_64'"
wheels = [{{ url = "https://files.example/uvloop-0.21.0-cp312-cp312-manylinux_2_17_x86_64.whl", {HASHES} }}]

[[packages]]
name = "pyyaml"
version = "6.0.2"
marker = "'yaml' in extras"
wheels = [{{ url = "https://files.example/PyYAML-6.0.2-cp312-cp312-manylinux_2_17_aarch64.whl", {HASHES} }}]

[[packages]]
name = "theirs"
vcs = {{ type = "git", url = "https://example.com/theirs.git", commit-id = "0123abcd" }}
"""


def _pylock_bundle(bundle, orjson="3.9.0", attrs=None):
    _dist_info(bundle, "orjson", orjson)
    _dist_info(bundle, "six", "1.17")  # the same release as 1.17.0
    _dist_info(bundle, "theirs", "0.1.dev3")  # a VCS release the lock gives no version: its name is enough
    if attrs:
        _dist_info(bundle, "attrs", attrs)


def test_pylock_release_missing_or_at_another_version_is_a_problem(bundle, tmp_path):
    _pylock_bundle(bundle)
    lock = _requirements(tmp_path, PYLOCK, name="pylock.toml")
    assert _messages(check_bundle(str(bundle), "python3.12", "arm64", lock)) == [
        "attrs==25.3.0 (pylock.toml) has no dist-info in the bundle",
        "orjson==3.10.0 (pylock.toml) is installed at 3.9.0, not the locked 3.10.0"]


def test_pylock_extras_and_markers_decide_what_the_bundle_needs(bundle, tmp_path):
    _pylock_bundle(bundle, orjson="3.10.0", attrs="25.3.0")
    lock = _requirements(tmp_path, PYLOCK, name="pylock.prod.toml")
    assert check_bundle(str(bundle), "python3.12", "arm64", lock).ok
    assert _messages(check_bundle(str(bundle), "python3.12", "arm64", lock, extras=["yaml"])) == [
        "pyyaml==6.0.2 (pylock.prod.toml) has no dist-info in the bundle"]
    assert _messages(check_bundle(str(bundle), "python3.12", "x86_64", lock)) == [
        "uvloop==0.21.0 (pylock.prod.toml) has no dist-info in the bundle"]


def test_input_format_tells_a_lock_of_another_name(bundle, tmp_path):
    _pylock_bundle(bundle)
    lock = _requirements(tmp_path, PYLOCK, name="locked.toml")
    report = check_bundle(str(bundle), "python3.12", "arm64", lock, input_format="pylock")
    assert len(report.problems) == 2
    assert report.problems[0].message == "attrs==25.3.0 (locked.toml) has no dist-info in the bundle"


UV_LOCK = """
version = 1
revision = 3
requires-python = ">=3.10"

[[package]]
name = "my-function"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "orjson" },
    { name = "requests", extra = ["socks"] },
    { name = "localpkg" },
]

[package.optional-dependencies]
fast = [
    { name = "six" },
]

[package.metadata]
requires-dist = [
    { name = "localpkg", directory = "libs/localpkg" },
    { name = "orjson" },
    { name = "requests", extras = ["socks"] },
    { name = "six", marker = "extra == 'fast'" },
]
provides-extras = ["fast"]

[[package]]
name = "localpkg"
version = "1.0"
source = { directory = "libs/localpkg" }

[[package]]
name = "orjson"
version = "3.10.0"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.example/orjson-3.10.0-cp312-cp312-manylinux_2_17_x86_64.whl", hash = "sha256:1111" },
]

[[package]]
name = "pysocks"
version = "1.7.1"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.example/PySocks-1.7.1-py3-none-any.whl", hash = "sha256:2222" },
]

[[package]]
name = "requests"
version = "2.32.5"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.example/requests-2.32.5-py3-none-any.whl", hash = "sha256:5555" },
]

[package.optional-dependencies]
socks = [
    { name = "pysocks" },
]

[[package]]
name = "six"
version = "1.17.0"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.example/six-1.17.0-py2.py3-none-any.whl", hash = "sha256:6666" },
]
"""


def test_uv_lock_release_missing_or_at_another_version_is_a_problem(bundle, tmp_path):
    _dist_info(bundle, "orjson", "3.9.0")
    _dist_info(bundle, "requests", "2.32.5")
    _dist_info(bundle, "localpkg", "1.0")
    lock = _requirements(tmp_path, UV_LOCK, name="uv.lock")
    assert _messages(check_bundle(str(bundle), "python3.12", "x86_64", lock)) == [
        "orjson==3.10.0 (uv.lock) is installed at 3.9.0, not the locked 3.10.0",
        "pysocks==1.7.1 (uv.lock) has no dist-info in the bundle"]
    assert _messages(check_bundle(str(bundle), "python3.12", "x86_64", lock, extras=["fast"]))[-1] == (
        "six==1.17.0 (uv.lock) has no dist-info in the bundle")


def test_uv_lock_unknown_extra_raises_lock_file_error(bundle, tmp_path):
    lock = _requirements(tmp_path, UV_LOCK, name="uv.lock")
    with pytest.raises(LockFileError, match="my-function has no extra gpu \\(the lock has: fast\\)"):
        check_bundle(str(bundle), "python3.12", "x86_64", lock, extras=["gpu"])


# --- the report ---------------------------------------------------------------------------------

def test_report_to_dict_is_json_serializable_and_not_ok_with_problems(bundle, tmp_path):
    _put(bundle, "pkg/_x.cpython-312-x86_64-linux-gnu.so", X86_EXT)
    _install(bundle, tmp_path, "pkg", "1.0")
    requirements = _requirements(tmp_path, "missing\n")
    report = check_bundle(str(bundle), "python3.12", "arm64", requirements)
    document = json.loads(json.dumps(report.to_dict()))
    assert document["ok"] is False
    assert document["bundle"] == str(bundle)
    assert document["runtime"] == "python3.12"
    assert document["architecture"] == "arm64"
    assert document["shared_objects"] == 1
    assert document["distributions"] == 1
    assert [(p["kind"], p["path"]) for p in document["problems"]] == [
        ("elf-machine", os.path.join("pkg", "_x.cpython-312-x86_64-linux-gnu.so")),
        ("extension", os.path.join("pkg", "_x.cpython-312-x86_64-linux-gnu.so")),
        ("missing-requirement", ""),
    ]
    assert all(set(p) == {"kind", "path", "message"} for p in document["problems"])


def test_report_to_dict_of_a_clean_bundle_is_ok(bundle, tmp_path):
    _clean_bundle(bundle, tmp_path)
    document = json.loads(json.dumps(check_bundle(str(bundle), "python3.12", "arm64").to_dict()))
    assert document["ok"] is True
    assert document["problems"] == []


def test_problem_str_prefixes_the_path():
    assert str(Problem("glibc", "pkg/x.so", "needs GLIBC_2.28")) == "pkg/x.so: needs GLIBC_2.28"
    assert str(Problem("missing-requirement", "", "foo has no dist-info")) == "foo has no dist-info"


def test_report_is_ok_only_without_problems():
    report = CheckReport("b", "python3.12", "x86_64")
    assert report.ok
    report.problems.append(Problem("glibc", "x.so", "m"))
    assert not report.ok


def test_a_wheel_built_here_whose_binary_needs_a_library_of_this_machine_is_refused(tmp_path):
    from aws_lambda_builders.workflows.python_pip.bundle_check import check_wheel_binaries
    from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
    from tests.builders import elf_with_glibc_needs, make_wheel

    target = LambdaTarget("python3.12", "x86_64")
    linked = make_wheel(str(tmp_path), "linked", "1.0", tag="cp312-cp312-linux_x86_64", files={
        "linked/_ext.cpython-312-x86_64-linux-gnu.so": elf_with_glibc_needs(
            "x86_64", ["GLIBC_2.17"], needed=["libyaml-0.so.2", "libm.so.6", "libbundled.so.1"]),
        "linked.libs/libbundled.so.1": elf_with_glibc_needs("x86_64", ["GLIBC_2.17"], needed=["libc.so.6"]),
    })

    problems = check_wheel_binaries(linked, target)

    assert [(p.kind, p.path) for p in problems] == [
        ("external-library", "linked/_ext.cpython-312-x86_64-linux-gnu.so")]
    assert "needs libyaml-0.so.2, which neither the wheel nor Lambda's runtime has" in str(problems[0])
