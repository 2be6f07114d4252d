"""A Cython extension: Cython (a build requirement) writes the C, which is then compiled for the target."""

from Cython.Build import cythonize
from setuptools import setup

setup(name="cython-extension", version="1.0", ext_modules=cythonize(["src/cython_extension.pyx"]))
