"""The decisions of steps 2 to 7, on plain records: no file, no pip."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_lambda_builders.workflows.python_pip.selection import (
    apply_allowlist,
    sdists_to_build,
    sort_downloads,
    still_missing,
    wheels_to_ask_for,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget


@dataclass(frozen=True)
class Dist:
    """A distribution as the decisions see it: equal to another of the same release, whatever its file."""

    filename: str = field(compare=False)
    name: str
    version: str
    dist_type: str = field(compare=False, default="wheel")

    @property
    def identifier(self) -> str:
        return f"{self.name}=={self.version}"


def wheel(name, version, tag="py3-none-any"):
    return Dist(f"{name}-{version}-{tag}.whl", name, version)


def sdist(name, version):
    return Dist(f"{name}-{version}.tar.gz", name, version, "sdist")


PY312_ARM = LambdaTarget("python3.12", "arm64")


def test_downloads_sort_into_sdists_and_wheels_that_do_and_do_not_load_on_the_target():
    pure, arm, x86 = wheel("a", "1"), wheel("b", "1", "cp312-cp312-manylinux_2_17_aarch64"), \
        wheel("c", "1", "cp312-cp312-manylinux_2_17_x86_64")
    source = sdist("d", "1")

    downloads = sort_downloads([pure, arm, x86, source], PY312_ARM.is_compatible_wheel)

    assert downloads.sdists == {source}
    assert downloads.compatible == {pure, arm}
    assert downloads.incompatible == {x86}


def test_after_a_resolution_for_the_target_pip_is_asked_only_for_wheels_that_do_not_load():
    x86, source = wheel("c", "1", "cp312-cp312-manylinux_2_17_x86_64"), sdist("d", "1")

    assert wheels_to_ask_for({source}, set(), {x86}, set(), resolved_for_target=True) == {x86}
    assert wheels_to_ask_for({source}, set(), {x86}, set(), resolved_for_target=False) == {x86, source}


def test_a_release_with_a_compatible_wheel_or_from_a_local_project_is_never_asked_for():
    mac, linux = wheel("c", "1", "cp312-cp312-macosx_11_0_arm64"), wheel("c", "1", "cp312-abi3-manylinux_2_17_aarch64")
    local = wheel("mine", "1", "cp312-cp312-linux_x86_64")

    assert wheels_to_ask_for(set(), {linux}, {mac, local}, {local}, resolved_for_target=False) == set()


def test_sdists_are_built_in_name_order_and_once_without_a_compiler():
    first, second = sdist("zeta", "1"), sdist("alpha", "2")

    assert sdists_to_build({first, second}, set(), compile_c=True) == [second, first]
    assert sdists_to_build({first, second}, {first.filename}, compile_c=False) == [second]
    assert sdists_to_build({first, second}, {first.filename}, compile_c=True) == [second, first]


def test_allowlisted_projects_count_as_compatible_whatever_their_tag():
    liar, other = wheel("sqlalchemy", "2.0", "cp312-cp312-macosx_11_0_arm64"), wheel("other", "1", "cp27-none-any")

    compatible, incompatible = apply_allowlist(set(), {liar, other}, {"sqlalchemy"})

    assert compatible == {liar} and incompatible == {other}


def test_missing_is_every_download_without_a_compatible_wheel_and_every_unbuilt_local_project():
    built, unbuilt = sdist("built", "1"), sdist("unbuilt", "1")
    local = Dist("/src/project", "/src/project", "", "directory")

    missing = still_missing({built, unbuilt}, {wheel("built", "1")}, [local])

    assert missing == {unbuilt, local}
