"""A lock through the nine steps with a scripted pip: step 1 downloads the locked files, nothing is resolved."""

from __future__ import annotations

import pytest

from aws_lambda_builders.architecture import ARM64
from aws_lambda_builders.workflows.python_pip.packager import MissingDependencyError
from tests.unit.workflows.python_pip.fake_pip import FakePip, wheel
from tests.unit.workflows.python_pip.packager_helpers import build, installed, make_builder

DIGEST = "a" * 64
HASHES = f'hashes = {{ sha256 = "{DIGEST}" }}'
LOCK = f"""lock-version = "1.0"
created-by = "tests"

[[packages]]
name = "native"
version = "1.0"
wheels = [
  {{ url = "https://files.example/native-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", {HASHES} }},
  {{ url = "https://files.example/native-1.0-cp312-cp312-manylinux_2_17_aarch64.whl", {HASHES} }},
]

[[packages]]
name = "x86-only"
version = "2.0"
wheels = [{{ url = "https://files.example/x86_only-2.0-cp312-cp312-manylinux_2_17_x86_64.whl", {HASHES} }}]
"""


@pytest.fixture
def lock_paths(paths):
    lock = paths.root / "pylock.toml"
    lock.write_text(LOCK)
    paths.req = str(lock)
    return paths


def test_step_1_downloads_the_chosen_file_of_each_release_with_no_deps_and_its_hash(lock_paths):
    pip = FakePip()
    seen = []

    def locked_download(directory):
        call = pip.calls[-1]
        with open(call.value_after("-r")) as f:
            seen.append(f.read())
        return wheel("native", "1.0", tag="cp312-cp312-manylinux_2_17_aarch64")(directory)

    pip.on_download_requirements(locked_download)
    builder = make_builder(pip, runtime="python3.12", architecture=ARM64)

    with pytest.raises(MissingDependencyError) as raised:
        build(builder, lock_paths)

    download = pip.calls_of("download-r")
    assert len(download) == 1 and "--no-deps" in download[0].args
    assert download[0].value_after("--platform") is not None and download[0].value_after("--abi") == "cp312"
    assert seen == [f"native @ https://files.example/native-1.0-cp312-cp312-manylinux_2_17_aarch64.whl "
                    f"--hash=sha256:{DIGEST}\n"]
    assert pip.calls_of("download-binary") == [], "nothing of a lock is asked for again"
    assert raised.value.reasons["x86-only==2.0"].startswith("the lock has no file for python3.12 on arm64")
    assert not lock_paths.target.exists()


def test_with_allow_missing_the_rest_of_the_lock_is_installed(lock_paths):
    from aws_lambda_builders.workflows.python_pip.utils import Config

    pip = FakePip()
    pip.on_download_requirements(wheel("native", "1.0", tag="cp312-cp312-manylinux_2_17_aarch64"))
    builder = make_builder(pip, runtime="python3.12", architecture=ARM64)

    with pytest.raises(MissingDependencyError) as raised:
        build(builder, lock_paths, config=Config(allow_missing=True))

    assert sorted(p.identifier for p in raised.value.missing) == ["x86-only==2.0"]
    assert installed(lock_paths) == ["native", "native-1.0.dist-info"]
