"""Audit a bundle directory (ours or anyone's) against a Lambda target, before deploying it.

It answers the questions behind "invalid ELF header" and "GLIBC_2.28 not
found": which shared object is for another CPU or needs a newer glibc, which
extension module is for another Python, which installed distribution was made
for another platform, and (``coverage_check``) what the input installs that the bundle lacks.
"""

from __future__ import annotations

import glob
import io
import os
import posixpath
import re
import zipfile
from dataclasses import asdict, dataclass, field
from typing import BinaryIO, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from packaging.tags import Tag, parse_tag

from .dist_info import wheel_file_tags
from .elf import ELF_MAGIC, NotAnElfFile, parse_elf
from .target import LambdaTarget, wheel_tags

_EXTENSION = re.compile(r"\.cpython-(?P<version>\d+)(?P<flags>[a-z]*)-(?P<machine>[a-z0-9_]+)-linux-(?P<libc>\w+)\.so$")
_SHARED_OBJECT = re.compile(r"\.so(\.\d+)*$")
_FOREIGN = re.compile(r"(-darwin\.so|\.dylib|\.pyd|\.dll)$")
_MACHO_MAGICS = {b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa\xcf"}


@dataclass(frozen=True)
class Problem:
    """One thing in the bundle that will not work on the target, and the file it is in."""

    kind: str  # elf-machine, glibc, extension, foreign-binary, wheel-tags, missing-requirement
    path: str  # relative to the bundle ("" when it is about a requirement)
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class CheckReport:
    bundle: str
    runtime: str
    architecture: str
    problems: List[Problem] = field(default_factory=list)
    shared_objects: int = 0
    distributions: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> Dict[str, object]:
        return {
            "bundle": self.bundle,
            "runtime": self.runtime,
            "architecture": self.architecture,
            "ok": self.ok,
            "shared_objects": self.shared_objects,
            "distributions": self.distributions,
            "problems": [asdict(p) for p in self.problems],
        }


def check_bundle(bundle: str, runtime: str, architecture: str, requirements_path: Optional[str] = None, *,
                 input_format: Optional[str] = None, extras: Sequence[str] = (),
                 groups: Optional[Sequence[str]] = None) -> CheckReport:
    """Audit every file and dist-info of ``bundle`` for ``runtime`` on ``architecture``.

    With ``requirements_path``, also what that input installs on the target and the bundle lacks
    (``coverage_check``): a requirements file, a lock or a pyproject.toml, of the format ``input_format``
    (default: told by its name), with the ``extras`` and dependency ``groups`` a build of it would take.
    Raises ``LockFileError`` for an input that cannot be read or has no such extra or group.
    """
    target = LambdaTarget(runtime, architecture)
    report = CheckReport(bundle, runtime, architecture)
    for path in _files(bundle):
        relative = os.path.relpath(path, bundle)
        problems = check_binary(path, relative, target)
        if problems is not None:
            report.shared_objects += 1
            report.problems.extend(problems)
    libraries = library_root(bundle)
    for dist_info in sorted(d for d in os.listdir(libraries) if d.endswith(".dist-info")):
        report.distributions += 1
        report.problems.extend(check_wheel_tags(os.path.join(libraries, dist_info),
                                                os.path.relpath(os.path.join(libraries, dist_info), bundle),
                                                target))
    if requirements_path:
        from .coverage_check import input_problems, installed_distributions

        shortfalls = input_problems(requirements_path, input_format, target, extras, groups,
                                    installed_distributions(libraries))
        report.problems.extend(Problem("missing-requirement", "", message) for message in shortfalls)
    return report


def is_binary_name(name: str) -> bool:
    """Whether a file name is that of compiled code: a shared object (``.so``, ``.so.1``) or a foreign binary."""
    return bool(_SHARED_OBJECT.search(name) or _FOREIGN.search(name))


def library_root(bundle: str) -> str:
    """Where a bundle's packages are: its root for a function, ``python/`` (or its site-packages) for a layer."""
    if any(name.endswith(".dist-info") for name in os.listdir(bundle)):
        return bundle
    layer = os.path.join(bundle, "python")
    for candidate in [layer] + sorted(glob.glob(os.path.join(layer, "lib", "python3.*", "site-packages"))):
        if os.path.isdir(candidate) and any(n.endswith(".dist-info") for n in os.listdir(candidate)):
            return candidate
    return bundle


def _files(root: str) -> Iterator[str]:
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            if os.path.isfile(path) and not os.path.islink(path):
                yield path


def check_binary(path: str, relative: str, target: LambdaTarget) -> Optional[List[Problem]]:
    """The problems of one file if it is a binary (None when it is not one)."""
    with open(path, "rb") as f:
        return binary_problems(f, os.path.basename(path), relative, target)


# The shared libraries every Lambda Python runtime provides (glibc's own, the GCC runtime, zlib): a library a
# binary built here needs that is neither one of these nor in its wheel is this machine's, and Lambda lacks it.
LAMBDA_SYSTEM_LIBRARIES = frozenset({
    "libc.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libpthread.so.0", "libutil.so.1", "libnsl.so.1",
    "libresolv.so.2", "libcrypt.so.1", "libgcc_s.so.1", "libstdc++.so.6", "libz.so.1",
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1",
})


def check_wheel_binaries(wheel_path: str, target: LambdaTarget) -> List[Problem]:
    """The problems of the shared objects inside a wheel (one built here, tagged ``linux_<arch>``): those of
    any binary, and each library one needs that neither the wheel nor Lambda's runtime has."""
    problems: List[Problem] = []
    with zipfile.ZipFile(wheel_path) as wheel:
        names = {posixpath.basename(name) for name in wheel.namelist()}
        for info in wheel.infolist():
            name = posixpath.basename(info.filename)
            if _SHARED_OBJECT.search(name):
                with wheel.open(info) as member:
                    data = member.read()
                problems += binary_problems(io.BytesIO(data), name, info.filename, target) or []
                problems += _external_libraries(data, info.filename, names)
    return problems


def _external_libraries(data: bytes, path: str, bundled: Set[str]) -> List[Problem]:
    try:
        needed = parse_elf(io.BytesIO(data)).needed_libraries
    except NotAnElfFile:
        return []
    return [Problem("external-library", path, f"needs {library}, which neither the wheel nor Lambda's runtime has "
                                              "(it was linked against a library of this machine)")
            for library in needed if library not in LAMBDA_SYSTEM_LIBRARIES and library not in bundled]


def built_wheel_problems(wheel_path: str, target: LambdaTarget, seen: Dict[Tuple[str, int, int], List[str]]
                         ) -> List[str]:
    """Why the shared objects of a wheel built on this machine would not load on the target.

    Its ``linux_<arch>`` tag says only which CPU built it: the glibc it links
    against is this machine's, which may be newer than the runtime's. Wheels
    from an index carry a manylinux tag that already says so: none is read.
    ``seen`` keeps the answers by file (path, mtime, size), so a wheel is read once.
    """
    if not all(tag.platform.startswith("linux_") for tag in wheel_tags(os.path.basename(wheel_path))):
        return []
    stat = os.stat(wheel_path)
    key = (wheel_path, stat.st_mtime_ns, stat.st_size)
    if key not in seen:
        seen[key] = [str(problem) for problem in check_wheel_binaries(wheel_path, target)]
    return seen[key]


def binary_problems(stream: BinaryIO, name: str, relative: str, target: LambdaTarget) -> Optional[List[Problem]]:
    """What keeps the binary in ``stream`` from loading on ``target`` (None when it is not a binary)."""
    magic = stream.read(4)
    stream.seek(0)
    if _FOREIGN.search(name) or magic in _MACHO_MAGICS:
        return [Problem("foreign-binary", relative, "is a macOS or Windows binary, which Linux cannot load")]
    if magic != ELF_MAGIC:
        if _SHARED_OBJECT.search(name):
            return [Problem("elf-machine", relative, "is named like a shared object but is not an ELF file")]
        return None
    problems = []
    try:
        info = parse_elf(stream)
    except NotAnElfFile as error:
        return [Problem("elf-machine", relative, f"cannot be read as ELF: {error}")]
    if info.machine != target.machine:
        problems.append(Problem("elf-machine", relative,
                                f"is built for {info.machine}; {target.architecture} needs {target.machine}"))
    if info.newest_glibc and info.newest_glibc > target.glibc:
        problems.append(Problem("glibc", relative, "needs GLIBC_%d.%d; %s has glibc %d.%d"
                                % (info.newest_glibc + (target.runtime,) + target.glibc)))
    problems.extend(check_extension_name(name, relative, target))
    return problems


def check_extension_name(name: str, relative: str, target: LambdaTarget) -> List[Problem]:
    """An extension module's suffix names the Python, CPU and libc it was built for."""
    match = _EXTENSION.search(name)
    if not match:
        return []
    wanted = "cpython-%d%d-%s-linux-gnu" % (target.python_version + (target.machine,))
    found = match.group(0)[1:-3]
    if found != wanted:
        return [Problem("extension", relative, f"is a {found} extension; {target.describe()} loads {wanted} or abi3")]
    return []


def check_wheel_tags(dist_info_path: str, dist_info: str, target: LambdaTarget) -> List[Problem]:
    """The tags in a dist-info's WHEEL file must include one the target accepts."""
    tags: Set[Tag] = set()
    for tag in wheel_file_tags(dist_info_path):
        tags |= parse_tag(tag.strip())
    if tags and not tags & target.supported_tags:
        listed = ", ".join(sorted(str(t) for t in tags))
        return [Problem("wheel-tags", os.path.join(dist_info, "WHEEL"),
                        f"was installed from a wheel for {listed}, not for {target.describe()}")]
    return []
