"""A C extension with functions to call: what the CPU it was compiled for says of itself, and a computation."""

from setuptools import Extension, setup

setup(
    name="compiled-function",
    version="2.0",
    ext_modules=[Extension("compiled_function", ["src/compiled_function.c"])],
)
