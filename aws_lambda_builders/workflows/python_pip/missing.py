"""Why a dependency is still missing after every step: one sentence a user can act on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Union

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


class CompilingHere(NamedTuple):
    """What this machine lacks to compile C code for the target (all None: nothing, or it was not asked)."""

    other_machine: Optional[str] = None  # this machine's CPU, when it is not the target's
    interpreter: Optional[str] = None  # the interpreter missing here, and what was found instead

    def needs(self, target: LambdaTarget) -> List[str]:
        needs = [self.interpreter] if self.interpreter else []
        return needs + ([f"an {target.machine} machine"] if self.other_machine else [])


def compiling_here(target: LambdaTarget, host: "Host", python_exe: str) -> CompilingHere:
    """What compiling for the target would need that the machine lacks (nothing when the host is not asked)."""
    interpreter = None
    if host.interpreter_for is not None and host.interpreter_for(target.python_version, [python_exe]) is None:
        interpreters = host.find_interpreters([python_exe]) if host.find_interpreters is not None else []
        found = ", ".join(i.describe() for i in interpreters) or "none"
        major, minor = target.python_version
        interpreter = f"a python{major}.{minor} interpreter (pass --python; found: {found})"
    other = host.machine if host.machine is not None and host.machine != target.machine else None
    return CompilingHere(other, interpreter)


def compiler_note(target: LambdaTarget, here: CompilingHere) -> str:
    """What compiling for the target would need that the machine lacks, for a build that failed otherwise
    ("" when it lacks nothing)."""
    needs = here.needs(target)
    return "if it has C code, compiling it for the target needs " + " and ".join(needs) if needs else ""


def needs_c_compiler(build_error: Optional[str]) -> bool:
    """Whether a build failed for want of a C compiler: it ran the one that step 5's build without a
    compiler names (``compat.pip_no_compile_c_env_vars``), which does not exist."""
    from .compat import pip_no_compile_c_env_vars

    return bool(build_error) and any(value in str(build_error) for value in pip_no_compile_c_env_vars.values())


def compiler_reason(target: LambdaTarget, wheels: Sequence[str], here: CompilingHere) -> str:
    """Why a package whose build needs a C compiler is missing, for a person (pip's words there are only
    about the compiler that step 5 hides on purpose)."""
    found = f" (found only {', '.join(sorted(wheels))})" if wheels else ""
    if here.other_machine:
        why = f"building it here would make an {here.other_machine} binary"
    elif here.interpreter:
        why = f"building it needs {here.interpreter}"
    else:
        why = "the wheel built here does not load there"
    if here.other_machine and here.interpreter:
        why += f", and would need {here.interpreter}"
    return f"needs a C compiler for {target.machine}: no wheel for {target.describe()}{found}, and {why}"


def missing_reasons(target: LambdaTarget, missing: Iterable[Union["Package", "LocalProject"]],
                    wheels: Dict[str, List[str]], build_errors: Dict[str, str], local: Set["Package"],
                    here: Callable[[], CompilingHere]) -> Dict[str, str]:
    """Why each missing package is missing, by identifier, in identifier order.

    ``wheels``: the wheel files found for each (with what is wrong with
    their binaries); ``build_errors``: pip's reason for each failed build;
    ``local``: the wheels built from local projects; ``here()``: what
    compiling for the target lacks on this machine, asked where building was tried.
    """
    reasons = {}
    for package in sorted(missing, key=lambda p: p.identifier):
        if package.dist_type == "directory":
            reasons[package.identifier] = local_project_reason(package.filename)
            continue
        sdist = package.filename if package.dist_type == "sdist" else None
        error = build_errors.get(package.identifier)
        found = wheels.get(package.identifier, [])
        if sdist and needs_c_compiler(error):
            reasons[package.identifier] = compiler_reason(target, found, here())
            continue
        reason = explain_missing(target, found, sdist, error)
        compiling = compiler_note(target, here()) if sdist or package in local else ""
        reasons[package.identifier] = f"{reason}; {compiling}" if compiling else reason
    return reasons
