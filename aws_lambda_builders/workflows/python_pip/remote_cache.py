"""The remote layer of the build cache (``--cache-url s3://bucket/prefix``): what one machine built, every
machine places, without pip, an index or a compiler.

The local cache stays the first level. In the remote store (``object_store``):

    wheels/<sha256>.whl     a wheel a build installed (downloaded or built here), by its content's digest
    builds/<key>.json       a whole build (key: ``cache_key``'s, the local one): its placement (each file, by
                            the sha256 of the wheel it comes from), each wheel's file name, and the record's
                            own digest
    built/<entry>.json      a wheel built from an sdist (entry: the local one's, ``cache_built``: the sdist's
                            sha256, the target, the builder): the wheel's file name and sha256

A wheel built from an sdist is also looked up alone, when the local cache lacks it: an sdist is compiled once
for a fleet, also for requirements no runner built whole before.

On a local miss of a build's key, its record is read from the store, and each wheel the local cache lacks is
downloaded, held to its sha256 (the key it is stored under), and unpacked into the local cache, which then
places the build as if it had made it. After a build is made and recorded locally, its wheels and its record
are written to the store, each only if absent (a concurrent runner's identical object stands). A damaged
object (its bytes not its digest's) is never used: it is reported, the build is made here, and the object is
replaced with the sound one. With ``readonly`` nothing is ever written. A store that does not answer (or
refuses) is said once, and the build goes on with the local cache alone: the remote layer never fails a build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Set

from .cache_records import Placement
from .object_store import ObjectStore, StoreUnavailable

if TYPE_CHECKING:
    from .cache import BuildCache

RECORD_FORMAT = 1


@dataclass
class RemoteReport:
    """What the remote cache did for one build (``--json``'s ``remote_cache``)."""

    store: str  # s3://bucket/prefix
    readonly: bool = False
    build_found: bool = False  # the build's record was in the store and placed from it
    fetched: List[str] = field(default_factory=list)  # wheels downloaded from the store
    fetched_bytes: int = 0
    published: List[str] = field(default_factory=list)  # wheels this build wrote to the store
    published_bytes: int = 0
    record_published: bool = False
    refused: List[str] = field(default_factory=list)  # damaged or foreign objects, not used
    unavailable: Optional[str] = None  # why the store was not used (it did not answer, or refused)

    def line(self) -> str:
        """One line of what the remote cache did, for a person."""
        if self.unavailable is not None:
            return f"remote cache {self.store}: not used ({self.unavailable})"
        from .units import format_size

        said = [f"build found, {len(self.fetched)} wheels downloaded ({format_size(self.fetched_bytes)})"
                if self.build_found else "build not found"]
        if self.published or self.record_published:
            said.append(f"{len(self.published)} wheels ({format_size(self.published_bytes)}) and the build written")
        if self.refused:
            said.append(f"{len(self.refused)} damaged objects refused")
        return f"remote cache {self.store}{' (read only)' if self.readonly else ''}: " + "; ".join(said)

    def to_dict(self) -> Dict[str, object]:
        return {"store": self.store, "readonly": self.readonly, "build_found": self.build_found,
                "fetched": self.fetched, "fetched_bytes": self.fetched_bytes, "published": self.published,
                "published_bytes": self.published_bytes, "record_published": self.record_published,
                "refused": self.refused, "unavailable": self.unavailable}


def record_document(key: str, placement: Placement, wheels: Dict[str, str]) -> bytes:
    """The remote record of the build ``key``: its placement, each wheel's file name, and the digest of all."""
    return _signed({"format": RECORD_FORMAT, "key": key, "placement": placement.to_json(),
                    "wheels": dict(sorted(wheels.items()))})


def read_record(data: bytes, key: str) -> Optional[Dict[str, Any]]:
    """The remote record of the build ``key`` if its digest is its content's and it is that build's; None for a
    damaged or foreign one (another build's record under this key places what that build placed)."""
    document = _verified(data)
    if document is None or not isinstance(document.get("wheels"), dict) or document.get("key") != key:
        return None
    return document


def built_record(name: str, wheel: str, sha256: str) -> bytes:
    """The remote entry of a wheel built from an sdist: its file name and digest, and the entry's own digest."""
    return _signed({"format": RECORD_FORMAT, "entry": name, "wheel": wheel, "sha256": sha256})


def read_built_record(data: bytes, name: str) -> Optional[Dict[str, str]]:
    """The remote entry ``name`` of a built wheel, if sound and that entry's (a wheel's file name, no path)."""
    document = _verified(data)
    wheel = document.get("wheel") if document is not None else None
    if document is None or document.get("entry") != name or not isinstance(wheel, str) \
            or os.path.basename(wheel) != wheel or not wheel.endswith(".whl"):
        return None
    return {"wheel": wheel, "sha256": str(document.get("sha256"))}


def _signed(body: Dict[str, Any]) -> bytes:
    """``body`` as JSON with the sha256 of its canonical form beside it (``digest``)."""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
    return json.dumps(dict(body, digest=digest), sort_keys=True).encode("utf-8")


def _verified(data: bytes) -> Optional[Dict[str, Any]]:
    """The body :func:`_signed` wrote, if ``data`` is one of this format whose digest is its body's; else None."""
    try:
        document = json.loads(data.decode("utf-8"))
        digest = document.pop("digest")
        if document.get("format") != RECORD_FORMAT:
            return None
        if hashlib.sha256(json.dumps(document, sort_keys=True).encode("utf-8")).hexdigest() != digest:
            return None
        return dict(document)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        return None


class RemoteCache:
    """The store under the local cache for the builds of one run (see the module's docstring)."""

    def __init__(self, store: ObjectStore, readonly: bool = False,
                 warn: Callable[[str], None] = lambda message: None) -> None:
        self.store = store
        self.readonly = readonly
        self._warn = warn
        self.report = RemoteReport(store.description, readonly)
        self._damaged: Set[str] = set()  # keys of damaged objects, replaced when this run writes them

    def fetch_build(self, cache: "BuildCache", key: str) -> bool:
        """Bring the build ``key`` from the store into the local cache; whether the local cache now has it."""
        if self.report.unavailable is not None:
            return False
        try:
            data = self.store.get(f"builds/{key}.json")
            if data is None:
                return False
            record = read_record(data, key)
            if record is None:
                self._refuse(f"builds/{key}.json", "its content is not the digest it carries, or not this build's")
                return False
            try:
                placement, wheels = Placement.from_json(record["placement"]), dict(record["wheels"])
            except (ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
                self._refuse(f"builds/{key}.json", f"its placement cannot be read ({error})")
                return False
            if set(placement.files.values()) - set(wheels):
                self._refuse(f"builds/{key}.json", "it places files from wheels it does not name")
                return False
            with tempfile.TemporaryDirectory(prefix="lambda-pip-remote-") as scratch:
                for digest in sorted(set(placement.files.values())):
                    if not cache.has_tree(digest) and not self._fetch_wheel(cache, digest, str(wheels[digest]),
                                                                            scratch):
                        # A record whose wheels are missing or damaged is replaced by this build's own.
                        self._damaged.add(f"builds/{key}.json")
                        return False
            cache.store(key, placement)
        except StoreUnavailable as error:
            self._unavailable(error)
            return False
        self.report.build_found = True
        return True

    def publish_build(self, cache: "BuildCache", key: str) -> None:
        """Write the build ``key`` (recorded in the local cache) and its wheels to the store, what is absent."""
        if self.readonly or self.report.unavailable is not None:
            return
        placement = cache.record(key)
        if placement is None:
            return
        from .cache_wheels import kept_wheel

        wheels: Dict[str, str] = {}
        paths: Dict[str, str] = {}
        for digest in sorted(set(placement.files.values())):
            path = kept_wheel(cache, digest)
            if path is None:  # unpacked before the remote cache was in use: this build cannot be shared whole
                return
            wheels[digest], paths[digest] = os.path.basename(path), path
        try:
            for digest, path in paths.items():
                with open(path, "rb") as f:
                    data = f.read()
                if self._write(f"wheels/{digest}.whl", data):
                    self.report.published.append(wheels[digest])
                    self.report.published_bytes += len(data)
            self.report.record_published = self._write(f"builds/{key}.json", record_document(key, placement, wheels))
        except (StoreUnavailable, OSError) as error:
            self._unavailable(error)

    def _fetch_wheel(self, cache: "BuildCache", digest: str, filename: str, scratch: str) -> bool:
        key = f"wheels/{digest}.whl"
        data = self.store.get(key)
        if data is None:
            return False
        if hashlib.sha256(data).hexdigest() != digest or os.path.basename(filename) != filename \
                or not filename.endswith(".whl"):
            self._refuse(key, "its content is not its digest" if hashlib.sha256(data).hexdigest() != digest
                         else f"its file name {filename!r} is not a wheel's")
            return False
        directory = os.path.join(scratch, digest)
        os.makedirs(directory)
        path = os.path.join(directory, filename)
        with open(path, "wb") as f:
            f.write(data)
        try:
            cache.tree_for(path)  # unpacked, and kept for the next publication
        except Exception as error:  # the bytes it was stored as, but no wheel that installs (the installer's
            # refusals are of several classes): never the build's failure
            self._refuse(key, f"it is not a wheel that installs ({type(error).__name__}: {error})")
            return False
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        self.report.fetched.append(filename)
        self.report.fetched_bytes += len(data)
        return True

    # --- wheels built from sdists (``cache_built``), each under its local entry's name ------------------

    def fetch_built(self, name: str, directory: str) -> Optional[str]:
        """The wheel the store holds for the built-wheel entry ``name`` (an sdist's digest, the target, the
        builder), downloaded into ``directory`` and held to its digest; None when there is none."""
        if self.report.unavailable is not None:
            return None
        key = f"built/{name}.json"
        try:
            data = self.store.get(key)
            if data is None:
                return None
            record = read_built_record(data, name)
            if record is None:
                self._refuse(key, "its content is not the digest it carries, or not this entry's")
                return None
            wheel = self.store.get(f"wheels/{record['sha256']}.whl")
        except StoreUnavailable as error:
            self._unavailable(error)
            return None
        if wheel is None:
            return None
        if hashlib.sha256(wheel).hexdigest() != record["sha256"]:
            self._refuse(f"wheels/{record['sha256']}.whl", "its content is not its digest")
            self._damaged.add(key)
            return None
        path = os.path.join(directory, record["wheel"])
        with open(path, "wb") as f:
            f.write(wheel)
        self.report.fetched.append(record["wheel"])
        self.report.fetched_bytes += len(wheel)
        return path

    def publish_built(self, name: str, wheel_path: str) -> None:
        """Write a wheel built here (kept locally under the entry ``name``) and its entry, what is absent."""
        if self.readonly or self.report.unavailable is not None:
            return
        try:
            with open(wheel_path, "rb") as f:
                data = f.read()
            digest = hashlib.sha256(data).hexdigest()
            if self._write(f"wheels/{digest}.whl", data):
                self.report.published.append(os.path.basename(wheel_path))
                self.report.published_bytes += len(data)
            self._write(f"built/{name}.json", built_record(name, os.path.basename(wheel_path), digest))
        except (StoreUnavailable, OSError) as error:
            self._unavailable(error)

    def record_unusable(self, key: str) -> None:
        """The build ``key`` fetched from the store could not be placed (its resolution too old to reuse):
        this build's own record replaces it."""
        self.report.build_found = False
        self._damaged.add(f"builds/{key}.json")

    def _write(self, key: str, data: bytes) -> bool:
        if key in self._damaged:
            self.store.replace(key, data)
            self._damaged.discard(key)
            return True
        return self.store.put_new(key, data)

    def _refuse(self, key: str, why: str) -> None:
        self._damaged.add(key)
        if key in self.report.refused:  # met again (a whole build's record and a built wheel's entry name it)
            return
        self.report.refused.append(key)
        self._warn(f"the remote cache's {key} is damaged or foreign ({why}): not used; building here")

    def _unavailable(self, error: Exception) -> None:
        if self.report.unavailable is None:
            self.report.unavailable = str(error)
            self._warn(f"the remote build cache is not used: {error}")
