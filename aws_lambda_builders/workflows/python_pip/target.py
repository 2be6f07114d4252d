"""The AWS Lambda Python target: which runtimes exist and which wheels load there.

Every decision about compatibility is a pure function of a :class:`LambdaTarget`
and a wheel's tags, so it can be tested without pip or a file system. The facts
come from the Lambda runtime documentation (see LAMBDA.md in the project's
shared notes): the CPython ABI of each runtime, its glibc, and PEP 425/600 tags.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterator, List, Tuple

from aws_lambda_builders.architecture import ARM64, X86_64

from .exceptions import UnsupportedArchitectureError, UnsupportedPythonVersion

if TYPE_CHECKING:  # packaging is imported where tags are computed: a rebuild from the cache needs none
    from packaging.tags import Tag

# runtime -> (CPython minor version, glibc of the runtime's OS base)
RUNTIMES: Dict[str, Tuple[int, Tuple[int, int]]] = {
    "python3.8": (8, (2, 26)),
    "python3.9": (9, (2, 26)),
    "python3.10": (10, (2, 26)),
    "python3.11": (11, (2, 26)),
    "python3.12": (12, (2, 34)),
    "python3.13": (13, (2, 34)),
    "python3.14": (14, (2, 34)),
    "python3.15": (15, (2, 34)),
}

DEPRECATED_RUNTIMES = frozenset({"python3.8", "python3.9"})
# Offered by Lambda for trying out before general availability (LAMBDA.md), GIL build only.
PREVIEW_RUNTIMES = frozenset({"python3.15"})

# Lambda's architecture names -> the machine name in platform tags and uname.
MACHINES: Dict[str, str] = {X86_64: "x86_64", ARM64: "aarch64"}

# The oldest manylinux level that exists for each machine (PEP 513/599/600):
# manylinux1 (2_5) and manylinux2010 (2_12) were x86 only; aarch64 starts at 2_17.
_OLDEST_GLIBC_MINOR: Dict[str, int] = {"x86_64": 5, "aarch64": 17}

# Legacy aliases, written out so pip (which takes --platform literally) asks for them.
_LEGACY_MANYLINUX: Dict[Tuple[str, int], str] = {
    ("x86_64", 5): "manylinux1_x86_64",
    ("x86_64", 12): "manylinux2010_x86_64",
    ("x86_64", 17): "manylinux2014_x86_64",
    ("aarch64", 17): "manylinux2014_aarch64",
}


def platform_tags(machine: str, glibc: Tuple[int, int]) -> List[str]:
    """The platform tags that load on ``machine`` with ``glibc``, oldest first, legacy aliases beside their level."""
    tags = ["any", f"linux_{machine}"]
    major, newest_minor = glibc
    for minor in range(_OLDEST_GLIBC_MINOR[machine], newest_minor + 1):
        legacy = _LEGACY_MANYLINUX.get((machine, minor))
        if legacy:
            tags.append(legacy)
        tags.append(f"manylinux_{major}_{minor}_{machine}")
    return tags


class LambdaTarget:
    """One Lambda runtime on one architecture, e.g. python3.12 on arm64; immutable, a value."""

    runtime: str
    architecture: str

    def __init__(self, runtime: str, architecture: str = X86_64) -> None:
        if runtime not in RUNTIMES:
            raise UnsupportedPythonVersion(runtime)
        if architecture not in MACHINES:
            raise UnsupportedArchitectureError(architecture)
        self.__dict__.update(runtime=runtime, architecture=architecture)  # __setattr__ refuses

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a LambdaTarget cannot be changed (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a LambdaTarget cannot be changed (cannot delete {name!r})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LambdaTarget) and (other.runtime, other.architecture) == (
            self.runtime, self.architecture)

    def __hash__(self) -> int:
        return hash((self.runtime, self.architecture))

    def __repr__(self) -> str:
        return f"LambdaTarget(runtime={self.runtime!r}, architecture={self.architecture!r})"

    @property
    def python_version(self) -> Tuple[int, int]:
        return (3, RUNTIMES[self.runtime][0])

    @property
    def abi(self) -> str:
        """The runtime's CPython ABI tag, e.g. ``cp312``."""
        return "cp3%d" % RUNTIMES[self.runtime][0]

    @property
    def glibc(self) -> Tuple[int, int]:
        return RUNTIMES[self.runtime][1]

    @property
    def machine(self) -> str:
        """The ELF/uname machine name: ``x86_64`` or ``aarch64``."""
        return MACHINES[self.architecture]

    @cached_property
    def platforms(self) -> List[str]:
        """Every platform tag that loads on this target, oldest first.

        pip takes each ``--platform`` literally, so every manylinux level up to
        the runtime's glibc is listed (a wheel tagged only ``manylinux_2_24`` is
        otherwise never offered), with the legacy aliases beside their level.
        """
        return platform_tags(self.machine, self.glibc)

    @cached_property
    def supported_tags(self) -> FrozenSet[Tag]:
        """All PEP 425 tags a wheel may carry to load on this target.

        Built with ``packaging.tags`` for the target's version (not the host's):
        ``cpXY-cpXY``, ``cpXY-abi3`` with XY at or below the runtime,
        ``py3``/``py3X`` with X at or below it, and ``none``; never ``py2``.
        """
        from packaging.tags import compatible_tags, cpython_tags

        binary_platforms = [p for p in self.platforms if p != "any"]
        tags = set(
            cpython_tags(self.python_version, abis=[self.abi], platforms=binary_platforms)
        )
        tags.update(
            compatible_tags(self.python_version, interpreter=self.abi, platforms=binary_platforms)
        )
        return frozenset(tags)

    @cached_property
    def tag_preference(self) -> Dict["Tag", int]:
        """Each tag of :attr:`supported_tags` by preference (0 first), as an installer for the target ranks
        them: the runtime's own ABI, then abi3, then pure Python; the newest platform level first."""
        from packaging.tags import compatible_tags, cpython_tags

        binary_platforms = [p for p in reversed(self.platforms) if p != "any"]
        ordered = list(cpython_tags(self.python_version, abis=[self.abi], platforms=binary_platforms))
        ordered += compatible_tags(self.python_version, interpreter=self.abi, platforms=binary_platforms)
        preference: Dict["Tag", int] = {}
        for tag in ordered:
            preference.setdefault(tag, len(preference))
        return preference

    def is_compatible_wheel(self, filename: str) -> bool:
        """True if the wheel named ``filename`` loads on this target."""
        return is_compatible_wheel(filename, self)

    def marker_environment(self) -> Dict[str, str]:
        """The PEP 508 environment of the Lambda target, for evaluating markers there.

        Lambda does not pin the patch level of its runtimes, so the full
        version is given as ``3.X.0``.
        """
        version = "%d.%d" % self.python_version
        return {
            "implementation_name": "cpython",
            "implementation_version": f"{version}.0",
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": f"{version}.0",
            "python_version": version,
            "sys_platform": "linux",
        }

    @property
    def is_deprecated(self) -> bool:
        """Lambda still runs it, but no longer supports it (LAMBDA.md)."""
        return self.runtime in DEPRECATED_RUNTIMES

    @property
    def is_preview(self) -> bool:
        """Lambda runs it as a preview, not yet generally available (LAMBDA.md)."""
        return self.runtime in PREVIEW_RUNTIMES

    def describe(self) -> str:
        return f"{self.runtime} on {self.architecture}"


def is_compatible_wheel(filename: str, target: LambdaTarget) -> bool:
    """True if any of the wheel's (compressed, PEP 425) tags loads on ``target``."""
    tags = wheel_tags(filename)
    return any(tag in target.supported_tags for tag in tags)


def wheel_tags(filename: str) -> FrozenSet[Tag]:
    """The tag set of a wheel file name; empty for a name that is not a wheel's."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return frozenset()


def is_compatible_platform_tag(abi: str, platform: str, architecture: str) -> bool:
    """True if a wheel's ``platform`` tag loads on the runtime whose ABI is ``abi`` (``cp312``) on
    ``architecture``; for an ABI of no runtime, with the oldest glibc of aws-lambda-builders' table (2.17)."""
    runtimes = [runtime for runtime in RUNTIMES if LambdaTarget(runtime, architecture).abi == abi]
    if runtimes:
        return platform in LambdaTarget(runtimes[0], architecture).platforms
    return platform in platform_tags(MACHINES[architecture], (2, 17))


def compatibility_tags(wheel: str) -> Iterator[Tuple[str, str, str]]:
    """Every ``(implementation, abi, platform)`` of a wheel's name (without ``.whl``), its compressed tag
    sets (``py2.py3``) expanded, in that nesting order (aws-lambda-builders' ``_iter_all_compatibility_tags``)."""
    implementations, abis, platforms = wheel.split("-")[-3:]
    for implementation in implementations.split("."):
        for abi in abis.split("."):
            for platform in platforms.split("."):
                yield implementation, abi, platform
