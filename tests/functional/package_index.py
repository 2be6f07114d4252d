"""A real PEP 503 package index on 127.0.0.1, holding distributions built from ``tests/packages``.

Each directory under ``tests/packages/<case>/`` is a readable project. Its
``fixture.json`` says what to publish from it:

- ``name``, ``version``, ``requires`` (Requires-Dist lines);
- ``wheels``: wheel tags to publish; ``{py}`` expands over ``pythons``
  (``["310", "311"]``), so one case can serve several Python versions;
- ``packages``: the import packages a wheel holds; files under ``data/<scheme>/``
  go to the wheel's ``.data/<scheme>/``;
- ``extension``: a module path given a tiny ELF (or Mach-O) stub in every
  platform wheel, named with the suffix the tag calls for;
- ``sdist``: publish the whole directory as an sdist too.

The index also holds the build backend (the setuptools of the test
environment, repacked into a wheel), so pip builds sdists without PyPI.
pypiserver serves the directory: a real HTTP server in its own process.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List

from tests.builders import make_sdist, make_wheel, tiny_elf

PACKAGES = Path(__file__).resolve().parent.parent / "packages"
MACHO_STUB = b"\xcf\xfa\xed\xfe" + bytes(28)


def fixture_cases() -> List[Path]:
    return sorted(p.parent for p in PACKAGES.glob("*/fixture.json"))


def _tags(spec: dict) -> List[str]:
    tags = []
    for template in spec.get("wheels", []):
        if "{py}" in template:
            tags += [template.format(py=py) for py in spec["pythons"]]
        else:
            tags.append(template)
    return tags


def _extension_file(module: str, tag: str) -> Dict[str, bytes]:
    """The native stub a platform wheel carries, named and built for its tag."""
    _, abi, platforms = tag.split("-")
    platform = platforms.split(".")[0]
    if platform == "any":
        return {}
    if platform.startswith("macosx"):
        return {f"{module}.cpython-{abi[2:]}-darwin.so": MACHO_STUB}
    machine = "aarch64" if platform.endswith("aarch64") else "x86_64"
    libc = "musl" if platform.startswith("musllinux") else "gnu"
    suffix = ".abi3.so" if abi == "abi3" else f".cpython-{abi[2:]}-{machine}-linux-{libc}.so"
    return {module + suffix: tiny_elf(machine)}


def build_case(case: Path, out: Path) -> None:
    spec = json.loads((case / "fixture.json").read_text())
    name, version, requires = spec["name"], spec["version"], tuple(spec.get("requires", ()))
    sources = {
        str(path.relative_to(case)): path.read_bytes()
        for path in sorted(case.rglob("*"))
        if path.is_file() and path.name != "fixture.json" and "__pycache__" not in path.parts
    }
    library = {
        path: data for path, data in sources.items()
        if path.split("/")[0] in spec.get("packages", []) and path.endswith(".py")
    }
    library.update({
        "{data}/" + path[len("data/"):]: data for path, data in sources.items() if path.startswith("data/")
    })
    for tag in _tags(spec):
        files = dict(library)
        if spec.get("extension"):
            files.update(_extension_file(spec["extension"], tag))
        make_wheel(str(out), name, version, tag=tag, files=files, requires=requires)
    if spec.get("sdist"):
        pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        pkg_info += "".join(f"Requires-Dist: {r}\n" for r in requires)
        make_sdist(str(out), name, version, files={p: d.decode() for p, d in sources.items()} | {"PKG-INFO": pkg_info})


def repack_installed(distribution: str, out: Path) -> None:
    """Publish a distribution of the test environment (the build backend) as a pure wheel."""
    dist = importlib.metadata.distribution(distribution)
    files, dist_info_files = {}, {}
    for file in dist.files or []:
        path = str(file)
        if path.startswith("..") or "__pycache__" in path or path.endswith(".pyc"):
            continue
        if path.split("/")[0].endswith(".dist-info"):  # its own; vendored ones are plain files
            if path.endswith(("entry_points.txt", "top_level.txt")):
                dist_info_files[os.path.basename(path)] = Path(file.locate()).read_bytes()
            continue
        located = Path(file.locate())
        if located.is_file():
            files[path] = located.read_bytes()
    requires = tuple(dist.metadata.get_all("Requires-Dist") or ())
    make_wheel(str(out), dist.metadata["Name"], dist.version, files=files, dist_info_files=dist_info_files,
               requires=requires)


def build_index_directory(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for case in fixture_cases():
        build_case(case, out)
    # The build backend, and what older pips (such as another interpreter's) add for setup.py projects.
    for distribution in ("setuptools", "wheel", "packaging"):
        repack_installed(distribution, out)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PackageIndex:
    """pypiserver serving ``directory`` on 127.0.0.1 until ``stop``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/simple/"
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(self.port),
             "--disable-fallback", "--backend", "simple-dir", "--log-stream", "none", str(directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self._wait_until_serving()

    def _wait_until_serving(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"pypiserver exited: {self._process.stderr.read().decode()}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"pypiserver did not answer on {self.url} within {timeout} s")

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
