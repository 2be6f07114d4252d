"""A package whose build ignores the configured compiler and runs this machine's gcc, as a build that probes
its host does: cross-built for another CPU it still yields a binary for this one, which the audit refuses."""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class HostCompiler(build_ext):
    def build_extensions(self):
        self.compiler.set_executables(compiler="gcc", compiler_so="gcc -fPIC", linker_so="gcc -shared")
        super().build_extensions()


setup(
    name="host-compiled-extension",
    version="1.0",
    ext_modules=[Extension("host_compiled_extension", ["src/host_compiled_extension.c"])],
    cmdclass={"build_ext": HostCompiler},
)
