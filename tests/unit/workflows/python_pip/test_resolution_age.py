"""How long a cached resolution of unpinned requirements is reused, and what a person is told."""

from __future__ import annotations

import pytest

from aws_lambda_builders.workflows.python_pip.cache_records import Placement, ResolutionFacts
from aws_lambda_builders.workflows.python_pip.resolution_age import (
    ResolutionCheck,
    ResolutionPolicy,
    ReusedResolution,
    describe_age,
    unpinned_text,
)

NOW = 1_800_000_000.0
HOUR = 3600.0
UNPINNED = ResolutionFacts(NOW - 3 * HOUR, ("requests",))
PINNED = ResolutionFacts(NOW - 300 * 24 * HOUR, ())


def test_a_fully_pinned_resolution_is_reused_whatever_its_age_and_even_on_refresh():
    assert ResolutionPolicy(max_age=0).reuses(PINNED, NOW)
    assert ResolutionPolicy(refresh=True).reuses(PINNED, NOW)


def test_a_record_without_resolution_facts_is_reused_as_before():
    assert ResolutionPolicy(max_age=0, refresh=True).reuses(None, NOW)


def test_an_unpinned_resolution_is_reused_while_younger_than_the_maximum_age():
    assert ResolutionPolicy().reuses(UNPINNED, NOW), "3 h is less than the default day"
    assert not ResolutionPolicy(max_age=2 * HOUR).reuses(UNPINNED, NOW)
    assert not ResolutionPolicy(max_age=3 * HOUR).reuses(UNPINNED, NOW), "as old as the maximum: too old"


def test_a_maximum_age_of_zero_resolves_unpinned_requirements_every_time():
    assert not ResolutionPolicy(max_age=0).reuses(ResolutionFacts(NOW, ("requests",)), NOW)


def test_refresh_resolves_an_unpinned_resolution_again_at_once():
    assert not ResolutionPolicy(refresh=True).reuses(ResolutionFacts(NOW, ("requests",)), NOW)


def test_the_message_names_the_age_and_what_is_unpinned():
    reused = ReusedResolution.of(UNPINNED, NOW)
    assert reused.message() == "reused the resolution of 3 h ago (requests unpinned); --refresh resolves again"
    assert reused.to_dict() == {"resolved_at": "2027-01-15T05:00:00Z", "age_seconds": 10800,
                                "unpinned": ["requests"]}


def test_a_check_remembers_the_resolution_it_refused_and_says_why():
    check = ResolutionCheck(ResolutionPolicy(max_age=HOUR), NOW)
    assert check(Placement({}, PINNED)) and check.refusal() is None
    assert not check(Placement({}, UNPINNED))
    assert check.refusal() == "resolving again: the resolution of 3 h ago (requests unpinned) is older than 60 min"
    refreshing = ResolutionCheck(ResolutionPolicy(refresh=True), NOW)
    assert not refreshing(Placement({}, UNPINNED))
    assert refreshing.refusal() == ("resolving again (--refresh) instead of reusing the resolution of 3 h ago "
                                    "(requests unpinned)")


@pytest.mark.parametrize("seconds, said", [(-5, "0 s"), (40, "40 s"), (12 * 60, "12 min"), (3 * HOUR, "3 h"),
                                           (30 * HOUR, "30 h"), (3 * 24 * HOUR, "3 days")])
def test_ages_are_said_in_the_unit_a_person_would_use(seconds, said):
    assert describe_age(seconds) == said


@pytest.mark.parametrize("names, said", [(["a"], "a unpinned"), (["a", "b"], "a and b unpinned"),
                                         (["a", "b", "c"], "a, b and c unpinned"),
                                         (["a", "b", "c", "d", "e"], "a, b, c and 2 more unpinned")])
def test_unpinned_names_are_listed_up_to_three(names, said):
    assert unpinned_text(names) == said
