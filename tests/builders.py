"""Build real wheel and sdist files for tests, from readable Python values.

A wheel made here is a valid PEP 427 wheel (dist-info with METADATA, WHEEL and
a RECORD whose hashes match), so the real installer accepts it; pass
``record=False`` or ``tamper`` to make a broken one on purpose.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import struct
import tarfile
import zipfile
from typing import Dict, Optional, Sequence

# Smallest ELF64 little-endian header with a given machine: enough for checks that read e_machine.
ELF_MACHINES = {"x86_64": 62, "aarch64": 183}


def tiny_elf(machine: str) -> bytes:
    header = bytearray(64)
    header[0:4] = b"\x7fELF"
    header[4] = 2  # 64-bit
    header[5] = 1  # little endian
    header[6] = 1  # version
    header[16:18] = (3).to_bytes(2, "little")  # ET_DYN
    header[18:20] = ELF_MACHINES[machine].to_bytes(2, "little")
    return bytes(header)


def elf_machine(path: str) -> Optional[str]:
    """The machine of an ELF file (``x86_64``/``aarch64``/``other:N``), or None if not ELF."""
    with open(path, "rb") as f:
        header = f.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    byteorder = "little" if header[5] == 1 else "big"
    number = int.from_bytes(header[18:20], byteorder)
    for name, value in ELF_MACHINES.items():
        if value == number:
            return name
    return f"other:{number}"


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_wheel(
    directory: str,
    name: str,
    version: str,
    tag: str = "py3-none-any",
    files: Optional[Dict[str, bytes]] = None,
    requires: tuple = (),
    record: bool = True,
    tamper: Optional[str] = None,
    dist_info_files: Optional[Dict[str, bytes]] = None,
) -> str:
    """Write ``{name}-{version}-{tag}.whl`` into ``directory`` and return its path.

    ``files`` maps archive paths to contents; by default a package
    ``{name}/__init__.py``. Paths may use ``{data}`` for the ``.data`` directory.
    ``tamper`` names a file whose content is changed after RECORD is written;
    ``dist_info_files`` adds files such as ``entry_points.txt`` to the dist-info.
    """
    dist = name.replace("-", "_")
    data_dir = f"{dist}-{version}.data"
    dist_info = f"{dist}-{version}.dist-info"
    if files is None:
        files = {f"{dist}/__init__.py": f"NAME = {name!r}\n".encode()}
    contents: Dict[str, bytes] = {path.format(data=data_dir): data for path, data in files.items()}
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    contents[f"{dist_info}/METADATA"] = metadata.encode()
    pure = "true" if tag.endswith("-none-any") else "false"
    wheel_file = "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: %s\n" % pure
    wheel_file += "".join(f"Tag: {t}\n" for t in _expand(tag))
    contents[f"{dist_info}/WHEEL"] = wheel_file.encode()
    for filename, data in (dist_info_files or {}).items():
        contents[f"{dist_info}/{filename}"] = data
    if record:
        lines = [f"{path},{_record_hash(data)},{len(data)}" for path, data in contents.items()]
        lines.append(f"{dist_info}/RECORD,,")
        contents[f"{dist_info}/RECORD"] = ("\n".join(lines) + "\n").encode()
    if tamper:
        contents[tamper] = contents[tamper] + b"# tampered\n"
    path = os.path.join(directory, f"{dist}-{version}-{tag}.whl")
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in contents.items():
            archive.writestr(member, data)
    return path


def _expand(tag: str):
    interpreters, abis, platforms = tag.split("-")
    for i in interpreters.split("."):
        for a in abis.split("."):
            for p in platforms.split("."):
                yield f"{i}-{a}-{p}"


def make_sdist(
    directory: str,
    name: str,
    version: str,
    files: Optional[Dict[str, str]] = None,
    pkg_info: bool = True,
    fmt: str = "tar.gz",
) -> str:
    """Write a source distribution ``{name}-{version}.{fmt}`` (tar.gz, tar.bz2 or zip).

    By default it holds a setuptools ``setup.py`` and a package; ``pkg_info``
    adds the PKG-INFO every modern sdist has at its root.
    """
    root = f"{name}-{version}"
    if files is None:
        module = name.replace("-", "_")
        files = {
            "setup.py": "from setuptools import setup\n"
                        f"setup(name={name!r}, version={version!r}, packages=[{module!r}])\n",
            f"{module}/__init__.py": "",
        }
    files = dict(files)
    if pkg_info:
        files.setdefault("PKG-INFO", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    path = os.path.join(directory, f"{root}.{fmt}")
    if fmt == "zip":
        with zipfile.ZipFile(path, "w") as archive:
            for member, text in files.items():
                archive.writestr(f"{root}/{member}", text)
    else:
        mode = {"tar.gz": "w:gz", "tar.bz2": "w:bz2"}[fmt]
        with tarfile.open(path, mode) as archive:
            for member, text in files.items():
                data = text.encode()
                info = tarfile.TarInfo(f"{root}/{member}")
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return path


def _elf_hash(name: bytes) -> int:
    """The SysV ELF hash of a symbol version name (what ``vna_hash`` holds)."""
    value = 0
    for byte in name:
        value = ((value << 4) + byte) & 0xFFFFFFFF
        high = value & 0xF0000000
        if high:
            value ^= high >> 24
        value &= ~high & 0xFFFFFFFF
    return value


def elf_with_glibc_needs(machine: str, versions: Sequence[str], elf_class: int = 64,
                         little_endian: bool = True, needed: Sequence[str] = ()) -> bytes:
    """A small, structurally valid ELF shared object that needs ``versions`` from ``libc.so.6``.

    Tests need objects for another CPU, or that need a given glibc (e.g.
    ``GLIBC_2.28``), and no cross compiler is at hand. So the object is
    written field by field: an ELF header (``ET_DYN``, ``machine``), a
    ``.dynstr`` string table, a ``.gnu.version_r`` section (``SHT_GNU_VERNEED``,
    ``sh_link`` = the index of ``.dynstr``, ``sh_info`` = 1 Verneed entry) whose
    single Verneed entry for ``libc.so.6`` has one Vernaux entry per version,
    a ``.shstrtab`` and the section headers (a null section first). ``objdump
    -p`` and ``readelf -V`` read it as a real library's version needs.
    ``elf_class`` is 64 or 32; Verneed/Vernaux have the same layout in both.
    ``needed``: the libraries of a ``.dynamic`` section's ``DT_NEEDED`` entries (none: no such section).
    """
    if elf_class not in (32, 64):
        raise ValueError(f"elf_class must be 32 or 64, not {elf_class}")
    is64 = elf_class == 64
    order = "<" if little_endian else ">"
    ehsize = 64 if is64 else 52
    shentsize = 64 if is64 else 40
    align = 8 if is64 else 4

    def pad(buffer: bytearray) -> None:
        buffer.extend(b"\0" * (-len(buffer) % align))

    # .dynstr: "\0libc.so.6\0GLIBC_2.17\0..."
    dynstr = bytearray(b"\0")
    offsets = {}
    for name in ["libc.so.6", *versions, *needed]:
        if name not in offsets:
            offsets[name] = len(dynstr)
            dynstr.extend(name.encode("ascii") + b"\0")

    # .gnu.version_r: one Verneed (16 bytes) followed by its Vernaux entries (16 bytes each).
    verneed = bytearray(struct.pack(order + "HHIII", 1, len(versions), offsets["libc.so.6"],
                                    16 if versions else 0, 0))
    for index, version in enumerate(versions):
        last = index == len(versions) - 1
        verneed += struct.pack(order + "IHHII", _elf_hash(version.encode("ascii")), 0, index + 2,
                               offsets[version], 0 if last else 16)

    shstrtab = b"\0.dynstr\0.gnu.version_r\0.shstrtab\0.dynamic\0"
    name_dynstr, name_verneed, name_shstrtab, name_dynamic = 1, 9, 24, 34
    dynamic = b"".join(struct.pack(order + ("qQ" if is64 else "iI"), 1, offsets[library]) for library in needed)
    dynamic += struct.pack(order + ("qQ" if is64 else "iI"), 0, 0) if needed else b""

    body = bytearray(ehsize)
    dynstr_offset = len(body)
    body += dynstr
    pad(body)
    verneed_offset = len(body)
    body += verneed
    pad(body)
    shstrtab_offset = len(body)
    body += shstrtab
    pad(body)
    dynamic_offset = len(body)
    body += dynamic
    pad(body)
    shoff = len(body)

    section_fmt = order + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    sections = [
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0),  # SHN_UNDEF
        (name_dynstr, 3, 2, 0, dynstr_offset, len(dynstr), 0, 0, 1, 0),  # SHT_STRTAB, SHF_ALLOC
        (name_verneed, 0x6FFFFFFE, 2, 0, verneed_offset, len(verneed), 1, 1, align, 0),
        (name_shstrtab, 3, 0, 0, shstrtab_offset, len(shstrtab), 0, 0, 1, 0),
    ] + ([(name_dynamic, 6, 3, 0, dynamic_offset, len(dynamic), 1, 0, align, 16 if is64 else 8)] if needed else [])
    for section in sections:
        body += struct.pack(section_fmt, *section)

    ident = b"\x7fELF" + bytes([2 if is64 else 1, 1 if little_endian else 2, 1]) + bytes(9)
    header_fmt = order + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH")
    header = struct.pack(header_fmt, 3, ELF_MACHINES[machine], 1, 0, 0, shoff, 0, ehsize, 0, 0,
                         shentsize, len(sections), 3)
    body[0:ehsize] = ident + header
    return bytes(body)
