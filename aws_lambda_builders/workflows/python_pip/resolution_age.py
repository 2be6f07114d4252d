"""How long a cached resolution of requirements that are not fully pinned is reused, and how that is said.

A build whose key is unchanged is placed from the cache without pip. When its
requirements pin everything it installed (``pinning``), that is right forever.
When they do not (``requests``, or pinned packages with unpinned dependencies),
the cached build is the resolution of the day it was made: it is reused, and
said to be, while it is younger than ``Config.max_resolution_age`` (a day by
default), and resolved again once older, or at once with ``Config.refresh``.
Resolving again reuses the cache's unpacked wheels and the wheels it built
from sdists; a resolution that picks the same releases gives the same files.

Stdlib only: an unchanged rebuild runs it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Dict, NamedTuple, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from .cache_records import Placement, ResolutionFacts

ONE_DAY = 86400.0
DEFAULT_MAX_RESOLUTION_AGE = ONE_DAY  # seconds


class ResolutionPolicy(NamedTuple):
    """How old a cached resolution of unpinned requirements may be and still be reused."""

    max_age: float = DEFAULT_MAX_RESOLUTION_AGE  # seconds; 0: resolved again by every build
    refresh: bool = False  # resolve again now, whatever the age

    def reuses(self, resolution: Optional["ResolutionFacts"], now: float) -> bool:
        """Whether a record with these facts may be placed at ``now``: always when fully pinned (or the
        record predates these facts), else while younger than ``max_age`` and not refreshing."""
        if resolution is None or not resolution.unpinned:
            return True
        return not self.refresh and now - resolution.resolved_at < self.max_age


class ReusedResolution(NamedTuple):
    """A cached resolution of requirements that are not fully pinned, as a build reused (or refused) it."""

    resolved_at: float  # seconds since the epoch
    age: float  # seconds, at the build
    unpinned: Tuple[str, ...]  # the installed distributions no requirement pins

    @classmethod
    def of(cls, resolution: "ResolutionFacts", now: float) -> "ReusedResolution":
        return cls(resolution.resolved_at, max(0.0, now - resolution.resolved_at), resolution.unpinned)

    def message(self) -> str:
        """What a person is told when the build was placed from it."""
        return (f"reused the resolution of {describe_age(self.age)} ago ({unpinned_text(self.unpinned)}); "
                "--refresh resolves again")

    def to_dict(self) -> Dict[str, object]:
        """Its ``--json`` form."""
        return {"resolved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.resolved_at)),
                "age_seconds": round(self.age), "unpinned": list(self.unpinned)}


class ResolutionCheck:
    """One build's look at its cached record (``BuildCache.restore``'s ``reusable``): made for the build,
    it remembers the resolution it refused, so that the build can say why it resolves again."""

    def __init__(self, policy: ResolutionPolicy, now: float) -> None:
        self.policy = policy
        self.now = now
        self.refused: Optional[ReusedResolution] = None

    def __call__(self, placement: "Placement") -> bool:
        if self.policy.reuses(placement.resolution, self.now):
            return True
        assert placement.resolution is not None
        self.refused = ReusedResolution.of(placement.resolution, self.now)
        return False

    def refusal(self) -> Optional[str]:
        """Why the cached resolution is not reused, for a person; None when none was refused."""
        if self.refused is None:
            return None
        old = f"the resolution of {describe_age(self.refused.age)} ago ({unpinned_text(self.refused.unpinned)})"
        if self.policy.refresh:
            return f"resolving again (--refresh) instead of reusing {old}"
        return f"resolving again: {old} is older than {describe_age(self.policy.max_age)}"


def describe_age(seconds: float) -> str:
    """A duration as a person says it, rounded: ``40 s``, ``12 min``, ``3 h``, ``2 days``."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * ONE_DAY:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / ONE_DAY:.0f} days"


def unpinned_text(names: Sequence[str], shown: int = 3) -> str:
    """``requests unpinned``, ``a, b and c unpinned``, ``a, b, c and 4 more unpinned``."""
    names = list(names)
    if len(names) > shown:
        return f"{', '.join(names[:shown])} and {len(names) - shown} more unpinned"
    if len(names) > 1:
        return f"{', '.join(names[:-1])} and {names[-1]} unpinned"
    return f"{''.join(names)} unpinned"
