"""`--source` as users run it: nothing from outside the source reaches the bundle or the zip, and a refused
source changes nothing on the machine.

The requirements file holds only a comment, so no pip runs at all: what is tested is the source alone.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from aws_lambda_builders import cli
from aws_lambda_builders.builder import LambdaBuilder
from aws_lambda_builders.exceptions import WorkflowFailedError
from tests.snapshot import changes, tree_snapshot

pytestmark = pytest.mark.usefixtures("offline_pip")

SECRET = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def write(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A user's home: credentials, and a project whose function is in ``src`` and was built once before."""
    home = tmp_path / "home"
    write(home / ".aws" / "credentials", f"[default]\n{SECRET}\n")
    project = home / "project"
    write(project / "requirements.txt", "# the function needs nothing but the standard library\n")
    write(project / "src" / "app.py", "def handler(event, context):\n    return 'ok'\n")
    write(project / "src" / "myapp" / "__init__.py")
    write(project / "src" / "myapp" / "env" / "__init__.py", "STAGE = 'prod'\n")
    write(project / "build" / "app.py", "# the previous build\n")
    monkeypatch.setenv("HOME", str(home))
    return home


def build(home, *options):
    project = home / "project"
    stream = io.StringIO()
    code = cli.main(["build", "-r", str(project / "requirements.txt"), "-o", str(project / "build"),
                     "--source", str(project / "src"), "--runtime", "python3.12", *options], stream=stream)
    return code, stream.getvalue()


@pytest.mark.parametrize("link, target, why", [
    ("creds", os.path.join("..", "..", ".aws", "credentials"), "outside the source"),
    ("myapp/config.ini", os.path.join("..", "..", "..", ".aws", "credentials"), "outside the source"),
    ("system", "/etc", "outside the source"),
    ("settings.json", "config/settings.json", "does not exist"),
    ("myapp/env/again", "..", "would never end"),
])
def test_source_link_that_may_not_be_followed_fails_the_build_and_changes_nothing(home, link, target, why):
    os.symlink(target, home / "project" / "src" / link)
    before = tree_snapshot(home)

    code, text = build(home, "--zip", str(home / "project" / "function.zip"))

    assert code == 5, text
    assert f"Refusing to copy the function's source: {home / 'project' / 'src' / link} is a link to {target}" in text
    assert why in text
    assert "[(" not in text and "Traceback" not in text, "a message, not a Python list of errors"
    assert changes(before, tree_snapshot(home)) == {}, "neither the previous build nor anything else changed"
    assert (home / "project" / "build" / "app.py").read_text() == "# the previous build\n"


def test_function_built_with_its_internal_links_and_without_secrets_or_clutter(home):
    source = home / "project" / "src"
    write(source / "config" / "settings.json", '{"table": "orders"}')
    os.symlink(os.path.join("config", "settings.json"), source / "settings.json")
    os.symlink(os.path.join("..", "myapp"), write(source / "vendor" / "README").parent / "myapp_alias")
    write(source / ".env", SECRET)  # tool files at the top of the source are left out
    write(source / ".venv" / "pyvenv.cfg", "home = /usr/bin\n")
    os.symlink(home / ".aws" / "credentials", source / ".venv" / "credentials")  # inside what is left out
    write(source / "myapp" / "__pycache__" / "env.cpython-312.pyc", "bytecode")
    before = tree_snapshot(home, skip=[home / "project" / "build"])
    zipped = home / "project" / "function.zip"

    code, text = build(home, "--zip", str(zipped))

    assert code == 0, text
    with zipfile.ZipFile(zipped) as archive:
        contents = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    assert sorted(contents) == ["app.py", "config/settings.json", "myapp/__init__.py", "myapp/env/__init__.py",
                                "settings.json", "vendor/README", "vendor/myapp_alias/__init__.py",
                                "vendor/myapp_alias/env/__init__.py"]
    assert contents["settings.json"] == b'{"table": "orders"}'
    assert not [name for name, data in contents.items() if b"wJalrXUtnFEMI" in data]
    assert {str(p.relative_to(home / "project" / "build")) for p in (home / "project" / "build").rglob("*")
            if p.is_file()} == set(contents)
    assert not [p for p in (home / "project" / "build").rglob("*") if p.is_symlink()]
    assert list(changes(before, tree_snapshot(home, skip=[home / "project" / "build"]))) == ["project/function.zip"]


def test_zip_written_inside_the_source_is_not_bundled_by_the_next_build(home):
    source = home / "project" / "src"
    zipped = source / "function.zip"

    for _ in range(2):
        code, text = build(home, "--zip", str(zipped))
        assert code == 0, text

    with zipfile.ZipFile(zipped) as archive:
        assert "function.zip" not in archive.namelist() and "app.py" in archive.namelist()
    assert not (home / "project" / "build" / "function.zip").exists()


def test_lambda_builder_fails_on_a_link_out_of_the_source_before_building_anything(home, tmp_path):
    project = home / "project"
    os.symlink(os.path.join("..", "..", ".aws", "credentials"), project / "src" / "creds")
    builder = LambdaBuilder(language="python", dependency_manager="pip", application_framework=None)

    with pytest.raises(WorkflowFailedError) as raised:
        builder.build(str(project / "src"), str(tmp_path / "artifacts"), str(tmp_path / "scratch"),
                      str(project / "requirements.txt"), runtime="python3.12")

    assert str(raised.value).startswith("PythonPipBuilder:CopySource - Refusing to copy the function's source: ")
    assert str(project / "src" / "creds") in str(raised.value) and "outside the source" in str(raised.value)
    assert not (tmp_path / "artifacts").exists()
