"""Whether a build's requirements pin everything it installed, decided on plain records."""

from __future__ import annotations

from typing import Dict, List

import pytest

from aws_lambda_builders.architecture import ARM64
from aws_lambda_builders.workflows.python_pip.pinning import installed_distributions, unpinned_distributions
from aws_lambda_builders.workflows.python_pip.requirements_file import RequirementLine
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget

ENVIRONMENT = LambdaTarget("python3.12", ARM64).marker_environment()
HASH = "sha256:" + "a" * 64


def lines(*texts: str, hashes=(), editable=False) -> List[RequirementLine]:
    return [RequirementLine("requirements.txt", number, text, tuple(hashes), editable)
            for number, text in enumerate(texts, start=1)]


def unpinned(requirement_lines: List[RequirementLine], installed: Dict[str, str]) -> List[str]:
    return unpinned_distributions(requirement_lines, installed, ENVIRONMENT)


def test_a_file_of_name_equals_version_lines_covering_the_closure_is_fully_pinned():
    assert unpinned(lines("requests==2.32.3", "urllib3==2.2.2", "idna==3.7"),
                    {"requests": "2.32.3", "urllib3": "2.2.2", "idna": "3.7"}) == []


def test_a_bare_name_is_unpinned():
    assert unpinned(lines("requests"), {"requests": "2.32.3"}) == ["requests"]


@pytest.mark.parametrize("requirement", ["requests>=2", "requests~=2.32", "requests==2.*", "requests!=2.0",
                                         "requests<=2.32.3"])
def test_a_range_or_a_wildcard_is_unpinned(requirement):
    assert unpinned(lines(requirement), {"requests": "2.32.3"}) == ["requests"]


def test_pinned_top_level_packages_with_unpinned_dependencies_are_not_fully_pinned():
    assert unpinned(lines("pure-app==1.0"), {"pure_app": "1.0", "pure_lib": "2.1"}) == ["pure-lib"]


def test_a_constraint_pins_a_dependency_the_requirements_do_not():
    requirements = lines("pure-app==1.0")
    constraints = [line._replace(path="constraints.txt") for line in lines("pure-lib==2.1", "other>=1")]
    assert unpinned(requirements + constraints, {"pure_app": "1.0", "pure_lib": "2.1"}) == []


def test_names_are_compared_as_pep_503_normalizes_them():
    assert unpinned(lines("Pure.App==1.0", "PURE_lib==2.1.0"), {"pure_app": "1.0", "pure_lib": "2.1"}) == []


def test_extras_do_not_hide_the_pin_but_what_they_bring_must_be_pinned_too():
    assert unpinned(lines("requests[socks]==2.32.3"), {"requests": "2.32.3", "PySocks": "1.7.1"}) == ["pysocks"]


def test_a_pin_of_another_version_than_the_one_installed_does_not_count():
    assert unpinned(lines("pure-lib==2.0"), {"pure_lib": "2.0.1"}) == ["pure-lib"]
    assert unpinned(lines("pure-lib==2.0"), {"pure_lib": "2.0+local"}) == ["pure-lib"], "== 2.0 admits local ones"


def test_an_arbitrary_equality_pins_its_exact_string():
    assert unpinned(lines("legacy===1.0-custom"), {"legacy": "1.0-custom"}) == []


def test_a_pin_whose_marker_is_false_on_the_target_pins_nothing():
    requirement_lines = lines('pure-lib==1.0; python_version < "3.10"', 'pure-lib>=2; python_version >= "3.10"')
    assert unpinned(requirement_lines, {"pure_lib": "1.0"}) == ["pure-lib"]


def test_a_pin_whose_marker_holds_on_the_target_pins():
    requirement_lines = lines('pure-lib==2.1; python_version >= "3.10" and platform_machine == "aarch64"',
                              'pure-lib==1.0; python_version < "3.10"')
    assert unpinned(requirement_lines, {"pure_lib": "2.1"}) == []


def test_lines_with_hashes_pin_as_their_version_says():
    assert unpinned(lines("pure-lib==2.1", hashes=[HASH]), {"pure_lib": "2.1"}) == []


def test_an_archive_url_held_to_a_hash_pins_its_name_and_one_without_does_not():
    url = "pure-lib @ https://example.invalid/pure_lib-2.1-py3-none-any.whl"
    assert unpinned(lines(url, hashes=[HASH]), {"pure_lib": "2.1"}) == []
    assert unpinned(lines(url + "#sha256=" + "b" * 64), {"pure_lib": "2.1"}) == []
    assert unpinned(lines(url), {"pure_lib": "2.1"}) == ["pure-lib"]
    assert unpinned(lines("pure-lib @ git+https://example.invalid/pure-lib@v2.1"), {"pure_lib": "2.1"}) == [
        "pure-lib"], "a VCS link can move"


def test_local_paths_editables_and_bare_urls_pin_nothing():
    installed = {"local_pure": "0.1"}
    assert unpinned(lines("./local-pure"), installed) == ["local-pure"]
    assert unpinned(lines("./local-pure", editable=True), installed) == ["local-pure"]
    assert unpinned(lines("https://example.invalid/local_pure-0.1-py3-none-any.whl", hashes=[HASH]),
                    installed) == ["local-pure"], "its name is not written: resolved again rather than kept"


def test_nothing_installed_is_fully_pinned():
    assert unpinned(lines("requests"), {}) == []


def test_installed_distributions_are_read_from_the_dist_info_directories_a_build_placed():
    files = ["requests/__init__.py", "requests-2.32.3.dist-info/METADATA", "requests-2.32.3.dist-info/RECORD",
             "pure_lib-2.1.dist-info/METADATA", "bin/tool", "pure_lib/x.dist-info/odd", "python.dist-info/x"]
    assert installed_distributions(files) == {"requests": "2.32.3", "pure_lib": "2.1"}
