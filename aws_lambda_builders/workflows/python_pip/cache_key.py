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

import hashlib
import json
import os
import sys
from typing import Dict, List, Optional, Sequence

from aws_lambda_builders import __version__

from .requirements_file import RequirementsFile, names_a_location, read_requirements_file

FORMAT = "1"
_REMOTE = ("https://", "http://")


def build_key(requirements: RequirementsFile, runtime: str, architecture: str, python_exe: str,
              pip_options: Sequence[str], tool_version: str,
              environ: Optional[Dict[str, str]] = None) -> Optional[str]:
    """The key of a build, or None when what it installs cannot be told from its inputs."""
    if any(_is_mutable_location(line.requirement) for line in requirements.requirements + requirements.constraints
           if names_a_location(line)):
        return None
    environ = dict(os.environ if environ is None else environ)
    options = list(pip_options) + requirements.pip_options
    env_links = [word for link in environ.get("PIP_FIND_LINKS", "").split() for word in ("--find-links", link)]
    facts = {
        "format": FORMAT,
        "tool": tool_version,
        "target": [runtime, architecture],
        "python": _file_identity(python_exe),
        "requirements": [(line.requirement, list(line.hashes)) for line in requirements.requirements],
        "constraints": [(line.requirement, list(line.hashes)) for line in requirements.constraints],
        "files": [_file_digest(path) for path in requirements.files],
        "options": options,
        "find_links": _local_listings(options + env_links),
        "pip_environment": sorted((k, v) for k, v in environ.items() if k.startswith("PIP_")),
        "pip_configuration": [_file_digest(path) for path in pip_configuration_files(python_exe, environ)
                              if os.path.isfile(path)],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode("utf-8")).hexdigest()


def key_for_build(requirements_path: str, runtime: str, architecture: str, python_exe: str,
                  pip_options: Sequence[str]) -> Optional[str]:
    """:func:`build_key` of a requirements file as it is now, by this version of the tool."""
    return build_key(read_requirements_file(requirements_path), runtime, architecture, python_exe, pip_options,
                     __version__)


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


def _is_mutable_location(requirement: str) -> bool:
    """A local path or a VCS link; an archive at an http(s) URL is taken to stay what it is."""
    location = requirement.split(" @ ", 1)[-1].strip()
    return not location.startswith(_REMOTE)


def _file_digest(path: str) -> List[str]:
    with open(path, "rb") as f:
        return [path, hashlib.sha256(f.read()).hexdigest()]


def _file_identity(path: str) -> List[object]:
    """The interpreter by path and by what is there now.

    A virtual environment's ``python`` links to its base interpreter, so the
    environment is told apart by its own path and its ``pyvenv.cfg``: two
    environments, or one recreated at the same path, are different pips.
    """
    identity: List[object] = [os.path.abspath(path)]
    for candidate in (os.path.realpath(path),
                      os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(path))), "pyvenv.cfg")):
        try:
            stat = os.stat(candidate)
        except OSError:
            continue
        identity += [candidate, stat.st_size, stat.st_mtime_ns, stat.st_ino]
    return identity


def _local_listings(options: Sequence[str]) -> List[List[object]]:
    """The names in every local ``--find-links`` directory: a wheel dropped there can change the result."""
    values = []
    words = list(options)
    for number, word in enumerate(words):
        flag, equals, value = word.partition("=")
        if flag in ("-f", "--find-links"):
            values.append(value if equals else (words[number + 1] if number + 1 < len(words) else ""))
        elif word.startswith("-f") and len(word) > 2 and not word.startswith("--"):
            values.append(word[2:])
    listings = []
    for value in values:
        path = value[len("file://"):] if value.startswith("file://") else value
        if os.path.isdir(path):
            listings.append([path, sorted(os.listdir(path))])
    return listings
