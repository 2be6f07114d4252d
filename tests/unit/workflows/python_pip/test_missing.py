"""explain_missing: one sentence that says what the target needs and what was found instead."""

from __future__ import annotations

import pytest

from aws_lambda_builders.workflows.python_pip.missing import (
    CompilingHere,
    compiler_reason,
    explain_missing,
    needs_c_compiler,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget


def test_names_the_target_abi_glibc_and_machine():
    text = explain_missing(LambdaTarget("python3.11", "arm64"), [], None, None)
    assert "python3.11 on arm64" in text
    assert "cp311" in text
    assert "abi3" in text
    assert "manylinux_2_26_aarch64" in text
    assert "pure Python" in text


@pytest.mark.parametrize(
    "runtime,architecture,level",
    [
        ("python3.8", "x86_64", "manylinux_2_26_x86_64"),
        ("python3.11", "x86_64", "manylinux_2_26_x86_64"),
        ("python3.12", "x86_64", "manylinux_2_34_x86_64"),
        ("python3.14", "arm64", "manylinux_2_34_aarch64"),
    ],
)
def test_glibc_level_is_the_runtimes(runtime, architecture, level):
    text = explain_missing(LambdaTarget(runtime, architecture), [], None, None)
    assert level in text
    assert LambdaTarget(runtime, architecture).abi in text


def test_lists_the_wheels_found_sorted():
    wheels = [
        "numpy-2.1.0-cp312-cp312-macosx_11_0_arm64.whl",
        "numpy-2.1.0-cp312-cp312-manylinux_2_28_x86_64.whl",
    ]
    text = explain_missing(LambdaTarget("python3.11", "x86_64"), wheels, None, None)
    assert ("found only numpy-2.1.0-cp312-cp312-macosx_11_0_arm64.whl, "
            "numpy-2.1.0-cp312-cp312-manylinux_2_28_x86_64.whl") in text


def test_no_found_clause_without_wheels():
    text = explain_missing(LambdaTarget("python3.12"), [], None, None)
    assert "found only" not in text
    assert "building" not in text


def test_includes_the_build_error_with_the_sdist():
    text = explain_missing(
        LambdaTarget("python3.12", "arm64"),
        ["foo-1.0-cp312-cp312-win_amd64.whl"],
        "foo-1.0.tar.gz",
        "error: command 'gcc' failed: No such file or directory",
    )
    assert "building foo-1.0.tar.gz failed: error: command 'gcc' failed: No such file or directory" in text
    assert "foo-1.0-cp312-cp312-win_amd64.whl" in text
    assert "python3.12 on arm64" in text


def test_sdist_that_built_an_incompatible_wheel():
    text = explain_missing(LambdaTarget("python3.12"), ["foo-1.0-cp311-cp311-linux_x86_64.whl"], "foo-1.0.tar.gz", None)
    assert "building foo-1.0.tar.gz did not give a compatible wheel" in text


def test_is_a_single_line():
    text = explain_missing(LambdaTarget("python3.12"), ["a-1-py2-none-any.whl"], "a-1.tar.gz", "boom")
    assert "\n" not in text
    assert text.startswith("no wheel for python3.12 on x86_64")


def test_a_build_that_ran_the_missing_compiler_needed_one():
    assert needs_c_compiler("error: [Errno 2] No such file or directory: '/var/false'")
    assert not needs_c_compiler("error: command 'gcc' failed: No such file or directory")
    assert not needs_c_compiler(None)


def test_needing_a_compiler_on_another_cpu_is_said_for_a_person():
    text = compiler_reason(LambdaTarget("python3.12", "arm64"), [], CompilingHere(other_machine="x86_64"))

    assert text == ("needs a C compiler for aarch64: no wheel for python3.12 on arm64, and building it here would "
                    "make an x86_64 binary")


def test_needing_a_compiler_names_the_interpreter_this_machine_lacks_and_the_wheels_found():
    here = CompilingHere(interpreter="a python3.12 interpreter (pass --python; found: none)")
    text = compiler_reason(LambdaTarget("python3.12"), ["foo-1.0-cp311-cp311-linux_x86_64.whl"], here)

    assert text == ("needs a C compiler for x86_64: no wheel for python3.12 on x86_64 (found only "
                    "foo-1.0-cp311-cp311-linux_x86_64.whl), and building it needs a python3.12 interpreter "
                    "(pass --python; found: none)")
