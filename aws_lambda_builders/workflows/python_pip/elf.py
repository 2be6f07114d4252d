"""What a shared object needs from the machine that loads it: its ELF machine, glibc versions and libraries.

Read with the standard library (``struct``) from the ELF header, the
``.gnu.version_r`` section (the symbol versions a library needs from each of
its dependencies) and the ``.dynamic`` section (the libraries it needs), so
that auditing a bundle needs no ``objdump``.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import BinaryIO, List, Optional, Tuple

ELF_MAGIC = b"\x7fELF"
EM_NAMES = {3: "i386", 8: "mips", 20: "ppc", 21: "ppc64", 40: "arm", 62: "x86_64", 183: "aarch64", 243: "riscv"}
SHT_GNU_VERNEED = 0x6FFFFFFE
SHT_DYNAMIC = 6
DT_NULL, DT_NEEDED = 0, 1
_GLIBC = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$")


class NotAnElfFile(ValueError):
    """The file is not an ELF object (or is truncated)."""


@dataclass(frozen=True)
class ElfInfo:
    machine: str
    needed_versions: Tuple[str, ...]
    needed_libraries: Tuple[str, ...] = ()  # DT_NEEDED: the shared libraries the loader must find

    @property
    def newest_glibc(self) -> Optional[Tuple[int, int]]:
        """The highest ``GLIBC_X.Y`` symbol version the object needs, if any."""
        found = [(int(m.group(1)), int(m.group(2))) for m in map(_GLIBC.match, self.needed_versions) if m]
        return max(found) if found else None


def read_elf(path: str) -> ElfInfo:
    with open(path, "rb") as f:
        return parse_elf(f)


def parse_elf(f: BinaryIO) -> ElfInfo:
    ident = f.read(16)
    if len(ident) < 16 or ident[:4] != ELF_MAGIC or ident[4] not in (1, 2) or ident[5] not in (1, 2):
        raise NotAnElfFile("not an ELF file")
    is64 = ident[4] == 2
    order = "<" if ident[5] == 1 else ">"
    header = f.read(48 if is64 else 36)
    fmt = order + ("HHIQQQIHHHHHH" if is64 else "HHIIIIIHHHHHH")
    try:
        (_, machine, _, _, _, shoff, _, _, _, _, shentsize, shnum, _) = struct.unpack(fmt, header)
    except struct.error as error:
        raise NotAnElfFile(f"truncated ELF header: {error}") from None
    try:
        sections = _sections(f, order, is64, shoff, shentsize, shnum)  # read once, for both
        needed = _needed_versions(f, order, sections)
        libraries = _needed_libraries(f, order, is64, sections)
    except struct.error as error:
        raise NotAnElfFile(f"truncated ELF section: {error}") from None
    return ElfInfo(EM_NAMES.get(machine, f"machine-{machine}"), tuple(needed), tuple(libraries))


def _sections(f: BinaryIO, order: str, is64: bool, shoff: int, shentsize: int, shnum: int
              ) -> List[Tuple[int, int, int, int, int]]:
    fmt = order + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    size = struct.calcsize(fmt)
    if not shoff or shentsize < size:
        return []
    sections = []
    for index in range(shnum):
        f.seek(shoff + index * shentsize)
        raw = f.read(size)
        if len(raw) < size:
            break
        _, sh_type, _, _, offset, sh_size, link, info, _, _ = struct.unpack(fmt, raw)
        sections.append((sh_type, offset, sh_size, link, info))
    return sections


def _string_table(f: BinaryIO, sections: List[Tuple[int, int, int, int, int]], link: int) -> bytes:
    """The string table a section links to (``sh_link``)."""
    _, offset, size, _, _ = sections[link]
    f.seek(offset)
    return f.read(size)


def _needed_versions(f: BinaryIO, order: str, sections: List[Tuple[int, int, int, int, int]]) -> List[str]:
    names: List[str] = []
    for sh_type, offset, _size, link, count in sections:
        if sh_type != SHT_GNU_VERNEED or link >= len(sections):
            continue
        strtab = _string_table(f, sections, link)
        entry = offset
        for _ in range(count):  # Verneed entries, each with a list of Vernaux
            f.seek(entry)
            vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack(order + "HHIII", f.read(16))
            aux = entry + vn_aux
            for _ in range(vn_cnt):
                f.seek(aux)
                _, _, _, vna_name, vna_next = struct.unpack(order + "IHHII", f.read(16))
                names.append(_string(strtab, vna_name))
                if not vna_next:
                    break
                aux += vna_next
            if not vn_next:
                break
            entry += vn_next
    return names


def _needed_libraries(f: BinaryIO, order: str, is64: bool, sections: List[Tuple[int, int, int, int, int]]
                      ) -> List[str]:
    """The ``DT_NEEDED`` entries of the ``.dynamic`` section, in order."""
    entry = order + ("qQ" if is64 else "iI")
    width = struct.calcsize(entry)
    libraries: List[str] = []
    for sh_type, offset, size, link, _ in sections:
        if sh_type != SHT_DYNAMIC or link >= len(sections):
            continue
        strtab = _string_table(f, sections, link)
        f.seek(offset)
        table = f.read(size)
        for start in range(0, len(table) - width + 1, width):
            tag, value = struct.unpack(entry, table[start:start + width])
            if tag == DT_NULL:
                break
            if tag == DT_NEEDED:
                libraries.append(_string(strtab, value))
    return libraries


def _string(table: bytes, offset: int) -> str:
    end = table.find(b"\0", offset)
    return table[offset:end if end >= 0 else len(table)].decode("ascii", "replace")
