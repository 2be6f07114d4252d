"""An arm64 CPython on an x86_64 machine, without Docker: Debian's arm64 packages unpacked into a directory and
run by QEMU's user-mode emulator, so that a bundle built for arm64 is imported and run as Lambda would.

Set up once per test session (about a minute per Python, most of it downloading): ``apt-get download`` of
``qemu-user-static`` and ``debootstrap`` unpacked in a scratch directory (nothing is installed on the
machine), then ``debootstrap --foreign`` of a minimal Debian with the Python wanted (bookworm has 3.11,
sid 3.13), its packages unpacked into the root; ``qemu-aarch64-static -L ROOT ROOT/usr/bin/python3.X`` runs it.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Dict, Optional, Sequence

DEBIAN = "http://deb.debian.org/debian"
RELEASES: Dict[str, str] = {"3.11": "bookworm", "3.13": "sid"}


class Arm64Python:
    """``python3.X`` of an arm64 Debian root, run under emulation."""

    def __init__(self, qemu: Path, root: Path, version: str) -> None:
        self.qemu, self.root, self.version = qemu, root, version

    def run(self, code: str, path: Sequence[str] = (), timeout: float = 300) -> subprocess.CompletedProcess:
        """Run ``code`` with ``path`` first on ``sys.path`` (``-I``: nothing else of this machine's)."""
        prelude = f"import sys; sys.path[:0] = {list(map(str, path))!r}; "
        python = self.root / "usr/bin" / f"python{self.version}"
        return subprocess.run([str(self.qemu), "-L", str(self.root), str(python), "-I", "-c", prelude + code],
                              capture_output=True, text=True, timeout=timeout)


def _run(command: Sequence[str], cwd: Optional[Path] = None, timeout: float = 900) -> None:
    done = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                           f"{done.stdout[-2000:]}{done.stderr[-2000:]}")


def tools(work: Path) -> Path:
    """qemu-user-static and debootstrap unpacked under ``work``; the directory they are in."""
    unpacked = work / "tools"
    if (unpacked / "usr/bin/qemu-aarch64-static").exists():
        return unpacked
    debs = work / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    try:
        _run(["apt-get", "download", "qemu-user-static", "debootstrap"], cwd=debs)
    except RuntimeError:  # a machine whose package lists were never fetched
        _run(["apt-get", "update", "-q"])
        _run(["apt-get", "download", "qemu-user-static", "debootstrap"], cwd=debs)
    for deb in sorted(debs.glob("*.deb")):
        _run(["dpkg-deb", "-x", str(deb), str(unpacked)])
    return unpacked


def arm64_python(work: Path, version: str) -> Arm64Python:
    """An arm64 ``python<version>`` prepared under ``work`` (made once, reused when already there)."""
    assert platform.machine() == "x86_64", "emulating arm64 is for an x86_64 machine"
    unpacked = tools(work)
    root = work / f"root-{version}"
    python = root / "usr/bin" / f"python{version}"
    if not python.exists():
        environment = dict(os.environ, DEBOOTSTRAP_DIR=str(unpacked / "usr/share/debootstrap"))
        done = subprocess.run([str(unpacked / "usr/sbin/debootstrap"), "--arch=arm64", "--foreign", "--variant=minbase",
                               f"--include=python{version}", RELEASES[version], str(root), DEBIAN],
                              env=environment, capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            raise RuntimeError(f"debootstrap of python{version} failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        for deb in sorted((root / "var/cache/apt/archives").glob("*.deb")):
            _run(["dpkg-deb", "-x", str(deb), str(root)])
    return Arm64Python(unpacked / "usr/bin/qemu-aarch64-static", root, version)
