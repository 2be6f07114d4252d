"""Steps 4 and 5 of ``DependencyBuilder``: the sdists built into wheels for the target, with a compiler and then
without one, and the local projects pip built with one rebuilt without it (``SdistSteps``, a base of
``DependencyBuilder``, whose methods keep aws-lambda-builders' names)."""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

from .cache_key import built_wheel_target
from .package import LocalProject, Package
from .pip_output import pip_error_summary
from .pip_runner import PipResult, PipRunner
from .sdist_builds import SdistBuilds, build_failed
from .selection import sdists_to_build

if TYPE_CHECKING:
    from .build_run import BuildRun
    from .host import Host
    from .target import LambdaTarget


class SdistSteps:
    """Steps 4 and 5, on the state of the builder they are a base of."""

    # What they use of ``DependencyBuilder``.
    _run: "BuildRun"
    _host: "Host"
    _pip: PipRunner
    target: "LambdaTarget"
    runtime: str
    architecture: str
    python_exe: str

    if TYPE_CHECKING:
        def _categorize_wheel_files(self, directory: str) -> Tuple[Set[Package], Set[Package]]: ...

        def _binary_problems(self, directory: str, filename: str) -> List[str]: ...

    def _build_sdists(self, sdists: Set[Package], directory: str, compile_c: bool = True) -> None:
        """Steps 4 and 5: build each sdist into a wheel in ``directory``, several at a time (``SdistBuilds``);
        reported from this thread once all are done, in identifier order, as if they ran one by one."""
        run = self._run
        if compile_c and run.cross:  # the target's compiler, whatever this machine is
            self._cross_build_sdists(sdists, directory)
            return
        if compile_c and self._host.machine is not None and self._host.machine != self.target.machine:
            # A compiler here makes code for this CPU, which the target cannot load: the build
            # without one (step 5's) is the only one whose wheel can be used, so it runs now, once.
            compile_c = False
        ordered = sdists_to_build(sdists, run.built_without_c, compile_c)
        if not compile_c:
            run.built_without_c.update(s.filename for s in ordered)
        if not ordered:
            return
        builds = self._sdist_builds()
        run.ui.write("building " + ", ".join(s.filename for s in ordered) + ("" if compile_c else
                                                                             " without a C compiler"))
        results = builds.build(ordered, directory, compile_c)
        compatible = self._categorize_wheel_files(directory)[0]
        for sdist, result in zip(ordered, results):
            if self._record_build_error(sdist.identifier, result):
                continue
            built = [w for w in compatible if w == sdist]
            if built:
                run.ui.package_built(sdist.filename, built[0].filename)

    def _cross_build_sdists(self, sdists: Set[Package], directory: str) -> None:
        """Step 4 with ``--cross`` (``cross_builds``): each sdist compiled for the target with zig; a wheel whose
        binaries the audit finds the target's is tagged for the target's glibc, any other is left unusable
        (step 5 then builds the sdist without a compiler, and the audit's findings say why it is missing)."""
        from .cross_builds import CrossBuilds
        from .cross_target import manylinux_tag
        from .pure_wheel import holds_compiled_code, retag_as_pure
        from .wheel_retag import retag

        run = self._run
        ordered = sdists_to_build(sdists, run.built_without_c, True)
        if not ordered:
            return
        if run.cross_builds is None:
            run.cross_builds = CrossBuilds(self._pip, self._host, self.target, self.python_exe,
                                           run.later_pip_options, run.cache, run.scratch or tempfile.gettempdir(),
                                           run.ui.write)
        builds = run.cross_builds
        if builds.unavailable() is None:
            run.ui.write("cross-building " + ", ".join(s.filename for s in ordered) + f" for {self.target.describe()}")
        results = builds.build(ordered, directory)
        accepted = f"{manylinux_tag(self.target)}.whl"
        for sdist, result in zip(ordered, results):
            if self._record_build_error(sdist.identifier, result):
                continue
            for filename in sorted(os.listdir(directory)):
                if not filename.endswith(".whl") or Package(directory, filename) != sdist:
                    continue
                path = os.path.join(directory, filename)
                if filename.endswith(accepted):  # from the cache, where only what the audit accepted is kept
                    run.cross_built.append(sdist.identifier)
                    continue
                if not filename.endswith(f"linux_{self.target.machine}.whl"):
                    continue
                problems = self._binary_problems(directory, filename)
                if problems:  # not the target's binaries: the package is built without C, or missing, and says why
                    run.build_errors.setdefault(sdist.identifier, "the wheel cross-built was refused by the audit: "
                                                + "; ".join(problems))
                    continue
                if holds_compiled_code(path):
                    tags = filename[:-len(".whl")].split("-")[-3:]
                    retagged = retag(path, f"{tags[0]}-{tags[1]}-{manylinux_tag(self.target)}")
                    builds.store(os.path.join(directory, sdist.filename), retagged)
                    run.cross_built.append(sdist.identifier)
                else:  # its optional extension did not compile for the target: pure Python, and tagged so
                    retagged = retag_as_pure(path)
                    run.ui.write(f"{sdist.filename} gave no compiled code for {self.target.describe()}: "
                                 f"installed as {os.path.basename(retagged)}")
                os.remove(path)
                run.ui.package_built(sdist.filename, os.path.basename(retagged))

    def _sdist_builds(self) -> SdistBuilds:
        """This build's sdist builder, made once: pip in an interpreter of the target's Python version when the
        machine has one (its C extensions are then for the target's ABI), else in ``python_exe``."""
        run = self._run
        if run.sdist_builds is None:
            runner = self._pip
            found = self._host.interpreter_for and self._host.interpreter_for(self.target.python_version,
                                                                              [self.python_exe])
            if found and found.path != os.path.realpath(self.python_exe):
                run.ui.write(f"building sdists with Python {found.describe()}")
                runner = self._pip.for_python(found.path)
                runner.temp_dir = run.pip_temp_dir
            built_for = built_wheel_target(self.runtime, self.architecture, runner.python_exe,
                                           run.later_pip_options)
            run.sdist_builds = SdistBuilds(runner, run.later_pip_options, run.cache, built_for)
        return run.sdist_builds

    def _record_build_error(self, key: str, result: Optional[PipResult]) -> bool:
        """Keep pip's reason when a build failed. (Runners written for the original return None.)

        The first failure is kept: the build with a compiler says what is wrong
        with the code; the one without says only that there was no compiler.
        """
        if build_failed(result):
            self._run.build_errors.setdefault(key, pip_error_summary(result[2].decode("utf-8", "replace")))
            return True
        return False

    def _unbuilt_local_projects(self) -> Set[LocalProject]:
        """Local directory requirements from which pip could not build any wheel."""
        return {LocalProject(source) for source, wheels in self._run.local_builds.items() if not wheels}

    def _rebuild_local_directories_without_c(self, directory: str) -> None:
        """Step 5 for local directory requirements, which pip built in step 1 with a compiler: each whose wheel
        is incompatible is rebuilt without one (``SdistBuilds.build_project_without_c``), and a compatible wheel
        replaces it."""
        compatible, incompatible = self._categorize_wheel_files(directory)
        unusable = incompatible - compatible
        for source, wheels in sorted(self._run.local_builds.items()):
            if not wheels & unusable:
                continue
            aside = tempfile.mkdtemp(prefix="no-c-", dir=directory)
            try:
                self._record_build_error(source, self._sdist_builds().build_project_without_c(
                    self._run.local_copies.get(source, source), aside))
                # Iterate the new wheels themselves: a set intersection may keep the old ones.
                for wheel in [w for w in self._categorize_wheel_files(aside)[0] if w in unusable]:
                    shutil.move(os.path.join(aside, wheel.filename), os.path.join(directory, wheel.filename))
                    self._run.ui.package_built(source, wheel.filename)
            finally:
                shutil.rmtree(aside, ignore_errors=True)
