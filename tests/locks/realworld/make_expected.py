"""Write expected.json: what each lock in this directory installs for each Lambda target.

This is an oracle made independently of lambda-pip: the package sets come from
the locking tools' own exports (uv export, poetry export, pipenv requirements),
whose remaining environment markers are evaluated here with
packaging.markers.Marker.evaluate against each Lambda target's environment.
The two pylock.toml files are already exports; their per-package markers are
evaluated the same way (and, where every package has a wheel for the target,
cross-checked with packaging.pylock.Pylock.select).

Wheel availability ("no_compatible_wheel") is checked against each target's
tags computed here with packaging.tags: the runtime's CPython ABI and the
manylinux levels up to the runtime's glibc (2.26 for python3.10/3.11, Amazon
Linux 2; 2.34 for python3.12+, Amazon Linux 2023). The file names come from
the pylock files, from `uv export --format pylock.toml` for uv, and from the
`files` lists of poetry.lock for Poetry. Pipfile.lock records hashes only, so
pipenv has no wheel check here.

Needs: python >= 3.11, packaging >= 26.1, and uv, poetry (with
poetry-plugin-export) and pipenv on PATH, or given as $UV, $POETRY, $PIPENV.
Run:   python make_expected.py        (writes expected.json beside this file)
"""

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.pylock import Pylock, PylockSelectError
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

HERE = Path(__file__).resolve().parent
UV = os.environ.get("UV", "uv")
POETRY = os.environ.get("POETRY", "poetry")
PIPENV = os.environ.get("PIPENV", "pipenv")

# Lambda runtime -> (CPython version, glibc of the runtime's OS)
RUNTIMES = {
    "python3.10": ((3, 10), (2, 26)),
    "python3.11": ((3, 11), (2, 26)),
    "python3.13": ((3, 13), (2, 34)),
}
# Lambda architecture -> platform_machine / wheel platform machine
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}

MAIN_TARGETS = ["python3.11-x86_64", "python3.11-arm64", "python3.13-x86_64", "python3.13-arm64"]
WITH_310 = ["python3.10-x86_64"] + MAIN_TARGETS

# Which targets each lock is recorded for. pipenv and pip lock for one Python
# (3.11) only; python3.10 is recorded where the lock covers it (the networkx fork).
LOCKS = {
    "uv": WITH_310,
    "poetry": WITH_310,
    "poetry-fork": WITH_310,
    "pipenv": MAIN_TARGETS,
    "pylock-uv": WITH_310,
    "pylock-pip": MAIN_TARGETS,
}


NOTES = {
    "uv": "uv export --no-default-groups: uv's own default (uv sync, uv export) would add the dev group.",
    "poetry": "Poetry does not fork on a dependency's requires-python: one networkx (3.4.2) for every Python.",
    "poetry-fork": "Not one of the five asked for: ../poetry with networkx split by python_version in "
                   "pyproject.toml. Poetry then picks 3.6, not 3.6.1, for >=3.11 (3.6.1 and 3.7 declare !=3.14.1).",
    "pipenv": "Locked for Python 3.11 ([requires] python_version); python3.13 rows are what its markers select. "
              "No extras concept, so no pyyaml. tomli is locked as '*' under python_version < '3.11'.",
    "pylock-uv": "Exported with --extra yaml and uv's default groups (dev). The export has no extras or "
                 "dependency-groups fields: pyyaml and pytest & co. are plain packages, selected by default.",
    "pylock-pip": "pip lock on CPython 3.11 x86_64: no markers, one wheel per package; other targets lack "
                  "wheels for charset-normalizer, orjson and pydantic-core (see no_compatible_wheel).",
}


def target_parts(target):
    runtime, arch = target.split("-")
    (major, minor), glibc = RUNTIMES[runtime]
    return (major, minor), glibc, MACHINES[arch]


def marker_environment(target):
    (major, minor), _, machine = target_parts(target)
    return {
        "implementation_name": "cpython",
        "implementation_version": f"{major}.{minor}.0",
        "os_name": "posix",
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{major}.{minor}.0",
        "python_version": f"{major}.{minor}",
        "sys_platform": "linux",
    }


def platform_tags(glibc, machine):
    """manylinux tags loadable with this glibc, newest first, with their legacy aliases."""
    oldest = {"x86_64": 5, "aarch64": 17}[machine]
    legacy = {
        ("x86_64", 5): "manylinux1",
        ("x86_64", 12): "manylinux2010",
        ("x86_64", 17): "manylinux2014",
        ("aarch64", 17): "manylinux2014",
    }
    tags = []
    for minor in range(glibc[1], oldest - 1, -1):
        tags.append(f"manylinux_{glibc[0]}_{minor}_{machine}")
        if (machine, minor) in legacy:
            tags.append(f"{legacy[(machine, minor)]}_{machine}")
    return tags


def target_tags(target):
    version, glibc, machine = target_parts(target)
    platforms = platform_tags(glibc, machine)
    interpreter = f"cp{version[0]}{version[1]}"
    return list(cpython_tags(version, [interpreter, "abi3", "none"], platforms)) + list(
        compatible_tags(version, interpreter, platforms)
    )


def run(args, cwd):
    env = dict(os.environ)
    env.pop("PIP_FIND_LINKS", None)
    env.update(PIP_CONFIG_FILE=os.devnull, UV_NO_CONFIG="1")
    result = subprocess.run(args, cwd=HERE / cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} (in {cwd}) failed:\n{result.stderr}")
    return result.stdout


def requirements_lines(text):
    """Requirements from an exported requirements.txt: skip comments, options and hash continuations."""
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip().rstrip("\\").strip()
        if not line or line.startswith(("#", "-")):
            continue
        yield Requirement(line)


def select_requirements(requirements, target):
    env = marker_environment(target)
    chosen = {}
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        pins = [s.version for s in req.specifier if s.operator == "=="]
        if len(pins) != 1:
            sys.exit(f"{req} applies to {target} but is not pinned to one version")
        name = canonicalize_name(req.name)
        if name in chosen and chosen[name] != pins[0]:
            sys.exit(f"two versions of {name} apply to {target}: {chosen[name]} and {pins[0]}")
        chosen[name] = pins[0]
    return dict(sorted(chosen.items()))


# ---- exports -------------------------------------------------------------

def uv_export(extras=(), groups=()):
    args = [UV, "export", "--frozen", "--no-hashes", "--format", "requirements-txt", "--no-default-groups"]
    for extra in extras:
        args += ["--extra", extra]
    for group in groups:
        args += ["--group", group]
    return list(requirements_lines(run(args, "uv")))


def poetry_export(directory, extras=(), groups=()):
    args = [POETRY, "export", "--without-hashes", "--format", "requirements.txt"]
    for extra in extras:
        args += ["--extras", extra]
    for group in groups:
        args += ["--with", group]
    return list(requirements_lines(run(args, directory)))


def pipenv_export():
    return list(requirements_lines(run([PIPENV, "requirements"], "pipenv")))


def pylock_packages(path, target):
    """The packages of a pylock.toml whose marker holds for the target (no extras, default groups)."""
    env = marker_environment(target)
    lock = Pylock.from_dict(tomllib.loads(path.read_text()))
    chosen = {}
    for package in lock.packages:
        if package.marker is None or package.marker.evaluate(env):
            chosen[str(package.name)] = str(package.version)
    return dict(sorted(chosen.items()))


# ---- wheels offered by each lock ----------------------------------------

def pylock_files(path):
    """{(name, version): ([wheel file names], has_sdist)} from a pylock.toml."""
    data = tomllib.loads(path.read_text())
    files = {}
    for package in data["packages"]:
        wheels = [w.get("name") or w["url"].rsplit("/", 1)[1] for w in package.get("wheels", [])]
        files[(canonicalize_name(package["name"]), package["version"])] = (wheels, "sdist" in package)
    return files


def uv_files():
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pylock.toml"
        run([UV, "export", "--frozen", "--format", "pylock.toml", "--all-extras", "--all-groups",
             "-o", str(out)], "uv")
        return pylock_files(out)


def poetry_files(directory):
    data = tomllib.loads((HERE / directory / "poetry.lock").read_text())
    files = {}
    for package in data["package"]:
        names = [f["file"] for f in package.get("files", [])]
        files[(canonicalize_name(package["name"]), package["version"])] = (
            [n for n in names if n.endswith(".whl")],
            any(not n.endswith(".whl") for n in names),
        )
    return files


def no_compatible_wheel(packages, files, target):
    tags = set(target_tags(target))
    missing = {}
    for name, version in packages.items():
        wheels, has_sdist = files[(name, version)]
        if not any(tags & parse_wheel_filename(w)[3] for w in wheels):
            missing[name] = {"version": version, "sdist": has_sdist, "wheels": sorted(wheels)}
    return missing


def check_with_pylock_select(path, target, packages):
    """packaging's own PEP 751 selection must agree where every package has a wheel for the target."""
    lock = Pylock.from_dict(tomllib.loads(path.read_text()))
    try:
        selected = {str(p.name): str(p.version)
                    for p, _ in lock.select(environment=marker_environment(target), tags=target_tags(target))}
    except PylockSelectError:
        return
    if dict(sorted(selected.items())) != packages:
        sys.exit(f"Pylock.select disagrees for {path} {target}: {selected} != {packages}")


def main():
    exports = {
        "uv": uv_export(),
        "poetry": poetry_export("poetry"),
        "poetry-fork": poetry_export("poetry-fork"),
        "pipenv": pipenv_export(),
    }
    files = {
        "uv": uv_files(),
        "poetry": poetry_files("poetry"),
        "poetry-fork": poetry_files("poetry-fork"),
        "pylock-uv": pylock_files(HERE / "pylock-uv" / "pylock.toml"),
        "pylock-pip": pylock_files(HERE / "pylock-pip" / "pylock.toml"),
    }

    expected = {
        "_about": (
            "Per lock directory and Lambda target: {normalized name: version} installed with the default "
            "selection (no extras, no dependency groups; a pylock.toml as exported). Made by make_expected.py "
            "from the tools' exports."
        ),
        "_notes": NOTES,
        "targets": {},
    }
    for target in WITH_310:
        version, glibc, machine = target_parts(target)
        expected["targets"][target] = {
            "marker_environment": marker_environment(target),
            "glibc": f"{glibc[0]}.{glibc[1]}",
            "newest_platform_tag": platform_tags(glibc, machine)[0],
        }

    missing_wheels = {}
    for lock, targets in LOCKS.items():
        expected[lock] = {}
        for target in targets:
            if lock.startswith("pylock-"):
                path = HERE / lock / "pylock.toml"
                packages = pylock_packages(path, target)
                check_with_pylock_select(path, target, packages)
            else:
                packages = select_requirements(exports[lock], target)
            expected[lock][target] = packages
            if lock in files:
                missing = no_compatible_wheel(packages, files[lock], target)
                if missing:
                    missing_wheels.setdefault(lock, {})[target] = missing

    expected["with_extra_yaml"] = {
        "target": "python3.11-x86_64",
        "uv": select_requirements(uv_export(extras=["yaml"]), "python3.11-x86_64"),
        "poetry": select_requirements(poetry_export("poetry", extras=["yaml"]), "python3.11-x86_64"),
    }
    expected["with_group_dev"] = {
        "target": "python3.11-x86_64",
        "uv": select_requirements(uv_export(groups=["dev"]), "python3.11-x86_64"),
    }
    expected["no_compatible_wheel"] = missing_wheels

    (HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print("wrote", HERE / "expected.json")


if __name__ == "__main__":
    main()
