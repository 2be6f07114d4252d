"""What pip's output says: its stderr summarized, its own traceback's last line, failures as exceptions."""

from __future__ import annotations

from aws_lambda_builders.workflows.python_pip.exceptions import PackageDownloadError
from aws_lambda_builders.workflows.python_pip.pip_output import download_error, pip_error_summary, pip_exception


def test_pip_error_summary_prefers_error_lines_else_last_lines():
    assert pip_error_summary("noise\nERROR: a\nmore\nERROR: b\n") == "ERROR: a\nERROR: b"
    assert pip_error_summary("\n".join(str(i) for i in range(10))) == "5\n6\n7\n8\n9"
    assert pip_error_summary("") == "pip failed without output"


def test_missing_build_dependency_is_a_download_error_not_a_missing_requirement():
    stderr = (
        "  error: subprocess-exited-with-error\n"
        "      ERROR: Could not find a version that satisfies the requirement setuptools>=99 (from versions: none)\n"
        "  × pip subprocess to install build dependencies did not run successfully.\n"
    )
    error = download_error(stderr)

    assert type(error).__name__ == "PackageDownloadError"
    assert "setuptools>=99" in str(error)
    assert "install build dependencies" in str(error)


def test_pip_exception_is_the_last_line_of_pips_own_last_traceback():
    chained = ("ERROR: Exception:\nTraceback (most recent call last):\n  File \"a.py\", line 1, in f\n"
               "KeyError: 'x'\n\nDuring handling of the above exception, another exception occurred:\n\n"
               "Traceback (most recent call last):\n  File \"b.py\", line 2, in g\n    raise ValueError(1)\n"
               "ValueError: 1\n")
    assert pip_exception(chained) == "ValueError: 1"
    backend = "  error: subprocess-exited-with-error\n      Traceback (most recent call last):\n        x\n" \
              "      RuntimeError: in the backend\n"
    assert pip_exception(backend) is None
    assert pip_exception("ERROR: No matching distribution found for x\n") is None


def test_a_missing_file_that_is_no_distribution_stays_a_download_error():
    stderr = ("ERROR: Exception:\nTraceback (most recent call last):\n  File \"x.py\", line 1, in f\n"
              "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/pip-unpack-abc/x'\n")
    error = download_error(stderr)
    assert type(error) is PackageDownloadError
    assert "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/pip-unpack-abc/x'" in str(error)
