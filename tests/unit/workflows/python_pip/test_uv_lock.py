"""uv.lock read for one target: hand-written locks in the shape uv 0.13 writes (version 1), walked from the root."""

from __future__ import annotations

import textwrap

import pytest

from aws_lambda_builders.workflows.python_pip.lock_errors import LockFileError
from aws_lambda_builders.workflows.python_pip.locked import LockedFile
from aws_lambda_builders.workflows.python_pip.target import LambdaTarget
from aws_lambda_builders.workflows.python_pip.uv_lock import read_uv_lock

PY311_ARM = LambdaTarget("python3.11", "arm64").marker_environment()
PY311_X86 = LambdaTarget("python3.11", "x86_64").marker_environment()
PY313_X86 = LambdaTarget("python3.13", "x86_64").marker_environment()

FILES = "https://files.pythonhosted.org/packages"
PYPI = '{ registry = "https://pypi.org/simple" }'

LOCK = f"""
version = 1
revision = 3
requires-python = ">=3.10"
resolution-markers = [
    "python_full_version >= '3.12'",
    "python_full_version < '3.12'",
]

[[package]]
name = "my-function"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "attrs", marker = "python_full_version < '3.12'" }},
    {{ name = "localpkg" }},
    {{ name = "numpy", version = "2.2.6", source = {PYPI}, marker = "python_full_version < '3.12'" }},
    {{ name = "numpy", version = "2.3.2", source = {PYPI}, marker = "python_full_version >= '3.12'" }},
    {{ name = "requests", extra = ["socks"] }},
    {{ name = "six", marker = "platform_machine == 'aarch64'" }},
    {{ name = "tools" }},
]

[package.optional-dependencies]
fast = [
    {{ name = "orjson" }},
]

[package.dev-dependencies]
dev = [
    {{ name = "pytest" }},
]
test = [
    {{ name = "iniconfig" }},
]

[package.metadata]
requires-dist = [
    {{ name = "attrs", marker = "python_full_version < '3.12'" }},
    {{ name = "localpkg", directory = "libs/localpkg" }},
    {{ name = "numpy" }},
    {{ name = "orjson", marker = "extra == 'fast'" }},
    {{ name = "requests", extras = ["socks"] }},
    {{ name = "six", marker = "platform_machine == 'aarch64'" }},
    {{ name = "tools", git = "https://github.com/example/tools?rev=v1.2" }},
]
provides-extras = ["fast", "docs"]

[[package]]
name = "attrs"
version = "25.3.0"
source = {PYPI}
sdist = {{ url = "{FILES}/5a/b0/attrs-25.3.0.tar.gz", hash = "sha256:aaaa", size = 810562 }}
wheels = [
    {{ url = "{FILES}/77/06/attrs-25.3.0-py3-none-any.whl", hash = "sha256:bbbb", size = 63815 }},
]

[[package]]
name = "iniconfig"
version = "2.1.0"
source = {PYPI}
wheels = [
    {{ url = "{FILES}/2c/e1/iniconfig-2.1.0-py3-none-any.whl", hash = "sha256:cccc", size = 6050 }},
]

[[package]]
name = "localpkg"
version = "1.0"
source = {{ directory = "libs/localpkg" }}
dependencies = [
    {{ name = "six" }},
]

[[package]]
name = "numpy"
version = "2.2.6"
source = {PYPI}
resolution-markers = [
    "python_full_version < '3.12'",
]
wheels = [
    {{ url = "{FILES}/3a/1b/numpy-2.2.6-cp311-cp311-manylinux_2_17_aarch64.whl", hash = "sha256:dddd" }},
    {{ url = "{FILES}/3a/1c/numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.whl", hash = "sha256:eeee" }},
]

[[package]]
name = "numpy"
version = "2.3.2"
source = {PYPI}
resolution-markers = [
    "python_full_version >= '3.12'",
]
wheels = [
    {{ url = "{FILES}/4a/1b/numpy-2.3.2-cp313-cp313-manylinux_2_28_x86_64.whl", hash = "sha256:ffff" }},
]

[[package]]
name = "orjson"
version = "3.11.3"
source = {PYPI}
wheels = [
    {{ url = "{FILES}/5a/1b/orjson-3.11.3-cp311-cp311-manylinux_2_17_x86_64.whl", hash = "sha256:1111" }},
]

[[package]]
name = "pysocks"
version = "1.7.1"
source = {PYPI}
wheels = [
    {{ url = "{FILES}/8d/59/PySocks-1.7.1-py3-none-any.whl", hash = "sha256:2222" }},
]

[[package]]
name = "pytest"
version = "8.4.2"
source = {PYPI}
dependencies = [
    {{ name = "iniconfig" }},
]
wheels = [
    {{ url = "{FILES}/a8/a4/pytest-8.4.2-py3-none-any.whl", hash = "sha256:3333" }},
]

[[package]]
name = "requests"
version = "2.32.5"
source = {PYPI}
sdist = {{ url = "{FILES}/c9/74/requests-2.32.5.tar.gz", hash = "sha256:4444" }}
wheels = [
    {{ url = "{FILES}/1e/db/requests-2.32.5-py3-none-any.whl", hash = "sha256:5555" }},
]

[package.optional-dependencies]
socks = [
    {{ name = "pysocks" }},
]

[[package]]
name = "six"
version = "1.17.0"
source = {PYPI}
wheels = [
    {{ url = "{FILES}/b7/ce/six-1.17.0-py2.py3-none-any.whl", hash = "sha256:6666" }},
]

[[package]]
name = "tools"
version = "1.2.0"
source = {{ git = "https://github.com/example/tools?rev=v1.2#0123456789abcdef0123456789abcdef01234567" }}
"""


def write_lock(tmp_path, text=LOCK, name="uv.lock"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def versions(locked):
    return {release.name: release.version for release in locked.releases}


def test_python_version_markers_select_attrs_on_python311_and_not_on_python313(tmp_path):
    path = write_lock(tmp_path)

    assert versions(read_uv_lock(path, PY311_X86))["attrs"] == "25.3.0"
    assert "attrs" not in versions(read_uv_lock(path, PY313_X86))


def test_platform_machine_markers_select_six_on_arm64_only_unless_another_path_needs_it(tmp_path):
    lock = LOCK.replace('dependencies = [\n    { name = "six" },\n]\n', "")  # localpkg no longer needs six
    path = write_lock(tmp_path, lock)

    assert versions(read_uv_lock(path, PY311_ARM))["six"] == "1.17.0"
    assert "six" not in versions(read_uv_lock(path, PY311_X86))


def test_a_fork_gives_each_python_the_numpy_version_its_edge_names(tmp_path):
    path = write_lock(tmp_path)

    on_311 = {r.name: r for r in read_uv_lock(path, PY311_ARM).releases}["numpy"]
    on_313 = {r.name: r for r in read_uv_lock(path, PY313_X86).releases}["numpy"]

    assert on_311.version == "2.2.6"
    assert [w.filename for w in on_311.wheels] == [
        "numpy-2.2.6-cp311-cp311-manylinux_2_17_aarch64.whl",
        "numpy-2.2.6-cp311-cp311-manylinux_2_17_x86_64.whl"]
    assert on_313.version == "2.3.2"
    assert on_313.wheels[0].hashes == ("sha256:ffff",)


def test_registry_files_are_named_by_their_urls_last_segment_with_the_locks_hash(tmp_path):
    requests = {r.name: r for r in read_uv_lock(write_lock(tmp_path), PY313_X86).releases}["requests"]

    assert requests.wheels == (LockedFile("requests-2.32.5-py3-none-any.whl",
                                          f"{FILES}/1e/db/requests-2.32.5-py3-none-any.whl", ("sha256:5555",)),)
    assert requests.sdist == LockedFile("requests-2.32.5.tar.gz", f"{FILES}/c9/74/requests-2.32.5.tar.gz",
                                        ("sha256:4444",))


def test_a_dependencys_extra_pulls_that_packages_optional_dependencies(tmp_path):
    assert versions(read_uv_lock(write_lock(tmp_path), PY313_X86))["pysocks"] == "1.7.1"


def test_a_root_extra_adds_the_roots_optional_dependencies_only_when_asked(tmp_path):
    path = write_lock(tmp_path)

    assert "orjson" not in versions(read_uv_lock(path, PY311_X86))
    assert versions(read_uv_lock(path, PY311_X86, extras=["fast"]))["orjson"] == "3.11.3"
    assert versions(read_uv_lock(path, PY311_X86, extras=["docs"])) == versions(read_uv_lock(path, PY311_X86))


def test_no_group_is_installed_unless_asked_not_even_uvs_default_dev(tmp_path):
    path = write_lock(tmp_path)

    assert not {"pytest", "iniconfig"} & set(versions(read_uv_lock(path, PY311_X86)))
    assert versions(read_uv_lock(path, PY311_X86, groups=["test"]))["iniconfig"] == "2.1.0"
    assert "pytest" not in versions(read_uv_lock(path, PY311_X86, groups=["test"]))
    with_dev = versions(read_uv_lock(path, PY311_X86, groups=["dev"]))
    assert (with_dev["pytest"], with_dev["iniconfig"]) == ("8.4.2", "2.1.0")


def test_an_unknown_extra_or_group_is_an_error_listing_what_the_lock_has(tmp_path):
    path = write_lock(tmp_path)

    with pytest.raises(LockFileError) as extra:
        read_uv_lock(path, PY311_X86, extras=["gpu"])
    with pytest.raises(LockFileError) as group:
        read_uv_lock(path, PY311_X86, groups=["lint"])

    assert "my-function has no extra gpu (the lock has: docs, fast)" in str(extra.value)
    assert "my-function has no group lint (the lock has: dev, test)" in str(group.value)
    assert str(extra.value).startswith(path)


def test_a_local_directory_source_is_its_absolute_path_against_the_locks_directory(tmp_path):
    localpkg = {r.name: r for r in read_uv_lock(write_lock(tmp_path), PY313_X86).releases}["localpkg"]

    assert localpkg.direct == str(tmp_path / "libs" / "localpkg")
    assert (localpkg.version, localpkg.files) == ("1.0", ())


def test_a_git_source_is_a_checkout_of_the_locked_commit(tmp_path):
    tools = {r.name: r for r in read_uv_lock(write_lock(tmp_path), PY313_X86).releases}["tools"]

    assert tools.direct == "git+https://github.com/example/tools@0123456789abcdef0123456789abcdef01234567"


def test_the_root_project_is_not_installed_and_releases_are_sorted(tmp_path):
    locked = read_uv_lock(write_lock(tmp_path), PY313_X86)

    assert [r.name for r in locked.releases] == ["localpkg", "numpy", "pysocks", "requests", "six", "tools"]
    assert locked.path == str(tmp_path / "uv.lock")


def test_a_path_source_and_a_find_links_registry_become_file_urls(tmp_path):
    path = write_lock(tmp_path, """
        version = 1
        revision = 1
        [[package]]
        name = "app"
        version = "0.1.0"
        source = { editable = "." }
        dependencies = [{ name = "six" }, { name = "idna" }]

        [[package]]
        name = "six"
        version = "1.17.0"
        source = { path = "dist/six-1.17.0-py2.py3-none-any.whl" }
        wheels = [
            { filename = "six-1.17.0-py2.py3-none-any.whl", hash = "sha256:4721" },
        ]

        [[package]]
        name = "idna"
        version = "3.10"
        source = { registry = "wheelhouse" }
        wheels = [
            { path = "idna-3.10-py3-none-any.whl" },
        ]
    """)

    six, idna = sorted(read_uv_lock(path, PY311_X86).releases, key=lambda r: r.name, reverse=True)

    local_six = (tmp_path / "dist" / "six-1.17.0-py2.py3-none-any.whl").as_uri()
    assert six.wheels == (LockedFile("six-1.17.0-py2.py3-none-any.whl", local_six, ("sha256:4721",)),)
    assert idna.wheels == (LockedFile("idna-3.10-py3-none-any.whl",
                                      (tmp_path / "wheelhouse" / "idna-3.10-py3-none-any.whl").as_uri(), ()),)


def test_a_virtual_workspace_root_installs_its_members_and_their_dependencies(tmp_path):
    path = write_lock(tmp_path, f"""
        version = 1
        revision = 2
        requires-python = ">=3.10"

        [manifest]
        members = ["lib"]

        [manifest.dependency-groups]
        dev = [{{ name = "six" }}]

        [[package]]
        name = "lib"
        version = "0.2.0"
        source = {{ editable = "packages/lib" }}
        dependencies = [{{ name = "idna" }}]

        [[package]]
        name = "idna"
        version = "3.10"
        source = {PYPI}
        wheels = [{{ url = "{FILES}/76/c6/idna-3.10-py3-none-any.whl", hash = "sha256:9999" }}]

        [[package]]
        name = "six"
        version = "1.17.0"
        source = {PYPI}
        wheels = [{{ url = "{FILES}/b7/ce/six-1.17.0-py2.py3-none-any.whl", hash = "sha256:6666" }}]
    """)

    locked = read_uv_lock(path, PY311_X86)

    assert [(r.name, r.direct) for r in locked.releases] == [("idna", None),
                                                            ("lib", str(tmp_path / "packages" / "lib"))]
    assert versions(read_uv_lock(path, PY311_X86, groups=["dev"]))["six"] == "1.17.0"


def test_a_target_python_outside_requires_python_is_an_error(tmp_path):
    path = write_lock(tmp_path, LOCK.replace('requires-python = ">=3.10"', 'requires-python = ">=3.12"'))

    with pytest.raises(LockFileError) as error:
        read_uv_lock(path, PY311_X86)

    assert "the lock is for Python >=3.12, and the target runs Python 3.11" in str(error.value)


@pytest.mark.parametrize("text, problem", [
    ("version = 1\n[[package]\n", "not valid TOML"),
    ("version = 2\n", "uv.lock version 2 is not one lambda-pip reads (1)"),
    ('version = 1\n[[package]]\nversion = "1.0"\n', "not tables with a name"),
    ('version = 1\n[[package]]\nname = "lib"\nsource = { registry = "https://pypi.org/simple" }\n',
     "names no project at its own directory"),
    ('version = 1\n[[package]]\nname = "app"\nsource = { virtual = "." }\ndependencies = [{ name = "gone" }]\n',
     "app depends on gone, which the lock has no matching package(s) for (versions: none)"),
    ('version = 1\n[[package]]\nname = "app"\nsource = { virtual = "." }\ndependencies = "six"\n',
     "app: a dependency is not a table with a name"),
    ('version = 1\n[[package]]\nname = "app"\nsource = { virtual = "." }\ndependencies = [{ name = "six" }]\n'
     '[[package]]\nname = "six"\nsource = { registry = "https://pypi.org/simple" }\nwheels = ["six.whl"]\n',
     "not a uv.lock lambda-pip understands (AttributeError"),
])
def test_a_malformed_lock_is_a_lock_file_error_naming_the_file_and_the_problem(tmp_path, text, problem):
    path = write_lock(tmp_path, text)

    with pytest.raises(LockFileError) as error:
        read_uv_lock(path, PY311_X86)

    assert str(error.value).startswith(f"{path}: ")
    assert problem in str(error.value)


def test_an_edge_that_names_no_version_of_a_fork_takes_the_one_whose_resolution_markers_hold(tmp_path):
    edges = [line for line in LOCK.splitlines() if line.startswith('    { name = "numpy", version')]
    lock = LOCK.replace(edges[0] + "\n", "").replace(edges[1], '    { name = "numpy" },')
    assert len(edges) == 2 and 'name = "numpy", version' not in lock
    path = write_lock(tmp_path, lock)

    assert versions(read_uv_lock(path, PY311_X86))["numpy"] == "2.2.6"
    assert versions(read_uv_lock(path, PY313_X86))["numpy"] == "2.3.2"


def test_conflict_markers_follow_the_extra_asked_for_in_uvs_encoding(tmp_path):
    # With [tool.uv] conflicts, uv marks the edges of each conflicting extra `extra == 'extra-<len>-<project>-<extra>'`.
    cpu = "'extra-11-my-function-cpu'"
    lock = LOCK.replace('{ name = "tools" },', f"""{{ name = "tools" }},
    {{ name = "torch", version = "2.8.0", source = {PYPI}, marker = "extra == {cpu}" }},
    {{ name = "torch", version = "2.8.1", source = {PYPI}, marker = "extra != {cpu}" }},""")
    lock += "".join(f"""
[[package]]
name = "torch"
version = "{version}"
source = {PYPI}
wheels = [{{ url = "{FILES}/00/00/torch-{version}-py3-none-any.whl", hash = "sha256:7777" }}]
""" for version in ("2.8.0", "2.8.1"))
    lock = lock.replace('provides-extras = ["fast", "docs"]', 'provides-extras = ["fast", "docs", "cpu"]')
    path = write_lock(tmp_path, lock)

    assert versions(read_uv_lock(path, PY311_X86, extras=["cpu"]))["torch"] == "2.8.0"
    assert versions(read_uv_lock(path, PY311_X86))["torch"] == "2.8.1"
