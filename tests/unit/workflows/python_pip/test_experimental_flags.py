"""The experimental flag of §4.6: its exact name and how it is recognised."""

from __future__ import annotations

import pytest

from aws_lambda_builders.workflows.python_pip.utils import (EXPERIMENTAL_FLAG_BUILD_PERFORMANCE,
                                                            is_experimental_build_improvements_enabled)


def test_the_flag_name_is_exact():
    assert EXPERIMENTAL_FLAG_BUILD_PERFORMANCE == "experimentalBuildPerformance"


@pytest.mark.parametrize("flags, enabled", [
    (None, False),
    ([], False),
    (["other"], False),
    (["experimentalbuildperformance"], False),
    (["experimentalBuildPerformance"], True),
    (["other", "experimentalBuildPerformance"], True),
    (("experimentalBuildPerformance",), True),
])
def test_the_flag_is_enabled_only_when_listed(flags, enabled):
    assert is_experimental_build_improvements_enabled(flags) is enabled
