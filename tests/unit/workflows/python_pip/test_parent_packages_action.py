"""PythonCreateParentPackagesAction (§4.4): the function's own files moved under ``parent_python_packages``,
the dependencies left at the top, through the module's ``Path`` and on real files."""

from __future__ import annotations

import logging
from unittest import mock

import pytest

from aws_lambda_builders.actions import Purpose
from aws_lambda_builders.workflows.python_pip.actions import PARENT_PYTHON_PKGS_KEY, PythonCreateParentPackagesAction

LOGGER = "aws_lambda_builders.workflows.python_pip.actions"


def test_the_class_attributes():
    assert PARENT_PYTHON_PKGS_KEY == "parent_python_packages"
    assert PythonCreateParentPackagesAction.NAME == "CreateParentPackages"
    assert PythonCreateParentPackagesAction.DESCRIPTION == "Creating parent Python packages"
    assert PythonCreateParentPackagesAction.PURPOSE == Purpose.COPY_SOURCE
    assert PythonCreateParentPackagesAction.LANGUAGE == "python"


def test_the_constructor_keeps_its_arguments():
    action = PythonCreateParentPackagesAction("source", "dest", {"parent_python_packages": "a"})

    assert (action.source_dir, action.dest_dir, action.options) == ("source", "dest", {"parent_python_packages": "a"})
    assert PythonCreateParentPackagesAction("source", "dest").options == {}
    assert PythonCreateParentPackagesAction("source", "dest", None).options == {}


@pytest.mark.parametrize("options", [None, {}, {"other": "a.b"}, {"parent_python_packages": None},
                                     {"parent_python_packages": ""}, {"parent_python_packages": 3},
                                     {"parent_python_packages": ["a", "b"]}, ["parent_python_packages"]])
@mock.patch("aws_lambda_builders.workflows.python_pip.actions.Path")
def test_no_usable_value_is_a_no_op(path_mock, options):
    PythonCreateParentPackagesAction("source", "dest", options).execute()

    path_mock.assert_not_called()


@mock.patch("aws_lambda_builders.workflows.python_pip.actions.Path")
def test_the_moves_through_the_path_seam(path_mock):
    paths = {}

    def make_path(value):
        return paths.setdefault(value, mock.MagicMock(name=value))

    path_mock.side_effect = make_path
    items = [mock.MagicMock(), mock.MagicMock()]
    items[0].name, items[1].name = "app.py", ".venv"
    make_path("source").glob.return_value = items
    copied_app, not_copied = mock.MagicMock(), mock.MagicMock()
    copied_app.exists.return_value, not_copied.exists.return_value = True, False
    make_path("dest").__truediv__.side_effect = lambda name: {"app.py": copied_app, ".venv": not_copied}[name]

    PythonCreateParentPackagesAction("source", "dest", {"parent_python_packages": "a.b.c"}).execute()

    target = make_path("dest").joinpath.return_value
    make_path("dest").joinpath.assert_called_once_with("a", "b", "c")
    target.mkdir.assert_called_once_with(parents=True, exist_ok=False)
    make_path("source").glob.assert_called_once_with(pattern="*")
    copied_app.rename.assert_called_once_with(target.__truediv__.return_value)
    target.__truediv__.assert_called_once_with("app.py")
    not_copied.rename.assert_not_called()


@mock.patch("aws_lambda_builders.workflows.python_pip.actions.Path")
def test_an_existing_package_directory_is_skipped_with_a_warning(path_mock, caplog):
    target = path_mock.return_value.joinpath.return_value
    target.mkdir.side_effect = FileExistsError()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        PythonCreateParentPackagesAction("source", "dest", {"parent_python_packages": "a"}).execute()

    path_mock.return_value.glob.assert_not_called()
    [record] = caplog.records
    assert record.msg == "Skipping creating package %s as it would overwrite existing folder"
    assert record.args == (target,)


def test_real_files_move_under_the_package_and_dependencies_stay(tmp_path):
    source, dest = tmp_path / "source", tmp_path / "artifacts"
    (source / "lib").mkdir(parents=True)
    (source / "app.py").write_text("app")
    (source / ".hidden.json").write_text("{}")
    (source / "lib" / "util.py").write_text("util")
    (source / "__pycache__").mkdir()  # excluded: never copied, so not moved
    (dest / "lib").mkdir(parents=True)
    (dest / "app.py").write_text("app")
    (dest / ".hidden.json").write_text("{}")
    (dest / "lib" / "util.py").write_text("util")
    (dest / "requests").mkdir()
    (dest / "requests-2.0.dist-info").mkdir()

    PythonCreateParentPackagesAction(str(source), str(dest), {"parent_python_packages": "company.team"}).execute()

    assert sorted(p.name for p in dest.iterdir()) == ["company", "requests", "requests-2.0.dist-info"]
    moved = dest / "company" / "team"
    assert sorted(p.name for p in moved.iterdir()) == [".hidden.json", "app.py", "lib"]
    assert (moved / "lib" / "util.py").read_text() == "util"
    assert not (dest / "company" / "__init__.py").exists()
    assert not (moved / "__init__.py").exists()
    assert not (moved / "__pycache__").exists()


def test_a_real_existing_package_directory_moves_nothing(tmp_path, caplog):
    source, dest = tmp_path / "source", tmp_path / "artifacts"
    source.mkdir()
    (source / "app.py").write_text("app")
    (dest / "company").mkdir(parents=True)
    (dest / "app.py").write_text("app")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        PythonCreateParentPackagesAction(str(source), str(dest), {"parent_python_packages": "company"}).execute()

    assert (dest / "app.py").is_file()
    assert list((dest / "company").iterdir()) == []
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


@pytest.mark.parametrize("value", ["../outside", "/tmp/x", "a/b", "a..b", "a.", "1abc", "a b"])
def test_a_value_that_is_not_a_dotted_package_name_is_refused(tmp_path, caplog, value):
    # differs from aws-lambda-builders: a value that is no dotted package name (it could name a path out of the
    # artifacts) leaves the source at the top, with a warning
    source, dest = tmp_path / "source", tmp_path / "artifacts"
    source.mkdir()
    (source / "app.py").write_text("app")
    dest.mkdir()
    (dest / "app.py").write_text("app")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        PythonCreateParentPackagesAction(str(source), str(dest), {"parent_python_packages": value}).execute()

    assert [p.name for p in dest.iterdir()] == ["app.py"]
    assert not (tmp_path / "outside").exists()
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "is not a dotted package name" in record.getMessage()
