"""Why a dependency is still missing after every step: one sentence a user can act on."""

from __future__ import annotations

from typing import Optional, Sequence

from .target import LambdaTarget


def explain_missing(
    target: LambdaTarget,
    wheels: Sequence[str],
    sdist: Optional[str],
    build_error: Optional[str],
) -> str:
    """Say what was tried for one package and why it does not load on ``target``.

    ``wheels`` are the wheel files pip produced for it (none of them
    compatible), ``sdist`` its source distribution if pip fetched one, and
    ``build_error`` the summary of the last failed wheel build, if any.
    """
    wanted = (
        f"no wheel for {target.describe()} (needs {target.abi} or abi3, "
        f"manylinux_{target.glibc[0]}_{target.glibc[1]}_{target.machine} or older, or pure Python)"
    )
    parts = [wanted]
    if wheels:
        parts.append("found only " + ", ".join(sorted(wheels)))
    if sdist and build_error:
        parts.append(f"building {sdist} failed: {build_error}")
    elif sdist:
        parts.append(f"building {sdist} did not give a compatible wheel")
    return "; ".join(parts)
