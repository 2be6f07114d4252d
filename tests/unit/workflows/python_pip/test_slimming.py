"""Size reductions: what the runtime provides, bytecode, tests inside packages, globs; each measured."""

from __future__ import annotations

import os

from aws_lambda_builders.workflows.python_pip.slimming import (
    exclude,
    installed_distributions,
    remove_distributions,
    runtime_provided_closure,
    slim,
)
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from aws_lambda_builders.workflows.python_pip.wheel_install import install_wheel
from tests.builders import make_wheel

TARGET = LambdaTarget("python3.12", "arm64")


def _install(bundle, tmp_path, name, version, requires=(), size=10):
    module = name.replace("-", "_")
    path = make_wheel(str(tmp_path), name, version, requires=requires,
                      files={f"{module}/__init__.py": b"#" * size, f"{module}/tests/test_x.py": b"x = 1\n",
                             f"{module}/__pycache__/m.cpython-312.pyc": b"\0" * 7})
    install_wheel(path, str(bundle))


def _web_bundle(tmp_path):
    bundle = tmp_path / "bundle"
    _install(bundle, tmp_path, "boto3", "1.0", requires=("botocore", "s3transfer", "jmespath"), size=1000)
    _install(bundle, tmp_path, "botocore", "1.0", requires=("jmespath", "python-dateutil", "urllib3"), size=5000)
    _install(bundle, tmp_path, "s3transfer", "1.0", requires=("botocore",))
    _install(bundle, tmp_path, "jmespath", "1.0")
    _install(bundle, tmp_path, "python-dateutil", "1.0", requires=("six",))
    _install(bundle, tmp_path, "six", "1.0")
    _install(bundle, tmp_path, "urllib3", "1.0")
    _install(bundle, tmp_path, "requests", "1.0", requires=("urllib3", 'pywin32; sys_platform == "win32"'))
    return bundle


def test_runtime_provided_packages_go_with_what_only_they_need(tmp_path):
    bundle = _web_bundle(tmp_path)
    distributions = installed_distributions(str(bundle), TARGET)

    removed = runtime_provided_closure(distributions, wanted=["requests", "boto3"])

    assert removed == {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six"}
    assert "pywin32" not in distributions["requests"].requires, "markers are the target's"


def test_a_dependency_the_user_asks_for_by_name_stays(tmp_path):
    bundle = _web_bundle(tmp_path)
    distributions = installed_distributions(str(bundle), TARGET)

    assert "six" not in runtime_provided_closure(distributions, wanted=["boto3", "six"])


def test_removing_distributions_deletes_their_files_and_reports_the_bytes(tmp_path):
    bundle = _web_bundle(tmp_path)
    distributions = installed_distributions(str(bundle), TARGET)
    before = sorted(os.listdir(bundle))

    freed = remove_distributions(str(bundle), distributions, {"boto3", "botocore"})

    assert freed > 6000
    after = sorted(os.listdir(bundle))
    assert set(before) - set(after) == {"boto3", "boto3-1.0.dist-info", "botocore", "botocore-1.0.dist-info"}


def test_slim_drops_bytecode_tests_in_packages_and_install_metadata_but_keeps_globs(tmp_path):
    bundle = tmp_path / "bundle"
    _install(bundle, tmp_path, "six", "1.0")
    _install(bundle, tmp_path, "urllib3", "1.0")
    (bundle / "tests").mkdir()
    (bundle / "tests" / "top_level_is_user_code.py").write_text("")

    freed = slim(str(bundle), keep=["urllib3/tests*"])

    files = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file())
    assert freed > 0
    assert "six/tests/test_x.py" not in files and "urllib3/tests/test_x.py" in files
    assert not [f for f in files if f.endswith(".pyc")]
    assert "six-1.0.dist-info/RECORD" not in files and "six-1.0.dist-info/METADATA" in files
    assert "tests/top_level_is_user_code.py" in files


def test_exclude_globs_drop_matching_paths_except_kept_ones(tmp_path):
    bundle = tmp_path / "bundle"
    _install(bundle, tmp_path, "six", "1.0")
    _install(bundle, tmp_path, "urllib3", "1.0")

    freed = exclude(str(bundle), ["*/tests/*", "*.dist-info"], keep=["urllib3-1.0.dist-info"])

    names = sorted(os.listdir(bundle))
    assert freed > 0
    assert names == ["six", "urllib3", "urllib3-1.0.dist-info"]
    assert not (bundle / "six" / "tests").exists()


def test_keep_protects_files_inside_a_directory_slim_removes(tmp_path):
    bundle = tmp_path / "bundle"
    _install(bundle, tmp_path, "six", "1.0")
    (bundle / "six" / "tests" / "data.json").write_text("{}")

    slim(str(bundle), keep=["*.json"])

    assert (bundle / "six" / "tests" / "data.json").is_file()
    assert not (bundle / "six" / "tests" / "test_x.py").exists()


def test_bytes_freed_count_each_file_in_full_hard_links_and_unrecorded_dist_info_files_too(tmp_path):
    bundle = tmp_path / "bundle"
    _install(bundle, tmp_path, "boto3", "1.0", size=1000)
    info = bundle / "boto3-1.0.dist-info"
    (info / "extra.txt").write_bytes(b"e" * 300)  # in no RECORD
    outside = tmp_path / "cached.py"
    outside.write_bytes(b"c" * 200)
    os.link(outside, bundle / "boto3" / "linked.py")  # as the build cache places files; in no RECORD
    recorded = installed_distributions(str(bundle), TARGET)["boto3"].files
    expected = sum(os.path.getsize(bundle / relative) for relative in recorded if (bundle / relative).is_file())

    freed = remove_distributions(str(bundle), installed_distributions(str(bundle), TARGET), {"boto3"})

    assert freed == expected + 300
    assert not info.exists() and outside.read_bytes() == b"c" * 200
    assert slim(str(bundle)) == 0 and exclude(str(bundle), ["boto3/*"]) == 200, "a linked file counts in full"


def test_a_dist_info_without_metadata_is_known_by_its_directory_name(tmp_path):
    (tmp_path / "Legacy_Pkg-2.0.dist-info").mkdir()
    (tmp_path / "garbled-1.0.dist-info").mkdir()
    (tmp_path / "garbled-1.0.dist-info" / "METADATA").write_bytes(b"Name: garbled\nVersion: 1.0\nSummary: \xff\n")

    distributions = installed_distributions(str(tmp_path), TARGET)

    assert {name: (d.version, d.dist_info, d.requires) for name, d in distributions.items()} == {
        "legacy-pkg": ("2.0", "Legacy_Pkg-2.0.dist-info", set()), "garbled": ("1.0", "garbled-1.0.dist-info", set())}
