"""The steps a workflow runs, one ``execute()`` each, as aws-lambda-builders defines them."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

from aws_lambda_builders import utils
from aws_lambda_builders.utils import copytree

LOG = logging.getLogger(__name__)


class ActionFailedError(Exception):
    """An action could not do its job; the message says why, ``hint`` what to do about it."""

    def __init__(self, *args: object, hint: str = "") -> None:
        super().__init__(*args)
        self.hint = hint


class Purpose:
    """What an action is for."""

    RESOLVE_DEPENDENCIES = "RESOLVE_DEPENDENCIES"
    COPY_SOURCE = "COPY_SOURCE"
    LINK_SOURCE = "LINK_SOURCE"
    COPY_DEPENDENCIES = "COPY_DEPENDENCIES"
    MOVE_DEPENDENCIES = "MOVE_DEPENDENCIES"
    COMPILE_SOURCE = "COMPILE_SOURCE"
    CLEAN_UP = "CLEAN_UP"

    @staticmethod
    def has_value(item: Any) -> bool:
        return item in Purpose.__dict__.values() and isinstance(item, str) and item.isupper()


class _ActionMetaClass(type):
    """Refuses an action class without a name or a purpose when it is defined."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], class_dict: Dict[str, Any]) -> "_ActionMetaClass":
        cls = type.__new__(mcs, name, bases, class_dict)
        if cls.__name__ in ("BaseAction", "NodejsNpmInstallOrUpdateBaseAction"):
            return cls
        if not isinstance(cls.NAME, str):  # type: ignore[attr-defined]
            raise ValueError("Action must provide a valid name")
        if not Purpose.has_value(cls.PURPOSE):  # type: ignore[attr-defined]
            raise ValueError("Action must provide a valid purpose")
        return cls


class BaseAction(metaclass=_ActionMetaClass):
    NAME: Any = None
    DESCRIPTION = ""
    PURPOSE: Any = None

    def execute(self) -> None:
        raise NotImplementedError("execute")

    def __repr__(self) -> str:
        return "Name={}, Purpose={}, Description={}".format(self.NAME, self.PURPOSE, self.DESCRIPTION)


class CopySourceAction(BaseAction):
    NAME = "CopySource"
    DESCRIPTION = "Copying source code while skipping certain commonly excluded files"
    PURPOSE = Purpose.COPY_SOURCE

    def __init__(self, source_dir: str, dest_dir: str, excludes: Optional[Sequence[str]] = None,
                 maintain_symlinks: bool = False) -> None:
        self.source_dir = source_dir
        self.dest_dir = dest_dir
        self.excludes = excludes or []
        self.maintain_symlinks = maintain_symlinks

    def execute(self) -> None:
        copytree(self.source_dir, self.dest_dir, ignore=shutil.ignore_patterns(*self.excludes),
                 maintain_symlinks=self.maintain_symlinks)


class LinkSourceAction(BaseAction):
    NAME = "LinkSource"
    DESCRIPTION = "Linking source code to the target folder"
    PURPOSE = Purpose.LINK_SOURCE

    def __init__(self, source_dir: str, dest_dir: str) -> None:
        self._source_dir = source_dir
        self._dest_dir = dest_dir

    def execute(self) -> None:
        for name in os.listdir(self._source_dir):  # through the module's ``os`` (a seam callers patch)
            source_file = Path(self._source_dir, name)
            destination = Path(self._dest_dir, name)
            if destination.exists():
                os.remove(destination)
            else:
                os.makedirs(destination.parent, exist_ok=True)
            utils.create_symlink_or_copy(str(source_file), str(destination))


class LinkSinglePathAction(BaseAction):
    NAME = "LinkSource"
    DESCRIPTION = "Creates symbolic link at destination, pointing to source"
    PURPOSE = Purpose.LINK_SOURCE

    def __init__(self, source: str, dest: str) -> None:
        self._source = source
        self._dest = dest

    def execute(self) -> None:
        source_path = Path(self._source)
        destination_path = Path(self._dest)
        if not source_path.exists():
            LOG.debug("Skipping symlink action: %s does not exist", source_path)
            return
        if not destination_path.exists():
            os.makedirs(destination_path.parent, exist_ok=True)
        utils.create_symlink_or_copy(str(source_path), str(destination_path))


class DependencyManager:
    """The (source, destination) pairs of dependencies: what ``artifact_dir`` holds that the source does not."""

    IGNORE_LIST = ["node_modules"]

    def __init__(self, source_dir: str, artifact_dir: str, destination_dir: str,
                 manifest_dir: Optional[str] = None) -> None:
        self._source_dir = source_dir
        self._artifact_dir = artifact_dir
        self._dest_dir = destination_dir
        self._manifest_dir = manifest_dir

    def yield_source_dest(self) -> Iterator[Tuple[str, str]]:
        source_names = set(os.listdir(self._source_dir))
        manifest_names = set(os.listdir(self._manifest_dir)) if self._manifest_dir else set()
        artifact_names = set(os.listdir(self._artifact_dir))
        for ignored in self.IGNORE_LIST:
            source_names.discard(ignored)
            manifest_names.discard(ignored)
        for name in artifact_names - (source_names | manifest_names):
            yield os.path.join(self._artifact_dir, name), os.path.join(self._dest_dir, name)


class CopyDependenciesAction(BaseAction):
    NAME = "CopyDependencies"
    DESCRIPTION = "Copying dependencies while skipping source file"
    PURPOSE = Purpose.COPY_DEPENDENCIES

    def __init__(self, source_dir: str, artifact_dir: str, destination_dir: str, maintain_symlinks: bool = False,
                 manifest_dir: Optional[str] = None) -> None:
        self.source_dir = source_dir
        self.artifact_dir = artifact_dir
        self.dest_dir = destination_dir
        self.maintain_symlinks = maintain_symlinks
        self.manifest_dir = manifest_dir

    def execute(self) -> None:
        manager = DependencyManager(self.source_dir, self.artifact_dir, self.dest_dir, self.manifest_dir)
        for source, destination in manager.yield_source_dest():
            if os.path.islink(source) and self.maintain_symlinks:
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                linkto = os.readlink(source)
                utils.create_symlink_or_copy(linkto, destination)
                shutil.copystat(source, destination, follow_symlinks=False)
            elif os.path.isdir(source):
                copytree(source, destination, maintain_symlinks=self.maintain_symlinks)
            else:
                os.makedirs(os.path.dirname(destination), exist_ok=True)
                shutil.copy2(source, destination)


class MoveDependenciesAction(BaseAction):
    NAME = "MoveDependencies"
    DESCRIPTION = "Moving dependencies while skipping source file"
    PURPOSE = Purpose.MOVE_DEPENDENCIES

    def __init__(self, source_dir: str, artifact_dir: str, destination_dir: str,
                 manifest_dir: Optional[str] = None) -> None:
        self.source_dir = source_dir
        self.artifact_dir = artifact_dir
        self.dest_dir = destination_dir
        self.manifest_dir = manifest_dir

    def execute(self) -> None:
        manager = DependencyManager(self.source_dir, self.artifact_dir, self.dest_dir, self.manifest_dir)
        for source, destination in manager.yield_source_dest():
            if os.path.isfile(source):
                os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.move(source, destination)


class CleanUpAction(BaseAction):
    """Empties ``target_dir`` (the directory itself stays); links in it are removed, not followed."""

    NAME = "CleanUp"
    DESCRIPTION = "Cleaning up the target folder"
    PURPOSE = Purpose.CLEAN_UP

    def __init__(self, target_dir: str) -> None:
        self.target_dir = target_dir

    def execute(self) -> None:
        if not os.path.isdir(self.target_dir):
            LOG.debug("Clean up action: %s does not exist and will be skipped.", self.target_dir)
            return
        targets = os.listdir(self.target_dir)
        LOG.debug("Clean up action: folder %s will be cleaned", self.target_dir)
        for name in targets:
            target_path = os.path.join(self.target_dir, name)
            LOG.debug("Clean up action: %s is deleted", target_path)
            if os.path.islink(target_path):
                os.unlink(target_path)
            elif os.path.isdir(target_path):
                shutil.rmtree(target_path)
            else:
                os.remove(target_path)
