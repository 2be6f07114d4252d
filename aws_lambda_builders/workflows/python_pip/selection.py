"""The decisions of steps 2 to 7, as pure functions over the distributions found: which install as they
are, which pip is asked a wheel for, which sdists are built, and which are missing.

They take and give sets of distributions (``package.Package``, or anything with the same few
attributes: two of the same release are equal), and a compatibility test by file name; they read no
file and start no process, so they are tested as they are.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, List, NamedTuple, Protocol, Set, Tuple, TypeVar


class Distribution(Protocol):
    """What the decisions read of a distribution: equal to any other of the same release."""

    @property
    def dist_type(self) -> str: ...  # "wheel", "sdist" or "directory"

    @property
    def filename(self) -> str: ...

    @property
    def identifier(self) -> str: ...  # "<normalized name>==<version>"

    @property
    def name(self) -> str: ...


D = TypeVar("D", bound=Distribution)


class SortedDownloads(NamedTuple):
    """Step 2: what pip downloaded, by what it is for the target."""

    sdists: Set[Any]
    compatible: Set[Any]  # wheels that load on the target as they are
    incompatible: Set[Any]  # wheels for another platform, Python or ABI


def sort_downloads(downloads: Iterable[D], is_compatible: Callable[[str], bool]) -> SortedDownloads:
    """Split the downloads into sdists, compatible wheels and incompatible wheels (by file name)."""
    sorted_downloads = SortedDownloads(set(), set(), set())
    for download in downloads:
        if download.dist_type == "sdist":
            sorted_downloads.sdists.add(download)
        elif is_compatible(download.filename):
            sorted_downloads.compatible.add(download)
        else:
            sorted_downloads.incompatible.add(download)
    return sorted_downloads


def wheels_to_ask_for(sdists: Set[D], compatible: Set[D], incompatible: Set[D], local: Set[D],
                      resolved_for_target: bool) -> Set[D]:
    """Step 3: the releases pip is asked a wheel for the target for.

    Those with no compatible wheel, but never a local project's (a release of
    the same name on an index is somebody else's code). After a resolution for
    the target, pip has already looked for a wheel of every sdist it chose, with
    the target's tags and ``--prefer-binary``: only its incompatible wheels (which
    such a resolution should not give, but a custom runner may) are asked for.
    """
    wanted = (sdists | (incompatible - compatible)) - local
    if resolved_for_target:
        wanted = {distribution for distribution in wanted if distribution.dist_type != "sdist"}
    return wanted


def sdists_to_build(sdists: Iterable[D], built_without_c: Set[str], compile_c: bool) -> List[D]:
    """Steps 4 and 5: the sdists (still without a compatible wheel) to build, in identifier order; without a
    compiler, those not built without one already in this build."""
    return sorted((sdist for sdist in sdists if compile_c or sdist.filename not in built_without_c),
                  key=lambda sdist: sdist.identifier)


def apply_allowlist(compatible: Set[D], incompatible: Set[D], allowlist: Iterable[str]) -> Tuple[Set[D], Set[D]]:
    """Step 6: wheels of the allowlisted projects (which claim a platform but work anywhere) count as compatible."""
    allowed = set(allowlist)
    accepted = {wheel for wheel in incompatible if wheel.name in allowed}
    return set(compatible) | accepted, set(incompatible) - accepted


def still_missing(downloads: Set[D], compatible: Set[D], unbuilt_local: Iterable[Any]) -> Set[Any]:
    """Step 7: every release downloaded with no compatible wheel, and every local project pip built nothing from."""
    return (downloads - compatible) | set(unbuilt_local)
