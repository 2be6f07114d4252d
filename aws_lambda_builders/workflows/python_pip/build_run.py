"""One build's state through the nine steps: made when the build starts, dropped when it ends.

A ``DependencyBuilder`` reused for a second build starts it with a new
:class:`BuildRun`, so nothing the first one found (build errors, local
projects, what was built without a compiler) reaches the second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from .requirements_file import RequirementsFile
from .utils import UI

if TYPE_CHECKING:
    from .build_inputs import PreparedInput
    from .cross_builds import CrossBuilds
    from .cache import BuildCache, Placement
    from .package import Package
    from .sdist_builds import SdistBuilds


@dataclass
class BuildRun:
    """What one build knows and has found so far."""

    ui: UI = field(default_factory=UI)
    cache: Optional["BuildCache"] = None
    requirements: RequirementsFile = field(default_factory=RequirementsFile)
    # What the input became for pip (a lock's files and sources, ``build_inputs``); None: a requirements file.
    prepared: Optional["PreparedInput"] = None
    lock_sources: Optional[str] = None  # a lock's local projects and VCS checkouts, as pip reads them
    unavailable: Dict[str, str] = field(default_factory=dict)  # a lock's releases with no file for the target
    # pip's options for the first download, which reads the requirements file's own options itself; the
    # later passes name packages one by one and get the file's options too.
    pip_options: List[str] = field(default_factory=list)
    later_pip_options: List[str] = field(default_factory=list)
    pip_temp_dir: Optional[str] = None  # where pip's temporary files go: in the build's scratch directory
    sdist_builds: Optional["SdistBuilds"] = None  # made once, before the first sdist is built
    scratch: Optional[str] = None  # this build's own scratch directory
    cross: bool = False  # step 4 compiles for the target with zig (``Config(cross=True)``, ``--cross``)
    cross_builds: Optional["CrossBuilds"] = None  # made once, before the first sdist is cross-built
    cross_built: List[str] = field(default_factory=list)  # identifiers of the sdists cross-built and accepted
    resolved_for_target: bool = False  # step 1 held for the target (no fallback to this machine)
    built_without_c: Set[str] = field(default_factory=set)  # sdists already built without a compiler
    build_errors: Dict[str, str] = field(default_factory=dict)  # pip's reason, by package identifier
    missing_reasons: Dict[str, str] = field(default_factory=dict)  # step 7: why each missing one is, by identifier
    local_builds: Dict[str, Set["Package"]] = field(default_factory=dict)  # by the user's project directory
    local_copies: Dict[str, str] = field(default_factory=dict)  # the user's project directory -> pip's copy
    binary_problems: Dict[Tuple[str, int, int], List[str]] = field(default_factory=dict)  # by (path, mtime, size)
    placement: Optional["Placement"] = None  # the files placed from the cache; None when it was not used
