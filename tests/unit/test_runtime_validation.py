"""BinaryPath, PathResolver, RuntimeValidator and the runtime table (supported_runtimes)."""

from __future__ import annotations

from unittest import mock

import pytest

from aws_lambda_builders import supported_runtimes
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.binary_path import BinaryPath
from aws_lambda_builders.exceptions import UnsupportedArchitectureError, UnsupportedRuntimeError
from aws_lambda_builders.path_resolver import PathResolver
from aws_lambda_builders.validator import SUPPORTED_RUNTIMES, RuntimeValidator

# --------------------------------------------------------------------------- BinaryPath


def test_binary_path_keeps_its_parts():
    resolver, validator = mock.Mock(), mock.Mock()
    binary_path = BinaryPath(resolver=resolver, validator=validator, binary="python")

    assert (binary_path.resolver, binary_path.validator, binary_path.binary) == (resolver, validator, "python")
    assert binary_path.binary_path is None
    assert binary_path.path_provided is False


def test_a_provided_binary_path_is_remembered_as_provided_even_when_replaced():
    binary_path = BinaryPath(resolver=None, validator=None, binary="python", binary_path="/usr/bin/python3")

    assert binary_path.path_provided is True
    binary_path.binary_path = "/other/python"

    assert binary_path.binary_path == "/other/python"
    assert binary_path.path_provided is True


def test_setting_the_path_later_does_not_make_it_provided():
    binary_path = BinaryPath(resolver=None, validator=None, binary="python", binary_path="")
    binary_path.binary_path = "/found/python"

    assert binary_path.path_provided is False
    assert binary_path.binary_path == "/found/python"


# --------------------------------------------------------------------------- PathResolver


def test_path_resolver_attributes_and_executables():
    resolver = PathResolver(binary="python", runtime="python3.12", additional_binaries=["python3"],
                            executable_search_paths=["/search"])

    assert (resolver.binary, resolver.runtime, resolver.additional_binaries, resolver.executable_search_paths) == (
        "python", "python3.12", ["python3"], ["/search"])
    assert resolver.executables == ["python3.12", "python", "python3"]


@pytest.mark.parametrize("additional", [None, "python3", ("python3",)])
def test_only_a_list_of_additional_binaries_is_added(additional):
    assert PathResolver(binary="python", runtime="python3.12",
                        additional_binaries=additional).executables == ["python3.12", "python"]


@mock.patch("aws_lambda_builders.path_resolver.which")
def test_exec_paths_concatenates_every_executables_matches_in_order(which_mock):
    which_mock.side_effect = [["/a/python3.12"], [], ["/a/python3", "/b/python3", "/a/python3.12"]]
    resolver = PathResolver(binary="python", runtime="python3.12", additional_binaries=["python3"],
                            executable_search_paths=["/search"])

    assert resolver.exec_paths == ["/a/python3.12", "/a/python3", "/b/python3", "/a/python3.12"]
    assert which_mock.call_args_list == [mock.call("python3.12", executable_search_paths=["/search"]),
                                         mock.call("python", executable_search_paths=["/search"]),
                                         mock.call("python3", executable_search_paths=["/search"])]


@mock.patch("aws_lambda_builders.path_resolver.which")
def test_exec_paths_skips_a_none_runtime(which_mock):
    which_mock.return_value = ["/bin/python"]

    assert PathResolver(binary="python", runtime=None).exec_paths == ["/bin/python"]
    which_mock.assert_called_once_with("python", executable_search_paths=None)


@mock.patch("aws_lambda_builders.path_resolver.which")
def test_exec_paths_is_searched_again_on_every_access(which_mock):
    which_mock.side_effect = [["/first"], [], ["/second"], []]
    resolver = PathResolver(binary="python", runtime="python3.12")

    assert resolver.exec_paths == ["/first"]
    assert resolver.exec_paths == ["/second"]


@pytest.mark.parametrize("found", [[], None])
@mock.patch("aws_lambda_builders.path_resolver.which")
def test_nothing_found_is_a_value_error_with_the_exact_text(which_mock, found):
    which_mock.return_value = found
    resolver = PathResolver(binary="python", runtime="python3.12")

    with pytest.raises(ValueError) as raised:
        _ = resolver.exec_paths

    assert str(raised.value) == "Path resolution for runtime: python3.12 of binary: python was not successful"


def test_which_is_bound_at_import_in_the_resolver_module():
    with mock.patch("aws_lambda_builders.utils.which", return_value=["/not/used"]), \
            mock.patch("aws_lambda_builders.path_resolver.which", return_value=["/used"]) as used:
        assert PathResolver(binary="python", runtime=None).exec_paths == ["/used"]
    used.assert_called_once_with("python", executable_search_paths=None)


def test_path_resolver_finds_a_real_executable(tmp_path):
    executable = tmp_path / "python3.12"
    executable.write_text("#!/bin/sh\n")
    executable.chmod(0o755)

    resolver = PathResolver(binary="no-such-binary-here", runtime="python3.12",
                            executable_search_paths=[str(tmp_path)])

    assert resolver.exec_paths[0] == str(executable)


# --------------------------------------------------------------------------- RuntimeValidator


def test_runtime_validator_attributes():
    validator = RuntimeValidator(runtime="python3.12", architecture=ARM64)

    assert (validator.runtime, validator.architecture, validator._runtime_path) == ("python3.12", "arm64", None)


@pytest.mark.parametrize("architecture", [X86_64, ARM64])
def test_a_supported_runtime_returns_the_path_unchanged_without_running_it(architecture):
    validator = RuntimeValidator(runtime="python3.12", architecture=architecture)
    with mock.patch("subprocess.Popen") as popen_mock:
        assert validator.validate("/usr/bin/python3.12") == "/usr/bin/python3.12"

    assert validator._runtime_path == "/usr/bin/python3.12"
    popen_mock.assert_not_called()


@pytest.mark.parametrize("runtime", ["python2.7", "python2.8", "python3.99", "unknown", None, ""])
def test_an_unknown_runtime_is_unsupported(runtime):
    with pytest.raises(UnsupportedRuntimeError) as raised:
        RuntimeValidator(runtime=runtime, architecture=X86_64).validate("/bin/python")

    assert str(raised.value) == "Runtime {} is not supported".format(runtime)


@pytest.mark.parametrize("architecture", ["invalid_arch", "ARM64", "X86_64", "amd64", None])
def test_an_unknown_architecture_is_unsupported_case_sensitively(architecture):
    with pytest.raises(UnsupportedArchitectureError) as raised:
        RuntimeValidator(runtime="python3.12", architecture=architecture).validate("/bin/python")

    assert str(raised.value) == "Architecture {} is not supported for runtime python3.12".format(architecture)


def test_a_runtime_with_an_empty_table_entry_is_unsupported():
    with mock.patch.dict(SUPPORTED_RUNTIMES, {"python3.12": []}):
        with pytest.raises(UnsupportedRuntimeError):
            RuntimeValidator(runtime="python3.12", architecture=X86_64).validate("/bin/python")


# --------------------------------------------------------------------------- the runtime table


def test_the_python_runtimes():
    # differs from aws-lambda-builders 1.63: python3.15 (Lambda's preview runtime, in 1.69) is listed too
    assert supported_runtimes.PYTHON_RUNTIMES == ["python3.8", "python3.9", "python3.10", "python3.11",
                                                  "python3.12", "python3.13", "python3.14", "python3.15"]


def test_the_other_languages_runtimes():
    assert supported_runtimes.NODEJS_RUNTIMES == ["nodejs16.x", "nodejs18.x", "nodejs20.x", "nodejs22.x",
                                                  "nodejs24.x"]
    assert supported_runtimes.RUBY_RUNTIMES == ["ruby3.2", "ruby3.3", "ruby3.4"]
    assert supported_runtimes.JAVA_RUNTIMES == ["java8", "java11", "java17", "java21", "java25"]
    assert supported_runtimes.GO_RUNTIMES == ["go1.x"]
    assert supported_runtimes.DOTNET_RUNTIMES == ["dotnet6", "dotnet8", "dotnet10"]
    assert supported_runtimes.CUSTOM_RUNTIMES == ["provided", "provided.al2", "provided.al2023"]


def test_all_runtimes_is_the_concatenation_in_order():
    assert supported_runtimes.ALL_RUNTIMES == (
        supported_runtimes.NODEJS_RUNTIMES + supported_runtimes.PYTHON_RUNTIMES + supported_runtimes.RUBY_RUNTIMES
        + supported_runtimes.JAVA_RUNTIMES + supported_runtimes.GO_RUNTIMES + supported_runtimes.DOTNET_RUNTIMES
        + supported_runtimes.CUSTOM_RUNTIMES)


def test_every_runtime_runs_on_exactly_both_architectures():
    assert list(supported_runtimes.RUNTIME_ARCHITECTURES) == supported_runtimes.ALL_RUNTIMES
    for architectures in supported_runtimes.RUNTIME_ARCHITECTURES.values():
        assert architectures == [ARM64, X86_64]


def test_the_validators_table_is_the_runtime_table():
    assert SUPPORTED_RUNTIMES is supported_runtimes.RUNTIME_ARCHITECTURES


def test_the_architecture_names():
    assert (X86_64, ARM64) == ("x86_64", "arm64")
