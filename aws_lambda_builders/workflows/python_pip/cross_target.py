"""What compiling C for a Lambda target from another machine takes, decided as pure functions of the target.

zig's C compiler targets a CPU and a glibc version at once (``aarch64-linux-gnu.2.26``): what it links
needs no newer glibc than the runtime's. An interpreter of the target's Python version on this machine
provides the headers and the configuration (``sysconfig``) the build backend compiles with; both are made
the target's: its ``pyconfig.h`` without this CPU's assembler macros, its configuration naming zig as the
compiler, the target's extension suffix (``.cpython-311-aarch64-linux-gnu.so``) and platform
(``_PYTHON_HOST_PLATFORM``). The wheel that comes out is tagged ``linux_<machine>`` by the backend; once the
audit has found every binary to be the target's, it is tagged for the target's glibc
(``manylinux_2_26_aarch64``).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Optional

from .target import LambdaTarget

# pyconfig.h macros that only hold on x86 (inline assembler for the x87 FPU and x86-64): an extension built
# for aarch64 from an x86_64 interpreter's headers must not see them. Undefined, they only turn off
# CPython's own use of that assembler, never a feature an extension relies on.
X86_ONLY_MACROS = ("HAVE_GCC_ASM_FOR_X64", "HAVE_GCC_ASM_FOR_X87")


def zig_target(target: LambdaTarget) -> str:
    """zig's ``-target`` for ``target``: its CPU, Linux, glibc at the runtime's version."""
    major, minor = target.glibc
    return f"{target.machine}-linux-gnu.{major}.{minor}"


def host_platform(target: LambdaTarget) -> str:
    """``_PYTHON_HOST_PLATFORM`` for the target: what ``sysconfig.get_platform()`` says, and the wheel's tag
    (``linux-aarch64`` gives ``linux_aarch64``)."""
    return f"linux-{target.machine}"


def sysconfigdata_name(target: LambdaTarget) -> str:
    """The module ``sysconfig`` reads the target's configuration from (``_PYTHON_SYSCONFIGDATA_NAME``)."""
    return f"_sysconfigdata__linux_{target.machine}-linux-gnu"


def extension_suffix(target: LambdaTarget) -> str:
    major, minor = target.python_version
    return f".cpython-{major}{minor}-{target.machine}-linux-gnu.so"


def target_pyconfig(text: str, target: LambdaTarget) -> str:
    """An interpreter's ``pyconfig.h`` made the target's (see :data:`X86_ONLY_MACROS`)."""
    if target.machine == "x86_64":
        return text
    for macro in X86_ONLY_MACROS:
        text = re.sub(rf"^#define {macro}\b.*$", f"/* #undef {macro} (not on {target.machine}) */", text,
                      flags=re.MULTILINE)
    return text


# The programs a cross build's configuration names: zig for the target, one word each, as build backends
# take a compiler to be (setuptools swaps the first word of the linker for the C++ compiler's to link C++).
C_COMPILER, CXX_COMPILER, ARCHIVER = "cc", "c++", "ar"
_CXX_SOURCES = "*.cpp|*.cc|*.cxx|*.c++|*.C|*.cp|*.CPP"


def compiler_wrapper(zig: str, target: LambdaTarget, program: str) -> str:
    """The shell script that is ``program`` (:data:`C_COMPILER`, :data:`CXX_COMPILER`, :data:`ARCHIVER`) for
    ``target``: zig's. The C compiler compiles a C++ source as C++ (setuptools compiles every source with it)."""
    quoted = "'" + zig.replace("'", "'\\''") + "'"
    if program == ARCHIVER:
        return f"#!/bin/sh\nexec {quoted} ar \"$@\"\n"
    drivers = f"exec {quoted} c++ -target {zig_target(target)} \"$@\""
    if program == CXX_COMPILER:
        return f"#!/bin/sh\n{drivers}\n"
    return ("#!/bin/sh\n"
            "for arg in \"$@\"; do\n"
            f"  case \"$arg\" in {_CXX_SOURCES}) {drivers};; esac\n"
            "done\n"
            f"exec {quoted} cc -target {zig_target(target)} \"$@\"\n")


def target_config_vars(host: Mapping[str, Any], target: LambdaTarget, programs: str, include: str
                       ) -> Dict[str, Any]:
    """An interpreter's build configuration (``sysconfig``'s ``build_time_vars``) made the target's.

    ``programs`` is the directory of the :func:`compiler_wrapper` scripts, ``include`` the target's headers.
    The compiler and linker are zig's for the target; the host's flags, library paths and run paths go (they
    name this machine's directories); the names that say which CPU and ABI an extension is for become the
    target's.
    """
    major, minor = target.python_version
    cc, cxx = f"{programs}/{C_COMPILER}", f"{programs}/{CXX_COMPILER}"
    flags = f"-DNDEBUG -fwrapv -O2 -Wall -I{include}"
    triple = f"{target.machine}-linux-gnu"
    config = dict(host)
    config.update({
        # Linked stripped (-s): no debug information or local symbols in what ships (zig's libc++ alone is
        # megabytes of them); the dynamic symbols a module exports stay.
        "CC": cc, "CXX": cxx, "LDSHARED": f"{cc} -shared -s", "BLDSHARED": f"{cc} -shared -s",
        "LDCXXSHARED": f"{cxx} -shared -s", "AR": f"{programs}/{ARCHIVER}", "ARFLAGS": "rcs",
        "CFLAGS": flags, "OPT": "-DNDEBUG -fwrapv -O2 -Wall", "BASECFLAGS": "", "CPPFLAGS": f"-I{include}",
        "CCSHARED": "-fPIC", "CFLAGSFORSHARED": "-fPIC", "LDFLAGS": "", "CONFIGURE_CFLAGS": "",
        "CONFIGURE_CPPFLAGS": "", "CONFIGURE_LDFLAGS": "", "PY_CFLAGS": flags, "PY_CFLAGS_NODIST": "",
        "PY_CORE_CFLAGS": flags, "PY_CPPFLAGS": f"-I{include}", "PY_LDFLAGS": "", "PY_LDFLAGS_NODIST": "",
        "PY_CORE_LDFLAGS": "", "LIBS": "", "SYSLIBS": "-lm", "LINKFORSHARED": "",
        "EXT_SUFFIX": extension_suffix(target), "SO": extension_suffix(target),
        "SOABI": f"cpython-{major}{minor}-{triple}", "MULTIARCH": triple,
        "HOST_GNU_TYPE": f"{target.machine}-unknown-linux-gnu", "MACHDEP": "linux",
        "INCLUDEPY": include, "INCLUDEDIR": include,
    })
    return config


def compiler_environment(programs: str) -> Dict[str, str]:
    """The compiler variables of a cross build: the target's compilers (``programs``: the directory of the
    :func:`compiler_wrapper` scripts), and none of this machine's flags (``CC``, ``CFLAGS=-march=native``
    in the user's environment would otherwise win over the configuration, and make a binary for this CPU)."""
    return {"CC": f"{programs}/{C_COMPILER}", "CXX": f"{programs}/{CXX_COMPILER}",
            "LDSHARED": f"{programs}/{C_COMPILER} -shared -s", "LDCXXSHARED": f"{programs}/{CXX_COMPILER} -shared -s",
            "AR": f"{programs}/{ARCHIVER}", "ARFLAGS": "rcs", "CFLAGS": "", "CXXFLAGS": "", "CPPFLAGS": "",
            "LDFLAGS": "", "ARCHFLAGS": ""}


def multiarch_pyconfig(text: str, multiarch: str) -> Optional[str]:
    """The header a Debian-style ``pyconfig.h`` includes for ``multiarch`` (``x86_64-linux-gnu/python3.11/
    pyconfig.h``), relative to the system's include directory; None for a ``pyconfig.h`` that is the real one."""
    for included in re.findall(r"#\s*include\s*<([^>]+/pyconfig\.h)>", text):
        if included.startswith(multiarch + "/"):
            return included
    return None


def manylinux_tag(target: LambdaTarget) -> str:
    """The platform tag of a wheel built for ``target`` with zig and found sound by the audit."""
    major, minor = target.glibc
    return f"manylinux_{major}_{minor}_{target.machine}"
