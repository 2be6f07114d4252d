"""is_within: the path-containment question every safety check asks."""

from __future__ import annotations

import pytest

from aws_lambda_builders.workflows.python_pip.paths import is_within


@pytest.mark.parametrize("path, directory, expected", [
    ("/a/b", "/a/b", True),
    ("/a/b/c/d", "/a/b", True),
    ("/a/bc", "/a/b", False),
    ("/a", "/a/b", False),
    ("/anything", "/", True),
    ("/a/b/../c", "/a/b", False),  # once normalized, as the callers do
])
def test_a_path_is_within_a_directory_by_whole_components(path, directory, expected):
    import os

    assert is_within(os.path.normpath(path), directory) is expected
