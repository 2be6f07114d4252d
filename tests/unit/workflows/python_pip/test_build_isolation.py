"""retry_with_isolation: which failures of a resolution without build isolation are worth running again."""

from __future__ import annotations

import pytest

from aws_lambda_builders.workflows.python_pip.build_isolation import isolation_may_change, retry_with_isolation
from aws_lambda_builders.workflows.python_pip.exceptions import (
    ConflictingRequirementsError,
    HashMismatchError,
    IndexUnreachableError,
    NoSuchPackageError,
    PackageDownloadError,
)
from aws_lambda_builders.workflows.python_pip.pip_output import download_error

# What pip 23.2.1 writes to stderr for an sdist versioned by a build requirement it did not install.
DISCARDED_PINNED = """\
  WARNING: Requested scm-versioned==3.1 from http://127.0.0.1:45913/packages/scm-versioned-3.1.tar.gz#sha256=2d82 \
(from -r r.txt (line 1)), but installing version 0.0.0
ERROR: Could not find a version that satisfies the requirement scm-versioned==3.1 (from versions: 3.1)
ERROR: No matching distribution found for scm-versioned==3.1
"""
# The same, unpinned: pip warns of nothing, but lists the version it discarded.
DISCARDED_UNPINNED = """\
ERROR: Could not find a version that satisfies the requirement scm-versioned (from versions: 3.1)
ERROR: No matching distribution found for scm-versioned
"""
NO_SUCH_NAME = """\
ERROR: Could not find a version that satisfies the requirement no-such-package (from versions: none)
ERROR: No matching distribution found for no-such-package
"""
NO_SUCH_VERSION = """\
ERROR: Could not find a version that satisfies the requirement pure-lib==9.9 (from versions: 2.0, 2.1)
ERROR: No matching distribution found for pure-lib==9.9
"""


def test_a_discarded_pinned_sdist_is_retried():
    error = download_error(DISCARDED_PINNED)

    assert isinstance(error, NoSuchPackageError)
    assert retry_with_isolation(error)


def test_a_discarded_unpinned_sdist_is_retried_from_the_versions_pip_lists():
    assert retry_with_isolation(download_error(DISCARDED_UNPINNED))


def test_a_discarded_dependency_of_another_package_is_retried():
    assert isolation_may_change(
        "ERROR: Could not find a version that satisfies the requirement scm-versioned>=3 (from app) "
        "(from versions: 2.0, 3.1)\n")


@pytest.mark.parametrize("stderr", [NO_SUCH_NAME, NO_SUCH_VERSION])
def test_a_name_or_version_the_index_does_not_have_is_not_retried(stderr):
    assert not retry_with_isolation(download_error(stderr))


def test_a_prerelease_found_and_discarded_is_retried():
    assert isolation_may_change(
        "ERROR: Could not find a version that satisfies the requirement tool==2.0b1 (from versions: 1.0, 2.0b1)\n")


def test_an_inconsistent_name_is_retried():
    assert isolation_may_change("Discarding http://x/a-1.0.tar.gz: Requested a from http://x/a-1.0.tar.gz "
                                "has inconsistent name: expected 'a', but metadata has 'unknown'\n")


def test_a_failure_pip_does_not_name_is_retried_as_before():
    assert retry_with_isolation(PackageDownloadError("ModuleNotFoundError: No module named 'hatchling'"))


def test_a_conflict_is_retried_only_when_an_sdist_was_discarded():
    assert not retry_with_isolation(ConflictingRequirementsError("a==1 b==2", "ERROR: ResolutionImpossible"))
    assert retry_with_isolation(ConflictingRequirementsError("x", DISCARDED_PINNED + "ResolutionImpossible"))


@pytest.mark.parametrize("error", [HashMismatchError(["six==1.16.0"]),
                                   IndexUnreachableError("http://127.0.0.1:9/simple/", "refused")])
def test_a_hash_mismatch_or_an_index_error_is_never_retried(error):
    assert not retry_with_isolation(error)
