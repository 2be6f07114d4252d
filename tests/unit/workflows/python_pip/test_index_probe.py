"""diagnose: when pip finds nothing, whether a project no index has is the reason (a misspelt name)."""

import pytest

from aws_lambda_builders.workflows.python_pip import index_probe
from aws_lambda_builders.workflows.python_pip.exceptions import IndexNotFoundError, NoSuchProjectError

A, B = "https://a.example/simple/", "https://b.example/simple/"


@pytest.fixture
def statuses(monkeypatch):
    answers = {}
    monkeypatch.setattr(index_probe, "_status", lambda url, method="GET": answers.get(url, 200))
    return answers


def test_a_project_no_index_has_does_not_exist(statuses):
    statuses.update({A + "reqeusts/": 404, B + "reqeusts/": 404})

    problem = index_probe.diagnose("Reqeusts>=2", [A, B])

    assert isinstance(problem, NoSuchProjectError)
    assert str(problem) == f"Reqeusts>=2 does not exist: the package indexes {A}, {B} have no project of that name"


def test_a_project_one_index_has_exists(statuses):
    statuses[A + "foo/"] = 404

    assert index_probe.diagnose("foo", [A, B]) is None


def test_an_index_that_is_not_there_is_the_problem_not_the_project(statuses):
    statuses.update({A + "foo/": 404, A: 404})

    assert isinstance(index_probe.diagnose("foo", [A]), IndexNotFoundError)


def test_without_an_index_nothing_is_said_to_be_missing(statuses):
    assert index_probe.diagnose("foo", []) is None


@pytest.mark.parametrize("options, environ, expected", [
    ([], {}, False),
    (["--index-url", A], {}, False),
    (["--find-links", "/wheels"], {}, True),
    (["--find-links=/wheels"], {}, True),
    (["-f", "/wheels"], {}, True),
    ([], {"PIP_FIND_LINKS": "/wheels"}, True),
])
def test_find_links_are_places_past_the_indexes(options, environ, expected):
    assert index_probe.looks_past_indexes(options, environ) is expected
