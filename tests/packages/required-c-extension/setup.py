"""A package whose C extension is required: it cannot be built for another architecture here."""

from setuptools import Extension, setup

setup(
    name="required-c-extension",
    version="1.0",
    ext_modules=[Extension("required_c_extension", ["src/required_c_extension.c"])],
)
