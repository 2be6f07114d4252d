"""build_key / key_for_build: one key for everything that decides what a build installs, None when it cannot."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from aws_lambda_builders.workflows.python_pip import cache_key
from aws_lambda_builders.workflows.python_pip.cache_key import build_key, key_for_build, pip_configuration_files
from aws_lambda_builders.workflows.python_pip.requirements_file import read_requirements_file

RUNTIME = "python3.12"
ARCH = "x86_64"
TOOL = "1.2.3"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


@pytest.fixture
def interpreter(tmp_path):
    """A stand-in interpreter file in a venv-like prefix: the key only looks at the file and the prefix."""
    path = tmp_path / "venv" / "bin" / "python"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"#!interpreter one\n")
    return str(path)


@pytest.fixture
def environ(tmp_path):
    """A pip environment of the test's own: no PIP_* variables, pip's per-user config under tmp_path."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "HOME": str(tmp_path / "home")}


@pytest.fixture
def key_of(interpreter, environ):
    """build_key of a requirements file path, every other input at a default that a test may override."""
    def key(path, runtime=RUNTIME, architecture=ARCH, python_exe=interpreter, pip_options=(), tool=TOOL,
            env=None):
        return build_key(read_requirements_file(path), runtime, architecture, python_exe, list(pip_options), tool,
                         environ=environ if env is None else env)
    return key


# -- the same inputs, the same key --------------------------------------------------------

def test_the_same_inputs_give_the_same_key(tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "requests==2.31.0\nurllib3<2\n")

    first = key_of(path)

    assert isinstance(first, str) and len(first) == 64
    assert key_of(path) == first
    rewritten = write(tmp_path / "requirements.txt", "requests==2.31.0\nurllib3<2\n")
    assert key_of(rewritten) == first


# -- every input is part of the key -------------------------------------------------------

def test_changing_a_requirement_line_changes_the_key(tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "requests==2.31.0\n")
    before = key_of(path)
    write(tmp_path / "requirements.txt", "requests==2.32.0\n")
    assert key_of(path) != before


def test_a_build_answered_by_another_pip_than_pips_own_has_another_key(tmp_path, interpreter, environ):
    """A scripted pip's build is never taken for pip's: it is kept under a key of its own."""
    path = write(tmp_path / "requirements.txt", "requests==2.31.0\n")
    requirements = read_requirements_file(path)
    by_pip = build_key(requirements, RUNTIME, ARCH, interpreter, [], TOOL, environ=environ)
    by_script = build_key(requirements, RUNTIME, ARCH, interpreter, [], TOOL, environ=environ,
                          pip="tests.fake_pip.FakePip")

    assert by_pip == build_key(requirements, RUNTIME, ARCH, interpreter, [], TOOL, environ=environ,
                               pip=cache_key.SUBPROCESS_PIP)
    assert by_script != by_pip


def test_changing_a_file_included_with_dash_r_changes_the_key(tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "-r base.txt\nboto3\n")
    write(tmp_path / "base.txt", "requests==2.31.0\n")
    before = key_of(path)

    write(tmp_path / "base.txt", "requests==2.32.0\n")

    assert key_of(path) != before


def test_changing_a_constraints_file_changes_the_key(tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "-c constraints.txt\nrequests\n")
    write(tmp_path / "constraints.txt", "urllib3<2\n")
    before = key_of(path)

    write(tmp_path / "constraints.txt", "urllib3<3\n")

    assert key_of(path) != before


def test_a_comment_only_change_in_the_requirements_file_changes_the_key_because_file_digests_are_hashed(
        tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "requests==2.31.0\n")
    before = key_of(path)

    write(tmp_path / "requirements.txt", "# pinned for the payments service\nrequests==2.31.0\n")

    assert read_requirements_file(path).requirements[0].requirement == "requests==2.31.0"
    assert key_of(path) != before


@pytest.mark.parametrize("change", [
    {"runtime": "python3.13"},
    {"architecture": "arm64"},
    {"pip_options": ["--index-url", "https://mirror.example/simple"]},
    {"pip_options": ["--pre"]},
    {"tool": "1.2.4"},
], ids=["runtime", "architecture", "pip-options", "pip-flag", "tool-version"])
def test_changing_the_target_pip_options_or_tool_version_changes_the_key(tmp_path, key_of, change):
    path = write(tmp_path / "requirements.txt", "requests\n")
    assert key_of(path, **change) != key_of(path)


def test_the_requirements_files_own_index_options_are_part_of_the_key(tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "requests\n")
    before = key_of(path)
    other = write(tmp_path / "other" / "requirements.txt", "--index-url https://mirror.example/simple\nrequests\n")
    assert key_of(other) != before


def test_a_pip_environment_variable_changes_the_key(tmp_path, key_of, environ):
    path = write(tmp_path / "requirements.txt", "requests\n")
    before = key_of(path)

    assert key_of(path, env={**environ, "PIP_INDEX_URL": "https://mirror.example/simple"}) != before
    assert key_of(path, env={**environ, "PIP_INDEX_URL": "https://other.example/simple"}) != \
        key_of(path, env={**environ, "PIP_INDEX_URL": "https://mirror.example/simple"})


def test_an_environment_variable_pip_does_not_read_leaves_the_key_alone(tmp_path, key_of, environ):
    path = write(tmp_path / "requirements.txt", "requests\n")
    assert key_of(path, env={**environ, "EDITOR": "vim", "TERM": "dumb"}) == key_of(path)


def test_changing_the_content_of_the_pip_config_file_named_by_pip_config_file_changes_the_key(tmp_path, key_of,
                                                                                             environ):
    path = write(tmp_path / "requirements.txt", "requests\n")
    config = write(tmp_path / "pip.conf", "[global]\nindex-url = https://mirror.example/simple\n")
    env = {**environ, "PIP_CONFIG_FILE": config}
    before = key_of(path, env=env)

    write(tmp_path / "pip.conf", "[global]\nindex-url = https://other.example/simple\n")

    assert key_of(path, env=env) != before


def test_changing_the_users_pip_conf_under_xdg_config_home_changes_the_key(tmp_path, key_of, environ):
    path = write(tmp_path / "requirements.txt", "requests\n")
    before = key_of(path)

    write(tmp_path / "xdg-config" / "pip" / "pip.conf", "[global]\nprefer-binary = true\n")

    assert key_of(path) != before


def test_a_pip_conf_in_the_interpreters_prefix_changes_the_key(tmp_path, key_of, interpreter):
    path = write(tmp_path / "requirements.txt", "requests\n")
    before = key_of(path)

    write(tmp_path / "venv" / "pip.conf", "[global]\nno-binary = :all:\n")

    assert key_of(path) != before


def test_adding_a_file_to_a_local_find_links_directory_in_the_pip_options_changes_the_key(tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "requests\n")
    links = tmp_path / "wheelhouse"
    links.mkdir()
    options = ["--find-links", str(links)]
    before = key_of(path, pip_options=options)

    (links / "requests-2.99.0-py3-none-any.whl").write_bytes(b"a newer wheel")

    assert key_of(path, pip_options=options) != before


def test_adding_a_file_to_a_find_links_directory_named_in_the_requirements_file_changes_the_key(tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "-f ./wheelhouse\nrequests\n")
    (tmp_path / "wheelhouse").mkdir()
    before = key_of(path)

    (tmp_path / "wheelhouse" / "requests-2.99.0-py3-none-any.whl").write_bytes(b"a newer wheel")

    assert key_of(path) != before


def test_adding_a_file_to_a_find_links_directory_from_pip_find_links_changes_the_key(tmp_path, key_of, environ):
    path = write(tmp_path / "requirements.txt", "requests\n")
    links = tmp_path / "wheelhouse"
    links.mkdir()
    env = {**environ, "PIP_FIND_LINKS": f"file://{links}"}
    before = key_of(path, env=env)

    (links / "requests-2.99.0-py3-none-any.whl").write_bytes(b"a newer wheel")

    assert key_of(path, env=env) != before


def test_adding_a_file_to_a_find_links_directory_given_as_find_links_equals_dir_changes_the_key(tmp_path, key_of):
    """pip reads ``--find-links=DIR`` as it reads ``--find-links DIR`` (e.g. in Config.extra_pip_args)."""
    path = write(tmp_path / "requirements.txt", "requests\n")
    links = tmp_path / "wheelhouse"
    links.mkdir()
    options = [f"--find-links={links}"]
    before = key_of(path, pip_options=options)

    (links / "requests-2.99.0-py3-none-any.whl").write_bytes(b"a newer wheel")

    assert key_of(path, pip_options=options) != before


# -- requirements the key cannot cover ----------------------------------------------------

@pytest.mark.parametrize("line", [
    "./pkg",
    "-e ./pkg",
    "--editable ./pkg",
    "/abs/pkg",
    "file:///x",
    "git+https://github.com/org/project.git@main#egg=project",
    "project @ git+https://github.com/org/project.git@v1.0",
    "project @ file:///srv/project",
])
def test_a_requirement_on_a_local_path_or_a_vcs_link_has_no_key(tmp_path, key_of, line):
    (tmp_path / "pkg").mkdir()
    write(tmp_path / "pkg" / "setup.py", "from setuptools import setup\nsetup(name='pkg')\n")
    path = write(tmp_path / "requirements.txt", f"requests\n{line}\n")

    assert key_of(path) is None


def test_a_bare_name_that_is_also_a_local_directory_has_no_key(tmp_path, key_of):
    (tmp_path / "mylib").mkdir()
    path = write(tmp_path / "requirements.txt", "mylib\n")
    assert key_of(path) is None


def test_a_vcs_link_in_a_constraints_file_has_no_key(tmp_path, key_of):
    path = write(tmp_path / "requirements.txt", "-c constraints.txt\nproject\n")
    write(tmp_path / "constraints.txt", "project @ git+https://github.com/org/project.git@main\n")
    assert key_of(path) is None


SHA = "0" * 64


@pytest.mark.parametrize("line", [
    f"project @ https://host.example/project-1.0.tar.gz#sha256={SHA}",
    f"https://host.example/pkgs/project-1.0-py3-none-any.whl#sha256={SHA}",
    f"project @ http://host.example/project-1.0.tar.gz --hash=sha256:{SHA}",
])
def test_an_archive_at_an_http_url_held_to_a_hash_has_a_key(tmp_path, key_of, line):
    path = write(tmp_path / "requirements.txt", f"{line}\n")

    key = key_of(path)

    assert key is not None
    write(tmp_path / "requirements.txt", f"{line.replace('1.0', '1.1')}\n")
    assert key_of(path) not in (None, key)


@pytest.mark.parametrize("line", [
    "project @ https://host.example/project-1.0.tar.gz",
    "https://github.com/owner/project/archive/refs/heads/main.zip",
])
def test_an_archive_at_an_http_url_without_a_hash_has_no_key(tmp_path, key_of, line):
    """What is behind a URL can change (a branch archive): without a hash the build is not recorded."""
    path = write(tmp_path / "requirements.txt", f"{line}\n")

    assert key_of(path) is None


# -- the interpreter ----------------------------------------------------------------------

def test_another_interpreter_file_at_another_path_changes_the_key(tmp_path, key_of, interpreter):
    path = write(tmp_path / "requirements.txt", "requests\n")
    other = tmp_path / "other" / "bin" / "python"
    other.parent.mkdir(parents=True)
    shutil.copy2(interpreter, other)

    assert key_of(path, python_exe=str(other)) != key_of(path)


def test_an_interpreter_replaced_at_the_same_path_changes_the_key(tmp_path, key_of, interpreter):
    path = write(tmp_path / "requirements.txt", "requests\n")
    before = key_of(path)

    with open(interpreter, "wb") as f:
        f.write(b"#!interpreter two, upgraded\n")

    assert key_of(path) != before


def _venv(prefix, base, cfg):
    """A virtual environment as ``python -m venv`` lays it out on Linux: bin/python links to the base."""
    (prefix / "bin").mkdir(parents=True)
    os.symlink(base, prefix / "bin" / "python")
    (prefix / "pyvenv.cfg").write_text(cfg)
    return str(prefix / "bin" / "python")


def test_two_virtual_environments_on_one_base_interpreter_have_different_keys(tmp_path, key_of):
    """pip runs from the venv (its own pip version); the docstring promises identity by path."""
    path = write(tmp_path / "requirements.txt", "requests\n")
    base = tmp_path / "base" / "python3.12"
    base.parent.mkdir()
    base.write_bytes(b"#!base interpreter\n")
    one = _venv(tmp_path / "venv-one", base, "home = base\n")
    two = _venv(tmp_path / "venv-two", base, "home = base\n")

    assert key_of(path, python_exe=one) != key_of(path, python_exe=two)


def test_a_virtual_environment_recreated_at_the_same_path_has_another_key(tmp_path, key_of):
    """What _file_identity's docstring says: 'a venv recreated at the same path is another one'."""
    path = write(tmp_path / "requirements.txt", "requests\n")
    base = tmp_path / "base" / "python3.12"
    base.parent.mkdir()
    base.write_bytes(b"#!base interpreter\n")
    venv = _venv(tmp_path / "app-venv", base, "home = base\nversion = 3.12.1\n")
    before = key_of(path, python_exe=venv)

    shutil.rmtree(tmp_path / "app-venv")
    venv = _venv(tmp_path / "app-venv", base, "home = base\nversion = 3.12.1\ncreated = again\n")

    assert key_of(path, python_exe=venv) != before


# -- key_for_build ------------------------------------------------------------------------

def test_key_for_build_reads_the_file_and_uses_the_packages_version(tmp_path, monkeypatch, interpreter):
    path = write(tmp_path / "requirements.txt", "-r base.txt\nrequests\n")
    write(tmp_path / "base.txt", "boto3\n")
    monkeypatch.setattr(cache_key, "__version__", "9.9.9")

    key = key_for_build(path, RUNTIME, ARCH, interpreter, ["--pre"])

    assert key == build_key(read_requirements_file(path), RUNTIME, ARCH, interpreter, ["--pre"], "9.9.9")
    monkeypatch.setattr(cache_key, "__version__", "9.9.10")
    assert key_for_build(path, RUNTIME, ARCH, interpreter, ["--pre"]) != key
    write(tmp_path / "base.txt", "boto3==1.0\n")
    assert key_for_build(path, RUNTIME, ARCH, interpreter, ["--pre"]) != \
        build_key(read_requirements_file(path), RUNTIME, ARCH, interpreter, ["--pre"], "9.9.9")


def test_key_for_build_has_no_key_for_a_local_path_requirement(tmp_path, interpreter):
    path = write(tmp_path / "requirements.txt", "./src/mylib\n")
    assert key_for_build(path, RUNTIME, ARCH, interpreter, []) is None


# -- where pip reads its configuration ----------------------------------------------------

def test_pip_configuration_files_lists_pip_config_file_when_set(tmp_path, interpreter):
    config = str(tmp_path / "mine.conf")
    assert config in pip_configuration_files(interpreter, {"PIP_CONFIG_FILE": config})
    assert config not in pip_configuration_files(interpreter, {})


def test_pip_configuration_files_leaves_out_pip_config_file_set_to_devnull(interpreter):
    files = pip_configuration_files(interpreter, {"PIP_CONFIG_FILE": os.devnull})
    assert os.devnull not in files


def test_pip_configuration_files_lists_the_users_file_under_xdg_config_home(tmp_path, interpreter):
    files = pip_configuration_files(interpreter, {"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert os.path.join(str(tmp_path / "xdg"), "pip", "pip.conf") in files


def test_pip_configuration_files_lists_the_pip_conf_of_the_interpreters_prefix(tmp_path, interpreter):
    files = pip_configuration_files(interpreter, {})
    assert os.path.join(str(tmp_path / "venv"), "pip.conf") in files
    assert os.path.join(sys.prefix, "pip.conf") in files


def test_a_built_wheel_is_kept_for_its_target_interpreter_and_options(tmp_path):
    from aws_lambda_builders.workflows.python_pip.cache_key import built_wheel_target

    python = sys.executable
    same = built_wheel_target("python3.12", "arm64", python, ["-i", "https://a/simple"])

    assert same == built_wheel_target("python3.12", "arm64", python, ["-i", "https://a/simple"])
    assert same.startswith("python3.12-arm64-")
    assert len({same,
                built_wheel_target("python3.12", "x86_64", python, ["-i", "https://a/simple"]),
                built_wheel_target("python3.13", "arm64", python, ["-i", "https://a/simple"]),
                built_wheel_target("python3.12", "arm64", str(tmp_path / "other-python"), ["-i", "https://a/simple"]),
                built_wheel_target("python3.12", "arm64", python, ["-i", "https://b/simple"])}) == 5
