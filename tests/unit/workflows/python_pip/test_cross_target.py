"""What a cross build for a Lambda target is made of: zig's target, the target's headers and configuration."""

from __future__ import annotations

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.cross_builds import build_requirements
from aws_lambda_builders.workflows.python_pip.cross_target import (
    compiler_wrapper,
    extension_suffix,
    host_platform,
    manylinux_tag,
    sysconfigdata_name,
    target_config_vars,
    target_pyconfig,
    zig_target,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from tests.builders import make_sdist

PY311_ARM = LambdaTarget("python3.11", ARM64)
PY312_X86 = LambdaTarget("python3.12", X86_64)


@pytest.mark.parametrize("target,zig,platform,suffix,tag", [
    (PY311_ARM, "aarch64-linux-gnu.2.26", "linux-aarch64", ".cpython-311-aarch64-linux-gnu.so",
     "manylinux_2_26_aarch64"),
    (PY312_X86, "x86_64-linux-gnu.2.34", "linux-x86_64", ".cpython-312-x86_64-linux-gnu.so",
     "manylinux_2_34_x86_64"),
])
def test_the_targets_cpu_glibc_and_abi_name_the_compiler_target_the_suffix_and_the_tag(target, zig, platform,
                                                                                      suffix, tag):
    assert zig_target(target) == zig
    assert host_platform(target) == platform
    assert extension_suffix(target) == suffix
    assert manylinux_tag(target) == tag
    assert sysconfigdata_name(target) == f"_sysconfigdata__linux_{target.machine}-linux-gnu"


def test_an_x86_64_pyconfig_loses_its_x86_assembler_macros_for_aarch64_only():
    pyconfig = "#define HAVE_GCC_ASM_FOR_X64 1\n#define HAVE_GCC_ASM_FOR_X87 1\n#define SIZEOF_LONG 8\n"
    made = target_pyconfig(pyconfig, PY311_ARM)
    assert "#define HAVE_GCC_ASM_FOR_X64" not in made and "#define HAVE_GCC_ASM_FOR_X87" not in made
    assert "/* #undef HAVE_GCC_ASM_FOR_X64 (not on aarch64) */" in made
    assert "#define SIZEOF_LONG 8" in made
    assert target_pyconfig(pyconfig, PY312_X86) == pyconfig


def test_the_configuration_names_zig_for_the_target_and_forgets_this_machines_paths_and_flags():
    host = {"CC": "gcc -pthread", "LDSHARED": "gcc -shared -L/opt/py/lib -Wl,-rpath,/opt/py/lib",
            "CFLAGS": "-Wsign-compare -DNDEBUG -g -fwrapv -O3 -Wall -march=x86-64-v3", "LDFLAGS": "-L/opt/py/lib",
            "EXT_SUFFIX": ".cpython-311-x86_64-linux-gnu.so", "SOABI": "cpython-311-x86_64-linux-gnu",
            "MULTIARCH": "x86_64-linux-gnu", "VERSION": "3.11", "Py_ENABLE_SHARED": 0}
    config = target_config_vars(host, PY311_ARM, "/scratch/bin", "/scratch/include")

    assert config["CC"] == "/scratch/bin/cc" and config["CXX"] == "/scratch/bin/c++"
    assert config["LDSHARED"] == "/scratch/bin/cc -shared -s"
    assert config["LDCXXSHARED"] == "/scratch/bin/c++ -shared -s"
    assert config["CFLAGS"] == "-DNDEBUG -fwrapv -O2 -Wall -I/scratch/include"
    assert config["LDFLAGS"] == "" and "-march" not in str(config) and "/opt/py" not in str(config)
    assert config["EXT_SUFFIX"] == ".cpython-311-aarch64-linux-gnu.so"
    assert config["SOABI"] == "cpython-311-aarch64-linux-gnu" and config["MULTIARCH"] == "aarch64-linux-gnu"
    assert config["VERSION"] == "3.11" and config["Py_ENABLE_SHARED"] == 0, "the rest is the interpreter's"


def test_build_requirements_are_the_sdists_own_else_pep_517s_default_with_wheel(tmp_path):
    declared = make_sdist(str(tmp_path), "declared", "1.0", files={
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61", "Cython>=3"]\n'})
    undeclared = make_sdist(str(tmp_path), "undeclared", "1.0", files={"setup.py": "from setuptools import setup\n"})

    assert build_requirements(declared) == ("Cython>=3", "setuptools>=61", "wheel")
    assert build_requirements(undeclared) == ("setuptools>=40.8.0", "wheel")


def test_the_compilers_are_zig_for_the_target_and_the_c_compiler_compiles_cxx_sources_as_cxx(tmp_path):
    import os
    import subprocess

    zig = tmp_path / "zig it"  # a path with a space, as any path may have
    zig.write_text('#!/bin/sh\necho "$@"\n')
    zig.chmod(0o755)
    for program in ("cc", "c++", "ar"):
        (tmp_path / program).write_text(compiler_wrapper(str(zig), PY311_ARM, program))
        (tmp_path / program).chmod(0o755)

    def run(program, *arguments):
        return subprocess.run([str(tmp_path / program), *arguments], capture_output=True, text=True,
                              env={"PATH": os.environ["PATH"]}).stdout.strip()

    assert run("cc", "-c", "a.c", "-o", "a.o") == "cc -target aarch64-linux-gnu.2.26 -c a.c -o a.o"
    assert run("cc", "-c", "b.cpp", "-o", "b.o") == "c++ -target aarch64-linux-gnu.2.26 -c b.cpp -o b.o"
    assert run("c++", "-shared", "a.o") == "c++ -target aarch64-linux-gnu.2.26 -shared a.o"
    assert run("ar", "rcs", "lib.a", "a.o") == "ar rcs lib.a a.o"
