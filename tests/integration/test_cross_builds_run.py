"""``--cross`` from this x86_64 machine, without Docker: the sdist-only set (markupsafe 1.1.1, simplejson 3.16.0,
pyrsistent 0.16.0, from PyPI) and a fixture with functions to call, compiled with their C extensions for
python3.11 and python3.13 on arm64 and python3.12 on x86_64, audited, and their compiled modules imported and
called: under emulation for arm64 (``tests/arm64_python.py``), here for x86_64.
"""

from __future__ import annotations

import io
import json
import platform
import subprocess
from pathlib import Path

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.bundle_check import check_bundle
from aws_lambda_builders.workflows.python_pip.interpreters import interpreter_for
from tests.arm64_python import arm64_python
from tests.functional.package_index import PACKAGES, build_case

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("hermetic_pip")]

SDIST_ONLY = "markupsafe==1.1.1\nsimplejson==3.16.0\npyrsistent==0.16.0\n"
# Each compiled module called: what it gives is what the pure-Python fallback would not tell apart, so the
# module's own type is checked too.
CALLS = ("from markupsafe import _speedups; import simplejson._speedups as s; import pvectorc; "
         "assert all(m.__file__.endswith('.so') for m in (_speedups, s, pvectorc)); "
         "print(_speedups.escape('<a>'), s.scanstring('\"x\"', 1)[0], pvectorc.pvector([1, 2]).append(3))")
EXPECTED = "&lt;a&gt; x pvector([1, 2, 3])"


@pytest.fixture(scope="session")
def emulated(tmp_path_factory):
    """``emulated("3.11")``: an arm64 python3.11 under QEMU, made once per session."""
    if platform.machine() != "x86_64":
        pytest.fail("these tests emulate arm64 on an x86_64 machine")
    work = tmp_path_factory.mktemp("arm64")
    made = {}

    def python(version):
        if version not in made:
            made[version] = arm64_python(work, version)
        return made[version]

    return python


def build(tmp_path: Path, requirements: str, runtime: str, architecture: str, *options: str):
    (tmp_path / "requirements.txt").write_text(requirements)
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["build", "-r", str(tmp_path / "requirements.txt"), "-o", str(tmp_path / "out"),
                     "--runtime", runtime, "--architecture", architecture, "--cross", "--json",
                     "--scratch-dir", str(tmp_path / "scratch"), "--cache-dir", str(tmp_path / "cache"), *options],
                    stream=err, out=out)
    return code, json.loads(out.getvalue()), err.getvalue()


def test_the_sdist_only_set_is_cross_built_for_python3_11_on_arm64_and_runs_there(tmp_path, emulated):
    code, document, err = build(tmp_path, SDIST_ONLY, "python3.11", ARM64)

    assert code == 0, err
    assert document["cross_built"] == ["markupsafe==1.1.1", "pyrsistent==0.16.0", "simplejson==3.16.0"]
    assert check_bundle(str(tmp_path / "out"), "python3.11", ARM64).problems == []
    ran = emulated("3.11").run(CALLS, [str(tmp_path / "out")])
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == EXPECTED


def test_the_sdist_only_set_for_python3_13_on_arm64_compiles_what_supports_3_13_and_runs_there(tmp_path, emulated):
    """pyrsistent 0.16.0's C extension calls Py_TRASHCAN_SAFE_BEGIN and _PyList_Extend, which Python 3.13
    removed: zig's compiler refuses the implicit declarations (gcc compiles them, and the module then fails to
    import: "undefined symbol: Py_TRASHCAN_SAFE_BEGIN"), and pyrsistent's setup.py builds without it. It is
    installed as the pure Python it then is; the two others are compiled and run."""
    code, document, err = build(tmp_path, SDIST_ONLY, "python3.13", ARM64)

    assert code == 0, err
    assert document["cross_built"] == ["markupsafe==1.1.1", "simplejson==3.16.0"]
    assert not list((tmp_path / "out").glob("pvectorc*"))
    assert check_bundle(str(tmp_path / "out"), "python3.13", ARM64).problems == []
    ran = emulated("3.13").run(
        "from markupsafe import _speedups; import simplejson._speedups as s; import pyrsistent; "
        "assert _speedups.__file__.endswith('.so') and s.__file__.endswith('.so'); "
        "print(_speedups.escape('<a>'), s.scanstring('\"x\"', 1)[0], pyrsistent.pvector([1, 2]).append(3))",
        [str(tmp_path / "out")])
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == EXPECTED


def test_the_sdist_only_set_is_cross_built_for_python3_12_on_x86_64_and_runs_here(tmp_path):
    python312 = interpreter_for((3, 12))
    assert python312 is not None, "a Python 3.12 of this machine runs the x86_64 bundle"

    code, document, err = build(tmp_path, SDIST_ONLY, "python3.12", X86_64)

    assert code == 0, err
    assert document["cross_built"] == ["markupsafe==1.1.1", "pyrsistent==0.16.0", "simplejson==3.16.0"]
    assert check_bundle(str(tmp_path / "out"), "python3.12", X86_64).problems == []
    ran = subprocess.run([python312.path, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'out')!r}); "
                          + CALLS], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == EXPECTED


def test_c_cython_and_cxx_extensions_cross_built_for_arm64_say_they_were_compiled_for_aarch64_and_compute(
        tmp_path, emulated):
    """Fixtures with functions to call: C, Cython (Cython from PyPI in the build environment) and C++ (zig's
    libc++ linked in)."""
    archives = tmp_path / "archives"
    archives.mkdir()
    for case in ("compiled-function", "cython-extension", "cpp-extension"):
        build_case(PACKAGES / case, archives)

    code, document, err = build(tmp_path, "compiled-function\ncython-extension\ncpp-extension\n", "python3.11",
                                ARM64, "-f", str(archives))

    assert code == 0, err
    assert document["cross_built"] == ["compiled-function==2.0", "cpp-extension==1.0", "cython-extension==1.0"]
    assert check_bundle(str(tmp_path / "out"), "python3.11", ARM64).problems == []
    ran = emulated("3.11").run("import compiled_function as f, cython_extension as c, cpp_extension as p; "
                               "print(f.compiled_for(), f.triple(14), c.compiled_for(), c.sum_of_squares(10), "
                               "p.sorted_letters('lambda'))", [str(tmp_path / "out")])
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["aarch64", "42", "aarch64", "285", "aabdlm"]
