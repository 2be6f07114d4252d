"""Malicious and broken distributions, built by the tests, for the hostile package index.

Every escaping member aims at one ``outside`` directory chosen by the test, by
any route (``..`` from wherever it is unpacked, an absolute path, a link), so
that an escape, should one happen, leaves a file there to find.
"""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path
from typing import Callable, Dict

from tests.builders import make_wheel

SETUP = "from setuptools import setup\nsetup(name={name!r}, version='1.0', packages=[])\n"
UP = "../" * 30  # from any unpack directory up to the root


def _pkg_info(name: str) -> bytes:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode()


def _tar(path: Path, name: str, add: Callable[[tarfile.TarFile, str], None]) -> None:
    root = f"{name}-1.0"
    with tarfile.open(path, "w:gz") as archive:
        for member, data in ((f"{root}/PKG-INFO", _pkg_info(name)),
                             (f"{root}/setup.py", SETUP.format(name=name).encode())):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        add(archive, root)


def _file(archive: tarfile.TarFile, member: str, data: bytes = b"pwned\n") -> None:
    info = tarfile.TarInfo(member)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _link(archive: tarfile.TarFile, member: str, target: str, hard: bool = False) -> None:
    info = tarfile.TarInfo(member)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    archive.addfile(info)


def hostile_sdists(outside: Path) -> Dict[str, Callable[[tarfile.TarFile, str], None]]:
    """name -> what to add to an otherwise ordinary sdist."""
    aim = str(outside).lstrip("/")

    def device(archive, root):
        info = tarfile.TarInfo(f"{root}/device")
        info.type = tarfile.CHRTYPE
        info.devmajor, info.devminor = 1, 3
        archive.addfile(info)

    return {
        "evil-dotdot": lambda a, root: _file(a, f"{root}/{UP}{aim}/dotdot.txt"),
        "evil-absolute": lambda a, root: _file(a, f"/{aim}/absolute.txt"),
        "evil-symlink": lambda a, root: (_link(a, f"{root}/escape", str(outside)),
                                         _file(a, f"{root}/escape/symlink.txt")),
        "evil-hardlink": lambda a, root: _link(a, f"{root}/hard", f"{UP}{aim}/victim.txt", hard=True),
        "evil-device": device,
        "evil-duplicate": lambda a, root: (_file(a, f"{root}/twice.py", b"A = 1\n"),
                                           _file(a, f"{root}/twice.py", b"A = 2\n")),
    }


def hostile_wheels(directory: Path, outside: Path) -> None:
    """Wheels that break PEP 427: a path out of the bundle, and RECORDs that do not match."""
    make_wheel(str(directory), "evil-wheel-escape", "1.0",
               files={"evil_wheel_escape/__init__.py": b"", f"{UP}{str(outside).lstrip('/')}/wheel.txt": b"pwned"})
    make_wheel(str(directory), "evil-wheel-tampered", "1.0", tamper="evil_wheel_tampered/__init__.py")
    make_wheel(str(directory), "evil-wheel-unrecorded", "1.0", record=False)
    # A RECORD that lists a file the wheel does not have.
    path = make_wheel(str(directory), "evil-wheel-phantom", "1.0",
                      files={"evil_wheel_phantom/__init__.py": b"", "evil_wheel_phantom/gone.py": b"X = 1\n"})
    _drop_member(path, "evil_wheel_phantom/gone.py")


def _drop_member(wheel_path: str, member: str) -> None:
    import zipfile

    with zipfile.ZipFile(wheel_path) as source:
        kept = [(info, source.read(info)) for info in source.infolist() if info.filename != member]
    os.remove(wheel_path)
    with zipfile.ZipFile(wheel_path, "w") as target:
        for info, data in kept:
            target.writestr(info, data)


def build_hostile_index(directory: Path, outside: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, add in hostile_sdists(outside).items():
        _tar(directory / f"{name}-1.0.tar.gz", name, add)
    hostile_wheels(directory, outside)
    return directory
