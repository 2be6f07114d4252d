"""A package whose C speed-up is optional: without a C compiler it builds as pure Python.

The pattern of simplejson and others: try to build with the extension, and on
a compiler failure run setup() again without it, which gives a pure wheel.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildFailed(Exception):
    pass


class optional_build_ext(build_ext):
    def run(self):
        try:
            build_ext.run(self)
        except Exception as error:
            raise BuildFailed() from error

    def build_extension(self, ext):
        try:
            build_ext.build_extension(self, ext)
        except Exception as error:
            raise BuildFailed() from error


def run_setup(with_extension):
    options = {}
    if with_extension:
        options = {
            "ext_modules": [Extension("optional_c_extension._speedups", ["optional_c_extension/_speedups.c"])],
            "cmdclass": {"build_ext": optional_build_ext},
        }
    setup(name="optional-c-extension", version="2.0", packages=["optional_c_extension"], **options)


try:
    run_setup(True)
except BuildFailed:
    run_setup(False)
