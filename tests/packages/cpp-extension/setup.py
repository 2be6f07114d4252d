"""A C++ extension (the C++ standard library in use), compiled for the target."""

from setuptools import Extension, setup

setup(name="cpp-extension", version="1.0",
      ext_modules=[Extension("cpp_extension", ["src/cpp_extension.cpp"], language="c++")])
