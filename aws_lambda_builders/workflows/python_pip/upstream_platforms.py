"""aws-lambda-builders 1.63's platform and glibc tables, value for value, for the callers that read them
as ``DependencyBuilder`` class attributes.

The packager's own decisions do not use them: ``target.LambdaTarget`` lists every
manylinux level up to the runtime's glibc (these lists stop at 2_17, 2_28 and
2_34, so a wheel tagged only ``manylinux_2_24`` is never asked for), and knows
python3.15.
"""

from __future__ import annotations

from typing import Dict, List, Set, Tuple

from aws_lambda_builders.architecture import ARM64, X86_64

COMPATIBLE_PLATFORM_ARM64: List[str] = [
    "any",
    "linux_aarch64",
    "manylinux2014_aarch64",
    "manylinux_2_17_aarch64",
    "manylinux_2_28_aarch64",
    "manylinux_2_34_aarch64",
]

COMPATIBLE_PLATFORM_X86_64: List[str] = [
    "any",
    "linux_x86_64",
    "manylinux1_x86_64",
    "manylinux2010_x86_64",
    "manylinux2014_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux_2_34_x86_64",
]

COMPATIBLE_PLATFORMS: Dict[str, List[str]] = {ARM64: COMPATIBLE_PLATFORM_ARM64, X86_64: COMPATIBLE_PLATFORM_X86_64}

MANYLINUX_LEGACY_MAP: Dict[str, str] = {
    "manylinux1_x86_64": "manylinux_2_5_x86_64",
    "manylinux2010_x86_64": "manylinux_2_12_x86_64",
    "manylinux2014_aarch64": "manylinux_2_17_aarch64",
    "manylinux2014_x86_64": "manylinux_2_17_x86_64",
}

COMPATIBLE_PACKAGE_ALLOWLIST: Set[str] = {"sqlalchemy"}

RUNTIME_GLIBC: Dict[str, Tuple[int, int]] = {
    "cp37m": (2, 17),
    "cp38": (2, 26),
    "cp39": (2, 26),
    "cp310": (2, 26),
    "cp311": (2, 26),
    "cp312": (2, 34),
    "cp313": (2, 34),
    "cp314": (2, 34),
}

DEFAULT_GLIBC: Tuple[int, int] = (2, 17)

GLIBC_TO_LATEST_MANYLINUX: Dict[Tuple[int, int], str] = {
    (2, 17): "manylinux_2_17",
    (2, 26): "manylinux_2_17",
    (2, 34): "manylinux_2_34",
}


class DependencyBuilderTables:
    """The tables as ``DependencyBuilder`` class attributes, under aws-lambda-builders' names."""

    _COMPATIBLE_PLATFORM_ARM64 = COMPATIBLE_PLATFORM_ARM64
    _COMPATIBLE_PLATFORM_X86_64 = COMPATIBLE_PLATFORM_X86_64
    _COMPATIBLE_PLATFORMS = COMPATIBLE_PLATFORMS
    _MANYLINUX_LEGACY_MAP = MANYLINUX_LEGACY_MAP
    _RUNTIME_GLIBC = RUNTIME_GLIBC
    _DEFAULT_GLIBC = DEFAULT_GLIBC
    _GLIBC_TO_LATEST_MANYLINUX = GLIBC_TO_LATEST_MANYLINUX
    # Packages whose wheels claim a platform but work anywhere (their C parts are optional): step 6 uses it.
    _COMPATIBLE_PACKAGE_ALLOWLIST = COMPATIBLE_PACKAGE_ALLOWLIST
