"""The linter and the type checker find nothing: ruff over the package, the tests and the benchmarks
(ruff.toml), mypy over the package (setup.cfg's [mypy]). Run here so that the README's one test
command is also the one that keeps them at zero; their findings are the assertion's message."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *arguments], cwd=ROOT, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


def test_ruff_finds_nothing_in_the_package_the_tests_and_the_benchmarks():
    # No cache: a clean clone and a working tree are checked alike, and nothing is written into the tree.
    result = _run("ruff", "check", "--no-cache", "aws_lambda_builders", "tests", "benchmarks")

    assert result.returncode == 0, f"ruff check found problems:\n{result.stdout}"


def test_mypy_finds_nothing_in_the_package():
    pytest.importorskip("mypy", reason="mypy 2 runs on Python 3.10 and later (requirements/dev.txt)")
    result = _run("mypy", "--cache-dir", os.devnull)

    assert result.returncode == 0, f"mypy found problems:\n{result.stdout}"
