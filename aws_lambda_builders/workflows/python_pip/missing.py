"""Why a dependency is still missing after every step: one sentence a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, Optional, Sequence, Set, Union

from .target import LambdaTarget

if TYPE_CHECKING:
    from .host import Host
    from .package import LocalProject, Package


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


def local_project_reason(path: str) -> str:
    """Why a local directory requirement is missing: pip built no wheel from it."""
    return f"pip could not build the local project {path} into a wheel; `pip wheel --no-deps {path}` shows why"


def compiler_note(target: LambdaTarget, host: "Host", python_exe: str) -> str:
    """What compiling for the target would need that the machine lacks ("" when it lacks nothing, or when the
    host is not asked)."""
    needs = []
    if host.interpreter_for is not None and host.interpreter_for(target.python_version, [python_exe]) is None:
        interpreters = host.find_interpreters([python_exe]) if host.find_interpreters is not None else []
        found = ", ".join(i.describe() for i in interpreters) or "none"
        major, minor = target.python_version
        needs.append(f"a python{major}.{minor} interpreter (pass --python; found: {found})")
    if host.machine is not None and host.machine != target.machine:
        needs.append(f"an {target.machine} machine")
    return "if it has C code, compiling it for the target needs " + " and ".join(needs) if needs else ""


def missing_reasons(target: LambdaTarget, missing: Iterable[Union["Package", "LocalProject"]],
                    wheels: Dict[str, List[str]], build_errors: Dict[str, str], local: Set["Package"],
                    note: Callable[[], str]) -> Dict[str, str]:
    """Why each missing package is missing, by identifier, in identifier order.

    ``wheels``: the wheel files found for each (with what is wrong with
    their binaries); ``build_errors``: pip's reason for each failed build;
    ``local``: the wheels built from local projects; ``note()``: what
    compiling for the target would need, added where building was tried.
    """
    reasons = {}
    for package in sorted(missing, key=lambda p: p.identifier):
        if package.dist_type == "directory":
            reasons[package.identifier] = local_project_reason(package.filename)
            continue
        sdist = package.filename if package.dist_type == "sdist" else None
        reason = explain_missing(target, wheels.get(package.identifier, []), sdist,
                                 build_errors.get(package.identifier))
        compiling = note() if sdist or package in local else ""
        reasons[package.identifier] = f"{reason}; {compiling}" if compiling else reason
    return reasons
