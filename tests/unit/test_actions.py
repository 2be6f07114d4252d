"""The framework's actions (aws-lambda-builders' ``actions``): names, purposes, the metaclass, and what each
``execute`` calls, through the module's seams and on real files."""

from __future__ import annotations

import logging
import os
from unittest import mock

import pytest

from aws_lambda_builders.actions import (ActionFailedError, BaseAction, CleanUpAction, CopyDependenciesAction,
                                         CopySourceAction, DependencyManager, LinkSinglePathAction, LinkSourceAction,
                                         MoveDependenciesAction, Purpose)

PURPOSES = ["RESOLVE_DEPENDENCIES", "COPY_SOURCE", "LINK_SOURCE", "COPY_DEPENDENCIES", "MOVE_DEPENDENCIES",
            "COMPILE_SOURCE", "CLEAN_UP"]


def test_action_failed_error_is_a_plain_exception_with_its_message():
    error = ActionFailedError("it broke")

    assert isinstance(error, Exception)
    assert str(error) == "it broke"


@pytest.mark.parametrize("name", PURPOSES)
def test_each_purpose_is_its_own_name_and_known(name):
    assert getattr(Purpose, name) == name
    assert Purpose.has_value(name) is True


@pytest.mark.parametrize("item", ["SOMETHING_ELSE", "copy_source", None, "has_value"])
def test_other_values_are_not_purposes(item):
    assert Purpose.has_value(item) is False


def test_base_action_defaults_and_execute():
    assert (BaseAction.NAME, BaseAction.DESCRIPTION, BaseAction.PURPOSE) == (None, "", None)
    with pytest.raises(NotImplementedError) as raised:
        BaseAction().execute()
    assert str(raised.value) == "execute"


def test_an_action_repr_is_exact():
    class MyAction(BaseAction):
        NAME = "MyName"
        PURPOSE = Purpose.COPY_SOURCE
        DESCRIPTION = "Say hello"

    assert repr(MyAction()) == "Name=MyName, Purpose=COPY_SOURCE, Description=Say hello"


def test_an_action_without_a_name_is_refused():
    with pytest.raises(ValueError) as raised:
        type("NoName", (BaseAction,), {"PURPOSE": Purpose.COPY_SOURCE})
    assert str(raised.value) == "Action must provide a valid name"


@pytest.mark.parametrize("purpose", [None, "SOMETHING"])
def test_an_action_without_a_valid_purpose_is_refused(purpose):
    with pytest.raises(ValueError) as raised:
        type("NoPurpose", (BaseAction,), {"NAME": "NoPurpose", "PURPOSE": purpose})
    assert str(raised.value) == "Action must provide a valid purpose"


def test_the_npm_base_action_is_not_checked():
    cls = type("NodejsNpmInstallOrUpdateBaseAction", (BaseAction,), {})

    assert cls.NAME is None


@pytest.mark.parametrize("cls, name, purpose", [
    (CopySourceAction, "CopySource", Purpose.COPY_SOURCE),
    (CleanUpAction, "CleanUp", Purpose.CLEAN_UP),
    (LinkSourceAction, "LinkSource", Purpose.LINK_SOURCE),
    (LinkSinglePathAction, "LinkSource", Purpose.LINK_SOURCE),
    (CopyDependenciesAction, "CopyDependencies", Purpose.COPY_DEPENDENCIES),
    (MoveDependenciesAction, "MoveDependencies", Purpose.MOVE_DEPENDENCIES),
])
def test_the_names_and_purposes_of_the_actions(cls, name, purpose):
    assert (cls.NAME, cls.PURPOSE) == (name, purpose)


# --------------------------------------------------------------------------- CopySourceAction


def test_copy_source_description_and_attributes():
    action = CopySourceAction("source", "dest", excludes=["*.pyc"], maintain_symlinks=True)

    assert CopySourceAction.DESCRIPTION == "Copying source code while skipping certain commonly excluded files"
    assert (action.source_dir, action.dest_dir, action.excludes, action.maintain_symlinks) == (
        "source", "dest", ["*.pyc"], True)
    assert CopySourceAction("s", "d").excludes == []
    assert CopySourceAction("s", "d").maintain_symlinks is False


@mock.patch("aws_lambda_builders.actions.copytree")
def test_copy_source_calls_copytree_with_exactly_its_keywords(copytree_mock):
    CopySourceAction("source_dir", "dest_dir", excludes=["*.pyc", "__pycache__"]).execute()

    copytree_mock.assert_called_once_with("source_dir", "dest_dir", ignore=mock.ANY, maintain_symlinks=False)
    ignore = copytree_mock.call_args.kwargs["ignore"]
    assert set(ignore("source_dir", ["a.pyc", "__pycache__", "a.py"])) == {"a.pyc", "__pycache__"}


@mock.patch("aws_lambda_builders.actions.copytree")
def test_copy_source_passes_maintain_symlinks(copytree_mock):
    CopySourceAction("source_dir", "dest_dir", maintain_symlinks=True).execute()

    copytree_mock.assert_called_once_with("source_dir", "dest_dir", ignore=mock.ANY, maintain_symlinks=True)


def test_copy_source_copies_real_files_without_the_excluded(tmp_path):
    source = tmp_path / "source"
    (source / "pkg" / "__pycache__").mkdir(parents=True)
    (source / "app.py").write_text("app")
    (source / "pkg" / "m.py").write_text("m")
    (source / "pkg" / "m.pyc").write_text("bytecode")
    (source / "pkg" / "__pycache__" / "x").write_text("x")

    CopySourceAction(str(source), str(tmp_path / "dest"), excludes=["*.pyc", "__pycache__"]).execute()

    copied = sorted(str(p.relative_to(tmp_path / "dest")) for p in (tmp_path / "dest").rglob("*"))
    assert copied == ["app.py", "pkg", os.path.join("pkg", "m.py")]


# --------------------------------------------------------------------------- CleanUpAction


@mock.patch("aws_lambda_builders.actions.shutil")
@mock.patch("aws_lambda_builders.actions.os")
def test_clean_up_removes_each_entry_by_its_kind(os_mock, shutil_mock):
    os_mock.path.join.side_effect = lambda a, b: "{}/{}".format(a, b)
    os_mock.listdir.return_value = ["link", "dir", "file"]
    os_mock.path.islink.side_effect = lambda p: p == "target_dir/link"
    os_mock.path.isdir.side_effect = lambda p: p in ("target_dir", "target_dir/dir")

    CleanUpAction("target_dir").execute()

    os_mock.listdir.assert_called_once_with("target_dir")
    os_mock.unlink.assert_called_once_with("target_dir/link")
    shutil_mock.rmtree.assert_called_once_with("target_dir/dir")
    os_mock.remove.assert_called_once_with("target_dir/file")


@mock.patch("aws_lambda_builders.actions.shutil")
@mock.patch("aws_lambda_builders.actions.os")
def test_clean_up_of_a_missing_directory_does_nothing(os_mock, shutil_mock):
    os_mock.path.isdir.return_value = False

    CleanUpAction("target_dir").execute()

    os_mock.listdir.assert_not_called()
    os_mock.remove.assert_not_called()
    shutil_mock.rmtree.assert_not_called()


def test_clean_up_empties_a_real_directory_without_following_links(tmp_path):
    target = tmp_path / "deps"
    (target / "pkg").mkdir(parents=True)
    (target / "pkg" / "mod.py").write_text("x")
    (target / "file.txt").write_text("x")
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "precious").write_text("keep me")
    (target / "link_to_dir").symlink_to(kept, target_is_directory=True)
    (target / "link_to_file").symlink_to(kept / "precious")

    action = CleanUpAction(str(target))
    action.execute()

    assert action.target_dir == str(target)
    assert target.is_dir()
    assert list(target.iterdir()) == []
    assert (kept / "precious").read_text() == "keep me"


def test_clean_up_of_a_missing_real_directory_logs_and_creates_nothing(tmp_path, caplog):
    with caplog.at_level(logging.DEBUG, logger="aws_lambda_builders.actions"):
        CleanUpAction(str(tmp_path / "absent")).execute()

    assert not (tmp_path / "absent").exists()
    assert any(r.levelno == logging.DEBUG for r in caplog.records)


# --------------------------------------------------------------------------- LinkSourceAction, LinkSinglePathAction


@mock.patch("aws_lambda_builders.actions.utils.create_symlink_or_copy")
@mock.patch("aws_lambda_builders.actions.os")
def test_link_source_links_each_name_listed_through_the_os_seam(os_mock, link_mock, tmp_path):
    os_mock.listdir.return_value = ["file1", "file2"]
    dest = tmp_path / "dest"
    (dest).mkdir()
    (dest / "file2").write_text("old")

    LinkSourceAction("source", str(dest)).execute()

    os_mock.listdir.assert_called_once_with("source")
    os_mock.makedirs.assert_called_once_with(dest, exist_ok=True)
    os_mock.remove.assert_called_once_with(dest / "file2")
    assert sorted(link_mock.call_args_list) == [mock.call(os.path.join("source", "file1"), str(dest / "file1")),
                                                mock.call(os.path.join("source", "file2"), str(dest / "file2"))]


def test_link_source_links_real_files(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "a.py").write_text("a")
    dest = tmp_path / "dest" / "sub"

    LinkSourceAction(str(source), str(dest)).execute()

    assert (dest / "a.py").is_symlink()
    assert (dest / "a.py").read_text() == "a"


@mock.patch("aws_lambda_builders.actions.utils.create_symlink_or_copy")
@mock.patch("aws_lambda_builders.actions.os.makedirs")
def test_link_single_path_skips_a_missing_source(makedirs_mock, link_mock):
    LinkSinglePathAction(source="src/path", dest="dest/path").execute()

    link_mock.assert_not_called()
    makedirs_mock.assert_not_called()


@mock.patch("aws_lambda_builders.actions.utils.create_symlink_or_copy")
@mock.patch("aws_lambda_builders.actions.os.makedirs")
def test_link_single_path_makes_the_parent_of_a_missing_destination(makedirs_mock, link_mock, tmp_path):
    source = tmp_path / "src"
    source.write_text("x")
    dest = tmp_path / "out" / "dest"

    LinkSinglePathAction(source=str(source), dest=str(dest)).execute()

    makedirs_mock.assert_called_once_with(dest.parent, exist_ok=True)
    link_mock.assert_called_once_with(str(source), str(dest))


@mock.patch("aws_lambda_builders.actions.utils.create_symlink_or_copy")
@mock.patch("aws_lambda_builders.actions.os.makedirs")
def test_link_single_path_over_an_existing_destination_makes_no_directory(makedirs_mock, link_mock, tmp_path):
    (tmp_path / "src").write_text("x")
    (tmp_path / "dest").write_text("y")

    LinkSinglePathAction(source=str(tmp_path / "src"), dest=str(tmp_path / "dest")).execute()

    makedirs_mock.assert_not_called()
    link_mock.assert_called_once_with(str(tmp_path / "src"), str(tmp_path / "dest"))


# --------------------------------------------------------------------------- DependencyManager


@pytest.mark.parametrize("source, manifest, artifact, expected", [
    (["app.py"], None, ["app.py", "dep1", "dep2"], {"dep1", "dep2"}),
    (["app.py", "node_modules"], None, ["app.py", "node_modules"], {"node_modules"}),
    (["app.py"], ["package.json", "node_modules"], ["app.py", "package.json", "node_modules", "dep"],
     {"node_modules", "dep"}),
    (["a"], ["b"], ["a", "b"], set()),
])
def test_dependency_manager_yields_what_only_the_artifacts_hold(source, manifest, artifact, expected):
    listings = [source] + ([manifest] if manifest is not None else []) + [artifact]
    with mock.patch("aws_lambda_builders.actions.os.listdir", side_effect=listings) as listdir_mock:
        manager = DependencyManager("source", "artifact", "dest", manifest_dir="manifest" if manifest else None)
        pairs = list(manager.yield_source_dest())

    expected_calls = [mock.call("source")] + ([mock.call("manifest")] if manifest else []) + [mock.call("artifact")]
    assert listdir_mock.call_args_list == expected_calls
    assert sorted(pairs) == sorted((os.path.join("artifact", name), os.path.join("dest", name)) for name in expected)


def test_dependency_manager_ignore_list():
    assert DependencyManager.IGNORE_LIST == ["node_modules"]


# ------------------------------------------------------------- CopyDependenciesAction, MoveDependenciesAction


@mock.patch("aws_lambda_builders.actions.os.makedirs")
@mock.patch("aws_lambda_builders.actions.os.path.dirname")
@mock.patch("aws_lambda_builders.actions.shutil.copy2")
@mock.patch("aws_lambda_builders.actions.copytree")
@mock.patch("aws_lambda_builders.actions.os.path.isdir")
@mock.patch("aws_lambda_builders.actions.os.listdir")
@mock.patch("aws_lambda_builders.actions.os.path.join")
def test_copy_dependencies_copies_directories_and_files(join_mock, listdir_mock, isdir_mock, copytree_mock,
                                                        copy2_mock, dirname_mock, makedirs_mock):
    listdir_mock.side_effect = [[1], [1, 2, 3]]
    join_mock.side_effect = ["dir1", "dir2", "file1", "file2"]
    isdir_mock.side_effect = [True, False]
    dirname_mock.side_effect = ["parent_dir_1"]

    CopyDependenciesAction("source", "artifact", "dest").execute()

    listdir_mock.assert_any_call("source")
    listdir_mock.assert_any_call("artifact")
    copytree_mock.assert_called_once_with("dir1", "dir2", maintain_symlinks=False)
    copy2_mock.assert_called_once_with("file1", "file2")
    makedirs_mock.assert_called_once_with("parent_dir_1", exist_ok=True)


def test_copy_dependencies_attributes():
    action = CopyDependenciesAction("s", "a", "d", maintain_symlinks=True, manifest_dir="m")

    assert (action.source_dir, action.artifact_dir, action.dest_dir, action.maintain_symlinks,
            action.manifest_dir) == ("s", "a", "d", True, "m")


def test_copy_dependencies_on_real_files_keeps_links_when_asked(tmp_path):
    source, artifact, dest = tmp_path / "source", tmp_path / "artifact", tmp_path / "dest"
    for directory in (source, artifact, dest):
        directory.mkdir()
    (source / "app.py").write_text("source")
    (artifact / "app.py").write_text("built source")
    (artifact / "pkg").mkdir()
    (artifact / "pkg" / "m.py").write_text("m")
    (artifact / "top.py").write_text("top")
    (artifact / "bin").symlink_to("pkg", target_is_directory=True)

    CopyDependenciesAction(str(source), str(artifact), str(dest), maintain_symlinks=True).execute()

    assert sorted(os.listdir(dest)) == ["bin", "pkg", "top.py"]
    assert (dest / "bin").is_symlink()
    assert (dest / "pkg" / "m.py").read_text() == "m"
    assert (dest / "top.py").read_text() == "top"


@mock.patch("aws_lambda_builders.actions.shutil.move")
@mock.patch("aws_lambda_builders.actions.os.listdir")
@mock.patch("aws_lambda_builders.actions.os.path.join")
def test_move_dependencies_moves_every_pair(join_mock, listdir_mock, move_mock):
    listdir_mock.side_effect = [[1], [1, 2, 3]]
    join_mock.side_effect = ["dir1", "dir2", "file1", "file2"]

    MoveDependenciesAction("source", "artifact", "dest").execute()

    listdir_mock.assert_any_call("source")
    listdir_mock.assert_any_call("artifact")
    assert move_mock.call_args_list == [mock.call("dir1", "dir2"), mock.call("file1", "file2")]


def test_move_dependencies_on_real_files(tmp_path):
    source, artifact, dest = tmp_path / "source", tmp_path / "artifact", tmp_path / "dest"
    for directory in (source, artifact):
        directory.mkdir()
    (source / "app.py").write_text("source")
    (artifact / "app.py").write_text("built")
    (artifact / "dep.py").write_text("dep")
    (artifact / "pkg").mkdir()

    MoveDependenciesAction(str(source), str(artifact), str(dest)).execute()

    assert sorted(os.listdir(dest)) == ["dep.py", "pkg"]
    assert sorted(os.listdir(artifact)) == ["app.py"]
