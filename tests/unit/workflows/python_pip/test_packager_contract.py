"""aws-lambda-builders 1.63's ``python_pip.packager`` contract (UPSTREAM_API.md §5), checked the way its own tests
check it: ``mock.patch`` on the packager's names, call forms, exact texts.

Where we keep a deliberate difference (docs/COMPATIBILITY.md), the test asserts our behaviour and says so.
"""

from __future__ import annotations

import os
import sys
import tarfile
from collections import namedtuple
from unittest import mock

import pytest

import aws_lambda_builders.utils
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip import compat, packager
from aws_lambda_builders.workflows.python_pip import utils as pip_utils
from aws_lambda_builders.workflows.python_pip.exceptions import explain
from aws_lambda_builders.workflows.python_pip.packager import (
    MISSING_DEPENDENCIES_TEMPLATE,
    DependencyBuilder,
    InvalidSourceDistributionNameError,
    MissingDependencyError,
    NoSuchPackageError,
    Package,
    PackageDownloadError,
    PackagerError,
    PipRunner,
    PythonPipDependencyBuilder,
    RequirementsFileNotFoundError,
    SDistMetadataFetcher,
    SubprocessPip,
    UnsupportedPackageError,
    UnsupportedPythonVersion,
    get_lambda_abi,
)
from aws_lambda_builders.workflows.python_pip.utils import Config, OSUtils

from .packager_helpers import make_builder

PACKAGER = "aws_lambda_builders.workflows.python_pip.packager"

# -- 5.1 module-level names and seams ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "get_lambda_abi", "PythonPipDependencyBuilder", "DependencyBuilder", "Package", "SDistMetadataFetcher",
    "SubprocessPip", "PipRunner", "PackagerError", "InvalidSourceDistributionNameError",
    "RequirementsFileNotFoundError", "MissingDependencyError", "NoSuchPackageError", "PackageDownloadError",
    "UnsupportedPackageError", "UnsupportedPythonVersion", "MISSING_DEPENDENCIES_TEMPLATE", "extract_tarfile",
    "pip_import_string", "pip_no_compile_c_env_vars", "pip_no_compile_c_shim", "OSUtils", "subprocess", "LOG",
])
def test_every_name_of_the_packager_is_there(name):
    assert hasattr(packager, name)


def test_seams_are_the_objects_of_their_home_modules():
    assert packager.extract_tarfile is aws_lambda_builders.utils.extract_tarfile
    assert packager.pip_import_string is compat.pip_import_string
    assert packager.pip_no_compile_c_env_vars is compat.pip_no_compile_c_env_vars
    assert packager.pip_no_compile_c_shim is compat.pip_no_compile_c_shim
    assert packager.OSUtils is pip_utils.OSUtils
    assert packager.LOG.name == PACKAGER


def test_missing_dependencies_template_is_aws_lambda_builders_text():
    assert MISSING_DEPENDENCIES_TEMPLATE == (
        "\nCould not install dependencies:\n%s\nYou will have to build these yourself and vendor them in\n"
        "the vendor folder.\n")


# -- 5.2 exceptions: exact str(), our cause and remedy on ``hint`` ----------------------------------------------


def test_packager_error_takes_no_arguments():
    assert str(PackagerError()) == ""
    assert PackagerError.hint == ""


def test_invalid_source_distribution_name_is_the_path():
    error = InvalidSourceDistributionNameError("/tmp/foo-1.0.rar")
    assert str(error) == "/tmp/foo-1.0.rar"
    assert ".tar.gz" in error.hint


def test_requirements_file_not_found_text():
    error = RequirementsFileNotFoundError("/x/requirements.txt")
    assert str(error) == "Requirements file not found: /x/requirements.txt"
    assert explain(error) == "Requirements file not found: /x/requirements.txt\n" + error.hint


def test_missing_dependency_error_keeps_the_very_object_and_its_str():
    missing = {Package("", "foo-1.2-py3-none-any.whl")}
    error = MissingDependencyError(missing)
    assert error.missing is missing
    assert str(error) == str(missing) == "{foo==1.2(wheel)}"


def test_missing_dependency_error_of_anything_compares_with_eq():
    error = MissingDependencyError(["a", "b"], {"a": "no wheel for python3.12 on arm64"})
    assert error.missing == ["a", "b"]
    assert str(error) == "['a', 'b']"
    assert error.reasons == {"a": "no wheel for python3.12 on arm64"}
    assert "  - a: no wheel for python3.12 on arm64" in error.hint and "  - b" in error.hint
    assert explain(error).startswith("['a', 'b']\nCould not install dependencies for the Lambda target:")


def test_no_such_package_text():
    error = NoSuchPackageError("foo")
    assert str(error) == "Could not satisfy the requirement: foo"
    assert error.package_name == "foo"
    assert "Check the name and version" in error.hint


def test_package_download_error_is_pip_s_text():
    assert str(PackageDownloadError("Unknown error")) == "Unknown error"
    assert PackageDownloadError("Unknown error").hint == ""


def test_unsupported_package_text_and_base():
    error = UnsupportedPackageError("foo")
    assert str(error) == "Unable to retrieve name/version for package: foo"
    # Difference (docs/COMPATIBILITY.md): a PackagerError, so the workflow reports a failed build with the hint.
    assert isinstance(error, PackagerError)


def test_unsupported_python_version_text():
    error = UnsupportedPythonVersion("python2.7")
    assert str(error) == "'python2.7' version of python is not supported"
    assert error.hint == "Use one of python3.8 ... python3.15."


@pytest.mark.parametrize("cls", [InvalidSourceDistributionNameError, RequirementsFileNotFoundError,
                                 MissingDependencyError, NoSuchPackageError, PackageDownloadError,
                                 UnsupportedPythonVersion])
def test_upstream_exceptions_are_packager_errors(cls):
    assert issubclass(cls, PackagerError)


# -- 5.3 get_lambda_abi -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("runtime,abi", [("python3.8", "cp38"), ("python3.9", "cp39"), ("python3.10", "cp310"),
                                         ("python3.11", "cp311"), ("python3.12", "cp312"), ("python3.13", "cp313"),
                                         ("python3.14", "cp314")])
def test_get_lambda_abi(runtime, abi):
    assert get_lambda_abi(runtime) == abi


def test_get_lambda_abi_refuses_other_runtimes():
    with pytest.raises(UnsupportedPythonVersion):
        get_lambda_abi("python2.7")


# -- 5.4 PythonPipDependencyBuilder -----------------------------------------------------------------------------


@pytest.mark.parametrize("runtime, python_exe", [("python3.12", "/usr/bin/python3.12"), ("runtime", "python_exe")])
@mock.patch(f"{PACKAGER}.DependencyBuilder")
def test_python_pip_dependency_builder_makes_its_builder_with_upstream_call_form(dependency_builder, runtime,
                                                                                 python_exe):
    osutils = mock.Mock()
    PythonPipDependencyBuilder(runtime, python_exe, osutils=osutils, architecture=ARM64)
    dependency_builder.assert_called_once_with(osutils, python_exe, runtime, architecture=ARM64)


def test_the_upstream_call_form_builds_for_the_runtime_with_the_interpreter():
    builder = PythonPipDependencyBuilder("python3.12", sys.executable, osutils=OSUtils())._dependency_builder
    assert (builder.runtime, builder.python_exe) == ("python3.12", sys.executable)
    assert DependencyBuilder(OSUtils(), None, "python3.11").python_exe == sys.executable


@pytest.mark.parametrize("python_exe", [sys.executable, "python3", None])
def test_an_unknown_runtime_is_refused_by_its_name_when_the_builder_is_made_here(python_exe):
    with pytest.raises(UnsupportedPythonVersion) as raised:
        PythonPipDependencyBuilder("python3.7", python_exe)
    assert str(raised.value) == "'python3.7' version of python is not supported"


def test_build_dependencies_passes_three_positional_arguments():
    dependency_builder = mock.Mock()
    PythonPipDependencyBuilder("runtime", "python", dependency_builder=dependency_builder).build_dependencies(
        "artifacts", "scratch", "requirements.txt")
    dependency_builder.build_site_packages.assert_called_once_with("requirements.txt", "artifacts", "scratch")


# -- 5.5 DependencyBuilder --------------------------------------------------------------------------------------


def test_class_tables_are_upstream_s():
    arm = ["any", "linux_aarch64", "manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64",
           "manylinux_2_34_aarch64"]
    x86 = ["any", "linux_x86_64", "manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64",
           "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64"]
    assert DependencyBuilder._COMPATIBLE_PLATFORM_ARM64 == arm
    assert DependencyBuilder._COMPATIBLE_PLATFORM_X86_64 == x86
    assert DependencyBuilder._COMPATIBLE_PLATFORMS == {ARM64: arm, X86_64: x86}
    assert DependencyBuilder._MANYLINUX_LEGACY_MAP == {
        "manylinux1_x86_64": "manylinux_2_5_x86_64", "manylinux2010_x86_64": "manylinux_2_12_x86_64",
        "manylinux2014_aarch64": "manylinux_2_17_aarch64", "manylinux2014_x86_64": "manylinux_2_17_x86_64"}
    assert DependencyBuilder._COMPATIBLE_PACKAGE_ALLOWLIST == {"sqlalchemy"}
    assert DependencyBuilder._RUNTIME_GLIBC == {
        "cp37m": (2, 17), "cp38": (2, 26), "cp39": (2, 26), "cp310": (2, 26), "cp311": (2, 26),
        "cp312": (2, 34), "cp313": (2, 34), "cp314": (2, 34)}
    assert DependencyBuilder._DEFAULT_GLIBC == (2, 17)
    assert DependencyBuilder._GLIBC_TO_LATEST_MANYLINUX == {
        (2, 17): "manylinux_2_17", (2, 26): "manylinux_2_17", (2, 34): "manylinux_2_34"}


def test_constructor_attributes():
    pip = mock.Mock()
    builder = DependencyBuilder("osutils", "python3.12", "/py", pip_runner=pip, architecture=ARM64)
    assert (builder._osutils, builder.runtime, builder.python_exe, builder._pip, builder.architecture) == (
        "osutils", "python3.12", "/py", pip, ARM64)


@mock.patch(f"{PACKAGER}.SubprocessPip")
@mock.patch(f"{PACKAGER}.PipRunner")
def test_default_pip_runner_is_made_from_the_packager_names(pip_runner, subprocess_pip):
    osutils = OSUtils()
    builder = DependencyBuilder(osutils, "python3.12", "/py")
    # Difference: SubprocessPip is given the interpreter too, so that pip runs in it (upstream: SubprocessPip(osutils)).
    subprocess_pip.assert_called_once_with(osutils, "/py")
    pip_runner.assert_called_once_with(python_exe="/py", pip=subprocess_pip.return_value)
    assert builder._pip is pip_runner.return_value


@pytest.mark.parametrize("runtime,architecture,newest", [
    ("python3.8", X86_64, "manylinux_2_26_x86_64"), ("python3.11", ARM64, "manylinux_2_26_aarch64"),
    ("python3.12", X86_64, "manylinux_2_34_x86_64"), ("python3.14", ARM64, "manylinux_2_34_aarch64")])
def test_compatible_platforms_hold_upstream_s_and_every_level_up_to_the_runtime_glibc(runtime, architecture, newest):
    platforms = DependencyBuilder(OSUtils(), runtime, "/py", mock.Mock(), architecture).compatible_platforms
    # Difference: upstream stops at manylinux_2_17 for glibc-2.26 runtimes, so 2_24/2_26 wheels are never asked for.
    upstream = DependencyBuilder._COMPATIBLE_PLATFORMS[architecture]
    assert set(platforms) >= {p for p in upstream if p <= newest or not p.startswith("manylinux_")} - {
        "manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "manylinux_2_34_x86_64", "manylinux_2_34_aarch64"}
    assert platforms[-1] == newest


def _builder_with_replaced_methods(has_package, downloaded=(set(), set())):
    builder = make_builder(mock.Mock())
    builder._has_at_least_one_package = mock.Mock(return_value=has_package)
    builder._download_dependencies = mock.Mock(return_value=downloaded)
    builder._install_wheels = mock.Mock()
    return builder


def test_build_site_packages_does_nothing_when_the_file_lists_no_package(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# only a comment\n")
    target = tmp_path / "target"
    target.mkdir()
    (target / "kept").write_text("")
    builder = _builder_with_replaced_methods(False)

    builder.build_site_packages(str(requirements), str(target), str(tmp_path / "scratch"))

    builder._has_at_least_one_package.assert_called_once_with(str(requirements))
    builder._download_dependencies.assert_not_called()
    # Difference: the target is replaced by what the requirements give, here nothing (upstream leaves it as it
    # was, so dependencies removed from the file stay in the bundle).
    assert os.listdir(target) == []


def test_build_site_packages_installs_the_rest_then_raises_for_the_missing_ones(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("foo\nbar\n")
    wheels = {Package("", "foo-1.0-py3-none-any.whl")}
    missing = {Package("", "bar-2.0-cp311-cp311-win_amd64.whl")}
    builder = _builder_with_replaced_methods(True, (wheels, missing))

    with pytest.raises(MissingDependencyError) as raised:
        # Difference: without allow_missing nothing is installed and the output is as it was.
        builder.build_site_packages(str(requirements), str(tmp_path / "target"), str(tmp_path / "scratch"),
                                    config=Config(allow_missing=True))

    assert raised.value.missing is missing
    (src_dir, dst_dir, installed), _ = builder._install_wheels.call_args
    assert installed is wheels


@pytest.mark.parametrize("text,expected", [("", False), ("\n   \n", False), ("# a\n  # b\n", False),
                                           ("# a\nfoo==1.0\n", True), ("  foo\n", True)])
def test_has_at_least_one_package_reads_the_file_with_builtin_open(text, expected):
    builder = make_builder(mock.Mock())
    with mock.patch("builtins.open", mock.mock_open(read_data=text)) as opened, \
            mock.patch.object(OSUtils, "file_exists", return_value=True):
        assert builder._has_at_least_one_package("requirements.txt") is expected
    opened.assert_called_once_with("requirements.txt", "r")


def test_has_at_least_one_package_is_false_for_a_file_that_is_not_there():
    builder = make_builder(mock.Mock())
    with mock.patch.object(OSUtils, "file_exists", return_value=False):
        assert builder._has_at_least_one_package("requirements.txt") is False


def test_has_at_least_one_package_reads_a_file_the_locale_cannot_as_pip_does(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_bytes("# é\nfoo\n".encode("utf-16"))
    assert make_builder(mock.Mock())._has_at_least_one_package(str(requirements)) is True


# The examples of §5.5's last paragraph: (runtime, architecture, wheel, compatible).
UPSTREAM_EXAMPLES = [
    ("python3.8", X86_64, "package-1.0-py3-none-any.whl", True),
    ("python3.8", X86_64, "package-1.0-cp38-cp38-linux_x86_64.whl", True),
    ("python3.8", X86_64, "package-1.0-cp39-cp39-win_amd64.whl", False),
    ("python3.8", X86_64, "package-1.0-cp38-cp38-manylinux1_x86_64.whl", True),
    ("python3.8", X86_64, "package-1.0-cp38-cp38-manylinux_2_35_x86_64.whl", False),
    ("python3.8", X86_64, "package-1.0-cp38-cp38-invalid_platform.whl", False),
    ("python3.9", X86_64, "package-1.0-cp39-cp39-manylinux_2_12_x86_64.whl", True),
    ("python3.9", X86_64, "package-1.0-cp39-cp39-manylinux_2_999_x86_64.whl", False),
    ("python3.9", X86_64, "package-1.0-cp39-cp39-manylinux_3_12_x86_64.whl", False),
    ("python3.9", X86_64, "package-1.0-cp39-cp39-manylinux_3_999_x86_64.whl", False),
    ("python3.9", X86_64, "package-1.0-cp33-abi3-manylinux1_x86_64.whl", True),
    ("python3.9", X86_64, "package-1.0-cp34-abi3-manylinux1_x86_64.whl", True),
    ("python3.9", X86_64, "package-1.0-cp35-abi3-manylinux1_x86_64.whl", True),
    ("python3.9", X86_64, "package-1.0-cp36-abi3-manylinux1_x86_64.whl", True),
    ("python3.9", X86_64, "package-1.0-cp27-cp27m-linux_x86_64.whl", False),
    ("python3.9", X86_64, "package-1.0-cp14-cp14m-linux_x86_64.whl", False),
    ("python3.9", X86_64, "package-1.0-cp39-cp39-manylinux_2_5_x86_64.manylinux1_x86_64.whl", True),
    ("python3.9", ARM64, "package-1.0-cp39-none-manylinux2014_aarch64.whl", True),
    ("python3.12", X86_64, "package-1.0-cp312-cp312-manylinux_2_28_x86_64.whl", True),
    ("python3.12", ARM64, "package-1.0-cp312-cp312-manylinux_2_28_x86_64.whl", False),
]


@pytest.mark.parametrize("runtime,architecture,filename,compatible", UPSTREAM_EXAMPLES)
def test_is_compatible_wheel_filename_as_upstream_decides(runtime, architecture, filename, compatible):
    builder = DependencyBuilder(OSUtils(), runtime, "/py", mock.Mock(), architecture)
    assert builder._is_compatible_wheel_filename(filename) is compatible


# Where upstream's rule is wrong for the target, ours differs (docs/COMPATIBILITY.md): (runtime, wheel, upstream).
TARGET_CORRECT = [
    ("python3.9", "package-1.0-cp313-abi3-manylinux1_x86_64.whl", True),  # abi3 needs CPython 3.13 or later
    ("python3.9", "package-1.0-py2-none-any.whl", True),  # Python 2 only
    ("python3.9", "package-1.0-pp39-none-any.whl", True),  # PyPy only
    ("python3.8", "package-1.0-cp39-cp38-manylinux1_x86_64.whl", True),  # a tag no interpreter has
]


@pytest.mark.parametrize("runtime,filename,upstream", TARGET_CORRECT)
def test_is_compatible_wheel_filename_refuses_what_does_not_load_on_the_target(runtime, filename, upstream):
    builder = DependencyBuilder(OSUtils(), runtime, "/py", mock.Mock(), X86_64)
    assert builder._is_compatible_wheel_filename(filename) is not upstream


@pytest.mark.parametrize("abi,platform,architecture,compatible", [
    ("cp38", "manylinux1_x86_64", X86_64, True),
    ("cp38", "manylinux_2_24_x86_64", X86_64, True),
    ("cp38", "manylinux_2_26_x86_64", X86_64, True),
    ("cp38", "manylinux_2_27_x86_64", X86_64, False),
    ("cp312", "manylinux_2_34_aarch64", ARM64, True),
    ("cp312", "manylinux_2_34_x86_64", ARM64, False),
    ("cp312", "manylinux_2_35_aarch64", ARM64, False),
    ("cp37m", "manylinux_2_17_x86_64", X86_64, True),  # no runtime of ours: upstream's default glibc, 2.17
    ("cp37m", "manylinux_2_24_x86_64", X86_64, False),
    ("cp38", "win_amd64", X86_64, False),
])
def test_is_compatible_platform_tag(abi, platform, architecture, compatible):
    builder = DependencyBuilder(OSUtils(), "python3.12", "/py", mock.Mock(), architecture)
    assert builder._is_compatible_platform_tag(abi, platform) is compatible


def test_iter_all_compatibility_tags_expands_compressed_tag_sets_in_order():
    builder = make_builder(mock.Mock())
    assert list(builder._iter_all_compatibility_tags("foo-1.0-py2.py3-none-manylinux1_x86_64.linux_x86_64")) == [
        ("py2", "none", "manylinux1_x86_64"), ("py2", "none", "linux_x86_64"),
        ("py3", "none", "manylinux1_x86_64"), ("py3", "none", "linux_x86_64")]


def test_apply_wheel_allowlist_by_name():
    compatible = {Package("", "foo-1.0-py3-none-any.whl")}
    sqlalchemy = Package("", "SQLAlchemy-2.0-cp311-cp311-win_amd64.whl")
    other = Package("", "bar-1.0-cp311-cp311-win_amd64.whl")
    assert make_builder(mock.Mock())._apply_wheel_allowlist(compatible, {sqlalchemy, other}) == (
        compatible | {sqlalchemy}, {other})


def test_install_purelib_and_platlib_moves_the_two_library_trees_to_the_root():
    osutils = mock.Mock(spec=OSUtils)
    osutils.joinpath.side_effect = os.path.join
    osutils.directory_exists.return_value = True
    osutils.get_directory_contents.return_value = ["purelib", "platlib", "scripts", "data", "headers"]
    builder = DependencyBuilder(osutils, "python3.12", "/py", mock.Mock())

    builder._install_purelib_and_platlib(Package("", "foo_bar-1.2.3-py3-none-any.whl", osutils=osutils), "/bundle")

    osutils.directory_exists.assert_called_once_with("/bundle/foo-bar-1.2.3.data")
    assert osutils.copytree.call_args_list == [mock.call("/bundle/foo-bar-1.2.3.data/purelib", "/bundle"),
                                               mock.call("/bundle/foo-bar-1.2.3.data/platlib", "/bundle")]
    assert osutils.rmtree.call_args_list == [mock.call("/bundle/foo-bar-1.2.3.data/purelib"),
                                             mock.call("/bundle/foo-bar-1.2.3.data/platlib")]


def test_install_purelib_and_platlib_does_nothing_without_a_data_directory():
    osutils = mock.Mock(spec=OSUtils)
    osutils.joinpath.side_effect = os.path.join
    osutils.directory_exists.return_value = False
    builder = DependencyBuilder(osutils, "python3.12", "/py", mock.Mock())
    builder._install_purelib_and_platlib(Package("", "foo-1.0-py3-none-any.whl", osutils=osutils), "/bundle")
    osutils.get_directory_contents.assert_not_called()
    osutils.copytree.assert_not_called()


@mock.patch(f"{PACKAGER}.Package")
def test_categorized_wheels_are_made_by_packager_package(package, tmp_path):
    (tmp_path / "foo-1.0-py3-none-any.whl").write_bytes(b"")
    (tmp_path / "bar-1.0.tar.gz").write_bytes(b"")
    builder = make_builder(mock.Mock())
    builder._categorize_wheel_files(str(tmp_path))
    package.assert_called_once_with(str(tmp_path), "foo-1.0-py3-none-any.whl", builder.python_exe, builder._osutils)


# -- 5.6 Package ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("filename,name,identifier,data_dir", [
    ("test_package-1.2.3-py3-none-any.whl", "test-package", "test-package==1.2.3", "test-package-1.2.3.data"),
    ("foobar-2.0-py3-none-any.whl", "foobar", "foobar==2.0", "foobar-2.0.data"),
    ("foo_bar-2.0-py3-none-any.whl", "foo-bar", "foo-bar==2.0", "foo-bar-2.0.data"),
    ("test_package.name-1.0-py3-none-any.whl", "test-package-name", "test-package-name==1.0",
     "test-package-name-1.0.data"),
])
def test_package_names(filename, name, identifier, data_dir):
    package = Package("", filename)
    assert (package.name, package.identifier, package.data_dir) == (name, identifier, data_dir)
    assert package.dist_type == "wheel"


def test_package_normalize_name():
    assert Package("", "foo-1.0-py3-none-any.whl")._normalize_name("Foo_Bar.baz--qux") == "foo-bar-baz-qux"


def test_package_str_and_equality():
    wheel = Package("", "foobar-1.0-py3-none-any.whl")
    assert str(wheel) == repr(wheel) == "foobar==1.0(wheel)"
    with mock.patch.object(SDistMetadataFetcher, "get_package_name_and_version", return_value=("foobar", "1.0")):
        sdist = Package("", "foobar-1.0.tar.gz")
    assert sdist == wheel and hash(sdist) == hash(wheel) and len({sdist, wheel}) == 1
    assert wheel != "foobar==1.0"


@mock.patch(f"{PACKAGER}.SDistMetadataFetcher")
def test_package_reads_an_sdist_with_packager_sdist_metadata_fetcher(fetcher):
    fetcher.return_value.get_package_name_and_version.return_value = ("Foo_Bar", "1.0")
    osutils = OSUtils()
    package = Package("/dir", "foo_bar-1.0.tar.gz", "/py", osutils)
    fetcher.assert_called_once_with("/py", osutils=osutils)
    fetcher.return_value.get_package_name_and_version.assert_called_once_with("/dir/foo_bar-1.0.tar.gz")
    assert (package.dist_type, package.identifier) == ("sdist", "foo-bar==1.0")


def test_package_with_an_unknown_extension_is_refused_when_made():
    with pytest.raises(InvalidSourceDistributionNameError) as raised:
        Package(os.getcwd(), "foobar-1.0.rar")
    assert str(raised.value) == os.path.join(os.getcwd(), "foobar-1.0.rar")


# -- 5.7 SDistMetadataFetcher -----------------------------------------------------------------------------------


def test_setuptools_shim_is_upstream_s():
    assert SDistMetadataFetcher._SETUPTOOLS_SHIM == (
        "import setuptools, tokenize;__file__=%r;f=getattr(tokenize, 'open', open)(__file__);"
        "code=f.read().replace('\\r\\n', '\\n');f.close();exec(compile(code, __file__, 'exec'))")


def test_fetcher_takes_the_osutils_class_as_python_exe():
    fetcher = SDistMetadataFetcher(OSUtils)
    assert isinstance(fetcher._osutils, OSUtils)


SDIST_METHODS = ["_unpack_sdist_into_dir", "_get_pkg_info_filepath", "_get_name_version",
                 "_get_fallback_pkg_info_filepath", "_is_default_setuptools_values"]


@pytest.fixture
def patched_fetcher():
    """Every method of §5.1's list replaced by name on packager.SDistMetadataFetcher, and a tempdir."""
    patches = [mock.patch(f"{PACKAGER}.SDistMetadataFetcher.{name}") for name in SDIST_METHODS]
    mocks = {name: patch.start() for name, patch in zip(SDIST_METHODS, patches)}
    tempdir = mock.MagicMock()
    tempdir.return_value.__enter__.return_value = "/tmp/unpacked"
    patches.append(mock.patch.object(OSUtils, "tempdir", tempdir))
    patches.append(mock.patch.object(OSUtils, "file_exists", return_value=True))
    patches[-2].start()
    mocks["file_exists"] = patches[-1].start()
    mocks["_unpack_sdist_into_dir"].return_value = "/tmp/unpacked/foo-1.0"
    mocks["_get_pkg_info_filepath"].return_value = "/tmp/unpacked/foo-1.0/egg-info/foo.egg-info/PKG-INFO"
    mocks["_get_fallback_pkg_info_filepath"].return_value = "/tmp/unpacked/foo-1.0/PKG-INFO"
    yield SDistMetadataFetcher("/py"), mocks
    for patch in patches:
        patch.stop()


def test_name_and_version_from_egg_info_when_not_default(patched_fetcher):
    fetcher, mocks = patched_fetcher
    mocks["_get_name_version"].return_value = ("foo", "1.0")
    mocks["_is_default_setuptools_values"].return_value = False

    assert fetcher.get_package_name_and_version("/dir/foo-1.0.tar.gz") == ("foo", "1.0")

    mocks["_unpack_sdist_into_dir"].assert_called_once_with("/dir/foo-1.0.tar.gz", "/tmp/unpacked")
    mocks["_get_pkg_info_filepath"].assert_called_once_with("/tmp/unpacked/foo-1.0")
    mocks["_get_name_version"].assert_called_once_with("/tmp/unpacked/foo-1.0/egg-info/foo.egg-info/PKG-INFO")
    mocks["_get_fallback_pkg_info_filepath"].assert_not_called()


def test_default_values_fall_back_to_the_sdist_pkg_info(patched_fetcher):
    fetcher, mocks = patched_fetcher
    mocks["_get_name_version"].side_effect = [("UNKNOWN", "0.0.0"), ("foo", "1.0")]
    mocks["_is_default_setuptools_values"].side_effect = [True, False]

    assert fetcher.get_package_name_and_version("/dir/foo-1.0.tar.gz") == ("foo", "1.0")

    assert mocks["_get_name_version"].call_args_list == [
        mock.call("/tmp/unpacked/foo-1.0/egg-info/foo.egg-info/PKG-INFO"), mock.call("/tmp/unpacked/foo-1.0/PKG-INFO")]
    mocks["file_exists"].assert_called_with("/tmp/unpacked/foo-1.0/PKG-INFO")


def test_default_values_without_a_fallback_file_read_once(patched_fetcher):
    fetcher, mocks = patched_fetcher
    mocks["file_exists"].return_value = False
    mocks["_get_name_version"].return_value = ("foo", "0.0.0")
    mocks["_is_default_setuptools_values"].return_value = True

    assert fetcher.get_package_name_and_version("/dir/foo-1.0.tar.gz") == ("foo", "0.0.0")
    assert mocks["_get_name_version"].call_count == 1


def test_an_unknown_name_is_refused(patched_fetcher):
    fetcher, mocks = patched_fetcher
    mocks["_get_name_version"].return_value = ("UNKNOWN", "0.0.0")
    mocks["_is_default_setuptools_values"].return_value = True
    # Difference: upstream returns ("UNKNOWN", "0.0.0"), which then stands for another package.
    with pytest.raises(UnsupportedPackageError):
        fetcher.get_package_name_and_version("/dir/foo-1.0.tar.gz")


@pytest.mark.parametrize("name,version,default", [("UNKNOWN", "1.0", True), ("unknown", "1.0", True),
                                                  ("foo", "0.0.0", True), ("foo", "1.0", False)])
def test_is_default_setuptools_values(name, version, default):
    assert SDistMetadataFetcher("/py")._is_default_setuptools_values(name, version) is default


def test_pkg_info_file_is_parsed_for_name_and_version(tmp_path):
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: foo-bar\nVersion: 1.2\nSummary: x\n")
    fetcher = SDistMetadataFetcher("/py")
    assert fetcher._get_fallback_pkg_info_filepath(str(tmp_path)) == str(tmp_path / "PKG-INFO")
    assert fetcher._parse_pkg_info_file(str(tmp_path / "PKG-INFO"))["Summary"] == "x"
    assert fetcher._get_name_version(str(tmp_path / "PKG-INFO")) == ("foo-bar", "1.2")


@mock.patch(f"{PACKAGER}.extract_tarfile")
@pytest.mark.parametrize("suffix", [".tar.gz", ".tar.bz2"])
def test_tar_sdists_are_unpacked_by_packager_extract_tarfile(extract_tarfile, suffix):
    osutils = mock.Mock(spec=OSUtils)
    osutils.get_directory_contents.return_value = ["foo-1.0"]
    osutils.joinpath.side_effect = os.path.join
    fetcher = SDistMetadataFetcher("/py", osutils=osutils)
    assert fetcher._unpack_sdist_into_dir(f"/d/foo-1.0{suffix}", "/u") == "/u/foo-1.0"
    extract_tarfile.assert_called_once_with(f"/d/foo-1.0{suffix}", "/u")


def test_zip_sdists_are_unpacked_by_osutils():
    osutils = mock.Mock(spec=OSUtils)
    osutils.get_directory_contents.return_value = ["foo-1.0"]
    osutils.joinpath.side_effect = os.path.join
    SDistMetadataFetcher("/py", osutils=osutils)._unpack_sdist_into_dir("/d/foo-1.0.zip", "/u")
    osutils.extract_zipfile.assert_called_once_with("/d/foo-1.0.zip", "/u")


def test_unpacking_another_extension_raises_with_the_path():
    with pytest.raises(InvalidSourceDistributionNameError) as raised:
        SDistMetadataFetcher("/py")._unpack_sdist_into_dir("/d/foo-1.0.rar", "/u")
    assert str(raised.value) == "/d/foo-1.0.rar"


def test_a_path_traversal_in_a_tar_sdist_is_refused_as_upstream_says(tmp_path):
    archive = tmp_path / "evil-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.py")
        tar.addfile(info)
    with pytest.raises(tarfile.ExtractError, match="Attempted Path Traversal in Tar File"):
        SDistMetadataFetcher("/py")._unpack_sdist_into_dir(str(archive), str(tmp_path / "u"))


def test_egg_info_runs_setup_py_with_the_shim_in_the_package_directory(tmp_path):
    package_dir = tmp_path / "foo-1.0"
    package_dir.mkdir()
    (package_dir / "PKG-INFO").write_text("Name: foo\nVersion: 1.0\n")
    process = mock.Mock(returncode=1)
    process.communicate.return_value = (b"", b"no setuptools")
    with mock.patch("subprocess.run") as run, mock.patch("subprocess.Popen", return_value=process) as popen:
        path = SDistMetadataFetcher("/py")._get_pkg_info_filepath(str(package_dir))

    assert path == str(package_dir / "PKG-INFO")  # egg-info is empty: the sdist's own
    run.assert_called_once_with(["/py", "-c", "import setuptools"], capture_output=True, timeout=10, check=False)
    (command,), kwargs = popen.call_args
    assert command[0] == "/py" and command[3:] == ["--no-user-cfg", "egg_info", "--egg-base", "egg-info"]
    # Difference: the program is prefixed with our watch of the build (setup.py dies with it).
    assert command[2].endswith(SDistMetadataFetcher._SETUPTOOLS_SHIM % str(package_dir / "setup.py"))
    assert kwargs["cwd"] == str(package_dir)


def test_no_pkg_info_anywhere_is_unsupported_with_the_directory_name(tmp_path):
    package_dir = tmp_path / "foo-1.0"
    package_dir.mkdir()
    process = mock.Mock(returncode=1)
    process.communicate.return_value = (b"", b"")
    with mock.patch("subprocess.run"), mock.patch("subprocess.Popen", return_value=process):
        with pytest.raises(UnsupportedPackageError) as raised:
            SDistMetadataFetcher("/py")._get_pkg_info_filepath(str(package_dir))
    assert str(raised.value) == "Unable to retrieve name/version for package: foo-1.0"


def test_an_egg_info_directory_of_the_sdist_is_the_last_resort(tmp_path):
    package_dir = tmp_path / "foo-1.0"
    (package_dir / "foo.egg-info").mkdir(parents=True)
    (package_dir / "foo.egg-info" / "PKG-INFO").write_text("Name: foo\nVersion: 1.0\n")
    process = mock.Mock(returncode=1)
    process.communicate.return_value = (b"", b"")
    with mock.patch("subprocess.run"), mock.patch("subprocess.Popen", return_value=process):
        path = SDistMetadataFetcher("/py")._get_pkg_info_filepath(str(package_dir))
    assert path == str(package_dir / "foo.egg-info" / "PKG-INFO")


# -- 5.8 SubprocessPip and PipRunner ----------------------------------------------------------------------------


@mock.patch(f"{PACKAGER}.pip_import_string", return_value="from pip._internal.cli.main import main")
def test_subprocess_pip_asks_packager_pip_import_string(pip_import_string):
    pip = SubprocessPip(OSUtils(), "/py")
    pip_import_string.assert_called_once_with(python_exe="/py")
    assert (pip.python_exe, pip._import_string) == ("/py", "from pip._internal.cli.main import main")


def test_subprocess_pip_main_runs_the_import_string_and_main():
    osutils = mock.Mock(spec=OSUtils)
    osutils.original_environ.return_value = {"A": "1"}
    osutils.pipe = -1
    process = osutils.popen.return_value
    process.communicate.return_value = (b"out", b"err")
    process.returncode = 0
    pip = SubprocessPip(osutils, "/py", import_string="from pip import main")

    assert pip.main(["download", "foo"]) == (0, b"out", b"err")

    (command,), kwargs = osutils.popen.call_args
    exec_string = command[2]
    assert command[:2] == ["/py", "-c"]
    assert kwargs["env"] == {"A": "1"}
    # Difference: our watch shim comes first, so the import string is not the second ";" field but is in there.
    assert "; from pip import main;" in exec_string
    assert "main" in exec_string.split(";")[-1]


PipCall = namedtuple("PipCall", ["args", "env_vars", "shim"])


class RecordingPip:
    """upstream's FakePip: records each call, answers from a queue (default: rc 0, no output)."""

    def __init__(self):
        self.calls, self.answers = [], []

    def main(self, args, env_vars=None, shim=None):
        self.calls.append(PipCall(args, env_vars, shim))
        return self.answers.pop(0) if self.answers else (0, b"", b"")


@pytest.fixture
def pip_factory():
    def make():
        pip = RecordingPip()
        osutils = mock.Mock(spec=OSUtils)
        osutils.original_environ.return_value = {"foo": "bar"}
        osutils.get_directory_contents.return_value = []
        return pip, PipRunner("/py", pip, osutils=osutils)
    return make


def test_pip_runner_attributes_and_patterns(pip_factory):
    pip, runner = pip_factory()
    assert (runner.python_exe, runner._wrapped_pip) == ("/py", pip)
    assert PipRunner._LINK_IS_DIR_PATTERNS == ["Processing (.+?)[ ,\n]"]


def test_execute_logs_output_that_is_none(pip_factory):
    pip, runner = pip_factory()
    pip.answers.append((0, None, None))
    assert runner._execute("download", ["foo"]) == (0, None, None)
    assert pip.calls == [PipCall(["download", "foo"], None, None)]


def test_build_wheel_arguments(pip_factory):
    pip, runner = pip_factory()
    runner.build_wheel("foo-1.0.tar.gz", "directory")
    assert pip.calls == [PipCall(["wheel", "--no-deps", "--wheel-dir", "directory", "foo-1.0.tar.gz"],
                                 {"foo": "bar"}, "")]


def test_build_wheel_without_c_extensions(pip_factory):
    pip, runner = pip_factory()
    runner.build_wheel("foo-1.0.tar.gz", "directory", compile_c=False)
    (call,) = pip.calls
    assert call.args == ["wheel", "--no-deps", "--wheel-dir", "directory", "foo-1.0.tar.gz"]
    assert call.shim == compat.pip_no_compile_c_shim
    # Difference: pip's wheel cache is bypassed too, or it would hand back the wheel compiled a moment ago.
    assert call.env_vars == {"foo": "bar", **compat.pip_no_compile_c_env_vars, "PIP_NO_CACHE_DIR": "1"}


def test_download_all_dependencies_arguments(pip_factory):
    pip, runner = pip_factory()
    runner.download_all_dependencies("requirements.txt", "directory")
    (call,) = pip.calls
    assert call.args == ["download", "-r", "requirements.txt", "--dest", "directory", "--exists-action", "i"]
    # Difference: pip writes its installation report (a shim and a variable), read for local directories.
    assert call.shim and "foo" in call.env_vars


@pytest.mark.parametrize("stderr,error_class,text", [
    (None, PackageDownloadError, "Unknown error"),
    (b"Could not find a version that satisfies the requirement foo==1.0 (from ...)\n", NoSuchPackageError,
     "Could not satisfy the requirement: foo==1.0"),
    (b"SomeNetworkingError: Details here.", PackageDownloadError, "SomeNetworkingError: Details here."),
])
def test_download_failure_texts(pip_factory, stderr, error_class, text):
    pip, runner = pip_factory()
    pip.answers.append((1, None if stderr is None else b"", stderr))
    with pytest.raises(error_class) as raised:
        runner.download_all_dependencies("requirements.txt", "directory")
    assert str(raised.value) == text


def test_download_manylinux_wheels_arguments(pip_factory):
    pip, runner = pip_factory()
    runner.download_manylinux_wheels(["foo==1.0", "bar==2.0"], "directory", "cp312", ["any", "linux_x86_64"])
    # Difference: one pip call for all of them (one per package only after it fails), with --python-version.
    (call,) = pip.calls
    assert call.args == ["download", "--only-binary=:all:", "--no-deps", "--platform", "any", "--platform",
                         "linux_x86_64", "--python-version", "3.12", "--implementation", "cp", "--abi", "cp312",
                         "--dest", "directory", "foo==1.0", "bar==2.0"]
    assert call.env_vars is None


def test_download_manylinux_wheels_makes_no_call_for_no_package(pip_factory):
    pip, runner = pip_factory()
    runner.download_manylinux_wheels([], "directory", "cp312", ["any"])
    assert pip.calls == []
