"""LambdaTarget: the facts of each Lambda Python runtime and which wheels load there (see LAMBDA.md)."""

from __future__ import annotations

import re

import pytest

from aws_lambda_builders.workflows.python_pip.exceptions import (
    PackagerError,
    UnsupportedArchitectureError,
    UnsupportedPythonVersion,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget, is_compatible_wheel, wheel_tags

# runtime -> (abi, glibc) straight from the LAMBDA.md runtime table.
EXPECTED = {
    "python3.8": ("cp38", (2, 26)),
    "python3.9": ("cp39", (2, 26)),
    "python3.10": ("cp310", (2, 26)),
    "python3.11": ("cp311", (2, 26)),
    "python3.12": ("cp312", (2, 34)),
    "python3.13": ("cp313", (2, 34)),
    "python3.14": ("cp314", (2, 34)),
    "python3.15": ("cp315", (2, 34)),
}
ARCHES = {"x86_64": "x86_64", "arm64": "aarch64"}
ALL_TARGETS = [(runtime, arch) for runtime in EXPECTED for arch in ARCHES]


def _manylinux_levels(platforms, machine):
    levels = []
    for tag in platforms:
        match = re.fullmatch(r"manylinux_(\d+)_(\d+)_" + machine, tag)
        if match:
            levels.append((int(match.group(1)), int(match.group(2))))
    return levels


# --------------------------------------------------------------------------- facts


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_abi_is_the_runtimes_cpython_abi(runtime, architecture):
    assert LambdaTarget(runtime, architecture).abi == EXPECTED[runtime][0]


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_glibc_is_226_up_to_311_and_234_from_312(runtime, architecture):
    assert LambdaTarget(runtime, architecture).glibc == EXPECTED[runtime][1]


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_machine_is_the_uname_name_of_the_architecture(runtime, architecture):
    assert LambdaTarget(runtime, architecture).machine == ARCHES[architecture]


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_python_version_matches_runtime_name(runtime, architecture):
    minor = int(runtime.split(".")[1])
    assert LambdaTarget(runtime, architecture).python_version == (3, minor)


def test_default_architecture_is_x86_64():
    target = LambdaTarget("python3.12")
    assert target.architecture == "x86_64"
    assert target.machine == "x86_64"


def test_describe_names_runtime_and_architecture():
    assert LambdaTarget("python3.12", "arm64").describe() == "python3.12 on arm64"


# --------------------------------------------------------------------------- platforms


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_platforms_list_every_manylinux_level_up_to_the_runtimes_glibc(runtime, architecture):
    target = LambdaTarget(runtime, architecture)
    machine = ARCHES[architecture]
    oldest = 5 if machine == "x86_64" else 17
    newest = EXPECTED[runtime][1][1]
    levels = _manylinux_levels(target.platforms, machine)
    assert sorted(levels) == [(2, minor) for minor in range(oldest, newest + 1)]
    assert levels == sorted(levels), "platforms are listed oldest first"


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_platforms_never_go_above_the_runtimes_glibc(runtime, architecture):
    target = LambdaTarget(runtime, architecture)
    machine = ARCHES[architecture]
    newest = EXPECTED[runtime][1][1]
    assert f"manylinux_2_{newest + 1}_{machine}" not in target.platforms
    assert max(_manylinux_levels(target.platforms, machine)) == (2, newest)


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_platforms_include_any_and_linux_of_the_machine(runtime, architecture):
    platforms = LambdaTarget(runtime, architecture).platforms
    assert "any" in platforms
    assert f"linux_{ARCHES[architecture]}" in platforms


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_platforms_are_all_for_the_targets_machine_only(runtime, architecture):
    machine = ARCHES[architecture]
    other = "aarch64" if machine == "x86_64" else "x86_64"
    platforms = LambdaTarget(runtime, architecture).platforms
    assert all(p == "any" or p.endswith("_" + machine) for p in platforms)
    assert not any(other in p for p in platforms)
    assert not any("musllinux" in p or "macosx" in p or "win" in p for p in platforms)
    assert len(platforms) == len(set(platforms)), "no duplicates"


@pytest.mark.parametrize("runtime", EXPECTED)
def test_x86_64_platforms_have_the_legacy_aliases(runtime):
    platforms = LambdaTarget(runtime, "x86_64").platforms
    for alias in ("manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64"):
        assert alias in platforms


@pytest.mark.parametrize("runtime", EXPECTED)
def test_arm64_platforms_have_manylinux2014_but_no_older_alias(runtime):
    platforms = LambdaTarget(runtime, "arm64").platforms
    assert "manylinux2014_aarch64" in platforms
    assert "manylinux1_aarch64" not in platforms
    assert "manylinux2010_aarch64" not in platforms


@pytest.mark.parametrize("runtime", EXPECTED)
def test_arm64_has_no_manylinux_tag_below_2_17(runtime):
    platforms = LambdaTarget(runtime, "arm64").platforms
    levels = _manylinux_levels(platforms, "aarch64")
    assert min(levels) == (2, 17)
    for minor in range(0, 17):
        assert f"manylinux_2_{minor}_aarch64" not in platforms


@pytest.mark.parametrize("runtime", EXPECTED)
def test_legacy_aliases_sit_beside_their_level(runtime):
    platforms = LambdaTarget(runtime, "x86_64").platforms
    # manylinux1 == 2_5, manylinux2010 == 2_12, manylinux2014 == 2_17: each right before its level.
    for alias, level in (("manylinux1", 5), ("manylinux2010", 12), ("manylinux2014", 17)):
        assert platforms.index(f"{alias}_x86_64") + 1 == platforms.index(f"manylinux_2_{level}_x86_64")


# --------------------------------------------------------------------------- wheels

COMPAT_TABLE = [
    # (wheel file name, runtime, architecture, loads there?)
    # numpy's dual-tagged aarch64 wheel
    ("numpy-1.26.4-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", "python3.11", "arm64", True),
    ("numpy-1.26.4-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", "python3.11", "x86_64", False),
    ("numpy-1.26.4-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", "python3.12", "arm64", False),
    ("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "python3.11", "x86_64", True),
    ("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "python3.11", "arm64", False),
    # manylinux_2_28: glibc 2.28 > 2.26 on Amazon Linux 2, fine on AL2023's 2.34
    ("numpy-2.1.0-cp312-cp312-manylinux_2_28_x86_64.whl", "python3.12", "x86_64", True),
    ("numpy-2.1.0-cp311-cp311-manylinux_2_28_x86_64.whl", "python3.11", "x86_64", False),
    ("numpy-2.1.0-cp311-cp311-manylinux_2_28_aarch64.whl", "python3.11", "arm64", False),
    ("numpy-2.1.0-cp312-cp312-manylinux_2_28_aarch64.whl", "python3.12", "arm64", True),
    ("pkg-1.0-cp313-cp313-manylinux_2_34_x86_64.whl", "python3.13", "x86_64", True),
    ("pkg-1.0-cp313-cp313-manylinux_2_35_x86_64.whl", "python3.13", "x86_64", False),
    # manylinux_2_24 / 2_26 are at or below AL2's glibc 2.26
    ("pkg-1.0-cp311-cp311-manylinux_2_24_x86_64.whl", "python3.11", "x86_64", True),
    ("pkg-1.0-cp311-cp311-manylinux_2_26_x86_64.whl", "python3.11", "x86_64", True),
    ("pkg-1.0-cp311-cp311-manylinux_2_24_aarch64.whl", "python3.11", "arm64", True),
    ("pkg-1.0-cp311-cp311-manylinux_2_26_aarch64.whl", "python3.11", "arm64", True),
    ("pkg-1.0-cp311-cp311-manylinux_2_27_x86_64.whl", "python3.11", "x86_64", False),
    # legacy aliases
    ("pkg-1.0-cp39-cp39-manylinux1_x86_64.whl", "python3.9", "x86_64", True),
    ("pkg-1.0-cp39-cp39-manylinux2010_x86_64.whl", "python3.9", "x86_64", True),
    ("pkg-1.0-cp39-cp39-manylinux2014_aarch64.whl", "python3.9", "arm64", True),
    ("pkg-1.0-cp39-cp39-manylinux_2_12_aarch64.whl", "python3.9", "arm64", False),
    # musllinux (PEP 656) never: Lambda is glibc
    ("numpy-2.1.0-cp312-cp312-musllinux_1_1_x86_64.whl", "python3.12", "x86_64", False),
    ("numpy-2.1.0-cp312-cp312-musllinux_1_2_aarch64.whl", "python3.12", "arm64", False),
    ("cryptography-43.0.0-cp39-abi3-musllinux_1_2_x86_64.whl", "python3.12", "x86_64", False),
    # macOS / Windows never
    ("numpy-2.1.0-cp312-cp312-macosx_11_0_arm64.whl", "python3.12", "arm64", False),
    ("numpy-2.1.0-cp312-cp312-macosx_10_9_x86_64.whl", "python3.12", "x86_64", False),
    ("numpy-2.1.0-cp312-cp312-win_amd64.whl", "python3.12", "x86_64", False),
    ("numpy-2.1.0-cp312-cp312-win_arm64.whl", "python3.12", "arm64", False),
    # abi3: the wheel's cpXY must be at or below the runtime's
    ("pkg-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", "python3.12", "x86_64", True),
    ("pkg-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", "python3.13", "x86_64", True),
    ("pkg-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", "python3.14", "x86_64", True),
    ("pkg-1.0-cp312-abi3-manylinux_2_17_x86_64.whl", "python3.11", "x86_64", False),
    ("pkg-1.0-cp313-abi3-manylinux_2_17_x86_64.whl", "python3.9", "x86_64", False),
    ("pkg-1.0-cp313-abi3-manylinux_2_17_x86_64.whl", "python3.12", "x86_64", False),
    ("cryptography-42.0.8-cp39-abi3-manylinux_2_28_aarch64.whl", "python3.12", "arm64", True),
    ("cryptography-42.0.8-cp39-abi3-manylinux_2_28_aarch64.whl", "python3.11", "arm64", False),
    ("cryptography-42.0.8-cp37-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", "python3.8", "arm64", True),
    # pure Python
    ("six-1.16.0-py2-none-any.whl", "python3.12", "x86_64", False),
    ("six-1.16.0-py2.py3-none-any.whl", "python3.12", "x86_64", True),
    ("six-1.16.0-py2.py3-none-any.whl", "python3.8", "arm64", True),
    ("requests-2.32.3-py3-none-any.whl", "python3.14", "arm64", True),
    ("requests-2.32.3-py3-none-any.whl", "python3.8", "x86_64", True),
    ("pkg-1.0-py312-none-any.whl", "python3.11", "x86_64", False),
    ("pkg-1.0-py312-none-any.whl", "python3.12", "x86_64", True),
    ("pkg-1.0-py38-none-any.whl", "python3.11", "x86_64", True),
    # locally built linux wheels
    ("pkg-1.0-cp311-cp311-linux_x86_64.whl", "python3.11", "x86_64", True),
    ("pkg-1.0-cp311-cp311-linux_x86_64.whl", "python3.11", "arm64", False),
    ("pkg-1.0-cp311-cp311-linux_x86_64.whl", "python3.12", "x86_64", False),
    ("pkg-1.0-cp312-cp312-linux_aarch64.whl", "python3.12", "arm64", True),
    # version-specific ABIs must be exactly the runtime's
    ("pkg-1.0-cp310-cp310-manylinux_2_17_x86_64.whl", "python3.11", "x86_64", False),
    ("pkg-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", "python3.11", "x86_64", False),
    # free-threaded builds never (Lambda runs the GIL build)
    ("pkg-1.0-cp311-cp311t-manylinux_2_17_x86_64.whl", "python3.11", "x86_64", False),
    ("numpy-2.1.0-cp313-cp313t-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "python3.13", "x86_64", False),
    ("numpy-2.2.0-cp314-cp314t-manylinux_2_28_aarch64.whl", "python3.14", "arm64", False),
    # other interpreters
    ("pkg-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl", "python3.10", "x86_64", False),
]


@pytest.mark.parametrize("filename,runtime,architecture,expected", COMPAT_TABLE)
def test_is_compatible_wheel_matches_lambda_facts(filename, runtime, architecture, expected):
    target = LambdaTarget(runtime, architecture)
    assert target.is_compatible_wheel(filename) is expected
    assert is_compatible_wheel(filename, target) is expected


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_pure_python_py3_wheel_loads_on_every_target(runtime, architecture):
    assert LambdaTarget(runtime, architecture).is_compatible_wheel("pkg-1.0-py3-none-any.whl")


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_runtimes_own_manylinux2014_wheel_loads_on_its_arch(runtime, architecture):
    target = LambdaTarget(runtime, architecture)
    name = f"pkg-1.0-{target.abi}-{target.abi}-manylinux2014_{target.machine}.whl"
    assert target.is_compatible_wheel(name)


@pytest.mark.parametrize("runtime,architecture", ALL_TARGETS)
def test_musllinux_never_loads(runtime, architecture):
    target = LambdaTarget(runtime, architecture)
    assert not target.is_compatible_wheel(f"pkg-1.0-{target.abi}-{target.abi}-musllinux_1_2_{target.machine}.whl")
    assert not target.is_compatible_wheel(f"pkg-1.0-cp38-abi3-musllinux_1_1_{target.machine}.whl")


@pytest.mark.parametrize(
    "filename",
    [
        "not-a-wheel.txt",
        "pkg-1.0.tar.gz",
        "pkg.whl",
        "pkg-1.0.whl",
        "pkg-1.0-py3-none.whl",
        "",
        "pkg-1.0-py3-none-any.zip",
    ],
)
def test_invalid_wheel_file_names_are_not_compatible(filename):
    target = LambdaTarget("python3.12", "x86_64")
    assert target.is_compatible_wheel(filename) is False
    assert wheel_tags(filename) == frozenset()


def test_wheel_tags_expands_compressed_tag_sets():
    tags = {str(t) for t in wheel_tags("six-1.16.0-py2.py3-none-any.whl")}
    assert tags == {"py2-none-any", "py3-none-any"}


def test_supported_tags_contain_no_py2_and_no_other_arch():
    target = LambdaTarget("python3.12", "arm64")
    tags = {str(t) for t in target.supported_tags}
    assert not any(t.startswith("py2") for t in tags)
    assert not any("x86_64" in t for t in tags)
    assert "cp312-cp312-manylinux_2_34_aarch64" in tags
    assert "cp312-abi3-manylinux2014_aarch64" in tags
    assert "py3-none-any" in tags


# --------------------------------------------------------------------------- unknown names


@pytest.mark.parametrize("runtime", ["python3.7", "python2.7", "python3.16", "nodejs20.x", "", "Python3.12", "python3"])
def test_unknown_runtime_is_refused(runtime):
    with pytest.raises(UnsupportedPythonVersion) as excinfo:
        LambdaTarget(runtime, "x86_64")
    assert str(excinfo.value) == f"'{runtime}' version of python is not supported"  # aws-lambda-builders' text
    assert "python3.15" in excinfo.value.hint, "the hint says which runtimes are valid"


@pytest.mark.parametrize("architecture", ["aarch64", "amd64", "x86", "ARM64", "", "arm"])
def test_unknown_architecture_is_refused(architecture):
    with pytest.raises(UnsupportedArchitectureError) as excinfo:
        LambdaTarget("python3.12", architecture)
    assert repr(architecture) in str(excinfo.value)
    assert "arm64" in str(excinfo.value)


def test_unknown_runtime_and_architecture_errors_are_packager_errors():
    assert issubclass(UnsupportedPythonVersion, PackagerError)
    assert issubclass(UnsupportedArchitectureError, PackagerError)


def test_target_is_hashable_and_compares_by_value():
    assert LambdaTarget("python3.12", "arm64") == LambdaTarget("python3.12", "arm64")
    assert len({LambdaTarget("python3.12", "arm64"), LambdaTarget("python3.12", "arm64")}) == 1
    assert LambdaTarget("python3.12", "arm64") != LambdaTarget("python3.12", "x86_64")


def test_a_target_cannot_be_changed_once_made():
    target = LambdaTarget("python3.12", "arm64")
    with pytest.raises(AttributeError):
        target.runtime = "python3.13"
    with pytest.raises(AttributeError):
        del target.architecture
    assert repr(target) == "LambdaTarget(runtime='python3.12', architecture='arm64')"
    assert target.platforms is target.platforms, "computed once, though the target cannot be changed"


def test_python315_is_a_preview_and_the_others_are_not():
    assert LambdaTarget("python3.15", "arm64").is_preview
    assert not any(LambdaTarget(runtime).is_preview for runtime in EXPECTED if runtime != "python3.15")


@pytest.mark.parametrize("filename, loads", [
    ("pkg-1.0-cp315-cp315-manylinux_2_34_aarch64.whl", True),
    ("pkg-1.0-cp315-cp315t-manylinux_2_34_aarch64.whl", False),  # free-threaded: Lambda runs the GIL build only
    ("pkg-1.0-cp312-abi3-manylinux_2_17_aarch64.whl", True),
    ("pkg-1.0-cp315-cp315-manylinux_2_35_aarch64.whl", False),
])
def test_python315_on_arm64_loads_its_own_abi_and_abi3_up_to_glibc_2_34(filename, loads):
    assert LambdaTarget("python3.15", "arm64").is_compatible_wheel(filename) is loads
