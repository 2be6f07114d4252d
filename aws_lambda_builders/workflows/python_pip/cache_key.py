"""What decides the result of a build, reduced to one key: the address of a whole build in the cache.

Two builds with the same key install the same files, so a rebuild with an
unchanged key only places what the first one installed. The key covers the
requirements files (and every file they include), the target, the options
given to pip (ours, the requirements file's and pip's own configuration files
and ``PIP_*`` variables), the interpreter that runs pip, and this tool's
version. A requirement on a local path or a VCS link is not covered (what is
behind it can change without any of these changing): such a build has no key
and always runs.

Stdlib only, so that a rebuild from the cache starts without importing pip's
helpers or ``packaging``.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import sys
from typing import Dict, List, Mapping, Optional, Sequence

from aws_lambda_builders import __version__

from .interpreters import candidate_paths
from .credentials import redact_credentials
from .requirements_file import RequirementsFile, names_a_location, read_requirements_file

FORMAT = "1"
_REMOTE = ("https://", "http://")
_URL_HASH = re.compile(r"#(?:.*&)?(?:sha256|sha384|sha512)=[0-9a-fA-F]+")
_FIND_LINKS = ("-f", "--find-links")
_FILE_OPTIONS = ("-c", "--constraint", "-r", "--requirement")
# What decides how an sdist's C code is compiled besides the interpreter.
_COMPILE_VARIABLES = {"CC", "CXX", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "LDSHARED", "ARCHFLAGS"}


# Who answers the build's questions to pip by default: pip itself, through PipRunner and SubprocessPip
# (``PipRunner.identity``). Another runner, a test's scripted pip, answers otherwise: its builds get keys
# of their own, and never stand in for pip's.
SUBPROCESS_PIP = "aws_lambda_builders.workflows.python_pip.pip_runner.PipRunner" \
                 "(aws_lambda_builders.workflows.python_pip.pip_runner.SubprocessPip)"


def build_key(requirements: RequirementsFile, runtime: str, architecture: str, python_exe: str,
              pip_options: Sequence[str], tool_version: str,
              environ: Optional[Dict[str, str]] = None, pip: str = SUBPROCESS_PIP,
              input_facts: Optional[List[object]] = None) -> Optional[str]:
    """The key of a build, or None when what it installs cannot be told from its inputs.

    ``pip`` names what answers the build's pip calls (``PipRunner.identity``); ``input_facts``, what decides
    an input that is not a requirements file (``input_keys``).
    """
    if any(is_mutable_location(line.requirement, line.hashes)
           for line in requirements.requirements + requirements.constraints if names_a_location(line)):
        return None
    environ = dict(os.environ if environ is None else environ)
    options = list(pip_options) + requirements.pip_options
    env_files = [word for variable, flag in (("PIP_CONSTRAINT", "-c"), ("PIP_REQUIREMENT", "-r"))
                 for path in environ.get(variable, "").split() for word in (flag, path)]
    facts = {
        "format": FORMAT,
        "tool": tool_version,
        "target": [runtime, architecture],
        "python": _interpreter_identity(python_exe),
        "pip": pip,
        # Which interpreter compiles sdists, and how: one of the target's version found here, the compiler.
        "compilers": [os.path.realpath(path) for path in candidate_paths()],
        "compile_environment": sorted((k, v) for k, v in environ.items() if k in _COMPILE_VARIABLES),
        "requirements": [(line.requirement, list(line.hashes)) for line in requirements.requirements],
        **({"input": input_facts} if input_facts is not None else {}),
        "constraints": [(line.requirement, list(line.hashes)) for line in requirements.constraints],
        "files": [_file_digest(path) for path in requirements.files],
        "options": [redact_credentials(option) for option in options],
        "option_files": [_file_digest(path) for path in option_values(options + env_files, _FILE_OPTIONS)
                         if os.path.isfile(path)],
        "find_links": _local_listings(find_links(options, environ)),
        "pip_environment": sorted((k, redact_credentials(v)) for k, v in environ.items() if k.startswith("PIP_")),
        "pip_configuration": [_file_digest(path) for path in pip_configuration_files(python_exe, environ)
                              if os.path.isfile(path)],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode("utf-8")).hexdigest()


def key_for_build(requirements_path: str, runtime: str, architecture: str, python_exe: str,
                  pip_options: Sequence[str], pip: str = SUBPROCESS_PIP, input_format: Optional[str] = None,
                  extras: Sequence[str] = (), groups: Optional[Sequence[str]] = None, cross: bool = False
                  ) -> Optional[str]:
    """:func:`build_key` of an input (a requirements file, a lock, a pyproject.toml: ``input_formats``) as it
    is now, by this version of the tool; ``cross``: sdists compiled with zig (its version is in the key)."""
    from .input_formats import PYPROJECT, REQUIREMENTS, input_format as format_of

    if cross:
        from .cross_builds import zig_version

        pip = f"{pip} cross-built with zig {zig_version()}"
    kind = format_of(requirements_path, input_format)
    if kind == REQUIREMENTS:
        return build_key(read_requirements_file(requirements_path), runtime, architecture, python_exe,
                         pip_options, __version__, pip=pip)
    from .input_keys import input_key_facts

    facts = input_key_facts(requirements_path, kind, extras, groups)
    if facts is None:
        return None
    requirements = RequirementsFile()
    if kind == PYPROJECT:  # its requirements, as a requirements file's: a local path or VCS link has no key
        from .build_inputs import input_requirements

        requirements = input_requirements(requirements_path, kind, extras, groups)
    return build_key(requirements, runtime, architecture, python_exe, pip_options, __version__, pip=pip,
                     input_facts=facts)


def built_wheel_target(runtime: str, architecture: str, python_exe: str, pip_options: Sequence[str]) -> str:
    """What a wheel built from an sdist is kept for besides the sdist: the target, and the interpreter and
    pip options that built it (another interpreter compiles for another ABI; options pick the backend)."""
    builder = repr((os.path.realpath(python_exe), list(pip_options)))
    return f"{runtime}-{architecture}-{hashlib.sha256(builder.encode('utf-8')).hexdigest()[:16]}"


def pip_configuration_files(python_exe: str, environ: Dict[str, str]) -> List[str]:
    """The files pip reads its configuration from, as pip's ``configuration`` module lists them."""
    home = os.path.expanduser("~")
    config_home = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    config_dirs = (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    files = [os.path.join(d, "pip", "pip.conf") for d in config_dirs] + ["/etc/pip.conf"]
    files += [os.path.join(home, ".pip", "pip.conf"), os.path.join(config_home, "pip", "pip.conf"),
              os.path.join(home, "Library", "Application Support", "pip", "pip.conf")]
    if environ.get("APPDATA"):
        files.append(os.path.join(environ["APPDATA"], "pip", "pip.ini"))
    prefix = os.path.dirname(os.path.dirname(os.path.abspath(python_exe)))
    files += [os.path.join(prefix, "pip.conf"), os.path.join(sys.prefix, "pip.conf")]
    if environ.get("PIP_CONFIG_FILE") and environ["PIP_CONFIG_FILE"] != os.devnull:
        files.append(environ["PIP_CONFIG_FILE"])
    return files


def is_mutable_location(requirement: str, hashes: Sequence[str]) -> bool:
    """A local path, a VCS link, or an archive URL without a hash to hold it to its content."""
    location = requirement.split(" @ ", 1)[-1].strip()
    if not location.startswith(_REMOTE) or "+" in location.split("://", 1)[0]:
        return True
    return not hashes and not _URL_HASH.search(location)


def _file_digest(path: str) -> List[str]:
    with open(path, "rb") as f:
        return [path, hashlib.sha256(f.read()).hexdigest()]


def _interpreter_identity(path: str) -> List[object]:
    """The interpreter that runs pip: its path, its binary, and, for a virtual environment, its pip.

    A virtual environment's ``python`` links to its base interpreter, so an
    environment is told apart by its own path, its ``pyvenv.cfg`` and the pip
    version installed in it (a CI job that creates the same environment
    afresh each time still finds its builds).
    """
    prefix = os.path.dirname(os.path.dirname(os.path.abspath(path)))  # bin/python and bin/python3 are one
    identity: List[object] = [prefix, os.path.realpath(path)]
    with contextlib.suppress(OSError):
        stat = os.stat(os.path.realpath(path))
        identity += [stat.st_size, stat.st_mtime_ns]
    with contextlib.suppress(OSError):
        with open(os.path.join(prefix, "pyvenv.cfg"), "rb") as f:
            identity.append(hashlib.sha256(f.read()).hexdigest())
    pattern = os.path.join(prefix, "lib", "python3*", "site-packages", "pip-*.dist-info")
    identity += sorted(os.path.basename(found) for found in glob.glob(pattern))
    return identity


def find_links(options: Sequence[str], environ: Mapping[str, str]) -> List[str]:
    """Every ``--find-links`` location pip is given: in ``options``, then in ``PIP_FIND_LINKS``."""
    env_links = [word for link in environ.get("PIP_FIND_LINKS", "").split() for word in ("--find-links", link)]
    return option_values(list(options) + env_links, _FIND_LINKS)


def option_values(options: Sequence[str], flags: Sequence[str]) -> List[str]:
    """The values given to any of ``flags`` in a pip command line (``-f X``, ``--find-links=X``, ``-fX``)."""
    values = []
    words = list(options)
    for number, word in enumerate(words):
        flag, equals, value = word.partition("=")
        if flag in flags:
            values.append(value if equals else (words[number + 1] if number + 1 < len(words) else ""))
        else:
            values += [word[2:] for short in flags if len(short) == 2 and word.startswith(short) and len(word) > 2
                       and not word.startswith("--")]
    return [value[len("file://"):] if value.startswith("file://") else value for value in values]


def _local_listings(directories: Sequence[str]) -> List[List[object]]:
    """Each file in every local ``--find-links`` directory, by name, size and mtime: a wheel dropped
    there, or rebuilt in place, can change the result."""
    listings: List[List[object]] = []
    for directory in directories:
        if not os.path.isdir(directory):
            continue
        entries: List[List[object]] = []
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            with contextlib.suppress(OSError):
                info = entry.stat()
                entries.append([entry.name, info.st_size, info.st_mtime_ns])
        listings.append([directory, entries])
    return listings
