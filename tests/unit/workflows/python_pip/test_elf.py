"""read_elf: the ELF machine and GLIBC_X.Y versions a shared object needs, from .gnu.version_r."""

from __future__ import annotations

import io
import os
import re
import struct
import sys

import pytest

from aws_lambda_builders.workflows.python_pip.elf import ElfInfo, NotAnElfFile, parse_elf, read_elf
from tests.builders import elf_with_glibc_needs, tiny_elf

VERSIONS = ["GLIBC_2.2.5", "GLIBC_2.17", "GLIBC_2.28"]


def _write(tmp_path, data, name="lib.so"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
@pytest.mark.parametrize("elf_class", [64, 32])
@pytest.mark.parametrize("little_endian", [True, False], ids=["little", "big"])
def test_machine_and_needed_versions_are_read_for_every_class_and_byte_order(tmp_path, machine, elf_class,
                                                                             little_endian):
    path = _write(tmp_path, elf_with_glibc_needs(machine, VERSIONS, elf_class, little_endian))
    info = read_elf(path)
    assert info.machine == machine
    assert info.needed_versions == tuple(VERSIONS)
    assert info.newest_glibc == (2, 28)


def test_newest_glibc_compares_numerically_not_as_text(tmp_path):
    path = _write(tmp_path, elf_with_glibc_needs("x86_64", ["GLIBC_2.9", "GLIBC_2.10", "GLIBC_2.3.4"]))
    assert read_elf(path).newest_glibc == (2, 10)


def test_newest_glibc_ignores_libstdcxx_gcc_and_private_versions(tmp_path):
    versions = ["GLIBCXX_3.4", "GCC_3.0", "GLIBC_2.14", "CXXABI_1.3", "GLIBC_PRIVATE"]
    info = read_elf(_write(tmp_path, elf_with_glibc_needs("aarch64", versions)))
    assert info.needed_versions == tuple(versions)
    assert info.newest_glibc == (2, 14)


def test_only_non_glibc_versions_give_no_newest_glibc(tmp_path):
    info = read_elf(_write(tmp_path, elf_with_glibc_needs("x86_64", ["GLIBCXX_3.4.29", "GCC_4.2.0"])))
    assert info.needed_versions == ("GLIBCXX_3.4.29", "GCC_4.2.0")
    assert info.newest_glibc is None


def test_three_part_glibc_version_counts_by_major_and_minor(tmp_path):
    info = read_elf(_write(tmp_path, elf_with_glibc_needs("x86_64", ["GLIBC_2.2.5"])))
    assert info.newest_glibc == (2, 2)


def test_object_with_no_version_needs_has_none(tmp_path):
    info = read_elf(_write(tmp_path, elf_with_glibc_needs("aarch64", [])))
    assert info == ElfInfo("aarch64", ())
    assert info.newest_glibc is None


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_header_only_elf_without_sections_has_machine_and_no_versions(tmp_path, machine):
    info = read_elf(_write(tmp_path, tiny_elf(machine)))
    assert info.machine == machine
    assert info.needed_versions == ()
    assert info.newest_glibc is None


def test_unknown_machine_number_is_named_by_number():
    data = bytearray(tiny_elf("x86_64"))
    data[18:20] = (999).to_bytes(2, "little")
    assert parse_elf(io.BytesIO(bytes(data))).machine == "machine-999"


def test_parse_elf_reads_from_an_open_binary_stream():
    info = parse_elf(io.BytesIO(elf_with_glibc_needs("aarch64", ["GLIBC_2.17"], 32, False)))
    assert info == ElfInfo("aarch64", ("GLIBC_2.17",))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x7fEL",
        b"#!/bin/sh\necho not a library\n",
        b"\xcf\xfa\xed\xfe" + bytes(60),  # Mach-O 64
        b"\x7fELF" + bytes([3, 1, 1]) + bytes(57),  # invalid EI_CLASS
        b"\x7fELF" + bytes([2, 0, 1]) + bytes(57),  # invalid EI_DATA
    ],
    ids=["empty", "short-magic", "text", "mach-o", "bad-class", "bad-data"],
)
def test_non_elf_content_raises_not_an_elf_file(tmp_path, data):
    with pytest.raises(NotAnElfFile):
        read_elf(_write(tmp_path, data))


@pytest.mark.parametrize("length", [16, 20, 40, 63])
def test_elf_truncated_inside_the_header_raises_not_an_elf_file(tmp_path, length):
    data = elf_with_glibc_needs("x86_64", ["GLIBC_2.17"])[:length]
    with pytest.raises(NotAnElfFile):
        read_elf(_write(tmp_path, data))


def test_not_an_elf_file_is_a_value_error():
    assert issubclass(NotAnElfFile, ValueError)


def test_version_section_pointing_past_end_of_file_raises_not_an_elf_file(tmp_path):
    """A .so cut short after its section headers survive must be reported as not ELF, not crash."""
    data = bytearray(elf_with_glibc_needs("x86_64", ["GLIBC_2.17", "GLIBC_2.28"]))
    shoff = struct.unpack_from("<Q", data, 40)[0]
    verneed_header = shoff + 2 * 64  # section 2 is .gnu.version_r
    assert struct.unpack_from("<I", data, verneed_header + 4)[0] == 0x6FFFFFFE
    struct.pack_into("<Q", data, verneed_header + 24, len(data) + 4096)  # sh_offset beyond EOF
    with pytest.raises(NotAnElfFile):
        read_elf(_write(tmp_path, bytes(data)))


def _running_glibc():
    match = re.match(r"glibc (\d+)\.(\d+)", os.confstr("CS_GNU_LIBC_VERSION"))
    assert match, "the tests run on a glibc Linux"
    return int(match.group(1)), int(match.group(2))


def test_running_interpreter_binary_is_parsed():
    info = read_elf(os.path.realpath(sys.executable))
    assert info.machine == os.uname().machine
    assert any(v.startswith("GLIBC_") for v in info.needed_versions)
    assert info.newest_glibc is not None
    assert info.newest_glibc <= _running_glibc()


@pytest.mark.parametrize("elf_class", [64, 32])
def test_the_libraries_a_shared_object_needs_are_read_from_its_dynamic_section(tmp_path, elf_class):
    from tests.builders import elf_with_glibc_needs

    path = tmp_path / "ext.so"
    path.write_bytes(elf_with_glibc_needs("aarch64", ["GLIBC_2.17"], elf_class=elf_class,
                                          needed=["libyaml-0.so.2", "libc.so.6"]))
    info = read_elf(str(path))
    assert info.needed_libraries == ("libyaml-0.so.2", "libc.so.6")
    assert info.newest_glibc == (2, 17)
