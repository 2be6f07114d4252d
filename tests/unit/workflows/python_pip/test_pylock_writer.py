"""The pylock.toml written for several targets: markers only where targets differ, valid for packaging.pylock."""

from __future__ import annotations

import pytest

from aws_lambda_builders.architecture import ARM64, X86_64
from aws_lambda_builders.workflows.python_pip.pylock_input import read_pylock
from aws_lambda_builders.workflows.python_pip.pylock_writer import LockedDownload, pylock_text, target_marker
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from aws_lambda_builders.workflows.python_pip.toml_files import parse_toml

pylock = pytest.importorskip("packaging.pylock")  # packaging 26.1+, on Python 3.10+

X86, ARM = LambdaTarget("python3.11", X86_64), LambdaTarget("python3.11", ARM64)


def wheel(name, version, tag, digest):
    filename = f"{name.replace('-', '_')}-{version}-{tag}.whl"
    return LockedDownload(name, version, "wheel", f"https://files.example/{filename}", digest, filename)


RESOLUTIONS = [
    (X86, [wheel("six", "1.17.0", "py3-none-any", "a" * 64),
           wheel("native", "1.0", "cp311-cp311-manylinux_2_17_x86_64", "b" * 64)]),
    (ARM, [wheel("six", "1.17.0", "py3-none-any", "a" * 64),
           wheel("native", "1.0", "cp311-cp311-manylinux_2_17_aarch64", "c" * 64),
           wheel("arm-only", "2.0", "py3-none-any", "d" * 64),
           LockedDownload("mine", "0.1", "directory", "../mine", None)]),
]


def test_a_release_every_target_takes_has_no_marker_and_one_only_some_take_has_theirs():
    document = parse_toml(pylock_text(RESOLUTIONS, command="lambda-pip lock -r r.txt"), "pylock.toml")
    packages = {package["name"]: package for package in document["packages"]}

    assert document["environments"] == [target_marker(X86), target_marker(ARM)]
    assert "marker" not in packages["six"] and "marker" not in packages["native"]
    assert packages["arm-only"]["marker"] == f"({target_marker(ARM)})"
    assert [w["url"].rsplit("/", 1)[1] for w in packages["native"]["wheels"]] == [
        "native-1.0-cp311-cp311-manylinux_2_17_aarch64.whl", "native-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"]
    assert packages["native"]["wheels"][0]["hashes"] == {"sha256": "c" * 64}
    assert packages["mine"]["directory"] == {"path": "../mine"} and "version" not in packages["mine"]


def test_the_lock_written_validates_and_selects_what_each_target_took(tmp_path):
    path = tmp_path / "pylock.toml"
    path.write_text(pylock_text(RESOLUTIONS, command="lambda-pip lock"))
    pylock.Pylock.from_dict(parse_toml(path.read_text(), str(path)))

    def selected(target):
        return {(r.name, r.version): [w.filename for w in r.wheels] for r in read_pylock(str(path), target).releases}

    assert selected(X86) == {("native", "1.0"): ["native-1.0-cp311-cp311-manylinux_2_17_aarch64.whl",
                                                 "native-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"],
                             ("six", "1.17.0"): ["six-1.17.0-py3-none-any.whl"]}
    assert ("arm-only", "2.0") in selected(ARM) and ("mine", None) in selected(ARM)


def test_strings_are_escaped_as_toml_reads_them():
    odd = LockedDownload("odd", "1", "wheel", 'https://files.example/a"b\\c.whl', "e" * 64, "odd-1-py3-none-any.whl")
    document = parse_toml(pylock_text([(X86, [odd])], command='lock "quoted"'), "pylock.toml")
    assert document["packages"][0]["wheels"][0]["url"] == 'https://files.example/a"b\\c.whl'
