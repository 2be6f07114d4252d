"""A scripted stand-in for pip: ``FakePip`` is the ``pip`` argument of ``PipRunner``.

It records every call and answers from a table the test writes, producing
REAL wheels and sdists (``tests/builders.py``) where pip would put them::

    pip = FakePip()
    pip.on_download_requirements(wheel("foo", "1.0"), sdist("bar", "2.0"))
    pip.on_download_binary("baz==3.0", wheel("baz", "3.0", tag="cp311-cp311-manylinux2014_x86_64"))
    pip.on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0", tag="cp311-cp311-linux_x86_64"))
    pip.on_wheel("bar-2.0.tar.gz", wheel("bar", "2.0"), env={"CC": "/var/false"})
    pip.on_wheel("qux-1.0.tar.gz", rc=1, stderr="ERROR: Failed building wheel for qux\n")
    pip.on_download_requirements(report=[local_project_entry("mine", "0.1", "/src/mine")])

A ``report`` is what the shim makes the real pip write (``pip_report``): the
fake writes it to the path in ``LAMBDA_PIP_REPORT`` when the call carries that
variable. Without one it writes nothing, as a pip before 22.2 does.

A call nothing in the table answers fails like pip does (rc 1, an ERROR line).
A ``download-binary`` call naming several requirements succeeds only when the
table answers each of them, and then writes all their artifacts; otherwise it
fails and writes none, as ``pip download`` does.
When several rules match, the one with the most ``env`` conditions wins.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from tests.builders import make_sdist, make_wheel

Artifact = Callable[[str], str]  # directory -> path of the file written
ReportEntry = Dict[str, Any]  # one distribution of pip's installation report, as JSON
REPORT_VARIABLE = "LAMBDA_PIP_REPORT"


def local_project_entry(name: str, version: str, directory: str, requested: bool = True) -> ReportEntry:
    """A report entry of a requirement met from a local project directory (PEP 610 ``dir_info``)."""
    url = "file://" + urllib.parse.quote(os.path.abspath(directory))
    return {"download_info": {"url": url, "dir_info": {}}, "is_direct": True, "requested": requested,
            "metadata": {"metadata_version": "2.1", "name": name, "version": version}}


def index_entry(name: str, version: str, requested: bool = True, filename: Optional[str] = None) -> ReportEntry:
    """A report entry of a file found in an index (PEP 610 ``archive_info``): a wheel, or ``filename``."""
    url = f"https://files.example/{filename or f'{name}-{version}-py3-none-any.whl'}"
    return {"download_info": {"url": url, "archive_info": {"hashes": {"sha256": "0" * 64}}}, "is_direct": False,
            "requested": requested, "metadata": {"metadata_version": "2.1", "name": name, "version": version}}


def wheel(name: str, version: str, tag: str = "py3-none-any", **kwargs) -> Artifact:
    """A wheel to write when a rule fires (keyword arguments go to ``make_wheel``)."""
    return lambda directory: make_wheel(directory, name, version, tag=tag, **kwargs)


def sdist(name: str, version: str, **kwargs) -> Artifact:
    """An sdist to write when a rule fires (keyword arguments go to ``make_sdist``)."""
    return lambda directory: make_sdist(directory, name, version, **kwargs)


@dataclass
class Call:
    command: str
    args: List[str]
    env_vars: Optional[Dict[str, str]]
    shim: Optional[str]

    @property
    def argv(self) -> List[str]:
        """The full argument list pip's ``main`` got, command first."""
        return [self.command] + self.args

    def value_after(self, flag: str, offset: int = 1) -> Optional[str]:
        if flag not in self.args:
            return None
        index = self.args.index(flag) + offset
        return self.args[index] if index < len(self.args) else None

    @property
    def kind(self) -> str:
        """``download-r``, ``download-binary`` or ``wheel``."""
        if self.command == "download":
            return "download-r" if "-r" in self.args else "download-binary"
        return self.command

    @property
    def output_dir(self) -> Optional[str]:
        return self.value_after("--wheel-dir") if self.command == "wheel" else self.value_after("--dest")

    def _operands_after(self, flag: str) -> List[str]:
        """The arguments after ``flag DIR`` up to the next option."""
        found = []
        for arg in self.args[self.args.index(flag) + 2:]:
            if arg.startswith("-"):
                break
            found.append(arg)
        return found

    @property
    def requirements(self) -> List[str]:
        """Every ``name==version`` of a ``download-binary`` call: the arguments after ``--dest DIR`` up to an option."""
        if self.kind != "download-binary" or "--dest" not in self.args:
            return []
        return self._operands_after("--dest")

    @property
    def paths(self) -> List[str]:
        """Every sdist or directory of a ``wheel`` call: the arguments after ``--wheel-dir DIR`` up to an option."""
        if self.kind != "wheel" or "--wheel-dir" not in self.args:
            return []
        return self._operands_after("--wheel-dir")

    def alone(self, requirement: str) -> "Call":
        """This ``download-binary`` (or ``wheel``) call as if it asked for ``requirement`` only."""
        flag, many = ("--wheel-dir", self.paths) if self.kind == "wheel" else ("--dest", self.requirements)
        start = self.args.index(flag) + 2
        rest = self.args[start + len(many):]
        return Call(self.command, self.args[:start] + [requirement] + rest, self.env_vars, self.shim)

    @property
    def target(self) -> Optional[str]:
        """What pip was asked for: the requirements file, ``name==version`` (the first) or the path to build."""
        if self.kind == "download-r":
            return self.value_after("-r")
        if self.kind == "download-binary":
            return self.value_after("--dest", 2)
        return self.value_after("--wheel-dir", 2)


@dataclass
class Rule:
    kind: str
    target: Optional[str]  # None matches any; paths match on their basename
    artifacts: Sequence[Artifact] = ()
    rc: int = 0
    stdout: str = ""
    stderr: str = ""
    env: Dict[str, str] = field(default_factory=dict)
    report: Optional[Dict[str, Any]] = None  # written where LAMBDA_PIP_REPORT says, when the call has it

    def matches(self, call: Call) -> bool:
        if call.kind != self.kind:
            return False
        if self.target is not None and self.target not in (call.target, os.path.basename(call.target or "")):
            return False
        env_vars = call.env_vars or {}
        return all(env_vars.get(key) == value for key, value in self.env.items())


class FakePip:
    def __init__(self) -> None:
        self.calls: List[Call] = []
        self.rules: List[Rule] = []
        self.pythons: List[str] = []  # the interpreters other runners were made for (``for_python``)

    # -- the table ---------------------------------------------------------
    def on_download_requirements(self, *artifacts: Artifact, rc: int = 0, stdout: str = "", stderr: str = "",
                                 report: Union[None, List[ReportEntry], Dict[str, Any]] = None) -> "FakePip":
        """``report``: the entries of the installation report to write (or the whole report, a dict)."""
        if isinstance(report, list):
            report = {"version": "1", "pip_version": "fake", "install": report, "environment": {}}
        self.rules.append(Rule("download-r", None, artifacts, rc, stdout, stderr, report=report))
        return self

    def on_download_binary(self, requirement: str, *artifacts: Artifact, rc: int = 0,
                           stderr: str = "") -> "FakePip":
        self.rules.append(Rule("download-binary", requirement, artifacts, rc, "", stderr))
        return self

    def on_wheel(self, path: str, *artifacts: Artifact, rc: int = 0, stderr: str = "",
                 env: Optional[Dict[str, str]] = None) -> "FakePip":
        self.rules.append(Rule("wheel", path, artifacts, rc, "", stderr, dict(env or {})))
        return self

    # -- what PipRunner calls ----------------------------------------------
    def for_python(self, python_exe: str) -> "FakePip":
        """pip in another interpreter: this same table, the interpreter noted in ``pythons``."""
        self.pythons.append(python_exe)
        return self


    def main(self, args: Sequence[str], env_vars: Optional[Dict[str, str]] = None,
             shim: Optional[str] = None) -> Tuple[int, bytes, bytes]:
        call = Call(args[0], list(args[1:]), env_vars, shim)
        self.calls.append(call)
        if len(call.requirements) > 1:
            return self._answer_batch(call)
        if len(call.paths) > 1:
            return self._answer_wheel_batch(call)
        rule = self._rule_for(call)
        if rule is None:
            return 1, b"", f"ERROR: No matching distribution found for {call.target}\n".encode()
        for artifact in rule.artifacts:
            artifact(call.output_dir)
        report_path = (env_vars or {}).get(REPORT_VARIABLE)
        if rule.report is not None and report_path:
            with open(report_path, "w", encoding="utf-8") as report:
                json.dump(rule.report, report)
        return rule.rc, rule.stdout.encode(), rule.stderr.encode()

    def _rule_for(self, call: Call) -> Optional[Rule]:
        matching = [rule for rule in self.rules if rule.matches(call)]
        return max(matching, key=lambda r: len(r.env)) if matching else None

    def _answer_batch(self, call: Call) -> Tuple[int, bytes, bytes]:
        """``pip download`` of several requirements: it fails at the first it cannot satisfy and then saves none."""
        rules = []
        for requirement in call.requirements:
            rule = self._rule_for(call.alone(requirement))
            if rule is None or rule.rc != 0:
                stderr = rule.stderr if rule is not None and rule.stderr else (
                    f"ERROR: No matching distribution found for {requirement}\n")
                return rule.rc if rule is not None else 1, b"", stderr.encode()
            rules.append(rule)
        for rule in rules:
            for artifact in rule.artifacts:
                artifact(call.output_dir)
        return 0, b"", b""

    def _answer_wheel_batch(self, call: Call) -> Tuple[int, bytes, bytes]:
        """``pip wheel`` of several sdists: it builds each in turn, goes on past a failure and fails at the end."""
        rc, stderr = 0, ""
        for path in call.paths:
            rule = self._rule_for(call.alone(path))
            if rule is None:
                rc, stderr = 1, stderr + f"ERROR: Failed building wheel for {path}\n"
                continue
            if rule.rc == 0:
                for artifact in rule.artifacts:
                    artifact(call.output_dir)
            rc, stderr = rc or rule.rc, stderr + rule.stderr
        return rc, b"", stderr.encode()

    # -- for assertions ------------------------------------------------------
    def calls_of(self, kind: str) -> List[Call]:
        return [call for call in self.calls if call.kind == kind]


NOTHING_FOR_TARGET = (
    "ERROR: Could not find a version that satisfies the requirement foo (from versions: none)\n"
    "ERROR: No matching distribution found for foo\n"
)


class TargetlessFakePip(FakePip):
    """pip that finds nothing when asked for the target (leaving a stray file), and answers the table otherwise.

    The packager then resolves on this machine: the fallback after which step 3 asks for every sdist too.
    """

    def main(self, args: Sequence[str], env_vars: Optional[Dict[str, str]] = None,
             shim: Optional[str] = None) -> Tuple[int, bytes, bytes]:
        if args[0] == "download" and "-r" in args and "--platform" in args:
            self.calls.append(Call(args[0], list(args[1:]), env_vars, shim))
            dest = args[args.index("--dest") + 1]
            make_wheel(dest, "stray", "0.1")
            return 1, b"", NOTHING_FOR_TARGET.encode()
        return super().main(args, env_vars, shim)
